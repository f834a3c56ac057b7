// SPDX-License-Identifier: GPL-2.0
/* Cookies across the hosts of a fleet: a SYN-ACK made by one host (its
 * keys, its clock) and the ACK checked by another, each played in turn by
 * the loaded programs with the keys synfind derives (secrets.c) and the
 * cookie clock set where a row says. Edges of a period, clocks apart by
 * up to SYNFIN_CLOCK_SKEW_NS and past it, the cookie's lifetime, and the
 * three steps of a key roll. Every row runs through XDP and TC mode.
 */
#include "fixture.h"
#include "clock.h"
#include "synfin.skel.h"

#define L (1ll << SYNFIN_COUNTER_SHIFT)		/* a period, 68.7 s */
#define S ((int64_t)SYNFIN_CLOCK_SKEW_NS)	/* 8.6 s */
#define SEC 1000000000ll

/* Master keys A and B, and which of them a host's file holds. */
enum { KEY_A = 1, KEY_B = 2 };

struct host {
	int keys[KEYFILE_MAX_KEYS];	/* KEY_A or KEY_B, in file order; 0 ends */
};

#define FILE_A { { KEY_A } }
#define FILE_B { { KEY_B } }
#define FILE_AB { { KEY_A, KEY_B } }
#define FILE_BA { { KEY_B, KEY_A } }

struct fleet_case {
	const char *name;
	int ipv6;
	struct host issuer, checker;
	int64_t issue_at;	/* ns into period FX_COUNTER, issuer's clock */
	int64_t check_after;	/* checker's clock at the ACK - issuer's at the SYN */
	int valid;
};

/* The clock runs on between a row's setting it and its run: a margin of a
 * second or more on the side time moves to, wherever it could flip a row.
 */
static const struct fleet_case cases[] = {
	{ "same file, at once", 0, FILE_A, FILE_A, SEC, SEC / 100, 1 },
	{ "same file, at once, ipv6", 1, FILE_A, FILE_A, SEC, SEC / 100, 1 },
	{ "ACK just after a period boundary", 0, FILE_A, FILE_A,
	  L - 2 * SEC, 3 * SEC, 1 },
	{ "ACK just after a period boundary, ipv6", 1, FILE_A, FILE_A,
	  L - 2 * SEC, 3 * SEC, 1 },
	/* The checker's clock behind: it is still in the period before. */
	{ "checker 5 s behind, cookie just after a boundary", 0, FILE_A, FILE_A,
	  SEC / 2, -5 * SEC, 1 },
	{ "checker 8.5 s behind, cookie just after a boundary", 1, FILE_A, FILE_A,
	  SEC / 2, -S + SEC / 10, 1 },
	/* 10 s behind refuses a cookie from the first 1.4 s of a period (it
	 * reads later ones as its own period's).
	 */
	{ "checker 10 s behind: past the tolerance", 0, FILE_A, FILE_A,
	  SEC / 5, -10 * SEC, 0 },
	/* Ahead: the cookie from the end of a period, read in the next. */
	{ "checker 8.5 s ahead, cookie from a period's end", 0, FILE_A, FILE_A,
	  L - 2 * SEC, S - SEC / 10, 1 },
	/* The lifetime: until the checker's clock, read S ahead, passes the
	 * end of the period after the cookie's.
	 */
	{ "a period's last cookie, 2 s before it expires", 0, FILE_A, FILE_A,
	  L - 2 * SEC, L - S, 1 },
	{ "a period's last cookie, 1 s after it expired", 0, FILE_A, FILE_A,
	  L - 2 * SEC, L - S + 3 * SEC, 0 },
	{ "a period's first cookie, 2 s before it expires", 1, FILE_A, FILE_A,
	  SEC / 2, 2 * L - S - SEC / 2 - 2 * SEC, 1 },
	{ "a period's first cookie, 1 s after it expired", 1, FILE_A, FILE_A,
	  SEC / 2, 2 * L - S - SEC / 2 + SEC, 0 },
	/* Another fleet's cookie. */
	{ "other file", 0, FILE_A, FILE_B, SEC, SEC / 100, 0 },
	/* The roll: [A] everywhere, then [A, B], then [B, A], then [B]. A
	 * host of each step accepts the cookies of the steps beside it.
	 */
	{ "roll: [A] issues, [A, B] accepts", 0, FILE_A, FILE_AB, SEC, SEC / 100, 1 },
	{ "roll: [A, B] issues, [A] accepts", 0, FILE_AB, FILE_A, SEC, SEC / 100, 1 },
	{ "roll: [A, B] issues, [B, A] accepts", 0, FILE_AB, FILE_BA, SEC, SEC / 100, 1 },
	{ "roll: [B, A] issues, [A, B] accepts", 1, FILE_BA, FILE_AB, SEC, SEC / 100, 1 },
	{ "roll: [B, A] issues, [B] accepts", 0, FILE_BA, FILE_B, SEC, SEC / 100, 1 },
	{ "roll: [B] issues, [B, A] accepts", 0, FILE_B, FILE_BA, SEC, SEC / 100, 1 },
	{ "roll: [A] issues, [B] alone refuses", 0, FILE_A, FILE_B, SEC, SEC / 100, 0 },
	{ "roll: [A, B] issues, [B] alone refuses", 1, FILE_AB, FILE_B, SEC, SEC / 100, 0 },
	/* A second key only accepts: [B, A]'s A never issues. */
	{ "roll: [B, A] issues, [A] alone refuses", 0, FILE_BA, FILE_A, SEC, SEC / 100, 0 },
	/* Across a boundary, with the second key. */
	{ "roll: [A, B] issues at a period's end, [B, A] accepts after it", 0,
	  FILE_AB, FILE_BA, L - 2 * SEC, 3 * SEC, 1 },
};

static struct master_key master(int which)
{
	struct master_key m;
	unsigned int i;

	for (i = 0; i < sizeof(m.b); i++)
		m.b[i] = (uint8_t)(which == KEY_A ? i : 0xa0 ^ (i * 7));
	return m;
}

/* A host with h's file whose clock reads now, as synfind makes it: its
 * secrets_install() writes the keys of the periods around now into the
 * other bank, and the settings switch to that bank and the clock.
 */
static void be_host(struct fx *fx, const struct host *h, uint64_t now)
{
	struct keyfile kf = { 0 };
	struct secrets sec;
	int i;

	for (i = 0; i < KEYFILE_MAX_KEYS && h->keys[i]; i++)
		kf.key[kf.nkeys++] = master(h->keys[i]);
	assert_int_equal(secrets_init(&sec, bpf_map__fd(fx->skel->maps.secrets_map),
				      fx->cfg.key_bank, 0), 0);
	assert_int_equal(secrets_install_at(&sec, &kf, 1, "fleet.key", 0,
					    now - coarse_ns()), 0);
	fx->cfg.key_bank = sec.cur.bank;
	fx_set_clock(fx, now);
	secrets_destroy(&sec);
	keyfile_wipe(&kf);
}

static void run_case(struct fx *fx, const void *row)
{
	const struct fleet_case *c = row;
	uint64_t t0 = FX_COUNTER * (uint64_t)L + (uint64_t)c->issue_at;
	static const struct pkt_spec syn4 = PKT_SPEC4(.flags = PKT_TCP_SYN);
	static const struct pkt_spec syn6 = PKT_SPEC6(.flags = PKT_TCP_SYN);
	struct pkt_spec syn = c->ipv6 ? syn6 : syn4, ack;
	static struct fx_run r;
	struct pkt_view v;
	__u64 valid, invalid;

	syn.seq = FX_CLIENT_ISN;
	pkt_opt_mss(&syn, 1460);
	be_host(fx, &c->issuer, t0);
	fx_guard(fx, fx_build_pkt, &syn, &r);
	fx_expect_guard_verdict(fx, &r, FX_XDP_TX);
	assert_int_equal(pkt_parse(r.pkt, r.pkt_len, &v, NULL), 0);
	assert_int_equal(v.flags, PKT_TCP_SYN | PKT_TCP_ACK);

	ack = syn;
	ack.flags = PKT_TCP_ACK;
	ack.seq = FX_CLIENT_ISN + 1;
	ack.ack = v.seq + 1;
	ack.tcp_opts_len = 0;
	be_host(fx, &c->checker, t0 + (uint64_t)c->check_after);
	fx_guard(fx, fx_build_pkt, &ack, &r);
	fx_expect_guard_verdict(fx, &r, c->valid ? FX_XDP_PASS : FX_XDP_DROP);
	valid = r.after[SYNFIN_C_ACK_COOKIE_VALID] - r.before[SYNFIN_C_ACK_COOKIE_VALID];
	invalid = r.after[SYNFIN_C_ACK_COOKIE_INVALID] - r.before[SYNFIN_C_ACK_COOKIE_INVALID];
	assert_int_equal(valid, c->valid ? 1 : 0);
	assert_int_equal(invalid, c->valid ? 0 : 1);
}

/* No key for the period (synfind gone for two periods): the SYN goes to
 * the kernel, counted, and no cookie is made under a stale key.
 */
static void no_key_passes(void **state)
{
	struct fx *fx = *state;
	const struct host a = FILE_A;
	static const struct pkt_spec syn4 = PKT_SPEC4(.flags = PKT_TCP_SYN);
	struct pkt_spec syn = syn4;
	static struct fx_run r;

	pkt_opt_mss(&syn, 1460);
	be_host(fx, &a, FX_COUNTER * (uint64_t)L + SEC);
	fx_set_clock(fx, (FX_COUNTER + 2) * (uint64_t)L + SEC);
	fx_xdp(fx, fx_build_pkt, &syn, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(SYN_SEEN, 1), D(SYN_NO_KEY, 1));
}

/* A host's key in its first period (synfind started within 68.7 s of
 * boot: the host's cookie clock is the uptime): periods 0 and 1 have their
 * keys, the period before 0 is no key, and no slot is the zeroed entry
 * the kernel made, which would read as period 0's all-zero key.
 */
static void first_period(void **state)
{
	struct fx *fx = *state;
	static const struct pkt_spec syn4 = PKT_SPEC4(.flags = PKT_TCP_SYN);
	struct pkt_spec syn = syn4, ack;
	int fd = bpf_map__fd(fx->skel->maps.secrets_map);
	struct secrets sec;
	struct keyfile kf;
	char err[256];
	static struct fx_run r;
	struct pkt_view v;
	uint64_t now;
	__u32 i;

	/* As a fresh load has it: every entry zeroed. */
	for (i = 0; i < SYNFIN_SECRET_ENTRIES; i++) {
		struct synfin_secret zero = {};

		assert_int_equal(bpf_map_update_elem(fd, &i, &zero, BPF_ANY), 0);
	}
	now = coarse_ns();
	assert_int_equal(secrets_init(&sec, fd, 0, 1), 0);
	assert_int_equal(secrets_keys_load(NULL, &kf, err, sizeof(err)), 0);
	/* A clock 2 s into period 0. */
	assert_int_equal(secrets_install_at(&sec, &kf, 0, NULL, 0, 2 * SEC - now), 0);
	assert_int_equal(sec.cur.counter, 0);
	for (i = 0; i < SYNFIN_SECRET_ENTRIES; i++) {
		struct synfin_secret k;
		__u32 slot = i % SYNFIN_SECRET_SLOTS;
		int keyed = i / SYNFIN_SECRET_SLOTS == sec.cur.bank * SYNFIN_SECRET_SETS &&
			    slot < 2;

		assert_int_equal(bpf_map_lookup_elem(fd, &i, &k), 0);
		assert_int_equal(k.counter, keyed ? slot : SYNFIN_COUNTER_NONE);
		assert_false(keyed && !k.k0 && !k.k1);
	}
	/* The programs make and take a cookie under it. */
	fx->cfg.key_bank = sec.cur.bank;
	fx_set_clock(fx, 2 * SEC);
	pkt_opt_mss(&syn, 1460);
	fx_xdp(fx, fx_build_pkt, &syn, &r);
	assert_int_equal(r.retval, FX_XDP_TX);
	assert_int_equal(pkt_parse(r.pkt, r.pkt_len, &v, NULL), 0);
	ack = syn;
	ack.flags = PKT_TCP_ACK;
	ack.seq = syn.seq + 1;
	ack.ack = v.seq + 1;
	ack.tcp_opts_len = 0;
	fx_xdp(fx, fx_build_pkt, &ack, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	assert_int_equal(r.after[SYNFIN_C_ACK_COOKIE_VALID] - r.before[SYNFIN_C_ACK_COOKIE_VALID], 1);
	/* A cookie made under an all-zero key for the period before 0 (an
	 * empty slot names it): refused.
	 */
	syn.sport++;
	memset(fx->key[SYNFIN_COUNTER_NONE % SYNFIN_SECRET_SLOTS], 0, 16);
	ack = syn;
	ack.flags = PKT_TCP_ACK;
	ack.seq = syn.seq + 1;
	ack.ack = fx_ref_cookie(fx, &syn, syn.seq, SYNFIN_COUNTER_NONE,
				&(struct fx_cookie_opts){ .ws = 15 }).seq + 1;
	ack.tcp_opts_len = 0;
	fx_xdp(fx, fx_build_pkt, &ack, &r);
	assert_int_equal(r.retval, FX_XDP_DROP);
	assert_int_equal(r.after[SYNFIN_C_ACK_COOKIE_INVALID] - r.before[SYNFIN_C_ACK_COOKIE_INVALID], 1);
	fx->cfg.key_bank = 0;
	keyfile_wipe(&kf);
	secrets_destroy(&sec);
}

/* The derivation, against values from Python's hmac (an HKDF of its own:
 * RFC 5869 with SHA-256, salt "synfin", info "synfin cookie key" and the
 * period as 8 bytes big endian), and the fingerprint likewise.
 */
static void derivation_known_answers(void **state)
{
	static const struct {
		uint64_t counter;
		uint64_t k0, k1;
	} want[] = {
		{ 0, 0x2f0ccd80a5a5bd51ull, 0x24001f736a72be9dull },
		{ 26123456, 0xe362f8c5d5f296a7ull, 0x20fd82cc1e742b70ull },
		{ 0x1234567, 0x5755b492ecc8e79full, 0xeb84430faa92b426ull },
	};
	struct master_key m = master(KEY_A);
	char fp[FINGERPRINT_LEN + 1];
	struct synfin_secret k;
	size_t i;

	(void)state;
	for (i = 0; i < FX_ARRAY_SIZE(want); i++) {
		assert_int_equal(secrets_derive(&m, want[i].counter, &k), 0);
		assert_int_equal(k.k0, want[i].k0);
		assert_int_equal(k.k1, want[i].k1);
		assert_int_equal(k.counter, want[i].counter);
	}
	master_key_fingerprint(&m, fp);
	assert_string_equal(fp, "2fcd0a58");
}

int main(void)
{
	const struct fx_table tables[] = {
		FX_TABLE("fleet", cases, run_case),
		FX_TABLE_TC("fleet", cases, run_case),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_key_passes),
		cmocka_unit_test(first_period),
		cmocka_unit_test(derivation_known_answers),
	};

	return fx_run_group("fleet_keys", tables, FX_ARRAY_SIZE(tables), tests,
			    FX_ARRAY_SIZE(tests), fx_setup, fx_teardown);
}
