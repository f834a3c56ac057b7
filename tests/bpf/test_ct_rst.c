// SPDX-License-Identifier: GPL-2.0
/* RSTs and the connection table. The client's closes the entry only at
 * rcv_nxt (or rcv_nxt - 1, the FIN's own number); elsewhere in the window
 * the kernel answers with a challenge ACK (RFC 5961) and the entry stays;
 * outside it the RST is dropped. The server's is the kernel's word: any
 * sequence number closes. Every row starts after the request and 50 more
 * bytes from the client, acked, so rcv_nxt (u) is one the table has seen.
 */
#include "ct_scenario.h"
#include "synfin.skel.h"

/* A RST, then a RST|ACK, off from rcv_nxt outside the window. */
#define RSTS_OUTSIDE(off)                                                      \
	{ CLI, RST, (off), ACK0, 0, DROP, W_OPEN, { D(CT_RST_INVALID, 1) } },  \
	{ CLI, RST | ACK, (off), 0, 0, DROP, W_OPEN,                           \
	  { D(CT_RST_INVALID, 1) } }
/* The window is [next - 1, next + SERVER_WINDOW): one past either edge. */
#define RSTS_OUTSIDE_WINDOW                                                    \
	RSTS_OUTSIDE(-2), RSTS_OUTSIDE(CT_SERVER_WINDOW),                      \
	RSTS_OUTSIDE(1000000), RSTS_OUTSIDE(INT32_MIN)
#define RESET_DELTAS                                                           \
	{ CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2),                 \
	  D(EST_PASSED, 1) }

static const struct ct_case rst_cases[] = {
{
	/* Then a closed entry is no connection. */
	.name = "the client's RST at rcv_nxt closes",
	.start = AT(ESTABLISHED, NONE, .more = 50),
	.steps = {
		{ CLI, RST, 0, ACK0, 0, PASS, W_RESET, RESET_DELTAS },
		{ CLI, DATA, 0, 0, 10, DROP, W_RESET,
		  { D(ACK_COOKIE_INVALID, 1) } },
		{ CLI, RST, 0, ACK0, 0, DROP, W_RESET,
		  { D(CT_RST_UNKNOWN, 1) } },
		{ SRV, ACK, 0, 0, 0, NEXT, W_RESET, { 0 } },
	},
}, {
	/* In the window but not at rcv_nxt: challenged, the entry kept. */
	.name = "the window's edges, RST: rcv_nxt - 1 closes",
	.start = AT(ESTABLISHED, NONE, .more = 50),
	.steps = {
		RSTS_OUTSIDE_WINDOW,
		{ CLI, RST, 1000, 0, 0, PASS, W_OPEN,
		  { D(CT_RST_CHALLENGED, 1), D(EST_PASSED, 1) } },
		{ CLI, RST, -1, 0, 0, PASS, W_RESET, RESET_DELTAS },
	},
}, {
	.name = "the window's edges, RST|ACK: rcv_nxt closes",
	.start = AT(ESTABLISHED, NONE, .more = 50),
	.steps = {
		RSTS_OUTSIDE_WINDOW,
		{ CLI, RST | ACK, 1000, 0, 0, PASS, W_OPEN,
		  { D(CT_RST_CHALLENGED, 1), D(EST_PASSED, 1) } },
		{ CLI, RST | ACK, 0, 0, 0, PASS, W_RESET, RESET_DELTAS },
	},
}, {
	/* RFC 793 and 5961; Linux's tcp_sequence() accepts it. */
	.name = "a zero window still takes the RST at rcv_nxt",
	.start = AT(ESTABLISHED, NONE, .more = 50),
	.steps = {
		{ SRV | CT_WIN0, ACK, 0, 0, 0, NEXT, W_OPEN, { 0 } },
		{ CLI, RST, 0, ACK0, 0, PASS, W_RESET, RESET_DELTAS },
	},
}, {
	.name = "the server's RST closes, at any sequence number",
	.start = AT(ESTABLISHED, NONE, .more = 50),
	.steps = {
		{ SRV, RST, 3000000, ACK0, 0, NEXT, W_RESET,
		  { CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2) } },
		{ CLI, FIN_ACK, 0, 0, 0, DROP, W_RESET,
		  { D(ACK_COOKIE_INVALID, 1) } },
	},
}, {
	.name = "the server's RST closes in the middle of a close",
	.start = AT(FIN_WAIT_1, REMOTE, .more = 50),
	.steps = {
		{ SRV, RST | ACK, 0, 1, 0, NEXT,
		  WANT(CLOSED, REMOTE, CLOSED, FIN_OUT, 0,
		       CLOSED, FIN_NONE, 0),
		  { CLOSE_EVENT, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2) } },
	},
},
};

int main(void)
{
	const struct fx_table tables[] = {
		CT_TABLE("rst", rst_cases),
	};

	return fx_run_group("ct_rst", tables, FX_ARRAY_SIZE(tables), NULL, 0,
			    fx_setup, fx_teardown);
}
