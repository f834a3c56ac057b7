/* SPDX-License-Identifier: GPL-2.0 */
/* The guard's rules, the same in every hook that runs them (XDP in
 * xdp_ingress, TC in tc_guard): the hook parses the frame, asks here what
 * to do, and does it its own way (XDP_TX or a redirect for a SYN-ACK,
 * metadata for TC or a direct hand-off for a cookie ACK). ctx is the hook's
 * context, used only for socket lookups.
 */
#ifndef SYNFIN_GUARD_H
#define SYNFIN_GUARD_H

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

enum guard_verdict {
	GUARD_PASS,		/* on to the kernel */
	GUARD_DROP,
	GUARD_SYNACK,		/* answer with out->sa, then count it */
	GUARD_HANDOFF,		/* hand over with out->m, then count out->c */
};

struct guard_out {
	struct synack sa;
	struct synfin_meta m;
	enum synfin_counter c;	/* ack_cookie_valid or ack_cookie_again */
};

/* A parse_pkt() result: GUARD_PASS or GUARD_DROP, counted, or -1 for a TCP
 * segment to look at. Nothing that may be a SYN to a protected port gets
 * past unread to the kernel's SYN queue.
 */
static __always_inline int guard_parsed(int ret, const struct pkt *p)
{
	const struct synfin_cfg *cfg;

	switch (ret) {
	case PARSE_OK:
		return -1;
	case PARSE_FRAG_FIRST:
		/* TCP never fragments a SYN: a flood would, to get past. */
		cfg = cfg_get();
		if ((p->tcp_flags & TCP_FLAG_SYN) && cfg &&
		    port_protected(p->dport) &&
		    addr_protected(cfg, p->ipv6, p->daddr)) {
			count(SYNFIN_C_FRAG_SYN_DROPPED);
			return GUARD_DROP;
		}
		count(SYNFIN_C_FRAG_PASSED);
		return GUARD_PASS;
	case PARSE_FRAG:
		/* Useless without its first fragment, which came this way. */
		count(SYNFIN_C_FRAG_PASSED);
		return GUARD_PASS;
	case PARSE_FRAG_TINY:
		count(SYNFIN_C_FRAG_TINY_DROPPED);
		return GUARD_DROP;
	case PARSE_VLAN_DEEP:
		count(SYNFIN_C_VLAN_DEEP_DROPPED);
		return GUARD_DROP;
	case PARSE_EXT_DEEP:
		count(SYNFIN_C_EXT_DEEP_DROPPED);
		return GUARD_DROP;
	case PARSE_AH:
		count(SYNFIN_C_AH_PASSED);
		return GUARD_PASS;
	case PARSE_UNSUPPORTED:
		count(SYNFIN_C_UNPARSED_PASSED);
		return GUARD_PASS;
	case PARSE_BAD_L2:
		count(SYNFIN_C_MALFORMED_L2);
		return GUARD_DROP;
	case PARSE_BAD_IP:
		count(SYNFIN_C_MALFORMED_IP);
		return GUARD_DROP;
	case PARSE_BAD_TCP:
		count(SYNFIN_C_MALFORMED_TCP);
		return GUARD_DROP;
	default:	/* PARSE_NOT_TCP */
		return GUARD_PASS;
	}
}

/* May a segment in no entry cost a socket lookup? ADOPT_LOOKUPS_PER_S. */
static __always_inline int adopt_budget(void)
{
	if (rate_take(&adopt_budget_map, ADOPT_LOOKUPS_PER_S))
		return 1;
	count(SYNFIN_C_ADOPT_SKIPPED);
	return 0;
}

static __always_inline int guard_syn(void *ctx, void *data, void *data_end,
				     const struct pkt *p,
				     const struct synfin_cfg *cfg,
				     struct guard_out *out)
{
	struct tcp_opts o = {};
	struct synfin_ct_key k;

	count(SYNFIN_C_SYN_SEEN);
	if (!parse_tcp_opts_linux(data, data_end, p, &o) &&
	    parse_tcp_opts_strict(data, data_end, p, &o)) {
		count(SYNFIN_C_MALFORMED_TCP);
		return GUARD_DROP;
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
		return GUARD_PASS;
	}
	/* No key for this period: the kernel answers. */
	if (synack_prepare(p, &o, cfg, &out->sa)) {
		count(SYNFIN_C_SYN_NO_KEY);
		return GUARD_PASS;
	}
	return GUARD_SYNACK;
}

/* A validated cookie ACK: the hook hands it over, and counts c then. */
static __always_inline int guard_handoff(struct guard_out *out,
					 enum synfin_counter c)
{
	out->c = c;
	return GUARD_HANDOFF;
}

/* A segment that is not a SYN, to a protected port. */
static __always_inline int guard_segment(void *ctx, void *data, void *data_end,
					 const struct pkt *p,
					 const struct synfin_cfg *cfg,
					 struct guard_out *out)
{
	struct synfin_ct_key k;
	struct synfin_ct_entry *e;
	struct synfin_meta *m = &out->m;
	struct bpf_sock *sk;
	__u8 fl = p->tcp_flags;
	int cookie_ack = (fl & (TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_RST)) ==
			 TCP_FLAG_ACK;
	__u32 state;
	int local_gone, again;

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
		    !cookie_ack_check(data, data_end, p, cfg, m)) {
			ct_track_cookie(&k, p, m, cfg, 1);
			return guard_handoff(out, SYNFIN_C_ACK_COOKIE_VALID);
		}
		/* Until the kernel answers, a segment at the cookie's sequence
		 * number is handed over again: the first may have been lost
		 * (a full accept queue drops it).
		 */
		again = cookie_ack && e->origin == SF_CT_COOKIE &&
			!e->side[SF_SIDE_LOCAL].packets &&
			bpf_ntohl(p->seq) == e->remote_isn + 1 &&
			!cookie_ack_check(data, data_end, p, cfg, m);
		local_gone = e->side[SF_SIDE_LOCAL].state == SF_TCP_CLOSED;
		switch (ct_on_segment(&k, e, SF_SIDE_REMOTE, p)) {
		case CT_DROP:
			return GUARD_DROP;
		case CT_OUTSIDE:
			/* A new connection where a dead one lingers in the
			 * table (its socket gone without a word): its cookie is
			 * good and the kernel holds nothing for the tuple.
			 */
			if (cookie_ack &&
			    !cookie_ack_check(data, data_end, p, cfg, m) &&
			    !kernel_has_conn(ctx, p)) {
				ct_track_cookie(&k, p, m, cfg, 1);
				return guard_handoff(out, SYNFIN_C_ACK_COOKIE_VALID);
			}
			/* With the local socket gone, the kernel would only RST. */
			return local_gone ? GUARD_DROP : GUARD_PASS;
		}
		if (again) {
			m->flags |= SYNFIN_META_AGAIN;
			return guard_handoff(out, SYNFIN_C_ACK_COOKIE_AGAIN);
		}
		/* Late segments after the local socket closed: absorbed. Not a
		 * RST: the ACK that closed the local side in the table may have
		 * been lost after synfin, and the RST ends its LAST-ACK.
		 */
		if (local_gone && !(fl & TCP_FLAG_RST))
			return GUARD_DROP;
		count(SYNFIN_C_EST_PASSED);
		return GUARD_PASS;
	}

	if (cookie_ack && !cookie_ack_check(data, data_end, p, cfg, m)) {
		ct_track_cookie(&k, p, m, cfg, e != NULL);
		return guard_handoff(out, SYNFIN_C_ACK_COOKIE_VALID);
	}

	/* Maybe a connection from before synfin (or one the table evicted):
	 * ask the kernel, within a budget, so an ACK flood can't make every
	 * forged segment a socket lookup.
	 */
	sk = adopt_budget() ? sock_lookup(ctx, p) : NULL;
	if (sk) {
		state = sk->state;
		if (state != BPF_TCP_LISTEN) {
			/* Not on a RST: a socket busy on another CPU may hold
			 * an earlier RST in its backlog and close unseen, which
			 * would leave the adopted entry open for good.
			 */
			if (state != BPF_TCP_TIME_WAIT &&
			    state != BPF_TCP_NEW_SYN_RECV &&
			    state != BPF_TCP_SYN_RECV && !(fl & TCP_FLAG_RST))
				ct_adopt(&k, sk);
			bpf_sk_release(sk);
			count(SYNFIN_C_EST_PASSED);
			return GUARD_PASS;
		}
		bpf_sk_release(sk);
	}
	if (cookie_ack)
		count(SYNFIN_C_ACK_COOKIE_INVALID);
	else if (fl & TCP_FLAG_RST)
		count(SYNFIN_C_CT_RST_UNKNOWN);
	else
		count(SYNFIN_C_DROP_NO_CONN);
	return GUARD_DROP;
}

/* The rules for a parsed TCP segment p in [data, data_end). *cfgp is set
 * for a SYN-ACK or a hand-off. max_tags: the most VLAN tags a frame may
 * carry for the hand-off to take its ACK (bpf_sk_assign_tcp_reqsk wants
 * IP behind the Ethernet header once the stack has taken the outer tag out
 * of the frame): a SYN with more is the kernel's, which has its own
 * cookies, rather than a handshake that can't end.
 */
static __always_inline int guard_decide(void *ctx, void *data, void *data_end,
					const struct pkt *p, __u32 max_tags,
					const struct synfin_cfg **cfgp,
					struct guard_out *out)
{
	const struct synfin_cfg *cfg = cfg_get();
	__u8 fl = p->tcp_flags;

	*cfgp = cfg;
	if (!cfg || !port_protected(p->dport) ||
	    !addr_protected(cfg, p->ipv6, p->daddr)) {
		if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN)
			count(SYNFIN_C_SYN_UNPROTECTED);
		return GUARD_PASS;
	}
	if ((fl & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN) {
		if (fl & (TCP_FLAG_RST | TCP_FLAG_FIN)) {
			count(SYNFIN_C_DROP_BAD_FLAGS);
			return GUARD_DROP;
		}
		if (p->nvlan > max_tags) {
			count(SYNFIN_C_SYN_TAGS_PASSED);
			return GUARD_PASS;
		}
		return guard_syn(ctx, data, data_end, p, cfg, out);
	}
	return guard_segment(ctx, data, data_end, p, cfg, out);
}

#endif /* SYNFIN_GUARD_H */
