// SPDX-License-Identifier: GPL-2.0
/* The connection table through a close, FIN by FIN: who closes first,
 * FINs that cross, carry data, come again or at the wrong place, ACKs
 * short of a FIN, data after one, and blind segments far from the window.
 * Every row starts from ct_bring_to (ct_scenario.h), and after each
 * segment checks the verdict, every counter and the entry.
 */
#include "ct_scenario.h"
#include "synfin.skel.h"

/* The client closed first; both sides' FINs acked. */
#define W_TW_BOTH WANT(TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, 0,              \
		       TIME_WAIT, FIN_ACKD, 0)
/* The same with the server's FIN not yet acked. */
#define W_TW_CLOSING WANT(TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, 0,           \
			  CLOSING, FIN_OUT, 0)
/* Both FINs after data: the client's 100 bytes, the server's GSO skb. */
#define W_DATA_FINS WANT(FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, 100,        \
			 LAST_ACK, FIN_OUT, 2 * CT_GSO_MSS)

static const struct ct_case close_cases[] = {
{
	.name = "the client closes: FIN, ACK, FIN, ACK",
	.start = AT(TIME_WAIT, REMOTE),
}, {
	.name = "the client closes, over IPv6",
	.start = AT(TIME_WAIT, REMOTE, .ipv6 = 1),
}, {
	.name = "the client closes, the server's FIN acks the client's",
	.start = AT(FIN_WAIT_1, REMOTE),
	.steps = {
		{ SRV, FIN_ACK, 0, 1, 0, NEXT, W_LAST_ACK_R,
		  { D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		    D(CT_TO_CLOSE_WAIT, 1), D(CT_FIN, 1),
		    D(CT_TO_LAST_ACK, 1) } },
		GO_ON(TIME_WAIT, REMOTE),
	},
}, {
	/* Half close: the server goes on sending in CLOSE-WAIT, the client
	 * goes on acking in FIN-WAIT-2; the server's FIN follows its data.
	 */
	.name = "the client closes, the server sends on",
	.start = AT(FIN_WAIT_2, REMOTE),
	.steps = {
		{ SRV, DATA, 0, 1, 200, NEXT, W_FW2_R, { 0 } },
		{ CLI, ACK, 1, 200, 0, PASS, W_FW2_R, { D(EST_PASSED, 1) } },
		{ SRV, FIN_ACK, 200, 1, 0, NEXT,
		  WANT(FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, 0,
		       LAST_ACK, FIN_OUT, 200),
		  { D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1) } },
		{ CLI, ACK, 1, 201, 0, PASS,
		  WANT(TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, 0,
		       CLOSED, FIN_ACKD, 200),
		  { CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		    D(CT_TO_CLOSED, 1), D(EST_PASSED, 1) } },
	},
}, {
	/* The connection follows the local side, the closer. Then the
	 * kernel holds the TIME-WAIT: late segments go to it. A FIN sent
	 * again says the client never got the ACK: LAST-ACK again, until
	 * the TIME-WAIT socket's new ACK.
	 */
	.name = "the server closes, the client's FIN comes again",
	.start = AT(TIME_WAIT, LOCAL),
	.steps = {
		{ CLI, FIN_ACK, 0, 1, 0, PASS,
		  WANT(TIME_WAIT, LOCAL, LAST_ACK, FIN_OUT, 0,
		       TIME_WAIT, FIN_ACKD, 0),
		  { D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1),
		    D(EST_PASSED, 1) } },
		{ SRV, ACK, 1, 1, 0, NEXT, W_TW_L,
		  { D(CT_FIN_ACKED, 1), D(CT_TO_CLOSED, 1) } },
	},
}, {
	.name = "the server closes, the client acks its FIN with its own",
	.start = AT(FIN_WAIT_1, LOCAL),
	.steps = {
		{ CLI, FIN_ACK, 0, 1, 0, PASS, W_LAST_ACK_L,
		  { D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		    D(CT_TO_CLOSE_WAIT, 1), D(CT_FIN, 1),
		    D(CT_TO_LAST_ACK, 1), D(EST_PASSED, 1) } },
		GO_ON(TIME_WAIT, LOCAL),
	},
}, {
	/* Both ends hold a TIME-WAIT: a late FIN still reaches the kernel. */
	.name = "both close at once, the client acks first",
	.start = AT(CLOSING, REMOTE),
	.steps = {
		{ CLI, ACK, 1, 1, 0, PASS,
		  WANT(CLOSING, REMOTE, CLOSING, FIN_OUT, 0,
		       TIME_WAIT, FIN_ACKD, 0),
		  { D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		    D(EST_PASSED, 1) } },
		{ SRV, ACK, 1, 1, 0, NEXT, W_TW_BOTH,
		  { CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1) } },
		{ CLI, FIN_ACK, 0, 1, 0, PASS, W_TW_BOTH,
		  { D(CT_FIN_RETRANS, 1), D(CT_TW_ABSORBED, 1),
		    D(EST_PASSED, 1) } },
	},
}, {
	/* The local side in CLOSING still waits for the client's ACK: it
	 * is not late.
	 */
	.name = "both close at once, the server acks first",
	.start = AT(CLOSING, REMOTE),
	.steps = {
		{ SRV, ACK, 1, 1, 0, NEXT, W_TW_CLOSING,
		  { D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1) } },
		{ CLI, ACK, 1, 1, 0, PASS, W_TW_BOTH,
		  { CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		    D(EST_PASSED, 1) } },
	},
}, {
	/* The FIN's sequence number is the one after the data: u + 100
	 * from the client, w + 2 * GSO_MSS from a GSO skb of the server's.
	 * Acking the data is not acking the FIN.
	 */
	.name = "FINs that carry data, the server's in a GSO skb",
	.start = AT(ESTABLISHED, REMOTE),
	.steps = {
		{ CLI, DATA_FIN, 0, 0, 100, PASS,
		  WANT(FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, 100,
		       ESTABLISHED, FIN_NONE, 0),
		  { D(CT_FIN, 1), D(CT_TO_FIN_WAIT_1, 1), D(EST_PASSED, 1) } },
		{ SRV, ACK, 0, 100, 0, NEXT,
		  WANT(FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, 100,
		       ESTABLISHED, FIN_NONE, 0), { 0 } },
		{ SRV, ACK, 0, 101, 0, NEXT,
		  WANT(FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, 100,
		       CLOSE_WAIT, FIN_NONE, 0),
		  { D(CT_FIN_ACKED, 1), D(CT_TO_FIN_WAIT_2, 1),
		    D(CT_TO_CLOSE_WAIT, 1) } },
		{ SRV | CT_GSO, DATA_FIN, 0, 101, 2 * CT_GSO_MSS, NEXT,
		  W_DATA_FINS, { D(CT_FIN, 1), D(CT_TO_LAST_ACK, 1) } },
		{ CLI, ACK, 101, 2 * CT_GSO_MSS, 0, PASS, W_DATA_FINS,
		  { D(EST_PASSED, 1) } },
		{ CLI, ACK, 101, 2 * CT_GSO_MSS + 1, 0, PASS,
		  WANT(TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, 100,
		       CLOSED, FIN_ACKD, 2 * CT_GSO_MSS),
		  { CLOSE_EVENT, D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		    D(CT_TO_CLOSED, 1), D(EST_PASSED, 1) } },
	},
}, {
	/* The client's FIN again, then with the data before it; the
	 * server's, crossing it, again, then with an ack for the client's.
	 */
	.name = "FINs sent again",
	.start = AT(FIN_WAIT_1, REMOTE),
	.steps = {
		{ CLI, FIN_ACK, 0, 0, 0, PASS, W_FW1_R,
		  { D(CT_FIN_RETRANS, 1), D(EST_PASSED, 1) } },
		{ CLI, DATA_FIN, -40, 0, 40, PASS, W_FW1_R,
		  { D(CT_FIN_RETRANS, 1), D(EST_PASSED, 1) } },
		{ SRV, FIN_ACK, 0, 0, 0, NEXT, W_CLOSING_R,
		  { D(CT_FIN, 1), D(CT_TO_CLOSING, 2) } },
		{ SRV, FIN_ACK, 0, 0, 0, NEXT, W_CLOSING_R,
		  { D(CT_FIN_RETRANS, 1) } },
		{ SRV, FIN_ACK, 0, 1, 0, NEXT, W_TW_CLOSING,
		  { D(CT_FIN_RETRANS, 1), D(CT_FIN_ACKED, 1),
		    D(CT_TO_TIME_WAIT, 1) } },
	},
}, {
	/* The client's are dropped (the last would put the FIN after 10
	 * bytes of data); the server's counted, never dropped, no change.
	 */
	.name = "FINs at another sequence number",
	.start = AT(FIN_WAIT_1, REMOTE),
	.steps = {
		{ CLI, FIN_ACK, 5, 0, 0, DROP, W_FW1_R,
		  { D(CT_FIN_INVALID, 1) } },
		{ CLI, FIN_ACK, -1, 0, 0, DROP, W_FW1_R,
		  { D(CT_FIN_INVALID, 1) } },
		{ CLI, DATA_FIN, 0, 0, 10, DROP, W_FW1_R,
		  { D(CT_FIN_INVALID, 1) } },
		GO_ON(LAST_ACK, REMOTE),
		{ SRV, FIN_ACK, 7, 1, 0, NEXT, W_LAST_ACK_R,
		  { D(CT_FIN_INVALID, 1) } },
	},
}, {
	/* A dropped segment must not move the table: the kernel never sees
	 * it. Its ACK must not close the local side, or the client's real
	 * ACK after it would be dropped as late.
	 */
	.name = "a dropped FIN acks nothing",
	.start = AT(LAST_ACK, REMOTE),
	.steps = {
		{ CLI, FIN_ACK, 1000, 1, 0, DROP, W_LAST_ACK_R,
		  { D(CT_FIN_INVALID, 1) } },
		GO_ON(TIME_WAIT, REMOTE),
	},
}, {
	/* Short of the FIN, past it, and a FIN that acks it no more: the
	 * FINs crossed. Then the client's ACKs short of the server's FIN,
	 * past it, before it, and one without the ACK flag, which acks
	 * nothing whatever its ack field.
	 */
	.name = "ACKs that don't cover the FIN",
	.start = AT(FIN_WAIT_1, REMOTE),
	.steps = {
		{ SRV, ACK, 0, 0, 0, NEXT, W_FW1_R, { 0 } },
		{ SRV, ACK, 0, 2, 0, NEXT, W_FW1_R, { 0 } },
		{ SRV, FIN_ACK, 0, 2, 0, NEXT, W_CLOSING_R,
		  { D(CT_FIN, 1), D(CT_TO_CLOSING, 2) } },
		{ CLI, ACK, 1, 0, 0, PASS, W_CLOSING_R, { D(EST_PASSED, 1) } },
		{ CLI, ACK, 1, 2, 0, PASS, W_CLOSING_R, { D(EST_PASSED, 1) } },
		{ CLI, ACK, 1, -1, 0, PASS, W_CLOSING_R, { D(EST_PASSED, 1) } },
		{ CLI, PKT_TCP_PSH, 1, 1, 0, PASS, W_CLOSING_R,
		  { D(EST_PASSED, 1) } },
		{ CLI, ACK, 1, 1, 0, PASS,
		  WANT(CLOSING, REMOTE, CLOSING, FIN_OUT, 0,
		       TIME_WAIT, FIN_ACKD, 0),
		  { D(CT_FIN_ACKED, 1), D(CT_TO_TIME_WAIT, 1),
		    D(EST_PASSED, 1) } },
	},
}, {
	/* Data past the FIN and in its own place is dropped; the request
	 * again, ending where the FIN is, passes, and so does a pure ACK
	 * past the FIN. The server's is counted, not dropped.
	 */
	.name = "data after a FIN",
	.start = AT(FIN_WAIT_1, REMOTE),
	.steps = {
		{ CLI, DATA, 1, 0, 10, DROP, W_FW1_R,
		  { D(CT_DATA_AFTER_FIN, 1) } },
		{ CLI, DATA, 0, 0, 1, DROP, W_FW1_R,
		  { D(CT_DATA_AFTER_FIN, 1) } },
		{ CLI, DATA, -CT_REQUEST_LEN, 0, CT_REQUEST_LEN, PASS, W_FW1_R,
		  { D(EST_PASSED, 1) } },
		{ CLI, ACK, 1, 0, 0, PASS, W_FW1_R, { D(EST_PASSED, 1) } },
		GO_ON(LAST_ACK, REMOTE),
		{ SRV, DATA, 1, 1, 10, NEXT, W_LAST_ACK_R,
		  { D(CT_DATA_AFTER_FIN, 1) } },
	},
}, {
	/* A FIN, data or an ACK far from the window changes nothing in the
	 * table (the kernel drops them itself), so the real close still
	 * goes as it should.
	 */
	.name = "blind segments far from the window",
	.start = AT(ESTABLISHED, REMOTE),
	.steps = {
		{ CLI, FIN_ACK, -200000, 0, 0, PASS, W_OPEN,
		  { D(CT_OUT_OF_WINDOW, 1) } },
		{ CLI, DATA, 0x70000000, 0, 100, PASS, W_OPEN,
		  { D(CT_OUT_OF_WINDOW, 1) } },
		GO_ON(TIME_WAIT, REMOTE),
	},
},
};

int main(void)
{
	const struct fx_table tables[] = {
		CT_TABLE("close", close_cases),
	};

	return fx_run_group("ct_close", tables, FX_ARRAY_SIZE(tables), NULL, 0,
			    fx_setup, fx_teardown);
}
