// SPDX-License-Identifier: GPL-2.0
/* XDP on the protected interface: answer SYNs with cookie SYN-ACKs,
 * validate the returning ACKs and mark them for TC, drop what belongs to
 * no connection.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"
#include "cookie.h"
#include "synack.h"
#include "conntrack.h"
#include "sock.h"

/* May a segment in no entry cost a socket lookup? ADOPT_LOOKUPS_PER_S. */
static __always_inline int adopt_budget(void)
{
	if (rate_take(&adopt_budget_map, ADOPT_LOOKUPS_PER_S))
		return 1;
	count(SYNFIN_C_ADOPT_SKIPPED);
	return 0;
}

/* Resizes the frame to the SYN-ACK's length and writes the SYN-ACK. */
static __always_inline int synack_tx(struct xdp_md *ctx, const struct pkt *p,
				     const struct synack *sa)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int delta = (int)synack_len(p, sa) - (int)(data_end - data);

	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return -1;
	/* Keep clang from folding ctx + offset: the verifier rejects it. */
	barrier_var(ctx);
	return synack_write((void *)(long)ctx->data,
			    (void *)(long)ctx->data_end, p, sa);
}

static __always_inline int handle_syn(struct xdp_md *ctx, const struct pkt *p,
				      const struct synfin_cfg *cfg)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct tcp_opts o = {};
	struct synfin_ct_key k;
	struct synack sa = {};

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
	/* No secret yet: the kernel answers. */
	if (synack_prepare(p, &o, cfg, &sa))
		return XDP_PASS;
	if (synack_tx(ctx, p, &sa)) {
		count(SYNFIN_C_DROP_NO_ROOM);
		return XDP_DROP;
	}
	count(SYNFIN_C_SYNACK_SENT);
	return XDP_TX;
}

/* Hands the validated ACK to TC: the options go in XDP metadata. */
static __always_inline int cookie_ack_pass(struct xdp_md *ctx,
					   const struct synfin_meta *mv,
					   enum synfin_counter c)
{
	struct synfin_meta *m;
	void *data;

	_Static_assert(sizeof(*m) % 4 == 0 && sizeof(*m) <= 32,
		       "XDP metadata: 4-byte units, at most 32 bytes");
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m))) {
		count(SYNFIN_C_DROP_NO_ROOM);
		return XDP_DROP;
	}
	/* Keep clang from folding ctx + offset: the verifier rejects it. */
	barrier_var(ctx);
	data = (void *)(long)ctx->data;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		return XDP_DROP;
	*m = *mv;
	count(c);
	return XDP_PASS;
}

/* A segment that is not a SYN, to a protected port. */
static __always_inline int handle_segment(struct xdp_md *ctx,
					  const struct pkt *p,
					  const struct synfin_cfg *cfg)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
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
		    !(ck = cookie_ack_check(data, data_end, p, cfg, &m))) {
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
			!(ck = cookie_ack_check(data, data_end, p, cfg, &m));
		local_gone = e->side[SF_SIDE_LOCAL].state == SF_TCP_CLOSED;
		switch (ct_on_segment(&k, e, SF_SIDE_REMOTE, p)) {
		case CT_DROP:
			return XDP_DROP;
		case CT_OUTSIDE:
			/* A new connection where a dead one lingers in the
			 * table (its socket gone without a word): its cookie is
			 * good and the kernel holds nothing for the tuple.
			 */
			if (cookie_ack &&
			    !(ck = cookie_ack_check(data, data_end, p, cfg, &m)) &&
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

	if (cookie_ack && !(ck = cookie_ack_check(data, data_end, p, cfg, &m))) {
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
	case PARSE_UNSUPPORTED:
		count(SYNFIN_C_UNPARSED_PASSED);
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
	default:	/* PARSE_NOT_TCP */
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
