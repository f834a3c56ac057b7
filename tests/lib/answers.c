// SPDX-License-Identifier: GPL-2.0
/* BPF_PROG_TEST_RUN fixtures (fixture.h): what the guard must answer,
 * computed here: the reference cookies, the SYN-ACK to a SYN, and the
 * metadata and table entry of a valid cookie ACK.
 */
#include "fixture.h"

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

	fx_guard(fx, fx_build_frame, f, &r);
	fx_expect_guard_verdict(fx, &r, FX_XDP_TX);
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

/* XDP's metadata for a valid cookie ACK: want's options, the timestamps. */
static void expect_cookie_meta(const struct fx_run *r, const struct fx_ack *a,
			       const struct fx_cookie *ck,
			       const struct synfin_meta *want)
{
	struct synfin_meta m;

	assert_int_equal(r->meta_len, sizeof(m));
	memcpy(&m, r->out, sizeof(m));
	assert_int_equal(m.magic, FX_META_MAGIC);
	assert_int_equal(m.mss, want->mss);
	assert_int_equal(m.snd_wscale, want->snd_wscale);
	assert_int_equal(m.flags, want->flags);
	if (want->flags & SYNFIN_META_TS) {
		/* The client's TSval, and our SYN-ACK's TSval echoed. */
		assert_int_equal(m.tsval, a->ts_val);
		assert_int_equal(m.tsecr, ck->tsval ^ a->tsecr_xor);
	} else {
		assert_int_equal(m.tsval, 0);
		assert_int_equal(m.tsecr, 0);
	}
}

void fx_expect_cookie_valid(struct fx *fx, const struct fx_ack *ack,
			    const struct synfin_meta *want)
{
	static struct fx_run r;
	struct fx_ack a = *ack;
	struct fx_cookie ck;

	a.made = &ck;
	fx_guard(fx, fx_build_ack, &a, &r);
	fx_expect_guard_verdict(fx, &r, FX_XDP_PASS);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(CT_NEW_COOKIE, 1),
		      D(EVENTS_SENT, 1), FX_D_NO_LISTENER(fx));
	if (fx->hook == FX_HOOK_XDP)
		expect_cookie_meta(&r, &a, &ck, want);
	else
		assert_int_equal(r.meta_len, 0);
	/* The frame itself goes on untouched. */
	assert_int_equal(r.pkt_len, r.in_len);
	assert_memory_equal(r.pkt, r.in, r.in_len);
	expect_ct_cookie_entry(fx, &a, &ck, want);
}
