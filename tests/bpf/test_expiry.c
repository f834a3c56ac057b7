// SPDX-License-Identifier: GPL-2.0
/* Expiry of the connection table with the daemon's own sweep (ct_sweep) on
 * a table filled through the map: exactly the expired entries go, and the
 * CPU a sweep of 100,000 entries costs is printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
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

#define FILL 100000
#define TW_MS 60000ULL
/* Entries are stamped up to an hour before "now": a now that far past the
 * real clock keeps the stamps from wrapping on a machine up for less.
 */
#define NOW() (monotonic_ns() + 7200 * NS_PER_S)

/* Of FILL entries: old TIME-WAIT, young TIME-WAIT, CLOSED, idle
 * FIN-WAIT-2 past its timeout, cookie entries the kernel never answered
 * past the handshake's timeout (a forged ACK that passed by chance), and
 * ESTABLISHED (kept however idle; half of them cookie entries the kernel
 * answered).
 */
#define N_TW_OLD 30000
#define N_TW_YOUNG 10000
#define N_CLOSED 10000
#define N_FW2_OLD 5000
#define N_PHANTOM 1000
#define N_EST (FILL - N_TW_OLD - N_TW_YOUNG - N_CLOSED - N_FW2_OLD - N_PHANTOM)
#define N_IDLE (N_FW2_OLD + N_PHANTOM)

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fill(int fd, __u64 now)
{
	struct synfin_ct_key *keys = calloc(FILL, sizeof(*keys));
	struct synfin_ct_entry *vals = calloc(FILL, sizeof(*vals));
	__u32 i, n = FILL;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	assert_non_null(keys);
	assert_non_null(vals);
	for (i = 0; i < FILL; i++) {
		struct synfin_ct_entry *e = &vals[i];

		keys[i].family = 4;
		keys[i].raddr[0] = htonl(0xc6130000 + i);	/* 198.19.x.x */
		keys[i].laddr[0] = htonl(0xc6120002);
		keys[i].rport = htons(1024 + i % 60000);
		keys[i].lport = htons(80);
		e->first_ns = now - 120 * 1000000000ULL;
		if (i < N_TW_OLD) {
			e->state = SF_TCP_TIME_WAIT;
			e->last_ns = now - (TW_MS + 1000) * 1000000ULL;
		} else if (i < N_TW_OLD + N_TW_YOUNG) {
			e->state = SF_TCP_TIME_WAIT;
			e->last_ns = now - (TW_MS - 5000) * 1000000ULL;
		} else if (i < N_TW_OLD + N_TW_YOUNG + N_CLOSED) {
			e->state = SF_TCP_CLOSED;
			e->last_ns = now;
		} else if (i < N_TW_OLD + N_TW_YOUNG + N_CLOSED + N_FW2_OLD) {
			e->state = SF_TCP_FIN_WAIT_2;
			e->last_ns = now - 121 * 1000000000ULL;
		} else if (i < N_TW_OLD + N_TW_YOUNG + N_CLOSED + N_IDLE) {
			e->state = SF_TCP_ESTABLISHED;
			e->origin = SF_CT_COOKIE;
			e->last_ns = now - 3600 * 1000000000ULL;
		} else {
			e->state = SF_TCP_ESTABLISHED;
			e->last_ns = now - 3600 * 1000000000ULL;
			if (i % 2) {
				e->origin = SF_CT_COOKIE;
				e->side[SF_SIDE_LOCAL].packets = 1;
			}
		}
	}
	assert_int_equal(bpf_map_update_batch(fd, keys, vals, &n, &opts), 0);
	assert_int_equal(n, FILL);
	free(keys);
	free(vals);
}

static unsigned int count_entries(int fd)
{
	struct synfin_ct_key k, next;
	unsigned int n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static void sweep_100k(void **state)
{
	struct synfin *skel = *state;
	int fd = bpf_map__fd(skel->maps.conntrack);
	struct expiry_policy pol;
	struct expiry_stats st;
	__u64 now = NOW();
	double t0, t1;

	expiry_policy_default(&pol, TW_MS);
	fill(fd, now);
	assert_int_equal(count_entries(fd), FILL);

	t0 = cpu_s();
	assert_int_equal(ct_sweep(fd, &pol, now, &st), 0);
	t1 = cpu_s();
	print_message("sweep of %d entries: %.3f s of CPU, %llu removed\n",
		      FILL, t1 - t0, (unsigned long long)st.removed);

	assert_int_equal(st.scanned, FILL);
	assert_int_equal(st.removed_time_wait, N_TW_OLD);
	assert_int_equal(st.removed_closed, N_CLOSED);
	assert_int_equal(st.removed_idle, N_IDLE);
	assert_int_equal(st.removed, N_TW_OLD + N_CLOSED + N_IDLE);
	assert_int_equal(count_entries(fd), N_TW_YOUNG + N_EST);

	/* A second pass finds nothing more to do. */
	assert_int_equal(ct_sweep(fd, &pol, now, &st), 0);
	assert_int_equal(st.removed, 0);
	assert_int_equal(st.scanned, N_TW_YOUNG + N_EST);
	/* Once the young TIME-WAIT entries age, they go too. */
	assert_int_equal(ct_sweep(fd, &pol, now + 10 * 1000000000ULL, &st), 0);
	assert_int_equal(st.removed_time_wait, N_TW_YOUNG);
	assert_int_equal(count_entries(fd), N_EST);
}

/* The daemon sweeps in slices, a second each: the same result, in parts. */
static void sweep_in_slices(void **state)
{
	struct synfin *skel = *state;
	int fd = bpf_map__fd(skel->maps.conntrack), r, slices = 0;
	struct sweep_cursor cur = {};
	struct expiry_policy pol;
	struct expiry_stats st;
	__u64 now = NOW(), removed = 0, scanned = 0;
	struct synfin_ct_key k;

	/* Empty what sweep_100k left. */
	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
	expiry_policy_default(&pol, TW_MS);
	fill(fd, now);
	do {
		r = ct_sweep_slice(fd, &pol, now, 10000, &cur, &st);
		assert_true(r >= 0);
		removed += st.removed;
		scanned += st.scanned;
		slices++;
	} while (!r);
	print_message("%d slices of at least 10,000 entries\n", slices);
	assert_true(slices >= 8);	/* whole batches of 4096 */
	assert_int_equal(scanned, FILL);
	assert_int_equal(cur.scanned, FILL);
	assert_int_equal(removed, N_TW_OLD + N_CLOSED + N_IDLE);
	assert_int_equal(cur.removed, removed);
	assert_int_equal(count_entries(fd), N_TW_YOUNG + N_EST);
}

static int setup(void **state)
{
	struct synfin *skel = synfin_load_sized(2 * FILL);

	if (!skel)
		return -1;
	*state = skel;
	return 0;
}

static int teardown(void **state)
{
	synfin__destroy(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sweep_100k),
		cmocka_unit_test(sweep_in_slices),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
