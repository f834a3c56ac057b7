/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_EXPIRY_H
#define SYNFIN_EXPIRY_H

#include <linux/types.h>
#include "synfin.h"

/* How long an entry may sit idle in each connection state, in ns; 0 keeps
 * it (the LRU evicts it when the table is full). CLOSED entries always go.
 */
struct expiry_policy {
	__u64 idle_ns[SF_TCP__MAX];
};

struct expiry_stats {
	__u64 scanned;
	__u64 removed;
	__u64 removed_time_wait;
	__u64 removed_closed;
	__u64 removed_idle;
};

struct config;
/* From [conntrack]: TIME-WAIT (60 s, as Linux), idle handshakes (60 s),
 * closes (120 s); ESTABLISHED kept unless established_timeout_s is set.
 */
void expiry_policy_from_config(struct expiry_policy *pol, const struct config *c);
struct ct_filter;
/* Where a sweep in slices has got to. Zeroed: at the start. */
struct sweep_cursor {
	__u32 token[16];	/* the hash map's batch token (a bucket) */
	int started;
	__u64 scanned;		/* in the pass under way */
	__u64 removed;
	/* The table's filter, rebuilt along a pass at most once every
	 * filter_every_ns (0: every pass), or NULL.
	 */
	struct ct_filter *filter;
	__u64 filter_every_ns;
	__u64 filter_last_ns;
	int filter_pass;	/* the pass under way rebuilds it */
};

/* At most about budget entries of a pass, from where the cursor is. st
 * counts this slice; returns 1 when the pass ended (cur holds its
 * totals), 0 when it goes on, or -errno.
 */
int ct_sweep_slice(int map_fd, const struct expiry_policy *pol, __u64 now_ns,
		   __u32 budget, struct sweep_cursor *cur, struct expiry_stats *st);

#endif
