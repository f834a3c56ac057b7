// SPDX-License-Identifier: GPL-2.0
/* XDP mode where the driver has no room for metadata (force_no_meta, set
 * before load): xdp_synfin passes a valid cookie ACK bare, sets
 * meta_fallback and counts handoff_no_meta; tc_synfin_ingress then hands
 * over an ACK without metadata only where the table says XDP validated it
 * (a cookie entry the kernel hasn't answered, at the cookie's sequence
 * number) and the cookie checks out again.
 *
 * The live rows (tests/lib/live.h) show the hand-off to a listener; the
 * test runs show what tc_synfin_ingress takes for validated: an ACK it
 * hands over reaches handoff(), which counts handoff_no_listener, as no
 * one listens on the port (a test run can't make the request socket).
 */
#include "fixture.h"
#include "live.h"
#include "synfin.skel.h"

/* What reaches TC: XDP's ACK, changed. */
struct bare_edit {
	uint32_t isn_off;		/* another SYN's ISN, and its cookie */
	int32_t seq_off;		/* more on the ACK's seq */
	uint32_t cookie_xor;
	uint8_t flags;			/* other TCP flags */
};

struct bare_case {
	const char *name;
	struct fx_ack a;		/* XDP validates it and passes it bare */
	int no_xdp;			/* XDP never saw it: no entry */
	int fallback_off;		/* meta_fallback cleared after XDP */
	int answered;			/* the kernel has sent on the entry */
	int kernel_entry;		/* the entry is of a kernel handshake */
	struct bare_edit tc;
	int handed;			/* TC hands it over */
};

static const struct bare_case bare[] = {
	{ "validated by xdp", FX_ACK4(), .handed = 1 },
	{ "ipv6 validated by xdp", FX_ACK6(), .handed = 1 },
	{ "with ts", FX_ACK4(.ts = 1, .ts_val = 77), .handed = 1 },
	{ "meta_fallback unset", FX_ACK4(), .fallback_off = 1 },
	/* A valid cookie is not enough: XDP must have made the entry. */
	{ "no entry", FX_ACK4(), .no_xdp = 1 },
	{ "ipv6 no entry", FX_ACK6(), .no_xdp = 1 },
	/* A good cookie, but of another handshake on the tuple. */
	{ "another isn's cookie", FX_ACK4(), .tc.isn_off = 100 },
	{ "later segment", FX_ACK4(), .tc.seq_off = 100 },
	{ "forged cookie at the entry's sequence number", FX_ACK4(),
	  .tc.cookie_xor = 1u << 16 },
	{ "rst", FX_ACK4(), .tc.flags = PKT_TCP_RST | PKT_TCP_ACK },
	{ "answered by the kernel", FX_ACK4(), .answered = 1 },
	{ "kernel's entry", FX_ACK4(), .kernel_entry = 1 },
};

static void set_fallback(const struct fx *fx, __u32 v)
{
	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx->skel->maps.meta_fallback),
					     &(__u32){ 0 }, &v, BPF_ANY), 0);
}

static __u32 get_fallback(const struct fx *fx)
{
	__u32 v;

	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(fx->skel->maps.meta_fallback),
					     &(__u32){ 0 }, &v), 0);
	return v;
}

/* XDP validates a's cookie and passes the frame bare, as it came. */
static void xdp_pass_bare(struct fx *fx, const struct fx_ack *a)
{
	static struct fx_run r;

	assert_int_equal(get_fallback(fx), 0);
	fx_xdp(fx, fx_build_ack, a, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(CT_NEW_COOKIE, 1),
		      D(EVENTS_SENT, 1), D(HANDOFF_NO_META, 1));
	fx_expect_unchanged(&r);
	assert_int_equal(get_fallback(fx), 1);
}

static void run_bare(struct fx *fx, const void *row)
{
	const struct bare_case *c = row;
	struct fx_ack tc = c->a;
	struct synfin_ct_entry e;
	struct synfin_ct_key k;
	static struct fx_run r;

	if (c->no_xdp)
		set_fallback(fx, 1);	/* as another ACK passed bare left it */
	else
		xdp_pass_bare(fx, &c->a);
	if (c->fallback_off)
		set_fallback(fx, 0);
	if (c->answered || c->kernel_entry) {
		assert_int_equal(fx_ct_lookup(fx, &c->a.ack, &e), 0);
		e.side[SF_SIDE_LOCAL].packets = (__u32)c->answered;
		if (c->kernel_entry)
			e.origin = SF_CT_KERNEL;
		fx_ct_key(&c->a.ack, &k);
		fx_ct_put(fx, &k, &e);
	}
	tc.syn.seq += c->tc.isn_off;
	tc.seq_off += c->tc.seq_off;
	tc.cookie_xor = c->tc.cookie_xor;
	if (c->tc.flags)
		tc.ack.flags = c->tc.flags;

	fx_tc(fx, fx_build_ack, &tc, &r);
	assert_int_equal((int)r.retval, FX_TC_ACT_NEXT);
	EXPECT_DELTAS(&r, D(HANDOFF_NO_LISTENER, c->handed));
	fx_expect_unchanged(&r);
	/* The entry remembers the copy it handed over. */
	if (!c->no_xdp) {
		assert_int_equal(fx_ct_lookup(fx, &c->a.ack, &e), 0);
		assert_int_equal(e.handed, c->handed);
	}
}

static int no_meta_setup(void **state)
{
	return fx_setup_no_meta(state) || live_init() ? -1 : 0;
}

int main(void)
{
	const struct fx_table tables[] = {
		LIVE_TABLE("live without metadata", FX_HOOK_XDP),
		FX_TABLE("bare ack", bare, run_bare),
	};

	return fx_run_group("no_meta", tables, FX_ARRAY_SIZE(tables), NULL, 0,
			    no_meta_setup, live_teardown);
}
