/* SPDX-License-Identifier: GPL-2.0 */
/* The cookie SYN-ACK: what it offers for a SYN's options, and the frame
 * written over the SYN's. The caller sizes the frame (synack_len), as its
 * hook allows, then writes it.
 */
#ifndef SYNFIN_SYNACK_H
#define SYNFIN_SYNACK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "cookie.h"
#include "csum.h"

#define SYNACK_WS_NONE 0xff

struct synack {
	__u32 cookie;
	__u32 tsval;		/* ours */
	__u32 ts_echo;		/* the client's */
	__u16 mss;		/* ours */
	__u16 window;		/* ours, never scaled */
	__u8 ws;		/* ours, or SYNACK_WS_NONE: no option */
	__u8 sack;
	__u8 ts;
	__u8 ecn;
};

/* Each option only when the client offered it and the configuration
 * allows it, and the cookie that remembers the choice. 0, or -1 when no
 * key is set for this period.
 */
static __always_inline int synack_prepare(const struct pkt *p,
					  const struct tcp_opts *o,
					  const struct synfin_cfg *cfg,
					  struct synack *sa)
{
	struct cookie_out ck;
	__u32 client_ws, mss_idx;

	sa->sack = o->sack_perm && (cfg->flags & SYNFIN_CFG_SACK);
	sa->ts = o->has_ts && (cfg->flags & SYNFIN_CFG_TS);
	/* ECN is remembered in the TSval, so it needs timestamps. */
	sa->ecn = sa->ts && (cfg->flags & SYNFIN_CFG_ECN) &&
		  (p->tcp_flags & (TCP_FLAG_ECE | TCP_FLAG_CWR)) ==
			  (TCP_FLAG_ECE | TCP_FLAG_CWR);
	if (o->has_wscale && (cfg->flags & SYNFIN_CFG_WSCALE)) {
		client_ws = o->wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE
						       : o->wscale;
		sa->ws = cfg->wscale;
	} else {
		client_ws = SYNFIN_COOKIE_WSCALE_NONE;
		sa->ws = SYNACK_WS_NONE;
	}
	mss_idx = cookie_mss_index(p->ipv6, o->mss);
	if (cookie_make(p, cfg, mss_idx, client_ws, sa->sack, sa->ecn, &ck))
		return -1;
	sa->cookie = ck.cookie;
	sa->tsval = ck.tsval;
	sa->ts_echo = o->tsval;
	sa->mss = p->ipv6 ? cfg->mss6 : cfg->mss4;
	sa->window = cfg->window;
	return 0;
}

/* The TCP header with the options sa says, in bytes. */
static __always_inline __u32 synack_tcp_len(const struct synack *sa)
{
	return sizeof(struct tcphdr) + 4 + (sa->ts ? 12 : (sa->sack ? 4 : 0)) +
	       (sa->ws != SYNACK_WS_NONE ? 4 : 0);
}

/* The whole frame, with p's VLAN tags. */
static __always_inline __u32 synack_len(const struct pkt *p,
					const struct synack *sa)
{
	__u32 l3len = p->ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);

	return p->l2_len + l3len + synack_tcp_len(sa);
}

/* Writes the SYN-ACK for the SYN p over [data, data_end), which is
 * synack_len() long: MACs swapped, VLAN tags kept, a fresh IP header
 * without options or extension headers, and the TCP header with options in
 * Linux's order. 0, or -1 if the frame is too short.
 */
static __always_inline int synack_write(void *data, void *data_end,
					const struct pkt *p,
					const struct synack *sa)
{
	__u32 tcplen = synack_tcp_len(sa);
	unsigned char mac[ETH_ALEN];
	struct ethhdr *eth;
	struct tcphdr *th;
	__u32 *op, w;
	__u16 flagword;
	__u64 sum;

	eth = data;
	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	if (p->ipv6) {
		struct ipv6hdr *ip6 = data + pkt_l3_off(p);

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);
		ip6->payload_len = bpf_htons(tcplen);
		ip6->nexthdr = IPPROTO_TCP;
		ip6->hop_limit = SYNACK_TTL;
		__builtin_memcpy(&ip6->saddr, p->daddr, 16);
		__builtin_memcpy(&ip6->daddr, p->saddr, 16);
		th = (void *)(ip6 + 1);
	} else {
		struct iphdr *iph = data + pkt_l3_off(p);
		__u16 *hw;

		if ((void *)(iph + 1) > data_end)
			return -1;
		hw = (__u16 *)iph;
		hw[0] = bpf_htons(0x4500);
		hw[1] = bpf_htons(sizeof(*iph) + tcplen);
		hw[2] = 0;
		hw[3] = bpf_htons(IP_DF);
		hw[4] = bpf_htons((SYNACK_TTL << 8) | IPPROTO_TCP);
		hw[5] = 0;
		iph->saddr = p->daddr[0];
		iph->daddr = p->saddr[0];
		sum = (__u64)hw[0] + hw[1] + hw[3] + hw[4] + p->saddr[0] +
		      p->daddr[0];
		iph->check = csum_fold64(sum);
		th = (void *)(iph + 1);
	}

	if ((void *)(th + 1) > data_end)
		return -1;
	th->source = p->dport;
	th->dest = p->sport;
	th->seq = bpf_htonl(sa->cookie);
	th->ack_seq = bpf_htonl(bpf_ntohl(p->seq) + 1);
	flagword = bpf_htons((tcplen / 4) << 12 | TCP_FLAG_SYN | TCP_FLAG_ACK |
			     (sa->ecn ? TCP_FLAG_ECE : 0));
	((__u16 *)th)[6] = flagword;
	th->window = bpf_htons(sa->window);
	th->check = 0;
	th->urg_ptr = 0;
	sum = csum_pseudo(p->daddr, p->saddr, p->ipv6, tcplen);
	sum += (__u64)p->dport + p->sport + th->seq + th->ack_seq + flagword +
	       th->window;

	/* Options word by word, each write bounds-checked. */
	op = (void *)(th + 1);
	if ((void *)(op + 1) > data_end)
		return -1;
	w = bpf_htonl((TCPOPT_MSS << 24) | (4 << 16) | sa->mss);
	*op++ = w;
	sum += w;
	if (sa->ts) {
		if ((void *)(op + 3) > data_end)
			return -1;
		w = sa->sack ? bpf_htonl((TCPOPT_SACK_PERM << 24) | (2 << 16) |
					 (TCPOPT_TIMESTAMP << 8) | 10)
			     : bpf_htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
					 (TCPOPT_TIMESTAMP << 8) | 10);
		op[0] = w;
		op[1] = bpf_htonl(sa->tsval);
		op[2] = bpf_htonl(sa->ts_echo);
		sum += (__u64)w + op[1] + op[2];
		op += 3;
	} else if (sa->sack) {
		if ((void *)(op + 1) > data_end)
			return -1;
		w = bpf_htonl((TCPOPT_NOP << 24) | (TCPOPT_NOP << 16) |
			      (TCPOPT_SACK_PERM << 8) | 2);
		*op++ = w;
		sum += w;
	}
	if (sa->ws != SYNACK_WS_NONE) {
		if ((void *)(op + 1) > data_end)
			return -1;
		w = bpf_htonl((TCPOPT_NOP << 24) | (TCPOPT_WINDOW << 16) |
			      (3 << 8) | sa->ws);
		*op++ = w;
		sum += w;
	}
	th->check = csum_fold64(sum);
	return 0;
}

#endif /* SYNFIN_SYNACK_H */
