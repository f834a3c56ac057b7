/* SPDX-License-Identifier: GPL-2.0 */
/* Constants of the BPF side: the wire's (vmlinux.h has the kernel's enums,
 * such as IPPROTO_TCP, but none of its #defines), TC's verdicts, and
 * synfin's own limits and budgets.
 */
#ifndef SYNFIN_CONSTS_H
#define SYNFIN_CONSTS_H

#include "vmlinux.h"

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define IP6_OFFSET 0xfff8	/* the fragment header's offset bits */
#define NEXTHDR_DEST 60

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TIMESTAMP 8
#define TCP_MAX_OPTLEN 40
#define TCP_MAX_WSCALE 14

/* The flags byte of the TCP header (byte 13). */
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_ECE 0x40
#define TCP_FLAG_CWR 0x80

/* TC verdicts as uapi's pkt_cls.h has them. TC_ACT_UNSPEC passes and lets
 * any later program see the packet; tcx's TCX_NEXT has the same value.
 */
#define TC_ACT_UNSPEC -1
#define TC_ACT_SHOT 2

/* What the parsers read; past it the guard drops a frame (vlan_deep_dropped,
 * ext_deep_dropped): a SYN may hide there.
 */
#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXT 4

#define SYNACK_TTL 64

/* TC egress pulls this much into the linear part, once, when the headers
 * are not all there: Ethernet, two VLAN tags, IPv6 with room for
 * extension headers, TCP with the longest options.
 */
#define HDR_PULL 192
_Static_assert(HDR_PULL >= sizeof(struct ethhdr) +
			   MAX_VLAN_TAGS * sizeof(struct vlan_hdr) +
			   sizeof(struct ipv6hdr) + 60,
	       "HDR_PULL must hold the headers without extension headers");

/* Socket lookups for segments in no table entry, per CPU and second. Past
 * it, such segments are dropped unasked (counted); a real one is resent
 * and gets its turn.
 */
#define ADOPT_LOOKUPS_PER_S 50000

#endif /* SYNFIN_CONSTS_H */
