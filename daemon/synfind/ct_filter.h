/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_DAEMON_CT_FILTER_H
#define SYNFIN_DAEMON_CT_FILTER_H

#include <stddef.h>
#include <linux/types.h>
#include "synfin.h"

/* The connection table's filter (include/synfin.h), mapped. */
struct ct_filter {
	__u64 *w;		/* the map's words: header, buffer 0, buffer 1 */
	size_t len;		/* bytes mapped */
	__u32 log2;
	/* A rebuild needs a true RCU grace period from userspace
	 * (membarrier). Without one the filter is never rebuilt: still
	 * right, as bits are only ever added, but it fills up.
	 */
	int can_rebuild;
	__u64 rebuilds;		/* passes that made a rebuilt buffer live */
};

/* After load: a fresh filter gets its header, trusted only over a table
 * created with it (table_fresh); over a table kept from before, the first
 * full pass makes it trusted. A header in force is kept. 0, or -1 and
 * errno.
 */
int ct_filter_init(int filter_fd, int table_fresh);
/* Maps the filter. 0, or -1 and errno. */
int ct_filter_open(struct ct_filter *f, int filter_fd);
void ct_filter_close(struct ct_filter *f);
/* k's bit in both buffers, as the BPF side sets it (tests' own entries). */
void ct_filter_add(struct ct_filter *f, const struct synfin_ct_key *k);
/* Is k's bit set in buffer buf (0 or 1)? */
int ct_filter_test(const struct ct_filter *f, int buf, const struct synfin_ct_key *k);
/* The header word. */
__u64 ct_filter_header(const struct ct_filter *f);
/* The share of the live buffer's bits that are set (a tuple not in the
 * table is looked up anyway with about this probability).
 */
double ct_filter_fill(const struct ct_filter *f);

/* A rebuild, along a sweep pass: begin clears the spare buffer (0, or -1
 * when it can't: no rebuild then), key sets the bit of an entry the pass
 * keeps, end makes the spare live.
 */
int ct_filter_pass_begin(struct ct_filter *f);
void ct_filter_pass_key(struct ct_filter *f, const struct synfin_ct_key *k);
void ct_filter_pass_end(struct ct_filter *f);

#endif
