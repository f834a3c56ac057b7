/* SPDX-License-Identifier: GPL-2.0 */
/* Header parsing shared by the XDP and TC programs. Every parser checks
 * its bounds before it reads and leaves what it found in struct pkt.
 */
#ifndef SYNFIN_PARSE_H
#define SYNFIN_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_ALEN 6
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_TCP_ 6
#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFMASK 0x1fff
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_DEST 60

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TIMESTAMP 8
#define TCP_MAX_OPTLEN 40

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_ACK 0x10
#define TCP_FLAG_ECE 0x40
#define TCP_FLAG_CWR 0x80

#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXT 4

enum parse_verdict {
	PARSE_OK = 0,
	PARSE_NOT_TCP,		/* not for us: pass */
	PARSE_FRAG,		/* IP fragment: pass */
	PARSE_BAD_L2,
	PARSE_BAD_IP,
	PARSE_BAD_TCP,
};

struct pkt {
	__u16 l2_len;		/* Ethernet + VLAN tags */
	__u16 l3_len;		/* IP header incl. options / extension headers */
	__u8 ipv6;
	__u8 nvlan;
	__u8 tcp_flags;
	__u8 doff;		/* TCP header length in bytes */
	__u32 l4_len;		/* TCP header + payload, from the IP header */
	__u32 payload_len;	/* TCP payload */
	/* Addresses in network order; IPv4 uses word 0. */
	__u32 saddr[4];
	__u32 daddr[4];
	__be16 sport;
	__be16 dport;
	__be32 seq;
	__be32 ack_seq;
	__be16 window;
	__u16 pad;
};

struct tcp_opts {
	__u16 mss;		/* 0: not present */
	__u8 wscale;
	__u8 has_wscale;
	__u8 sack_perm;
	__u8 has_ts;
	__u32 tsval;		/* host order */
	__u32 tsecr;
};

/* Ethernet and up to two VLAN tags; returns the inner EtherType or -1. */
static __always_inline int parse_l2(void *data, void *data_end, struct pkt *p)
{
	struct ethhdr *eth = data;
	struct vlan_hdr *vh;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	proto = bpf_ntohs(eth->h_proto);
	p->l2_len = sizeof(*eth);
	p->nvlan = 0;

#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vh = data + p->l2_len;
		if ((void *)(vh + 1) > data_end)
			return -1;
		proto = bpf_ntohs(vh->h_vlan_encapsulated_proto);
		p->l2_len += sizeof(*vh);
		p->nvlan++;
	}
	return proto;
}

static __always_inline int parse_ipv4(void *data, void *data_end,
				      __u32 pkt_len, struct pkt *p)
{
	struct iphdr *iph = data + p->l2_len;
	__u32 hlen, tot;

	if ((void *)(iph + 1) > data_end)
		return PARSE_BAD_IP;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_BAD_IP;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	if (tot < hlen || p->l2_len + tot > pkt_len)
		return PARSE_BAD_IP;
	if (iph->protocol != IPPROTO_TCP_)
		return PARSE_NOT_TCP;
	if (bpf_ntohs(iph->frag_off) & (IP_MF | IP_OFFMASK))
		return PARSE_FRAG;
	p->ipv6 = 0;
	p->l3_len = hlen;
	p->l4_len = tot - hlen;
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	p->saddr[1] = p->saddr[2] = p->saddr[3] = 0;
	p->daddr[1] = p->daddr[2] = p->daddr[3] = 0;
	return PARSE_OK;
}

/* IPv6 with hop-by-hop, routing and destination-options headers skipped. */
static __always_inline int parse_ipv6(void *data, void *data_end,
				      __u32 pkt_len, struct pkt *p)
{
	struct ipv6hdr *ip6 = data + p->l2_len;
	struct ipv6_opt_hdr *eh;
	__u32 off = sizeof(*ip6), plen;
	__u8 next;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return PARSE_BAD_IP;
	if (ip6->version != 6)
		return PARSE_BAD_IP;
	plen = bpf_ntohs(ip6->payload_len);
	if (p->l2_len + sizeof(*ip6) + plen > pkt_len)
		return PARSE_BAD_IP;
	next = ip6->nexthdr;

	for (i = 0; i < MAX_IPV6_EXT; i++) {
		if (next == IPPROTO_TCP_)
			break;
		if (next == NEXTHDR_FRAGMENT)
			return PARSE_FRAG;
		if (next != NEXTHDR_HOP && next != NEXTHDR_ROUTING &&
		    next != NEXTHDR_DEST)
			return PARSE_NOT_TCP;
		eh = (void *)ip6 + off;
		if ((void *)(eh + 1) > data_end)
			return PARSE_BAD_IP;
		next = eh->nexthdr;
		off += (eh->hdrlen + 1) * 8;
		if (off > sizeof(*ip6) + plen)
			return PARSE_BAD_IP;
	}
	if (next != IPPROTO_TCP_)
		return PARSE_NOT_TCP;

	p->ipv6 = 1;
	p->l3_len = off;
	p->l4_len = sizeof(*ip6) + plen - off;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	return PARSE_OK;
}

static __always_inline int parse_tcp(void *data, void *data_end, struct pkt *p)
{
	struct tcphdr *th = data + p->l2_len + p->l3_len;
	__u32 doff;

	if ((void *)(th + 1) > data_end)
		return PARSE_BAD_TCP;
	doff = th->doff * 4;
	if (doff < sizeof(*th) || doff > p->l4_len)
		return PARSE_BAD_TCP;
	if ((void *)th + doff > data_end)
		return PARSE_BAD_TCP;
	p->doff = doff;
	p->payload_len = p->l4_len - doff;
	p->sport = th->source;
	p->dport = th->dest;
	p->seq = th->seq;
	p->ack_seq = th->ack_seq;
	p->window = th->window;
	p->tcp_flags = ((__u8 *)th)[13];
	return PARSE_OK;
}

/* Ethernet, VLAN, IP and the TCP header with its options, which must be in
 * [data, data_end). pkt_len is the whole packet's length, which for a TC
 * skb may reach past the linear data (GSO).
 */
static __always_inline int parse_pkt(void *data, void *data_end,
				     __u32 pkt_len, struct pkt *p)
{
	int proto, ret;

	proto = parse_l2(data, data_end, p);
	if (proto < 0)
		return PARSE_BAD_L2;
	if (proto == ETH_P_IP)
		ret = parse_ipv4(data, data_end, pkt_len, p);
	else if (proto == ETH_P_IPV6)
		ret = parse_ipv6(data, data_end, pkt_len, p);
	else
		return PARSE_NOT_TCP;
	if (ret != PARSE_OK)
		return ret;
	return parse_tcp(data, data_end, p);
}

struct opt_walk {
	__u8 *opt;		/* first option byte */
	void *data_end;
	__u32 optlen;
	__u32 off;
	int err;
	struct tcp_opts *o;
};

/* One option per call. The offset is masked so the verifier sees a packet
 * pointer within 63 bytes of the options' start.
 */
static int tcp_opt_step(__u32 index, struct opt_walk *w)
{
	struct tcp_opts *o = w->o;
	__u32 off = w->off, len;
	__u8 *c;

	if (off >= w->optlen)
		return 1;
	c = w->opt + (off & 0x3f);
	if ((void *)(c + 1) > w->data_end)
		goto bad;
	if (c[0] == TCPOPT_EOL)
		return 1;
	if (c[0] == TCPOPT_NOP) {
		w->off = off + 1;
		return 0;
	}
	if ((void *)(c + 2) > w->data_end)
		goto bad;
	len = c[1];
	if (len < 2 || off + len > w->optlen)
		goto bad;
	switch (c[0]) {
	case TCPOPT_MSS:
		if (len != 4 || (void *)(c + 4) > w->data_end)
			goto bad;
		o->mss = (c[2] << 8) | c[3];
		break;
	case TCPOPT_WINDOW:
		if (len != 3 || (void *)(c + 3) > w->data_end)
			goto bad;
		o->wscale = c[2];
		o->has_wscale = 1;
		break;
	case TCPOPT_SACK_PERM:
		if (len != 2)
			goto bad;
		o->sack_perm = 1;
		break;
	case TCPOPT_TIMESTAMP:
		if (len != 10 || (void *)(c + 10) > w->data_end)
			goto bad;
		o->tsval = ((__u32)c[2] << 24) | ((__u32)c[3] << 16) |
			   ((__u32)c[4] << 8) | c[5];
		o->tsecr = ((__u32)c[6] << 24) | ((__u32)c[7] << 16) |
			   ((__u32)c[8] << 8) | c[9];
		o->has_ts = 1;
		break;
	}
	w->off = off + len;
	return 0;
bad:
	w->err = 1;
	return 1;
}

/* The options of a Linux SYN at fixed offsets: MSS, SACK-permitted,
 * timestamps, NOP, window scale (20 bytes). Most SYNs look like this; the
 * general walk below costs a bpf_loop call per option. 1 if it matched.
 */
static __always_inline int parse_tcp_opts_linux(void *data, void *data_end,
						const struct pkt *p,
						struct tcp_opts *o)
{
	__u8 *c = data + p->l2_len + p->l3_len + sizeof(struct tcphdr);

	if (p->doff != sizeof(struct tcphdr) + 20 || (void *)(c + 20) > data_end)
		return 0;
	if (c[0] != TCPOPT_MSS || c[1] != 4 || c[4] != TCPOPT_SACK_PERM ||
	    c[5] != 2 || c[6] != TCPOPT_TIMESTAMP || c[7] != 10 ||
	    c[16] != TCPOPT_NOP || c[17] != TCPOPT_WINDOW || c[18] != 3)
		return 0;
	o->mss = (c[2] << 8) | c[3];
	o->sack_perm = 1;
	o->tsval = ((__u32)c[8] << 24) | ((__u32)c[9] << 16) |
		   ((__u32)c[10] << 8) | c[11];
	o->tsecr = ((__u32)c[12] << 24) | ((__u32)c[13] << 16) |
		   ((__u32)c[14] << 8) | c[15];
	o->has_ts = 1;
	o->wscale = c[19];
	o->has_wscale = 1;
	return 1;
}

/* TCP options, at most 40 bytes. Returns 0, or -1 for a malformed option.
 * bpf_loop: an open-coded loop multiplies the verifier's states per byte.
 */
static __always_inline int parse_tcp_opts(void *data, void *data_end,
					  const struct pkt *p,
					  struct tcp_opts *o)
{
	struct opt_walk w = {
		.opt = data + p->l2_len + p->l3_len + sizeof(struct tcphdr),
		.data_end = data_end,
		.optlen = p->doff - sizeof(struct tcphdr),
		.o = o,
	};

	bpf_loop(TCP_MAX_OPTLEN, tcp_opt_step, &w, 0);
	return w.err ? -1 : 0;
}

#endif /* SYNFIN_PARSE_H */
