// SPDX-License-Identifier: GPL-2.0
/* Tests of the test library itself: reference sums, builder and parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "pktbuild.h"
#include "refsum.h"

#define BUF_CAP 2048

/* SipHash-2-4 reference vectors (vectors.h of the reference code), key
 * 00..0f, message 00..len-1, read as little-endian 64-bit numbers.
 */
static const uint64_t sip_vectors[64] = {
	0x726fdb47dd0e0e31ULL, 0x74f839c593dc67fdULL,
	0x0d6c8009d9a94f5aULL, 0x85676696d7fb7e2dULL,
	0xcf2794e0277187b7ULL, 0x18765564cd99a68dULL,
	0xcbc9466e58fee3ceULL, 0xab0200f58b01d137ULL,
	0x93f5f5799a932462ULL, 0x9e0082df0ba9e4b0ULL,
	0x7a5dbbc594ddb9f3ULL, 0xf4b32f46226bada7ULL,
	0x751e8fbc860ee5fbULL, 0x14ea5627c0843d90ULL,
	0xf723ca908e7af2eeULL, 0xa129ca6149be45e5ULL,
	0x3f2acc7f57c29bdbULL, 0x699ae9f52cbe4794ULL,
	0x4bc1b3f0968dd39cULL, 0xbb6dc91da77961bdULL,
	0xbed65cf21aa2ee98ULL, 0xd0f2cbb02e3b67c7ULL,
	0x93536795e3a33e88ULL, 0xa80c038ccd5ccec8ULL,
	0xb8ad50c6f649af94ULL, 0xbce192de8a85b8eaULL,
	0x17d835b85bbb15f3ULL, 0x2f2e6163076bcfadULL,
	0xde4daaaca71dc9a5ULL, 0xa6a2506687956571ULL,
	0xad87a3535c49ef28ULL, 0x32d892fad841c342ULL,
	0x7127512f72f27cceULL, 0xa7f32346f95978e3ULL,
	0x12e0b01abb051238ULL, 0x15e034d40fa197aeULL,
	0x314dffbe0815a3b4ULL, 0x027990f029623981ULL,
	0xcadcd4e59ef40c4dULL, 0x9abfd8766a33735cULL,
	0x0e3ea96b5304a7d0ULL, 0xad0c42d6fc585992ULL,
	0x187306c89bc215a9ULL, 0xd4a60abcf3792b95ULL,
	0xf935451de4f21df2ULL, 0xa9538f0419755787ULL,
	0xdb9acddff56ca510ULL, 0xd06c98cd5c0975ebULL,
	0xe612a3cb9ecba951ULL, 0xc766e62cfcadaf96ULL,
	0xee64435a9752fe72ULL, 0xa192d576b245165aULL,
	0x0a8787bf8ecb74b2ULL, 0x81b3e73d20b49b6fULL,
	0x7fa8220ba3b2eceaULL, 0x245731c13ca42499ULL,
	0xb78dbfaf3a8d83bdULL, 0xea1ad565322a1a0bULL,
	0x60e61c23a3795013ULL, 0x6606d7e446282b93ULL,
	0x6ca4ecb15c5f91e1ULL, 0x9f626da15c9625f3ULL,
	0xe51b38608ef25f57ULL, 0x958a324ceb064572ULL,
};

static void key_seq(uint8_t key[16])
{
	int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
}

static void test_siphash_paper(void **state)
{
	uint8_t key[16], msg[15];
	int i;

	(void)state;
	key_seq(key);
	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_int_equal(ref_siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
	assert_int_equal(ref_siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
}

static void test_siphash_vectors(void **state)
{
	uint8_t key[16], msg[64];
	int i;

	(void)state;
	key_seq(key);
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		assert_int_equal(ref_siphash24(key, msg, (size_t)i),
				 sip_vectors[i]);
}

static void test_rfc1071_example(void **state)
{
	uint8_t b[10] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	(void)state;
	/* RFC 1071 section 3: sum 0xddf2, checksum its complement. */
	assert_int_equal(ref_csum16(b, 8), 0x220d);
	/* With the checksum appended the whole buffer verifies. */
	b[8] = 0x22;
	b[9] = 0x0d;
	assert_int_equal(ref_csum16(b, 10), 0);
	/* Odd length: the last byte is padded with zero on the right. */
	assert_int_equal(ref_csum16(b, 7), (uint16_t)~0xdcfb);
}

static void test_tcp_fill(void **state)
{
	static const uint8_t s4[4] = { 10, 0, 0, 1 }, d4[4] = { 10, 0, 0, 2 };
	uint8_t s6[16] = { 0xfe, 0x80, [15] = 1 }, d6[16] = { 0xfe, 0x80 };
	uint8_t seg[21];
	int i;

	(void)state;
	for (i = 0; i < 21; i++)
		seg[i] = (uint8_t)(i * 37 + 5);
	ref_tcp_csum4_fill(s4, d4, seg, sizeof(seg));
	assert_int_equal(ref_tcp_csum4(s4, d4, seg, sizeof(seg)), 0);
	seg[20] ^= 1;
	assert_int_not_equal(ref_tcp_csum4(s4, d4, seg, sizeof(seg)), 0);
	ref_tcp_csum6_fill(s6, d6, seg, sizeof(seg));
	assert_int_equal(ref_tcp_csum6(s6, d6, seg, sizeof(seg)), 0);
	assert_int_not_equal(ref_tcp_csum4(s4, d4, seg, sizeof(seg)), 0);
}

/* Build s, parse it back, and check what every round trip shares. */
static size_t round_trip(const struct pkt_spec *s, uint8_t *buf,
			 struct pkt_view *v)
{
	const char *err = NULL;
	size_t len;

	len = pkt_build(buf, BUF_CAP, s);
	assert_true(len > 0);
	if (pkt_parse(buf, len, v, &err))
		fail_msg("pkt_parse: %s", err);
	assert_int_equal(v->ipv6, s->ipv6);
	assert_int_equal(v->nvlan, s->nvlan);
	assert_memory_equal(v->src_mac, s->src_mac, 6);
	assert_memory_equal(v->dst_mac, s->dst_mac, 6);
	assert_memory_equal(v->saddr, s->saddr, s->ipv6 ? 16 : 4);
	assert_memory_equal(v->daddr, s->daddr, s->ipv6 ? 16 : 4);
	assert_int_equal(v->ttl_or_hlim, s->ttl ? s->ttl : 64);
	assert_int_equal(v->sport, s->sport);
	assert_int_equal(v->dport, s->dport);
	assert_int_equal(v->seq, s->seq);
	assert_int_equal(v->ack, s->ack);
	assert_int_equal(v->flags, s->flags);
	assert_int_equal(v->window, s->window);
	assert_int_equal(v->doff, 5 + (s->tcp_opts_len + 3) / 4);
	assert_int_equal(v->tcp_len, v->doff * 4 + s->payload_len);
	assert_ptr_equal(v->tcp + v->tcp_len, buf + len);
	assert_true(v->ip_csum_ok);
	assert_true(v->tcp_csum_ok);
	return len;
}

static void test_ipv4_plain(void **state)
{
	static const uint8_t data[] = "hello, world";
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;
	size_t len;

	(void)state;
	pkt_spec_default(&s, 0);
	s.flags = PKT_TCP_ACK | PKT_TCP_PSH;
	s.ack = 0xdeadbeef;
	s.payload = data;
	s.payload_len = sizeof(data) - 1;	/* odd: exercises padding */
	len = round_trip(&s, buf, &v);
	assert_int_equal(len, 14 + 20 + 20 + 12);
	assert_int_equal(v.l3_len, 20);
	assert_int_equal(v.ip_total_len, 52);
	assert_int_equal(v.n_opts, 0);
	assert_memory_equal(v.tcp + 20, data, 12);
	assert_int_equal(v.saddr[0], 198);
	assert_int_equal(v.daddr[3], 2);
	assert_int_equal(v.sport, 40000);
	assert_int_equal(v.seq, 1000);
	assert_int_equal(v.window, 64240);
}

static void test_ipv4_ip_options(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;

	(void)state;
	pkt_spec_default(&s, 0);
	/* Router Alert (RFC 2113) plus NOP, NOP, NOP, EOL. */
	memcpy(s.ip_opts, "\x94\x04\x00\x00\x01\x01\x01\x00", 8);
	s.ip_opts_len = 8;
	s.ttl = 7;
	s.ip_frag_off = 0x4000;			/* DF */
	round_trip(&s, buf, &v);
	assert_int_equal(v.l3_len, 28);
	assert_int_equal(v.l3[0], 0x47);
	assert_int_equal(v.frag_off, 0x4000);
	assert_memory_equal(v.l3 + 20, s.ip_opts, 8);

	s.ip_opts_len = 6;			/* not a multiple of 4 */
	assert_int_equal(pkt_build(buf, BUF_CAP, &s), 0);
}

static void test_ipv6_ext(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;

	(void)state;
	pkt_spec_default(&s, 1);
	s.n_ext = 2;
	s.ext_type[0] = PKT_EXT_HOPOPTS;
	s.ext_len[0] = 8;
	s.ext_type[1] = PKT_EXT_DSTOPTS;
	s.ext_len[1] = 16;
	round_trip(&s, buf, &v);
	assert_int_equal(v.l3_len, 40 + 8 + 16);
	assert_int_equal(v.ip_total_len, 8 + 16 + 20);
	assert_int_equal(v.l3[6], PKT_EXT_HOPOPTS);
	assert_int_equal(v.n_ext, 2);
	assert_int_equal(v.ext_type[0], PKT_EXT_HOPOPTS);
	assert_int_equal(v.ext_type[1], PKT_EXT_DSTOPTS);
	assert_int_equal(v.saddr[0], 0x20);
	assert_int_equal(v.daddr[15], 2);
}

static void test_ipv6_routing_frag(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;

	(void)state;
	pkt_spec_default(&s, 1);
	s.n_ext = 2;
	s.ext_type[0] = PKT_EXT_ROUTING;
	s.ext_len[0] = 24;
	s.ext_type[1] = PKT_EXT_FRAGMENT;
	round_trip(&s, buf, &v);
	assert_int_equal(v.l3_len, 40 + 24 + 8);
	assert_int_equal(v.ext_type[1], PKT_EXT_FRAGMENT);

	s.ext_len[0] = 12;			/* not a multiple of 8 */
	assert_int_equal(pkt_build(buf, BUF_CAP, &s), 0);
}

static void test_vlan_one(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;
	size_t len;

	(void)state;
	pkt_spec_default(&s, 0);
	s.nvlan = 1;
	s.vlan_tci[0] = 0x2064;			/* PCP 1, VID 100 */
	len = round_trip(&s, buf, &v);
	assert_int_equal(len, 18 + 20 + 20);
	assert_int_equal(v.vlan_tpid[0], 0x8100);
	assert_int_equal(v.vlan_tci[0], 0x2064);
	assert_ptr_equal(v.l3, buf + 18);
}

static void test_vlan_two(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;

	(void)state;
	pkt_spec_default(&s, 1);
	s.nvlan = 2;
	s.vlan_tpid[0] = 0x88a8;
	s.vlan_tci[0] = 10;
	s.vlan_tci[1] = 20;
	round_trip(&s, buf, &v);
	assert_int_equal(v.vlan_tpid[0], 0x88a8);
	assert_int_equal(v.vlan_tpid[1], 0x8100);
	assert_int_equal(v.vlan_tci[0], 10);
	assert_int_equal(v.vlan_tci[1], 20);
	assert_ptr_equal(v.l3, buf + 22);
}

static void test_linux_syn_opts(void **state)
{
	static const uint8_t kinds[] = { 2, 4, 8, 1, 3 };
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;

	(void)state;
	pkt_spec_default(&s, 0);
	assert_int_equal(pkt_opts_linux_syn(&s, 1460, 0x01020304, 7), 0);
	assert_int_equal(s.tcp_opts_len, 20);
	round_trip(&s, buf, &v);
	assert_int_equal(v.doff, 10);
	assert_int_equal(v.n_opts, 5);
	assert_memory_equal(v.opt_kinds, kinds, 5);
	assert_true(v.has_mss && v.has_sack_perm && v.has_ts && v.has_ws);
	assert_int_equal(v.mss, 1460);
	assert_int_equal(v.tsval, 0x01020304);
	assert_int_equal(v.tsecr, 0);
	assert_int_equal(v.ws, 7);
	/* Exact bytes of the Linux layout. */
	assert_memory_equal(v.tcp + 20,
			    "\x02\x04\x05\xb4\x04\x02\x08\x0a\x01\x02\x03\x04"
			    "\x00\x00\x00\x00\x01\x03\x03\x07", 20);
	/* Second call would overflow 40 bytes: refused, nothing appended. */
	assert_int_equal(pkt_opts_linux_syn(&s, 1, 1, 1), 0);
	assert_int_equal(pkt_opts_linux_syn(&s, 1, 1, 1), -1);
	assert_int_equal(s.tcp_opts_len, 40);
}

static void test_opt_eol_padding(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;

	(void)state;
	pkt_spec_default(&s, 1);
	pkt_opt_mss(&s, 1220);
	pkt_opt_wscale(&s, 14);			/* 7 bytes: one EOL of pad */
	round_trip(&s, buf, &v);
	assert_int_equal(v.doff, 7);
	assert_int_equal(v.n_opts, 2);
	assert_int_equal(v.tcp[27], 0);
	assert_int_equal(v.mss, 1220);
	assert_int_equal(v.ws, 14);
	assert_false(v.has_ts);
}

static void test_bad_csum(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;
	const char *err = NULL;
	size_t len;
	int ipv6;

	(void)state;
	for (ipv6 = 0; ipv6 < 2; ipv6++) {
		pkt_spec_default(&s, ipv6);
		s.bad_csum = 1;
		len = pkt_build(buf, BUF_CAP, &s);
		assert_true(len > 0);
		assert_int_equal(pkt_parse(buf, len, &v, &err), 0);
		assert_true(v.ip_csum_ok);
		assert_false(v.tcp_csum_ok);
	}
	/* A flipped IPv4 header byte breaks the header checksum. */
	pkt_spec_default(&s, 0);
	len = pkt_build(buf, BUF_CAP, &s);
	buf[14 + 8] ^= 0x10;			/* TTL */
	assert_int_equal(pkt_parse(buf, len, &v, &err), 0);
	assert_false(v.ip_csum_ok);
}

static void test_truncated(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;
	struct pkt_view v;
	const char *err;
	size_t len, cut;
	int ipv6;

	(void)state;
	for (ipv6 = 0; ipv6 < 2; ipv6++) {
		pkt_spec_default(&s, ipv6);
		s.nvlan = 1;
		pkt_opts_linux_syn(&s, 1460, 1, 7);
		len = pkt_build(buf, BUF_CAP, &s);
		/* Every proper prefix must be refused, with a reason. */
		for (cut = 0; cut < len; cut++) {
			err = NULL;
			assert_int_equal(pkt_parse(buf, cut, &v, &err), -1);
			assert_non_null(err);
		}
	}
}

static void test_small_cap(void **state)
{
	uint8_t buf[BUF_CAP];
	struct pkt_spec s;

	(void)state;
	pkt_spec_default(&s, 0);
	assert_int_equal(pkt_build(buf, 53, &s), 0);
	assert_int_equal(pkt_build(buf, 54, &s), 54);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_paper),
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_tcp_fill),
		cmocka_unit_test(test_ipv4_plain),
		cmocka_unit_test(test_ipv4_ip_options),
		cmocka_unit_test(test_ipv6_ext),
		cmocka_unit_test(test_ipv6_routing_frag),
		cmocka_unit_test(test_vlan_one),
		cmocka_unit_test(test_vlan_two),
		cmocka_unit_test(test_linux_syn_opts),
		cmocka_unit_test(test_opt_eol_padding),
		cmocka_unit_test(test_bad_csum),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_small_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
