/* SPDX-License-Identifier: GPL-2.0 */
/* What an interface is like, as the choice of mode needs it. */
#ifndef SYNFIN_IFACE_H
#define SYNFIN_IFACE_H

#include <linux/types.h>

/* Its MTU, or -1. */
int iface_mtu(const char *ifname);
/* Does it strip VLAN tags into metadata on receive (rx-vlan-offload or
 * rx-vlan-stag-hw-parse on)? XDP can't see those tags. 1, 0, or -1 when
 * it can't be told.
 */
int iface_strips_vlan(const char *ifname);
/* The id of the XDP program attached to it (any mode), 0 if none. */
__u32 iface_xdp_prog(int ifindex);
/* The id of a synfin program (named xdp_synfin or tc_synfin_*) attached
 * to its XDP hook (xdp_id, from iface_xdp_prog) or TCX ingress, 0 if
 * none: another synfind's.
 */
__u32 iface_synfin_prog(int ifindex, __u32 xdp_id);

#endif
