/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's socket for a packet's tuple, from XDP or TC. */
#ifndef SYNFIN_SOCK_H
#define SYNFIN_SOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "parse.h"

/* Established, TIME-WAIT, request or listener socket, or NULL; ctx is the
 * program's own context. The caller releases it.
 */
static __always_inline struct bpf_sock *sock_lookup(void *ctx,
						    const struct pkt *p)
{
	struct bpf_sock_tuple t = {};

	/* Two calls: the helper wants a constant tuple size. */
	if (p->ipv6) {
		__builtin_memcpy(t.ipv6.saddr, p->saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, p->daddr, 16);
		t.ipv6.sport = p->sport;
		t.ipv6.dport = p->dport;
		return bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv6),
					  BPF_F_CURRENT_NETNS, 0);
	}
	t.ipv4.saddr = p->saddr[0];
	t.ipv4.daddr = p->daddr[0];
	t.ipv4.sport = p->sport;
	t.ipv4.dport = p->dport;
	return bpf_skc_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS,
				  0);
}

/* Does the kernel hold a socket for p's tuple other than a listener? */
static __always_inline int kernel_has_conn(void *ctx, const struct pkt *p)
{
	struct bpf_sock *sk = sock_lookup(ctx, p);
	int held;

	if (!sk)
		return 0;
	held = sk->state != BPF_TCP_LISTEN;
	bpf_sk_release(sk);
	return held;
}

#endif /* SYNFIN_SOCK_H */
