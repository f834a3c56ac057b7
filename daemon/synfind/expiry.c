// SPDX-License-Identifier: GPL-2.0
/* Expiry of connection-table entries: TIME-WAIT after its duration, CLOSED
 * at once, idle entries per state. Batched map operations, so a sweep costs
 * a few syscalls per 4096 entries rather than one per entry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "clock.h"
#include "config.h"
#include "ct_filter.h"
#include "expiry.h"

#define SWEEP_BATCH 4096

void expiry_policy_from_config(struct expiry_policy *pol, const struct config *c)
{
	memset(pol, 0, sizeof(*pol));
	pol->idle_ns[SF_TCP_SYN_SENT] = c->syn_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_SYN_RECV] = c->syn_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_ESTABLISHED] = c->established_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_FIN_WAIT_1] = c->close_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_FIN_WAIT_2] = c->close_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_CLOSING] = c->close_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_LAST_ACK] = c->close_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_CLOSE_WAIT] = c->close_wait_timeout_s * NS_PER_S;
	pol->idle_ns[SF_TCP_TIME_WAIT] = (__u64)c->time_wait_ms * NS_PER_MS;
}

/* Should this entry go? Counts why in st. */
static int expired(const struct synfin_ct_entry *e,
		   const struct expiry_policy *pol, __u64 now_ns,
		   struct expiry_stats *st)
{
	__u64 idle;

	if (e->state == SF_TCP_CLOSED) {
		st->removed_closed++;
		return 1;
	}
	if (e->state >= SF_TCP__MAX)
		return 0;
	idle = pol->idle_ns[e->state];
	/* Entries stamped after now_ns (another CPU, just now) are young. */
	if (!idle || now_ns <= e->last_ns || now_ns - e->last_ns < idle)
		return 0;
	if (e->state == SF_TCP_TIME_WAIT)
		st->removed_time_wait++;
	else
		st->removed_idle++;
	return 1;
}

int ct_sweep_slice(int map_fd, const struct expiry_policy *pol, __u64 now_ns,
		   __u32 budget, struct sweep_cursor *cur, struct expiry_stats *st)
{
	struct synfin_ct_key *keys, *dead;
	struct synfin_ct_entry *vals;
	__u32 n, i, ndead, out[16];
	__u64 done_here = 0;
	int err = 0, ended = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	memset(st, 0, sizeof(*st));
	/* Not started: the pass begins with a NULL token. */
	if (!cur->started) {
		cur->scanned = cur->removed = 0;
		cur->filter_pass = cur->filter &&
			(!(ct_filter_header(cur->filter) & SYNFIN_FILTER_VALID) ||
			 !cur->filter_last_ns ||
			 now_ns - cur->filter_last_ns >= cur->filter_every_ns) &&
			!ct_filter_pass_begin(cur->filter);
		if (cur->filter_pass)
			cur->filter_last_ns = now_ns;
	}
	keys = calloc(SWEEP_BATCH, sizeof(*keys));
	dead = calloc(SWEEP_BATCH, sizeof(*dead));
	vals = calloc(SWEEP_BATCH, sizeof(*vals));
	if (!keys || !dead || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!ended && done_here < budget) {
		n = SWEEP_BATCH;
		err = bpf_map_lookup_batch(map_fd, cur->started ? cur->token : NULL,
					   out, keys, vals, &n, &opts);
		if (err) {
			if (errno != ENOENT) {
				err = -errno;
				break;
			}
			err = 0;
			ended = 1;
		}
		memcpy(cur->token, out, sizeof(out));
		cur->started = 1;
		ndead = 0;
		for (i = 0; i < n; i++) {
			st->scanned++;
			if (expired(&vals[i], pol, now_ns, st))
				dead[ndead++] = keys[i];
			else if (cur->filter_pass)
				ct_filter_pass_key(cur->filter, &keys[i]);
		}
		done_here += n;
		cur->scanned += n;
		for (i = 0; i < ndead;) {
			n = ndead - i;
			err = bpf_map_delete_batch(map_fd, dead + i, &n, &opts);
			st->removed += n;
			i += n;
			if (!err)
				continue;
			/* Gone meanwhile (the LRU, or the data path): skip it. */
			if (errno != ENOENT) {
				err = -errno;
				goto out;
			}
			err = 0;
			i++;
		}
	}
	cur->removed += st->removed;
out:
	free(keys);
	free(dead);
	free(vals);
	if (err)
		return err;
	if (ended) {
		cur->started = 0;
		if (cur->filter_pass)
			ct_filter_pass_end(cur->filter);
	}
	return ended;
}
