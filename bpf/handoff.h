/* SPDX-License-Identifier: GPL-2.0 */
/* The hand-off: a cookie ACK that synfin validated becomes a request socket
 * of its listener, built from the cookie's options (bpf_sk_assign_tcp_reqsk,
 * TC only), and TCP completes the connection as from its own SYN cookie.
 */
#ifndef SYNFIN_HANDOFF_H
#define SYNFIN_HANDOFF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"
#include "sock.h"

extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs,
				   int attrs__sz) __ksym;

/* TC_ACT_UNSPEC (on to TCP: handed over, or its connection exists
 * already), or TC_ACT_SHOT when the kernel refused the request socket.
 */
static __always_inline int handoff(struct __sk_buff *skb, const struct pkt *p,
				   const struct synfin_meta *m,
				   const struct synfin_cfg *cfg)
{
	struct bpf_tcp_req_attrs attrs = {};
	struct bpf_sock *skc;
	struct tcp_sock *tp;
	int ret;

	skc = sock_lookup(skb, p);
	if (!skc) {
		count(SYNFIN_C_HANDOFF_NO_LISTENER);
		return TC_ACT_UNSPEC;
	}
	/* A retransmitted ACK whose connection already exists. */
	if (skc->state != BPF_TCP_LISTEN) {
		bpf_sk_release(skc);
		return TC_ACT_UNSPEC;
	}
	tp = bpf_skc_to_tcp_sock(skc);
	if (!tp) {
		bpf_sk_release(skc);
		count(SYNFIN_C_HANDOFF_FAILED);
		return TC_ACT_SHOT;
	}

	attrs.mss = m->mss;
	attrs.sack_ok = !!(m->flags & SYNFIN_META_SACK);
	attrs.ecn_ok = !!(m->flags & SYNFIN_META_ECN);
	if (m->flags & SYNFIN_META_WSCALE) {
		attrs.wscale_ok = 1;
		attrs.snd_wscale = m->snd_wscale;
		attrs.rcv_wscale = cfg->wscale;
	}
	if (m->flags & SYNFIN_META_TS) {
		attrs.tstamp_ok = 1;
		attrs.rcv_tsval = m->tsval;
		attrs.rcv_tsecr = m->tsecr;
	}
	ret = bpf_sk_assign_tcp_reqsk(skb, (struct sock *)tp, &attrs,
				      sizeof(attrs));
	bpf_sk_release(skc);
	if (ret < 0) {
		count(SYNFIN_C_HANDOFF_FAILED);
		return TC_ACT_SHOT;
	}
	/* A segment handed over again may race its connection's first ACK
	 * (both reach TC before TCP sees either, as in a GRO batch): the kernel
	 * then feeds it to the first one's socket. Not a second connection.
	 */
	if (!(m->flags & SYNFIN_META_AGAIN))
		count(SYNFIN_C_CONN_HANDED);
	return TC_ACT_UNSPEC;
}

#endif /* SYNFIN_HANDOFF_H */
