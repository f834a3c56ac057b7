/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_ATTACH_H
#define SYNFIN_ATTACH_H

#include <net/if.h>
#include "config.h"

struct synfin;

struct attachment {
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum xdp_mode mode;	/* what it ended up as: native or skb */
	int xdp_link;		/* link fds: closing them detaches */
	int tc_link;		/* TCX ingress */
	int tc_egress_link;	/* TCX egress */
	int reused;		/* links were pinned: programs replaced in place */
	char pin_dir[256];	/* "" when not pinned */
};

/* TC (egress, then ingress) first, then XDP, so a cookie ACK that XDP
 * passes always finds the program that hands it over, and the table sees
 * the kernel's replies from the first. Returns 0 or -1 with nothing
 * attached.
 */
int attach_iface(struct synfin *skel, const char *ifname, enum xdp_mode mode,
		 const char *pin_dir, struct attachment *a);
/* XDP first, then TC: the reverse order. keep leaves the pinned links (and
 * so the programs) in place; otherwise the pins go too.
 */
void detach_iface(struct attachment *a, int keep);

#endif
