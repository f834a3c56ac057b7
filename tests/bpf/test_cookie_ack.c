// SPDX-License-Identifier: GPL-2.0
/* The guard on the ACK that returns a cookie: a valid one is passed with a
 * new table entry (xdp_synfin: with the cookie's options as metadata; TC
 * mode's tc_synfin_guard: handed over at once, here to no listener),
 * anything else dropped; and segments of no connection that carry no
 * cookie at all. Every table runs through both hooks. Cookies come from
 * refsum's SipHash under the secrets the fixture writes.
 */
#include "fixture.h"
#include "synfin.skel.h"

#define SACK_WS (SYNFIN_META_SACK | SYNFIN_META_WSCALE)

struct valid_case {
	const char *name;
	struct fx_settings cfg;
	struct fx_ack a;
	struct synfin_meta want;
};

static const uint8_t request[64] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

static const struct valid_case valid[] = {
	{ "current period", .a = FX_ACK4(),
	  .want = { .mss = 1460, .snd_wscale = 7, .flags = SACK_WS } },
	{ "previous period",
	  .a = FX_ACK4(.age = 1, .o = { .mss_idx = 1, .sack = 0, .ws = 14 }),
	  .want = { .mss = 1300, .snd_wscale = 14,
		    .flags = SYNFIN_META_WSCALE } },
	{ "no wscale", .a = FX_ACK4(.o.mss_idx = 0, .o.ws = 15),
	  .want = { .mss = 536, .snd_wscale = 0, .flags = SYNFIN_META_SACK } },
	{ "ts", .a = FX_ACK4(.o.mss_idx = 2, .ts = 1, .ts_val = 0xcafe0001),
	  .want = { .mss = 1440, .snd_wscale = 7,
		    .flags = SACK_WS | SYNFIN_META_TS } },
	/* ECN comes back in bit 0 of the TSecr, from the previous period too. */
	{ "ts ecn previous period",
	  .a = FX_ACK4(.age = 1, .o.ecn = 1, .ts = 1, .ts_val = 77),
	  .want = { .mss = 1460, .snd_wscale = 7,
		    .flags = SACK_WS | SYNFIN_META_TS | SYNFIN_META_ECN } },
	/* The TSecr is not part of the cookie: a changed one (other than
	 * bit 0) still passes, and bit 0 alone decides ECN.
	 */
	{ "ts ecn bit only",
	  .a = FX_ACK6(.ts = 1, .ts_val = 1, .tsecr_xor = 0x80000001),
	  .want = { .mss = 8940, .snd_wscale = 7,
		    .flags = SACK_WS | SYNFIN_META_TS | SYNFIN_META_ECN } },
	/* Timestamps off in the settings: TC must not turn them on. */
	{ "ts off in the settings", .cfg.flags_off = SYNFIN_CFG_TS,
	  .a = FX_ACK4(.ts = 1, .ts_val = 5),
	  .want = { .mss = 1460, .snd_wscale = 7, .flags = SACK_WS } },
	{ "ipv6", .a = FX_ACK6(.o.mss_idx = 3),
	  .want = { .mss = 8940, .snd_wscale = 7, .flags = SACK_WS } },
	{ "ipv6 previous period",
	  .a = FX_ACK6(.age = 1, .o = { .mss_idx = 0, .sack = 0, .ws = 15 }),
	  .want = { .mss = 1220 } },
	/* The first data often rides on the ACK; FIN too. */
	{ "with data",
	  .a = FX_ACK4(.ack.flags = PKT_TCP_ACK | PKT_TCP_PSH,
		       .ack.payload = request,
		       .ack.payload_len = sizeof(request)),
	  .want = { .mss = 1460, .snd_wscale = 7, .flags = SACK_WS } },
	{ "qinq",
	  .a = FX_ACK4(.ack.nvlan = 2, .ack.vlan_tpid = { 0x88a8 },
		       .ack.vlan_tci = { 7, 8 }),
	  .want = { .mss = 1460, .snd_wscale = 7, .flags = SACK_WS } },
	/* A known option of the wrong length is skipped, as Linux's
	 * tcp_parse_options skips it; a length below 2 ends the walk.
	 */
	{ "valid cookie, mss option of length 3",
	  .a = FX_ACK4(.ack.tcp_opts = { PKT_TCPOPT_MSS, 3, 5, PKT_O_NOP },
		       .ack.tcp_opts_len = 4),
	  .want = { .mss = 1460, .snd_wscale = 7, .flags = SACK_WS } },
	{ "ipv6 valid cookie, option of length 0",
	  .a = FX_ACK6(.ack.tcp_opts = { 30, 0, 0, 0 }, .ack.tcp_opts_len = 4),
	  .want = { .mss = 8940, .snd_wscale = 7, .flags = SACK_WS } },
};

static void run_valid(struct fx *fx, const void *row)
{
	const struct valid_case *c = row;

	fx_settings_apply(fx, &c->cfg);
	fx_expect_cookie_valid(fx, &c->a, &c->want);
}

struct dropped_case {
	const char *name;
	struct fx_ack a;
	int stale;		/* needs two periods of uptime */
	__u64 deltas[SYNFIN_C__MAX];
};

#define INVALID(name, ...) \
	{ name, __VA_ARGS__, .deltas = { D(ACK_COOKIE_INVALID, 1) } }
/* Any one hash bit flipped. */
#define FLIP4(b) INVALID("hash bit " #b " flipped", .a = FX_ACK4(.cookie_xor = 1u << (b)))
#define FLIP6(b) INVALID("ipv6 hash bit " #b " flipped", .a = FX_ACK6(.cookie_xor = 1u << (b)))
#define FORGED(seq) INVALID("forged " #seq, .a = FX_ACK4(.forged = 1, .forged_seq = (seq)))

static const struct dropped_case dropped[] = {
	INVALID("stale by two periods", .a = FX_ACK4(.age = 2), .stale = 1),
	INVALID("ipv6 stale by three periods", .a = FX_ACK6(.age = 3),
		.stale = 1),
	/* From the future: counter c + 1 has the parity of c - 1. */
	INVALID("from the next period", .a = FX_ACK4(.age = (uint64_t)-1)),
	FLIP4(8), FLIP6(9), FLIP4(10), FLIP6(11), FLIP4(12), FLIP6(13),
	FLIP4(14), FLIP6(15), FLIP4(16), FLIP6(17), FLIP4(18), FLIP6(19),
	FLIP4(20), FLIP6(21), FLIP4(22), FLIP6(23), FLIP4(24), FLIP6(25),
	FLIP4(26), FLIP6(27), FLIP4(28), FLIP6(29), FLIP4(30), FLIP6(31),
	/* The parity flipped: the hash of the other period. */
	INVALID("parity flipped", .a = FX_ACK4(.cookie_xor = SYNFIN_COOKIE_PARITY)),
	FORGED(0x00000000), FORGED(0xffffffff), FORGED(0x5eed1234),
	FORGED(0x9d2c41e7), FORGED(0x0badc0de),
	INVALID("other source port", .a = FX_ACK4(.ack.sport = 40000 + 1)),
	INVALID("other source address", .a = FX_ACK4(.ack.saddr[3] = 1 ^ 0x40)),
	INVALID("other destination address",
		.a = FX_ACK4(.ack.daddr[0] = 198 ^ 0x01)),
	INVALID("other destination port", .a = FX_ACK4(.ack.dport = 443)),
	INVALID("ipv6 other source address",
		.a = FX_ACK6(.ack.saddr[8] = 0x00 ^ 0x80)),
	/* Addresses swapped: a v4 cookie is not symmetric. */
	INVALID("addresses swapped",
		.a = FX_ACK4(.ack.saddr = { 198, 18, 0, 2 },
			     .ack.daddr = { 198, 18, 0, 1 })),
	INVALID("isn + 1", .a = FX_ACK4(.seq_off = 1)),
	INVALID("isn - 1", .a = FX_ACK4(.seq_off = -1)),
	INVALID("ipv6 isn + 0x100", .a = FX_ACK6(.seq_off = 0x100)),
};

static void run_dropped(struct fx *fx, const void *row)
{
	const struct dropped_case *c = row;
	static struct fx_run r;

	if (c->stale && fx_counter_now(fx) < 2)
		skip();		/* up for less than two periods */
	fx_guard(fx, fx_build_ack, &c->a, &r);
	fx_expect_guard_verdict(fx, &r, FX_XDP_DROP);
	fx_check_deltas(&r, c->deltas);
	assert_int_equal(r.meta_len, 0);
	assert_int_equal(fx_ct_count(fx), 0);
}

/* A tuple whose last connection is over (TIME-WAIT, CLOSED in the table)
 * takes a new one from a valid cookie.
 */
struct replaced_case {
	const char *name;
	uint8_t state;
};

static const struct replaced_case replaced[] = {
	{ "time-wait", SF_TCP_TIME_WAIT },
	{ "closed", SF_TCP_CLOSED },
};

static void run_replaced(struct fx *fx, const void *row)
{
	const struct replaced_case *c = row;
	const struct fx_ack a = FX_ACK4();
	struct synfin_ct_entry e = {
		.origin = SF_CT_KERNEL, .opener = SF_SIDE_REMOTE,
		.closer = SF_SIDE_LOCAL, .state = c->state,
	};
	static struct fx_run r;
	struct synfin_ct_key k;

	e.side[SF_SIDE_LOCAL].state = c->state;
	e.side[SF_SIDE_REMOTE].state = SF_TCP_CLOSED;
	fx_ct_key(&a.ack, &k);
	fx_ct_put(fx, &k, &e);

	fx_guard(fx, fx_build_ack, &a, &r);
	fx_expect_guard_verdict(fx, &r, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(CT_REPLACED, 1),
		      D(EVENTS_SENT, 1), FX_D_NO_LISTENER(fx));
	assert_int_equal(r.meta_len, fx->hook == FX_HOOK_XDP ?
					     sizeof(struct synfin_meta) : 0);
	assert_int_equal(fx_ct_lookup(fx, &a.ack, &e), 0);
	assert_int_equal(e.origin, SF_CT_COOKIE);
	assert_int_equal(e.state, SF_TCP_ESTABLISHED);
	assert_int_equal(e.mss, 1460);
}

/* The same ACK again before the kernel has answered (a retransmission,
 * or the first copy lost between XDP and TC): handed over again, and the
 * table entry stays as the first made it.
 */
static void test_valid_retransmitted(void **state)
{
	struct fx *fx = *state;
	const struct fx_ack a = FX_ACK4();
	static struct fx_run r;
	struct synfin_ct_entry before, after;
	struct synfin_meta m;

	fx_expect_cookie_valid(fx, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7, .flags = SACK_WS });
	assert_int_equal(fx_ct_lookup(fx, &a.ack, &before), 0);
	fx_xdp(fx, fx_build_ack, &a, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_AGAIN, 1));
	assert_int_equal(r.meta_len, sizeof(m));
	memcpy(&m, r.out, sizeof(m));
	assert_int_equal(m.magic, FX_META_MAGIC);
	/* Marked as handed over again: TC counts no second connection. */
	assert_int_equal(m.flags, SACK_WS | SYNFIN_META_AGAIN);
	assert_int_equal(fx_ct_lookup(fx, &a.ack, &after), 0);
	/* The state machine saw one more packet; nothing else changed. */
	before.side[SF_SIDE_REMOTE].packets++;
	before.last_ns = after.last_ns;
	assert_memory_equal(&before, &after, sizeof(before));
}

/* Segments of no connection that carry no cookie to check. */
#define NO_CONN(name, pkt) \
	{ name, .frame.spec = pkt, .verdict = FX_XDP_DROP, \
	  .deltas = { D(DROP_NO_CONN, 1) } }
/* A RST of no connection has its own counter. */
#define RST_NO_CONN(name, pkt) \
	{ name, .frame.spec = pkt, .verdict = FX_XDP_DROP, \
	  .deltas = { D(CT_RST_UNKNOWN, 1) } }

static const struct fx_verdict_case no_conn[] = {
	NO_CONN("fin", PKT_SPEC4(.flags = PKT_TCP_FIN, .ack = 12345)),
	NO_CONN("ipv6 fin ack syn",
		PKT_SPEC6(.flags = PKT_TCP_FIN | PKT_TCP_ACK | PKT_TCP_SYN,
			  .ack = 12345)),
	NO_CONN("syn-ack", PKT_SPEC4(.flags = PKT_TCP_SYN | PKT_TCP_ACK,
				     .ack = 12345)),
	NO_CONN("ipv6 no flags", PKT_SPEC6(.flags = 0, .ack = 12345)),
	NO_CONN("psh", PKT_SPEC4(.flags = PKT_TCP_PSH, .ack = 12345)),
	NO_CONN("ipv6 urg", PKT_SPEC6(.flags = PKT_TCP_URG, .ack = 12345)),
	NO_CONN("ece cwr", PKT_SPEC4(.flags = PKT_TCP_ECE | PKT_TCP_CWR,
				     .ack = 12345)),
	RST_NO_CONN("rst", PKT_SPEC4(.flags = PKT_TCP_RST, .ack = 12345)),
	RST_NO_CONN("ipv6 rst ack", PKT_SPEC6(.flags = PKT_TCP_RST | PKT_TCP_ACK,
					      .ack = 12345)),
	RST_NO_CONN("rst ack syn",
		    PKT_SPEC4(.flags = PKT_TCP_RST | PKT_TCP_ACK | PKT_TCP_SYN,
			      .ack = 12345)),
	RST_NO_CONN("ipv6 rst fin", PKT_SPEC6(.flags = PKT_TCP_RST | PKT_TCP_FIN,
					      .ack = 12345)),
};

int main(void)
{
	const struct fx_table tables[] = {
		FX_TABLE("valid", valid, run_valid),
		FX_TABLE("dropped", dropped, run_dropped),
		FX_TABLE("replaces", replaced, run_replaced),
		FX_TABLE("no connection", no_conn, fx_run_verdict_case),
		FX_TABLE_TC("valid", valid, run_valid),
		FX_TABLE_TC("dropped", dropped, run_dropped),
		FX_TABLE_TC("replaces", replaced, run_replaced),
		FX_TABLE_TC("no connection", no_conn, fx_run_verdict_case),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_retransmitted),
	};

	return fx_run_group("cookie_ack", tables, FX_ARRAY_SIZE(tables),
			    tests, FX_ARRAY_SIZE(tests), fx_setup,
			    fx_teardown);
}
