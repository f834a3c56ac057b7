/* SPDX-License-Identifier: GPL-2.0 */
/* The running daemon, as the control socket sees it. */
#ifndef SYNFIN_DAEMON_H
#define SYNFIN_DAEMON_H

#include <linux/types.h>
#include "synfin.h"
#include "synfin.skel.h"
#include "attach.h"
#include "config.h"
#include "expiry.h"
#include "ct_filter.h"

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
	__u64 started_ns;	/* CLOCK_MONOTONIC */
	__u64 secret_ns;	/* when the newest cookie key was written */
	struct sweep_cursor cursor;	/* the sweep's pass under way */
	struct ct_filter filter;	/* the table's, rebuilt by the sweep */
	__u64 ct_present;	/* entries, as of the last full pass */
	__u64 sweep_cost_ns;	/* the last slice's */
	__u64 expired_total;
	__u64 tw_expired_total;
	/* SIGHUP's work, for the control socket's "reload": 0, or -1 with
	 * the reason in err.
	 */
	int (*reload)(struct daemon *d, char *err, size_t errlen);
	/* Entries the LRU evicted since start: made, less swept, less
	 * present (measured from the first sweep).
	 */
	__u64 evicted;
	__u64 base_made, base_expired, base_present, warned_ns;
	int have_base;
};

#endif
