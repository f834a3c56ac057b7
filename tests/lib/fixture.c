// SPDX-License-Identifier: GPL-2.0
/* BPF_PROG_TEST_RUN fixtures: see fixture.h. What the guard must answer
 * (reference cookies, SYN-ACKs, cookie ACKs) is in answers.c.
 */
#include "fixture.h"
#include "clock.h"
#include "synfin.skel.h"

#include <netinet/in.h>

uint64_t fx_le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int fx_netns(void)
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

int fx_tcp_listen(uint32_t addr, uint16_t port, int type_flags)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(addr) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | type_flags, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the connection table ---- */

int fx_ct_clear(const struct fx *fx)
{
	int fd = bpf_map__fd(fx->skel->maps.conntrack);
	struct synfin_ct_key k;

	while (bpf_map_get_next_key(fd, NULL, &k) == 0)
		if (bpf_map_delete_elem(fd, &k))
			return -1;
	return 0;
}

unsigned int fx_ct_count(const struct fx *fx)
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

void fx_ct_key(const struct pkt_spec *s, struct synfin_ct_key *k)
{
	size_t alen = s->ipv6 ? 16 : 4;

	memset(k, 0, sizeof(*k));
	memcpy(k->raddr, s->saddr, alen);
	memcpy(k->laddr, s->daddr, alen);
	k->rport = htons(s->sport);
	k->lport = htons(s->dport);
	k->family = s->ipv6 ? 6 : 4;
}

int fx_ct_lookup(const struct fx *fx, const struct pkt_spec *s,
		 struct synfin_ct_entry *e)
{
	struct synfin_ct_key k;

	fx_ct_key(s, &k);
	return bpf_map_lookup_elem(bpf_map__fd(fx->skel->maps.conntrack), &k,
				   e) ? -1 : 0;
}

void fx_ct_put(struct fx *fx, const struct synfin_ct_key *k,
	       const struct synfin_ct_entry *e)
{
	ct_filter_add(&fx->filter, k);
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx->skel->maps.conntrack),
					     k, e, BPF_ANY), 0);
}

void fx_ct_put_time_wait(struct fx *fx, const struct pkt_spec *s)
{
	struct synfin_ct_entry e = { .state = SF_TCP_TIME_WAIT };
	struct synfin_ct_key k;

	fx_ct_key(s, &k);
	e.side[SF_SIDE_REMOTE].state = SF_TCP_CLOSED;
	e.side[SF_SIDE_LOCAL].state = SF_TCP_TIME_WAIT;
	e.closer = SF_SIDE_LOCAL;
	fx_ct_put(fx, &k, &e);
}

int fx_budget_set(const struct bpf_map *budget_map, __u32 sent)
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

/* ---- set-up ---- */

int fx_reset(struct fx *fx)
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
	/* As a new load has it: XDP has met no driver without metadata. */
	if (bpf_map_update_elem(bpf_map__fd(fx->skel->maps.meta_fallback),
				&(__u32){ 0 }, &(__u32){ 0 }, BPF_ANY))
		return -1;
	fx->hook = FX_HOOK_XDP;
	/* Both banks and sets empty, then set 0 of bank 0: the keys of the
	 * periods around FX_COUNTER, distinct and recognisable, in slot c % 3
	 * (SipHash reads k0/k1 as LE).
	 */
	for (i = 0; i < SYNFIN_SECRET_ENTRIES; i++) {
		struct synfin_secret none = { .counter = SYNFIN_COUNTER_NONE };

		if (bpf_map_update_elem(fd, &i, &none, BPF_ANY))
			return -1;
	}
	for (i = 0; i < SYNFIN_SECRET_SLOTS; i++) {
		uint64_t c = FX_COUNTER - 1 + i;
		unsigned int b, slot = c % SYNFIN_SECRET_SLOTS;

		for (b = 0; b < 16; b++)
			fx->key[slot][b] = (uint8_t)(0x10 * (slot + 1) + b);
		if (fx_key_write(fx, 0, c, fx->key[slot])) {
			fprintf(stderr, "Couldn't write key %u: %s\n", slot,
				strerror(errno));
			return -1;
		}
	}
	fx->clock_fixed = 0;
	fx->cfg.clock_ns = 0;
	fx_pin_clock(fx);
	return 0;
}

int fx_key_write(struct fx *fx, unsigned int set, uint64_t counter,
		 const uint8_t *key)
{
	struct synfin_secret s = { .counter = SYNFIN_COUNTER_NONE };
	__u32 idx = synfin_secret_index(fx->cfg.key_bank, set,
					counter % SYNFIN_SECRET_SLOTS);

	if (key) {
		s.k0 = fx_le64(key);
		s.k1 = fx_le64(key + 8);
		s.counter = counter;
	}
	return bpf_map_update_elem(bpf_map__fd(fx->skel->maps.secrets_map), &idx,
				   &s, BPF_ANY);
}

static int clock_set(struct fx *fx, uint64_t ns)
{
	fx->cfg.clock_ns = ns - coarse_ns();
	return synfin_set_cfg(fx->skel, &fx->cfg);
}

void fx_set_clock(struct fx *fx, uint64_t ns)
{
	fx->clock_fixed = 1;
	if (clock_set(fx, ns))
		fail_msg("Couldn't set the cookie clock");
}

void fx_pin_clock(struct fx *fx)
{
	const uint64_t period = 1ull << SYNFIN_COUNTER_SHIFT;

	if (fx->clock_fixed ||
	    (fx->cfg.clock_ns && fx_counter_now(fx) == FX_COUNTER &&
	     secrets_period_left_ns(fx->cfg.clock_ns) > period / 2))
		return;
	if (clock_set(fx, FX_COUNTER * period + period / 4))
		fail_msg("Couldn't set the cookie clock");
}

uint64_t fx_counter_now(const struct fx *fx)
{
	return secrets_counter_now(fx->cfg.clock_ns);
}

static int setup(void **state, int no_meta)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	if (fx_netns())
		goto err_free;
	fx->skel = no_meta ? synfin_load_no_meta(FX_CT_ENTRIES)
			   : synfin_load_sized(FX_CT_ENTRIES);
	if (!fx->skel)
		goto err_free;
	fx->no_meta = no_meta;
	fx->xdp_fd = bpf_program__fd(fx->skel->progs.xdp_synfin);
	fx->tc_fd = bpf_program__fd(fx->skel->progs.tc_synfin_ingress);
	fx->guard_fd = bpf_program__fd(fx->skel->progs.tc_synfin_guard);
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

int fx_setup(void **state)
{
	return setup(state, 0);
}

int fx_setup_no_meta(void **state)
{
	return setup(state, 1);
}

int fx_teardown(void **state)
{
	struct fx *fx = *state;

	if (fx) {
		ct_filter_close(&fx->filter);
		synfin__destroy(fx->skel);
		free(fx);
	}
	return 0;
}

int fx_test_reset(void **state)
{
	return fx_reset(*state);
}

void fx_set_cfg(struct fx *fx)
{
	assert_int_equal(synfin_set_cfg(fx->skel, &fx->cfg), 0);
}

void fx_settings_apply(struct fx *fx, const struct fx_settings *s)
{
	char err[128];

	if (s->flags_off || s->mss4 || s->window || s->wscale) {
		fx->cfg.flags &= (uint8_t)~s->flags_off;
		if (s->mss4)
			fx->cfg.mss4 = s->mss4;
		if (s->window)
			fx->cfg.window = s->window;
		if (s->wscale)
			fx->cfg.wscale = s->wscale;
		fx_set_cfg(fx);
	}
	if (s->ports) {
		if (ports_parse(s->ports, &fx->ports, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(synfin_set_ports(fx->skel, &fx->ports), 0);
	}
}

/* ---- runs ---- */

void fx_counters(const struct fx *fx, __u64 v[SYNFIN_C__MAX])
{
	assert_int_equal(stats_sum(fx->counters_fd, v), 0);
}

/* The skb test run (bpf_prog_test_run_skb) refuses with EINVAL a frame
 * whose EtherType is IPv4 or IPv6 but that can't hold that header, though
 * TC ingress sees such frames (IP checks them after TC): such a case can't
 * run as an skb.
 */
static void skip_if_skb_refused(const uint8_t *frame, size_t len)
{
	uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);

	if ((type == 0x0800 && len < 14 + 20) ||
	    (type == 0x86dd && len < 14 + 40)) {
		print_message("skipped: the skb test run refuses an IP frame "
			      "shorter than its IP header\n");
		skip();
	}
}

void fx_run_prog(struct fx *fx, int prog_fd, int xdp,
		 const struct __sk_buff *skb, fx_build_fn build,
		 const void *arg, struct fx_run *r)
{
	int attempt;

	for (attempt = 0; attempt < 3; attempt++) {
		struct xdp_md ctx_in = {}, ctx_out = {};
		struct __sk_buff skb_in;
		uint64_t c0, c1;
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int err;

		fx_pin_clock(fx);
		c0 = fx_counter_now(fx);
		memset(r, 0, sizeof(*r));
		r->in_len = build(fx, c0, r->in, sizeof(r->in), arg);
		assert_true(r->in_len > 0);
		if (!xdp)
			skip_if_skb_refused(r->in, r->in_len);
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
		} else if (skb) {
			skb_in = *skb;	/* the test run writes it back */
			opts.ctx_in = &skb_in;
			opts.ctx_size_in = sizeof(skb_in);
		}
		fx_counters(fx, r->before);
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		if (err)
			fail_msg("BPF_PROG_TEST_RUN failed: %s (%d)",
				 strerror(errno), err);
		fx_counters(fx, r->after);
		c1 = fx_counter_now(fx);
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

void fx_xdp(struct fx *fx, fx_build_fn build, const void *arg,
	    struct fx_run *r)
{
	fx_run_prog(fx, fx->xdp_fd, 1, NULL, build, arg, r);
}

void fx_tc(struct fx *fx, fx_build_fn build, const void *arg,
	   struct fx_run *r)
{
	fx_run_prog(fx, fx->tc_fd, 0, NULL, build, arg, r);
}

void fx_guard(struct fx *fx, fx_build_fn build, const void *arg,
	      struct fx_run *r)
{
	if (fx->hook == FX_HOOK_TC)
		fx_run_prog(fx, fx->guard_fd, 0, NULL, build, arg, r);
	else
		fx_xdp(fx, build, arg, r);
}

void fx_tc_egress_skb(struct fx *fx, const struct __sk_buff *skb,
		      fx_build_fn build, const void *arg, struct fx_run *r)
{
	fx_run_prog(fx, bpf_program__fd(fx->skel->progs.tc_synfin_egress), 0,
		    skb, build, arg, r);
}

void fx_tc_egress(struct fx *fx, fx_build_fn build, const void *arg,
		  struct fx_run *r)
{
	fx_tc_egress_skb(fx, NULL, build, arg, r);
}

int32_t fx_hook_verdict(enum fx_hook hook, uint32_t xdp_verdict)
{
	if (hook == FX_HOOK_XDP)
		return (int32_t)xdp_verdict;
	switch (xdp_verdict) {
	case FX_XDP_TX:
		return FX_TC_ACT_REDIRECT;
	case FX_XDP_PASS:
		return FX_TC_ACT_NEXT;
	case FX_XDP_DROP:
		return FX_TC_ACT_SHOT;
	}
	fail_msg("no TC verdict for XDP's %u", xdp_verdict);
	return 0;
}

void fx_expect_guard_verdict(const struct fx *fx, const struct fx_run *r,
			     uint32_t xdp_verdict)
{
	assert_int_equal((int32_t)r->retval,
			 fx_hook_verdict(fx->hook, xdp_verdict));
}

void fx_check_deltas(const struct fx_run *r, const __u64 want[SYNFIN_C__MAX])
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

void fx_expect_unchanged(const struct fx_run *r)
{
	assert_int_equal(r->meta_len, 0);
	assert_int_equal(r->pkt_len, r->in_len);
	assert_memory_equal(r->pkt, r->in, r->in_len);
}

/* ---- frames ---- */

size_t fx_build_spec(const struct pkt_spec *s, uint8_t *buf, size_t cap)
{
	size_t n = pkt_build(buf, cap, s);

	assert_true(n > 0);
	return n;
}

size_t fx_build_pkt(const struct fx *fx, uint64_t c, uint8_t *buf,
		    size_t cap, const void *spec)
{
	(void)fx;
	(void)c;
	return fx_build_spec(spec, buf, cap);
}

size_t fx_build_frame(const struct fx *fx, uint64_t c, uint8_t *buf,
		      size_t cap, const void *frame)
{
	const struct fx_frame *f = frame;
	size_t len = fx_build_spec(&f->spec, buf, cap), i;
	uint8_t *ip = buf + 14 + 4 * (size_t)f->spec.nvlan;

	(void)fx;
	(void)c;
	for (i = 0; i < FX_ARRAY_SIZE(f->set); i++) {
		const struct fx_poke *p = &f->set[i];

		assert_true(p->off + p->width <= cap);
		if (p->width == 2)
			buf[p->off] = (uint8_t)(p->val >> 8);
		if (p->width)
			buf[p->off + p->width - 1] = (uint8_t)p->val;
	}
	if (f->fix_ip4_csum) {
		uint16_t sum;

		ip[10] = ip[11] = 0;
		sum = ref_csum16(ip, (size_t)(ip[0] & 0xf) * 4);
		ip[10] = sum >> 8;
		ip[11] = sum & 0xff;
	}
	if (f->cut_to)
		len = f->cut_to;
	assert_true(f->cut < len && len + f->pad <= cap);
	len -= f->cut;
	memset(buf + len, 0, f->pad);
	return len + f->pad;
}

void fx_expect_verdict(struct fx *fx, fx_build_fn build, const void *arg,
		       uint32_t verdict, const __u64 deltas[SYNFIN_C__MAX])
{
	static struct fx_run r;

	fx_guard(fx, build, arg, &r);
	fx_expect_guard_verdict(fx, &r, verdict);
	if (verdict == FX_XDP_PASS)
		fx_expect_unchanged(&r);
	fx_check_deltas(&r, deltas);
}

void fx_run_verdict_case(struct fx *fx, const void *row)
{
	const struct fx_verdict_case *c = row;

	fx_settings_apply(fx, &c->cfg);
	fx_expect_verdict(fx, fx_build_frame, &c->frame, c->verdict, c->deltas);
	assert_int_equal(fx_ct_count(fx), 0);
}

/* ---- tables ---- */

/* cmocka gives a group's state to every test in place of the test's own
 * initial state, so the group's state stays NULL (the rows' states are
 * the rows) and the fixture is kept here.
 */
static struct fx *group_fx;
static void *group_state;
static CMFixtureFunction group_setup_fn, group_teardown_fn;

struct row_ref {
	const struct fx_table *table;
	const void *row;
};

static int group_setup(void **state)
{
	int err = group_setup_fn(&group_state);

	group_fx = group_state;
	*state = NULL;
	return err;
}

static int group_teardown(void **state)
{
	(void)state;
	return group_teardown_fn(&group_state);
}

static int row_setup(void **state)
{
	const struct row_ref *ref = *state;
	int err = fx_reset(group_fx);

	group_fx->hook = ref->table->hook;
	return err;
}

static void row_run(void **state)
{
	const struct row_ref *ref = *state;

	ref->table->run(group_fx, ref->row);
}

static int test_setup(void **state)
{
	*state = group_fx;
	return fx_reset(group_fx);
}

int fx_run_group(const char *name, const struct fx_table *tables,
		 size_t ntables, const struct CMUnitTest *tests, size_t ntests,
		 CMFixtureFunction setup, CMFixtureFunction teardown)
{
	struct CMUnitTest *all;
	struct row_ref *refs;
	char **names;
	size_t n = ntests, k = 0, i, j;
	int failed = -1;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	for (i = 0; i < ntables; i++)
		n += tables[i].n;
	all = calloc(n, sizeof(*all));
	refs = calloc(n, sizeof(*refs));
	names = calloc(n, sizeof(*names));
	if (!all || !refs || !names)
		goto out;
	for (i = 0; i < ntables; i++) {
		const struct fx_table *t = &tables[i];

		for (j = 0; j < t->n; j++, k++) {
			refs[k].table = t;
			refs[k].row = (const char *)t->rows + j * t->size;
			if (asprintf(&names[k], "%s: %s", t->name,
				     *(const char *const *)refs[k].row) < 0) {
				names[k] = NULL;
				goto out;
			}
			all[k].name = names[k];
			all[k].test_func = row_run;
			all[k].setup_func = row_setup;
			all[k].initial_state = &refs[k];
		}
	}
	for (i = 0; i < ntests; i++, k++) {
		all[k] = tests[i];
		all[k].setup_func = test_setup;
	}
	group_setup_fn = setup;
	group_teardown_fn = teardown;
	failed = _cmocka_run_group_tests(name, all, n, group_setup,
					 group_teardown);
out:
	if (names)
		for (i = 0; i < n; i++)
			free(names[i]);
	free(names);
	free(refs);
	free(all);
	return failed ? 1 : 0;
}
