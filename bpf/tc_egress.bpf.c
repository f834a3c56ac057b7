// SPDX-License-Identifier: GPL-2.0
/* TC egress: the local side's segments (the kernel's SYN-ACKs, data, FINs,
 * ACKs and RSTs) feed the same connection table as XDP. Never drops.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"
#include "conntrack.h"
#include "skb.h"

SEC("tc")
int tc_synfin_egress(struct __sk_buff *skb)
{
	const struct synfin_cfg *cfg;
	struct synfin_ct_entry *e;
	struct synfin_ct_key k;
	void *data, *data_end;
	struct pkt p = {};
	int ret;

	/* Only what this host sends: not a reply synfin redirected here
	 * from ingress (TC mode's SYN-ACKs), nor forwarded traffic.
	 */
	if (skb->ingress_ifindex)
		return TC_ACT_UNSPEC;
	count_iface(skb->ifindex);
	ret = skb_parse(skb, &p);
	if (ret == PARSE_NOT_TCP || ret == PARSE_FRAG ||
	    ret == PARSE_FRAG_FIRST || ret == PARSE_FRAG_TINY)
		return TC_ACT_UNSPEC;
	if (ret != PARSE_OK)
		goto unread;
	/* Keep clang from folding skb + offset: the verifier rejects it. */
	barrier_var(skb);
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	cfg = cfg_get();
	if (!cfg || !port_protected(p.sport) ||
	    !addr_protected(cfg, p.ipv6, p.saddr))
		return TC_ACT_UNSPEC;

	ct_key_make(&p, SF_SIDE_LOCAL, &k);
	/* e's state is read unlocked here, a hint: ct_on_segment reads it
	 * again under the entry's lock. A replacement swaps the entry whole;
	 * an XDP update under way on the old one is then the old
	 * connection's, whose end it no longer matters to record.
	 */
	e = bpf_map_lookup_elem(&conntrack, &k);
	if ((p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK | TCP_FLAG_RST)) ==
	    (TCP_FLAG_SYN | TCP_FLAG_ACK)) {
		if (!e || e->state == SF_TCP_TIME_WAIT ||
		    e->state == SF_TCP_CLOSED)
			ct_track_kernel(data, data_end, &k, &p, e != NULL);
		return TC_ACT_UNSPEC;
	}
	if (e && e->state != SF_TCP_CLOSED)
		ct_on_segment(&k, e, SF_SIDE_LOCAL, &p);
	return TC_ACT_UNSPEC;

unread:
	/* Past the parsers, past HDR_PULL or malformed: maybe a segment the
	 * table then misses.
	 */
	count(SYNFIN_C_UNPARSED_PASSED);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
