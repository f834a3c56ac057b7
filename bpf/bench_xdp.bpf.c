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
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "parse.h"

#define SPOOF_NET 0xc6130000	/* 198.19.0.0/16 */
#define SPOOF_MASK 0xffff0000

__u64 synacks;
__u64 dropped;

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
	if ((void *)(iph + 1) > data_end || iph->protocol != IPPROTO_TCP_ ||
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

char LICENSE[] SEC("license") = "GPL";
