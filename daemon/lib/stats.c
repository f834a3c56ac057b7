// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters, summed over the possible CPUs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

#define C(x) SYNFIN_C_##x
const struct stats_summary stats_summary[STATS_SUMMARY_MAX] = {
	{ "syn_received", { C(SYN_SEEN), C(SYN_UNPROTECTED) }, 2 },
	{ "synack_sent", { C(SYNACK_SENT) }, 1 },
	{ "syn_passed", { C(SYN_UNPROTECTED), C(SYN_KERNEL_SOCK), C(SYN_NO_KEY) }, 3 },
	{ "ack_cookie_valid", { C(ACK_COOKIE_VALID) }, 1 },
	{ "ack_cookie_invalid", { C(ACK_COOKIE_INVALID) }, 1 },
	{ "conn_established", { C(CT_NEW_COOKIE), C(CT_NEW_KERNEL), C(CT_ADOPTED),
				C(CT_REPLACED) }, 4 },
	{ "conn_closed", { C(CT_CONN_CLOSED) }, 1 },
	{ "time_wait_entered", { C(CT_TO_TIME_WAIT) }, 1 },
	{ "rst_valid", { C(CT_RST_VALID) }, 1 },
	{ "rst_invalid", { C(CT_RST_INVALID), C(CT_RST_UNKNOWN) }, 2 },
	{ "dropped", { C(ACK_COOKIE_INVALID), C(DROP_NO_CONN), C(DROP_BAD_FLAGS),
		       C(DROP_NO_ROOM), C(MALFORMED_L2), C(MALFORMED_IP),
		       C(MALFORMED_TCP), C(HANDOFF_FAILED), C(CT_FIN_INVALID),
		       C(CT_DATA_AFTER_FIN), C(CT_RST_INVALID), C(CT_RST_UNKNOWN),
		       C(FRAG_SYN_DROPPED), C(FRAG_TINY_DROPPED), C(VLAN_DEEP_DROPPED),
		       C(EXT_DEEP_DROPPED) }, 16 },
	{ "malformed", { C(MALFORMED_L2), C(MALFORMED_IP), C(MALFORMED_TCP) }, 3 },
};
#undef C

__u64 stats_summary_value(const struct stats_summary *s,
			  const __u64 v[SYNFIN_C__MAX])
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < s->n; i++)
		sum += v[s->c[i]];
	return sum;
}

/* Rows [first, first + nrows) of the counters, summed over the CPUs, in
 * one batched lookup (an array's batch starts after the key given).
 */
static int read_rows(int map_fd, __u32 first, __u32 nrows, __u64 *rows)
{
	const __u32 n = nrows * SYNFIN_C__MAX;
	int ncpu = libbpf_num_possible_cpus(), cpu, err = 0;
	__u32 *keys, count = n, out_batch, prev, i;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u64 *vals;

	if (ncpu < 0)
		return ncpu;
	keys = calloc(n, sizeof(*keys));
	vals = calloc((size_t)n * ncpu, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	prev = first * SYNFIN_C__MAX - 1;
	/* ENOENT: the array ended there. */
	if (bpf_map_lookup_batch(map_fd, first ? &prev : NULL, &out_batch, keys,
				 vals, &count, &opts) && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	if (count != n) {
		err = -EIO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		__u64 sum = 0;

		for (cpu = 0; cpu < ncpu; cpu++)
			sum += vals[(size_t)i * ncpu + cpu];
		if (keys[i] != first * SYNFIN_C__MAX + i) {
			err = -EIO;
			goto out;
		}
		rows[i] = sum;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int stats_read_rows(int map_fd, __u64 rows[SYNFIN_IFACE_ROWS][SYNFIN_C__MAX])
{
	return read_rows(map_fd, 0, SYNFIN_IFACE_ROWS, &rows[0][0]);
}

int stats_read_row(int map_fd, __u32 row, __u64 out[SYNFIN_C__MAX])
{
	return read_rows(map_fd, row, 1, out);
}

void stats_rows_total(__u64 rows[SYNFIN_IFACE_ROWS][SYNFIN_C__MAX],
		      __u64 out[SYNFIN_C__MAX])
{
	int r, c;

	for (c = 0; c < SYNFIN_C__MAX; c++) {
		out[c] = 0;
		for (r = 0; r < SYNFIN_IFACE_ROWS; r++)
			out[c] += rows[r][c];
	}
}

int stats_sum(int map_fd, __u64 out[SYNFIN_C__MAX])
{
	__u64 (*rows)[SYNFIN_C__MAX] = calloc(SYNFIN_IFACE_ROWS, sizeof(*rows));
	int err;

	if (!rows)
		return -ENOMEM;
	err = stats_read_rows(map_fd, rows);
	if (!err)
		stats_rows_total(rows, out);
	free(rows);
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
