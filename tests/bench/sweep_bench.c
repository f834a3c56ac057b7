// SPDX-License-Identifier: GPL-2.0
/* The cost of one expiry sweep (daemon/expiry.c) over a full table of
 * N entries (default 1,000,000): a quarter expired TIME-WAIT, the rest
 * ESTABLISHED, with the table filter rebuilt along the pass as synfind
 * does (where membarrier allows). Prints CPU and wall seconds per sweep
 * (the wall time includes the rebuild's two RCU grace periods, which
 * sleep) over 3 fills.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include "loader.h"
#include "testload.h"
#include "synfin.skel.h"
#include "clock.h"
#include "expiry.h"
#include "ct_filter.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	__u32 n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000, i, cnt;
	struct synfin_ct_key *keys;
	struct synfin_ct_entry *vals;
	struct expiry_policy pol;
	struct expiry_stats st;
	struct synfin *skel;
	struct ct_filter filter;
	__u64 now;
	int round, fd;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	skel = synfin_load_sized(n);
	if (!skel)
		return 1;
	fd = bpf_map__fd(skel->maps.conntrack);
	if (ct_filter_open(&filter, bpf_map__fd(skel->maps.ct_filter))) {
		perror("sweep_bench: filter");
		return 1;
	}
	keys = calloc(n, sizeof(*keys));
	vals = calloc(n, sizeof(*vals));
	if (!keys || !vals)
		return 1;
	expiry_policy_default(&pol, 60000);
	for (round = 0; round < 3; round++) {
		struct sweep_cursor cur = { .filter = &filter };
		double c0, c1, w0, w1;

		now = monotonic_ns();
		for (i = 0; i < n; i++) {
			keys[i].family = 4;
			keys[i].raddr[0] = htonl(0xc6130000 + i);
			keys[i].laddr[0] = htonl(0xc6120002);
			keys[i].rport = htons(1024 + i % 60000);
			keys[i].lport = htons(80);
			vals[i].state = i % 4 ? SF_TCP_ESTABLISHED : SF_TCP_TIME_WAIT;
			vals[i].last_ns = now - 61000000000ULL;
		}
		cnt = n;
		if (bpf_map_update_batch(fd, keys, vals, &cnt, &opts) || cnt != n) {
			fprintf(stderr, "sweep_bench: fill failed at %u\n", cnt);
			return 1;
		}
		c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		w0 = clock_s(CLOCK_MONOTONIC);
		if (ct_sweep_slice(fd, &pol, now, ~0u, &cur, &st) != 1)
			return 1;
		c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
		w1 = clock_s(CLOCK_MONOTONIC);
		printf("{\"entries\": %u, \"removed\": %llu, \"cpu_s\": %.4f, \"wall_s\": %.4f, "
		       "\"filter_rebuilt\": %s}\n",
		       n, (unsigned long long)st.removed, c1 - c0, w1 - w0,
		       cur.filter_pass ? "true" : "false");
		fflush(stdout);
	}
	ct_filter_close(&filter);
	synfin__destroy(skel);
	return 0;
}
