// SPDX-License-Identifier: GPL-2.0
/* TC ingress: hand a cookie ACK that XDP validated to the listening
 * socket, as a request socket built from the cookie's options.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"
#include "sock.h"

extern int bpf_sk_assign_tcp_reqsk(struct __sk_buff *skb, struct sock *sk,
				   struct bpf_tcp_req_attrs *attrs,
				   int attrs__sz) __ksym;

SEC("tc")
int tc_synfin_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct synfin_meta *m = (void *)(long)skb->data_meta;
	struct bpf_tcp_req_attrs attrs = {};
	const struct synfin_cfg *cfg;
	struct bpf_sock *skc;
	struct tcp_sock *tp;
	struct pkt p = {};
	int ret;

	/* Only synfin's XDP program writes metadata with this load's magic
	 * (it strips any other program's).
	 */
	if ((void *)(m + 1) > data)
		return TC_ACT_UNSPEC;
	cfg = cfg_get();
	if (!cfg || !cfg->meta_magic || m->magic != cfg->meta_magic)
		return TC_ACT_UNSPEC;
	/* XDP read this frame: only headers outside the linear part stop TC. */
	if (parse_pkt(data, data_end, skb->len, &p) != PARSE_OK) {
		count(SYNFIN_C_UNPARSED_PASSED);
		return TC_ACT_UNSPEC;
	}

	skc = sock_lookup(skb, &p);
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

char LICENSE[] SEC("license") = "GPL";
