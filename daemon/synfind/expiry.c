// SPDX-License-Identifier: GPL-2.0
/* Expiry of connection-table entries: TIME-WAIT after its duration, CLOSED
 * at once, idle entries per state. Batched reads, so a sweep costs a few
 * syscalls per 4096 entries, and two for each entry it removes.
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

enum expiry_why { KEEP, GO_CLOSED, GO_TIME_WAIT, GO_IDLE };

/* Should this entry go, and why. */
static enum expiry_why expired(const struct synfin_ct_entry *e,
			       const struct expiry_policy *pol, __u64 now_ns)
{
	__u64 idle;

	if (e->state == SF_TCP_CLOSED)
		return GO_CLOSED;
	if (e->state >= SF_TCP__MAX)
		return KEEP;
	idle = pol->idle_ns[e->state];
	/* A cookie the kernel never answered (a forged ACK that passed the
	 * 24-bit MAC by chance, which no socket took) is a handshake still:
	 * it goes with the handshake's timeout, not never. A real connection
	 * this catches is adopted back on its next segment.
	 */
	if (e->origin == SF_CT_COOKIE && !e->side[SF_SIDE_LOCAL].packets &&
	    e->state == SF_TCP_ESTABLISHED)
		idle = pol->idle_ns[SF_TCP_SYN_RECV];
	/* Entries stamped after now_ns (another CPU, just now) are young. */
	if (!idle || now_ns <= e->last_ns || now_ns - e->last_ns < idle)
		return KEEP;
	return e->state == SF_TCP_TIME_WAIT ? GO_TIME_WAIT : GO_IDLE;
}

static void count_why(struct expiry_stats *st, enum expiry_why why)
{
	if (why == GO_CLOSED)
		st->removed_closed++;
	else if (why == GO_TIME_WAIT)
		st->removed_time_wait++;
	else if (why == GO_IDLE)
		st->removed_idle++;
}

/* Deletes key's entry if it is still the one the batch read as expired,
 * was: 1 if deleted, 0 if not, or -errno. Between the batch and now, the
 * data path may have refreshed it (a segment) or replaced it (a new
 * connection on a TIME-WAIT or closed tuple, with another first_ns): that
 * one stays. What is left is the µs between this lookup and the delete,
 * as the kernel has no delete-if-equal; it costs a syscall per expired
 * entry more than one batched delete did.
 */
static int delete_if_unchanged(int map_fd, const struct synfin_ct_key *key,
			       const struct synfin_ct_entry *was)
{
	struct synfin_ct_entry now;

	if (bpf_map_lookup_elem(map_fd, key, &now))
		return errno == ENOENT ? 0 : -errno;
	if (now.first_ns != was->first_ns || now.last_ns != was->last_ns ||
	    now.state != was->state)
		return 0;
	if (bpf_map_delete_elem(map_fd, key))
		/* Gone meanwhile (the LRU, or the data path): skip it. */
		return errno == ENOENT ? 0 : -errno;
	return 1;
}

int ct_sweep_slice(int map_fd, const struct expiry_policy *pol, __u64 now_ns,
		   __u32 budget, struct sweep_cursor *cur, struct expiry_stats *st)
{
	struct synfin_ct_key *keys;
	struct synfin_ct_entry *vals;
	__u32 n, i, out[16];
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
	vals = calloc(SWEEP_BATCH, sizeof(*vals));
	if (!keys || !vals) {
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
		for (i = 0; i < n; i++) {
			enum expiry_why why = expired(&vals[i], pol, now_ns);
			int r = 0;

			st->scanned++;
			if (why != KEEP) {
				r = delete_if_unchanged(map_fd, &keys[i], &vals[i]);
				if (r < 0) {
					err = r;
					goto out;
				}
			}
			if (r) {
				count_why(st, why);
				st->removed++;
			} else if (cur->filter_pass) {
				ct_filter_pass_key(cur->filter, &keys[i]);
			}
		}
		done_here += n;
		cur->scanned += n;
	}
	cur->removed += st->removed;
out:
	free(keys);
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
