// SPDX-License-Identifier: GPL-2.0
/* The connection table's scenarios: ct_scenario.h says how they read. */
#include "fixture.h"
#include "synfin.skel.h"
#include "ct_format.h"
#include "ct_scenario.h"

static const uint8_t payload[2 * CT_GSO_MSS];

/* A close, segment by segment: [closer] FIN, ACK, FIN, ACK. */
static const struct ct_step ct_close[2][4] = {
	[SF_SIDE_REMOTE] = {
		{ CLI, FIN_ACK, 0, 0, 0, PASS, W_FW1_R,
		  { D(CT_FIN, 1), D(CT_TO_FIN_WAIT_1, 1), D(EST_PASSED, 1) } },
		{ SRV, ACK, 0, 1, 0, NEXT, W_FW2_R,
		  { D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		    D(CT_TO_CLOSE_WAIT, 1) } },
		{ SRV, FIN_ACK, 0, 1, 0, NEXT, W_LAST_ACK_R,
		  { D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1) } },
		{ CLI, ACK, 1, 1, 0, PASS, W_TW_R,
		  { CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		    D(CT_TO_CLOSED, 1), D(EST_PASSED, 1) } },
	},
	[SF_SIDE_LOCAL] = {
		{ SRV, FIN_ACK, 0, 0, 0, NEXT, W_FW1_L,
		  { D(CT_FIN, 1), D(CT_TO_FIN_WAIT_1, 1) } },
		{ CLI, ACK, 0, 1, 0, PASS, W_FW2_L,
		  { D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		    D(CT_TO_CLOSE_WAIT, 1), D(EST_PASSED, 1) } },
		{ CLI, FIN_ACK, 0, 1, 0, PASS, W_LAST_ACK_L,
		  { D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1), D(EST_PASSED, 1) } },
		{ SRV, ACK, 1, 1, 0, NEXT, W_TW_L,
		  { CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_CLOSED, 1),
		    D(CT_TO_TIME_WAIT, 1) } },
	},
};

/* Instead of the ACK, the other side's FIN that doesn't ack the first:
 * the FINs crossed, both ends go to CLOSING.
 */
static const struct ct_step ct_cross[2] = {
	[SF_SIDE_REMOTE] = { SRV, FIN_ACK, 0, 0, 0, NEXT, W_CLOSING_R,
			     { D(CT_FIN, 1), D(CT_TO_CLOSING, 2) } },
	[SF_SIDE_LOCAL] = { CLI, FIN_ACK, 0, 0, 0, PASS, W_CLOSING_L,
			    { D(CT_FIN, 1), D(CT_TO_CLOSING, 2),
			      D(EST_PASSED, 1) } },
};

void conn_init(struct conn *c, int ipv6)
{
	memset(c, 0, sizeof(*c));
	c->ipv6 = ipv6;
	c->x = CT_CLIENT_ISN;
	c->server_window = CT_SERVER_WINDOW;
}

void client_spec(const struct conn *c, struct pkt_spec *s, uint8_t flags,
		 uint32_t seq, uint32_t ack, size_t len)
{
	assert_true(len <= sizeof(payload));
	pkt_spec_default(s, c->ipv6);
	s->flags = flags;
	s->seq = seq;
	s->ack = ack;
	s->payload = len ? payload : NULL;
	s->payload_len = len;
}

/* The client's spec with both ends swapped. */
void server_spec(const struct conn *c, struct pkt_spec *s, uint8_t flags,
		 uint32_t seq, uint32_t ack, size_t len)
{
	struct pkt_spec cl;

	client_spec(c, &cl, flags, seq, ack, len);
	*s = cl;
	memcpy(s->src_mac, cl.dst_mac, 6);
	memcpy(s->dst_mac, cl.src_mac, 6);
	memcpy(s->saddr, cl.daddr, 16);
	memcpy(s->daddr, cl.saddr, 16);
	s->sport = cl.dport;
	s->dport = cl.sport;
	s->window = c->server_window;
}

void conn_key(const struct conn *c, struct synfin_ct_key *k)
{
	struct pkt_spec s;

	client_spec(c, &s, 0, 0, 0, 0);
	fx_ct_key(&s, k);
}

int ct_get(const struct fx *fx, const struct conn *c,
	   struct synfin_ct_entry *e)
{
	struct pkt_spec s;

	client_spec(c, &s, 0, 0, 0, 0);
	return fx_ct_lookup(fx, &s, e);
}

/* tc_synfin_egress on s as a GSO skb: gso_size and gso_segs set as the
 * stack would.
 */
static void server_run_gso(struct fx *fx, const struct pkt_spec *s,
			   struct fx_run *r)
{
	const struct __sk_buff skb = {
		.gso_segs = (__u32)((s->payload_len + CT_GSO_MSS - 1) /
				    CT_GSO_MSS),
		.gso_size = CT_GSO_MSS,
	};

	fx_tc_egress_skb(fx, &skb, fx_build_pkt, s, r);
}

void ct_send(struct fx *fx, const struct conn *c, uint8_t from,
	     uint8_t flags, uint32_t seq, uint32_t ack, size_t len,
	     int32_t verdict, struct fx_run *r, const char *where)
{
	struct synfin_meta m;
	struct pkt_spec s;

	if ((from & CT_FROM) == CLI) {
		client_spec(c, &s, flags, seq, ack, len);
		s.bad_csum = !!(from & CT_BAD_CSUM);
		fx_xdp(fx, fx_build_pkt, &s, r);
	} else {
		server_spec(c, &s, flags, seq, ack, len);
		if (from & CT_WIN0)
			s.window = 0;
		if (from & CT_GSO)
			server_run_gso(fx, &s, r);
		else
			fx_tc_egress(fx, fx_build_pkt, &s, r);
	}
	if ((int32_t)r->retval != verdict)
		fail_msg("%s: %s verdict %d, want %d", where,
			 (from & CT_FROM) == CLI ? "XDP" : "TC", (int)r->retval,
			 verdict);
	if (!(from & CT_COOKIE)) {
		fx_expect_unchanged(r);
		return;
	}
	assert_int_equal(r->meta_len, sizeof(m));
	memcpy(&m, r->out, sizeof(m));
	assert_int_equal(m.magic, FX_META_MAGIC);
	assert_int_equal(r->pkt_len, r->in_len);
	assert_memory_equal(r->pkt, r->in, r->in_len);
}

void ct_expect_deltas(const struct fx_run *r,
		      const __u64 want[SYNFIN_C__MAX], const char *where)
{
	int i;

	for (i = 0; i < SYNFIN_C__MAX; i++) {
		if (r->after[i] - r->before[i] != want[i]) {
			print_error("%s:\n", where);
			break;
		}
	}
	fx_check_deltas(r, want);
}

/* How e differs from w, every field reported unless where is NULL. */
static int ct_differs(const struct synfin_ct_entry *e, const struct conn *c,
		      const struct ct_want *w, const char *where)
{
	static const char *const side_name[2] = { "remote", "local" };
	const uint32_t base[2] = { c->u, c->w };
	int i, bad = 0;

	if (e->state != w->state) {
		if (where)
			print_error("%s: connection %s, want %s\n", where,
				    tcp_state_name(e->state),
				    tcp_state_name(w->state));
		bad = 1;
	}
	if (e->closer != w->closer) {
		if (where)
			print_error("%s: closer %u, want %u\n", where,
				    e->closer, w->closer);
		bad = 1;
	}
	for (i = 0; i < 2; i++) {
		const struct synfin_ct_side *s = &e->side[i];
		const struct ct_side_want *sw = &w->side[i];
		uint8_t fin = s->flags & (SF_CT_FIN_SENT | SF_CT_FIN_ACKED);
		uint32_t fin_seq = sw->fin ? base[i] + (uint32_t)sw->fin_at : 0;

		if (s->state != sw->state) {
			if (where)
				print_error("%s: %s %s, want %s\n", where,
					    side_name[i],
					    tcp_state_name(s->state),
					    tcp_state_name(sw->state));
			bad = 1;
		}
		if (fin != sw->fin) {
			if (where)
				print_error("%s: %s FIN flags %#x, want %#x\n",
					    where, side_name[i], fin, sw->fin);
			bad = 1;
		}
		if (s->fin_seq != fin_seq) {
			if (where)
				print_error("%s: %s fin_seq %u, want %u\n",
					    where, side_name[i], s->fin_seq,
					    fin_seq);
			bad = 1;
		}
	}
	return bad;
}

void ct_expect(const struct fx *fx, const struct conn *c,
	       const struct ct_want *w, const char *where)
{
	struct synfin_ct_entry e;
	unsigned int n;

	if (w->state == SF_TCP_NONE) {
		n = fx_ct_count(fx);
		if (n)
			fail_msg("%s: %u table entries, want none", where, n);
		return;
	}
	if (ct_get(fx, c, &e))
		fail_msg("%s: no table entry for the connection", where);
	if (ct_differs(&e, c, w, where))
		fail_msg("%s: the table entry differs", where);
}

void ct_step_run(struct fx *fx, struct conn *c, const struct ct_step *st,
		 const char *where)
{
	static struct fx_run r;
	int client = (st->from & CT_FROM) == CLI;
	uint32_t seq, ack;

	if ((st->from & CT_FROM) == CT_GO_ON) {
		ct_close_to(fx, c, st->want.state, st->want.closer);
		return;
	}
	seq = (client ? c->u : c->w) + (uint32_t)st->seq;
	ack = st->ack == ACK0 ? 0 :
	      (client ? c->w : c->u) + (uint32_t)st->ack;
	ct_send(fx, c, st->from, st->flags, seq, ack, st->len, st->verdict,
		&r, where);
	ct_expect_deltas(&r, st->deltas, where);
	ct_expect(fx, c, &st->want, where);
}

/* ---- opening ---- */

void conn_syn(struct fx *fx, struct conn *c)
{
	struct fx_cookie_opts o = {
		.mss_idx = fx_ref_mss_idx(c->ipv6, CT_CLIENT_MSS),
		.ws = SYNFIN_COOKIE_WSCALE_NONE,
	};
	static struct fx_run r;
	struct pkt_spec syn;
	struct pkt_view v;

	client_spec(c, &syn, PKT_TCP_SYN, c->x, 0, 0);
	assert_int_equal(pkt_opt_mss(&syn, CT_CLIENT_MSS), 0);
	fx_xdp(fx, fx_build_pkt, &syn, &r);
	assert_int_equal(r.retval, FX_XDP_TX);
	CT_EXPECT_DELTAS(&r, D(SYN_SEEN, 1), D(SYNACK_SENT, 1));
	assert_int_equal(pkt_parse(r.pkt, r.pkt_len, &v, NULL), 0);
	assert_int_equal(v.flags, PKT_TCP_SYN | PKT_TCP_ACK);
	assert_int_equal(v.ack, c->x + 1);
	assert_int_equal(v.seq,
			 fx_ref_cookie(fx, &syn, c->x, r.counter, &o).seq);
	c->y = v.seq;
}

void conn_open(struct fx *fx, struct conn *c, int replacing)
{
	struct fx_cookie_opts o = {
		.mss_idx = fx_ref_mss_idx(c->ipv6, CT_CLIENT_MSS),
		.ws = SYNFIN_COOKIE_WSCALE_NONE,
	};
	static struct fx_run r;
	struct synfin_ct_entry before, e;

	if (replacing)
		assert_int_equal(ct_get(fx, c, &before), 0);
	conn_syn(fx, c);
	/* A SYN is stateless: no entry made, none touched. */
	if (replacing) {
		assert_int_equal(ct_get(fx, c, &e), 0);
		assert_memory_equal(&e, &before, sizeof(e));
	} else {
		assert_int_equal(ct_get(fx, c, &e), -1);
	}

	client_send_cookie(fx, c, ACK, c->x + 1, c->y + 1, 0, &r);
	CT_EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(EVENTS_SENT, 1),
			 D(CT_NEW_COOKIE, !replacing),
			 D(CT_REPLACED, !!replacing));
	c->u = c->x + 1;
	c->w = c->y + 1;
	assert_int_equal(fx_ct_count(fx), 1);
	assert_int_equal(ct_get(fx, c, &e), 0);
	assert_int_equal(e.origin, SF_CT_COOKIE);
	assert_int_equal(e.opener, SF_SIDE_REMOTE);
	assert_int_equal(e.mss, fx_ref_mss_of(c->ipv6, o.mss_idx));
	assert_int_equal(e.side[SF_SIDE_REMOTE].flags, SF_CT_SEQ_KNOWN);
	assert_int_equal(e.side[SF_SIDE_LOCAL].flags, SF_CT_SEQ_KNOWN);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c->u);
	assert_int_equal(e.side[SF_SIDE_LOCAL].next_seq, c->w);
	CT_EXPECT(fx, c, W_OPEN);
}

/* len bytes from the client, then the server's ACK; the client's base
 * moves past them. cookie: before the server has said anything, at the
 * cookie's own numbers, handed over again with the cookie's options.
 */
static void conn_data(struct fx *fx, struct conn *c, int cookie,
		      uint16_t len)
{
	const struct ct_step data[] = {
		{ cookie ? CLI | CT_COOKIE : CLI, DATA, 0, 0, len, PASS,
		  W_OPEN, { [SYNFIN_C_ACK_COOKIE_AGAIN] = !!cookie,
			    [SYNFIN_C_EST_PASSED] = !cookie } },
		{ SRV, ACK, 0, len, 0, NEXT, W_OPEN, { 0 } },
	};

	ct_step_run(fx, c, &data[0], cookie ? "the request" : "more data");
	ct_step_run(fx, c, &data[1], "its ACK");
	c->u += len;
}

void conn_request(struct fx *fx, struct conn *c)
{
	conn_data(fx, c, 1, CT_REQUEST_LEN);
}

void kernel_open(struct fx *fx, struct conn *c, uint32_t z, int replacing)
{
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct pkt_spec s;

	server_spec(c, &s, PKT_TCP_SYN | PKT_TCP_ACK, z, c->x + 1, 0);
	assert_int_equal(pkt_opt_mss(&s, 1400), 0);
	assert_int_equal(pkt_opt_nop(&s), 0);
	assert_int_equal(pkt_opt_wscale(&s, 7), 0);
	fx_tc_egress(fx, fx_build_pkt, &s, &r);
	assert_int_equal((int)r.retval, FX_TC_ACT_NEXT);
	fx_expect_unchanged(&r);
	CT_EXPECT_DELTAS(&r, D(EVENTS_SENT, 1), D(CT_NEW_KERNEL, !replacing),
			 D(CT_REPLACED, !!replacing));
	CT_EXPECT(fx, c, W_HALF_OPEN);
	assert_int_equal(ct_get(fx, c, &e), 0);
	assert_int_equal(e.origin, SF_CT_KERNEL);
	assert_int_equal(e.opener, SF_SIDE_REMOTE);
	assert_int_equal(e.mss, 1400);
	assert_int_equal(e.side[SF_SIDE_LOCAL].wscale, 7);
	assert_int_equal(e.side[SF_SIDE_LOCAL].next_seq, z + 1);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c->x + 1);

	/* Resent: the entry stays. */
	fx_tc_egress(fx, fx_build_pkt, &s, &r);
	assert_int_equal((int)r.retval, FX_TC_ACT_NEXT);
	CT_EXPECT_DELTAS(&r);
	CT_EXPECT(fx, c, W_HALF_OPEN);

	/* An ACK of something else completes nothing. */
	client_send(fx, c, ACK, c->x + 1, z, 0, PASS, &r);
	CT_EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	CT_EXPECT(fx, c, W_HALF_OPEN);

	client_send(fx, c, ACK, c->x + 1, z + 1, 0, PASS, &r);
	CT_EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	CT_EXPECT(fx, c, W_OPEN);
	c->y = z;
	c->u = c->x + 1;
	c->w = z + 1;
}

/* ---- closing ---- */

void ct_close_to(struct fx *fx, struct conn *c, uint8_t state,
		 uint8_t closer)
{
	static const struct ct_want open = W_OPEN;
	const struct ct_step *path[4];
	struct synfin_ct_entry e;
	unsigned int n = 0, at, i;
	char where[64];

	if (state == SF_TCP_ESTABLISHED)
		return;
	if (closer != SF_SIDE_REMOTE && closer != SF_SIDE_LOCAL)
		fail_msg("no close to %s without a closer",
			 tcp_state_name(state));
	for (i = 0; i < 4; i++)
		path[i] = &ct_close[closer][i];
	switch (state) {
	case SF_TCP_FIN_WAIT_1:
		n = 1;
		break;
	case SF_TCP_FIN_WAIT_2:
	case SF_TCP_CLOSE_WAIT:
		n = 2;
		break;
	case SF_TCP_LAST_ACK:
		n = 3;
		break;
	case SF_TCP_TIME_WAIT:
		n = 4;
		break;
	case SF_TCP_CLOSING:
		path[1] = &ct_cross[closer];
		n = 2;
		break;
	default:
		fail_msg("no close goes to %s", tcp_state_name(state));
	}
	/* On from the step whose entry the table holds. */
	if (ct_get(fx, c, &e))
		fail_msg("no entry to close to %s", tcp_state_name(state));
	for (at = 0; at <= n; at++)
		if (!ct_differs(&e, c, at ? &path[at - 1]->want : &open, NULL))
			break;
	if (at > n)
		fail_msg("the entry is on no close to %s",
			 tcp_state_name(state));
	for (; at < n; at++) {
		snprintf(where, sizeof(where), "the %s's close, segment %u",
			 closer == SF_SIDE_REMOTE ? "client" : "server",
			 at + 1);
		ct_step_run(fx, c, path[at], where);
	}
}

void ct_bring_to(struct fx *fx, struct conn *c, const struct ct_start *s)
{
	conn_init(c, s->ipv6);
	if (s->state == SF_TCP_NONE)
		return;
	if (s->origin == SF_CT_KERNEL) {
		kernel_open(fx, c, s->isn, 0);
	} else {
		conn_open(fx, c, 0);
		if (!s->no_request)
			conn_request(fx, c);
	}
	if (s->more)
		conn_data(fx, c, 0, s->more);
	ct_close_to(fx, c, s->state, s->closer);
}

void ct_case_run(struct fx *fx, const void *row)
{
	const struct ct_case *k = row;
	unsigned int i;
	char where[16];
	struct conn c;

	ct_bring_to(fx, &c, &k->start);
	for (i = 0; i < CT_MAX_STEPS && k->steps[i].from != CT_END; i++) {
		snprintf(where, sizeof(where), "step %u", i + 1);
		ct_step_run(fx, &c, &k->steps[i], where);
	}
	if (k->then)
		k->then(fx, &c);
}
