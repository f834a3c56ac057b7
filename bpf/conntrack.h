/* SPDX-License-Identifier: GPL-2.0 */
/* The connection table: each protected connection's close, followed from
 * both directions (XDP sees the remote side's segments, TC egress the local
 * side's), with the endpoint states of RFC 793.
 */
#ifndef SYNFIN_CONNTRACK_H
#define SYNFIN_CONNTRACK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"
#include "ct_filter.h"

enum ct_verdict {
	CT_PASS,
	CT_DROP,
	CT_OUTSIDE,	/* far outside the window: passed, nothing learnt */
};

/* An event for synfind, unless this CPU spent its budget for the second.
 * State and origin by value: a pointer that is a map value here and the
 * stack there makes one shared instruction the verifier refuses.
 */
static __always_inline void ct_event(const struct synfin_ct_key *k,
				     __u8 state, __u8 origin, __u32 type)
{
	struct synfin_event *ev;

	if (!rate_take(&event_budget, SYNFIN_EVENTS_PER_S)) {
		count(SYNFIN_C_EVENTS_DROPPED);
		return;
	}
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		count(SYNFIN_C_EVENTS_DROPPED);
		return;
	}
	ev->ts_ns = bpf_ktime_get_coarse_ns();
	ev->key = *k;
	ev->type = type;
	ev->state = state;
	ev->origin = origin;
	ev->pad = 0;
	bpf_ringbuf_submit(ev, 0);
	count(SYNFIN_C_EVENTS_SENT);
}

/* a after b, modulo 2^32 */
static __always_inline int seq_after(__u32 a, __u32 b)
{
	return (__s32)(a - b) > 0;
}

/* from = the side that sent p: remote for XDP, local for TC egress. */
static __always_inline void ct_key_make(const struct pkt *p, int from,
					struct synfin_ct_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->family = p->ipv6 ? 6 : 4;
	if (from == SF_SIDE_REMOTE) {
		__builtin_memcpy(k->raddr, p->saddr, 16);
		__builtin_memcpy(k->laddr, p->daddr, 16);
		k->rport = p->sport;
		k->lport = p->dport;
	} else {
		__builtin_memcpy(k->raddr, p->daddr, 16);
		__builtin_memcpy(k->laddr, p->saddr, 16);
		k->rport = p->dport;
		k->lport = p->sport;
	}
}

/* Adds or replaces k's entry, its filter bit first. 0, or the map's error. */
static __always_inline long ct_insert(const struct synfin_ct_key *k,
				      const struct synfin_ct_entry *e)
{
	ct_filter_add(k);
	return bpf_map_update_elem(&conntrack, k, e, BPF_ANY);
}

/* A connection's end, counted and told once: a FIN sent again from
 * LAST-ACK reopens the close for a moment, and its second ACK is no second
 * end.
 */
static __always_inline void ct_closed(const struct synfin_ct_key *k,
				      struct synfin_ct_entry *e, __u32 type)
{
	if (e->close_counted)
		return;
	e->close_counted = 1;
	count(SYNFIN_C_CT_CONN_CLOSED);
	ct_event(k, e->state, e->origin, type);
}

static __always_inline void ct_set_state(struct synfin_ct_side *s, __u8 state)
{
	static const enum synfin_counter to[SF_TCP__MAX] = {
		[SF_TCP_FIN_WAIT_1] = SYNFIN_C_CT_TO_FIN_WAIT_1,
		[SF_TCP_FIN_WAIT_2] = SYNFIN_C_CT_TO_FIN_WAIT_2,
		[SF_TCP_CLOSING] = SYNFIN_C_CT_TO_CLOSING,
		[SF_TCP_TIME_WAIT] = SYNFIN_C_CT_TO_TIME_WAIT,
		[SF_TCP_CLOSE_WAIT] = SYNFIN_C_CT_TO_CLOSE_WAIT,
		[SF_TCP_LAST_ACK] = SYNFIN_C_CT_TO_LAST_ACK,
		[SF_TCP_CLOSED] = SYNFIN_C_CT_TO_CLOSED,
	};

	if (s->state == state)
		return;
	s->state = state;
	if (state < SF_TCP__MAX && to[state])
		count(to[state]);
}

/* The connection's state is its active closer's. */
static __always_inline void ct_sync_state(struct synfin_ct_entry *e)
{
	if (e->closer == SF_SIDE_REMOTE)
		e->state = e->side[SF_SIDE_REMOTE].state;
	else if (e->closer == SF_SIDE_LOCAL)
		e->state = e->side[SF_SIDE_LOCAL].state;
	else
		e->state = e->side[SF_SIDE_LOCAL].state == SF_TCP_SYN_RECV ?
				   SF_TCP_SYN_RECV : SF_TCP_ESTABLISHED;
}

/* Both ends after a handshake (or adoption): ESTABLISHED. */
static __always_inline void ct_init_established(struct synfin_ct_entry *e,
						__u8 origin, __u8 opener)
{
	__u64 now = bpf_ktime_get_coarse_ns();

	__builtin_memset(e, 0, sizeof(*e));
	e->first_ns = e->last_ns = now;
	e->origin = origin;
	e->opener = opener;
	e->closer = SF_SIDE_NONE;
	e->side[0].state = e->side[1].state = SF_TCP_ESTABLISHED;
	e->state = SF_TCP_ESTABLISHED;
}

/* `from` acked the other side's FIN exactly. */
static __always_inline void ct_on_fin_acked(struct synfin_ct_entry *e,
					    struct synfin_ct_side *s,
					    struct synfin_ct_side *r)
{
	r->flags |= SF_CT_FIN_ACKED;
	count(SYNFIN_C_CT_FIN_ACKED);
	/* The FIN's sender. */
	if (r->state == SF_TCP_FIN_WAIT_1)
		ct_set_state(r, SF_TCP_FIN_WAIT_2);
	else if (r->state == SF_TCP_CLOSING)
		ct_set_state(r, SF_TCP_TIME_WAIT);
	else if (r->state == SF_TCP_LAST_ACK)
		ct_set_state(r, SF_TCP_CLOSED);
	/* Its receiver. */
	if (s->state == SF_TCP_ESTABLISHED)
		ct_set_state(s, SF_TCP_CLOSE_WAIT);
	else if (s->state == SF_TCP_FIN_WAIT_2)
		ct_set_state(s, SF_TCP_TIME_WAIT);
}

/* A FIN from s at fin_seq (one at another number than s's earlier FIN is
 * refused before this).
 */
static __always_inline void ct_on_fin(struct synfin_ct_entry *e, int from,
				     struct synfin_ct_side *s,
				     struct synfin_ct_side *r, __u32 fin_seq)
{
	if (s->flags & SF_CT_FIN_SENT) {
		count(SYNFIN_C_CT_FIN_RETRANS);
		/* Sent again from LAST-ACK: the ACK we saw never reached this
		 * side (a bad checksum, say), whose socket still waits for one.
		 */
		if (s->state == SF_TCP_CLOSED && (s->flags & SF_CT_FIN_ACKED)) {
			s->flags &= ~SF_CT_FIN_ACKED;
			s->state = SF_TCP_LAST_ACK;
		}
		return;
	}
	s->flags |= SF_CT_FIN_SENT;
	s->fin_seq = fin_seq;
	count(SYNFIN_C_CT_FIN);

	if (s->state == SF_TCP_CLOSE_WAIT) {
		/* A FIN from before this side's ACK of the peer's FIN (its
		 * number behind what the side sent since) left FIN-WAIT-1,
		 * was lost and comes again: the FINs crossed, CLOSING
		 * (packetdrill's tcp_disorder_fin_in_FIN_WAIT). Else LAST-ACK.
		 */
		ct_set_state(s, seq_after(s->next_seq, fin_seq) ? SF_TCP_CLOSING
								: SF_TCP_LAST_ACK);
	} else if ((r->flags & (SF_CT_FIN_SENT | SF_CT_FIN_ACKED)) ==
		   SF_CT_FIN_SENT) {
		/* The peer's FIN is out and this side hasn't acked it: the
		 * FINs crossed. Both close actively, through CLOSING.
		 */
		ct_set_state(s, SF_TCP_CLOSING);
		ct_set_state(r, SF_TCP_CLOSING);
	} else {
		ct_set_state(s, SF_TCP_FIN_WAIT_1);
		e->closer = from;
	}
}

/* Where the local side could accept a remote segment: within a window of
 * rcv_nxt either way (retransmissions behind it, data ahead). The local
 * window, at least 64 KiB, bounds both. A segment outside it is a blind
 * guess, or a new connection's ISN: the table learns nothing from it.
 */
static __always_inline __u32 ct_local_window(const struct synfin_ct_entry *e)
{
	__u32 wnd = e->side[SF_SIDE_LOCAL].window;

	return wnd < 65535 ? 65535 : wnd;
}

static __always_inline int ct_in_window(const struct synfin_ct_entry *e,
					__u32 seq)
{
	const struct synfin_ct_side *s = &e->side[SF_SIDE_REMOTE];
	__u32 wnd = ct_local_window(e);

	if (!(s->flags & SF_CT_SEQ_KNOWN))
		return 1;
	return seq - (s->next_seq - wnd) <= 2 * wnd;
}

enum ct_rst { CT_RST_EXACT, CT_RST_IN_WINDOW, CT_RST_OUTSIDE };

/* RFC 5961: a RST from the remote side resets only at rcv_nxt (or the
 * FIN's own number, rcv_nxt - 1, which Linux accepts too); elsewhere in
 * the window the kernel answers with a challenge ACK and keeps the
 * connection; outside it, it is dropped. The local kernel's RSTs are its
 * word.
 */
static __always_inline int ct_rst_kind(const struct synfin_ct_entry *e,
				       int from, __u32 seq)
{
	const struct synfin_ct_side *s = &e->side[SF_SIDE_REMOTE];
	__u32 wnd = e->side[SF_SIDE_LOCAL].window;

	if (from == SF_SIDE_LOCAL || !(s->flags & SF_CT_SEQ_KNOWN))
		return CT_RST_EXACT;
	if (seq == s->next_seq || seq == s->next_seq - 1)
		return CT_RST_EXACT;
	/* A zero window still takes a RST at rcv_nxt. */
	return seq - s->next_seq < (wnd ? wnd : 1) ? CT_RST_IN_WINDOW
						   : CT_RST_OUTSIDE;
}

/* One segment from `from` through the state machine; e's lock held. */
static __always_inline int ct_on_segment_locked(const struct synfin_ct_key *k,
						struct synfin_ct_entry *e,
						int from, const struct pkt *p)
{
	struct synfin_ct_side *s = &e->side[from & 1];
	struct synfin_ct_side *r = &e->side[(from ^ 1) & 1];
	__u32 seq = bpf_ntohl(p->seq), ack = bpf_ntohl(p->ack_seq);
	__u32 len = p->payload_len, end;
	__u8 fl = p->tcp_flags;
	__u32 fin_seq = seq + len + ((fl & TCP_FLAG_SYN) ? 1 : 0);
	/* Closed from both ends' view: what comes now is late. */
	int closed = (s->state == SF_TCP_TIME_WAIT || s->state == SF_TCP_CLOSED) &&
		     (r->state == SF_TCP_TIME_WAIT || r->state == SF_TCP_CLOSED);

	if (fl & TCP_FLAG_RST) {
		switch (ct_rst_kind(e, from, seq)) {
		case CT_RST_OUTSIDE:
			count(SYNFIN_C_CT_RST_INVALID);
			return CT_DROP;
		case CT_RST_IN_WINDOW:
			count(SYNFIN_C_CT_RST_CHALLENGED);
			return CT_PASS;
		}
		count(SYNFIN_C_CT_RST_VALID);
		s->packets++;
		e->last_ns = bpf_ktime_get_coarse_ns();
		ct_set_state(s, SF_TCP_CLOSED);
		ct_set_state(r, SF_TCP_CLOSED);
		e->state = SF_TCP_CLOSED;
		ct_closed(k, e, SF_EV_RESET);
		return CT_PASS;
	}
	if (from == SF_SIDE_REMOTE && !ct_in_window(e, seq)) {
		count(SYNFIN_C_CT_OUT_OF_WINDOW);
		return CT_OUTSIDE;
	}

	/* Late segments don't keep a TIME-WAIT alive. */
	if (!closed)
		e->last_ns = bpf_ktime_get_coarse_ns();
	s->packets++;
	/* The remote side's ACK completes a handshake the kernel answered. */
	if (r->state == SF_TCP_SYN_RECV && (fl & TCP_FLAG_ACK) &&
	    !(fl & TCP_FLAG_SYN) && ack == r->next_seq) {
		r->state = SF_TCP_ESTABLISHED;
		s->state = SF_TCP_ESTABLISHED;
	}
	s->bytes += len;

	/* A FIN contradicting this side's earlier one changes nothing. */
	if ((fl & TCP_FLAG_FIN) && (s->flags & SF_CT_FIN_SENT) &&
	    fin_seq != s->fin_seq) {
		count(SYNFIN_C_CT_FIN_INVALID);
		return CT_DROP;
	}

	/* Data past this side's FIN. */
	if ((s->flags & SF_CT_FIN_SENT) && len &&
	    seq_after(seq + len, s->fin_seq) && !(fl & TCP_FLAG_FIN)) {
		count(SYNFIN_C_CT_DATA_AFTER_FIN);
		return CT_DROP;
	}

	if ((fl & TCP_FLAG_ACK) && (r->flags & SF_CT_FIN_SENT) &&
	    !(r->flags & SF_CT_FIN_ACKED) && ack == r->fin_seq + 1)
		ct_on_fin_acked(e, s, r);

	/* In a GSO segment the FIN follows the last byte. */
	if (fl & TCP_FLAG_FIN)
		ct_on_fin(e, from, s, r, fin_seq);

	end = seq + len + ((fl & TCP_FLAG_SYN) ? 1 : 0) +
	      ((fl & TCP_FLAG_FIN) ? 1 : 0);
	if (!(s->flags & SF_CT_SEQ_KNOWN) || seq_after(end, s->next_seq)) {
		s->next_seq = end;
		s->flags |= SF_CT_SEQ_KNOWN;
	}
	s->window = (__u32)bpf_ntohs(p->window) << (s->wscale & 15);
	ct_sync_state(e);
	if (closed)
		count(SYNFIN_C_CT_TW_ABSORBED);
	else if ((s->state == SF_TCP_TIME_WAIT || s->state == SF_TCP_CLOSED) &&
		 (r->state == SF_TCP_TIME_WAIT || r->state == SF_TCP_CLOSED))
		ct_closed(k, e, SF_EV_CLOSED);
	return CT_PASS;
}

/* An entry is one connection's two directions, which XDP (the remote
 * side's segments) and TC egress (the local side's) may update on two
 * CPUs at once. A segment's update reads and writes both sides: a FIN
 * moves its sender's state and reads the peer's flags (crossed FINs), the
 * FIN's ACK moves both ends, a RST closes both, and the connection's state
 * and close_counted derive from all of it. Unserialised, a RST on one CPU
 * was undone by the other's segment writing back ESTABLISHED, crossed FINs
 * each missed the other's and left a side in FIN-WAIT-2, and a close could
 * be counted twice (tests/bpf/test_ct_race.c). So each update holds the
 * entry's lock: a cmpxchg spin, as bpf_spin_lock is refused in an LRU
 * hash's values. The critical section is a few hundred instructions and
 * programs run to completion with BH off, so the spin is bounded; past it
 * (a holder's CPU taken by an interrupt storm, say) the segment updates
 * unlocked, as before the lock, and is counted.
 */
#define CT_LOCK_SPINS 512

struct ct_lock_try_ctx {
	struct synfin_ct_entry *e;
	int got;
};

/* One attempt of bpf_loop's: 1 (stop) once the lock is taken. */
static long ct_lock_try(__u32 i, void *ctx)
{
	struct ct_lock_try_ctx *c = ctx;
	struct synfin_ct_entry *e = c->e;

	/* Test, then test-and-set: spin on a shared line. */
	if (*(volatile __u64 *)&e->lock ||
	    __sync_val_compare_and_swap(&e->lock, 0, 1))
		return 0;
	c->got = 1;
	return 1;
}

/* bpf_loop, not a bounded loop: the verifier walks its body once, where a
 * loop's iterations multiplied the states of everything after it past the
 * 1M-instruction limit. Past the spins, the segment goes on unlocked and
 * its unlock frees the holder's lock early: no flag kept for the unlock,
 * which would double the states of the state machine after it.
 */
static __always_inline void ct_lock(struct synfin_ct_entry *e)
{
	struct ct_lock_try_ctx c = { .e = e };

	/* Mostly free: one cmpxchg, no loop. */
	if (!__sync_val_compare_and_swap(&e->lock, 0, 1))
		return;
	bpf_loop(CT_LOCK_SPINS, ct_lock_try, &c, 0);
	if (!c.got)
		count(SYNFIN_C_CT_LOCK_BUSY);
}

static __always_inline void ct_unlock(struct synfin_ct_entry *e)
{
	/* An exchange: a full barrier on every JIT, which a store is not. */
	__sync_lock_test_and_set(&e->lock, 0);
}

/* One segment from `from`, the entry locked. The caller saw the entry
 * open; if another CPU's RST closed it since, the segment is a late one.
 */
static __always_inline int ct_on_segment(const struct synfin_ct_key *k,
					 struct synfin_ct_entry *e, int from,
					 const struct pkt *p)
{
	int ret;

	ct_lock(e);
	if (e->state == SF_TCP_CLOSED) {
		count(SYNFIN_C_CT_TW_ABSORBED);
		ret = CT_DROP;
	} else {
		ret = ct_on_segment_locked(k, e, from, p);
	}
	ct_unlock(e);
	return ret;
}

/* New entries, one constructor per origin (enum synfin_ct_origin). */

/* A connection that a valid cookie ACK completes: the state before this
 * segment, which then goes through the state machine like any other (it
 * may carry data, or a FIN).
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

/* A connection the kernel answered itself (a SYN synfin passed on), from
 * its SYN-ACK p in [data, data_end).
 */
static __always_inline void ct_track_kernel(void *data, void *data_end,
					    const struct synfin_ct_key *k,
					    const struct pkt *p, int replacing)
{
	struct synfin_ct_entry e;
	struct tcp_opts o = {};

	ct_init_established(&e, SF_CT_KERNEL, SF_SIDE_REMOTE);
	e.side[SF_SIDE_REMOTE].state = SF_TCP_SYN_SENT;
	e.side[SF_SIDE_LOCAL].state = SF_TCP_SYN_RECV;
	e.state = SF_TCP_SYN_RECV;
	if (!parse_tcp_opts(data, data_end, p, &o)) {
		e.mss = o.mss;
		if (o.has_wscale)
			e.side[SF_SIDE_LOCAL].wscale = o.wscale;
	}
	e.remote_isn = bpf_ntohl(p->ack_seq) - 1;
	e.side[SF_SIDE_LOCAL].next_seq = bpf_ntohl(p->seq) + 1;
	e.side[SF_SIDE_REMOTE].next_seq = bpf_ntohl(p->ack_seq);
	e.side[SF_SIDE_LOCAL].flags = SF_CT_SEQ_KNOWN;
	e.side[SF_SIDE_REMOTE].flags = SF_CT_SEQ_KNOWN;
	/* A SYN-ACK's window is never scaled. */
	e.side[SF_SIDE_LOCAL].window = bpf_ntohs(p->window);
	e.side[SF_SIDE_LOCAL].packets = 1;
	if (ct_insert(k, &e)) {
		count(SYNFIN_C_CT_TRACK_FAILED);
		return;
	}
	count(replacing ? SYNFIN_C_CT_REPLACED : SYNFIN_C_CT_NEW_KERNEL);
	ct_event(k, e.state, e.origin, SF_EV_ESTABLISHED);
}

/* A connection the kernel completed before synfin was attached (or one
 * the table evicted), with what its socket sk knows.
 */
static __always_inline void ct_adopt(const struct synfin_ct_key *k,
				     struct bpf_sock *sk)
{
	struct synfin_ct_entry e;
	struct synfin_ct_side *rs = &e.side[SF_SIDE_REMOTE];
	struct synfin_ct_side *ls = &e.side[SF_SIDE_LOCAL];
	struct tcp_sock *tp;
	__u32 state = sk->state, write_seq = 0;

	/* A socket closing on another CPU, found just before its unhash:
	 * nothing left to track (the switch below would call it open).
	 */
	if (state == BPF_TCP_CLOSE || state == BPF_TCP_SYN_SENT)
		return;
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
	/* The kernel moves a socket's state before it sends the segment
	 * (a FIN, a RST) that TC egress, on another CPU, would then find no
	 * entry for: a state changed since the read above may have been
	 * missed, and the entry goes; the next segment adopts afresh. The
	 * update's bucket lock orders the insert before this read.
	 */
	count(SYNFIN_C_CT_ADOPTED);
	ct_event(k, e.state, e.origin, SF_EV_ADOPTED);
}

#endif /* SYNFIN_CONNTRACK_H */
