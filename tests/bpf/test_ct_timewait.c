// SPDX-License-Identifier: GPL-2.0
/* After the close: the TIME-WAIT entry absorbs late segments (passed to
 * the kernel while its socket exists, dropped once it is gone), and a new
 * connection on the tuple replaces it, or a dead one's entry, once its
 * cookie ACK validates with an ISN after the old connection's.
 */
#include "ct_scenario.h"
#include "synfin.skel.h"

/* The client's TIME-WAIT, the server's socket back in LAST-ACK. */
#define W_TW_LAST_ACK WANT(TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, 0,          \
			   LAST_ACK, FIN_OUT, 0)

/* The client's next connection on the tuple, its ISN well past the old
 * one's: its cookie ACK replaces the entry; then it closes like the first.
 */
static void time_wait_new_connection(struct fx *fx, struct conn *c)
{
	struct synfin_ct_entry e;

	c->x = c->u + 1 + 100000;
	conn_open(fx, c, 1);
	assert_int_equal(ct_get(fx, c, &e), 0);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c->x + 1);
	assert_int_equal(e.side[SF_SIDE_LOCAL].packets, 0);
	assert_int_equal(e.side[SF_SIDE_REMOTE].packets, 1);

	conn_request(fx, c);
	ct_close_to(fx, c, SF_TCP_TIME_WAIT, SF_SIDE_REMOTE);
}

/* The kernel answers the tuple again, its sequence numbers wrapping
 * (w = 0): a new entry, and the same close.
 */
static void kernel_synack_replaces_time_wait(struct fx *fx, struct conn *c)
{
	c->x = c->u + 1 + 100000;
	kernel_open(fx, c, 0xffffffffu, 1);
	ct_close_to(fx, c, SF_TCP_TIME_WAIT, SF_SIDE_REMOTE);
}

/* A dead connection left in the table (its socket went without a RST):
 * a new connection's valid cookie ACK on the tuple, far from the old
 * window and with no kernel socket for it, takes the entry over.
 */
static void stale_entry_new_connection(struct fx *fx, struct conn *c)
{
	static struct fx_run r;
	struct synfin_ct_entry e;

	c->x = c->u + 0x40000000;
	conn_syn(fx, c);
	client_send_cookie(fx, c, ACK, c->x + 1, c->y + 1, 0, &r);
	CT_EXPECT_DELTAS(&r, D(CT_OUT_OF_WINDOW, 1), D(ACK_COOKIE_VALID, 1),
			 D(EVENTS_SENT, 1), D(CT_REPLACED, 1));
	assert_int_equal(ct_get(fx, c, &e), 0);
	assert_int_equal(e.remote_isn, c->x);
	assert_int_equal(e.side[SF_SIDE_REMOTE].next_seq, c->x + 1);
	assert_int_equal(e.side[SF_SIDE_LOCAL].next_seq, c->y + 1);
	assert_int_equal(e.side[SF_SIDE_LOCAL].packets, 0);
}

static const struct ct_case time_wait_cases[] = {
{
	/* The client closed; the server's socket is gone (local CLOSED):
	 * its late segments are absorbed, so the kernel sends no RST for
	 * them; a FIN elsewhere is still invalid. The server's FIN again:
	 * TC lets it out, its socket is back in LAST-ACK (it never got the
	 * ACK), and the kernel gets segments again. A RST in the window
	 * ends it all.
	 */
	.name = "late segments after the client's close",
	.start = AT(TIME_WAIT, REMOTE),
	.steps = {
		{ CLI, FIN_ACK, 0, 1, 0, DROP, W_TW_R,
		  { D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1) } },
		{ CLI, ACK, 1, 1, 0, DROP, W_TW_R, { D(CT_TW_ABSORBED, 1) } },
		{ CLI, FIN_ACK, 9, 1, 0, DROP, W_TW_R,
		  { D(CT_FIN_INVALID, 1) } },
		{ SRV, FIN_ACK, 0, 1, 0, NEXT, W_TW_LAST_ACK,
		  { D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1) } },
		{ CLI, RST, 1, ACK0, 0, PASS,
		  WANT(CLOSED, REMOTE, CLOSED, FIN_ACKD, 0,
		       CLOSED, FIN_OUT, 0),
		  { D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2), D(EST_PASSED, 1) } },
	},
}, {
	/* The client's last ACK reached XDP but not the socket (XDP doesn't
	 * check checksums; the kernel drops a corrupt one), so the server
	 * resends its FIN: the client's answer must reach the socket, still
	 * in LAST-ACK.
	 */
	.name = "the server's FIN again after a lost last ACK",
	.start = AT(LAST_ACK, REMOTE),
	.steps = {
		{ CLI | CT_BAD_CSUM, ACK, 1, 1, 0, PASS, W_TW_R,
		  { CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		    D(CT_TO_CLOSED, 1), D(EST_PASSED, 1) } },
		{ SRV, FIN_ACK, 0, 1, 0, NEXT, W_TW_LAST_ACK,
		  { D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1) } },
		{ CLI, ACK, 1, 1, 0, PASS, W_TW_R,
		  { D(CT_FIN_ACKED, 1), D(CT_TO_CLOSED, 1), D(EST_PASSED, 1) } },
	},
}, {
	/* A late copy of the old request (or its cookie ACK), inside the
	 * cookie's lifetime: the cookie is valid, but its ISN is not after
	 * the old connection's, so absorbed, not served again by a new
	 * socket.
	 */
	.name = "the old connection's cookie ACK, late",
	.start = AT(TIME_WAIT, REMOTE),
	.steps = {
		{ CLI, DATA, -CT_REQUEST_LEN, 0, CT_REQUEST_LEN, DROP, W_TW_R,
		  { D(CT_TW_ABSORBED, 1) } },
		{ CLI, ACK, -CT_REQUEST_LEN, 0, 0, DROP, W_TW_R,
		  { D(CT_TW_ABSORBED, 1) } },
	},
}, {
	.name = "a new connection replaces the TIME-WAIT entry",
	.start = AT(TIME_WAIT, REMOTE),
	.then = time_wait_new_connection,
}, {
	.name = "the kernel's SYN-ACK replaces the TIME-WAIT entry",
	.start = AT(TIME_WAIT, REMOTE),
	.then = kernel_synack_replaces_time_wait,
}, {
	.name = "a new connection replaces a dead one's entry",
	.start = AT(ESTABLISHED, NONE),
	.then = stale_entry_new_connection,
},
};

int main(void)
{
	const struct fx_table tables[] = {
		CT_TABLE("time-wait", time_wait_cases),
	};

	return fx_run_group("ct_timewait", tables, FX_ARRAY_SIZE(tables), NULL,
			    0, fx_setup, fx_teardown);
}
