// SPDX-License-Identifier: GPL-2.0
/* What synfind's loop does: reload, the table's sweep and eviction count,
 * the next period's cookie keys, the counters on SIGUSR1.
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
		/* And the bank of cookie keys in use. */
		d->key_bank = cur.key_bank & 1;
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
	cfg.key_bank = d->sec.cur.bank;
	cfg.clock_ns = d->sec.cur.view.clock_ns;
	/* Prefixes before the flag that makes them count. */
	if (synfin_set_prefixes(d->skel, c->prefixes, c->nprefixes) ||
	    synfin_set_ports(d->skel, &c->ports) || synfin_set_cfg(d->skel, &cfg))
		return -1;
	d->cfg = cfg;
	d->ports = c->ports;
	expiry_policy_from_config(&d->pol, c);
	return 0;
}

/* The keys c names, read now: a fleet's file again, the host's own key
 * kept. 0 and *changed, or -1 with the reason in err.
 */
static int reload_keys(struct daemon *d, const struct config *c,
		       struct keyfile *kf, int *changed, char *err, size_t errlen)
{
	int fleet = !!c->secret_file[0];

	if (!fleet && !d->sec.cur.view.fleet) {
		*kf = d->sec.cur.keys;
		*changed = 0;
		return 0;
	}
	if (secrets_keys_load(c->secret_file, kf, err, errlen))
		return -1;
	*changed = fleet != d->sec.cur.view.fleet || kf->nkeys != d->sec.cur.keys.nkeys ||
		   memcmp(kf->key, d->sec.cur.keys.key, sizeof(kf->key)) ||
		   strcmp(c->secret_file, d->sec.cur.view.file);
	return 0;
}

/* SIGHUP (or synfinctl reload): what can change on the fly does; the rest
 * is refused loudly. Without a config file, the secret file is read again.
 * 0, or -1 with the reason in out.
 */
int daemon_reload(struct daemon *d, char *out, size_t outlen)
{
	struct keyfile kf = { 0 };
	int keys_changed = 0, ret = -1;
	struct config c;
	char err[512];

	if (config_build(d->src, &c, err, sizeof(err)) ||
	    config_check_complete(&c, err, sizeof(err))) {
		snprintf(out, outlen, "%s", err);
		pr_err("Reload refused, the running settings stay: %s", err);
		goto out;
	}
	if (reload_keys(d, &c, &kf, &keys_changed, err, sizeof(err))) {
		snprintf(out, outlen, "%s", err);
		pr_err("Reload refused, the running settings and cookie keys stay: %s", err);
		goto out;
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
	if (keys_changed && secrets_install(&d->sec, &kf, !!c.secret_file[0],
					    c.secret_file, 0)) {
		snprintf(out, outlen, "couldn't write the new cookie keys; the running ones stay");
		goto out;
	}
	if (daemon_apply(d, &c)) {
		snprintf(out, outlen, "couldn't write the new settings; the running ones stay");
		pr_err("Reload failed half-way; restoring the running settings");
		/* The old keys' bank is as it was: back to it. */
		if (keys_changed)
			secrets_undo(&d->sec);
		d->conf.ports = d->ports;
		daemon_apply(d, &d->conf);
		goto out;
	}
	d->conf = c;
	ports_format(&d->ports, err, sizeof(err));
	pr_info("reloaded %s: ports %s, %d prefixes, MSS %u/%u, TIME-WAIT %u ms",
		d->src->path ? d->src->path : "the command line", err, c.nprefixes,
		d->cfg.mss4, d->cfg.mss6, c.time_wait_ms);
	if (keys_changed)
		daemon_log_keys(d);
	ret = 0;
out:
	keyfile_wipe(&kf);
	return ret;
}

void daemon_log_keys(const struct daemon *d)
{
	const struct secrets_view *v = &d->sec.cur.view;

	if (!v->fleet)
		pr_info("cookie keys: this host's own (random), period %llu",
			(unsigned long long)d->sec.cur.counter);
	else if (v->nkeys > 1)
		pr_info("cookie keys: fleet key %s from %s, also accepting %s, period %llu (real time)",
			v->fp[0], v->file, v->fp[1], (unsigned long long)d->sec.cur.counter);
	else
		pr_info("cookie keys: fleet key %s from %s, period %llu (real time)",
			v->fp[0], v->file, (unsigned long long)d->sec.cur.counter);
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

/* The next period's keys as a period begins; the clock's offset written
 * again when the clock was set.
 */
static void next_keys(struct daemon *d)
{
	int r = secrets_tick(&d->sec);

	if (r < 0)
		pr_warn("Cookie keys not written; SYNs go to the kernel once the written ones run out");
	/* After the clock was set: the settings switch to the new bank, on
	 * a later tick if this write fails.
	 */
	if (r == 1 || d->cfg_stale) {
		d->cfg.key_bank = d->sec.cur.bank;
		d->cfg.clock_ns = d->sec.cur.view.clock_ns;
		d->cfg_stale = !!synfin_set_cfg(d->skel, &d->cfg);
		if (d->cfg_stale)
			pr_warn("Couldn't switch to the cookie keys of the clock's new time; trying again");
	}
}

void daemon_tick(struct daemon *d)
{
	sweep(d);
	next_keys(d);
}
