// SPDX-License-Identifier: GPL-2.0
/* Test aid: drops chosen segments of one connection, as the rules in the
 * map hold_rules say (tests/e2e/conform.py writes them). hold_after runs
 * behind synfin (server ingress, client ingress): synfin saw the segment,
 * its receiver doesn't. hold_before runs on the client's egress: neither
 * does, and the client's stack takes it for sent. A rule with count ~0 holds every match until it is cleared; the
 * sender's retransmissions then deliver the segment.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "consts.h"
#include "parse.h"

#define HOLD_RULES 8
#define TC_ACT_STOLEN 4	/* not in consts.h: no synfin program steals */
#define HOLD_CLIENT 0
#define HOLD_SERVER 1

struct hold_rule {
	__be16 cport;		/* the client's port; 0: an unused rule */
	__u8 sender;		/* HOLD_CLIENT or HOLD_SERVER */
	__u8 after;		/* 1: behind synfin, 0: before it */
	__u8 flags_set;		/* TCP flags all present */
	__u8 flags_clear;	/* TCP flags all absent */
	__u16 min_len;		/* payload bytes, at least */
	__u16 max_len;		/* and at most */
	__u16 pad;
	__u32 count;		/* segments still to drop */
	__u32 dropped;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, HOLD_RULES);
	__type(key, __u32);
	__type(value, struct hold_rule);
} hold_rules SEC(".maps");

static __always_inline int hold(struct __sk_buff *skb, __u8 after)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct pkt p = {};
	__u32 i;

	if (parse_pkt(data, data_end, skb->len, &p) != PARSE_OK)
		return TC_ACT_UNSPEC;
	for (i = 0; i < HOLD_RULES; i++) {
		__u32 key = i;
		struct hold_rule *r = bpf_map_lookup_elem(&hold_rules, &key);
		__u8 sender;

		if (!r || !r->cport || r->after != after || !r->count)
			continue;
		if (p.sport == r->cport)
			sender = HOLD_CLIENT;
		else if (p.dport == r->cport)
			sender = HOLD_SERVER;
		else
			continue;
		if (sender != r->sender ||
		    (p.tcp_flags & r->flags_set) != r->flags_set ||
		    (p.tcp_flags & r->flags_clear) || p.payload_len < r->min_len ||
		    p.payload_len > r->max_len)
			continue;
		if (r->count != ~0U)
			r->count--;
		r->dropped++;
		/* Shot on egress, the sender would know and send it again at
		 * once; stolen, it was sent and lost.
		 */
		return after ? TC_ACT_SHOT : TC_ACT_STOLEN;
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int hold_after(struct __sk_buff *skb)
{
	return hold(skb, 1);
}

SEC("tc")
int hold_before(struct __sk_buff *skb)
{
	return hold(skb, 0);
}

char LICENSE[] SEC("license") = "GPL";
