/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_ATTACH_H
#define SYNFIN_ATTACH_H

#include <net/if.h>
#include "config.h"

struct synfin;

struct attachment {
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum guard_mode mode;	/* what it ended up as: native, skb or tc */
	int xdp_link;		/* link fds: closing them detaches */
	int tc_link;		/* TCX ingress: the hand-off, or TC mode's guard */
	int tc_egress_link;	/* TCX egress */
	int reused;		/* links were pinned: programs replaced in place */
	char pin_dir[256];	/* "" when not pinned */
};

/* Chooses the mode (auto: native XDP, else TC mode, saying why; an
 * interface with another XDP program or one that strips VLAN tags is TC
 * mode's, and refused in native and skb mode). TC (egress, then ingress)
 * first, then XDP, so a cookie ACK that XDP passes always finds the
 * program that hands it over, and the table sees the kernel's replies from
 * the first. Returns 0, or -1 with nothing attached (-2: refused as asked,
 * with one line saying why).
 */
int attach_iface(struct synfin *skel, const char *ifname, enum guard_mode mode,
		 const char *pin_dir, struct attachment *a);
/* XDP first, then TC: the reverse order. keep leaves the pinned links (and
 * so the programs) in place; otherwise the pins go too.
 */
void detach_iface(struct attachment *a, int keep);

#endif
