// SPDX-License-Identifier: GPL-2.0
/* Test aid: another XDP program on synfin's interface. Counts every frame
 * and passes it: synfin in TC mode must leave it attached and fed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count_frames SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&count_frames, &zero);

	/* Atomic: the interface's queues may run on several CPUs. */
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
