/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CT_WALK_H
#define SYNFIN_CT_WALK_H

#include "synfin.h"

typedef int (*ct_walk_fn)(const struct synfin_ct_key *k,
			  const struct synfin_ct_entry *e, void *ctx);

/* Calls fn for each entry of the connection table, read in batches; fn
 * returns nonzero to stop. An entry the data path moves meanwhile may be
 * missed or seen twice. 0, or -errno.
 */
int ct_walk(int map_fd, ct_walk_fn fn, void *ctx);

#endif
