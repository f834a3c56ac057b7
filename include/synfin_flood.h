/* SPDX-License-Identifier: GPL-2.0 */
/* What synfin-flood's XDP program and its userspace both see: the frame
 * templates the program copies on every run, and the flood types.
 */
#ifndef SYNFIN_FLOOD_H
#define SYNFIN_FLOOD_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Ethernet 14 + IPv6 40 + TCP 20 + the SYN's options 20, rounded up. */
#define FLOOD_FRAME_MAX 96
#define FLOOD_SYN_OPTLEN 20	/* MSS, SACK-permitted, timestamps, NOP, wscale */
#define FLOOD_OFF_TSVAL 8	/* TSval's offset within the SYN's options */
#define FLOOD_PORT_MIN 1024	/* source ports are drawn from 1024-65535 */

enum flood_type {
	FLOOD_SYN,
	FLOOD_ACK,
	FLOOD_FIN,
	FLOOD_RST,
	FLOOD_MIXED,		/* cycles through the four above */
	FLOOD_TYPE__MAX,
};
#define FLOOD_NTMPL 4		/* one template per type but FLOOD_MIXED */

/* One frame of one type, with its random fields (source address host bits,
 * IPv4 id, source port, sequence, acknowledgement, TSval) zero and both
 * checksums zero. The sums are of the constant words the checksums cover,
 * in network order, not folded: the program adds the random words to them.
 */
struct flood_tmpl {
	__u8 frame[FLOOD_FRAME_MAX];
	__u32 len;
	__u32 ip_sum;		/* IPv4 header; 0 for IPv6 */
	__u64 tcp_sum;		/* pseudo-header, TCP header and options */
};

#endif /* SYNFIN_FLOOD_H */
