// SPDX-License-Identifier: GPL-2.0
/* XDP on the protected interface (XDP mode): the guard's rules (guard.h)
 * at the driver. A SYN-ACK goes back with XDP_TX; a validated cookie ACK
 * goes up with its options in metadata, for TC ingress to hand over.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"
#include "synack.h"
#include "guard.h"

/* Behave as a driver without room for metadata (a test's load-time switch). */
const volatile __u32 force_no_meta = 0;

/* Resizes the frame to the SYN-ACK's length and writes the SYN-ACK. */
static __always_inline int synack_tx(struct xdp_md *ctx, const struct pkt *p,
				     const struct synack *sa)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	int delta = (int)synack_len(p, sa) - (int)(data_end - data);

	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return -1;
	/* Keep clang from folding ctx + offset: the verifier rejects it. */
	barrier_var(ctx);
	return synack_write((void *)(long)ctx->data,
			    (void *)(long)ctx->data_end, p, sa);
}

/* Hands the validated ACK to TC: the options go in XDP metadata. Where the
 * driver has no room for it, the ACK goes up bare and TC validates it
 * itself (meta_fallback), so no handshake depends on the driver.
 */
static __always_inline int cookie_ack_pass(struct xdp_md *ctx,
					   const struct guard_out *out)
{
	struct synfin_meta *m;
	__u32 zero = 0, *fallback;
	void *data;

	_Static_assert(sizeof(*m) % 4 == 0 && sizeof(*m) <= 32,
		       "XDP metadata: 4-byte units, at most 32 bytes");
	if (force_no_meta || bpf_xdp_adjust_meta(ctx, -(int)sizeof(*m)))
		goto bare;
	/* Keep clang from folding ctx + offset: the verifier rejects it. */
	barrier_var(ctx);
	data = (void *)(long)ctx->data;
	m = (void *)(long)ctx->data_meta;
	if ((void *)(m + 1) > data)
		goto bare;
	*m = out->m;
	count(out->c);
	return XDP_PASS;
bare:
	fallback = bpf_map_lookup_elem(&meta_fallback, &zero);
	if (fallback && !*fallback)
		*fallback = 1;
	count(SYNFIN_C_HANDOFF_NO_META);
	count(out->c);
	return XDP_PASS;
}

SEC("xdp")
int xdp_synfin(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	const struct synfin_cfg *cfg;
	struct guard_out out;
	struct pkt p = {};
	void *meta;
	int v;

	count_iface(ctx->ingress_ifindex);
	/* Metadata from an XDP program before us must not reach TC. */
	meta = (void *)(long)ctx->data_meta;
	if (meta < data && bpf_xdp_adjust_meta(ctx, (int)(data - meta)))
		return XDP_DROP;
	/* Keep clang from folding ctx + offset: the verifier rejects it. */
	barrier_var(ctx);
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;

	v = guard_parsed(parse_pkt(data, data_end, data_end - data, &p), &p);
	if (v < 0)
		/* The stack takes one tag out of the frame before TC. */
		v = guard_decide(ctx, data, data_end, &p, 1, &cfg, &out);
	switch (v) {
	case GUARD_SYNACK:
		if (synack_tx(ctx, &p, &out.sa)) {
			count(SYNFIN_C_DROP_NO_ROOM);
			return XDP_DROP;
		}
		count(SYNFIN_C_SYNACK_SENT);
		return XDP_TX;
	case GUARD_HANDOFF:
		return cookie_ack_pass(ctx, &out);
	case GUARD_DROP:
		return XDP_DROP;
	default:
		return XDP_PASS;
	}
}

char LICENSE[] SEC("license") = "GPL";
