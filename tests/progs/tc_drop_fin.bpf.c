// SPDX-License-Identifier: GPL-2.0
/* Test aid: drops the first FIN it sees, once. Placed behind synfin's TC
 * ingress, it makes the server send its FIN before its stack has seen the
 * client's: what synfin observes is then a simultaneous close.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "consts.h"
#include "parse.h"

__u32 dropped;

SEC("tc")
int tc_drop_fin(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct pkt p = {};

	if (parse_pkt(data, data_end, skb->len, &p) != PARSE_OK)
		return TC_ACT_UNSPEC;
	if ((p.tcp_flags & TCP_FLAG_FIN) && !dropped) {
		dropped = 1;
		return TC_ACT_SHOT;
	}
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
