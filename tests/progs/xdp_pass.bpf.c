// SPDX-License-Identifier: GPL-2.0
/* XDP_PASS and nothing else: gives a veth peer the NAPI context that frames
 * XDP_TX'd to it need. Used by the testbed on the client side.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
