// SPDX-License-Identifier: GPL-2.0
/* Benchmark aids, each an XDP program of its own:
 *  xdp_count_synack: on the client side, counts the SYN-ACKs that come back
 *    for spoofed sources (198.19.0.0/16) and drops them; passes the rest,
 *    so a real client on the same veth still works.
 *  xdp_reflect: the upper limit of any XDP responder: swaps MACs,
 *    addresses and ports, makes the SYN a SYN-ACK and sends it back. No
 *    cookie, no options, no checksum fix-up.
 *  xdp_drop_count: drops and counts everything TCP: the floor an invalid
 *    ACK flood is compared with.
 *  xdp_bench_restore: for tests/bench/prog_bench, which times programs
 *    with BPF_PROG_TEST_RUN's repeat: writes the frame afresh from tmpl
 *    (bench_tmpl; a program under test may have rewritten it), gives it a random
 *    source address and port, and tail-calls bench_target[0]. That times
 *    paths that rewrite their frame (a SYN) over many tuples.
 *  xdp_tx: returns XDP_TX: the cost of xdp_bench_restore alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"
#include "parse.h"

#define SPOOF_NET 0xc6130000	/* 198.19.0.0/16 */
#define SPOOF_MASK 0xffff0000

__u64 synacks;
__u64 dropped;

#define BENCH_FRAME 74		/* a Linux SYN or ACK with 20 option bytes */
#define BENCH_SADDR_OFF 26	/* Ethernet, then IPv4's saddr */
#define BENCH_SPORT_OFF 34

struct bench_frame {
	__u8 b[BENCH_FRAME];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_frame);
} bench_tmpl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_target SEC(".maps");

SEC("xdp")
int xdp_count_synack(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt p = {};

	if (parse_pkt(data, data_end, data_end - data, &p) != PARSE_OK)
		return XDP_PASS;
	if ((p.tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) !=
	    (TCP_FLAG_SYN | TCP_FLAG_ACK))
		return XDP_PASS;
	if (p.ipv6 || (bpf_ntohl(p.daddr[0]) & SPOOF_MASK) != SPOOF_NET)
		return XDP_PASS;
	__sync_fetch_and_add(&synacks, 1);
	return XDP_DROP;
}

SEC("xdp")
int xdp_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	unsigned char mac[ETH_ALEN];
	struct ethhdr *eth = data;
	struct iphdr *iph;
	struct tcphdr *th;
	__u32 a;
	__u16 port;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	iph = (void *)(eth + 1);
	if ((void *)(iph + 1) > data_end || iph->protocol != IPPROTO_TCP ||
	    iph->ihl != 5)
		return XDP_PASS;
	th = (void *)(iph + 1);
	if ((void *)(th + 1) > data_end || !th->syn || th->ack)
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	a = iph->saddr;
	iph->saddr = iph->daddr;
	iph->daddr = a;
	port = th->source;
	th->source = th->dest;
	th->dest = port;
	th->ack_seq = bpf_htonl(bpf_ntohl(th->seq) + 1);
	th->ack = 1;
	return XDP_TX;
}

SEC("xdp")
int xdp_drop_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct pkt p = {};

	if (parse_pkt(data, data_end, data_end - data, &p) != PARSE_OK)
		return XDP_PASS;
	__sync_fetch_and_add(&dropped, 1);
	return XDP_DROP;
}

SEC("xdp")
int xdp_bench_restore(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 r = bpf_get_prandom_u32(), zero = 0;
	struct bench_frame *t = bpf_map_lookup_elem(&bench_tmpl, &zero);

	if (!t || data + BENCH_FRAME > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(data, t->b, BENCH_FRAME);
	/* A source in 198.19.0.0/16, so the addresses stay the test ranges'. */
	*(__u16 *)(data + BENCH_SADDR_OFF + 2) = (__u16)r;
	*(__u16 *)(data + BENCH_SPORT_OFF) = (__u16)(r >> 16) | 1024;
	bpf_tail_call(ctx, &bench_target, 0);
	return XDP_ABORTED;
}

SEC("xdp")
int xdp_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
