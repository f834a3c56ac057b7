// SPDX-License-Identifier: GPL-2.0
/* Test aid: TC egress on the client veth that tags every TCP frame with
 * bpf_skb_vlan_push, as a switch port would. The tag goes beside the frame
 * (out of band); the device's tx-vlan offload decides whether it stays
 * there or is written into the frame. ARP and ND stay untagged, so the
 * testbed's neighbours keep resolving whatever the VLAN id.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "parse.h"

/* Set by the test with bpftool map update; all zero: push nothing. */
struct vlan_push_cfg {
	__u16 inner_vid;	/* 802.1Q tag, pushed first */
	__u16 outer_vid;	/* 802.1ad tag over it, if has_outer */
	__u32 has_inner;
	__u32 has_outer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vlan_push_cfg);
} vlan_push_cfg SEC(".maps");

SEC("tc")
int tc_vlan_push(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct vlan_push_cfg *cfg;
	struct pkt p = {};
	__u32 zero = 0;

	cfg = bpf_map_lookup_elem(&vlan_push_cfg, &zero);
	if (!cfg || !cfg->has_inner)
		return TC_ACT_UNSPEC;
	if (parse_pkt(data, data_end, skb->len, &p) != PARSE_OK)
		return TC_ACT_UNSPEC;
	/* A second push moves the first tag into the frame. */
	if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), cfg->inner_vid))
		return TC_ACT_SHOT;
	if (cfg->has_outer &&
	    bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021AD), cfg->outer_vid))
		return TC_ACT_SHOT;
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
