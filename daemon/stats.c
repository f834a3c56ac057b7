// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters, summed over the possible CPUs. */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stats.h"

#define COUNTER_NAME(id, name, help) [SYNFIN_C_##id] = name,
#define COUNTER_HELP(id, name, help) [SYNFIN_C_##id] = help,
const char *const synfin_counter_names[SYNFIN_C__MAX] = {
	SYNFIN_COUNTERS(COUNTER_NAME)
};
const char *const synfin_counter_help[SYNFIN_C__MAX] = {
	SYNFIN_COUNTERS(COUNTER_HELP)
};

int stats_sum(int map_fd, __u64 out[SYNFIN_C__MAX])
{
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;
	__u64 *vals;
	__u32 key;

	if (ncpu < 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < SYNFIN_C__MAX; key++) {
		out[key] = 0;
		if (bpf_map_lookup_elem(map_fd, &key, vals)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			out[key] += vals[cpu];
	}
	free(vals);
	return err;
}

void stats_print(FILE *f, const __u64 v[SYNFIN_C__MAX])
{
	int i;

	for (i = 0; i < SYNFIN_C__MAX; i++)
		fprintf(f, "%-22s %llu\n", synfin_counter_names[i],
			(unsigned long long)v[i]);
	fflush(f);
}
