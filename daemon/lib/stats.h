/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_STATS_H
#define SYNFIN_STATS_H

#include <stdio.h>
#include <linux/types.h>
#include "synfin.h"

extern const char *const synfin_counter_names[SYNFIN_C__MAX];
extern const char *const synfin_counter_help[SYNFIN_C__MAX];

/* The stable names synfinctl and monitoring read (stats "summary"): each
 * the sum of some counters. time_wait_expired is the daemon's own.
 */
#define STATS_SUMMARY_MAX 12
struct stats_summary {
	const char *name;
	enum synfin_counter c[16];
	int n;
};
extern const struct stats_summary stats_summary[STATS_SUMMARY_MAX];
__u64 stats_summary_value(const struct stats_summary *s,
			  const __u64 v[SYNFIN_C__MAX]);

/* Each interface's row of counters (include/synfin.h), summed over the
 * CPUs, in one batched lookup. Returns 0 or -errno.
 */
int stats_read_rows(int map_fd, __u64 rows[SYNFIN_IFACE_ROWS][SYNFIN_C__MAX]);
/* Row row alone. */
int stats_read_row(int map_fd, __u32 row, __u64 out[SYNFIN_C__MAX]);
/* The rows' sum: the counters of every interface and of none. */
void stats_rows_total(__u64 rows[SYNFIN_IFACE_ROWS][SYNFIN_C__MAX],
		      __u64 out[SYNFIN_C__MAX]);
/* The counters of every row, summed into out. Returns 0 or -errno. */
int stats_sum(int map_fd, __u64 out[SYNFIN_C__MAX]);
void stats_print(FILE *f, const __u64 v[SYNFIN_C__MAX]);

#endif
