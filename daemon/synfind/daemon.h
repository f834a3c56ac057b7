/* SPDX-License-Identifier: GPL-2.0 */
/* The running daemon: its state, and what its loop does (daemon.c). */
#ifndef SYNFIN_DAEMON_H
#define SYNFIN_DAEMON_H

#include <linux/types.h>
#include "synfin.h"
#include "attach.h"
#include "config.h"
#include "expiry.h"
#include "ct_filter.h"
#include "secrets.h"

/* The table's filter is rebuilt along a pass at most this often: its stale
 * bits (entries gone since) only cost lookups.
 */
#define FILTER_REBUILD_S 10
/* Four ticks a second: TIME-WAIT ends within about 1/4 s of its time. */
#define SWEEP_INTERVAL_NS 250000000L

struct synfin;

struct daemon {
	struct config conf;		/* what is in force */
	struct synfin *skel;
	struct attachment att[SYNFIN_MAX_IFACES];
	int natt;
	struct synfin_cfg cfg;
	struct synfin_ports ports;
	struct expiry_policy pol;
	__u32 ct_size;
	int pins_reused;	/* maps came from the pin directory */
	__u32 meta_magic;	/* XDP -> TC metadata tag; kept across --keep */
	__u32 key_bank;		/* the kept settings' bank of keys, over pins */
	__u64 started_ns;	/* CLOCK_MONOTONIC */
	struct secrets sec;	/* the cookie keys in force */
	int cfg_stale;		/* settings not yet switched to sec's bank */
	struct sweep_cursor cursor;	/* the sweep's pass under way */
	struct ct_filter filter;	/* the table's, rebuilt by the sweep */
	__u64 ct_present;	/* entries, as of the last full pass */
	__u64 sweep_cost_ns;	/* the last slice's */
	__u64 expired_total;
	__u64 tw_expired_total;
	const struct config_source *src;	/* what reload rereads */
	/* Entries the LRU evicted since start: made, less swept, less
	 * present (measured from the first sweep).
	 */
	__u64 evicted;
	__u64 base_made, base_expired, base_present, warned_ns;
	__u64 pass_made;	/* connections made as the sweep's pass began */
	int have_base;
};

/* Writes the run-time settings of c into the maps (ports, prefixes, cookie
 * options) and takes its expiry policy. 0, or -1 with a logged reason.
 */
int daemon_apply(struct daemon *d, const struct config *c);
/* SIGHUP's and the control socket's reload: what can change on the fly
 * does, the rest is refused loudly. 0, or -1 with the reason in err.
 */
int daemon_reload(struct daemon *d, char *err, size_t errlen);
/* The tag XDP puts on validated ACKs for TC: random per load, the running
 * one on a restart over kept pins.
 */
int daemon_pick_meta_magic(struct daemon *d);
void daemon_print_counters(const struct daemon *d);
/* One info line: which keys are in force (fingerprints, never keys). */
void daemon_log_keys(const struct daemon *d);
/* The timer's work, SWEEP_INTERVAL_NS apart: a slice of the table's
 * sweep, and the next period's cookie keys when a period began.
 */
void daemon_tick(struct daemon *d);

#endif
