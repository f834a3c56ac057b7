/* SPDX-License-Identifier: GPL-2.0 */
/* Internet checksums built from the values a program writes, never read
 * back from the packet: sum 32-bit words in network order, then fold.
 */
#ifndef SYNFIN_CSUM_H
#define SYNFIN_CSUM_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>

static __always_inline __u16 csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Pseudo-header sum; addresses in network order, len in host order. */
static __always_inline __u64 csum_pseudo(const __u32 *saddr,
					 const __u32 *daddr, int ipv6,
					 __u32 len)
{
	__u64 sum = saddr[0] + (__u64)daddr[0];

	if (ipv6)
		sum += (__u64)saddr[1] + saddr[2] + saddr[3] + daddr[1] +
		       daddr[2] + daddr[3];
	/* proto and length as the 32-bit words (0, 0, 0, 6) and (len). */
	return sum + bpf_htonl(IPPROTO_TCP) + bpf_htonl(len);
}

#endif /* SYNFIN_CSUM_H */
