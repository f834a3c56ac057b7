// SPDX-License-Identifier: GPL-2.0
/* The guard's answer to a SYN: the SYN-ACK it writes for each mix of
 * client options, frame shapes and settings (field by field through
 * pkt_parse, then byte for byte against the frame pktbuild makes of the
 * expected fields, the cookie from refsum's SipHash), the MSS table, and
 * the SYNs it leaves unanswered. Every table runs through both hooks:
 * xdp_synfin (XDP_TX) and TC mode's tc_synfin_guard (the skb rewritten and
 * redirected, TC_ACT_REDIRECT), the same frames, bytes and counters.
 */
#include "fixture.h"
#include "synfin.skel.h"

/* The SYN-ACK to a SYN without options, and to Linux's (SACK, TS, WS). */
#define NO_OPTS { .cookie_ws = 15 }
#define ALL_OPTS(idx, shift) \
	{ .sack = 1, .ts = 1, .ws = 1, .mss_idx = (idx), .cookie_ws = (shift) }
#define ECN_SYN (PKT_TCP_SYN | PKT_TCP_ECE | PKT_TCP_CWR)

struct syn_case {
	const char *name;
	struct fx_settings cfg;
	struct fx_frame frame;
	struct fx_synack_want want;
};

static const uint8_t request[100] = "GET / HTTP/1.1\r\n";

static const struct syn_case answered[] = {
	{ "no options", .frame.spec = PKT_SPEC4(), .want = NO_OPTS },
	{ "linux options", .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 7)),
	  .want = ALL_OPTS(3, 7) },
	{ "mss only", .frame.spec = PKT_SPEC4(PKT_OPTS(PKT_O_MSS(1400))),
	  .want = { .mss_idx = 1, .cookie_ws = 15 } },
	{ "sack only", .frame.spec = PKT_SPEC4(PKT_OPTS(PKT_O_SACK_PERM)),
	  .want = { .sack = 1, .cookie_ws = 15 } },
	{ "ts only",
	  .frame.spec = PKT_SPEC4(PKT_OPTS(PKT_O_TS(FX_CLIENT_TSVAL, 0))),
	  .want = { .ts = 1, .cookie_ws = 15 } },
	{ "ws only", .frame.spec = PKT_SPEC4(PKT_OPTS(PKT_O_WS(3))),
	  .want = { .ws = 1, .cookie_ws = 3 } },
	{ "ws zero", .frame.spec = PKT_SPEC4(PKT_OPTS(PKT_O_WS(0))),
	  .want = { .ws = 1, .cookie_ws = 0 } },
	/* ECN needs timestamps to be remembered: without them, no ECE. */
	{ "ecn without ts",
	  .frame.spec = PKT_SPEC4(.flags = ECN_SYN,
				  PKT_OPTS(PKT_O_MSS(1460), PKT_O_SACK_PERM)),
	  .want = { .sack = 1, .mss_idx = 3, .cookie_ws = 15 } },
	{ "ecn with ts",
	  .frame.spec = PKT_SPEC4(.flags = ECN_SYN, FX_SYN_OPTS(1460, 7)),
	  .want = { .sack = 1, .ts = 1, .ws = 1, .ecn = 1, .mss_idx = 3,
		    .cookie_ws = 7 } },
	/* ECE alone is not an ECN setup SYN (RFC 3168 wants ECE and CWR). */
	{ "ece only is not ecn",
	  .frame.spec = PKT_SPEC4(.flags = PKT_TCP_SYN | PKT_TCP_ECE,
				  FX_SYN_OPTS(1460, 7)),
	  .want = ALL_OPTS(3, 7) },
	{ "ip options",		/* router alert, NOPs, EOL */
	  .frame.spec = PKT_SPEC4(.ip_opts = { 0x94, 4, 0, 0, 1, 1, 1, 0 },
				  .ip_opts_len = 8, .ttl = 3,
				  FX_SYN_OPTS(1460, 7)),
	  .want = ALL_OPTS(3, 7) },
	{ "ipv6", .frame.spec = PKT_SPEC6(FX_SYN_OPTS(1440, 7)),
	  .want = ALL_OPTS(2, 7) },
	{ "ipv6 no options", .frame.spec = PKT_SPEC6(), .want = NO_OPTS },
	{ "ipv6 ext headers",
	  .frame.spec = PKT_SPEC6(.n_ext = 2,
				  .ext_type = { PKT_EXT_HOPOPTS, PKT_EXT_DSTOPTS },
				  .ext_len = { 8, 16 }, FX_SYN_OPTS(9000, 7)),
	  .want = ALL_OPTS(3, 7) },
	{ "ipv6 routing header",
	  .frame.spec = PKT_SPEC6(.n_ext = 1, .ext_type = { PKT_EXT_ROUTING },
				  .ext_len = { 24 }, PKT_OPTS(PKT_O_MSS(1420))),
	  .want = { .mss_idx = 1, .cookie_ws = 15 } },
	/* Data on a SYN is not acknowledged (no TFO): ack is seq + 1, and
	 * the SYN-ACK carries none of it.
	 */
	{ "with payload",
	  .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 7), .payload = request,
				  .payload_len = sizeof(request)),
	  .want = ALL_OPTS(3, 7) },
	/* Ethernet padding after the IP datagram is cut off too. */
	{ "padded frame",
	  .frame = { .spec = PKT_SPEC4(PKT_OPTS(PKT_O_MSS(536))), .pad = 20 },
	  .want = { .mss_idx = 0, .cookie_ws = 15 } },
	/* Unknown options are skipped; nothing after EOL is read. */
	{ "unknown option and eol",
	  .frame.spec = PKT_SPEC4(PKT_OPTS(30, 4, 0xaa, 0xbb, /* MPTCP-like */
					   PKT_O_MSS(1460),
					   PKT_TCPOPT_EOL, PKT_O_SACK_PERM,
					   PKT_O_NOP)),
	  .want = { .mss_idx = 3, .cookie_ws = 15 } },
	{ "top of port range", .frame.spec = PKT_SPEC4(.dport = 8100),
	  .want = NO_OPTS },
	/* DF alone is not a fragment. */
	{ "df only", .frame.spec = PKT_SPEC4(.ip_frag_off = 0x4000),
	  .want = NO_OPTS },
	/* The cookie covers the tuple and the ISN: change any, and it
	 * changes.
	 */
	{ "isn wraps the ack", .frame.spec = PKT_SPEC4(.seq = 0xffffffff),
	  .want = NO_OPTS },
	{ "other tuple",
	  .frame.spec = PKT_SPEC4(.sport = 1, .dport = 443, .saddr[3] = 77),
	  .want = NO_OPTS },
	/* RFC 7323: a shift above 14 is taken as 14. */
	{ "wscale 14", .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 14)),
	  .want = ALL_OPTS(3, 14) },
	{ "wscale 15 clamped", .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 15)),
	  .want = ALL_OPTS(3, 14) },
	{ "wscale 200 clamped", .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 200)),
	  .want = ALL_OPTS(3, 14) },
	{ "wscale 255 clamped", .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 255)),
	  .want = ALL_OPTS(3, 14) },

	/* Settings */
	{ "settings: every option off", .cfg.flags_off = FX_CFG_ALL,
	  .frame.spec = PKT_SPEC4(.flags = ECN_SYN, FX_SYN_OPTS(1460, 7)),
	  .want = { .mss_idx = 3, .cookie_ws = 15 } },
	{ "settings: ecn off", .cfg.flags_off = SYNFIN_CFG_ECN,
	  .frame.spec = PKT_SPEC4(.flags = ECN_SYN, FX_SYN_OPTS(1460, 7)),
	  .want = ALL_OPTS(3, 7) },
	/* Without timestamps ECN can't be remembered, even when allowed. */
	{ "settings: ts off", .cfg.flags_off = SYNFIN_CFG_TS,
	  .frame.spec = PKT_SPEC4(.flags = ECN_SYN, FX_SYN_OPTS(1460, 7)),
	  .want = { .sack = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 } },
	{ "settings: sack off", .cfg.flags_off = SYNFIN_CFG_SACK,
	  .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 7)),
	  .want = { .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 } },
	{ "settings: wscale off", .cfg.flags_off = SYNFIN_CFG_WSCALE,
	  .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 7)),
	  .want = { .sack = 1, .ts = 1, .mss_idx = 3, .cookie_ws = 15 } },
	/* Other settings values reach the SYN-ACK as written. */
	{ "settings: values",
	  .cfg = { .mss4 = 536, .window = 1024, .wscale = 14 },
	  .frame.spec = PKT_SPEC4(FX_SYN_OPTS(1460, 2)),
	  .want = ALL_OPTS(3, 2) },
	/* A port is protected when the map says so. */
	{ "settings: port 443 alone", .cfg.ports = "443",
	  .frame.spec = PKT_SPEC4(.dport = 443), .want = NO_OPTS },
};

/* VLAN tags in the frame. The stack takes the outer one out of the frame
 * before TC, and the hand-off can't take an ACK with a tag still in it: XDP
 * answers one tag, and leaves two (QinQ) to the kernel's own cookies; TC
 * mode, seeing a tag in the frame, sees a second one.
 */
#define VLAN_SPEC PKT_SPEC4(.nvlan = 1, .vlan_tci = { 0x2064 }, FX_SYN_OPTS(1460, 7))
#define QINQ_SPEC PKT_SPEC6(.nvlan = 2, .vlan_tpid = { 0x88a8, 0x8100 },	\
			    .vlan_tci = { 0x0123, 0xa456 }, FX_SYN_OPTS(1460, 7))
#define TAGS_PASSED(name, pkt)						\
	{ name, .frame.spec = pkt, .verdict = FX_XDP_PASS,		\
	  .deltas = { D(SYN_SEEN, 0), D(SYN_TAGS_PASSED, 1) } }

static const struct syn_case tagged_xdp[] = {
	{ "vlan", .frame.spec = VLAN_SPEC, .want = ALL_OPTS(3, 7) },	/* PCP 1, VID 100 */
};
static const struct fx_verdict_case tags_passed_xdp[] = {
	TAGS_PASSED("qinq", QINQ_SPEC),
};
static const struct fx_verdict_case tags_passed_tc[] = {
	TAGS_PASSED("vlan", VLAN_SPEC),
	TAGS_PASSED("qinq", QINQ_SPEC),
};

static void run_answered(struct fx *fx, const void *row)
{
	const struct syn_case *c = row;

	fx_settings_apply(fx, &c->cfg);
	fx_expect_synack(fx, &c->frame, &c->want);
}

/* The client's MSS rounds down to the family's table. */
struct mss_case {
	const char *name;
	int ipv6;
	uint16_t mss;
	uint32_t idx;
};

#define MSS4(mss, idx) { "ipv4 " #mss, 0, (mss), (idx) }
#define MSS6(mss, idx) { "ipv6 " #mss, 1, (mss), (idx) }

static const struct mss_case mss_table[] = {
	MSS4(1, 0),	MSS4(535, 0),	MSS4(536, 0),	MSS4(1299, 0),
	MSS4(1300, 1),	MSS4(1439, 1),	MSS4(1440, 2),	MSS4(1459, 2),
	MSS4(1460, 3),	MSS4(9000, 3),	MSS4(65535, 3),
	MSS6(1, 0),	MSS6(1220, 0),	MSS6(1419, 0),	MSS6(1420, 1),
	MSS6(1439, 1),	MSS6(1440, 2),	MSS6(8939, 2),	MSS6(8940, 3),
	MSS6(65535, 3),
};

static void run_mss(struct fx *fx, const void *row)
{
	const struct mss_case *c = row;
	struct fx_frame f = {};

	/* The table here must agree with the fixture's copy. */
	assert_int_equal(fx_ref_mss_idx(c->ipv6, c->mss), c->idx);
	pkt_spec_default(&f.spec, c->ipv6);
	pkt_opt_mss(&f.spec, c->mss);
	fx_expect_synack(fx, &f, &(struct fx_synack_want){
		.mss_idx = c->idx, .cookie_ws = 15 });
}

#define UNPROTECTED(name, pkt)						\
	{ name, .frame.spec = pkt, .verdict = FX_XDP_PASS,		\
	  .deltas = { D(SYN_UNPROTECTED, 1) } }
#define OTHER_SEGMENT(name, fl)						\
	{ name, .frame.spec = PKT_SPEC4(.dport = 8101, .flags = (fl)),	\
	  .verdict = FX_XDP_PASS }
#define BAD_FLAGS(name, pkt)						\
	{ name, .frame.spec = pkt, .verdict = FX_XDP_DROP,		\
	  .deltas = { D(DROP_BAD_FLAGS, 1) } }

static const struct fx_verdict_case unanswered[] = {
	UNPROTECTED("port 22", PKT_SPEC4(.dport = 22, FX_SYN_OPTS(1460, 7))),
	UNPROTECTED("ipv6 port 79", PKT_SPEC6(.dport = 79, FX_SYN_OPTS(1460, 7))),
	UNPROTECTED("port 81", PKT_SPEC4(.dport = 81, FX_SYN_OPTS(1460, 7))),
	UNPROTECTED("ipv6 port 7999",
		    PKT_SPEC6(.dport = 7999, FX_SYN_OPTS(1460, 7))),
	UNPROTECTED("port 8101", PKT_SPEC4(.dport = 8101, FX_SYN_OPTS(1460, 7))),
	UNPROTECTED("ipv6 port 65535",
		    PKT_SPEC6(.dport = 65535, FX_SYN_OPTS(1460, 7))),
	/* A port leaves protection when the map says so. */
	{ "port 80 with 443 alone protected", .cfg.ports = "443",
	  .frame.spec = PKT_SPEC4(), .verdict = FX_XDP_PASS,
	  .deltas = { D(SYN_UNPROTECTED, 1) } },
	OTHER_SEGMENT("ack to an unprotected port", PKT_TCP_ACK),
	OTHER_SEGMENT("rst to an unprotected port", PKT_TCP_RST),
	OTHER_SEGMENT("syn-ack to an unprotected port",
		      PKT_TCP_SYN | PKT_TCP_ACK),
	OTHER_SEGMENT("no flags to an unprotected port", 0),
	BAD_FLAGS("syn fin", PKT_SPEC4(.flags = PKT_TCP_SYN | PKT_TCP_FIN,
				       FX_SYN_OPTS(1460, 7))),
	BAD_FLAGS("ipv6 syn rst", PKT_SPEC6(.flags = PKT_TCP_SYN | PKT_TCP_RST,
					    FX_SYN_OPTS(1460, 7))),
	BAD_FLAGS("syn fin rst psh",
		  PKT_SPEC4(.flags = PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST |
				     PKT_TCP_PSH,
			    FX_SYN_OPTS(1460, 7))),
};

/* The options FX_SYN_OPTS writes are pkt_opts_linux_syn's. */
static void test_syn_opts_macro(void **state)
{
	const struct pkt_spec m = PKT_SPEC4(FX_SYN_OPTS(1460, 7));
	struct pkt_spec s;

	(void)state;
	pkt_spec_default(&s, 0);
	assert_int_equal(pkt_opts_linux_syn(&s, 1460, FX_CLIENT_TSVAL, 7), 0);
	assert_int_equal(m.tcp_opts_len, s.tcp_opts_len);
	assert_memory_equal(m.tcp_opts, s.tcp_opts, s.tcp_opts_len);
}

int main(void)
{
	const struct fx_table tables[] = {
		FX_TABLE("synack", answered, run_answered),
		FX_TABLE("tagged", tagged_xdp, run_answered),
		FX_TABLE("mss", mss_table, run_mss),
		FX_TABLE("unanswered", unanswered, fx_run_verdict_case),
		FX_TABLE("tags passed", tags_passed_xdp, fx_run_verdict_case),
		FX_TABLE_TC("synack", answered, run_answered),
		FX_TABLE_TC("mss", mss_table, run_mss),
		FX_TABLE_TC("unanswered", unanswered, fx_run_verdict_case),
		FX_TABLE_TC("tags passed", tags_passed_tc, fx_run_verdict_case),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syn_opts_macro),
	};

	return fx_run_group("syn", tables, FX_ARRAY_SIZE(tables), tests,
			    FX_ARRAY_SIZE(tests), fx_setup, fx_teardown);
}
