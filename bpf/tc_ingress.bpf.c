// SPDX-License-Identifier: GPL-2.0
/* TC ingress, one program per mode.
 *
 * XDP mode (tc_synfin_ingress): hand a cookie ACK that XDP validated to its
 * listener. The cookie's options come in XDP metadata; where the driver had
 * no room for them, XDP passed the ACK bare and this program validates it
 * again itself.
 *
 * TC mode (tc_synfin_guard): the guard's rules (guard.h) beside whatever
 * XDP program the interface has, or where it has no XDP. A SYN-ACK is
 * written over the SYN's skb and redirected out of the same interface,
 * keeping the VLAN tag the skb carries; a validated cookie ACK is handed
 * over here, no metadata needed.
 *
 * One file: libbpf 1.1's linker can't merge the hand-off kfunc's extern
 * from two objects.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"
#include "cookie.h"
#include "conntrack.h"
#include "synack.h"
#include "guard.h"
#include "handoff.h"
#include "skb.h"

/* An ACK that came without metadata: handed over if XDP validated it, as
 * the connection table says (a cookie entry the kernel hasn't answered,
 * at the cookie's sequence number), and its cookie checks out here too.
 */
static __always_inline int handoff_bare(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct synfin_ct_entry *e;
	struct synfin_ct_key k;
	const struct synfin_cfg *cfg;
	struct synfin_meta m;
	struct pkt p = {};
	__u32 zero = 0, *fallback;

	/* Every frame without metadata comes here: the flag first. */
	fallback = bpf_map_lookup_elem(&meta_fallback, &zero);
	if (!fallback || !*fallback)
		return TC_ACT_UNSPEC;
	count_iface(skb->ifindex);
	cfg = cfg_get();
	if (!cfg || parse_pkt(data, data_end, skb->len, &p) != PARSE_OK ||
	    (p.tcp_flags & (TCP_FLAG_ACK | TCP_FLAG_SYN | TCP_FLAG_RST)) != TCP_FLAG_ACK ||
	    !port_protected(p.dport) || !addr_protected(cfg, p.ipv6, p.daddr))
		return TC_ACT_UNSPEC;
	ct_key_make(&p, SF_SIDE_REMOTE, &k);
	e = bpf_map_lookup_elem(&conntrack, &k);
	if (!e || e->origin != SF_CT_COOKIE || e->side[SF_SIDE_LOCAL].packets ||
	    bpf_ntohl(p.seq) != e->remote_isn + 1 ||
	    cookie_ack_check(data, data_end, &p, cfg, &m))
		return TC_ACT_UNSPEC;
	/* Which copy XDP saw first it couldn't say: the entry remembers. */
	if (e->handed)
		m.flags |= SYNFIN_META_AGAIN;
	else
		e->handed = 1;
	return handoff(skb, &p, &m, cfg);
}

SEC("tc")
int tc_synfin_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct synfin_meta *m = (void *)(long)skb->data_meta;
	const struct synfin_cfg *cfg;
	struct pkt p = {};

	if ((void *)(m + 1) > data)
		return handoff_bare(skb);
	/* Only synfin's XDP program writes metadata with this load's magic
	 * (it strips any other program's).
	 */
	cfg = cfg_get();
	if (!cfg)
		return TC_ACT_UNSPEC;
	if (!cfg->meta_magic || m->magic != cfg->meta_magic)
		return handoff_bare(skb);
	count_iface(skb->ifindex);
	/* XDP read this frame: only headers outside the linear part stop TC. */
	if (parse_pkt(data, data_end, skb->len, &p) != PARSE_OK) {
		count(SYNFIN_C_UNPARSED_PASSED);
		return TC_ACT_UNSPEC;
	}
	return handoff(skb, &p, m, cfg);
}

/* The SYN's skb becomes the SYN-ACK and leaves by the interface it came
 * in by. Its VLAN tag, which the stack (or the NIC) keeps beside the frame
 * at ingress, stays with it and is put back on the way out.
 */
static __always_inline int synack_redirect(struct __sk_buff *skb,
					   const struct pkt *p,
					   const struct synack *sa)
{
	__u32 len = synack_len(p, sa);

	if (bpf_skb_change_tail(skb, len, 0) || bpf_skb_pull_data(skb, len))
		goto no_room;
	/* Keep clang from folding skb + offset: the verifier rejects it. */
	barrier_var(skb);
	if (synack_write((void *)(long)skb->data, (void *)(long)skb->data_end,
			 p, sa))
		goto no_room;
	/* The checksums written are whole: a receive checksum the NIC left on
	 * the skb must not vouch for the new frame.
	 */
	bpf_csum_level(skb, BPF_CSUM_LEVEL_RESET);
	count(SYNFIN_C_SYNACK_SENT);
	return bpf_redirect(skb->ifindex, 0);
no_room:
	count(SYNFIN_C_DROP_NO_ROOM);
	return TC_ACT_SHOT;
}

SEC("tc")
int tc_synfin_guard(struct __sk_buff *skb)
{
	const struct synfin_cfg *cfg;
	struct guard_out out;
	struct pkt p = {};
	int v;

	count_iface(skb->ifindex);
	v = guard_parsed(skb_parse_rx(skb, &p), &p);
	/* Keep clang from folding skb + offset: the verifier rejects it. */
	barrier_var(skb);
	if (v < 0)
		/* The outer tag is out of the frame already (skb->vlan_tci). */
		v = guard_decide(skb, (void *)(long)skb->data,
				 (void *)(long)skb->data_end, &p, 0, &cfg, &out);
	switch (v) {
	case GUARD_SYNACK:
		return synack_redirect(skb, &p, &out.sa);
	case GUARD_HANDOFF:
		count(out.c);
		return handoff(skb, &p, &out.m, cfg);
	case GUARD_DROP:
		return TC_ACT_SHOT;
	default:
		return TC_ACT_UNSPEC;
	}
}

char LICENSE[] SEC("license") = "GPL";
