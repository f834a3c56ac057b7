// SPDX-License-Identifier: GPL-2.0
/* The connection table's lifecycle, packet by packet: XDP (xdp_synfin)
 * sees the client's segments, TC egress (tc_synfin_egress) the server's,
 * and both feed one entry. After every packet each test checks the
 * verdict, the exact change of every counter and the entry: the
 * connection's state and closer, and each side's state, FIN flags and
 * FIN sequence number.
 *
 * Every connection starts as a client would open it through synfin: SYN
 * (x = 1000), the cookie SYN-ACK (y, checked against fx_ref_cookie), the
 * cookie ACK (x + 1, y + 1). The client is 198.18.0.1:40000 (2001:db8::1),
 * the server 198.18.0.2:80 (2001:db8::2); the fixture's namespace holds
 * no sockets, so nothing is ever found in the kernel.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fixture.h"
#include "testload.h"
#include "ct_format.h"
#include "clock.h"
#include "expiry.h"

#define CLIENT_ISN 1000u
#define CLIENT_MSS 1460
#define REQUEST_LEN 100
#define SERVER_WINDOW 64240
#define GSO_MSS 1448

#define ACK PKT_TCP_ACK
#define FIN_ACK (PKT_TCP_FIN | PKT_TCP_ACK)
#define DATA (PKT_TCP_ACK | PKT_TCP_PSH)
/* A connection done at both ends (or reset): counted, and an event sent. */
#define CLOSE_EVENT D(CT_CONN_CLOSED, 1), D(EVENTS_SENT, 1)
#define DATA_FIN (PKT_TCP_FIN | PKT_TCP_ACK | PKT_TCP_PSH)
#define RST PKT_TCP_RST

/* A side's FIN flags, as the entry must hold them. */
#define FIN_NONE 0
#define FIN_OUT SF_CT_FIN_SENT
#define FIN_ACKD (SF_CT_FIN_SENT | SF_CT_FIN_ACKED)
#define FIN_MASK (SF_CT_FIN_SENT | SF_CT_FIN_ACKED)

static const uint8_t payload[2 * GSO_MSS];

/* One connection and where each side's sequence numbers stand. */
struct conn {
	int ipv6;
	uint32_t x;		/* the client's ISN */
	uint32_t y;		/* the server's: the cookie */
	uint32_t u;		/* the client's next sequence number */
	uint32_t w;		/* the server's next sequence number */
	uint16_t server_window;
};

struct side_want {
	uint8_t state;
	uint8_t fin_flags;
	uint32_t fin_seq;
};

struct ct_want {
	uint8_t state;
	uint8_t closer;
	struct side_want side[2];
};

static size_t build_spec(const struct fx *fx, uint64_t c, uint8_t *buf,
			 size_t cap, const void *arg)
{
	(void)fx;
	(void)c;
	return fx_build_spec(arg, buf, cap);
}

static void conn_init(struct conn *c, int ipv6)
{
	memset(c, 0, sizeof(*c));
	c->ipv6 = ipv6;
	c->x = CLIENT_ISN;
	c->server_window = SERVER_WINDOW;
}

/* A fresh spec for every run: client -> server. */
static void client_spec(const struct conn *c, struct pkt_spec *s,
			uint8_t flags, uint32_t seq, uint32_t ack, size_t len)
{
	assert_true(len <= sizeof(payload));
	pkt_spec_default(s, c->ipv6);
	s->flags = flags;
	s->seq = seq;
	s->ack = ack;
	s->payload = len ? payload : NULL;
	s->payload_len = len;
}

/* server -> client: the client's spec with both ends swapped. */
static void server_spec(const struct conn *c, struct pkt_spec *s,
			uint8_t flags, uint32_t seq, uint32_t ack, size_t len)
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

/* A client segment through XDP: the verdict want, no metadata, the frame
 * as it came.
 */
static void client_send_at(int line, struct fx *fx, const struct conn *c,
			   uint8_t flags, uint32_t seq, uint32_t ack,
			   size_t len, uint32_t verdict, struct fx_run *r)
{
	struct pkt_spec s;

	client_spec(c, &s, flags, seq, ack, len);
	fx_xdp(fx, build_spec, &s, r);
	if (r->retval != verdict)
		fail_msg("line %d: XDP verdict %u, want %u", line, r->retval,
			 verdict);
	fx_expect_unchanged(r);
}
#define client_send(...) client_send_at(__LINE__, __VA_ARGS__)

/* A client segment XDP passes as a cookie ACK: with metadata for TC. */
static void client_send_cookie(struct fx *fx, const struct conn *c,
			       uint8_t flags, uint32_t seq, uint32_t ack,
			       size_t len, struct fx_run *r)
{
	struct synfin_meta m;
	struct pkt_spec s;

	client_spec(c, &s, flags, seq, ack, len);
	fx_xdp(fx, build_spec, &s, r);
	assert_int_equal(r->retval, FX_XDP_PASS);
	assert_int_equal(r->meta_len, sizeof(m));
	memcpy(&m, r->out, sizeof(m));
	assert_int_equal(m.magic, FX_META_MAGIC);
	assert_int_equal(r->pkt_len, r->in_len);
	assert_memory_equal(r->pkt, r->in, r->in_len);
}

/* A server segment through TC egress, which never drops or edits. */
static void server_send_at(int line, struct fx *fx, const struct conn *c,
			   uint8_t flags, uint32_t seq, uint32_t ack,
			   size_t len, struct fx_run *r)
{
	struct pkt_spec s;

	server_spec(c, &s, flags, seq, ack, len);
	fx_tc_egress(fx, build_spec, &s, r);
	if ((int)r->retval != FX_TC_ACT_NEXT)
		fail_msg("line %d: TC verdict %d, want %d", line,
			 (int)r->retval, FX_TC_ACT_NEXT);
	fx_expect_unchanged(r);
}
#define server_send(...) server_send_at(__LINE__, __VA_ARGS__)

/* The same as a GSO skb: gso_size and gso_segs set as the stack would. */
static void server_send_gso(struct fx *fx, const struct conn *c,
			    uint8_t flags, uint32_t seq, uint32_t ack,
			    size_t len, struct fx_run *r)
{
	struct __sk_buff skb = {
		.gso_segs = (__u32)((len + GSO_MSS - 1) / GSO_MSS),
		.gso_size = GSO_MSS,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	struct pkt_spec s;

	memset(r, 0, sizeof(*r));
	server_spec(c, &s, flags, seq, ack, len);
	r->in_len = fx_build_spec(&s, r->in, sizeof(r->in));
	opts.data_in = r->in;
	opts.data_size_in = (__u32)r->in_len;
	opts.data_out = r->out;
	opts.data_size_out = sizeof(r->out);
	opts.ctx_in = &skb;
	opts.ctx_size_in = sizeof(skb);
	opts.repeat = 1;
	fx_counters(fx, r->before);
	if (bpf_prog_test_run_opts(
		    bpf_program__fd(fx->skel->progs.tc_synfin_egress), &opts))
		fail_msg("BPF_PROG_TEST_RUN (GSO skb) failed: %s",
			 strerror(errno));
	fx_counters(fx, r->after);
	r->retval = opts.retval;
	r->out_len = opts.data_size_out;
	r->pkt = r->out;
	r->pkt_len = r->out_len;
	assert_int_equal((int)r->retval, FX_TC_ACT_NEXT);
	fx_expect_unchanged(r);
}

/* fx_check_deltas, and the caller's line when they differ. */
static void expect_deltas_at(int line, const struct fx_run *r,
			     const __u64 want[SYNFIN_C__MAX])
{
	int i;

	for (i = 0; i < SYNFIN_C__MAX; i++) {
		if (r->after[i] - r->before[i] != want[i]) {
			print_error("line %d:\n", line);
			break;
		}
	}
	fx_check_deltas(r, want);
}
#undef EXPECT_DELTAS
#define EXPECT_DELTAS(r, ...)                                                  \
	expect_deltas_at(__LINE__, (r),                                        \
			 (const __u64[SYNFIN_C__MAX]){ __VA_ARGS__ })

static int ct_get(const struct fx *fx, const struct conn *c,
		  struct synfin_ct_entry *e)
{
	struct pkt_spec s;

	client_spec(c, &s, 0, 0, 0, 0);
	return fx_ct_lookup(fx, &s, e);
}

/* The entry against want, every field reported; line is the caller's. */
static void expect_ct(const struct fx *fx, const struct conn *c,
		      const struct ct_want *w, int line)
{
	static const char *const side_name[2] = { "remote", "local" };
	struct synfin_ct_entry e;
	int i, bad = 0;

	if (ct_get(fx, c, &e))
		fail_msg("line %d: no table entry for the connection", line);
	if (e.state != w->state) {
		print_error("line %d: connection %s, want %s\n", line,
			    tcp_state_name(e.state), tcp_state_name(w->state));
		bad = 1;
	}
	if (e.closer != w->closer) {
		print_error("line %d: closer %u, want %u\n", line, e.closer,
			    w->closer);
		bad = 1;
	}
	for (i = 0; i < 2; i++) {
		const struct synfin_ct_side *s = &e.side[i];
		const struct side_want *sw = &w->side[i];

		if (s->state != sw->state) {
			print_error("line %d: %s %s, want %s\n", line,
				    side_name[i], tcp_state_name(s->state),
				    tcp_state_name(sw->state));
			bad = 1;
		}
		if ((s->flags & FIN_MASK) != sw->fin_flags) {
			print_error("line %d: %s FIN flags %#x, want %#x\n",
				    line, side_name[i], s->flags & FIN_MASK,
				    sw->fin_flags);
			bad = 1;
		}
		if (s->fin_seq != sw->fin_seq) {
			print_error("line %d: %s fin_seq %u, want %u\n", line,
				    side_name[i], s->fin_seq, sw->fin_seq);
			bad = 1;
		}
	}
	if (bad)
		fail_msg("line %d: the table entry differs", line);
}

/* EXPECT_CT(fx, &c, connection, closer,
 *	     remote state, remote FIN flags, remote fin_seq,
 *	     local state, local FIN flags, local fin_seq)
 */
#define EXPECT_CT(fx, c, st, closer, rst, rfl, rfin, lst, lfl, lfin)           \
	expect_ct((fx), (c),                                                   \
		  &(const struct ct_want){                                     \
			  SF_TCP_##st, SF_SIDE_##closer,                       \
			  { { SF_TCP_##rst, (rfl), (rfin) },                   \
			    { SF_TCP_##lst, (lfl), (lfin) } } },               \
		  __LINE__)
#define EXPECT_CT_OPEN(fx, c)                                                  \
	EXPECT_CT(fx, c, ESTABLISHED, NONE, ESTABLISHED, FIN_NONE, 0,          \
		  ESTABLISHED, FIN_NONE, 0)

/* SYN, the cookie SYN-ACK, the cookie ACK: an entry, both ESTABLISHED.
 * replacing: the tuple has an entry already (TIME-WAIT), left by the SYN.
 */
/* The client's SYN at c->x; the SYN-ACK's cookie becomes c->y. */
static void conn_syn(struct fx *fx, struct conn *c)
{
	struct fx_cookie_opts o = {
		.mss_idx = fx_ref_mss_idx(c->ipv6, CLIENT_MSS),
		.ws = SYNFIN_COOKIE_WSCALE_NONE,
	};
	static struct fx_run r;
	struct pkt_spec syn;
	struct pkt_view v;

	client_spec(c, &syn, PKT_TCP_SYN, c->x, 0, 0);
	assert_int_equal(pkt_opt_mss(&syn, CLIENT_MSS), 0);
	fx_xdp(fx, build_spec, &syn, &r);
	assert_int_equal(r.retval, FX_XDP_TX);
	EXPECT_DELTAS(&r, D(SYN_SEEN, 1), D(SYNACK_SENT, 1));
	assert_int_equal(pkt_parse(r.pkt, r.pkt_len, &v, NULL), 0);
	assert_int_equal(v.flags, PKT_TCP_SYN | PKT_TCP_ACK);
	assert_int_equal(v.ack, c->x + 1);
	assert_int_equal(v.seq, fx_ref_cookie(fx, &syn, c->x, r.counter, &o).seq);
	c->y = v.seq;
}

static void conn_open(struct fx *fx, struct conn *c, int replacing)
{
	struct fx_cookie_opts o = {
		.mss_idx = fx_ref_mss_idx(c->ipv6, CLIENT_MSS),
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
	EXPECT_DELTAS(&r, D(ACK_COOKIE_VALID, 1), D(EVENTS_SENT, 1),
		      D(CT_NEW_COOKIE, !replacing), D(CT_REPLACED, !!replacing));
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
	EXPECT_CT_OPEN(fx, c);
}

/* Then a request: the client sends REQUEST_LEN bytes, the server ACKs. */
static void conn_request(struct fx *fx, struct conn *c)
{
	static struct fx_run r;

	/* At the cookie's own sequence numbers before the server has said
	 * anything: handed over again with the cookie's options.
	 */
	client_send_cookie(fx, c, DATA, c->u, c->w, REQUEST_LEN, &r);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_AGAIN, 1));
	EXPECT_CT_OPEN(fx, c);
	c->u += REQUEST_LEN;

	server_send(fx, c, ACK, c->w, c->u, 0, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT_OPEN(fx, c);
}

static void conn_start(struct fx *fx, struct conn *c, int ipv6)
{
	conn_init(c, ipv6);
	conn_open(fx, c, 0);
	conn_request(fx, c);
}

/* ---- 1. the client closes ---- */

/* The close's four steps from the client's side, c->u and c->w being the
 * client's FIN and the server's.
 */
static void client_fin(struct fx *fx, const struct conn *c)
{
	static struct fx_run r;

	client_send(fx, c, FIN_ACK, c->u, c->w, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_FIN_WAIT_1, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, c->u,
		  ESTABLISHED, FIN_NONE, 0);
}

static void server_acks_client_fin(struct fx *fx, const struct conn *c)
{
	static struct fx_run r;

	server_send(fx, c, ACK, c->w, c->u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		      D(CT_TO_CLOSE_WAIT, 1));
	EXPECT_CT(fx, c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, c->u,
		  CLOSE_WAIT, FIN_NONE, 0);
}

static void server_fin_from_close_wait(struct fx *fx, const struct conn *c)
{
	static struct fx_run r;

	server_send(fx, c, FIN_ACK, c->w, c->u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1));
	EXPECT_CT(fx, c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, c->u,
		  LAST_ACK, FIN_OUT, c->w);
}

static void client_acks_last_fin(struct fx *fx, const struct conn *c)
{
	static struct fx_run r;

	client_send(fx, c, ACK, c->u + 1, c->w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		      D(CT_TO_CLOSED, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, c->u,
		  CLOSED, FIN_ACKD, c->w);
}

/* FIN, ACK, FIN, ACK: the remote through FIN-WAIT-1, FIN-WAIT-2 and
 * TIME-WAIT, the local through CLOSE-WAIT and LAST-ACK to CLOSED; the
 * connection follows its closer, the remote. c->u and c->w end past the
 * FINs.
 */
static void client_close(struct fx *fx, struct conn *c)
{
	client_fin(fx, c);
	server_acks_client_fin(fx, c);
	server_fin_from_close_wait(fx, c);
	client_acks_last_fin(fx, c);
	c->u++;
	c->w++;
}

static void test_client_close(void **state)
{
	struct conn c;

	conn_start(*state, &c, 0);
	client_close(*state, &c);
}

static void test_client_close_ipv6(void **state)
{
	struct conn c;

	conn_start(*state, &c, 1);
	client_close(*state, &c);
}

/* ---- events: the ring buffer synfind logs ---- */

struct ev_log {
	struct synfin_event ev[16];
	int n;
};

static int ev_collect(void *ctx, void *data, size_t len)
{
	struct ev_log *l = ctx;

	assert_int_equal(len, sizeof(struct synfin_event));
	if (l->n < 16)
		memcpy(&l->ev[l->n++], data, sizeof(struct synfin_event));
	return 0;
}

static void ev_drain(struct fx *fx, struct ev_log *l)
{
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(fx->skel->maps.events),
						  ev_collect, l, NULL);

	assert_non_null(rb);
	l->n = 0;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

/* A connection's life in events: established by its cookie, closed once
 * both ends are done; a reset one says so.
 */
static void test_events(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct ev_log l;
	struct conn c;

	__u64 before[SYNFIN_C__MAX], after[SYNFIN_C__MAX];

	ev_drain(fx, &l);	/* what earlier tests left */
	fx_counters(fx, before);
	conn_start(fx, &c, 0);
	client_close(fx, &c);
	fx_counters(fx, after);
	assert_int_equal(after[SYNFIN_C_CT_CONN_CLOSED] - before[SYNFIN_C_CT_CONN_CLOSED], 1);
	ev_drain(fx, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[0].type, SF_EV_ESTABLISHED);
	assert_int_equal(l.ev[0].state, SF_TCP_ESTABLISHED);
	assert_int_equal(l.ev[0].origin, SF_CT_COOKIE);
	assert_int_equal(l.ev[0].key.lport, htons(80));
	assert_int_equal(l.ev[1].type, SF_EV_CLOSED);
	assert_int_equal(l.ev[1].state, SF_TCP_TIME_WAIT);
	assert_memory_equal(&l.ev[0].key, &l.ev[1].key, sizeof(l.ev[0].key));

	fx_ct_clear(fx);
	conn_start(fx, &c, 0);
	client_send(fx, &c, RST, c.u, 0, 0, FX_XDP_PASS, &r);
	assert_int_equal(r.after[SYNFIN_C_EVENTS_SENT] - r.before[SYNFIN_C_EVENTS_SENT], 1);
	assert_int_equal(r.after[SYNFIN_C_CT_CONN_CLOSED] - r.before[SYNFIN_C_CT_CONN_CLOSED], 1);
	ev_drain(fx, &l);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[1].type, SF_EV_RESET);
	assert_int_equal(l.ev[1].state, SF_TCP_CLOSED);
}

/* Events are rate-limited per CPU: with this second's budget spent, the
 * reset is counted and tracked, and its event dropped, counted.
 */
static void test_events_rate_limited(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct conn c;

	conn_start(fx, &c, 0);
	assert_int_equal(fx_budget_set(fx->skel->maps.event_budget,
				       SYNFIN_EVENTS_PER_S), 0);
	client_send(fx, &c, RST, c.u, 0, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2),
		      D(EST_PASSED, 1), D(CT_CONN_CLOSED, 1),
		      D(EVENTS_DROPPED, 1));
	assert_int_equal(ct_get(fx, &c, &e), 0);
	assert_int_equal(e.state, SF_TCP_CLOSED);
}

/* The server's FIN acks the client's in the same segment. */
static void test_client_close_fin_acks_fin(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	server_send(fx, &c, FIN_ACK, w, u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		      D(CT_TO_CLOSE_WAIT, 1), D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, u,
		  LAST_ACK, FIN_OUT, w);
	client_acks_last_fin(fx, &c);
}

/* Half close: the server goes on sending in CLOSE-WAIT, the client goes
 * on acking in FIN-WAIT-2; the server's FIN follows its data.
 */
static void test_client_close_server_sends_on(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	server_acks_client_fin(fx, &c);

	server_send(fx, &c, DATA, w, u + 1, 200, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, u,
		  CLOSE_WAIT, FIN_NONE, 0);
	client_send(fx, &c, ACK, u + 1, w + 200, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, u,
		  CLOSE_WAIT, FIN_NONE, 0);

	c.w = w + 200;
	server_fin_from_close_wait(fx, &c);
	client_acks_last_fin(fx, &c);
}

/* ---- 2. the server closes ---- */

/* The server's FIN at w: the local to FIN-WAIT-1, the closer. */
static void server_fin(struct fx *fx, const struct conn *c)
{
	static struct fx_run r;

	server_send(fx, c, FIN_ACK, c->w, c->u, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_FIN_WAIT_1, 1));
	EXPECT_CT(fx, c, FIN_WAIT_1, LOCAL, ESTABLISHED, FIN_NONE, 0,
		  FIN_WAIT_1, FIN_OUT, c->w);
}

/* The connection now follows the local side: FIN-WAIT-1, FIN-WAIT-2,
 * FIN-WAIT-2, TIME-WAIT; the remote goes CLOSE-WAIT, LAST-ACK, CLOSED.
 */
static void test_server_close(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	server_fin(fx, &c);

	client_send(fx, &c, ACK, u, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		      D(CT_TO_CLOSE_WAIT, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, LOCAL, CLOSE_WAIT, FIN_NONE, 0,
		  FIN_WAIT_2, FIN_ACKD, w);

	client_send(fx, &c, FIN_ACK, u, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, LOCAL, LAST_ACK, FIN_OUT, u,
		  FIN_WAIT_2, FIN_ACKD, w);

	server_send(fx, &c, ACK, w + 1, u + 1, 0, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_CLOSED, 1),
		      D(CT_TO_TIME_WAIT, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, LOCAL, CLOSED, FIN_ACKD, u,
		  TIME_WAIT, FIN_ACKD, w);

	/* The kernel holds the TIME-WAIT now: late segments go to it. A FIN
	 * sent again says the client never got the ACK: LAST-ACK again,
	 * until the TIME-WAIT socket's new ACK.
	 */
	client_send(fx, &c, FIN_ACK, u, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, LOCAL, LAST_ACK, FIN_OUT, u,
		  TIME_WAIT, FIN_ACKD, w);
	server_send(fx, &c, ACK, w + 1, u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_CLOSED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, LOCAL, CLOSED, FIN_ACKD, u,
		  TIME_WAIT, FIN_ACKD, w);
}

/* The client acks the server's FIN with its own. */
static void test_server_close_fin_acks_fin(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	server_fin(fx, &c);

	client_send(fx, &c, FIN_ACK, u, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		      D(CT_TO_CLOSE_WAIT, 1), D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, LOCAL, LAST_ACK, FIN_OUT, u,
		  FIN_WAIT_2, FIN_ACKD, w);

	server_send(fx, &c, ACK, w + 1, u + 1, 0, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_CLOSED, 1),
		      D(CT_TO_TIME_WAIT, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, LOCAL, CLOSED, FIN_ACKD, u,
		  TIME_WAIT, FIN_ACKD, w);
}

/* ---- 3. both close at once ---- */

/* The client's FIN, then the server's, which doesn't ack it: the FINs
 * crossed, both ends go to CLOSING.
 */
static void fins_cross(struct fx *fx, const struct conn *c)
{
	static struct fx_run r;

	client_fin(fx, c);
	server_send(fx, c, FIN_ACK, c->w, c->u, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_CLOSING, 2));
	EXPECT_CT(fx, c, CLOSING, REMOTE, CLOSING, FIN_OUT, c->u,
		  CLOSING, FIN_OUT, c->w);
}

static void test_simultaneous_close(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	fins_cross(fx, &c);

	client_send(fx, &c, ACK, u + 1, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  TIME_WAIT, FIN_ACKD, w);

	server_send(fx, &c, ACK, w + 1, u + 1, 0, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  TIME_WAIT, FIN_ACKD, w);

	/* Both ends hold a TIME-WAIT: a late FIN still reaches the kernel. */
	client_send(fx, &c, FIN_ACK, u, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  TIME_WAIT, FIN_ACKD, w);
}

/* The server's ACK comes first this time. */
static void test_simultaneous_close_server_acks_first(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	fins_cross(fx, &c);

	server_send(fx, &c, ACK, w + 1, u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSING, FIN_OUT, w);

	/* The local side in CLOSING still waits for this ACK: not late. */
	client_send(fx, &c, ACK, u + 1, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  TIME_WAIT, FIN_ACKD, w);
}

/* ---- 4. FINs that carry data ---- */

/* The FIN's sequence number is the one after the data: s + 100 from the
 * client, w + 2 * GSO_MSS from a GSO skb of the server's.
 */
static void test_fin_with_data(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t s, w, sfin, wfin;

	conn_start(fx, &c, 0);
	s = c.u;
	w = c.w;
	sfin = s + 100;
	wfin = w + 2 * GSO_MSS;
	client_send(fx, &c, DATA_FIN, s, w, 100, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_FIN_WAIT_1, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, sfin,
		  ESTABLISHED, FIN_NONE, 0);

	/* Acking the data is not acking the FIN. */
	server_send(fx, &c, ACK, w, sfin, 0, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, sfin,
		  ESTABLISHED, FIN_NONE, 0);
	server_send(fx, &c, ACK, w, sfin + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		      D(CT_TO_CLOSE_WAIT, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, sfin,
		  CLOSE_WAIT, FIN_NONE, 0);

	server_send_gso(fx, &c, DATA_FIN, w, sfin + 1, 2 * GSO_MSS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, sfin,
		  LAST_ACK, FIN_OUT, wfin);

	client_send(fx, &c, ACK, sfin + 1, wfin, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, sfin,
		  LAST_ACK, FIN_OUT, wfin);
	client_send(fx, &c, ACK, sfin + 1, wfin + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		      D(CT_TO_CLOSED, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, sfin,
		  CLOSED, FIN_ACKD, wfin);
}

/* ---- 5. retransmitted FINs ---- */

static void test_fin_retransmitted(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	client_send(fx, &c, FIN_ACK, u, w, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	/* Resent with the data before it: the same FIN. */
	client_send(fx, &c, DATA_FIN, u - 40, w, 40, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);

	server_send(fx, &c, FIN_ACK, w, u, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_CLOSING, 2));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  CLOSING, FIN_OUT, w);
	server_send(fx, &c, FIN_ACK, w, u, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  CLOSING, FIN_OUT, w);

	/* Resent with an ack for the peer's FIN this time. */
	server_send(fx, &c, FIN_ACK, w, u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(CT_FIN_ACKED, 1),
		      D(CT_TO_TIME_WAIT, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSING, FIN_OUT, w);
}

/* ---- 6. a FIN somewhere else ---- */

static void test_fin_other_seq(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	client_send(fx, &c, FIN_ACK, u + 5, w, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_INVALID, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	client_send(fx, &c, FIN_ACK, u - 1, w, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_INVALID, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	/* Data and a FIN that would put the FIN further on. */
	client_send(fx, &c, DATA_FIN, u, w, 10, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_INVALID, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);

	/* From the server: counted, never dropped, no change. */
	server_acks_client_fin(fx, &c);
	server_fin_from_close_wait(fx, &c);
	server_send(fx, &c, FIN_ACK, w + 7, u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_INVALID, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, u,
		  LAST_ACK, FIN_OUT, w);
}

/* A dropped segment must not move the table: the kernel never sees it.
 * A client FIN at another sequence number that acks the server's FIN.
 */
static void test_fin_other_seq_acks_nothing(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	server_acks_client_fin(fx, &c);
	server_fin_from_close_wait(fx, &c);

	/* A dropped FIN acks nothing: its ACK must not close the local side,
	 * or the client's real ACK after it would be dropped as late.
	 */
	client_send(fx, &c, FIN_ACK, u + 1000, w + 1, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_INVALID, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, u,
		  LAST_ACK, FIN_OUT, w);
	client_acks_last_fin(fx, &c);
}

/* ---- 7. acks that don't cover the FIN ---- */

static void test_ack_short_of_fin(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	server_send(fx, &c, ACK, w, u, 0, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	server_send(fx, &c, ACK, w, u + 2, 0, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	/* A FIN that doesn't ack it either: the FINs crossed. */
	server_send(fx, &c, FIN_ACK, w, u + 2, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN, 1), D(CT_TO_CLOSING, 2));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  CLOSING, FIN_OUT, w);

	client_send(fx, &c, ACK, u + 1, w, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  CLOSING, FIN_OUT, w);
	client_send(fx, &c, ACK, u + 1, w + 2, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  CLOSING, FIN_OUT, w);
	client_send(fx, &c, ACK, u + 1, w - 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  CLOSING, FIN_OUT, w);
	/* A segment without ACK acks nothing, whatever its ack field. */
	client_send(fx, &c, PKT_TCP_PSH, u + 1, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  CLOSING, FIN_OUT, w);

	client_send(fx, &c, ACK, u + 1, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, CLOSING, REMOTE, CLOSING, FIN_OUT, u,
		  TIME_WAIT, FIN_ACKD, w);
}

/* ---- 8. data after a FIN ---- */

static void test_data_after_fin(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	client_send(fx, &c, DATA, u + 1, w, 10, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_DATA_AFTER_FIN, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	/* Data in the FIN's own place. */
	client_send(fx, &c, DATA, u, w, 1, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_DATA_AFTER_FIN, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	/* The request again: it ends where the FIN is, and passes. */
	client_send(fx, &c, DATA, u - REQUEST_LEN, w, REQUEST_LEN,
		    FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);
	/* A pure ACK past the FIN carries no data. */
	client_send(fx, &c, ACK, u + 1, w, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, u,
		  ESTABLISHED, FIN_NONE, 0);

	/* The server's: counted, not dropped. */
	server_acks_client_fin(fx, &c);
	server_fin_from_close_wait(fx, &c);
	server_send(fx, &c, DATA, w + 1, u + 1, 10, &r);
	EXPECT_DELTAS(&r, D(CT_DATA_AFTER_FIN, 1));
	EXPECT_CT(fx, &c, FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, u,
		  LAST_ACK, FIN_OUT, w);
}

/* ---- 9. RSTs ---- */

#define EXPECT_CT_RESET(fx, c)                                                 \
	EXPECT_CT(fx, c, CLOSED, NONE, CLOSED, FIN_NONE, 0, CLOSED, FIN_NONE, 0)

/* conn_start, then 50 more bytes from the client, acked: the client's
 * next sequence number (c->u) is one the table has seen.
 */
static void conn_start_more(struct fx *fx, struct conn *c)
{
	static struct fx_run r;

	conn_start(fx, c, 0);
	client_send(fx, c, DATA, c->u, c->w, 50, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT_OPEN(fx, c);
	c->u += 50;
	server_send(fx, c, ACK, c->w, c->u, 0, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT_OPEN(fx, c);
}

static void test_rst_in_window(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;

	conn_start_more(fx, &c);
	client_send(fx, &c, RST, c.u, 0, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2),
		      D(EST_PASSED, 1));
	EXPECT_CT_RESET(fx, &c);

	/* A closed entry is no connection. */
	client_send(fx, &c, DATA, c.u, c.w, 10, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_INVALID, 1));
	EXPECT_CT_RESET(fx, &c);
	client_send(fx, &c, RST, c.u, 0, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_RST_UNKNOWN, 1));
	EXPECT_CT_RESET(fx, &c);
	server_send(fx, &c, ACK, c.w, c.u, 0, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT_RESET(fx, &c);
}

/* The window is [next - 1, next + SERVER_WINDOW): both edges in, one
 * past either out.
 */
static void test_rst_window_edges(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	const int32_t in[] = { -1, 0 };
	const int32_t out[] = { -2, SERVER_WINDOW, 1000000, INT32_MIN };
	struct conn c;
	size_t i, j;

	for (i = 0; i < 2; i++) {
		assert_int_equal(fx_ct_clear(fx), 0);
		conn_start_more(fx, &c);
		for (j = 0; j < sizeof(out) / sizeof(out[0]); j++) {
			client_send(fx, &c, RST, c.u + (uint32_t)out[j], 0, 0,
				    FX_XDP_DROP, &r);
			EXPECT_DELTAS(&r, D(CT_RST_INVALID, 1));
			EXPECT_CT_OPEN(fx, &c);
			client_send(fx, &c, RST | ACK, c.u + (uint32_t)out[j],
				    c.w, 0, FX_XDP_DROP, &r);
			EXPECT_DELTAS(&r, D(CT_RST_INVALID, 1));
			EXPECT_CT_OPEN(fx, &c);
		}
		/* In the window but not at rcv_nxt: the kernel sends a
		 * challenge ACK and keeps the connection (RFC 5961); so does
		 * the table.
		 */
		client_send(fx, &c, RST | (i ? ACK : 0), c.u + 1000, c.w, 0,
			    FX_XDP_PASS, &r);
		EXPECT_DELTAS(&r, D(CT_RST_CHALLENGED, 1), D(EST_PASSED, 1));
		EXPECT_CT_OPEN(fx, &c);
		/* At rcv_nxt, or the FIN's own number just before it: reset. */
		client_send(fx, &c, RST | (i ? ACK : 0), c.u + (uint32_t)in[i],
			    c.w, 0, FX_XDP_PASS, &r);
		EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2),
			      D(EST_PASSED, 1));
		EXPECT_CT_RESET(fx, &c);
	}
}

/* A receive window of zero still takes the RST at exactly rcv_nxt (RFC
 * 793 and 5961; Linux's tcp_sequence() accepts it).
 */
static void test_rst_zero_window(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;

	conn_start_more(fx, &c);
	c.server_window = 0;
	server_send(fx, &c, ACK, c.w, c.u, 0, &r);
	EXPECT_DELTAS(&r);
	EXPECT_CT_OPEN(fx, &c);
	/* A zero window still takes a RST at next_seq (Linux does). */
	client_send(fx, &c, RST, c.u, 0, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2),
		      D(EST_PASSED, 1));
	EXPECT_CT_RESET(fx, &c);
}

/* The server's RSTs are the kernel's word: any sequence number closes. */
static void test_rst_from_server(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;

	conn_start_more(fx, &c);
	server_send(fx, &c, RST, c.w + 3000000u, 0, 0, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2));
	EXPECT_CT_RESET(fx, &c);
	client_send(fx, &c, FIN_ACK, c.u, c.w, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_INVALID, 1));
	EXPECT_CT_RESET(fx, &c);

	/* In the middle of a close, too. */
	assert_int_equal(fx_ct_clear(fx), 0);
	conn_start_more(fx, &c);
	client_fin(fx, &c);
	server_send(fx, &c, RST | ACK, c.w, c.u + 1, 0, &r);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2));
	EXPECT_CT(fx, &c, CLOSED, REMOTE, CLOSED, FIN_OUT, c.u,
		  CLOSED, FIN_NONE, 0);
}

/* ---- 10. after TIME-WAIT ---- */

/* The client closed; the server's socket is gone (local CLOSED): late
 * client segments are absorbed, so the kernel sends no RST for them.
 */
static void test_time_wait_late_segments(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	client_close(fx, &c);
	u = c.u - 1;	/* the client's FIN */
	w = c.w - 1;	/* the server's */

	client_send(fx, &c, FIN_ACK, u, w + 1, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSED, FIN_ACKD, w);
	client_send(fx, &c, ACK, u + 1, w + 1, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_TW_ABSORBED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSED, FIN_ACKD, w);
	/* A FIN elsewhere is still invalid, and counted as such. */
	client_send(fx, &c, FIN_ACK, u + 9, w + 1, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_INVALID, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSED, FIN_ACKD, w);
	/* The server's FIN again: TC lets it out, and its socket is back in
	 * LAST-ACK (it never got the ACK), so the kernel gets segments again.
	 */
	server_send(fx, &c, FIN_ACK, w, u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  LAST_ACK, FIN_OUT, w);

	/* A RST in the window ends it all. */
	client_send(fx, &c, RST, u + 1, 0, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, CLOSED, REMOTE, CLOSED, FIN_ACKD, u,
		  CLOSED, FIN_OUT, w);
}

/* The client's last ACK reached XDP but not the socket (XDP doesn't check
 * checksums; the kernel drops a corrupt one), so the server resends its
 * FIN: the client's answer must reach the kernel again.
 */
static void test_time_wait_server_fin_resent(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct pkt_spec s;
	struct conn c;
	uint32_t u, w;

	conn_start(fx, &c, 0);
	u = c.u;
	w = c.w;
	client_fin(fx, &c);
	server_acks_client_fin(fx, &c);
	server_fin_from_close_wait(fx, &c);
	client_spec(&c, &s, ACK, u + 1, w + 1, 0);
	s.bad_csum = 1;
	fx_xdp(fx, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	EXPECT_DELTAS(&r, CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		      D(CT_TO_CLOSED, 1), D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSED, FIN_ACKD, w);

	server_send(fx, &c, FIN_ACK, w, u + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  LAST_ACK, FIN_OUT, w);
	/* The client's answer reaches the socket still in LAST-ACK. */
	client_send(fx, &c, ACK, u + 1, w + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_FIN_ACKED, 1), D(CT_TO_CLOSED, 1),
		      D(EST_PASSED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSED, FIN_ACKD, w);
}

/* ---- 11. a new connection on a TIME-WAIT tuple ---- */

static void test_time_wait_new_connection(void **state)
{
	struct fx *fx = *state;
	struct synfin_ct_entry e;
	struct conn c;

	conn_start(fx, &c, 0);
	client_close(fx, &c);

	/* The client's next ISN, well past the old one. */
	c.x = c.u + 100000;
	conn_open(fx, &c, 1);
	assert_int_equal(ct_get(fx, &c, &e), 0);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c.x + 1);
	assert_int_equal(e.side[SF_SIDE_LOCAL].packets, 0);
	assert_int_equal(e.side[SF_SIDE_REMOTE].packets, 1);

	/* ... and it closes like the first. */
	conn_request(fx, &c);
	client_close(fx, &c);
}

/* Blind segments: a FIN, data or an ACK far from the window changes
 * nothing in the table (the kernel drops them itself), so the real close
 * still goes as it should.
 */
static void test_blind_segments_ignored(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;

	conn_start(fx, &c, 0);
	client_send(fx, &c, FIN_ACK, c.u - 200000, c.w, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_OUT_OF_WINDOW, 1));
	EXPECT_CT_OPEN(fx, &c);
	client_send(fx, &c, DATA, c.u + 0x70000000, c.w, 100, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(CT_OUT_OF_WINDOW, 1));
	EXPECT_CT_OPEN(fx, &c);
	client_close(fx, &c);
}

/* A dead connection left in the table (its socket went without a RST):
 * a new connection's valid cookie ACK on the tuple, far from the old
 * window and with no kernel socket for it, takes the entry over.
 */
static void test_stale_entry_new_connection(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct conn c;

	conn_start(fx, &c, 0);
	c.x = c.u + 0x40000000;
	conn_syn(fx, &c);
	client_send_cookie(fx, &c, ACK, c.x + 1, c.y + 1, 0, &r);
	EXPECT_DELTAS(&r, D(CT_OUT_OF_WINDOW, 1), D(ACK_COOKIE_VALID, 1),
		      D(EVENTS_SENT, 1), D(CT_REPLACED, 1));
	assert_int_equal(ct_get(fx, &c, &e), 0);
	assert_int_equal(e.remote_isn, c.x);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c.x + 1);
	assert_int_equal(e.side[SF_SIDE_LOCAL].next_seq, c.y + 1);
	assert_int_equal(e.side[SF_SIDE_LOCAL].packets, 0);
}

/* A late duplicate of the first connection's own cookie ACK (or of its
 * request, at the same sequence numbers) on the TIME-WAIT tuple, inside
 * the cookie's lifetime: its ISN is behind the old connection's FIN, so it
 * is no new connection.
 */
static void test_time_wait_old_cookie_ack(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	uint32_t x1, y1, u, w;

	conn_start(fx, &c, 0);
	x1 = c.x;
	y1 = c.y;
	u = c.u;
	w = c.w;
	client_close(fx, &c);

	/* A late copy of the old request still carries a valid cookie, but
	 * its ISN is not after the old connection's: absorbed, not served
	 * again by a new socket.
	 */
	client_send(fx, &c, DATA, x1 + 1, y1 + 1, REQUEST_LEN, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_TW_ABSORBED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSED, FIN_ACKD, w);
	client_send(fx, &c, ACK, x1 + 1, y1 + 1, 0, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(CT_TW_ABSORBED, 1));
	EXPECT_CT(fx, &c, TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, u,
		  CLOSED, FIN_ACKD, w);
}

/* ---- 12. connections the kernel answered ---- */

#define EXPECT_CT_HALF_OPEN(fx, c)                                             \
	EXPECT_CT(fx, c, SYN_RECV, NONE, SYN_SENT, FIN_NONE, 0,                \
		  SYN_RECV, FIN_NONE, 0)

/* The kernel's SYN-ACK (seq z) for a tuple with no entry: the remote is
 * SYN-SENT, the local SYN-RECEIVED, until the ACK of z + 1.
 */
static void kernel_open(struct fx *fx, struct conn *c, uint32_t z,
			int replacing)
{
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct pkt_spec s;

	server_spec(c, &s, PKT_TCP_SYN | PKT_TCP_ACK, z, c->x + 1, 0);
	assert_int_equal(pkt_opt_mss(&s, 1400), 0);
	assert_int_equal(pkt_opt_nop(&s), 0);
	assert_int_equal(pkt_opt_wscale(&s, 7), 0);
	fx_tc_egress(fx, build_spec, &s, &r);
	assert_int_equal((int)r.retval, FX_TC_ACT_NEXT);
	fx_expect_unchanged(&r);
	EXPECT_DELTAS(&r, D(EVENTS_SENT, 1), D(CT_NEW_KERNEL, !replacing),
		      D(CT_REPLACED, !!replacing));
	EXPECT_CT_HALF_OPEN(fx, c);
	assert_int_equal(ct_get(fx, c, &e), 0);
	assert_int_equal(e.origin, SF_CT_KERNEL);
	assert_int_equal(e.opener, SF_SIDE_REMOTE);
	assert_int_equal(e.mss, 1400);
	assert_int_equal(e.side[SF_SIDE_LOCAL].wscale, 7);
	assert_int_equal(e.side[SF_SIDE_LOCAL].next_seq, z + 1);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c->x + 1);

	/* Resent: the entry stays. */
	fx_tc_egress(fx, build_spec, &s, &r);
	assert_int_equal((int)r.retval, FX_TC_ACT_NEXT);
	EXPECT_DELTAS(&r);
	EXPECT_CT_HALF_OPEN(fx, c);

	/* An ACK of something else completes nothing. */
	client_send(fx, c, ACK, c->x + 1, z, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT_HALF_OPEN(fx, c);

	client_send(fx, c, ACK, c->x + 1, z + 1, 0, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	EXPECT_CT_OPEN(fx, c);
	c->y = z;
	c->u = c->x + 1;
	c->w = z + 1;
}

static void test_kernel_synack(void **state)
{
	struct fx *fx = *state;
	struct conn c;

	conn_init(&c, 0);
	kernel_open(fx, &c, 7000, 0);
	client_close(fx, &c);
}

/* A tuple in TIME-WAIT that the kernel answers again: a new entry. */
static void test_kernel_synack_replaces_time_wait(void **state)
{
	struct fx *fx = *state;
	struct conn c;

	conn_start(fx, &c, 0);
	client_close(fx, &c);
	c.x = c.u + 100000;
	/* The server's sequence numbers wrap: w = 0. */
	kernel_open(fx, &c, 0xffffffffu, 1);
	client_close(fx, &c);
}

/* ---- 12b. the table's filter ---- */

static void conn_key(const struct conn *c, struct synfin_ct_key *k)
{
	struct pkt_spec s;

	client_spec(c, &s, 0, 0, 0, 0);
	fx_ct_key(&s, k);
}

static void filter_header_put(struct fx *fx, __u64 hdr)
{
	__u32 zero = 0;

	assert_int_equal(bpf_map_update_elem(bpf_map__fd(fx->skel->maps.ct_filter),
					     &zero, &hdr, BPF_ANY), 0);
}

/* Entries the data path adds (XDP's cookie ACK, TC's kernel SYN-ACK) have
 * their bit in both buffers.
 */
static void test_filter_bits_on_insert(void **state)
{
	struct fx *fx = *state;
	struct synfin_ct_key k;
	struct conn c;

	assert_true(ct_filter_header(&fx->filter) & SYNFIN_FILTER_VALID);
	conn_start(fx, &c, 0);
	conn_key(&c, &k);
	assert_true(ct_filter_test(&fx->filter, 0, &k));
	assert_true(ct_filter_test(&fx->filter, 1, &k));

	assert_int_equal(fx_ct_clear(fx), 0);
	conn_init(&c, 1);
	kernel_open(fx, &c, 7000, 0);
	conn_key(&c, &k);
	assert_true(ct_filter_test(&fx->filter, 0, &k));
	assert_true(ct_filter_test(&fx->filter, 1, &k));
}

/* A trusted filter without an entry's bit hides the entry: proof that the
 * lookup is skipped. Untrusted, or with the bit, the entry is found.
 */
static void test_filter_gates_lookup(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_key k;
	struct conn c;
	__u64 hdr;

	conn_start(fx, &c, 0);
	conn_key(&c, &k);
	/* The spare buffer, cleared, made live: no bit for the entry. */
	hdr = ct_filter_header(&fx->filter) ^ SYNFIN_FILTER_LIVE;
	memset(&fx->filter.w[synfin_filter_word(fx->filter.log2, hdr & SYNFIN_FILTER_LIVE, 0)],
	       0, sizeof(__u64) << fx->filter.log2);
	filter_header_put(fx, hdr);
	assert_false(ct_filter_test(&fx->filter, hdr & SYNFIN_FILTER_LIVE, &k));
	client_send(fx, &c, DATA, c.u, c.w, 10, FX_XDP_DROP, &r);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_INVALID, 1));
	EXPECT_CT_OPEN(fx, &c);

	filter_header_put(fx, hdr & ~SYNFIN_FILTER_VALID);
	client_send(fx, &c, DATA, c.u, c.w, 10, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
	c.u += 10;

	filter_header_put(fx, hdr);
	ct_filter_add(&fx->filter, &k);
	client_send(fx, &c, DATA, c.u, c.w, 10, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));
}

/* synfind's rebuild along a sweep pass: the spare buffer gets the bits of
 * the entries the pass keeps, then goes live; an entry the pass removes
 * leaves no bit. At most one rebuild per filter_every_ns.
 */
static void test_filter_rebuilt_by_sweep(void **state)
{
	struct fx *fx = *state;
	int fd = bpf_map__fd(fx->skel->maps.conntrack);
	struct sweep_cursor cur = { .filter = &fx->filter };
	struct synfin_ct_key ka, kb;
	struct synfin_ct_entry e;
	struct expiry_policy pol;
	struct expiry_stats st;
	struct conn a, b;
	static struct fx_run r;
	__u64 h0, h1, ha, hb, later;
	int live;

	if (!fx->filter.can_rebuild)
		skip();
	conn_start(fx, &b, 1);
	conn_key(&b, &kb);
	/* a: a TIME-WAIT entry, over by the time of the sweep (now + 2 min). */
	conn_init(&a, 0);
	conn_key(&a, &ka);
	memset(&e, 0, sizeof(e));
	e.state = SF_TCP_TIME_WAIT;
	e.last_ns = monotonic_ns();
	fx_ct_put(fx, &ka, &e);

	h0 = ct_filter_header(&fx->filter);
	expiry_policy_default(&pol, 60000);
	later = monotonic_ns() + 120 * 1000000000ull;
	assert_int_equal(ct_sweep_slice(fd, &pol, later, ~0u, &cur, &st), 1);
	assert_int_equal(st.removed_time_wait, 1);
	h1 = ct_filter_header(&fx->filter);
	assert_true((h0 ^ h1) == SYNFIN_FILTER_LIVE);
	assert_true(h1 & SYNFIN_FILTER_VALID);
	live = h1 & SYNFIN_FILTER_LIVE;
	assert_true(ct_filter_test(&fx->filter, live, &kb));
	/* Unless a's bit is b's too. */
	ha = synfin_filter_hash(&ka);
	hb = synfin_filter_hash(&kb);
	if ((ha ^ hb) & ((64ull << fx->filter.log2) - 1))
		assert_false(ct_filter_test(&fx->filter, live, &ka));
	client_send(fx, &b, DATA, b.u, b.w, 10, FX_XDP_PASS, &r);
	EXPECT_DELTAS(&r, D(EST_PASSED, 1));

	/* Too soon for another rebuild: the header stays. */
	cur.filter_every_ns = 60 * 1000000000ull;
	assert_int_equal(ct_sweep_slice(fd, &pol, later + 1, ~0u, &cur, &st), 1);
	assert_true(ct_filter_header(&fx->filter) == h1);
}

/* A new filter is trusted only over a new table: a table kept in pins
 * from before the filter waits for the first pass.
 */
static void test_filter_init(void **state)
{
	struct fx *fx = *state;
	int ffd = bpf_map__fd(fx->skel->maps.ct_filter);
	int cfd = bpf_map__fd(fx->skel->maps.conntrack);
	struct sweep_cursor cur = { .filter = &fx->filter };
	struct expiry_policy pol;
	struct expiry_stats st;
	__u64 l = (__u64)fx->filter.log2 << SYNFIN_FILTER_LOG2_SHIFT, hdr;
	struct conn c;

	if (!fx->filter.can_rebuild)
		skip();
	expiry_policy_default(&pol, 60000);
	hdr = ct_filter_header(&fx->filter);
	assert_int_equal((hdr >> SYNFIN_FILTER_LOG2_SHIFT) & 31,
			 synfin_filter_log2(FX_CT_ENTRIES));
	/* Over a kept table: not trusted, whatever it holds. */
	filter_header_put(fx, 0);
	assert_int_equal(ct_filter_init(ffd, 0), 0);
	assert_true(ct_filter_header(&fx->filter) == l);
	/* A header in force is kept. */
	assert_int_equal(ct_filter_init(ffd, 1), 0);
	assert_true(ct_filter_header(&fx->filter) == l);
	/* Until a pass has put every entry's bit in. */
	conn_start(fx, &c, 0);
	assert_int_equal(ct_sweep_slice(cfd, &pol, monotonic_ns(), ~0u, &cur, &st), 1);
	assert_true(ct_filter_header(&fx->filter) & SYNFIN_FILTER_VALID);

	filter_header_put(fx, 0);
	assert_int_equal(ct_filter_init(ffd, 1), 0);
	assert_true(ct_filter_header(&fx->filter) == (l | SYNFIN_FILTER_VALID));
}

/* ---- 13. no entry, no socket ---- */

static void test_no_entry(void **state)
{
	static const struct {
		uint8_t flags;
		size_t len;
		enum synfin_counter counted;
	} segs[] = {
		{ PKT_TCP_FIN, 0, SYNFIN_C_DROP_NO_CONN },
		{ PKT_TCP_PSH, 10, SYNFIN_C_DROP_NO_CONN },
		/* Anything with ACK (no SYN, no RST) is a cookie ACK. */
		{ FIN_ACK, 0, SYNFIN_C_ACK_COOKIE_INVALID },
		{ DATA, 10, SYNFIN_C_ACK_COOKIE_INVALID },
		{ RST, 0, SYNFIN_C_CT_RST_UNKNOWN },
		{ RST | ACK, 0, SYNFIN_C_CT_RST_UNKNOWN },
	};
	struct fx *fx = *state;
	static struct fx_run r;
	struct conn c;
	size_t i;

	conn_init(&c, 0);
	for (i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		__u64 want[SYNFIN_C__MAX] = { 0 };

		want[segs[i].counted] = 1;
		client_send(fx, &c, segs[i].flags, 5001, 0x12345678,
			    segs[i].len, FX_XDP_DROP, &r);
		expect_deltas_at(__LINE__, &r, want);
		assert_int_equal(fx_ct_count(fx), 0);
	}
	/* The server's segments make no entry, but for a SYN-ACK. */
	server_send(fx, &c, FIN_ACK, 0x12345678, 5001, 0, &r);
	EXPECT_DELTAS(&r);
	assert_int_equal(fx_ct_count(fx), 0);
	server_send(fx, &c, RST, 0x12345678, 0, 0, &r);
	EXPECT_DELTAS(&r);
	assert_int_equal(fx_ct_count(fx), 0);
}

/* ---- what the cookie-again path loses ---- */

/* A client that closes before the server has sent anything (a health
 * check: connect, close): its FIN is at the cookie's own sequence numbers.
 */
static void test_close_before_server_speaks(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct pkt_spec s;
	struct conn c;

	conn_init(&c, 0);
	conn_open(fx, &c, 0);
	/* A FIN at (x + 1, y + 1) before the server has said anything goes
	 * to the kernel again with the cookie, and is tracked too.
	 */
	client_spec(&c, &s, FIN_ACK, c.u, c.w, 0);
	fx_xdp(fx, build_spec, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	assert_int_equal(r.after[SYNFIN_C_CT_FIN] - r.before[SYNFIN_C_CT_FIN], 1);
	EXPECT_CT(fx, &c, FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, c.u,
		  ESTABLISHED, FIN_NONE, 0);
	server_acks_client_fin(fx, &c);
	server_fin_from_close_wait(fx, &c);
	client_acks_last_fin(fx, &c);

	/* The client's next connection from the same port: with the entry
	 * left in FIN-WAIT-2 instead, its cookie ACK goes to the kernel
	 * without metadata, and no socket takes it.
	 */
	c.x = c.u + 100000;
	conn_open(fx, &c, 1);
}

/* The request handed over again is the client's data all the same. */
static void test_request_counted(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct synfin_ct_entry e;
	struct conn c;

	conn_init(&c, 0);
	conn_open(fx, &c, 0);
	client_send_cookie(fx, &c, DATA, c.u, c.w, REQUEST_LEN, &r);
	EXPECT_DELTAS(&r, D(ACK_COOKIE_AGAIN, 1));
	EXPECT_CT_OPEN(fx, &c);
	assert_int_equal(ct_get(fx, &c, &e), 0);
	/* The request handed over again is counted, and moves next_seq. */
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c.u + REQUEST_LEN);
	assert_int_equal(e.side[SF_SIDE_REMOTE].bytes, REQUEST_LEN);
	assert_int_equal(e.side[SF_SIDE_REMOTE].packets, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup(fn, fx_test_reset)
		T(test_client_close),
		T(test_events),
		T(test_events_rate_limited),
		T(test_blind_segments_ignored),
		T(test_stale_entry_new_connection),
		T(test_client_close_ipv6),
		T(test_client_close_fin_acks_fin),
		T(test_client_close_server_sends_on),
		T(test_server_close),
		T(test_server_close_fin_acks_fin),
		T(test_simultaneous_close),
		T(test_simultaneous_close_server_acks_first),
		T(test_fin_with_data),
		T(test_fin_retransmitted),
		T(test_fin_other_seq),
		T(test_fin_other_seq_acks_nothing),
		T(test_ack_short_of_fin),
		T(test_data_after_fin),
		T(test_rst_in_window),
		T(test_rst_window_edges),
		T(test_rst_zero_window),
		T(test_rst_from_server),
		T(test_time_wait_late_segments),
		T(test_time_wait_server_fin_resent),
		T(test_time_wait_new_connection),
		T(test_time_wait_old_cookie_ack),
		T(test_kernel_synack),
		T(test_kernel_synack_replaces_time_wait),
		T(test_no_entry),
		T(test_close_before_server_speaks),
		T(test_request_counted),
		T(test_filter_bits_on_insert),
		T(test_filter_gates_lookup),
		T(test_filter_rebuilt_by_sweep),
		T(test_filter_init),
#undef T
	};

	if (geteuid() != 0) {
		fprintf(stderr, "SKIP: BPF_PROG_TEST_RUN needs root\n");
		return 77;
	}
	return cmocka_run_group_tests_name("conntrack", tests, fx_setup,
					   fx_teardown) ? 1 : 0;
}
