// SPDX-License-Identifier: GPL-2.0
/* XDP on the protected interface: answer SYNs with cookie SYN-ACKs,
 * validate the returning ACKs and mark them for TC, drop what belongs to
 * no connection.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "parse.h"
#include "maps.h"
#include "cookie.h"
#include "csum.h"

#define SYNACK_TTL 64
#define TCP_MAX_WSCALE 14

/* Does the kernel hold a socket for this tuple other than a listener
 * (established, TIME-WAIT, request)? Then the segment is the kernel's.
 */
static __always_inline int kernel_has_conn(struct xdp_md *ctx,
					   const struct pkt *p)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	int held;

	/* Two calls: the helper wants a constant tuple size. */
	if (p->ipv6) {
		__builtin_memcpy(t.ipv6.saddr, p->saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, p->daddr, 16);
		t.ipv6.sport = p->sport;
		t.ipv6.dport = p->dport;
		sk = bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv6),
					BPF_F_CURRENT_NETNS, 0);
	} else {
		t.ipv4.saddr = p->saddr[0];
		t.ipv4.daddr = p->daddr[0];
		t.ipv4.sport = p->sport;
		t.ipv4.dport = p->dport;
		sk = bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv4),
					BPF_F_CURRENT_NETNS, 0);
	}
	if (!sk)
		return 0;
	held = sk->state != BPF_TCP_LISTEN;
	bpf_sk_release(sk);
	return held;
}

struct synack {
	__u32 cookie;
	__u32 tsval;		/* ours */
	__u32 ts_echo;		/* the client's */
	__u16 mss;		/* ours */
	__u8 ws;		/* ours; 0xff: no window scale option */
	__u8 sack;
	__u8 ts;
	__u8 ecn;
};

/* Rewrites the frame in place into the SYN-ACK: MACs swapped, VLAN tags
 * kept, a fresh IP header without options or extension headers, and the
 * TCP header with options in Linux's order.
 */
static __always_inline int write_synack(struct xdp_md *ctx,
					const struct pkt *p,
					const struct synack *sa,
					__u16 window)
{
	__u32 l3len = p->ipv6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	__u32 optlen = 4 + (sa->ts ? 12 : (sa->sack ? 4 : 0)) +
		       (sa->ws != 0xff ? 4 : 0);
	__u32 tcplen = sizeof(struct tcphdr) + optlen;
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int delta = (int)(p->l2_len + l3len + tcplen) - (int)(data_end - data);
	unsigned char mac[ETH_ALEN];
	struct ethhdr *eth;
	struct tcphdr *th;
	__u32 *op, w;
	__u16 flagword;
	__u64 sum;

	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return -1;
	/* Keep clang from folding ctx + offset: the verifier rejects it. */
	barrier_var(ctx);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	eth = data;
	if ((void *)(eth + 1) > data_end)
		return -1;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);

	if (p->ipv6) {
		struct ipv6hdr *ip6 = data + p->l2_len;

		if ((void *)(ip6 + 1) > data_end)
			return -1;
		*(__be32 *)ip6 = bpf_htonl(0x60000000);
		ip6->payload_len = bpf_htons(tcplen);
		ip6->nexthdr = IPPROTO_TCP_;
		ip6->hop_limit = SYNACK_TTL;
		__builtin_memcpy(&ip6->saddr, p->daddr, 16);
		__builtin_memcpy(&ip6->daddr, p->saddr, 16);
		th = (void *)(ip6 + 1);
	} else {
		struct iphdr *iph = data + p->l2_len;
		__u16 *hw;

		if ((void *)(iph + 1) > data_end)
			return -1;
		hw = (__u16 *)iph;
		hw[0] = bpf_htons(0x4500);
		hw[1] = bpf_htons(sizeof(*iph) + tcplen);
		hw[2] = 0;
		hw[3] = bpf_htons(IP_DF);
		hw[4] = bpf_htons((SYNACK_TTL << 8) | IPPROTO_TCP_);
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
	th->window = bpf_htons(window);
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
	if (sa->ws != 0xff) {
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

static __always_inline int handle_syn(struct xdp_md *ctx, const struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct synfin_cfg *cfg = cfg_get();
	struct tcp_opts o = {};
	struct cookie_out ck;
	struct synack sa = {};
	__u32 client_ws, mss_idx;

	count(SYNFIN_C_SYN_SEEN);
	if (!cfg)
		return XDP_PASS;
	if (parse_tcp_opts(data, data_end, p, &o)) {
		count(SYNFIN_C_MALFORMED_TCP);
		return XDP_DROP;
	}
	/* The server's own TIME-WAIT: the kernel decides on reuse. */
	if (kernel_has_conn(ctx, p)) {
		count(SYNFIN_C_SYN_KERNEL_SOCK);
		return XDP_PASS;
	}

	sa.sack = o.sack_perm && (cfg->flags & SYNFIN_CFG_SACK);
	sa.ts = o.has_ts && (cfg->flags & SYNFIN_CFG_TS);
	/* ECN is remembered in the TSval, so it needs timestamps. */
	sa.ecn = sa.ts && (cfg->flags & SYNFIN_CFG_ECN) &&
		 (p->tcp_flags & (TCP_FLAG_ECE | TCP_FLAG_CWR)) ==
			 (TCP_FLAG_ECE | TCP_FLAG_CWR);
	if (o.has_wscale && (cfg->flags & SYNFIN_CFG_WSCALE)) {
		client_ws = o.wscale > TCP_MAX_WSCALE ? TCP_MAX_WSCALE : o.wscale;
		sa.ws = cfg->wscale;
	} else {
		client_ws = SYNFIN_COOKIE_WSCALE_NONE;
		sa.ws = 0xff;
	}
	mss_idx = cookie_mss_index(p->ipv6, o.mss);
	if (cookie_make(p, mss_idx, client_ws, sa.sack, sa.ecn, &ck))
		return XDP_PASS;
	sa.cookie = ck.cookie;
	sa.tsval = ck.tsval;
	sa.ts_echo = o.tsval;
	sa.mss = p->ipv6 ? cfg->mss6 : cfg->mss4;

	if (write_synack(ctx, p, &sa, cfg->window)) {
		count(SYNFIN_C_DROP_NO_ROOM);
		return XDP_DROP;
	}
	count(SYNFIN_C_SYNACK_SENT);
	return XDP_TX;
}

/* A cookie ACK: check it, and pass what TC needs as XDP metadata. */
static __always_inline int handle_cookie_ack(struct xdp_md *ctx,
					     const struct pkt *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct synfin_cfg *cfg = cfg_get();
	struct tcp_opts o = {};
	struct synfin_meta *m;
	__u32 cookie, ws;

	if (cookie_check(p, &cookie)) {
		count(SYNFIN_C_ACK_COOKIE_INVALID);
		return XDP_DROP;
	}
	if (parse_tcp_opts(data, data_end, p, &o)) {
		count(SYNFIN_C_MALFORMED_TCP);
		return XDP_DROP;
	}
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m))) {
		count(SYNFIN_C_DROP_NO_ROOM);
		return XDP_DROP;
	}
	data = (void *)(long)ctx->data;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		return XDP_DROP;

	ws = cookie & SYNFIN_COOKIE_WSCALE_MASK;
	m->magic = SYNFIN_META_MAGIC;
	m->mss = synfin_mss_slot(p->ipv6,
				 (cookie >> SYNFIN_COOKIE_MSS_SHIFT) & 3);
	m->snd_wscale = ws == SYNFIN_COOKIE_WSCALE_NONE ? 0 : ws;
	m->flags = (ws != SYNFIN_COOKIE_WSCALE_NONE ? SYNFIN_META_WSCALE : 0) |
		   ((cookie & SYNFIN_COOKIE_SACK) ? SYNFIN_META_SACK : 0);
	m->tsval = 0;
	m->tsecr = 0;
	if (o.has_ts && cfg && (cfg->flags & SYNFIN_CFG_TS)) {
		m->flags |= SYNFIN_META_TS;
		m->tsval = o.tsval;
		m->tsecr = o.tsecr;
		if (o.tsecr & SYNFIN_TSVAL_ECN)
			m->flags |= SYNFIN_META_ECN;
	}
	count(SYNFIN_C_ACK_COOKIE_VALID);
	return XDP_PASS;
}

SEC("xdp")
int xdp_synfin(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt p = {};
	__u8 fl;

	switch (parse_pkt(data, data_end, &p)) {
	case PARSE_OK:
		break;
	case PARSE_FRAG:
		count(SYNFIN_C_FRAG_PASSED);
		return XDP_PASS;
	case PARSE_BAD_L2:
		count(SYNFIN_C_MALFORMED_L2);
		return XDP_DROP;
	case PARSE_BAD_IP:
		count(SYNFIN_C_MALFORMED_IP);
		return XDP_DROP;
	case PARSE_BAD_TCP:
		count(SYNFIN_C_MALFORMED_TCP);
		return XDP_DROP;
	default:
		return XDP_PASS;
	}

	fl = p.tcp_flags;
	if (!port_protected(p.dport)) {
		if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
			count(SYNFIN_C_SYN_UNPROTECTED);
		return XDP_PASS;
	}

	if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN) {
		if (fl & (TCP_FLAG_RST | TCP_FLAG_FIN)) {
			count(SYNFIN_C_DROP_BAD_FLAGS);
			return XDP_DROP;
		}
		return handle_syn(ctx, &p);
	}

	if (kernel_has_conn(ctx, &p)) {
		count(SYNFIN_C_EST_PASSED);
		return XDP_PASS;
	}
	if ((fl & (TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_RST)) == TCP_FLAG_ACK)
		return handle_cookie_ack(ctx, &p);
	count(SYNFIN_C_DROP_NO_CONN);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
