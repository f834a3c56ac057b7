/* SPDX-License-Identifier: GPL-2.0 */
/* The connection table's filter, BPF side: is a lookup worth it, and the
 * bits of a new entry. The layout and the rules are in include/synfin.h.
 */
#ifndef SYNFIN_CT_FILTER_H
#define SYNFIN_CT_FILTER_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "synfin.h"
#include "maps.h"

static __always_inline __u64 *ct_filter_word(__u32 i)
{
	return bpf_map_lookup_elem(&ct_filter, &i);
}

/* 0 when the table holds no entry for k; 1 when it may. */
static __always_inline int ct_filter_maybe(const struct synfin_ct_key *k)
{
	__u64 *hdr = ct_filter_word(0), *w, hv, h;
	__u32 l;

	if (!hdr)
		return 1;
	hv = *hdr;
	if (!(hv & SYNFIN_FILTER_VALID))
		return 1;
	l = (hv >> SYNFIN_FILTER_LOG2_SHIFT) & 31;
	h = synfin_filter_hash(k);
	w = ct_filter_word(synfin_filter_word(l, hv & SYNFIN_FILTER_LIVE, h));
	if (!w)
		return 1;
	return (*w >> (h & 63)) & 1;
}

/* Before k's entry is added: its bit in both buffers. */
static __always_inline void ct_filter_add(const struct synfin_ct_key *k)
{
	__u64 *hdr = ct_filter_word(0), *w, h, bit;
	__u32 l;

	if (!hdr)
		return;
	l = (*hdr >> SYNFIN_FILTER_LOG2_SHIFT) & 31;
	h = synfin_filter_hash(k);
	bit = 1ULL << (h & 63);
	w = ct_filter_word(synfin_filter_word(l, 0, h));
	if (w)
		__sync_fetch_and_or(w, bit);
	w = ct_filter_word(synfin_filter_word(l, 1, h));
	if (w)
		__sync_fetch_and_or(w, bit);
}

#endif /* SYNFIN_CT_FILTER_H */
