// SPDX-License-Identifier: GPL-2.0
/* How an entry begins: the kernel's own SYN-ACK makes one, and the cookie
 * ACK (in ct_scenario.c's conn_open, under every other test); a segment
 * for no entry makes none. And what the cookie-again path (a segment at
 * the cookie's own numbers, before the server has said anything) still
 * tracks.
 */
#include "ct_scenario.h"
#include "synfin.skel.h"

/* No connection: the bases are 0, the numbers are the ones sent. */
#define NO_CONN_SEQ 5001
#define NO_CONN_ACK 0x12345678

/* Its FIN at (x + 1, y + 1) goes to the kernel again with the cookie, and
 * is tracked too; the close goes on. Then the client's next connection
 * from the same port: with the entry left in FIN-WAIT-2 instead, its
 * cookie ACK would go to the kernel without metadata, and no socket would
 * take it.
 */
static void close_before_server_speaks(struct fx *fx, struct conn *c)
{
	static struct fx_run r;
	struct pkt_spec s;

	client_spec(c, &s, FIN_ACK, c->u, c->w, 0);
	fx_xdp(fx, fx_build_pkt, &s, &r);
	assert_int_equal(r.retval, FX_XDP_PASS);
	assert_int_equal(r.after[SYNFIN_C_CT_FIN] - r.before[SYNFIN_C_CT_FIN], 1);
	CT_EXPECT(fx, c, W_FW1_R);
	ct_close_to(fx, c, SF_TCP_TIME_WAIT, SF_SIDE_REMOTE);

	c->x = c->u + 100000;
	conn_open(fx, c, 1);
}

/* The request handed over again is the client's data all the same:
 * counted, and it moves next_seq.
 */
static void request_counted(struct fx *fx, struct conn *c)
{
	static struct fx_run r;
	struct synfin_ct_entry e;

	client_send_cookie(fx, c, DATA, c->u, c->w, CT_REQUEST_LEN, &r);
	CT_EXPECT_DELTAS(&r, D(ACK_COOKIE_AGAIN, 1));
	CT_EXPECT(fx, c, W_OPEN);
	assert_int_equal(ct_get(fx, c, &e), 0);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c->u + CT_REQUEST_LEN);
	assert_int_equal(e.side[SF_SIDE_REMOTE].bytes, CT_REQUEST_LEN);
	assert_int_equal(e.side[SF_SIDE_REMOTE].packets, 2);
}

static const struct ct_case open_cases[] = {
{
	/* The remote is SYN-SENT, the local SYN-RECEIVED until the ACK of
	 * the SYN-ACK; then the client closes.
	 */
	.name = "the kernel's SYN-ACK makes the entry",
	.start = AT(TIME_WAIT, REMOTE, .origin = SF_CT_KERNEL, .isn = 7000),
}, {
	/* Anything with ACK (no SYN, no RST) is a cookie ACK. */
	.name = "no entry: the client's segments are dropped",
	.start = AT(NONE, NONE),
	.steps = {
		{ CLI, PKT_TCP_FIN, NO_CONN_SEQ, NO_CONN_ACK, 0, DROP,
		  W_NO_ENTRY, { D(DROP_NO_CONN, 1) } },
		{ CLI, PKT_TCP_PSH, NO_CONN_SEQ, NO_CONN_ACK, 10, DROP,
		  W_NO_ENTRY, { D(DROP_NO_CONN, 1) } },
		{ CLI, FIN_ACK, NO_CONN_SEQ, NO_CONN_ACK, 0, DROP,
		  W_NO_ENTRY, { D(ACK_COOKIE_INVALID, 1) } },
		{ CLI, DATA, NO_CONN_SEQ, NO_CONN_ACK, 10, DROP,
		  W_NO_ENTRY, { D(ACK_COOKIE_INVALID, 1) } },
		{ CLI, RST, NO_CONN_SEQ, NO_CONN_ACK, 0, DROP,
		  W_NO_ENTRY, { D(CT_RST_UNKNOWN, 1) } },
		{ CLI, RST | ACK, NO_CONN_SEQ, NO_CONN_ACK, 0, DROP,
		  W_NO_ENTRY, { D(CT_RST_UNKNOWN, 1) } },
	},
}, {
	.name = "no entry: the server's segments make none, but a SYN-ACK",
	.start = AT(NONE, NONE),
	.steps = {
		{ SRV, FIN_ACK, NO_CONN_ACK, NO_CONN_SEQ, 0, NEXT,
		  W_NO_ENTRY, { 0 } },
		{ SRV, RST, NO_CONN_ACK, ACK0, 0, NEXT, W_NO_ENTRY, { 0 } },
	},
}, {
	/* A health check: connect, close. */
	.name = "the client closes before the server has said anything",
	.start = AT(ESTABLISHED, NONE, .no_request = 1),
	.then = close_before_server_speaks,
}, {
	.name = "the request handed over again is counted",
	.start = AT(ESTABLISHED, NONE, .no_request = 1),
	.then = request_counted,
},
};

int main(void)
{
	const struct fx_table tables[] = {
		CT_TABLE("open", open_cases),
	};

	return fx_run_group("ct_open", tables, FX_ARRAY_SIZE(tables), NULL, 0,
			    fx_setup, fx_teardown);
}
