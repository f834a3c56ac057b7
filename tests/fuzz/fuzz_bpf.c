// SPDX-License-Identifier: GPL-2.0
/* Fuzzes synfin's loaded, configured programs with BPF_PROG_TEST_RUN:
 * every frame (a corpus's, then seeds and mutations from frames.c) goes
 * through xdp_synfin, tc_synfin_ingress, tc_synfin_guard and
 * tc_synfin_egress, and each run is checked against model.c: the verdict
 * in the program's set and the one the frame calls for, a SYN-ACK only
 * for a well-formed SYN and byte for byte the expected one, passed frames
 * unchanged, every drop counted and each class in its counter.
 *
 * Usage: fuzz_bpf [--seed N] [--frames N] [--seconds S] [--corpus DIR]
 *                 [--findings DIR] [--stateful N] [--forged-acks N]
 *
 * --stateful N: N more frames, half of them segments of a few connections
 * whose table entries are kept (their non-SYN segments get the invariants
 * only: the model knows an empty table).
 */
#include <getopt.h>
#include <dirent.h>
#include <sys/stat.h>
#include "fuzz.h"
#include "synfin.skel.h"

#define MAX_REPORTS 10
/* Forged ACKs a correct 24-bit MAC lets through: N / 2^24 expected; more
 * than this has probability below 1e-10 for N = 10^6 (Poisson, 0.06).
 */
#define FORGED_MAX_ACCEPTED 5

enum prog_id { P_XDP, P_TC_INGRESS, P_GUARD, P_EGRESS, P__MAX };

static const char *const prog_names[P__MAX] = {
	"xdp_synfin", "tc_synfin_ingress", "tc_synfin_guard", "tc_synfin_egress",
};

struct prog_stats {
	uint64_t runs, refused, tick_skipped, violations;
	uint64_t verdicts[8];	/* by expectation: pass drop synack handoff */
};

static struct {
	struct fx *fx;
	int fds[P__MAX];
	struct prog_stats st[P__MAX];
	uint64_t kinds[FZ_K__MAX], traits[FZ_T__MAX], classes[FZ_C__MAX];
	uint64_t seed, frame_no, violations;
	const char *findings;
	int replaying;
	__u64 counters[SYNFIN_C__MAX];	/* after the last run */
	int have_counters;
	int ct_dirty;			/* a run since the last clear made entries */
	int stateful;			/* the phase that keeps pooled entries */
} g;

struct run {
	int32_t retval;
	uint8_t out[FX_BUF];
	uint32_t out_len, meta_len;
	__u64 before[SYNFIN_C__MAX], after[SYNFIN_C__MAX];
	uint64_t c;
};

static void hex(FILE *f, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x%s", b[i], (i + 1) % 32 && i + 1 < n ? "" : "\n");
}

/* A failed invariant: the seed, the frame as hex, and a file to replay. */
static void violation(enum prog_id p, const struct fz_frame *f,
		      const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *out;

	g.st[p].violations++;
	if (g.violations++ >= MAX_REPORTS)
		return;
	fprintf(stderr, "VIOLATION %s, seed %llu frame %llu (%s): ", prog_names[p],
		(unsigned long long)g.seed, (unsigned long long)g.frame_no,
		fz_kind_names[f->kind]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nframe (%zu bytes):\n", f->len);
	hex(stderr, f->b, f->len);
	if (!g.findings || g.replaying)
		return;
	mkdir(g.findings, 0755);
	snprintf(path, sizeof(path), "%s/%s-seed%llu-frame%llu.hex", g.findings,
		 prog_names[p], (unsigned long long)g.seed,
		 (unsigned long long)g.frame_no);
	out = fopen(path, "w");
	if (out) {
		fprintf(out, "# %s: ", prog_names[p]);
		va_start(ap, fmt);
		vfprintf(out, fmt, ap);
		va_end(ap);
		fprintf(out, "\n");
		hex(out, f->b, f->len);
		fclose(out);
	}
}

/* Every counter, summed over the CPUs, in one batched lookup (cheaper per
 * run than a lookup per counter). Test runs are on no protected interface:
 * they count in the row of the others, and a count anywhere else would
 * show as a drop no counter saw.
 */
static int counters_read(__u64 out[SYNFIN_C__MAX])
{
	return stats_read_row(g.fx->counters_fd, SYNFIN_IFACE_OTHER, out) ? -1 : 0;
}

/* One test run; 0, or -1 when the kernel refuses the frame (an skb run
 * takes no IP frame shorter than its IP header, nor a runt).
 */
static int run_prog(enum prog_id p, const struct fz_frame *f, struct run *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct xdp_md ctx_in = {}, ctx_out = {};

	opts.data_in = f->b;
	opts.data_size_in = (__u32)f->len;
	opts.data_out = r->out;
	opts.data_size_out = sizeof(r->out);
	opts.repeat = 1;
	if (p == P_XDP) {
		ctx_in.data_end = (__u32)f->len;
		opts.ctx_in = &ctx_in;
		opts.ctx_size_in = sizeof(ctx_in);
		opts.ctx_out = &ctx_out;
		opts.ctx_size_out = sizeof(ctx_out);
	}
	/* The last run's counters are this one's before: nothing else runs
	 * the programs of this load.
	 */
	if (!g.have_counters && counters_read(g.counters))
		return -1;
	memcpy(r->before, g.counters, sizeof(r->before));
	fx_pin_clock(g.fx);
	r->c = fx_counter_now(g.fx);
	if (bpf_prog_test_run_opts(g.fds[p], &opts))
		return -1;
	if (counters_read(g.counters)) {
		g.have_counters = 0;
		return -1;
	}
	g.have_counters = 1;
	memcpy(r->after, g.counters, sizeof(r->after));
	r->retval = (int32_t)opts.retval;
	r->out_len = opts.data_size_out;
	r->meta_len = p == P_XDP ? ctx_out.data : 0;
	return 0;
}

/* A run without the counters around it. */
static int run_bare(enum prog_id p, const struct fz_frame *f, struct run *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	opts.data_in = f->b;
	opts.data_size_in = (__u32)f->len;
	opts.repeat = 1;
	fx_pin_clock(g.fx);
	r->c = fx_counter_now(g.fx);
	if (bpf_prog_test_run_opts(g.fds[p], &opts))
		return -1;
	r->retval = (int32_t)opts.retval;
	return 0;
}

static uint64_t delta(const struct run *r, int i)
{
	return r->after[i] - r->before[i];
}

static int unchanged(const struct fz_frame *f, const struct run *r)
{
	return r->out_len - r->meta_len == f->len &&
	       !memcmp(r->out + r->meta_len, f->b, f->len);
}

/* The guard's verdicts, XDP's and TC mode's. */
static int32_t verdict_of(enum prog_id p, enum fz_expect e)
{
	static const int32_t xdp[] = { FX_XDP_PASS, FX_XDP_DROP, FX_XDP_TX, FX_XDP_PASS };
	static const int32_t tc[] = { FX_TC_ACT_NEXT, FX_TC_ACT_SHOT,
				      FX_TC_ACT_REDIRECT, FX_TC_ACT_NEXT };

	return p == P_XDP ? xdp[e] : tc[e];
}

/* The SYN-ACK independently: the expected frame, and its checksums. */
static void check_synack(enum prog_id p, const struct fz_frame *f,
			 const struct fz_view *v, const struct run *r)
{
	uint8_t want[FX_BUF];
	const uint8_t *o = r->out + r->meta_len, *ip = o + v->l2_len, *th;
	size_t n = fz_synack_build(g.fx, f->b, v, r->c, want, sizeof(want));
	size_t olen = r->out_len - r->meta_len, i, l3 = v->ipv6 ? 40 : 20;

	if (r->meta_len)
		return violation(p, f, "SYN-ACK with %u bytes of metadata", r->meta_len);
	if (!n || olen != n || memcmp(o, want, n)) {
		for (i = 0; i < n && i < olen && o[i] == want[i]; i++)
			;
		return violation(p, f, "SYN-ACK differs from the expected one "
				 "(%zu bytes, want %zu; first difference at byte %zu)",
				 olen, n, i);
	}
	th = ip + l3;
	if ((!v->ipv6 && ref_csum16(ip, 20)) ||
	    (v->ipv6 ? ref_tcp_csum6(ip + 8, ip + 24, th, olen - v->l2_len - l3)
		     : ref_tcp_csum4(ip + 12, ip + 16, th, olen - v->l2_len - 20)))
		violation(p, f, "SYN-ACK checksum wrong");
}

/* XDP's metadata for a valid cookie ACK: what the cookie remembers (the
 * ACK's number less one) and the ACK's timestamps.
 */
static void check_meta(const struct fz_frame *f, const struct fz_view *v,
		       const struct run *r)
{
	const struct synfin_meta *m = (const void *)r->out;
	uint32_t ck = v->ack - 1, ws = ck & SYNFIN_COOKIE_WSCALE_MASK;
	struct synfin_meta w = {
		.magic = FX_META_MAGIC,
		.mss = fx_ref_mss_of(v->ipv6, (ck >> SYNFIN_COOKIE_MSS_SHIFT) & 3),
		.snd_wscale = ws == SYNFIN_COOKIE_WSCALE_NONE ? 0 : (uint8_t)ws,
		.flags = (ws != SYNFIN_COOKIE_WSCALE_NONE ? SYNFIN_META_WSCALE : 0) |
			 (ck & SYNFIN_COOKIE_SACK ? SYNFIN_META_SACK : 0),
	};

	if (r->meta_len != sizeof(*m) || m->magic != w.magic)
		return violation(P_XDP, f, "valid cookie ACK without synfin's metadata");
	if (v->o.has_ts) {
		w.flags |= SYNFIN_META_TS |
			   (v->o.tsecr & SYNFIN_TSVAL_ECN ? SYNFIN_META_ECN : 0);
		w.tsval = v->o.tsval;
		w.tsecr = v->o.tsecr;
	}
	/* Malformed options are read leniently: only the cookie's part. */
	if (m->mss != w.mss || m->snd_wscale != w.snd_wscale ||
	    (m->flags & (SYNFIN_META_WSCALE | SYNFIN_META_SACK)) !=
		    (w.flags & (SYNFIN_META_WSCALE | SYNFIN_META_SACK)) ||
	    (!v->o.bad && (m->flags != w.flags || m->tsval != w.tsval ||
			   m->tsecr != w.tsecr)))
		violation(P_XDP, f, "metadata mss %u ws %u flags %#x tsval %#x "
			  "tsecr %#x, expected %u %u %#x %#x %#x", m->mss,
			  m->snd_wscale, m->flags, m->tsval, m->tsecr, w.mss,
			  w.snd_wscale, w.flags, w.tsval, w.tsecr);
}

/* A segment of a pooled connection, whose entry the model doesn't know:
 * what must hold whatever the table says.
 */
static void check_guard_stateful(enum prog_id p, const struct fz_frame *f,
				 const struct run *r)
{
	int32_t rv = r->retval;
	__u64 moved = 0;
	int i;

	for (i = 0; i < SYNFIN_C__MAX; i++)
		moved += delta(r, i);
	if (rv == verdict_of(p, FZ_E_DROP)) {
		if (!moved)
			violation(p, f, "dropped, and no counter moved");
	} else if (rv == verdict_of(p, FZ_E_PASS)) {
		if (p == P_XDP && r->meta_len &&
		    (delta(r, SYNFIN_C_ACK_COOKIE_VALID) || delta(r, SYNFIN_C_ACK_COOKIE_AGAIN))) {
			if (r->meta_len != sizeof(struct synfin_meta) ||
			    ((const struct synfin_meta *)r->out)->magic != FX_META_MAGIC)
				violation(p, f, "handed over without synfin's metadata");
		} else if (r->meta_len || !unchanged(f, r)) {
			violation(p, f, "passed frame changed");
		}
	} else {
		violation(p, f, "verdict %d for a segment that is no SYN", rv);
	}
}

/* The guard (XDP or TC mode) against the model. */
static void check_guard(enum prog_id p, const struct fz_frame *f,
			const struct fz_view *v, const struct run *r)
{
	__u64 want[SYNFIN_C__MAX];
	enum fz_expect e = fz_guard_expect(g.fx, v, p == P_XDP ? 1 : 0, r->c, want);
	int32_t rv = r->retval;
	__u64 moved = 0;
	int i;

	/* The model knows an empty table: a pooled connection's segments
	 * (not its SYNs, which no entry changes) get the invariants only.
	 */
	if (f->pooled && (e == FZ_E_DROP || e == FZ_E_HANDOFF) && v->cls == FZ_C_TCP)
		return check_guard_stateful(p, f, r);
	g.st[p].verdicts[e]++;
	if (p == P_XDP ? rv != FX_XDP_PASS && rv != FX_XDP_DROP && rv != FX_XDP_TX
		       : rv != FX_TC_ACT_NEXT && rv != FX_TC_ACT_SHOT &&
			 rv != FX_TC_ACT_REDIRECT)
		return violation(p, f, "verdict %d outside the program's set", rv);
	for (i = 0; i < SYNFIN_C__MAX; i++)
		moved += delta(r, i);
	if (rv == verdict_of(p, FZ_E_DROP) && !moved)
		violation(p, f, "dropped, and no counter moved");
	if (rv == verdict_of(p, FZ_E_SYNACK) && e != FZ_E_SYNACK)
		return violation(p, f, "a reply (%d) to a frame that is no "
				 "well-formed SYN to a protected port (expected %d)",
				 rv, verdict_of(p, e));
	if (rv != verdict_of(p, e))
		return violation(p, f, "verdict %d, expected %d", rv, verdict_of(p, e));
	for (i = 0; i < SYNFIN_C__MAX; i++)
		if (want[i] && delta(r, i) != 1)
			violation(p, f, "counter %s moved by %llu, expected 1",
				  synfin_counter_names[i],
				  (unsigned long long)delta(r, i));
	switch (e) {
	case FZ_E_SYNACK:
		check_synack(p, f, v, r);
		break;
	case FZ_E_HANDOFF:
		/* XDP: the options in metadata for TC; TC: no listener here. */
		if (!unchanged(f, r))
			violation(p, f, "valid cookie ACK changed");
		if (p == P_XDP)
			check_meta(f, v, r);
		break;
	default:
		if (e == FZ_E_PASS && (r->meta_len || !unchanged(f, r)))
			violation(p, f, "passed frame changed");
		break;
	}
}

/* XDP mode's hand-off with XDP's bare-ACK fallback on: never drops nor
 * changes a frame; at most tells of a missing listener.
 */
static void check_tc_ingress(const struct fz_frame *f, const struct run *r)
{
	int i;

	if (r->retval != FX_TC_ACT_NEXT)
		return violation(P_TC_INGRESS, f, "verdict %d, expected %d",
				 r->retval, FX_TC_ACT_NEXT);
	if (!unchanged(f, r))
		violation(P_TC_INGRESS, f, "passed frame changed");
	for (i = 0; i < SYNFIN_C__MAX; i++)
		if (delta(r, i) && i != SYNFIN_C_HANDOFF_NO_LISTENER)
			violation(P_TC_INGRESS, f, "counter %s moved",
				  synfin_counter_names[i]);
}

/* TC egress never drops nor changes; what it can't read it counts. */
static void check_egress(const struct fz_frame *f, const struct fz_view *v,
			 const struct run *r)
{
	int i, quiet = v->cls == FZ_C_NOT_TCP || v->cls == FZ_C_FRAG ||
		       v->cls == FZ_C_FRAG_FIRST || v->cls == FZ_C_FRAG_TINY;
	int unread = !quiet && v->cls != FZ_C_TCP;

	if (r->retval != FX_TC_ACT_NEXT)
		return violation(P_EGRESS, f, "verdict %d, expected %d",
				 r->retval, FX_TC_ACT_NEXT);
	if (!unchanged(f, r))
		violation(P_EGRESS, f, "passed frame changed");
	if (unread && delta(r, SYNFIN_C_UNPARSED_PASSED) != 1)
		violation(P_EGRESS, f, "unread frame not counted in unparsed_passed");
	if (quiet)
		for (i = 0; i < SYNFIN_C__MAX; i++)
			if (delta(r, i))
				violation(P_EGRESS, f, "counter %s moved for a "
					  "frame not read", synfin_counter_names[i]);
}

/* Connections a run made are forgotten before the next program's run,
 * so each meets the empty table the model assumes.
 */
static void note_conns(const struct run *r)
{
	if (delta(r, SYNFIN_C_CT_NEW_COOKIE) || delta(r, SYNFIN_C_CT_NEW_KERNEL) ||
	    delta(r, SYNFIN_C_CT_ADOPTED))
		g.ct_dirty = 1;
}

/* The stateful phase keeps the pooled connections' entries: only the
 * frame's own tuple goes, in either direction.
 */
static void forget_tuple(const struct fz_view *v)
{
	int fd = bpf_map__fd(g.fx->skel->maps.conntrack);
	size_t alen = v->ipv6 ? 16 : 4;
	struct synfin_ct_key k;

	memset(&k, 0, sizeof(k));
	k.family = v->ipv6 ? 6 : 4;
	memcpy(k.raddr, v->saddr, alen);
	memcpy(k.laddr, v->daddr, alen);
	k.rport = htons(v->sport);
	k.lport = htons(v->dport);
	bpf_map_delete_elem(fd, &k);
	memcpy(k.raddr, v->daddr, alen);
	memcpy(k.laddr, v->saddr, alen);
	k.rport = htons(v->dport);
	k.lport = htons(v->sport);
	bpf_map_delete_elem(fd, &k);
}

static void forget_conns(const struct fz_frame *f, const struct fz_view *v)
{
	if (g.ct_dirty && !f->pooled) {
		if (g.stateful)
			forget_tuple(v);
		else
			fx_ct_clear(g.fx);
	}
	g.ct_dirty = 0;
}

/* The skb test run refuses an IPv4 or IPv6 frame too short for its IP
 * header (TC itself sees them: IP checks them after TC).
 */
static int skb_refuses(const struct fz_frame *f)
{
	uint16_t type = (uint16_t)(f->b[12] << 8 | f->b[13]);

	return (type == 0x0800 && f->len < 14 + 20) ||
	       (type == 0x86dd && f->len < 14 + 40);
}

static void fuzz_one(const struct fz_frame *f)
{
	static struct run r;
	struct fz_view v;
	enum prog_id p;
	int t;

	fz_classify(f->b, f->len, &v);
	g.kinds[f->kind]++;
	g.classes[v.cls]++;
	for (t = 0; t < FZ_T__MAX; t++)
		if (f->traits & (1u << t))
			g.traits[t]++;
	/* In this order: the TC hand-off sees the entry XDP's run made. */
	for (p = 0; p < P__MAX; p++) {
		if (run_prog(p, f, &r)) {
			if (p != P_XDP && errno == EINVAL && skb_refuses(f))
				g.st[p].refused++;
			else
				violation(p, f, "BPF_PROG_TEST_RUN failed: %s (%d)",
					  strerror(errno), -errno);
			g.have_counters = 0;
			continue;
		}
		g.st[p].runs++;
		if (r.c != fx_counter_now(g.fx)) {
			/* The cookie counter ticked in the run: can't say. */
			g.st[p].tick_skipped++;
			note_conns(&r);
			forget_conns(f, &v);
			continue;
		}
		switch (p) {
		case P_XDP:
		case P_GUARD:
			check_guard(p, f, &v, &r);
			break;
		case P_TC_INGRESS:
			check_tc_ingress(f, &r);
			break;
		default:
			check_egress(f, &v, &r);
			break;
		}
		note_conns(&r);
		if (p != P_XDP)
			forget_conns(f, &v);
	}
}

/* ---- the corpus: one frame per file, hex, '#' comments ---- */

static int read_hex(const char *path, struct fz_frame *f)
{
	FILE *in = fopen(path, "r");
	char line[1024], *s;
	unsigned int b;

	if (!in)
		return -1;
	f->len = 0;
	while (fgets(line, sizeof(line), in)) {
		if (line[0] == '#')
			continue;
		for (s = line; *s;) {
			if (sscanf(s, "%2x", &b) == 1 && s[1] && s[0] != '\n' &&
			    s[0] != ' ') {
				if (f->len == sizeof(f->b))
					break;
				f->b[f->len++] = (uint8_t)b;
				s += 2;
			} else {
				s++;
			}
		}
	}
	fclose(in);
	return f->len ? 0 : -1;
}

static int replay_corpus(const char *dir)
{
	static struct fz_frame f;
	struct dirent **names;
	char path[1024];
	int n, i, done = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return 0;
	g.replaying = 1;
	for (i = 0; i < n; i++) {
		if (strstr(names[i]->d_name, ".hex")) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			memset(&f, 0, sizeof(f));
			f.kind = FZ_K_CORPUS;
			if (read_hex(path, &f)) {
				fprintf(stderr, "Couldn't read corpus frame '%s'\n", path);
				g.violations++;
			} else {
				g.frame_no = (uint64_t)done;
				fuzz_one(&f);
				done++;
			}
		}
		free(names[i]);
	}
	free(names);
	g.replaying = 0;
	return done;
}

/* ---- forged ACKs ---- */

/* n ACKs with random sources, ports, sequence and ACK numbers, half IPv4
 * and half IPv6, through XDP: how many pass as valid cookies, against the
 * model (which recomputes each one's MAC) and the bound.
 */
static int forged_acks(uint64_t n)
{
	static const uint16_t ports[] = { 80, 443, 8000, 8050, 8100 };
	static struct fz_frame f;
	static struct run r;
	__u64 c0[SYNFIN_C__MAX], c1[SYNFIN_C__MAX], want[SYNFIN_C__MAX];
	struct fz_rng rng = { g.seed ^ 0xf0f0f0f0ull };
	uint64_t i, pass = 0, drop = 0, other = 0, model_valid = 0, mismatch = 0;
	struct timespec t0, t1;
	double expect = (double)n / (1 << 24), secs;
	struct pkt_spec s;
	struct fz_view v;
	int ok, k, valid;

	counters_read(c0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		pkt_spec_default(&s, (int)(i & 1));
		for (k = 0; k < 16; k++)
			s.saddr[k] = (uint8_t)fz_next(&rng);
		s.sport = (uint16_t)fz_next(&rng);
		s.dport = ports[fz_below(&rng, FX_ARRAY_SIZE(ports))];
		s.seq = (uint32_t)fz_next(&rng);
		s.ack = (uint32_t)fz_next(&rng);
		s.flags = PKT_TCP_ACK;
		f.len = pkt_build(f.b, sizeof(f.b), &s);
		/* Counters once at the end: a read per ACK would double the cost. */
		if (run_bare(P_XDP, &f, &r))
			return -1;
		fz_classify(f.b, f.len, &v);
		valid = fz_guard_expect(g.fx, &v, 1, r.c, want) == FZ_E_HANDOFF;
		model_valid += (uint64_t)valid;
		if (r.retval == FX_XDP_PASS)
			pass++;
		else if (r.retval == FX_XDP_DROP)
			drop++;
		else
			other++;
		if ((r.retval == FX_XDP_PASS) != valid && r.c == fx_counter_now(g.fx))
			mismatch++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	counters_read(c1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("forged ACKs: %llu sent (IPv4 and IPv6 alike, random sources), "
	       "%.1f s\n", (unsigned long long)n, secs);
	printf("  accepted (XDP_PASS): %llu, ack_cookie_valid +%llu; dropped %llu, "
	       "ack_cookie_invalid +%llu; other verdicts %llu\n",
	       (unsigned long long)pass,
	       (unsigned long long)(c1[SYNFIN_C_ACK_COOKIE_VALID] - c0[SYNFIN_C_ACK_COOKIE_VALID]),
	       (unsigned long long)drop,
	       (unsigned long long)(c1[SYNFIN_C_ACK_COOKIE_INVALID] - c0[SYNFIN_C_ACK_COOKIE_INVALID]),
	       (unsigned long long)other);
	printf("  expected accepted: n / 2^24 = %.4f (one key per ACK: the parity "
	       "bit names the period; 24 MAC bits); the reference MAC says %llu; "
	       "bound %d\n", expect, (unsigned long long)model_valid,
	       FORGED_MAX_ACCEPTED);
	ok = !other && !mismatch && pass <= FORGED_MAX_ACCEPTED &&
	     pass == c1[SYNFIN_C_ACK_COOKIE_VALID] - c0[SYNFIN_C_ACK_COOKIE_VALID] &&
	     drop == c1[SYNFIN_C_ACK_COOKIE_INVALID] - c0[SYNFIN_C_ACK_COOKIE_INVALID];
	if (mismatch)
		printf("  %llu verdicts differ from the reference MAC\n",
		       (unsigned long long)mismatch);
	printf("  forged ACKs: %s\n", ok ? "ok" : "FAIL");
	fx_ct_clear(g.fx);
	return ok ? 0 : 1;
}

/* ---- main ---- */

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void summary(double secs)
{
	int i;

	printf("fuzz_bpf: seed %llu, %.1f s\n", (unsigned long long)g.seed, secs);
	for (i = 0; i < P__MAX; i++)
		printf("  %-18s %9llu frames run, %llu refused by the test run, "
		       "%llu unchecked (counter tick), %llu violations\n",
		       prog_names[i], (unsigned long long)g.st[i].runs,
		       (unsigned long long)g.st[i].refused,
		       (unsigned long long)g.st[i].tick_skipped,
		       (unsigned long long)g.st[i].violations);
	printf("  xdp expectations: pass %llu, drop %llu, syn-ack %llu, hand-off %llu\n",
	       (unsigned long long)g.st[P_XDP].verdicts[FZ_E_PASS],
	       (unsigned long long)g.st[P_XDP].verdicts[FZ_E_DROP],
	       (unsigned long long)g.st[P_XDP].verdicts[FZ_E_SYNACK],
	       (unsigned long long)g.st[P_XDP].verdicts[FZ_E_HANDOFF]);
	printf("  seed kinds:");
	for (i = 0; i < FZ_K__MAX; i++)
		printf(" %s %llu%s", fz_kind_names[i], (unsigned long long)g.kinds[i],
		       i + 1 < FZ_K__MAX ? "," : "\n");
	printf("  traits:");
	for (i = 0; i < FZ_T__MAX; i++)
		printf(" %s %llu%s", fz_trait_names[i], (unsigned long long)g.traits[i],
		       i + 1 < FZ_T__MAX ? "," : "\n");
	printf("  classes:");
	for (i = 0; i < FZ_C__MAX; i++)
		printf(" %s %llu%s", fz_class_names[i], (unsigned long long)g.classes[i],
		       i + 1 < FZ_C__MAX ? "," : "\n");
	/* What the frames reached, as the programs counted it. */
	if (!counters_read(g.counters)) {
		printf("  counters:");
		for (i = 0; i < SYNFIN_C__MAX; i++)
			if (g.counters[i])
				printf(" %s %llu", synfin_counter_names[i],
				       (unsigned long long)g.counters[i]);
		printf("\n");
	}
	printf("  violations: %llu\n", (unsigned long long)g.violations);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "frames", required_argument, NULL, 'n' },
		{ "seconds", required_argument, NULL, 't' },
		{ "corpus", required_argument, NULL, 'c' },
		{ "findings", required_argument, NULL, 'o' },
		{ "forged-acks", required_argument, NULL, 'a' },
		{ "stateful", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t frames = 100000, forged = 0, i;
	const char *corpus = NULL;
	double seconds = 0, secs;
	static struct fz_frame f;
	struct timespec t0, t1, t2;
	uint64_t stateful = 0;
	struct fz_rng rng;
	void *state = NULL;
	int opt, rc = 0;

	g.seed = (uint64_t)time(NULL);
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': g.seed = strtoull(optarg, NULL, 0); break;
		case 'n': frames = strtoull(optarg, NULL, 0); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'c': corpus = optarg; break;
		case 'o': g.findings = optarg; break;
		case 'a': forged = strtoull(optarg, NULL, 0); break;
		case 'S': stateful = strtoull(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "Usage: fuzz_bpf [--seed N] [--frames N] "
				"[--seconds S] [--corpus DIR] [--findings DIR] "
				"[--stateful N] [--forged-acks N]\n");
			return 2;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	libbpf_set_print(NULL);
	if (fx_setup(&state)) {
		fprintf(stderr, "Couldn't load and configure synfin's programs\n");
		return 1;
	}
	g.fx = state;
	g.fds[P_XDP] = g.fx->xdp_fd;
	g.fds[P_TC_INGRESS] = g.fx->tc_fd;
	g.fds[P_GUARD] = g.fx->guard_fd;
	g.fds[P_EGRESS] = bpf_program__fd(g.fx->skel->progs.tc_synfin_egress);
	/* XDP has met a driver without room for metadata: TC ingress parses
	 * and validates bare ACKs too, the deeper path.
	 */
	if (bpf_map_update_elem(bpf_map__fd(g.fx->skel->maps.meta_fallback),
				&(__u32){ 0 }, &(__u32){ 1 }, BPF_ANY)) {
		fprintf(stderr, "Couldn't set meta_fallback: %s\n", strerror(errno));
		return 1;
	}
	printf("fuzz_bpf: seed %llu (--seed %llu reproduces)\n",
	       (unsigned long long)g.seed, (unsigned long long)g.seed);
	fflush(stdout);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (corpus)
		printf("  corpus %s: %d frames replayed\n", corpus, replay_corpus(corpus));
	rng.s = g.seed;
	for (i = 0; i < frames; i++) {
		g.frame_no = i;
		fz_make(g.fx, &rng, fx_counter_now(g.fx), &f);
		fuzz_one(&f);
		if (seconds > 0 && !(i & 255) && elapsed(&t0) > seconds)
			break;
	}
	/* Then half the frames of a few connections whose entries stay. */
	g.stateful = 1;
	clock_gettime(CLOCK_MONOTONIC, &t2);
	for (i = 0; i < stateful; i++) {
		g.frame_no = frames + i;
		/* Fresh connections now and then: every lifecycle again. */
		if (!(i % 1000))
			fx_ct_clear(g.fx);
		if (fz_below(&rng, 2))
			fz_make_pooled(g.fx, &rng, fx_counter_now(g.fx), &f);
		else
			fz_make(g.fx, &rng, fx_counter_now(g.fx), &f);
		fuzz_one(&f);
		if (seconds > 0 && !(i & 255) && elapsed(&t2) > seconds)
			break;
	}
	printf("  stateful phase: %llu frames\n", (unsigned long long)i);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	summary(secs);
	if (g.violations)
		rc = 1;
	if (forged && forged_acks(forged))
		rc = 1;
	fx_teardown(&state);
	return rc;
}
