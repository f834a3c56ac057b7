// SPDX-License-Identifier: GPL-2.0
/* BPF_PROG_TEST_RUN fixtures: see fixture.h. */
#include "fixture.h"
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

int fx_setup(void **state)
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

void fx_run_prog(struct fx *fx, int prog_fd, int xdp, fx_build_fn build,
		 const void *arg, struct fx_run *r)
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

void fx_xdp(struct fx *fx, fx_build_fn build, const void *arg,
	    struct fx_run *r)
{
	fx_run_prog(fx, fx->xdp_fd, 1, build, arg, r);
}

void fx_tc(struct fx *fx, fx_build_fn build, const void *arg,
	   struct fx_run *r)
{
	fx_run_prog(fx, fx->tc_fd, 0, build, arg, r);
}

void fx_tc_egress(struct fx *fx, fx_build_fn build, const void *arg,
		  struct fx_run *r)
{
	fx_run_prog(fx, bpf_program__fd(fx->skel->progs.tc_synfin_egress), 0,
		    build, arg, r);
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

	fx_xdp(fx, build, arg, &r);
	assert_int_equal(r.retval, verdict);
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

/* ---- reference cookies ---- */

uint64_t fx_ref_hash(const struct fx *fx, int ipv6, const uint8_t *saddr,
		     const uint8_t *daddr, uint16_t sport, uint16_t dport,
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

struct fx_cookie fx_ref_cookie(const struct fx *fx, const struct pkt_spec *syn,
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

static const uint16_t ref_mss[2][4] = {
	{ 536, 1300, 1440, 1460 },	/* IPv4 */
	{ 1220, 1420, 1440, 8940 },	/* IPv6 */
};

uint32_t fx_ref_mss_idx(int ipv6, uint16_t mss)
{
	const uint16_t *t = ref_mss[!!ipv6];
	int i;

	for (i = 3; i > 0; i--)
		if (mss >= t[i])
			return (uint32_t)i;
	return 0;
}

uint16_t fx_ref_mss_of(int ipv6, uint32_t idx)
{
	return ref_mss[!!ipv6][idx & 3];
}

/* ---- SYN -> SYN-ACK ---- */

/* The options a SYN-ACK carries, in Linux's order, as kinds (NOPs too). */
static size_t synack_opt_kinds(const struct fx_synack_want *w, uint8_t *k)
{
	size_t n = 0;

	k[n++] = PKT_TCPOPT_MSS;
	if (w->ts) {
		if (w->sack) {
			k[n++] = PKT_TCPOPT_SACK_PERM;
		} else {
			k[n++] = PKT_TCPOPT_NOP;
			k[n++] = PKT_TCPOPT_NOP;
		}
		k[n++] = PKT_TCPOPT_TS;
	} else if (w->sack) {
		k[n++] = PKT_TCPOPT_NOP;
		k[n++] = PKT_TCPOPT_NOP;
		k[n++] = PKT_TCPOPT_SACK_PERM;
	}
	if (w->ws) {
		k[n++] = PKT_TCPOPT_NOP;
		k[n++] = PKT_TCPOPT_WS;
	}
	return n;
}

/* The SYN-ACK frame w asks for, built by pktbuild. */
static size_t expected_synack(const struct fx *fx, const struct pkt_spec *syn,
			      const struct fx_synack_want *w,
			      const struct fx_cookie *ck, uint32_t ts_echo,
			      uint8_t *buf, size_t cap)
{
	struct pkt_spec e;
	size_t alen = syn->ipv6 ? 16 : 4;

	memset(&e, 0, sizeof(e));
	e.ipv6 = syn->ipv6;
	memcpy(e.src_mac, syn->dst_mac, 6);
	memcpy(e.dst_mac, syn->src_mac, 6);
	e.nvlan = syn->nvlan;
	memcpy(e.vlan_tpid, syn->vlan_tpid, sizeof(e.vlan_tpid));
	memcpy(e.vlan_tci, syn->vlan_tci, sizeof(e.vlan_tci));
	memcpy(e.saddr, syn->daddr, alen);
	memcpy(e.daddr, syn->saddr, alen);
	e.ttl = 64;
	e.ip_frag_off = syn->ipv6 ? 0 : 0x4000;	/* DF */
	e.sport = syn->dport;
	e.dport = syn->sport;
	e.seq = ck->seq;
	e.ack = syn->seq + 1;
	e.flags = PKT_TCP_SYN | PKT_TCP_ACK | (w->ecn ? PKT_TCP_ECE : 0);
	e.window = fx->cfg.window;
	pkt_opt_mss(&e, syn->ipv6 ? fx->cfg.mss6 : fx->cfg.mss4);
	if (w->ts) {
		if (w->sack) {
			pkt_opt_sack_perm(&e);
		} else {
			pkt_opt_nop(&e);
			pkt_opt_nop(&e);
		}
		pkt_opt_ts(&e, ck->tsval, ts_echo);
	} else if (w->sack) {
		pkt_opt_nop(&e);
		pkt_opt_nop(&e);
		pkt_opt_sack_perm(&e);
	}
	if (w->ws) {
		pkt_opt_nop(&e);
		pkt_opt_wscale(&e, fx->cfg.wscale);
	}
	return fx_build_spec(&e, buf, cap);
}

void fx_expect_synack(struct fx *fx, const struct fx_frame *f,
		      const struct fx_synack_want *w)
{
	static struct fx_run r;
	const struct pkt_spec *syn = &f->spec;
	struct fx_cookie_opts co = {
		.mss_idx = w->mss_idx, .sack = w->sack, .ws = w->cookie_ws,
		.ecn = w->ecn,
	};
	struct pkt_view in, v;
	uint8_t kinds[16], want_frame[FX_BUF];
	size_t alen = syn->ipv6 ? 16 : 4, l2, nk, want_len;
	struct fx_cookie ck;
	const char *err = NULL;
	int i;

	fx_xdp(fx, fx_build_frame, f, &r);
	assert_int_equal(r.retval, FX_XDP_TX);
	EXPECT_DELTAS(&r, D(SYN_SEEN, 1), D(SYNACK_SENT, 1));
	assert_int_equal(r.meta_len, 0);

	assert_int_equal(pkt_parse(r.in, r.in_len, &in, NULL), 0);
	if (pkt_parse(r.pkt, r.pkt_len, &v, &err))
		fail_msg("SYN-ACK doesn't parse: %s", err);
	ck = fx_ref_cookie(fx, syn, syn->seq, r.counter, &co);

	/* L2: MACs swapped, the same tags. */
	assert_memory_equal(v.src_mac, syn->dst_mac, 6);
	assert_memory_equal(v.dst_mac, syn->src_mac, 6);
	assert_int_equal(v.nvlan, syn->nvlan);
	for (i = 0; i < syn->nvlan; i++) {
		assert_int_equal(v.vlan_tpid[i], syn->vlan_tpid[i] ?
					       syn->vlan_tpid[i] : 0x8100);
		assert_int_equal(v.vlan_tci[i], syn->vlan_tci[i]);
	}
	l2 = 14 + 4 * (size_t)syn->nvlan;

	/* L3: addresses swapped, a bare header. */
	assert_int_equal(v.ipv6, syn->ipv6);
	assert_memory_equal(v.saddr, syn->daddr, alen);
	assert_memory_equal(v.daddr, syn->saddr, alen);
	assert_int_equal(v.ttl_or_hlim, 64);
	assert_int_equal(v.tos_or_tc, 0);
	if (syn->ipv6) {
		assert_int_equal(v.l3_len, 40);
		assert_int_equal(v.n_ext, 0);
		assert_int_equal(v.l3[1] & 0x0f, 0);	/* flow label */
		assert_int_equal(v.l3[2], 0);
		assert_int_equal(v.l3[3], 0);
	} else {
		assert_int_equal(v.l3_len, 20);
		assert_int_equal(v.frag_off, 0x4000);
		assert_int_equal(v.ip_id, 0);
	}
	assert_true(v.ip_csum_ok);

	/* TCP */
	assert_int_equal(v.sport, syn->dport);
	assert_int_equal(v.dport, syn->sport);
	assert_int_equal(v.ack, syn->seq + 1);
	assert_int_equal(v.flags, PKT_TCP_SYN | PKT_TCP_ACK |
					  (w->ecn ? PKT_TCP_ECE : 0));
	assert_int_equal(v.window, fx->cfg.window);
	assert_int_equal(v.urg, 0);
	assert_true(v.tcp_csum_ok);
	assert_int_equal(v.seq, ck.seq);

	/* Options in Linux's order. */
	nk = synack_opt_kinds(w, kinds);
	assert_int_equal(v.n_opts, nk);
	assert_memory_equal(v.opt_kinds, kinds, nk);
	assert_int_equal(v.doff, 5 + (4 + (w->ts ? 12 : w->sack ? 4 : 0) +
				      (w->ws ? 4 : 0)) / 4);
	assert_true(v.has_mss);
	assert_int_equal(v.mss, syn->ipv6 ? fx->cfg.mss6 : fx->cfg.mss4);
	assert_int_equal(v.has_sack_perm, w->sack);
	assert_int_equal(v.has_ws, w->ws);
	if (w->ws)
		assert_int_equal(v.ws, fx->cfg.wscale);
	assert_int_equal(v.has_ts, w->ts);
	if (w->ts) {
		assert_true(in.has_ts);
		assert_int_equal(v.tsecr, in.tsval);
		assert_int_equal(v.tsval, ck.tsval);
	}

	/* Exactly headers and options: no payload, no padding. */
	assert_int_equal(v.tcp_len, (size_t)v.doff * 4);
	assert_int_equal(r.pkt_len, l2 + v.l3_len + v.tcp_len);

	/* And the whole frame, byte for byte. */
	want_len = expected_synack(fx, syn, w, &ck, in.tsval, want_frame,
				   sizeof(want_frame));
	assert_int_equal(r.pkt_len, want_len);
	assert_memory_equal(r.pkt, want_frame, want_len);
}

/* ---- cookie ACKs ---- */

void fx_ack_init(struct fx_ack *a, const struct pkt_spec *syn)
{
	memset(a, 0, sizeof(*a));
	a->syn = *syn;
	a->ack = *syn;
	a->ack.flags = PKT_TCP_ACK;
	a->o.mss_idx = 3;
	a->o.sack = 1;
	a->o.ws = 7;
}

size_t fx_build_ack(const struct fx *fx, uint64_t c, uint8_t *buf,
		    size_t cap, const void *ack)
{
	const struct fx_ack *a = ack;
	struct pkt_spec s = a->ack;
	uint32_t isn = a->syn.seq;
	struct fx_cookie ck = fx_ref_cookie(fx, &a->syn, isn, c - a->age,
					    &a->o);

	if (a->forged)
		ck.seq = a->forged_seq;
	ck.seq ^= a->cookie_xor;
	s.seq = isn + 1 + (uint32_t)a->seq_off;
	s.ack = ck.seq + 1;
	if (a->ts) {
		assert_int_equal(pkt_opt_nop(&s), 0);
		assert_int_equal(pkt_opt_nop(&s), 0);
		assert_int_equal(pkt_opt_ts(&s, a->ts_val,
					    ck.tsval ^ a->tsecr_xor), 0);
	}
	if (a->made)
		*a->made = ck;
	return fx_build_spec(&s, buf, cap);
}

/* The table entry a valid cookie ACK leaves: both ends ESTABLISHED, the
 * cookie's options, each side's next sequence number.
 */
static void expect_ct_cookie_entry(const struct fx *fx, const struct fx_ack *a,
				   const struct fx_cookie *ck,
				   const struct synfin_meta *m)
{
	struct synfin_ct_entry e;
	const struct synfin_ct_side *rs = &e.side[SF_SIDE_REMOTE];
	const struct synfin_ct_side *ls = &e.side[SF_SIDE_LOCAL];
	int ws = m->flags & SYNFIN_META_WSCALE;

	assert_int_equal(fx_ct_count(fx), 1);
	assert_int_equal(fx_ct_lookup(fx, &a->ack, &e), 0);
	assert_int_equal(e.origin, SF_CT_COOKIE);
	assert_int_equal(e.state, SF_TCP_ESTABLISHED);
	assert_int_equal(e.opener, SF_SIDE_REMOTE);
	assert_int_equal(e.closer, SF_SIDE_NONE);
	assert_int_equal(e.mss, m->mss);
	assert_int_equal(e.opts, m->flags);
	assert_int_equal(rs->state, SF_TCP_ESTABLISHED);
	assert_int_equal(ls->state, SF_TCP_ESTABLISHED);
	assert_int_equal(rs->wscale, ws ? m->snd_wscale : 0);
	assert_int_equal(ls->wscale, ws ? fx->cfg.wscale : 0);
	assert_int_equal(rs->next_seq, a->syn.seq + 1 + (uint32_t)a->seq_off +
					       a->ack.payload_len);
	assert_int_equal(ls->next_seq, ck->seq + 1);
	assert_true(rs->flags & SF_CT_SEQ_KNOWN);
	assert_true(ls->flags & SF_CT_SEQ_KNOWN);
	assert_false(rs->flags & SF_CT_FIN_SENT);
	assert_false(ls->flags & SF_CT_FIN_SENT);
	assert_int_equal(ls->window, fx->cfg.window);
	assert_int_equal(rs->packets, 1);
	assert_int_equal(rs->bytes, a->ack.payload_len);
	assert_int_equal(ls->packets, 0);
	assert_true(e.first_ns != 0);
}

void fx_expect_cookie_valid(struct fx *fx, const struct fx_ack *ack,
			    const struct synfin_meta *want)
{
	static struct fx_run r;
	struct fx_ack a = *ack;
	struct synfin_meta m;
	struct fx_cookie ck;

	a.made = &ck;
	fx_xdp(fx, fx_build_ack, &a, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(CT_NEW_COOKIE, 1),
		      D(EVENTS_SENT, 1));
	assert_int_equal(r.meta_len, sizeof(m));
	memcpy(&m, r.out, sizeof(m));
	assert_int_equal(m.magic, FX_META_MAGIC);
	assert_int_equal(m.mss, want->mss);
	assert_int_equal(m.snd_wscale, want->snd_wscale);
	assert_int_equal(m.flags, want->flags);
	if (want->flags & SYNFIN_META_TS) {
		/* The client's TSval, and our SYN-ACK's TSval echoed. */
		assert_int_equal(m.tsval, a.ts_val);
		assert_int_equal(m.tsecr, ck.tsval ^ a.tsecr_xor);
	} else {
		assert_int_equal(m.tsval, 0);
		assert_int_equal(m.tsecr, 0);
	}
	/* The frame itself goes on untouched. */
	assert_int_equal(r.pkt_len, r.in_len);
	assert_memory_equal(r.pkt, r.in, r.in_len);
	expect_ct_cookie_entry(fx, &a, &ck, &m);
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
	(void)state;
	return fx_reset(group_fx);
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
