// SPDX-License-Identifier: GPL-2.0
/* synfin-flood's generator. BPF_PROG_TEST_RUN runs it in live-frames mode:
 * on every run it rebuilds the whole frame from a template, draws the
 * random fields, writes both checksums and sends the frame with XDP_TX.
 * The whole header, not just the random fields: on veth the receiver's XDP
 * program may have rewritten the very page the kernel recycles for us.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "csum.h"
#include "synfin_flood.h"

/* Set through the skeleton before load. */
const volatile struct flood_tmpl tmpl[FLOOD_NTMPL];
const volatile __u32 src_hostmask[4];	/* network order: the random bits */
const volatile __u32 flood_type;	/* enum flood_type */
const volatile __u32 ipv6;

/* XDP_DROP instead of XDP_TX: lets userspace probe live-frames mode
 * without sending anything.
 */
__u32 dry_run;

/* FLOOD_MIXED's next type, per CPU: one generator thread per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mixed_next SEC(".maps");

/* len is a constant: clang unrolls this into 8-, 4- and 2-byte moves. */
static __always_inline void copy_tmpl(void *dst, const volatile __u8 *src,
				      const int len)
{
	int i;

#pragma unroll
	for (i = 0; i + 8 <= len; i += 8)
		*(__u64 *)(dst + i) = *(const volatile __u64 *)(src + i);
	if (len & 4)
		*(__u32 *)(dst + i) = *(const volatile __u32 *)(src + i);
	if (len & 2)
		*(__u16 *)(dst + i + (len & 4)) =
			*(const volatile __u16 *)(src + i + (len & 4));
}

/* l3_len is a constant, so is every offset below. */
static __always_inline int flood_build(struct xdp_md *ctx, __u32 t,
				       const int l3_len)
{
	const int base = sizeof(struct ethhdr) + l3_len + sizeof(struct tcphdr);
	const volatile struct flood_tmpl *tp = &tmpl[t];
	int syn = t == FLOOD_SYN;
	int len = base + (syn ? FLOOD_SYN_OPTLEN : 0);
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 tcp_sum = tp->tcp_sum;
	__u32 r, host, seq, word;
	struct tcphdr *th;
	__be16 sport;
	int i;

	/* The kernel gives every run the frame's first length back. */
	if (data_end - data != len) {
		if (bpf_xdp_adjust_tail(ctx, len - (int)(data_end - data)))
			return XDP_ABORTED;
		data = (void *)(long)ctx->data;
		data_end = (void *)(long)ctx->data_end;
	}
	if (data + base > data_end)
		return XDP_ABORTED;
	copy_tmpl(data, tp->frame, base);
	if (syn) {
		if (data + base + FLOOD_SYN_OPTLEN > data_end)
			return XDP_ABORTED;
		copy_tmpl(data + base, tp->frame + base, FLOOD_SYN_OPTLEN);
	}

	r = bpf_get_prandom_u32();
	sport = bpf_htons(FLOOD_PORT_MIN + r % (65536 - FLOOD_PORT_MIN));
	if (ipv6) {
		struct ipv6hdr *ip6 = data + sizeof(struct ethhdr);

#pragma unroll
		for (i = 0; i < 4; i++) {
			if (!src_hostmask[i])
				continue;
			host = bpf_get_prandom_u32() & src_hostmask[i];
			ip6->saddr.in6_u.u6_addr32[i] |= host;
			tcp_sum += host;
		}
	} else {
		struct iphdr *iph = data + sizeof(struct ethhdr);
		__u16 id = r >> 16;

		host = src_hostmask[0] ? bpf_get_prandom_u32() & src_hostmask[0] : 0;
		iph->saddr |= host;
		iph->id = id;
		iph->check = csum_fold64((__u64)tp->ip_sum + host + id);
		tcp_sum += host;
	}

	th = data + sizeof(struct ethhdr) + l3_len;
	seq = bpf_get_prandom_u32();
	/* A SYN's random word is its TSval, the others' their ACK number. */
	word = bpf_get_prandom_u32();
	th->source = sport;
	th->seq = seq;
	if (syn)
		*(__u32 *)((void *)(th + 1) + FLOOD_OFF_TSVAL) = word;
	else
		th->ack_seq = word;
	th->check = csum_fold64(tcp_sum + sport + seq + word);
	return dry_run ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int flood_xmit(struct xdp_md *ctx)
{
	__u32 key = 0, *next, t = flood_type;

	if (t == FLOOD_MIXED) {
		next = bpf_map_lookup_elem(&mixed_next, &key);
		if (!next)
			return XDP_ABORTED;
		t = (*next)++;
	}
	t &= FLOOD_NTMPL - 1;	/* bounds the template index for the verifier */
	if (ipv6)
		return flood_build(ctx, t, sizeof(struct ipv6hdr));
	return flood_build(ctx, t, sizeof(struct iphdr));
}

char LICENSE[] SEC("license") = "GPL";
