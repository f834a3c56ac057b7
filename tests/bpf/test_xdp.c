// SPDX-License-Identifier: GPL-2.0
/* xdp_synfin through BPF_PROG_TEST_RUN. Each test is a fixture: the input
 * frame (pktbuild), the verdict, the output frame (field by field through
 * pkt_parse, then byte for byte against a frame pktbuild makes from the
 * expected fields) and the exact change of every counter. Cookies are
 * computed with refsum's SipHash under the secrets the fixture writes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define ETH_HLEN 14
#define IP4_OFF ETH_HLEN
#define TCP4_OFF (ETH_HLEN + 20)
#define IP6_OFF ETH_HLEN

#define OPT_NOP 1
#define OPT_MSS 2
#define OPT_WS 3
#define OPT_SACK_PERM 4
#define OPT_TS 8

#define CLIENT_TSVAL 0x11223344u
#define CLIENT_ISN 0x7a6b5c4du

/* ---- builders ---- */

static size_t build_spec(const struct fx *fx, uint64_t c, uint8_t *buf,
			 size_t cap, const void *arg)
{
	(void)fx;
	(void)c;
	return fx_build_spec(arg, buf, cap);
}

/* A frame from a spec, then edited by hand: what pktbuild won't make. */
struct mangled {
	struct pkt_spec spec;
	void (*mangle)(uint8_t *buf, size_t *len);
};

static size_t build_mangled(const struct fx *fx, uint64_t c, uint8_t *buf,
			    size_t cap, const void *arg)
{
	const struct mangled *m = arg;
	size_t len = fx_build_spec(&m->spec, buf, cap);

	(void)fx;
	(void)c;
	m->mangle(buf, &len);
	return len;
}

/* The client's ACK answering a SYN-ACK whose cookie the test computes. */
struct ack_case {
	struct pkt_spec ack;		/* tuple, flags, payload of the ACK */
	struct pkt_spec syn;		/* tuple the cookie was made for */
	uint32_t isn;			/* the SYN's sequence number */
	uint64_t age;			/* cookie made in counter c - age */
	struct fx_cookie_opts o;
	int32_t seq_off;		/* ACK's seq is isn + 1 + seq_off */
	uint32_t cookie_xor;		/* forge: flip these cookie bits */
	int forged;			/* use forged_seq as the cookie */
	uint32_t forged_seq;
	int ts;				/* ACK carries TS: tsval, our TSval */
	uint32_t ts_val;
	uint32_t tsecr_xor;
	int bad_mss_opt;		/* add an MSS option of length 3 */
	struct fx_cookie *made;		/* out: the cookie the ACK returns */
};

static size_t build_ack(const struct fx *fx, uint64_t c, uint8_t *buf,
			size_t cap, const void *arg)
{
	const struct ack_case *a = arg;
	struct pkt_spec s = a->ack;
	struct fx_cookie ck = fx_ref_cookie(fx, &a->syn, a->isn, c - a->age,
					    &a->o);

	if (a->forged)
		ck.seq = a->forged_seq;
	ck.seq ^= a->cookie_xor;
	s.seq = a->isn + 1 + (uint32_t)a->seq_off;
	s.ack = ck.seq + 1;
	if (a->ts) {
		assert_int_equal(pkt_opt_nop(&s), 0);
		assert_int_equal(pkt_opt_nop(&s), 0);
		assert_int_equal(pkt_opt_ts(&s, a->ts_val,
					    ck.tsval ^ a->tsecr_xor), 0);
	}
	if (a->bad_mss_opt) {
		static const uint8_t bad[4] = { OPT_MSS, 3, 5, OPT_NOP };

		memcpy(s.tcp_opts + s.tcp_opts_len, bad, sizeof(bad));
		s.tcp_opts_len += sizeof(bad);
	}
	if (a->made)
		*a->made = ck;
	return fx_build_spec(&s, buf, cap);
}

static void ack_case_init(struct ack_case *a, int ipv6)
{
	memset(a, 0, sizeof(*a));
	pkt_spec_default(&a->syn, ipv6);
	a->syn.seq = CLIENT_ISN;
	a->ack = a->syn;
	a->ack.flags = PKT_TCP_ACK;
	a->isn = CLIENT_ISN;
	a->o.mss_idx = 3;
	a->o.sack = 1;
	a->o.ws = 7;
}

static void fix_ip4_csum(uint8_t *buf, size_t l3off)
{
	uint8_t *ip = buf + l3off;
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = ref_csum16(ip, (size_t)(ip[0] & 0xf) * 4);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* ---- SYN -> SYN-ACK ---- */

/* What the SYN-ACK must offer, and what its cookie must remember. */
struct synack_want {
	int sack, ts, ws, ecn;
	uint32_t mss_idx;	/* cookie bits 7..6 */
	uint32_t cookie_ws;	/* cookie bits 3..0 */
};

/* The SYN-ACK frame the spec asks for, built by pktbuild. */
static size_t expected_synack(const struct fx *fx, const struct pkt_spec *syn,
			      const struct synack_want *w,
			      const struct fx_cookie *ck, uint32_t ts_echo,
			      uint8_t *buf, size_t cap)
{
	struct pkt_spec e;
	size_t alen = syn->ipv6 ? 16 : 4;
	int i;

	memset(&e, 0, sizeof(e));
	e.ipv6 = syn->ipv6;
	memcpy(e.src_mac, syn->dst_mac, 6);
	memcpy(e.dst_mac, syn->src_mac, 6);
	e.nvlan = syn->nvlan;
	for (i = 0; i < 2; i++) {
		e.vlan_tpid[i] = syn->vlan_tpid[i];
		e.vlan_tci[i] = syn->vlan_tci[i];
	}
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

/* Sends the frame build() makes of syn, expects XDP_TX and the SYN-ACK
 * described by w.
 */
static void expect_synack_built(struct fx *fx, fx_build_fn build,
				const void *arg, const struct pkt_spec *syn,
				const struct synack_want *w)
{
	static struct fx_run r;
	struct fx_cookie_opts co = {
		.mss_idx = w->mss_idx, .sack = w->sack, .ws = w->cookie_ws,
		.ecn = w->ecn,
	};
	struct pkt_view in, v;
	uint8_t kinds[16], want_frame[FX_BUF];
	size_t alen = syn->ipv6 ? 16 : 4, l2, nk = 0, want_len;
	struct fx_cookie ck;
	const char *err = NULL;
	int i;

	fx_xdp(fx, build, arg, &r);
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
	l2 = ETH_HLEN + 4 * (size_t)syn->nvlan;

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
	kinds[nk++] = OPT_MSS;
	if (w->ts) {
		if (w->sack) {
			kinds[nk++] = OPT_SACK_PERM;
		} else {
			kinds[nk++] = OPT_NOP;
			kinds[nk++] = OPT_NOP;
		}
		kinds[nk++] = OPT_TS;
	} else if (w->sack) {
		kinds[nk++] = OPT_NOP;
		kinds[nk++] = OPT_NOP;
		kinds[nk++] = OPT_SACK_PERM;
	}
	if (w->ws) {
		kinds[nk++] = OPT_NOP;
		kinds[nk++] = OPT_WS;
	}
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

static void expect_synack(struct fx *fx, const struct pkt_spec *syn,
			  const struct synack_want *w)
{
	expect_synack_built(fx, build_spec, syn, syn, w);
}

static void test_syn_no_options(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	expect_synack(*state, &s, &(struct synack_want){ .cookie_ws = 15 });
}

static void test_syn_linux_options(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

static void test_syn_mss_only(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	pkt_opt_mss(&s, 1400);
	expect_synack(*state, &s, &(struct synack_want){
		.mss_idx = 1, .cookie_ws = 15 });
}

static void test_syn_sack_only(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	pkt_opt_sack_perm(&s);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .cookie_ws = 15 });
}

static void test_syn_ts_only(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	pkt_opt_ts(&s, CLIENT_TSVAL, 0);
	expect_synack(*state, &s, &(struct synack_want){
		.ts = 1, .cookie_ws = 15 });
}

static void test_syn_ws_only(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	pkt_opt_wscale(&s, 3);
	expect_synack(*state, &s, &(struct synack_want){
		.ws = 1, .cookie_ws = 3 });
}

static void test_syn_ws_zero(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	pkt_opt_wscale(&s, 0);
	expect_synack(*state, &s, &(struct synack_want){
		.ws = 1, .cookie_ws = 0 });
}

/* ECN needs timestamps to be remembered: without them, no ECE. */
static void test_syn_ecn_without_ts(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	s.flags |= PKT_TCP_ECE | PKT_TCP_CWR;
	pkt_opt_mss(&s, 1460);
	pkt_opt_sack_perm(&s);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .mss_idx = 3, .cookie_ws = 15 });
}

static void test_syn_ecn_with_ts(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	s.flags |= PKT_TCP_ECE | PKT_TCP_CWR;
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .ecn = 1, .mss_idx = 3,
		.cookie_ws = 7 });
}

/* ECE alone is not an ECN setup SYN (RFC 3168 wants ECE and CWR). */
static void test_syn_ece_only_is_not_ecn(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	s.flags |= PKT_TCP_ECE;
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

static void test_syn_ip_options(void **state)
{
	static const uint8_t ra[8] = { 0x94, 4, 0, 0, 1, 1, 1, 0 };
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	memcpy(s.ip_opts, ra, sizeof(ra));	/* router alert, NOPs, EOL */
	s.ip_opts_len = sizeof(ra);
	s.ttl = 3;
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

static void test_syn_ipv6(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 1);
	pkt_opts_linux_syn(&s, 1440, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 2, .cookie_ws = 7 });
}

static void test_syn_ipv6_no_options(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 1);
	expect_synack(*state, &s, &(struct synack_want){ .cookie_ws = 15 });
}

static void test_syn_ipv6_ext_headers(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 1);
	s.n_ext = 2;
	s.ext_type[0] = PKT_EXT_HOPOPTS;
	s.ext_len[0] = 8;
	s.ext_type[1] = PKT_EXT_DSTOPTS;
	s.ext_len[1] = 16;
	pkt_opts_linux_syn(&s, 9000, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

static void test_syn_ipv6_routing_header(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 1);
	s.n_ext = 1;
	s.ext_type[0] = PKT_EXT_ROUTING;
	s.ext_len[0] = 24;
	pkt_opt_mss(&s, 1420);
	expect_synack(*state, &s, &(struct synack_want){
		.mss_idx = 1, .cookie_ws = 15 });
}

static void test_syn_vlan(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	s.nvlan = 1;
	s.vlan_tci[0] = 0x2064;		/* PCP 1, VID 100 */
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

static void test_syn_qinq(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 1);
	s.nvlan = 2;
	s.vlan_tpid[0] = 0x88a8;
	s.vlan_tci[0] = 0x0123;
	s.vlan_tpid[1] = 0x8100;
	s.vlan_tci[1] = 0xa456;
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 2, .cookie_ws = 7 });
}

/* Data on a SYN is not acknowledged (no TFO): ack is seq + 1, and the
 * SYN-ACK carries none of it.
 */
static void test_syn_with_payload(void **state)
{
	static const uint8_t data[100] = "GET / HTTP/1.1\r\n";
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	s.payload = data;
	s.payload_len = sizeof(data);
	expect_synack(*state, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

/* Ethernet padding after the IP datagram is cut off too. */
static void pad_20(uint8_t *b, size_t *len)
{
	memset(b + *len, 0, 20);
	*len += 20;
}

static void test_syn_padded_frame(void **state)
{
	struct mangled m;

	pkt_spec_default(&m.spec, 0);
	pkt_opt_mss(&m.spec, 536);
	m.mangle = pad_20;
	expect_synack_built(*state, build_mangled, &m, &m.spec,
			    &(struct synack_want){ .mss_idx = 0,
						   .cookie_ws = 15 });
}

/* Unknown options are skipped; nothing after EOL is read. */
static void test_syn_unknown_option_and_eol(void **state)
{
	static const uint8_t opts[12] = {
		30, 4, 0xaa, 0xbb,		/* MPTCP-like, unknown here */
		OPT_MSS, 4, 0x05, 0xb4,		/* 1460 */
		0, OPT_SACK_PERM, 2, OPT_NOP,	/* EOL, then ignored bytes */
	};
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	memcpy(s.tcp_opts, opts, sizeof(opts));
	s.tcp_opts_len = sizeof(opts);
	expect_synack(*state, &s, &(struct synack_want){
		.mss_idx = 3, .cookie_ws = 15 });
}

static void test_syn_top_of_port_range(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	s.dport = 8100;
	expect_synack(*state, &s, &(struct synack_want){ .cookie_ws = 15 });
}

/* ---- settings ---- */

static void test_cfg_flags_off(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	fx->cfg.flags = 0;
	fx_set_cfg(fx);
	pkt_spec_default(&s, 0);
	s.flags |= PKT_TCP_ECE | PKT_TCP_CWR;
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(fx, &s, &(struct synack_want){
		.mss_idx = 3, .cookie_ws = 15 });
}

static void test_cfg_ecn_off(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	fx->cfg.flags = FX_CFG_ALL & ~SYNFIN_CFG_ECN;
	fx_set_cfg(fx);
	pkt_spec_default(&s, 0);
	s.flags |= PKT_TCP_ECE | PKT_TCP_CWR;
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(fx, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

/* Without timestamps ECN can't be remembered, even when it's allowed. */
static void test_cfg_ts_off(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	fx->cfg.flags = FX_CFG_ALL & ~SYNFIN_CFG_TS;
	fx_set_cfg(fx);
	pkt_spec_default(&s, 0);
	s.flags |= PKT_TCP_ECE | PKT_TCP_CWR;
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(fx, &s, &(struct synack_want){
		.sack = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

static void test_cfg_sack_off(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	fx->cfg.flags = FX_CFG_ALL & ~SYNFIN_CFG_SACK;
	fx_set_cfg(fx);
	pkt_spec_default(&s, 0);
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(fx, &s, &(struct synack_want){
		.ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 7 });
}

static void test_cfg_wscale_off(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	fx->cfg.flags = FX_CFG_ALL & ~SYNFIN_CFG_WSCALE;
	fx_set_cfg(fx);
	pkt_spec_default(&s, 0);
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	expect_synack(fx, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .mss_idx = 3, .cookie_ws = 15 });
}

/* Other settings values reach the SYN-ACK as written. */
static void test_cfg_values(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	fx->cfg.mss4 = 536;
	fx->cfg.window = 1024;
	fx->cfg.wscale = 14;
	fx_set_cfg(fx);
	pkt_spec_default(&s, 0);
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 2);
	expect_synack(fx, &s, &(struct synack_want){
		.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3, .cookie_ws = 2 });
}

/* RFC 7323: a shift above 14 is taken as 14. */
static void test_syn_wscale_clamped(void **state)
{
	static const uint8_t shifts[] = { 14, 15, 200, 255 };
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(shifts); i++) {
		pkt_spec_default(&s, 0);
		pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, shifts[i]);
		expect_synack(*state, &s, &(struct synack_want){
			.sack = 1, .ts = 1, .ws = 1, .mss_idx = 3,
			.cookie_ws = 14 });
	}
}

/* The client's MSS rounds down to the family's table. */
static void test_syn_mss_table(void **state)
{
	static const struct {
		int ipv6;
		uint16_t mss;
		uint32_t idx;
	} t[] = {
		{ 0, 1, 0 },	{ 0, 535, 0 },	{ 0, 536, 0 },
		{ 0, 1299, 0 },	{ 0, 1300, 1 },	{ 0, 1439, 1 },
		{ 0, 1440, 2 },	{ 0, 1459, 2 },	{ 0, 1460, 3 },
		{ 0, 9000, 3 },	{ 0, 65535, 3 },
		{ 1, 1, 0 },	{ 1, 1220, 0 },	{ 1, 1419, 0 },
		{ 1, 1420, 1 },	{ 1, 1439, 1 },	{ 1, 1440, 2 },
		{ 1, 8939, 2 },	{ 1, 8940, 3 },	{ 1, 65535, 3 },
	};
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* The table here must agree with the fixture's copy. */
		assert_int_equal(fx_ref_mss_idx(t[i].ipv6, t[i].mss), t[i].idx);
		pkt_spec_default(&s, t[i].ipv6);
		pkt_opt_mss(&s, t[i].mss);
		expect_synack(*state, &s, &(struct synack_want){
			.mss_idx = t[i].idx, .cookie_ws = 15 });
	}
}

/* The cookie covers the tuple and the ISN: change any, and it changes. */
static void test_syn_cookie_depends_on_tuple(void **state)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	s.seq = 0xffffffff;		/* ack wraps to 0 */
	expect_synack(*state, &s, &(struct synack_want){ .cookie_ws = 15 });
	pkt_spec_default(&s, 0);
	s.sport = 1;
	s.dport = 443;
	s.saddr[3] = 77;
	expect_synack(*state, &s, &(struct synack_want){ .cookie_ws = 15 });
}

/* ---- unprotected ports ---- */

static void expect_passed_unchanged(struct fx *fx, const struct pkt_spec *s,
				    int syn_unprotected)
{
	static struct fx_run r;

	fx_xdp(fx, build_spec, s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	fx_expect_unchanged(&r);
	EXPECT_DELTAS(&r, D(SYN_UNPROTECTED, syn_unprotected));
}

static void test_unprotected_syn(void **state)
{
	static const uint16_t ports[] = { 22, 79, 81, 7999, 8101, 65535 };
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		pkt_spec_default(&s, i & 1);
		s.dport = ports[i];
		pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
		expect_passed_unchanged(*state, &s, 1);
	}
}

static void test_unprotected_other_segments(void **state)
{
	static const uint8_t flags[] = { PKT_TCP_ACK, PKT_TCP_RST,
					 PKT_TCP_SYN | PKT_TCP_ACK, 0 };
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(flags); i++) {
		pkt_spec_default(&s, 0);
		s.dport = 8101;
		s.flags = flags[i];
		expect_passed_unchanged(*state, &s, 0);
	}
}

/* A port leaves protection when the map says so. */
static void test_ports_map_update(void **state)
{
	struct fx *fx = *state;
	struct synfin_ports p;
	char err[128];
	struct pkt_spec s;

	assert_int_equal(ports_parse("443", &p, err, sizeof(err)), 0);
	assert_int_equal(synfin_set_ports(fx->skel, &p), 0);
	pkt_spec_default(&s, 0);
	expect_passed_unchanged(fx, &s, 1);
	s.dport = 443;
	expect_synack(fx, &s, &(struct synack_want){ .cookie_ws = 15 });
}

/* ---- cookie ACKs ---- */

/* The table entry a valid cookie ACK leaves: both ends ESTABLISHED, the
 * cookie's options, each side's next sequence number.
 */
static void expect_ct_cookie_entry(const struct fx *fx,
				   const struct ack_case *a,
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
	assert_int_equal(rs->next_seq, a->isn + 1 + (uint32_t)a->seq_off +
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

/* A valid cookie ACK: passed with the metadata want, the frame as it came,
 * and a new table entry.
 */
static void expect_cookie_valid(struct fx *fx, struct ack_case *a,
				const struct synfin_meta *want)
{
	static struct fx_run r;
	struct synfin_meta m;
	struct fx_cookie ck;

	a->made = &ck;
	fx_xdp(fx, build_ack, a, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(CT_NEW_COOKIE, 1), D(EVENTS_SENT, 1));
	assert_int_equal(r.meta_len, sizeof(m));
	memcpy(&m, r.out, sizeof(m));
	assert_int_equal(m.magic, FX_META_MAGIC);
	assert_int_equal(m.mss, want->mss);
	assert_int_equal(m.snd_wscale, want->snd_wscale);
	assert_int_equal(m.flags, want->flags);
	if (want->flags & SYNFIN_META_TS) {
		/* The client's TSval, and our SYN-ACK's TSval echoed. */
		assert_int_equal(m.tsval, a->ts_val);
		assert_int_equal(m.tsecr, ck.tsval ^ a->tsecr_xor);
	} else {
		assert_int_equal(m.tsval, 0);
		assert_int_equal(m.tsecr, 0);
	}
	/* The frame itself goes on untouched. */
	assert_int_equal(r.pkt_len, r.in_len);
	assert_memory_equal(r.pkt, r.in, r.in_len);
	expect_ct_cookie_entry(fx, a, &ck, &m);
	a->made = NULL;
}

static void expect_cookie_invalid(struct fx *fx, struct ack_case *a)
{
	static struct fx_run r;

	fx_xdp(fx, build_ack, a, &r);
	assert_int_equal(r.retval, FX_XDP_DROP);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_INVALID, 1));
	assert_int_equal(r.meta_len, 0);
	assert_int_equal(fx_ct_count(fx), 0);
}

static void test_ack_valid_current(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
}

static void test_ack_valid_previous(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.age = 1;
	a.o.mss_idx = 1;
	a.o.sack = 0;
	a.o.ws = 14;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 1300, .snd_wscale = 14, .flags = SYNFIN_META_WSCALE });
}

static void test_ack_valid_no_wscale(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.o.mss_idx = 0;
	a.o.ws = 15;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 536, .snd_wscale = 0, .flags = SYNFIN_META_SACK });
}

static void test_ack_valid_ts(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.o.mss_idx = 2;
	a.ts = 1;
	a.ts_val = 0xcafe0001;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 1440, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE |
			 SYNFIN_META_TS });
}

/* ECN comes back in bit 0 of the TSecr, from the previous period too. */
static void test_ack_valid_ts_ecn(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.age = 1;
	a.o.ecn = 1;
	a.ts = 1;
	a.ts_val = 77;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE |
			 SYNFIN_META_TS | SYNFIN_META_ECN });
}

/* The TSecr is not part of the cookie: a changed one (other than bit 0)
 * still passes, and bit 0 alone decides ECN.
 */
static void test_ack_valid_ts_ecn_bit_only(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 1);
	a.ts = 1;
	a.ts_val = 1;
	a.tsecr_xor = 0x80000001;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 8940, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE |
			 SYNFIN_META_TS | SYNFIN_META_ECN });
}

/* Timestamps off in the settings: TC must not turn them on. */
static void test_ack_valid_ts_cfg_off(void **state)
{
	struct fx *fx = *state;
	struct ack_case a;

	fx->cfg.flags = FX_CFG_ALL & ~SYNFIN_CFG_TS;
	fx_set_cfg(fx);
	ack_case_init(&a, 0);
	a.ts = 1;
	a.ts_val = 5;
	expect_cookie_valid(fx, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
}

static void test_ack_valid_ipv6(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 1);
	a.o.mss_idx = 3;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 8940, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
}

static void test_ack_valid_ipv6_previous(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 1);
	a.age = 1;
	a.o.mss_idx = 0;
	a.o.sack = 0;
	a.o.ws = 15;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){ .mss = 1220 });
}

/* The first data often rides on the ACK; FIN too. */
static void test_ack_valid_with_data(void **state)
{
	static const uint8_t req[64] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct ack_case a;

	ack_case_init(&a, 0);
	a.ack.flags = PKT_TCP_ACK | PKT_TCP_PSH;
	a.ack.payload = req;
	a.ack.payload_len = sizeof(req);
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
}

static void test_ack_valid_vlan(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.ack.nvlan = 2;
	a.ack.vlan_tpid[0] = 0x88a8;
	a.ack.vlan_tci[0] = 7;
	a.ack.vlan_tci[1] = 8;
	expect_cookie_valid(*state, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
}

/* The same ACK again before the kernel has answered (a retransmission,
 * or the first copy lost between XDP and TC): handed over again, and the
 * table entry stays as the first made it.
 */
static void test_ack_valid_retransmitted(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_entry before, after;
	struct synfin_meta m;
	struct ack_case a;

	ack_case_init(&a, 0);
	expect_cookie_valid(fx, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
	assert_int_equal(fx_ct_lookup(fx, &a.ack, &before), 0);
	fx_xdp(fx, build_ack, &a, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_AGAIN, 1));
	assert_int_equal(r.meta_len, sizeof(m));
	memcpy(&m, r.out, sizeof(m));
	assert_int_equal(m.magic, FX_META_MAGIC);
	/* Marked as handed over again: TC counts no second connection. */
	assert_int_equal(m.flags, SYNFIN_META_SACK | SYNFIN_META_WSCALE |
				  SYNFIN_META_AGAIN);
	assert_int_equal(fx_ct_lookup(fx, &a.ack, &after), 0);
	/* The state machine saw one more packet; nothing else changed. */
	before.side[SF_SIDE_REMOTE].packets++;
	before.last_ns = after.last_ns;
	assert_memory_equal(&before, &after, sizeof(before));
}

/* A tuple whose last connection is over (TIME-WAIT, CLOSED in the table)
 * takes a new one from a valid cookie.
 */
static void test_ack_valid_replaces_closed(void **state)
{
	static const uint8_t states[] = { SF_TCP_TIME_WAIT, SF_TCP_CLOSED };
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct synfin_ct_key k;
	struct ack_case a;
	size_t i;

	for (i = 0; i < sizeof(states); i++) {
		assert_int_equal(fx_ct_clear(fx), 0);
		ack_case_init(&a, 0);
		memset(&e, 0, sizeof(e));
		e.origin = SF_CT_KERNEL;
		e.opener = SF_SIDE_REMOTE;
		e.closer = SF_SIDE_LOCAL;
		e.state = states[i];
		e.side[SF_SIDE_LOCAL].state = states[i];
		e.side[SF_SIDE_REMOTE].state = SF_TCP_CLOSED;
		fx_ct_key(&a.ack, &k);
		fx_ct_put(fx, &k, &e);

		fx_xdp(fx, build_ack, &a, &r);
		assert_int_equal(r.retval, FX_XDP_PASS);
		EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(CT_REPLACED, 1),
			      D(EVENTS_SENT, 1));
		assert_int_equal(r.meta_len, sizeof(struct synfin_meta));
		assert_int_equal(fx_ct_lookup(fx, &a.ack, &e), 0);
		assert_int_equal(e.origin, SF_CT_COOKIE);
		assert_int_equal(e.state, SF_TCP_ESTABLISHED);
		assert_int_equal(e.mss, 1460);
	}
}

static void test_ack_stale(void **state)
{
	struct ack_case a;

	if (secrets_counter_now() < 2)
		skip();		/* up for less than two periods */
	ack_case_init(&a, 0);
	a.age = 2;
	expect_cookie_invalid(*state, &a);
	ack_case_init(&a, 1);
	a.age = 3;
	expect_cookie_invalid(*state, &a);
}

/* From the future: counter c + 1 has the parity of c - 1. */
static void test_ack_future(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.age = (uint64_t)-1;
	expect_cookie_invalid(*state, &a);
}

static void test_ack_forged(void **state)
{
	static const uint32_t forged[] = { 0x00000000, 0xffffffff, 0x5eed1234,
					   0x9d2c41e7, 0x0badc0de };
	struct ack_case a;
	size_t i;
	int b;

	/* Any one hash bit flipped. */
	for (b = 8; b < 32; b++) {
		ack_case_init(&a, b & 1);
		a.cookie_xor = 1u << b;
		expect_cookie_invalid(*state, &a);
	}
	/* The parity flipped: the hash of the other period. */
	ack_case_init(&a, 0);
	a.cookie_xor = SYNFIN_COOKIE_PARITY;
	expect_cookie_invalid(*state, &a);
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		ack_case_init(&a, 0);
		a.forged = 1;
		a.forged_seq = forged[i];
		expect_cookie_invalid(*state, &a);
	}
}

static void test_ack_other_tuple(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.ack.sport = a.syn.sport + 1;
	expect_cookie_invalid(*state, &a);

	ack_case_init(&a, 0);
	a.ack.saddr[3] ^= 0x40;
	expect_cookie_invalid(*state, &a);

	ack_case_init(&a, 0);
	a.ack.daddr[0] ^= 0x01;
	expect_cookie_invalid(*state, &a);

	ack_case_init(&a, 0);
	a.ack.dport = 443;
	expect_cookie_invalid(*state, &a);

	ack_case_init(&a, 1);
	a.ack.saddr[8] ^= 0x80;
	expect_cookie_invalid(*state, &a);

	/* Addresses swapped: a v4 cookie is not symmetric. */
	ack_case_init(&a, 0);
	memcpy(a.ack.saddr, a.syn.daddr, 4);
	memcpy(a.ack.daddr, a.syn.saddr, 4);
	expect_cookie_invalid(*state, &a);
}

static void test_ack_wrong_isn(void **state)
{
	struct ack_case a;

	ack_case_init(&a, 0);
	a.seq_off = 1;
	expect_cookie_invalid(*state, &a);
	ack_case_init(&a, 0);
	a.seq_off = -1;
	expect_cookie_invalid(*state, &a);
	ack_case_init(&a, 1);
	a.seq_off = 0x100;
	expect_cookie_invalid(*state, &a);
}

/* XXX: fails against the current code. A valid cookie whose ACK has a
 * malformed option is a malformed segment (malformed_tcp, as the old
 * handle_cookie_ack counted it), not a bad cookie: cookie_ack_check()
 * folds both into -1 and handle_segment() counts ack_cookie_invalid.
 */
static void test_ack_valid_cookie_bad_options(void **state)
{
	static struct fx_run r;
	struct ack_case a;

	ack_case_init(&a, 0);
	a.bad_mss_opt = 1;
	fx_xdp(*state, build_ack, &a, &r);
	assert_int_equal(r.retval, FX_XDP_DROP);
	assert_int_equal(r.meta_len, 0);
	assert_int_equal(fx_ct_count(*state), 0);
	EXPECT_DELTAS(&r, D(MALFORMED_TCP, 1));
}

/* ---- segments of no connection ---- */

static void expect_dropped(struct fx *fx, const struct pkt_spec *s,
			   enum synfin_counter c, int syn_seen)
{
	static struct fx_run r;
	__u64 want[SYNFIN_C__MAX] = {};

	fx_xdp(fx, build_spec, s, &r);
	assert_int_equal(r.retval, FX_XDP_DROP);
	want[c] = 1;
	if (syn_seen)
		want[SYNFIN_C_SYN_SEEN] = 1;
	fx_check_deltas(&r, want);
}

static void test_no_conn_dropped(void **state)
{
	static const uint8_t flags[] = {
		PKT_TCP_FIN, PKT_TCP_FIN | PKT_TCP_ACK | PKT_TCP_SYN,
		PKT_TCP_SYN | PKT_TCP_ACK, 0, PKT_TCP_PSH, PKT_TCP_URG,
		PKT_TCP_ECE | PKT_TCP_CWR,
	};
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(flags); i++) {
		pkt_spec_default(&s, i & 1);
		s.flags = flags[i];
		s.ack = 12345;
		expect_dropped(*state, &s, SYNFIN_C_DROP_NO_CONN, 0);
		assert_int_equal(fx_ct_count(*state), 0);
	}
}

/* A RST of no connection has its own counter. */
static void test_rst_no_conn_dropped(void **state)
{
	static const uint8_t flags[] = {
		PKT_TCP_RST, PKT_TCP_RST | PKT_TCP_ACK,
		PKT_TCP_RST | PKT_TCP_ACK | PKT_TCP_SYN,
		PKT_TCP_RST | PKT_TCP_FIN,
	};
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(flags); i++) {
		pkt_spec_default(&s, i & 1);
		s.flags = flags[i];
		s.ack = 12345;
		expect_dropped(*state, &s, SYNFIN_C_CT_RST_UNKNOWN, 0);
		assert_int_equal(fx_ct_count(*state), 0);
	}
}

static void test_syn_bad_flags(void **state)
{
	static const uint8_t flags[] = {
		PKT_TCP_SYN | PKT_TCP_FIN, PKT_TCP_SYN | PKT_TCP_RST,
		PKT_TCP_SYN | PKT_TCP_FIN | PKT_TCP_RST | PKT_TCP_PSH,
	};
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(flags); i++) {
		pkt_spec_default(&s, i & 1);
		s.flags = flags[i];
		pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
		expect_dropped(*state, &s, SYNFIN_C_DROP_BAD_FLAGS, 0);
	}
}

/* ---- malformed frames ---- */

static void expect_mangled_dropped(struct fx *fx, const struct mangled *m,
				   enum synfin_counter c, int syn_seen)
{
	static struct fx_run r;
	__u64 want[SYNFIN_C__MAX] = {};

	fx_xdp(fx, build_mangled, m, &r);
	assert_int_equal(r.retval, FX_XDP_DROP);
	want[c] = 1;
	if (syn_seen)
		want[SYNFIN_C_SYN_SEEN] = 1;
	fx_check_deltas(&r, want);
}

static void cut_to_14(uint8_t *b, size_t *len) { (void)b; *len = 14; }
static void cut_to_16(uint8_t *b, size_t *len) { (void)b; *len = 16; }
static void cut_to_20(uint8_t *b, size_t *len) { (void)b; *len = 20; }
static void cut_to_22(uint8_t *b, size_t *len) { (void)b; *len = 22; }

static void test_malformed_vlan(void **state)
{
	struct mangled m;

	pkt_spec_default(&m.spec, 0);
	m.spec.nvlan = 1;
	m.mangle = cut_to_14;	/* TPID, no tag */
	expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_L2, 0);
	m.mangle = cut_to_16;	/* TCI, no inner EtherType */
	expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_L2, 0);
	m.spec.nvlan = 2;
	m.spec.vlan_tpid[0] = 0x88a8;
	m.mangle = cut_to_20;	/* second tag cut */
	expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_L2, 0);
	m.mangle = cut_to_22;	/* tags complete, no IP header */
	expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_IP, 0);
}

static void cut_ip4_hdr(uint8_t *b, size_t *len) { (void)b; *len = IP4_OFF + 10; }
static void ihl_4(uint8_t *b, size_t *len)
{
	(void)len;
	b[IP4_OFF] = 0x44;
	fix_ip4_csum(b, IP4_OFF);
}
static void ihl_0(uint8_t *b, size_t *len) { (void)len; b[IP4_OFF] = 0x40; }
static void ip_version_6(uint8_t *b, size_t *len)
{
	(void)len;
	b[IP4_OFF] = 0x65;
}
static void cut_one_byte(uint8_t *b, size_t *len) { (void)b; *len -= 1; }
static void tot_len_plus_one(uint8_t *b, size_t *len)
{
	put16(b + IP4_OFF + 2, (uint16_t)(*len - IP4_OFF + 1));
	fix_ip4_csum(b, IP4_OFF);
}
static void tot_len_below_ihl(uint8_t *b, size_t *len)
{
	(void)len;
	put16(b + IP4_OFF + 2, 19);
	fix_ip4_csum(b, IP4_OFF);
}
static void ihl_past_tot_len(uint8_t *b, size_t *len)
{
	(void)len;
	b[IP4_OFF] = 0x4f;	/* 60-byte header in a 40-byte datagram */
	fix_ip4_csum(b, IP4_OFF);
}

static void test_malformed_ipv4(void **state)
{
	static void (*const mangles[])(uint8_t *, size_t *) = {
		cut_ip4_hdr, ihl_4, ihl_0, ip_version_6, cut_one_byte,
		tot_len_plus_one, tot_len_below_ihl, ihl_past_tot_len,
	};
	struct mangled m;
	size_t i;

	for (i = 0; i < sizeof(mangles) / sizeof(mangles[0]); i++) {
		pkt_spec_default(&m.spec, 0);
		m.mangle = mangles[i];
		expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_IP, 0);
	}
}

static void cut_ip6_hdr(uint8_t *b, size_t *len) { (void)b; *len = IP6_OFF + 39; }
static void ip6_version_4(uint8_t *b, size_t *len) { (void)len; b[IP6_OFF] = 0x45; }
static void plen_plus_one(uint8_t *b, size_t *len)
{
	put16(b + IP6_OFF + 4, (uint16_t)(*len - IP6_OFF - 40 + 1));
}
/* The hop-by-hop header claims more than the payload holds. */
static void ext_past_payload(uint8_t *b, size_t *len)
{
	(void)len;
	b[IP6_OFF + 40 + 1] = 10;
}

static void test_malformed_ipv6(void **state)
{
	static void (*const mangles[])(uint8_t *, size_t *) = {
		cut_ip6_hdr, ip6_version_4, cut_one_byte, plen_plus_one,
	};
	struct mangled m;
	size_t i;

	for (i = 0; i < sizeof(mangles) / sizeof(mangles[0]); i++) {
		pkt_spec_default(&m.spec, 1);
		m.mangle = mangles[i];
		expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_IP, 0);
	}
	pkt_spec_default(&m.spec, 1);
	m.spec.n_ext = 1;
	m.spec.ext_type[0] = PKT_EXT_HOPOPTS;
	m.spec.ext_len[0] = 8;
	m.mangle = ext_past_payload;
	expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_IP, 0);
}

/* IP says 10 bytes of TCP, and the frame ends there. */
static void tcp_cut_10(uint8_t *b, size_t *len)
{
	put16(b + IP4_OFF + 2, 30);
	fix_ip4_csum(b, IP4_OFF);
	*len = TCP4_OFF + 10;
}
/* IP says 10 bytes of TCP; the frame holds more. */
static void tcp_len_10(uint8_t *b, size_t *len)
{
	(void)len;
	put16(b + IP4_OFF + 2, 30);
	fix_ip4_csum(b, IP4_OFF);
}
static void doff_4(uint8_t *b, size_t *len) { (void)len; b[TCP4_OFF + 12] = 0x40; }
static void doff_0(uint8_t *b, size_t *len) { (void)len; b[TCP4_OFF + 12] = 0x00; }
static void doff_15(uint8_t *b, size_t *len) { (void)len; b[TCP4_OFF + 12] = 0xf0; }
static void doff_6(uint8_t *b, size_t *len) { (void)len; b[TCP4_OFF + 12] = 0x60; }

static void test_malformed_tcp_header(void **state)
{
	static void (*const mangles[])(uint8_t *, size_t *) = {
		tcp_cut_10, tcp_len_10, doff_4, doff_0, doff_15, doff_6,
	};
	struct mangled m;
	size_t i;

	for (i = 0; i < sizeof(mangles) / sizeof(mangles[0]); i++) {
		pkt_spec_default(&m.spec, 0);
		m.mangle = mangles[i];
		expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_TCP, 0);
	}
	/* The same on an ACK: the header is checked before the flags. */
	pkt_spec_default(&m.spec, 0);
	m.spec.flags = PKT_TCP_ACK;
	m.mangle = doff_4;
	expect_mangled_dropped(*state, &m, SYNFIN_C_MALFORMED_TCP, 0);
}

/* A SYN whose options don't parse: seen, not answered. */
static void test_malformed_tcp_options(void **state)
{
	static const struct {
		uint8_t opts[12];
		size_t len;
	} t[] = {
		{ { OPT_MSS, 3, 5, OPT_NOP }, 4 },		/* MSS len 3 */
		{ { OPT_MSS, 5, 5, 0xb4, 0 }, 5 },		/* MSS len 5 */
		{ { OPT_WS, 2, OPT_NOP, OPT_NOP }, 4 },		/* WS len 2 */
		{ { OPT_WS, 4, 7, 0 }, 4 },			/* WS len 4 */
		{ { OPT_SACK_PERM, 3, 0, 0 }, 4 },		/* SACK len 3 */
		{ { OPT_TS, 8, 1, 2, 3, 4, 5, 6 }, 8 },		/* TS len 8 */
		{ { 30, 0, 0, 0 }, 4 },				/* length 0 */
		{ { 30, 1, 0, 0 }, 4 },				/* length 1 */
		{ { OPT_NOP, OPT_NOP, OPT_NOP, OPT_MSS }, 4 },	/* no length */
		{ { OPT_NOP, OPT_NOP, 30, 3 }, 4 },		/* past doff */
		/* TS at offset 4 runs 6 bytes past the 8 bytes of options */
		{ { OPT_NOP, OPT_NOP, OPT_NOP, OPT_NOP, OPT_TS, 10, 0, 0 }, 8 },
	};
	static const uint8_t payload[16] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct pkt_spec s;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pkt_spec_default(&s, i & 1);
		memcpy(s.tcp_opts, t[i].opts, t[i].len);
		s.tcp_opts_len = t[i].len;
		/* Bytes after the header, so only doff can stop a read. */
		s.payload = payload;
		s.payload_len = sizeof(payload);
		expect_dropped(*state, &s, SYNFIN_C_MALFORMED_TCP, 1);
	}
}

/* ---- what the program leaves to the kernel ---- */

static void expect_mangled_passed(struct fx *fx, const struct mangled *m,
				  int frag)
{
	static struct fx_run r;

	fx_xdp(fx, build_mangled, m, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	fx_expect_unchanged(&r);
	EXPECT_DELTAS(&r, D(FRAG_PASSED, frag));
}

static void no_mangle(uint8_t *b, size_t *len) { (void)b; (void)len; }

static void test_fragments_passed(void **state)
{
	static const uint16_t frag_off[] = { 0x2000, 0x0001, 0x2010, 0x4001 };
	struct mangled m;
	size_t i;

	m.mangle = no_mangle;
	for (i = 0; i < sizeof(frag_off) / sizeof(frag_off[0]); i++) {
		pkt_spec_default(&m.spec, 0);
		pkt_opts_linux_syn(&m.spec, 1460, CLIENT_TSVAL, 7);
		m.spec.ip_frag_off = frag_off[i];
		expect_mangled_passed(*state, &m, 1);
	}
	/* IPv6: any fragment header, even an atomic one, after others too. */
	pkt_spec_default(&m.spec, 1);
	m.spec.n_ext = 1;
	m.spec.ext_type[0] = PKT_EXT_FRAGMENT;
	expect_mangled_passed(*state, &m, 1);
	pkt_spec_default(&m.spec, 1);
	m.spec.n_ext = 2;
	m.spec.ext_type[0] = PKT_EXT_HOPOPTS;
	m.spec.ext_len[0] = 8;
	m.spec.ext_type[1] = PKT_EXT_FRAGMENT;
	expect_mangled_passed(*state, &m, 1);
	/* DF alone is not a fragment. */
	pkt_spec_default(&m.spec, 0);
	m.spec.ip_frag_off = 0x4000;
	expect_synack(*state, &m.spec, &(struct synack_want){ .cookie_ws = 15 });
}

static void ethertype_arp(uint8_t *b, size_t *len) { (void)len; put16(b + 12, 0x0806); }
static void ip4_udp(uint8_t *b, size_t *len)
{
	(void)len;
	b[IP4_OFF + 9] = 17;
	fix_ip4_csum(b, IP4_OFF);
}
static void ip4_icmp(uint8_t *b, size_t *len)
{
	(void)len;
	b[IP4_OFF + 9] = 1;
	fix_ip4_csum(b, IP4_OFF);
}
static void ip6_udp(uint8_t *b, size_t *len) { (void)len; b[IP6_OFF + 6] = 17; }
static void ip6_no_next(uint8_t *b, size_t *len) { (void)len; b[IP6_OFF + 6] = 59; }
/* A UDP fragment is not ours either: no frag_passed. */
static void ip4_udp_frag(uint8_t *b, size_t *len)
{
	(void)len;
	b[IP4_OFF + 9] = 17;
	put16(b + IP4_OFF + 6, 0x2000);
	fix_ip4_csum(b, IP4_OFF);
}

static void test_not_tcp_passed(void **state)
{
	static const struct {
		int ipv6;
		void (*mangle)(uint8_t *, size_t *);
	} t[] = {
		{ 0, ethertype_arp }, { 0, ip4_udp }, { 0, ip4_icmp },
		{ 1, ip6_udp }, { 1, ip6_no_next }, { 0, ip4_udp_frag },
	};
	struct mangled m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		pkt_spec_default(&m.spec, t[i].ipv6);
		m.mangle = t[i].mangle;
		expect_mangled_passed(*state, &m, 0);
	}
}

/* ---- sockets the kernel holds (own namespace, real sockets) ---- */

#define EST_PORT 8080

static struct {
	int lfd, cfd, afd;
	uint16_t cport;
} est = { -1, -1, -1, 0 };

static int tcp_listen(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A connected pair on lo; the client's port in *cport. */
static int tcp_pair(int lfd, uint16_t port, int *cfd, int *afd,
		    uint16_t *cport)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	if (getsockname(*cfd, (struct sockaddr *)&a, &alen))
		return -1;
	*cport = ntohs(a.sin_port);
	*afd = accept(lfd, NULL, NULL);
	return *afd < 0 ? -1 : 0;
}

static int est_setup(void **state)
{
	if (fx_setup(state))
		return -1;
	est.lfd = tcp_listen(EST_PORT);
	if (est.lfd < 0)
		return -1;
	return tcp_pair(est.lfd, EST_PORT, &est.cfd, &est.afd, &est.cport);
}

static int est_teardown(void **state)
{
	if (est.afd >= 0)
		close(est.afd);
	if (est.cfd >= 0)
		close(est.cfd);
	if (est.lfd >= 0)
		close(est.lfd);
	return fx_teardown(state);
}

static void est_spec(struct pkt_spec *s, uint16_t cport, uint8_t flags)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };

	pkt_spec_default(s, 0);
	memcpy(s->saddr, lo, 4);
	memcpy(s->daddr, lo, 4);
	s->sport = cport;
	s->dport = EST_PORT;
	s->flags = flags;
	s->seq = 5000;
	s->ack = 6000;
}

/* The kernel's connection, new to the table: passed and adopted, with
 * the window scales its socket negotiated.
 *
 * XXX: fails against the current code on the wscale checks. ct_adopt()
 * reads BPF_CORE_READ_BITFIELD_PROBED(&tp->rx_opt, snd_wscale): the CO-RE
 * byte offset is relative to tp (the root of the access), and the macro
 * adds it to &tp->rx_opt, so it reads offsetof(rx_opt) bytes too far.
 * BPF_CORE_READ_BITFIELD_PROBED(tp, rx_opt.snd_wscale) is the fix.
 */
static void test_est_passed(void **state)
{
	/* No RSTs: their sequence number (unknown here) decides. */
	static const uint8_t flags[] = {
		PKT_TCP_ACK, PKT_TCP_ACK | PKT_TCP_PSH, PKT_TCP_ACK | PKT_TCP_FIN,
		PKT_TCP_SYN | PKT_TCP_ACK, 0,
	};
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	struct pkt_spec s;
	size_t i;

	assert_int_equal(getsockopt(est.afd, IPPROTO_TCP, TCP_INFO, &ti, &tlen),
			 0);
	for (i = 0; i < sizeof(flags); i++) {
		assert_int_equal(fx_ct_clear(fx), 0);
		est_spec(&s, est.cport, flags[i]);
		fx_xdp(fx, build_spec, &s, &r);
		assert_int_equal(r.retval, FX_XDP_PASS);
		fx_expect_unchanged(&r);
		EXPECT_DELTAS(&r, D(EST_PASSED, 1), D(CT_ADOPTED, 1), D(EVENTS_SENT, 1));
		assert_int_equal(fx_ct_count(fx), 1);
		assert_int_equal(fx_ct_lookup(fx, &s, &e), 0);
		assert_int_equal(e.origin, SF_CT_ADOPTED);
		assert_int_equal(e.opener, SF_SIDE_NONE);
		assert_int_equal(e.closer, SF_SIDE_NONE);
		assert_int_equal(e.state, SF_TCP_ESTABLISHED);
		assert_int_equal(e.side[SF_SIDE_REMOTE].wscale,
				 ti.tcpi_snd_wscale);
		assert_int_equal(e.side[SF_SIDE_LOCAL].wscale,
				 ti.tcpi_rcv_wscale);
	}
}

/* Once adopted, the table answers: passed without another adoption. */
static void test_est_tracked_passed(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct pkt_spec s;

	est_spec(&s, est.cport, PKT_TCP_ACK);
	fx_xdp(fx, build_spec, &s, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1), D(CT_ADOPTED, 1), D(EVENTS_SENT, 1));
	/* Its made-up sequence number lies far from the socket's rcv_nxt,
	 * which adoption read: passed for the kernel to judge, and the table
	 * learns nothing from it.
	 */
	fx_xdp(fx, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	fx_expect_unchanged(&r);
	EXPECT_DELTAS(&r, D(CT_OUT_OF_WINDOW, 1));
	assert_int_equal(fx_ct_lookup(fx, &s, &e), 0);
	assert_int_equal(e.origin, SF_CT_ADOPTED);
	assert_int_equal(e.side[SF_SIDE_REMOTE].packets, 0);
}

static void test_est_syn_passed(void **state)
{
	static struct fx_run r;
	struct pkt_spec s;

	/* The table knows the tuple once a segment adopted it ... */
	est_spec(&s, est.cport, PKT_TCP_ACK);
	fx_xdp(*state, build_spec, &s, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1), D(CT_ADOPTED, 1), D(EVENTS_SENT, 1));
	/* ... and then asks the kernel about a SYN on it. */
	est_spec(&s, est.cport, PKT_TCP_SYN);
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	fx_xdp(*state, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	fx_expect_unchanged(&r);
	EXPECT_DELTAS(&r, D(SYN_SEEN, 1), D(SYN_KERNEL_SOCK, 1));
}

/* A SYN on a tuple the table doesn't know costs no socket lookup: it is
 * answered with a cookie even if the kernel happens to hold the tuple.
 */
static void test_est_syn_untracked_answered(void **state)
{
	static struct fx_run r;
	struct pkt_spec s;

	est_spec(&s, est.cport, PKT_TCP_SYN);
	pkt_opts_linux_syn(&s, 1460, CLIENT_TSVAL, 7);
	fx_xdp(*state, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_TX);
	EXPECT_DELTAS(&r, D(SYN_SEEN, 1), D(SYNACK_SENT, 1));
}

/* Past this second's budget of socket lookups, a segment in no entry is
 * dropped unasked, even one of a connection the kernel holds: an ACK flood
 * can't make every forged segment a lookup.
 */
static void test_est_adopt_budget_spent(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct pkt_spec s;

	assert_int_equal(fx_budget_set(fx->skel->maps.adopt_budget_map, 50000), 0);
	est_spec(&s, est.cport, PKT_TCP_ACK);
	fx_xdp(fx, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_DROP);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_INVALID, 1), D(ADOPT_SKIPPED, 1));
	assert_int_equal(fx_ct_count(fx), 0);
	/* With the budget back, the same segment is adopted. */
	assert_int_equal(fx_budget_set(fx->skel->maps.adopt_budget_map, 0), 0);
	fx_xdp(fx, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1), D(CT_ADOPTED, 1), D(EVENTS_SENT, 1));
}

/* A listener is no connection: other tuples to its port are ours. */
static void test_est_listener_is_not_a_conn(void **state)
{
	struct fx *fx = *state;
	struct ack_case a;
	struct pkt_spec s;

	est_spec(&s, (uint16_t)(est.cport + 1), PKT_TCP_ACK);
	expect_dropped(fx, &s, SYNFIN_C_ACK_COOKIE_INVALID, 0);
	est_spec(&s, (uint16_t)(est.cport + 1), PKT_TCP_RST);
	expect_dropped(fx, &s, SYNFIN_C_CT_RST_UNKNOWN, 0);
	est_spec(&s, (uint16_t)(est.cport + 1), PKT_TCP_FIN | PKT_TCP_ACK);
	expect_dropped(fx, &s, SYNFIN_C_ACK_COOKIE_INVALID, 0);
	est_spec(&s, (uint16_t)(est.cport + 1), PKT_TCP_FIN);
	expect_dropped(fx, &s, SYNFIN_C_DROP_NO_CONN, 0);
	assert_int_equal(fx_ct_count(fx), 0);

	est_spec(&s, (uint16_t)(est.cport + 1), PKT_TCP_SYN);
	expect_synack(fx, &s, &(struct synack_want){ .cookie_ws = 15 });

	ack_case_init(&a, 0);
	est_spec(&a.syn, (uint16_t)(est.cport + 1), PKT_TCP_SYN);
	a.syn.seq = a.isn;
	a.ack = a.syn;
	a.ack.flags = PKT_TCP_ACK;
	expect_cookie_valid(fx, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
}

/* Is there a TIME-WAIT socket local :lport, remote :rport? */
static int in_time_wait(uint16_t lport, uint16_t rport)
{
	char line[512];
	FILE *f = fopen("/proc/net/tcp", "r");
	unsigned int l, r, st;
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*8x:%x %*8x:%x %x", &l, &r, &st) == 3 &&
		    l == lport && r == rport && st == 6)
			found = 1;
	fclose(f);
	return found;
}

/* The server closed first: its TIME-WAIT holds the tuple, and a new SYN
 * on it is the kernel's to judge.
 */
static void test_time_wait_syn_passed(void **state)
{
	static struct fx_run r;
	struct pkt_spec s;
	int cfd, afd, i;
	uint16_t cport;

	assert_int_equal(tcp_pair(est.lfd, EST_PORT, &cfd, &afd, &cport), 0);
	close(afd);
	close(cfd);
	for (i = 0; i < 400 && !in_time_wait(EST_PORT, cport); i++)
		usleep(5000);
	assert_true(in_time_wait(EST_PORT, cport));

	/* The table holds the TIME-WAIT as it would have tracked the close. */
	est_spec(&s, cport, PKT_TCP_SYN);
	fx_ct_put_time_wait(*state, &s);
	s.seq = 0x80000000;
	fx_xdp(*state, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	fx_expect_unchanged(&r);
	EXPECT_DELTAS(&r, D(SYN_SEEN, 1), D(SYN_KERNEL_SOCK, 1));

	/* A late ACK for it reaches the kernel's TIME-WAIT socket. */
	est_spec(&s, cport, PKT_TCP_ACK);
	fx_xdp(*state, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1), D(CT_TW_ABSORBED, 1));
}

int main(void)
{
	const struct CMUnitTest xdp_tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, fx_test_reset)
		T(test_syn_no_options),
		T(test_syn_linux_options),
		T(test_syn_mss_only),
		T(test_syn_sack_only),
		T(test_syn_ts_only),
		T(test_syn_ws_only),
		T(test_syn_ws_zero),
		T(test_syn_ecn_without_ts),
		T(test_syn_ecn_with_ts),
		T(test_syn_ece_only_is_not_ecn),
		T(test_syn_ip_options),
		T(test_syn_ipv6),
		T(test_syn_ipv6_no_options),
		T(test_syn_ipv6_ext_headers),
		T(test_syn_ipv6_routing_header),
		T(test_syn_vlan),
		T(test_syn_qinq),
		T(test_syn_with_payload),
		T(test_syn_padded_frame),
		T(test_syn_unknown_option_and_eol),
		T(test_syn_top_of_port_range),
		T(test_cfg_flags_off),
		T(test_cfg_ecn_off),
		T(test_cfg_ts_off),
		T(test_cfg_sack_off),
		T(test_cfg_wscale_off),
		T(test_cfg_values),
		T(test_syn_wscale_clamped),
		T(test_syn_mss_table),
		T(test_syn_cookie_depends_on_tuple),
		T(test_unprotected_syn),
		T(test_unprotected_other_segments),
		T(test_ports_map_update),
		T(test_ack_valid_current),
		T(test_ack_valid_previous),
		T(test_ack_valid_no_wscale),
		T(test_ack_valid_ts),
		T(test_ack_valid_ts_ecn),
		T(test_ack_valid_ts_ecn_bit_only),
		T(test_ack_valid_ts_cfg_off),
		T(test_ack_valid_ipv6),
		T(test_ack_valid_ipv6_previous),
		T(test_ack_valid_with_data),
		T(test_ack_valid_vlan),
		T(test_ack_valid_retransmitted),
		T(test_ack_valid_replaces_closed),
		T(test_ack_stale),
		T(test_ack_future),
		T(test_ack_forged),
		T(test_ack_other_tuple),
		T(test_ack_wrong_isn),
		T(test_ack_valid_cookie_bad_options),
		T(test_no_conn_dropped),
		T(test_rst_no_conn_dropped),
		T(test_syn_bad_flags),
		T(test_malformed_vlan),
		T(test_malformed_ipv4),
		T(test_malformed_ipv6),
		T(test_malformed_tcp_header),
		T(test_malformed_tcp_options),
		T(test_fragments_passed),
		T(test_not_tcp_passed),
	};
	const struct CMUnitTest socket_tests[] = {
		T(test_est_passed),
		T(test_est_tracked_passed),
		T(test_est_syn_passed),
		T(test_est_syn_untracked_answered),
		T(test_est_listener_is_not_a_conn),
		T(test_est_adopt_budget_spent),
		T(test_time_wait_syn_passed),
#undef T
	};
	int failed;

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	failed = cmocka_run_group_tests_name("xdp", xdp_tests, fx_setup,
					     fx_teardown);
	failed += cmocka_run_group_tests_name("xdp_sockets", socket_tests,
					      est_setup, est_teardown);
	return failed ? 1 : 0;
}
