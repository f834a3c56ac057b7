// SPDX-License-Identifier: GPL-2.0
/* TC egress: the local side's segments (the kernel's SYN-ACKs, data, FINs,
 * ACKs and RSTs) feed the same connection table as XDP. Never drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "parse.h"
#include "maps.h"
#include "conntrack.h"

/* Pass, and let any later TC program (tcx or classic) see it too. */
#define TC_ACT_NEXT -1
/* Ethernet, two VLAN tags, IPv6 with room for extension headers, TCP. */
#define HDR_PULL 192

/* A connection the kernel answered itself (a SYN synfin passed on). */
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

SEC("tc")
int tc_synfin_egress(struct __sk_buff *skb)
{
	const struct synfin_cfg *cfg;
	struct synfin_ct_entry *e;
	struct synfin_ct_key k;
	void *data, *data_end;
	struct pkt p = {};
	int ret;

	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ret = parse_pkt(data, data_end, skb->len, &p);
	/* Headers outside the linear part: pull them in, this once. Pulling
	 * every skb would reallocate the heads of TCP's clones.
	 */
	if ((ret == PARSE_BAD_L2 || ret == PARSE_BAD_IP || ret == PARSE_BAD_TCP) &&
	    data_end - data < skb->len && data_end - data < HDR_PULL) {
		if (bpf_skb_pull_data(skb, skb->len < HDR_PULL ? skb->len : HDR_PULL))
			return TC_ACT_NEXT;
		/* Keep clang from folding skb + offset: the verifier rejects it. */
		barrier_var(skb);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		ret = parse_pkt(data, data_end, skb->len, &p);
	}
	if (ret != PARSE_OK)
		return TC_ACT_NEXT;
	cfg = cfg_get();
	if (!cfg || !port_protected(p.sport) ||
	    !addr_protected(cfg, p.ipv6, p.saddr))
		return TC_ACT_NEXT;

	ct_key_make(&p, SF_SIDE_LOCAL, &k);
	e = bpf_map_lookup_elem(&conntrack, &k);
	if ((p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
	    (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
		if (!e || e->state == SF_TCP_TIME_WAIT ||
		    e->state == SF_TCP_CLOSED)
			ct_track_kernel(data, data_end, &k, &p, e != NULL);
		return TC_ACT_NEXT;
	}
	if (e && e->state != SF_TCP_CLOSED)
		ct_on_segment(&k, e, SF_SIDE_LOCAL, &p);
	return TC_ACT_NEXT;
}

char LICENSE[] SEC("license") = "GPL";
