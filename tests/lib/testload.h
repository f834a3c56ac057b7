/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's pieces the way tests and benchmarks want them: loaded in
 * one call, with synfind's defaults, a table swept in one pass.
 */
#ifndef SYNFIN_TEST_LOAD_H
#define SYNFIN_TEST_LOAD_H

#include <linux/types.h>
#include "synfin.h"

struct synfin;
struct expiry_policy;
struct expiry_stats;

/* Opens and loads the BPF object with a connection table of ct_entries.
 * NULL and a logged reason on failure; errno tells why.
 */
struct synfin *synfin_load_sized(__u32 ct_entries);
/* The same with XDP acting as on a driver without room for metadata
 * (the rodata switch force_no_meta, synfind's --test-no-xdp-meta).
 */
struct synfin *synfin_load_no_meta(__u32 ct_entries);
/* synfind's defaults: MSS from the MTU, window scale 7, every option. */
void synfin_cfg_default(struct synfin_cfg *cfg, unsigned int mtu);
/* synfind's expiry defaults, with this TIME-WAIT. */
void expiry_policy_default(struct expiry_policy *pol, __u64 time_wait_ms);

/* One whole pass over the table, in slices as synfind's (now_ns is
 * CLOCK_MONOTONIC). 0 or -errno.
 */
int ct_sweep(int map_fd, const struct expiry_policy *pol, __u64 now_ns,
	     struct expiry_stats *st);

#endif
