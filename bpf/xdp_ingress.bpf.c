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
#include "conntrack.h"
#include "sock.h"
#include <bpf/bpf_core_read.h>

#define SYNACK_TTL 64
#define TCP_MAX_WSCALE 14

/* Socket lookups for segments in no table entry, per CPU and second. Past
 * it, such segments are dropped unasked (counted); a real one is resent
 * and gets its turn.
 */
#define ADOPT_LOOKUPS_PER_S 50000

static __always_inline int adopt_budget(void)
{
	if (rate_take(&adopt_budget_map, ADOPT_LOOKUPS_PER_S))
		return 1;
	count(SYNFIN_C_ADOPT_SKIPPED);
	return 0;
}

/* Does the kernel hold a socket for this tuple other than a listener? */
static __always_inline int kernel_has_conn(struct xdp_md *ctx,
					   const struct pkt *p)
{
	struct bpf_sock *sk = sock_lookup(ctx, p);
	int held;

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

static __always_inline int handle_syn(struct xdp_md *ctx, const struct pkt *p,
				      const struct synfin_cfg *cfg)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcp_opts o = {};
	struct synfin_ct_key k;
	struct cookie_out ck;
	struct synack sa = {};
	__u32 client_ws, mss_idx;

	count(SYNFIN_C_SYN_SEEN);
	if (!parse_tcp_opts_linux(data, data_end, p, &o) &&
	    parse_tcp_opts(data, data_end, p, &o)) {
		count(SYNFIN_C_MALFORMED_TCP);
		return XDP_DROP;
	}
	/* The server's own TIME-WAIT: the kernel decides on reuse. The table
	 * knows the tuples the kernel may still hold; the kernel is asked only
	 * about those, not for every SYN of a flood, and the table's filter
	 * spares the flood's SYNs even the table lookup.
	 */
	ct_key_make(p, SF_SIDE_REMOTE, &k);
	if (ct_filter_maybe(&k) && bpf_map_lookup_elem(&conntrack, &k) &&
	    kernel_has_conn(ctx, p)) {
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

/* What a valid cookie says: the options the SYN-ACK agreed to. */
static __always_inline void cookie_decode(const struct pkt *p, __u32 cookie,
					  const struct tcp_opts *o,
					  const struct synfin_cfg *cfg,
					  struct synfin_meta *m)
{
	__u32 ws = cookie & SYNFIN_COOKIE_WSCALE_MASK;

	m->magic = cfg->meta_magic;
	m->mss = synfin_mss_slot(p->ipv6,
				 (cookie >> SYNFIN_COOKIE_MSS_SHIFT) & 3);
	m->snd_wscale = ws == SYNFIN_COOKIE_WSCALE_NONE ? 0 : ws;
	m->flags = (ws != SYNFIN_COOKIE_WSCALE_NONE ? SYNFIN_META_WSCALE : 0) |
		   ((cookie & SYNFIN_COOKIE_SACK) ? SYNFIN_META_SACK : 0);
	m->tsval = 0;
	m->tsecr = 0;
	if (o->has_ts && (cfg->flags & SYNFIN_CFG_TS)) {
		m->flags |= SYNFIN_META_TS;
		m->tsval = o->tsval;
		m->tsecr = o->tsecr;
		if ((o->tsecr & SYNFIN_TSVAL_ECN) && (cfg->flags & SYNFIN_CFG_ECN))
			m->flags |= SYNFIN_META_ECN;
	}
}

/* A new entry for a connection that a valid cookie ACK completes. */
/* A new entry for a connection that a valid cookie ACK completes: the
 * state before this segment, which then goes through the state machine
 * like any other (it may carry data, or a FIN).
 */
static __always_inline void ct_track_cookie(const struct synfin_ct_key *k,
					    const struct pkt *p,
					    const struct synfin_meta *m,
					    const struct synfin_cfg *cfg,
					    int replacing)
{
	struct synfin_ct_entry e, *ep;

	ct_init_established(&e, SF_CT_COOKIE, SF_SIDE_REMOTE);
	e.mss = m->mss;
	e.opts = m->flags;
	e.remote_isn = bpf_ntohl(p->seq) - 1;
	if (m->flags & SYNFIN_META_WSCALE) {
		e.side[SF_SIDE_REMOTE].wscale = m->snd_wscale;
		e.side[SF_SIDE_LOCAL].wscale = cfg->wscale;
	}
	e.side[SF_SIDE_REMOTE].next_seq = bpf_ntohl(p->seq);
	e.side[SF_SIDE_LOCAL].next_seq = bpf_ntohl(p->ack_seq);
	e.side[SF_SIDE_REMOTE].flags = SF_CT_SEQ_KNOWN;
	e.side[SF_SIDE_LOCAL].flags = SF_CT_SEQ_KNOWN;
	/* Until the kernel speaks, the window our SYN-ACK offered. */
	e.side[SF_SIDE_LOCAL].window = cfg->window;
	if (ct_insert(k, &e)) {
		count(SYNFIN_C_CT_TRACK_FAILED);
		return;
	}
	count(replacing ? SYNFIN_C_CT_REPLACED : SYNFIN_C_CT_NEW_COOKIE);
	ct_event(k, e.state, e.origin, SF_EV_ESTABLISHED);
	ep = bpf_map_lookup_elem(&conntrack, k);
	if (ep)
		ct_on_segment(k, ep, SF_SIDE_REMOTE, p);
}

/* Checks a cookie ACK. 0 when valid, with the options in *m; -1 for a bad
 * cookie and -2 for a good one with malformed options, uncounted: the
 * caller may try other things first.
 */
static __always_inline int cookie_ack_check(struct xdp_md *ctx,
					    const struct pkt *p,
					    const struct synfin_cfg *cfg,
					    struct synfin_meta *m)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcp_opts o = {};
	__u32 cookie;

	/* The hash first: a forged ACK costs no option parsing. */
	if (cookie_check(p, &cookie))
		return -1;
	if (parse_tcp_opts(data, data_end, p, &o))
		return -2;
	cookie_decode(p, cookie, &o, cfg, m);
	return 0;
}

/* Hands the validated ACK to TC: the options go in XDP metadata. */
static __always_inline int cookie_ack_pass(struct xdp_md *ctx,
					   const struct synfin_meta *mv,
					   enum synfin_counter c)
{
	struct synfin_meta *m;
	void *data;

	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m))) {
		count(SYNFIN_C_DROP_NO_ROOM);
		return XDP_DROP;
	}
	barrier_var(ctx);
	data = (void *)(long)ctx->data;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		return XDP_DROP;
	*m = *mv;
	count(c);
	return XDP_PASS;
}

/* Adopts a connection the kernel completed before synfin was attached (or
 * one the table evicted), with what its socket knows.
 */
static __always_inline void ct_adopt(const struct synfin_ct_key *k,
				     struct bpf_sock *sk)
{
	struct synfin_ct_entry e;
	struct synfin_ct_side *rs = &e.side[SF_SIDE_REMOTE];
	struct synfin_ct_side *ls = &e.side[SF_SIDE_LOCAL];
	struct tcp_sock *tp;
	__u32 state = sk->state, write_seq = 0;

	ct_init_established(&e, SF_CT_ADOPTED, SF_SIDE_NONE);
	tp = bpf_skc_to_tcp_sock(sk);
	if (tp) {
		rs->next_seq = tp->rcv_nxt;
		ls->next_seq = tp->snd_nxt;
		ls->window = tp->rcv_wnd;
		ls->wscale = BPF_CORE_READ_BITFIELD_PROBED(tp, rx_opt.rcv_wscale);
		rs->wscale = BPF_CORE_READ_BITFIELD_PROBED(tp, rx_opt.snd_wscale);
		rs->flags = ls->flags = SF_CT_SEQ_KNOWN;
		write_seq = tp->write_seq;
	}
	/* The kernel's side of a close already under way. */
	if (state == BPF_TCP_FIN_WAIT1 || state == BPF_TCP_FIN_WAIT2 ||
	    state == BPF_TCP_CLOSING || state == BPF_TCP_LAST_ACK) {
		ls->flags |= SF_CT_FIN_SENT;
		/* The FIN follows all queued data, sent or not. */
		ls->fin_seq = (tp ? write_seq : ls->next_seq) - 1;
	}
	if (state == BPF_TCP_CLOSE_WAIT || state == BPF_TCP_LAST_ACK ||
	    state == BPF_TCP_CLOSING) {
		rs->flags |= SF_CT_FIN_SENT | SF_CT_FIN_ACKED;
		rs->fin_seq = rs->next_seq - 1;
	}
	switch (state) {
	case BPF_TCP_FIN_WAIT1:
		ls->state = SF_TCP_FIN_WAIT_1;
		e.closer = SF_SIDE_LOCAL;
		break;
	case BPF_TCP_FIN_WAIT2:
		ls->flags |= SF_CT_FIN_ACKED;
		ls->state = SF_TCP_FIN_WAIT_2;
		rs->state = SF_TCP_CLOSE_WAIT;
		e.closer = SF_SIDE_LOCAL;
		break;
	case BPF_TCP_CLOSE_WAIT:
		ls->state = SF_TCP_CLOSE_WAIT;
		rs->state = SF_TCP_FIN_WAIT_2;
		e.closer = SF_SIDE_REMOTE;
		break;
	case BPF_TCP_LAST_ACK:
		ls->state = SF_TCP_LAST_ACK;
		rs->state = SF_TCP_FIN_WAIT_2;
		e.closer = SF_SIDE_REMOTE;
		break;
	case BPF_TCP_CLOSING:
		ls->state = rs->state = SF_TCP_CLOSING;
		e.closer = SF_SIDE_LOCAL;
		break;
	}
	ct_sync_state(&e);
	if (ct_insert(k, &e)) {
		count(SYNFIN_C_CT_TRACK_FAILED);
		return;
	}
	count(SYNFIN_C_CT_ADOPTED);
	ct_event(k, e.state, e.origin, SF_EV_ADOPTED);
}

/* A segment that is not a SYN, to a protected port. */
static __always_inline int handle_segment(struct xdp_md *ctx,
					  const struct pkt *p,
					  const struct synfin_cfg *cfg)
{
	struct synfin_ct_key k;
	struct synfin_ct_entry *e;
	struct synfin_meta m;
	struct bpf_sock *sk;
	__u8 fl = p->tcp_flags;
	int cookie_ack = (fl & (TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_RST)) ==
			 TCP_FLAG_ACK;
	__u32 state;
	int local_gone, again, ck = -1;

	ct_key_make(p, SF_SIDE_REMOTE, &k);
	/* A flood's tuples are in no entry: the filter says so first. */
	e = ct_filter_maybe(&k) ? bpf_map_lookup_elem(&conntrack, &k) : NULL;
	if (e && e->state != SF_TCP_CLOSED) {
		/* A new connection on a TIME-WAIT tuple: a valid cookie with
		 * another ISN than the old connection's (a late copy of the old
		 * cookie ACK is not one).
		 */
		if (cookie_ack && e->state == SF_TCP_TIME_WAIT &&
		    bpf_ntohl(p->seq) - 1 != e->remote_isn &&
		    !(ck = cookie_ack_check(ctx, p, cfg, &m))) {
			ct_track_cookie(&k, p, &m, cfg, 1);
			return cookie_ack_pass(ctx, &m, SYNFIN_C_ACK_COOKIE_VALID);
		}
		/* Until the kernel answers, a segment at the cookie's sequence
		 * number is handed over again: the first may have been lost
		 * (a full accept queue drops it).
		 */
		again = cookie_ack && e->origin == SF_CT_COOKIE &&
			!e->side[SF_SIDE_LOCAL].packets &&
			bpf_ntohl(p->seq) == e->remote_isn + 1 &&
			!(ck = cookie_ack_check(ctx, p, cfg, &m));
		local_gone = e->side[SF_SIDE_LOCAL].state == SF_TCP_CLOSED;
		switch (ct_on_segment(&k, e, SF_SIDE_REMOTE, p)) {
		case CT_DROP:
			return XDP_DROP;
		case CT_OUTSIDE:
			/* A new connection where a dead one lingers in the
			 * table (its socket gone without a word): its cookie is
			 * good and the kernel holds nothing for the tuple.
			 */
			if (cookie_ack && !(ck = cookie_ack_check(ctx, p, cfg, &m)) &&
			    !kernel_has_conn(ctx, p)) {
				ct_track_cookie(&k, p, &m, cfg, 1);
				return cookie_ack_pass(ctx, &m, SYNFIN_C_ACK_COOKIE_VALID);
			}
			/* With the local socket gone, the kernel would only RST. */
			return local_gone ? XDP_DROP : XDP_PASS;
		}
		if (again) {
			m.flags |= SYNFIN_META_AGAIN;
			return cookie_ack_pass(ctx, &m, SYNFIN_C_ACK_COOKIE_AGAIN);
		}
		/* Late segments after the local socket closed: absorbed. */
		if (local_gone)
			return XDP_DROP;
		count(SYNFIN_C_EST_PASSED);
		return XDP_PASS;
	}

	if (cookie_ack && !(ck = cookie_ack_check(ctx, p, cfg, &m))) {
		ct_track_cookie(&k, p, &m, cfg, e != NULL);
		return cookie_ack_pass(ctx, &m, SYNFIN_C_ACK_COOKIE_VALID);
	}

	/* Maybe a connection from before synfin (or one the table evicted):
	 * ask the kernel, within a budget, so an ACK flood can't make every
	 * forged segment a socket lookup.
	 */
	sk = adopt_budget() ? sock_lookup(ctx, p) : NULL;
	if (sk) {
		state = sk->state;
		if (state != BPF_TCP_LISTEN) {
			if (state != BPF_TCP_TIME_WAIT &&
			    state != BPF_TCP_NEW_SYN_RECV &&
			    state != BPF_TCP_SYN_RECV)
				ct_adopt(&k, sk);
			bpf_sk_release(sk);
			count(SYNFIN_C_EST_PASSED);
			return XDP_PASS;
		}
		bpf_sk_release(sk);
	}
	if (ck == -2)
		count(SYNFIN_C_MALFORMED_TCP);
	else if (cookie_ack)
		count(SYNFIN_C_ACK_COOKIE_INVALID);
	else if (fl & TCP_FLAG_RST)
		count(SYNFIN_C_CT_RST_UNKNOWN);
	else
		count(SYNFIN_C_DROP_NO_CONN);
	return XDP_DROP;
}

SEC("xdp")
int xdp_synfin(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct synfin_cfg *cfg;
	struct pkt p = {};
	void *meta;
	__u8 fl;

	/* Metadata from an XDP program before us must not reach TC. */
	meta = (void *)(long)ctx->data_meta;
	if (meta < data && bpf_xdp_adjust_meta(ctx, (int)(data - meta)))
		return XDP_DROP;
	/* Keep clang from folding ctx + offset: the verifier rejects it. */
	barrier_var(ctx);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	switch (parse_pkt(data, data_end, data_end - data, &p)) {
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
	cfg = cfg_get();
	if (!cfg || !port_protected(p.dport) ||
	    !addr_protected(cfg, p.ipv6, p.daddr)) {
		if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
			count(SYNFIN_C_SYN_UNPROTECTED);
		return XDP_PASS;
	}

	if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN) {
		if (fl & (TCP_FLAG_RST | TCP_FLAG_FIN)) {
			count(SYNFIN_C_DROP_BAD_FLAGS);
			return XDP_DROP;
		}
		return handle_syn(ctx, &p, cfg);
	}

	return handle_segment(ctx, &p, cfg);
}

char LICENSE[] SEC("license") = "GPL";
