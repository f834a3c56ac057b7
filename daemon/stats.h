/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_STATS_H
#define SYNFIN_STATS_H

#include <stdio.h>
#include <linux/types.h>
#include "synfin.h"

extern const char *const synfin_counter_names[SYNFIN_C__MAX];
extern const char *const synfin_counter_help[SYNFIN_C__MAX];

/* Sums the per-CPU counters into out. Returns 0 or -errno. */
int stats_sum(int map_fd, __u64 out[SYNFIN_C__MAX]);
void stats_print(FILE *f, const __u64 v[SYNFIN_C__MAX]);

#endif
