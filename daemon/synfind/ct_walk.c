// SPDX-License-Identifier: GPL-2.0
/* One batched walk of the connection table, for those who read it whole:
 * synfinctl's conns and flush, and the metrics. (The sweep walks in slices
 * of its own, in expiry.c.)
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include "ct_walk.h"

#define WALK_BATCH 1024

int ct_walk(int map_fd, ct_walk_fn fn, void *ctx)
{
	struct synfin_ct_key *keys = calloc(WALK_BATCH, sizeof(*keys));
	struct synfin_ct_entry *vals = calloc(WALK_BATCH, sizeof(*vals));
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 token[16], n, i;
	void *in = NULL;
	int err = 0, last = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!last) {
		n = WALK_BATCH;
		/* The hash map's batch token is a bucket index. */
		if (bpf_map_lookup_batch(map_fd, in, token, keys, vals, &n, &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				break;
			}
			last = 1;	/* ENOENT: this was the last batch */
		}
		in = token;
		for (i = 0; i < n; i++)
			if (fn(&keys[i], &vals[i], ctx))
				goto out;
	}
out:
	free(keys);
	free(vals);
	return err;
}
