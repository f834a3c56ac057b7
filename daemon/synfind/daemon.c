// SPDX-License-Identifier: GPL-2.0
/* What synfind's loop does: reload, the table's sweep and eviction count,
 * cookie-secret rotation, the counters on SIGUSR1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "clock.h"
#include "log.h"
#include "ports.h"
#include "stats.h"
#include "loader.h"
#include "secrets.h"
#include "synfin.skel.h"
#include "daemon.h"
#include "iface.h"

/* One MSS per family for all interfaces: the smallest MTU's. */
static void effective_cfg(const struct config *c, struct synfin_cfg *cfg)
{
	struct synfin_cfg one;
	int i;

	synfin_cfg_from_config(c, iface_mtu(c->ifaces[0]), cfg);
	for (i = 1; i < c->nifaces; i++) {
		synfin_cfg_from_config(c, iface_mtu(c->ifaces[i]), &one);
		if (one.mss4 < cfg->mss4)
			cfg->mss4 = one.mss4;
		if (one.mss6 < cfg->mss6)
			cfg->mss6 = one.mss6;
	}
}

void daemon_print_counters(const struct daemon *d)
{
	__u64 v[SYNFIN_C__MAX];

	if (stats_sum(bpf_map__fd(d->skel->maps.counters), v))
		pr_warn("Couldn't read the counters: %s", strerror(errno));
	else
		stats_print(stdout, v);
}

/* The tag XDP puts on validated ACKs for TC: random per load, but a
 * restart over kept pins keeps the running one, or ACKs in flight between
 * the old XDP program and the new TC program would be refused.
 */
int daemon_pick_meta_magic(struct daemon *d)
{
	struct synfin_cfg cur = {};
	__u32 key = 0;

	if (d->pins_reused &&
	    !bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.cfg_map), &key, &cur) &&
	    cur.meta_magic) {
		d->meta_magic = cur.meta_magic;
		return 0;
	}
	do {
		if (getrandom(&d->meta_magic, sizeof(d->meta_magic), 0) !=
		    sizeof(d->meta_magic)) {
			pr_err("Couldn't read random bytes: %s", strerror(errno));
			return -1;
		}
	} while (!d->meta_magic);
	return 0;
}

/* Writes the run-time settings of c into the maps. */
int daemon_apply(struct daemon *d, const struct config *c)
{
	struct synfin_cfg cfg;

	effective_cfg(c, &cfg);
	cfg.meta_magic = d->meta_magic;
	/* Prefixes before the flag that makes them count. */
	if (synfin_set_prefixes(d->skel, c->prefixes, c->nprefixes) ||
	    synfin_set_ports(d->skel, &c->ports) || synfin_set_cfg(d->skel, &cfg))
		return -1;
	d->cfg = cfg;
	d->ports = c->ports;
	expiry_policy_from_config(&d->pol, c);
	return 0;
}

/* SIGHUP (or synfinctl reload): what can change on the fly does; the rest
 * is refused loudly. 0, or -1 with the reason in out.
 */
int daemon_reload(struct daemon *d, char *out, size_t outlen)
{
	struct config c;
	char err[512];

	if (!d->src->path) {
		snprintf(out, outlen, "no --config file to reload");
		pr_info("reload: %s", out);
		return -1;
	}
	if (config_build(d->src, &c, err, sizeof(err)) ||
	    config_check_complete(&c, err, sizeof(err))) {
		snprintf(out, outlen, "%s", err);
		pr_err("Reload refused, the running settings stay: %s", err);
		return -1;
	}
#define NEEDS_RESTART(cond, what)                                                   \
	do {                                                                         \
		if (cond)                                                            \
			pr_warn("Reload: %s changed, which needs a restart of synfind; keeping the running value", what); \
	} while (0)
	NEEDS_RESTART(c.nifaces != d->conf.nifaces ||
			      memcmp(c.ifaces, d->conf.ifaces, sizeof(c.ifaces)),
		      "[daemon] interfaces");
	NEEDS_RESTART(c.mode != d->conf.mode, "[daemon] mode");
	NEEDS_RESTART(strcmp(c.pin_dir, d->conf.pin_dir), "[daemon] pin_dir");
	NEEDS_RESTART(strcmp(c.control_socket, d->conf.control_socket),
		      "[daemon] control_socket");
	NEEDS_RESTART(strcmp(c.metrics_listen, d->conf.metrics_listen),
		      "[daemon] metrics_listen");
	NEEDS_RESTART(c.max_entries != d->conf.max_entries, "[conntrack] max_entries");
#undef NEEDS_RESTART
	memcpy(c.ifaces, d->conf.ifaces, sizeof(c.ifaces));
	c.nifaces = d->conf.nifaces;
	c.mode = d->conf.mode;
	strcpy(c.pin_dir, d->conf.pin_dir);
	strcpy(c.control_socket, d->conf.control_socket);
	strcpy(c.metrics_listen, d->conf.metrics_listen);
	c.max_entries = d->conf.max_entries;
	if (daemon_apply(d, &c)) {
		snprintf(out, outlen, "couldn't write the new settings; the running ones stay");
		pr_err("Reload failed half-way; restoring the running settings");
		d->conf.ports = d->ports;
		daemon_apply(d, &d->conf);
		return -1;
	}
	d->conf = c;
	ports_format(&d->ports, err, sizeof(err));
	pr_info("reloaded %s: ports %s, %d prefixes, MSS %u/%u, TIME-WAIT %u ms",
		d->src->path, err, c.nprefixes, d->cfg.mss4, d->cfg.mss6, c.time_wait_ms);
	return 0;
}

/* The LRU evicts silently when the table is full: count it here. */
/* Connections the table took in, all told. */
static int ct_made(const struct daemon *d, __u64 *made)
{
	__u64 v[SYNFIN_C__MAX];

	if (stats_sum(bpf_map__fd(d->skel->maps.counters), v))
		return -1;
	*made = v[SYNFIN_C_CT_NEW_COOKIE] + v[SYNFIN_C_CT_NEW_KERNEL] +
		v[SYNFIN_C_CT_ADOPTED];
	return 0;
}

/* Entries gone without expiring, from a pass's count of what is present:
 * made (as the pass began: entries made behind its cursor aren't in its
 * count) less expired less the growth. An estimate never below 0.
 */
static void count_evictions(struct daemon *d, __u64 present)
{
	__u64 made = d->pass_made, evicted;
	__s64 e;

	if (!d->have_base) {
		d->base_made = made;
		d->base_expired = d->expired_total;
		d->base_present = present;
		d->have_base = 1;
		return;
	}
	e = (__s64)(made - d->base_made) -
	    (__s64)(d->expired_total - d->base_expired) -
	    ((__s64)present - (__s64)d->base_present);
	evicted = e > 0 ? (__u64)e : 0;
	/* An LRU table less than half full evicts nothing: what the estimate
	 * shows then is the walk's miss of an entry moved under it.
	 */
	if (present < d->ct_size / 2)
		evicted = d->evicted;
	if (evicted > d->evicted && monotonic_ns() - d->warned_ns > 60 * NS_PER_S) {
		pr_warn("The connection table is full: %llu entries evicted so far; raise [conntrack] max_entries (now %u)",
			(unsigned long long)evicted, d->ct_size);
		d->warned_ns = monotonic_ns();
	}
	d->evicted = evicted;
}

/* A slice of the table a tick, so a full table costs a fraction of a core:
 * a pass over 1,000,000 entries takes about 8 s.
 */
#define SWEEP_SLICE 32768
static void sweep(struct daemon *d)
{
	struct expiry_stats st;
	__u64 t0 = monotonic_ns();
	int r;

	if (!d->cursor.started && ct_made(d, &d->pass_made))
		d->pass_made = 0;
	r = ct_sweep_slice(bpf_map__fd(d->skel->maps.conntrack), &d->pol, t0,
			   SWEEP_SLICE, &d->cursor, &st);
	d->sweep_cost_ns = monotonic_ns() - t0;
	d->expired_total += st.removed;
	d->tw_expired_total += st.removed_time_wait;
	if (r < 0) {
		pr_warn("Couldn't sweep the connection table: %s (%d)", strerror(-r), r);
		d->cursor.started = 0;
		return;
	}
	if (st.removed)
		pr_debug("swept %llu entries in %.3f ms: removed %llu TIME-WAIT, %llu CLOSED, %llu idle",
			 (unsigned long long)st.scanned, d->sweep_cost_ns / 1e6,
			 (unsigned long long)st.removed_time_wait,
			 (unsigned long long)st.removed_closed,
			 (unsigned long long)st.removed_idle);
	if (r == 1) {
		/* A pass ended: what is in the table now. */
		d->ct_present = d->cursor.scanned - d->cursor.removed;
		count_evictions(d, d->ct_present);
	}
}

/* A fresh key for the next counter period, once every rotate_s (rounded
 * up to whole periods of 68.7 s: keys are per period).
 */
static void maybe_rotate(struct daemon *d)
{
	__u64 now = secrets_counter_now();
	__u64 period_ns = 1ULL << SYNFIN_COUNTER_SHIFT;
	__u64 every = ((__u64)d->conf.rotate_s * NS_PER_S + period_ns - 1) / period_ns;

	if (now == d->rotated_counter || now < d->rotated_counter + (every ? every : 1))
		return;
	if (secrets_rotate(bpf_map__fd(d->skel->maps.secrets_map), now)) {
		pr_warn("Cookie secret not rotated; the old one stays");
		return;
	}
	d->rotated_counter = now;
	/* The metrics thread reads it. */
	__atomic_store_n(&d->secret_ns, monotonic_ns(), __ATOMIC_RELAXED);
	pr_debug("rotated the cookie secret for counter %llu", (unsigned long long)now + 1);
}

void daemon_tick(struct daemon *d)
{
	sweep(d);
	maybe_rotate(d);
}
