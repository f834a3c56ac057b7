/* SPDX-License-Identifier: GPL-2.0 */
/* Header parsing shared by the XDP and TC programs. Every parser checks
 * its bounds before it reads and leaves what it found in struct pkt.
 *
 * Return convention: a layer's parser returns the protocol that follows
 * it (an EtherType, an IP protocol number; >= 0) or a negative
 * enum parse_result; parse_pkt returns PARSE_OK or a negative one.
 */
#ifndef SYNFIN_PARSE_H
#define SYNFIN_PARSE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"

/* What the guard (XDP, TC mode) does with each in brackets. A frame it
 * can't read is dropped when TCP may hide in it, unless the kernel checks
 * it before TCP sees it (AH) or can't use it alone (later fragments).
 */
enum parse_result {
	PARSE_OK = 0,
	PARSE_NOT_TCP = -1,	/* understood, and not TCP (pass) */
	PARSE_FRAG = -2,	/* a later TCP fragment (pass, frag_passed) */
	/* The first fragment of a TCP segment, its header read into p's
	 * addresses, ports and flags (a SYN to a protected port: drop,
	 * frag_syn_dropped; else pass, frag_passed).
	 */
	PARSE_FRAG_FIRST = -3,
	/* A first fragment without the whole TCP header (RFC 1858's tiny
	 * fragment; RFC 8200 wants the header chain whole): drop,
	 * frag_tiny_dropped.
	 */
	PARSE_FRAG_TINY = -4,
	PARSE_VLAN_DEEP = -5,	/* a third VLAN tag (drop, vlan_deep_dropped) */
	PARSE_EXT_DEEP = -6,	/* a fifth IPv6 extension header (drop,
				 * ext_deep_dropped) */
	PARSE_AH = -7,		/* IPsec AH: the kernel verifies it first
				 * (pass, ah_passed) */
	PARSE_UNSUPPORTED = -8,	/* TC: the headers couldn't be pulled into
				 * the linear part (pass, unparsed_passed) */
	PARSE_BAD_L2 = -9,	/* truncated or malformed (drop, malformed_*) */
	PARSE_BAD_IP = -10,
	PARSE_BAD_TCP = -11,
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

/* Ethernet and up to MAX_VLAN_TAGS VLAN tags: the EtherType after them,
 * a VLAN TPID if there are more.
 */
static __always_inline int parse_l2(void *data, void *data_end, struct pkt *p)
{
	struct ethhdr *eth = data;
	struct vlan_hdr *vh;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return PARSE_BAD_L2;
	proto = bpf_ntohs(eth->h_proto);
	p->l2_len = sizeof(*eth);
	p->nvlan = 0;

#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		vh = data + p->l2_len;
		if ((void *)(vh + 1) > data_end)
			return PARSE_BAD_L2;
		proto = bpf_ntohs(vh->h_vlan_encapsulated_proto);
		p->l2_len += sizeof(*vh);
		p->nvlan++;
	}
	return proto;
}

/* The first fragment of a TCP segment (p's addresses and l4_len, its
 * fragment's share, are set): PARSE_FRAG_FIRST with the ports and flags,
 * or PARSE_FRAG_TINY when the fragment doesn't hold the TCP header.
 */
static __always_inline int parse_tcp_frag(void *data, void *data_end,
					  struct pkt *p)
{
	struct tcphdr *th = data + p->l2_len + p->l3_len;

	if (p->l4_len < sizeof(*th) || (void *)(th + 1) > data_end)
		return PARSE_FRAG_TINY;
	p->sport = th->source;
	p->dport = th->dest;
	p->tcp_flags = ((__u8 *)th)[13];
	return PARSE_FRAG_FIRST;
}

/* The IP protocol that follows; p is filled only for TCP. A fragment of
 * anything but TCP is just that protocol; a TCP one is PARSE_FRAG or the
 * first fragment's PARSE_FRAG_FIRST / PARSE_FRAG_TINY.
 */
static __always_inline int parse_ipv4(void *data, void *data_end,
				      __u32 pkt_len, struct pkt *p)
{
	struct iphdr *iph = data + p->l2_len;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(iph + 1) > data_end)
		return PARSE_BAD_IP;
	if (iph->version != 4 || iph->ihl < 5)
		return PARSE_BAD_IP;
	hlen = iph->ihl * 4;
	tot = bpf_ntohs(iph->tot_len);
	if (tot < hlen || p->l2_len + tot > pkt_len)
		return PARSE_BAD_IP;
	if (iph->protocol != IPPROTO_TCP)
		return iph->protocol;
	frag = bpf_ntohs(iph->frag_off);
	if (frag & IP_OFFMASK)
		return PARSE_FRAG;
	p->ipv6 = 0;
	p->l3_len = hlen;
	p->l4_len = tot - hlen;
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	p->saddr[1] = p->saddr[2] = p->saddr[3] = 0;
	p->daddr[1] = p->daddr[2] = p->daddr[3] = 0;
	if (frag & IP_MF)
		return parse_tcp_frag(data, data_end, p);
	return IPPROTO_TCP;
}

/* The extension headers parse_ipv6 walks (TCP may follow them). */
static __always_inline int ipv6_ext_walked(__u8 next)
{
	return next == NEXTHDR_HOP || next == NEXTHDR_ROUTING ||
	       next == NEXTHDR_DEST || next == NEXTHDR_FRAGMENT;
}

/* IPv6 with up to MAX_IPV6_EXT hop-by-hop, routing, destination-options
 * and fragment headers skipped: the protocol that follows; p is filled only
 * for TCP. A fragment of TCP is PARSE_FRAG, or the first fragment's
 * PARSE_FRAG_FIRST / PARSE_FRAG_TINY.
 */
static __always_inline int parse_ipv6(void *data, void *data_end,
				      __u32 pkt_len, struct pkt *p)
{
	struct ipv6hdr *ip6 = data + p->l2_len;
	struct frag_hdr *fh;
	struct ipv6_opt_hdr *eh;
	__u32 off = sizeof(*ip6), plen;
	__u8 next, first_frag = 0;
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
		if (next == IPPROTO_TCP || !ipv6_ext_walked(next))
			break;
		eh = (void *)ip6 + off;
		if ((void *)(eh + 1) > data_end)
			return PARSE_BAD_IP;
		if (next == NEXTHDR_FRAGMENT) {
			fh = (void *)eh;
			if ((void *)(fh + 1) > data_end)
				return PARSE_BAD_IP;
			/* A later fragment: its headers are the first's. */
			if (fh->frag_off & bpf_htons(IP6_OFFSET))
				return fh->nexthdr == IPPROTO_TCP ? PARSE_FRAG :
								    fh->nexthdr;
			first_frag = 1;
			off += sizeof(*fh);
		} else {
			off += (eh->hdrlen + 1) * 8;
		}
		next = eh->nexthdr;
		if (off > sizeof(*ip6) + plen)
			return PARSE_BAD_IP;
	}
	if (next != IPPROTO_TCP)
		return ipv6_ext_walked(next) ? PARSE_EXT_DEEP : next;

	p->ipv6 = 1;
	p->l3_len = off;
	p->l4_len = sizeof(*ip6) + plen - off;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	/* An atomic fragment (offset 0, no more) too: TCP doesn't send one. */
	if (first_frag)
		return parse_tcp_frag(data, data_end, p);
	return IPPROTO_TCP;
}

/* Where the TCP header starts: at most 22 + 40 + 4 * 2048 bytes in, which
 * the mask says to the verifier. It marks no packet range past an offset
 * that may reach 64 kB, and the lengths reach it unbounded when the
 * compiler spills them.
 */
static __always_inline __u32 pkt_l4_off(const struct pkt *p)
{
	return ((__u32)p->l2_len + p->l3_len) & 0x3fff;
}

/* Where the IP header starts: at most 14 + 2 * 4 bytes in. */
static __always_inline __u32 pkt_l3_off(const struct pkt *p)
{
	return p->l2_len & 0x3f;
}

/* The TCP header (its options are parse_tcp_opts's): PARSE_OK, or
 * PARSE_BAD_TCP.
 */
static __always_inline int parse_tcp(void *data, void *data_end, struct pkt *p)
{
	struct tcphdr *th = data + pkt_l4_off(p);
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
	int ret;

	ret = parse_l2(data, data_end, p);
	if (ret == ETH_P_IP)
		ret = parse_ipv4(data, data_end, pkt_len, p);
	else if (ret == ETH_P_IPV6)
		ret = parse_ipv6(data, data_end, pkt_len, p);
	else if (ret == ETH_P_8021Q || ret == ETH_P_8021AD)
		return PARSE_VLAN_DEEP;		/* more than MAX_VLAN_TAGS */
	else
		return ret < 0 ? ret : PARSE_NOT_TCP;
	if (ret == IPPROTO_TCP)
		return parse_tcp(data, data_end, p);
	/* IPsec's authentication header, not walked: TCP may follow, but
	 * the kernel checks the header against its SA before TCP sees it.
	 */
	if (ret == IPPROTO_AH)
		return PARSE_AH;
	return ret < 0 ? ret : PARSE_NOT_TCP;
}

struct opt_walk {
	__u8 *opt;		/* first option byte */
	void *data_end;
	__u32 optlen;
	__u32 off;
	int err;
	int strict;		/* a malformed option is an error, else ignored */
	struct tcp_opts *o;
};

/* One option per call. The offset is masked so the verifier sees a packet
 * pointer within 63 bytes of the options' start. Not strict, it reads as
 * Linux's tcp_parse_options does: a known option of the wrong length is
 * skipped, and a length below 2 or past the header ends the walk.
 */
static int tcp_opt_step(__u32 index, struct opt_walk *w)
{
	struct tcp_opts *o = w->o;
	__u32 off = w->off, len;
	__u8 *c;

	if (off >= w->optlen)
		return 1;
	_Static_assert(TCP_MAX_OPTLEN <= 0x3f + 1, "the mask would cut offsets");
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
			goto bad_len;
		o->mss = (c[2] << 8) | c[3];
		break;
	case TCPOPT_WINDOW:
		if (len != 3 || (void *)(c + 3) > w->data_end)
			goto bad_len;
		o->wscale = c[2];
		o->has_wscale = 1;
		break;
	case TCPOPT_SACK_PERM:
		if (len != 2)
			goto bad_len;
		o->sack_perm = 1;
		break;
	case TCPOPT_TIMESTAMP:
		if (len != 10 || (void *)(c + 10) > w->data_end)
			goto bad_len;
		o->tsval = ((__u32)c[2] << 24) | ((__u32)c[3] << 16) |
			   ((__u32)c[4] << 8) | c[5];
		o->tsecr = ((__u32)c[6] << 24) | ((__u32)c[7] << 16) |
			   ((__u32)c[8] << 8) | c[9];
		o->has_ts = 1;
		break;
	}
	w->off = off + len;
	return 0;
bad_len:
	if (!w->strict) {
		w->off = off + len;
		return 0;
	}
bad:
	w->err = w->strict;
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
	__u8 *c = data + pkt_l4_off(p) + sizeof(struct tcphdr);

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

static __always_inline int tcp_opts_walk(void *data, void *data_end,
					 const struct pkt *p,
					 struct tcp_opts *o, int strict)
{
	struct opt_walk w = {
		.opt = data + pkt_l4_off(p) + sizeof(struct tcphdr),
		.data_end = data_end,
		.optlen = p->doff - sizeof(struct tcphdr),
		.strict = strict,
		.o = o,
	};

	bpf_loop(TCP_MAX_OPTLEN, tcp_opt_step, &w, 0);
	return w.err ? -1 : 0;
}

/* A SYN's options, at most 40 bytes: 0, or -1 for a malformed option (the
 * SYN is dropped: no conforming stack sends one, and a flood's variants
 * shouldn't cost a SYN-ACK). bpf_loop: an open-coded loop multiplies the
 * verifier's states per byte.
 */
static __always_inline int parse_tcp_opts_strict(void *data, void *data_end,
						 const struct pkt *p,
						 struct tcp_opts *o)
{
	return tcp_opts_walk(data, data_end, p, o, 1);
}

/* Any other segment's options, as leniently as Linux reads them: what could
 * be read is in *o. Always 0.
 */
static __always_inline int parse_tcp_opts(void *data, void *data_end,
					  const struct pkt *p,
					  struct tcp_opts *o)
{
	return tcp_opts_walk(data, data_end, p, o, 0);
}

#endif /* SYNFIN_PARSE_H */
