/* SPDX-License-Identifier: GPL-2.0 */
/* Reading an skb at TC, where headers may lie past its linear part. */
#ifndef SYNFIN_SKB_H
#define SYNFIN_SKB_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "consts.h"
#include "parse.h"

/* parse_pkt() over an skb this host sends, pulling the headers into the
 * linear part when they are not all there: once, and only then, since
 * pulling every skb would reallocate the heads of TCP's clones. A failed pull is
 * PARSE_UNSUPPORTED. The caller reads skb->data and data_end afresh.
 */
static __always_inline int skb_parse(struct __sk_buff *skb, struct pkt *p)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	int ret = parse_pkt(data, data_end, skb->len, p);

	if ((ret == PARSE_BAD_L2 || ret == PARSE_BAD_IP || ret == PARSE_BAD_TCP) &&
	    data_end - data < skb->len && data_end - data < HDR_PULL) {
		if (bpf_skb_pull_data(skb, skb->len < HDR_PULL ? skb->len : HDR_PULL))
			return PARSE_UNSUPPORTED;
		/* Keep clang from folding skb + offset: the verifier rejects it. */
		barrier_var(skb);
		__builtin_memset(p, 0, sizeof(*p));
		ret = parse_pkt((void *)(long)skb->data, (void *)(long)skb->data_end,
				skb->len, p);
	}
	return ret;
}

/* parse_pkt() over a received skb, its headers pulled into the linear part
 * first when they may not all be there. A received skb's linear part
 * normally holds its first segment whole, so this is rare; it keeps the
 * verifier to one parse (skb_parse's two made TC mode's program too many
 * states). The caller reads skb->data and data_end afresh.
 */
static __always_inline int skb_parse_rx(struct __sk_buff *skb, struct pkt *p)
{
	__u32 want = skb->len < HDR_PULL ? skb->len : HDR_PULL;

	if ((long)skb->data_end - (long)skb->data < want &&
	    bpf_skb_pull_data(skb, want))
		return PARSE_UNSUPPORTED;
	/* Keep clang from folding skb + offset: the verifier rejects it. */
	barrier_var(skb);
	return parse_pkt((void *)(long)skb->data, (void *)(long)skb->data_end,
			 skb->len, p);
}

#endif /* SYNFIN_SKB_H */
