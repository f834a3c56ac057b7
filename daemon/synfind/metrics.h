/* SPDX-License-Identifier: GPL-2.0 */
/* Prometheus metrics over HTTP: GET /metrics, text format 0.0.4. */
#ifndef SYNFIN_METRICS_H
#define SYNFIN_METRICS_H

#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>

/* Where the values come from. The HTTP thread reads only these: BPF maps
 * through their fds (the kernel serialises map access), constants, and
 * secret_ns with an atomic load, so it never races the main loop. The fds
 * and *secret_ns must outlive the endpoint: metrics_stop() before the
 * skeleton is destroyed.
 */
struct metrics_source {
	int counters_fd;	/* PERCPU_ARRAY, rows of SYNFIN_C__MAX __u64 */
	/* The protected interfaces, in the order of their rows: each
	 * counter a series per interface, labelled iface. None: one series,
	 * every row summed.
	 */
	const char (*ifaces)[IF_NAMESIZE];
	int nifaces;
	int conntrack_fd;	/* synfin_ct_key -> synfin_ct_entry */
	__u32 ct_size;		/* the table's max_entries */
	__u64 started_ns;	/* CLOCK_MONOTONIC */
	/* When the newest cookie key was written (CLOCK_MONOTONIC); the
	 * main loop stores it, ideally with __atomic_store_n. NULL leaves
	 * synfin_secret_age_seconds out.
	 */
	const __u64 *secret_ns;
	/* The table's filter, mapped; NULL leaves its gauges out. */
	const struct ct_filter *filter;
	/* The cookie keys in force, read under their lock; NULL leaves the
	 * key's fingerprint and period out.
	 */
	struct secrets *sec;
};

struct ct_filter;
struct secrets;
struct metrics;

/* Serves GET /metrics on listen, "ADDR:PORT" ("127.0.0.1:9469",
 * "[::1]:9469", "0.0.0.0:9469"; port 0 picks one), from a thread of its
 * own. src is copied. NULL and a logged one-line reason on failure.
 */
struct metrics *metrics_start(const char *listen, const struct metrics_source *src);
void metrics_stop(struct metrics *m);
/* The port it listens on, in host order (useful after port 0). */
unsigned int metrics_port(const struct metrics *m);

/* The exposition text in a malloc'd buffer; NULL and errno on failure. */
char *metrics_render(const struct metrics_source *src);

#endif
