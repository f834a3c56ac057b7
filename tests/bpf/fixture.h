/* SPDX-License-Identifier: GPL-2.0 */
/* BPF_PROG_TEST_RUN fixtures for synfin's programs: load the skeleton
 * into a fresh network namespace with known settings and secrets, run a
 * frame built by tests/lib/pktbuild through a program, and compare the
 * verdict, the output frame and the counter deltas with expectations
 * computed here from tests/lib/refsum (never from bpf/).
 *
 * A header of static functions: the Makefile builds each tests/bpf/test_*.c
 * on its own.
 */
#ifndef SYNFIN_TEST_FIXTURE_H
#define SYNFIN_TEST_FIXTURE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "synfin.h"
#include "loader.h"
#include "testload.h"
#include "synfin.skel.h"
#include "ports.h"
#include "secrets.h"
#include "ct_filter.h"
#include "stats.h"
#include "pktbuild.h"
#include "refsum.h"

#define FX_BUF 4096
/* A small table: the default (1M entries) preallocates ~200 MB per load. */
#define FX_CT_ENTRIES 65536
#define FX_PORTS "80,443,8000-8100"
/* Settings that differ from every client value the tests send. */
#define FX_MSS4 1412
#define FX_MSS6 1392
#define FX_WINDOW 29200
#define FX_WSCALE 9
#define FX_META_MAGIC 0x5f1e0c0du	/* synfind picks a random one */
#define FX_CFG_ALL (SYNFIN_CFG_SACK | SYNFIN_CFG_TS | SYNFIN_CFG_ECN | \
		    SYNFIN_CFG_WSCALE)

/* Verdicts, spelled out so the tests need no <linux/bpf.h> enum. */
#define FX_XDP_DROP 1
#define FX_XDP_PASS 2
#define FX_XDP_TX 3
#define FX_TC_ACT_NEXT	-1	/* pass, and let later TC programs run */

struct fx {
	struct synfin *skel;
	struct synfin_cfg cfg;
	struct synfin_ports ports;
	uint8_t key[SYNFIN_SECRET_SLOTS][16];
	int xdp_fd;
	int tc_fd;
	int counters_fd;
	struct ct_filter filter;	/* the table's, mapped */
};

/* One program run: the input as sent, the output as returned. */
struct fx_run {
	uint8_t in[FX_BUF];
	size_t in_len;
	uint32_t retval;
	uint8_t out[FX_BUF];
	uint32_t out_len;	/* data_out, metadata included */
	uint32_t meta_len;	/* XDP: data - data_meta from ctx_out */
	const uint8_t *pkt;	/* out + meta_len */
	uint32_t pkt_len;
	uint64_t counter;	/* cookie time counter during the run */
	__u64 before[SYNFIN_C__MAX];
	__u64 after[SYNFIN_C__MAX];
};

/* Builds the input frame for time counter c; returns its length. */
typedef size_t (*fx_build_fn)(const struct fx *fx, uint64_t c, uint8_t *buf,
			      size_t cap, const void *arg);

static inline uint64_t fx_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A fresh namespace with lo up: the socket lookups in the programs then
 * see only the sockets a test makes.
 */
static inline int fx_netns(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, err = 0;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "Couldn't create a network namespace: %s\n",
			strerror(errno));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -1;
	} else {
		err = -1;
	}
	if (err)
		fprintf(stderr, "Couldn't bring lo up: %s\n", strerror(errno));
	close(fd);
	return err;
}

/* Empties the connection table. */
static inline int fx_ct_clear(const struct fx *fx)
{
	int fd = bpf_map__fd(fx->skel->maps.conntrack);
	struct synfin_ct_key k;

	while (bpf_map_get_next_key(fd, NULL, &k) == 0)
		if (bpf_map_delete_elem(fd, &k))
			return -1;
	return 0;
}

static inline unsigned int fx_ct_count(const struct fx *fx)
{
	int fd = bpf_map__fd(fx->skel->maps.conntrack);
	struct synfin_ct_key k, next;
	unsigned int n = 0;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* The table's key for the connection whose client (the remote side, the
 * sender of what XDP sees) sent spec.
 */
static inline void fx_ct_key(const struct pkt_spec *s, struct synfin_ct_key *k)
{
	size_t alen = s->ipv6 ? 16 : 4;

	memset(k, 0, sizeof(*k));
	memcpy(k->raddr, s->saddr, alen);
	memcpy(k->laddr, s->daddr, alen);
	k->rport = htons(s->sport);
	k->lport = htons(s->dport);
	k->family = s->ipv6 ? 6 : 4;
}

/* 0 and the entry for spec's connection, or -1 when there is none. */
static inline int fx_ct_lookup(const struct fx *fx, const struct pkt_spec *s,
			       struct synfin_ct_entry *e)
{
	struct synfin_ct_key k;

	fx_ct_key(s, &k);
	return bpf_map_lookup_elem(bpf_map__fd(fx->skel->maps.conntrack), &k,
				   e) ? -1 : 0;
}

/* Writes the known settings, ports and secrets and empties the table
 * (also between tests, as some tests change them).
 */
/* Writes an entry of the test's own, with its filter bit, as the BPF side
 * adds one.
 */
static inline void fx_ct_put(struct fx *fx, const struct synfin_ct_key *k,
			     const struct synfin_ct_entry *e)
{
	ct_filter_add(&fx->filter, k);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx->skel->maps.conntrack),
					     k, e, BPF_ANY), 0);
}

/* A TIME-WAIT entry for spec's tuple, as a tracked close leaves it. */
static inline void fx_ct_put_time_wait(struct fx *fx, const struct pkt_spec *s)
{
	struct synfin_ct_entry e = { .state = SF_TCP_TIME_WAIT };
	struct synfin_ct_key k;

	fx_ct_key(s, &k);
	e.side[SF_SIDE_REMOTE].state = SF_TCP_CLOSED;
	e.side[SF_SIDE_LOCAL].state = SF_TCP_TIME_WAIT;
	e.closer = SF_SIDE_LOCAL;
	fx_ct_put(fx, &k, &e);
}

/* Every CPU's rate budget in budget_map set to sent, for this second (or
 * 0: a fresh budget).
 */
static inline int fx_budget_set(const struct bpf_map *budget_map, __u32 sent)
{
	int ncpu = libbpf_num_possible_cpus(), i, err;
	struct synfin_rate_budget *v;
	struct timespec ts;
	__u32 zero = 0;

	if (ncpu < 1)
		return -1;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -1;
	/* bpf_ktime_get_coarse_ns() is CLOCK_MONOTONIC_COARSE. */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	for (i = 0; i < ncpu; i++) {
		v[i].window_ns = sent ? (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec : 0;
		v[i].sent = sent;
	}
	err = bpf_map_update_elem(bpf_map__fd(budget_map), &zero, v, BPF_ANY);
	free(v);
	return err;
}

static inline int fx_reset(struct fx *fx)
{
	char err[128];
	unsigned int i;
	int fd = bpf_map__fd(fx->skel->maps.secrets_map);

	synfin_cfg_default(&fx->cfg, 1500);
	fx->cfg.mss4 = FX_MSS4;
	fx->cfg.mss6 = FX_MSS6;
	fx->cfg.window = FX_WINDOW;
	fx->cfg.wscale = FX_WSCALE;
	fx->cfg.flags = FX_CFG_ALL;
	fx->cfg.meta_magic = FX_META_MAGIC;
	if (synfin_set_cfg(fx->skel, &fx->cfg))
		return -1;
	if (ports_parse(FX_PORTS, &fx->ports, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (synfin_set_ports(fx->skel, &fx->ports))
		return -1;
	if (fx_ct_clear(fx))
		return -1;
	/* And its filter, as a new table's: both buffers empty, the header
	 * as synfind's load writes it.
	 */
	memset(fx->filter.w, 0, (1 + (2ul << fx->filter.log2)) * sizeof(__u64));
	if (ct_filter_init(bpf_map__fd(fx->skel->maps.ct_filter), 1))
		return -1;
	if (fx_budget_set(fx->skel->maps.event_budget, 0) ||
	    fx_budget_set(fx->skel->maps.adopt_budget_map, 0))
		return -1;
	for (i = 0; i < SYNFIN_SECRET_SLOTS; i++) {
		struct synfin_secret s;
		unsigned int b;

		/* Distinct, recognisable keys; SipHash reads k0/k1 as LE. */
		for (b = 0; b < 16; b++)
			fx->key[i][b] = (uint8_t)(0x10 * (i + 1) + b);
		s.k0 = fx_le64(fx->key[i]);
		s.k1 = fx_le64(fx->key[i] + 8);
		if (bpf_map_update_elem(fd, &i, &s, BPF_ANY)) {
			fprintf(stderr, "Couldn't write secret %u: %s\n", i,
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

static inline int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (fx_netns())
		goto err_free;
	fx->skel = synfin_load_sized(FX_CT_ENTRIES);
	if (!fx->skel)
		goto err_free;
	fx->xdp_fd = bpf_program__fd(fx->skel->progs.xdp_synfin);
	fx->tc_fd = bpf_program__fd(fx->skel->progs.tc_synfin_ingress);
	fx->counters_fd = bpf_map__fd(fx->skel->maps.counters);
	if (ct_filter_open(&fx->filter, bpf_map__fd(fx->skel->maps.ct_filter)) ||
	    fx_reset(fx))
		goto err_destroy;
	*state = fx;
	return 0;

err_destroy:
	ct_filter_close(&fx->filter);
	synfin__destroy(fx->skel);
err_free:
	free(fx);
	return -1;
}

static inline int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (fx) {
		ct_filter_close(&fx->filter);
		synfin__destroy(fx->skel);
		free(fx);
	}
	return 0;
}

/* Per-test setup: known settings again. */
static inline int fx_test_reset(void **state)
{
	return fx_reset(*state);
}

static inline void fx_set_cfg(struct fx *fx)
{
	assert_int_equal(synfin_set_cfg(fx->skel, &fx->cfg), 0);
}

static inline void fx_counters(const struct fx *fx, __u64 v[SYNFIN_C__MAX])
{
	assert_int_equal(stats_sum(fx->counters_fd, v), 0);
}

/* Runs prog once on the frame build() makes, rebuilt for every attempt;
 * retried when the time counter ticks during the run, so that r->counter
 * is the one the program saw.
 */
static inline void fx_run_prog(struct fx *fx, int prog_fd, int xdp,
			       fx_build_fn build, const void *arg,
			       struct fx_run *r)
{
	int attempt;

	for (attempt = 0; attempt < 3; attempt++) {
		struct xdp_md ctx_in = {}, ctx_out = {};
		uint64_t c0 = secrets_counter_now(), c1;
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int err;

		memset(r, 0, sizeof(*r));
		r->in_len = build(fx, c0, r->in, sizeof(r->in), arg);
		assert_true(r->in_len > 0);
		opts.data_in = r->in;
		opts.data_size_in = (__u32)r->in_len;
		opts.data_out = r->out;
		opts.data_size_out = sizeof(r->out);
		opts.repeat = 1;
		if (xdp) {
			/* data 0: no metadata in; ctx_out says how much came out. */
			ctx_in.data = 0;
			ctx_in.data_end = (__u32)r->in_len;
			opts.ctx_in = &ctx_in;
			opts.ctx_size_in = sizeof(ctx_in);
			opts.ctx_out = &ctx_out;
			opts.ctx_size_out = sizeof(ctx_out);
		}
		fx_counters(fx, r->before);
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		if (err)
			fail_msg("BPF_PROG_TEST_RUN failed: %s (%d)",
				 strerror(errno), err);
		fx_counters(fx, r->after);
		c1 = secrets_counter_now();
		r->retval = opts.retval;
		r->out_len = opts.data_size_out;
		r->meta_len = xdp ? ctx_out.data : 0;
		assert_true(r->meta_len <= r->out_len);
		r->pkt = r->out + r->meta_len;
		r->pkt_len = r->out_len - r->meta_len;
		r->counter = c0;
		if (c0 == c1)
			return;
	}
	fail_msg("the cookie time counter kept changing during the runs");
}

static inline void fx_xdp(struct fx *fx, fx_build_fn build, const void *arg,
			  struct fx_run *r)
{
	fx_run_prog(fx, fx->xdp_fd, 1, build, arg, r);
}

static inline void fx_tc(struct fx *fx, fx_build_fn build, const void *arg,
			 struct fx_run *r)
{
	fx_run_prog(fx, fx->tc_fd, 0, build, arg, r);
}

/* tc_synfin_egress on a frame the local side sends (skb test run). */
static inline void fx_tc_egress(struct fx *fx, fx_build_fn build,
				const void *arg, struct fx_run *r)
{
	fx_run_prog(fx, bpf_program__fd(fx->skel->progs.tc_synfin_egress), 0,
		    build, arg, r);
}

/* The exact change of every counter: want[i] for each i, 0 elsewhere. */
static inline void fx_check_deltas(const struct fx_run *r,
				   const __u64 want[SYNFIN_C__MAX])
{
	int i, bad = 0;

	for (i = 0; i < SYNFIN_C__MAX; i++) {
		__u64 d = r->after[i] - r->before[i];


		if (d != want[i]) {
			print_error("counter %s changed by %llu, want %llu\n",
				    synfin_counter_names[i],
				    (unsigned long long)d,
				    (unsigned long long)want[i]);
			bad = 1;
		}
	}
	if (bad)
		fail_msg("counter deltas differ");
}

/* EXPECT_DELTAS(&r, D(SYN_SEEN, 1), ...); EXPECT_DELTAS(&r) for none. */
#define D(name, n) [SYNFIN_C_##name] = (n)
#define EXPECT_DELTAS(r, ...) \
	fx_check_deltas((r), (const __u64[SYNFIN_C__MAX]){ __VA_ARGS__ })

/* The program returned the frame byte for byte as it came in. */
static inline void fx_expect_unchanged(const struct fx_run *r)
{
	assert_int_equal(r->meta_len, 0);
	assert_int_equal(r->pkt_len, r->in_len);
	assert_memory_equal(r->pkt, r->in, r->in_len);
}

/* ---- reference cookies ---- */

/* SipHash-2-4 over the message of include/synfin.h, under slot c % 3;
 * low8 is the cookie's low byte, which t carries.
 */
static inline uint64_t fx_ref_hash(const struct fx *fx, int ipv6,
				   const uint8_t *saddr, const uint8_t *daddr,
				   uint16_t sport, uint16_t dport,
				   uint32_t isn, uint64_t c, uint8_t low8)
{
	uint64_t t = low8 | (c & 0xffffffffffffull) << 8;
	uint8_t msg[48];
	size_t alen = ipv6 ? 16 : 4, n = 0;
	int i;

	memcpy(msg + n, saddr, alen);
	n += alen;
	memcpy(msg + n, daddr, alen);
	n += alen;
	msg[n++] = sport >> 8;
	msg[n++] = sport & 0xff;
	msg[n++] = dport >> 8;
	msg[n++] = dport & 0xff;
	for (i = 3; i >= 0; i--)
		msg[n++] = (uint8_t)(isn >> (8 * i));
	for (i = 0; i < 7; i++)
		msg[n++] = (uint8_t)(t >> (8 * i));
	return ref_siphash24(fx->key[c % SYNFIN_SECRET_SLOTS], msg, n);
}

/* What the cookie remembers besides the hash. */
struct fx_cookie_opts {
	uint32_t mss_idx;	/* 0..3 */
	int sack;
	uint32_t ws;		/* 0..14, or 15 for none */
	int ecn;
};

struct fx_cookie {
	uint32_t seq;		/* the SYN-ACK's sequence number */
	uint32_t tsval;		/* the SYN-ACK's TSval */
};

/* The cookie for a SYN from spec's tuple with ISN isn in counter c. */
static inline struct fx_cookie fx_ref_cookie(const struct fx *fx,
					     const struct pkt_spec *syn,
					     uint32_t isn, uint64_t c,
					     const struct fx_cookie_opts *o)
{
	uint8_t low8 = o->mss_idx << 6 | (uint32_t)(c & 1) << 5 |
		       (o->sack ? 1u << 4 : 0) | (o->ws & 0xf);
	uint64_t h = fx_ref_hash(fx, syn->ipv6, syn->saddr, syn->daddr,
				 syn->sport, syn->dport, isn, c, low8);
	struct fx_cookie ck;

	ck.seq = ((uint32_t)h & 0xffffff00u) | low8;
	ck.tsval = ((uint32_t)(h >> 32) & ~1u) | (o->ecn ? 1u : 0);
	return ck;
}

/* The MSS slot table of include/synfin.h, written out again: the client's
 * MSS rounds down to the largest entry not above it (absent: entry 0).
 */
static inline uint32_t fx_ref_mss_idx(int ipv6, uint16_t mss)
{
	static const uint16_t v4[4] = { 536, 1300, 1440, 1460 };
	static const uint16_t v6[4] = { 1220, 1420, 1440, 8940 };
	const uint16_t *t = ipv6 ? v6 : v4;
	int i;

	for (i = 3; i > 0; i--)
		if (mss >= t[i])
			return (uint32_t)i;
	return 0;
}

static inline uint16_t fx_ref_mss_of(int ipv6, uint32_t idx)
{
	static const uint16_t v4[4] = { 536, 1300, 1440, 1460 };
	static const uint16_t v6[4] = { 1220, 1420, 1440, 8940 };

	return (ipv6 ? v6 : v4)[idx & 3];
}

static inline size_t fx_build_spec(const struct pkt_spec *s, uint8_t *buf,
				   size_t cap)
{
	size_t n = pkt_build(buf, cap, s);

	assert_true(n > 0);
	return n;
}

#endif /* SYNFIN_TEST_FIXTURE_H */
