/* SPDX-License-Identifier: GPL-2.0 */
/* The maps every synfin program shares. Each hook's object includes this
 * and the static linker merges the __weak definitions into one map each.
 */
#ifndef SYNFIN_MAPS_H
#define SYNFIN_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"

/* Per-CPU counters, a row of enum synfin_counter per interface
 * (include/synfin.h); userspace sums them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SYNFIN_C__MAX * SYNFIN_IFACE_ROWS);
	__type(key, __u32);
	__type(value, __u64);
} counters __weak SEC(".maps");

/* The protected interfaces' ifindexes, in the order of their rows. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synfin_iface_slots);
} iface_slots __weak SEC(".maps");

/* The row this CPU counts in: the interface of the frame it runs on. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} count_row __weak SEC(".maps");

/* Responder settings, written by synfind at start and on reload. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synfin_cfg);
} cfg_map __weak SEC(".maps");

/* Protected destination ports as a bitmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synfin_ports);
} ports_map __weak SEC(".maps");

/* Cookie keys by bank, set and period (include/synfin.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SYNFIN_SECRET_ENTRIES);
	__type(key, __u32);
	__type(value, struct synfin_secret);
} secrets_map __weak SEC(".maps");

/* Every protected connection, keyed the same from both directions. The
 * size is set at load time (synfind --ct-size).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SYNFIN_CT_DEFAULT_ENTRIES);
	__type(key, struct synfin_ct_key);
	__type(value, struct synfin_ct_entry);
} conntrack __weak SEC(".maps");

/* The table's filter (include/synfin.h); sized with the table at load
 * time, and mapped by synfind, which rebuilds it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
} ct_filter __weak SEC(".maps");

/* Protected destination prefixes, consulted when SYNFIN_CFG_PREFIXES is
 * set; the value is unused.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SYNFIN_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct synfin_lpm4);
	__type(value, __u8);
} prefixes4 __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, SYNFIN_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct synfin_lpm6);
	__type(value, __u8);
} prefixes6 __weak SEC(".maps");

/* Events for synfind's log, rate-limited per CPU by event_budget. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, SYNFIN_EVENTS_RING);
} events __weak SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synfin_rate_budget);
} event_budget __weak SEC(".maps");

/* Socket lookups for segments in no entry, rate-limited per CPU (XDP). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct synfin_rate_budget);
} adopt_budget_map __weak SEC(".maps");

/* 1 once XDP met a driver without room for metadata: TC ingress then
 * validates the cookie ACKs that come without (tc_ingress.bpf.c).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} meta_fallback __weak SEC(".maps");

/* Counts on ifindex's row from here on, on this CPU: each program calls
 * it before it counts anything.
 */
static __always_inline void count_iface(__u32 ifindex)
{
	struct synfin_iface_slots *s;
	__u32 zero = 0, *row, i;

	row = bpf_map_lookup_elem(&count_row, &zero);
	if (!row)
		return;
	*row = SYNFIN_IFACE_OTHER;
	s = bpf_map_lookup_elem(&iface_slots, &zero);
	if (!s)
		return;
	for (i = 0; i < SYNFIN_MAX_IFACES && i < s->n; i++) {
		if (s->ifindex[i] == ifindex) {
			*row = i;
			return;
		}
	}
}

static __always_inline void count(enum synfin_counter c)
{
	__u32 zero = 0, *row = bpf_map_lookup_elem(&count_row, &zero), key;
	__u64 *v;

	if (!row)
		return;
	key = (*row < SYNFIN_IFACE_ROWS ? *row : SYNFIN_IFACE_OTHER) *
		      SYNFIN_C__MAX + c;
	v = bpf_map_lookup_elem(&counters, &key);
	if (v)
		*v += 1;
}

/* Takes one of limit a second on this CPU from budget_map (a per-CPU
 * array of one struct synfin_rate_budget): 1, or 0 when it is spent.
 */
static __always_inline int rate_take(void *budget_map, __u32 limit)
{
	struct synfin_rate_budget *b;
	__u32 zero = 0;
	__u64 now;

	b = bpf_map_lookup_elem(budget_map, &zero);
	if (!b)
		return 0;
	now = bpf_ktime_get_coarse_ns();
	if (now - b->window_ns >= 1000000000ULL) {
		b->window_ns = now;
		b->sent = 0;
	}
	if (b->sent >= limit)
		return 0;
	b->sent++;
	return 1;
}

static __always_inline const struct synfin_cfg *cfg_get(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&cfg_map, &key);
}

/* Is this local address one synfin protects? All are, without prefixes. */
static __always_inline int addr_protected(const struct synfin_cfg *cfg,
					  int ipv6, const __u32 *addr)
{
	if (!(cfg->flags & SYNFIN_CFG_PREFIXES))
		return 1;
	if (ipv6) {
		struct synfin_lpm6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, addr, 16);
		return bpf_map_lookup_elem(&prefixes6, &k) != NULL;
	} else {
		struct synfin_lpm4 k = { .prefixlen = 32, .addr = addr[0] };

		return bpf_map_lookup_elem(&prefixes4, &k) != NULL;
	}
}

static __always_inline int port_protected(__be16 dport)
{
	__u32 key = 0, port = bpf_ntohs(dport);
	struct synfin_ports *ports = bpf_map_lookup_elem(&ports_map, &key);

	if (!ports)
		return 0;
	return (ports->bits[(port >> 6) & 1023] >> (port & 63)) & 1;
}

#endif /* SYNFIN_MAPS_H */
