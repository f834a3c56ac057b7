/* SPDX-License-Identifier: GPL-2.0 */
/* The connection table's scenarios for tests/bpf/test_ct_*.c: one
 * connection, brought to a named state by ct_bring_to(), then segments
 * from a table row (struct ct_case), each checked for its verdict, the
 * exact change of every counter and the entry after it.
 *
 * XDP (xdp_synfin) sees the client's segments, TC egress
 * (tc_synfin_egress) the server's. The client is 198.18.0.1:40000
 * (2001:db8::1), the remote side; the server 198.18.0.2:80 (2001:db8::2),
 * the local side. The fixture's namespace holds no sockets, so nothing is
 * ever found in the kernel.
 *
 * Sequence numbers are offsets from two bases: c->u, the client's next
 * sequence number when the close begins (its FIN's), and c->w, the
 * server's. A step's seq counts from the sender's base, its ack from the
 * receiver's; a FIN's place in an entry from its own side's.
 */
#ifndef SYNFIN_TEST_CT_SCENARIO_H
#define SYNFIN_TEST_CT_SCENARIO_H

#include <stdint.h>
#include "fixture.h"

#define CT_CLIENT_ISN 1000u
#define CT_CLIENT_MSS 1460
#define CT_REQUEST_LEN 100
#define CT_SERVER_WINDOW 64240
#define CT_GSO_MSS 1448

#define ACK PKT_TCP_ACK
#define FIN_ACK (PKT_TCP_FIN | PKT_TCP_ACK)
#define DATA (PKT_TCP_ACK | PKT_TCP_PSH)
#define DATA_FIN (PKT_TCP_FIN | PKT_TCP_ACK | PKT_TCP_PSH)
#define RST PKT_TCP_RST

/* Verdicts: XDP's for the client's segments; TC egress never drops. */
#define PASS FX_XDP_PASS
#define DROP FX_XDP_DROP
#define NEXT FX_TC_ACT_NEXT

/* A connection done at both ends (or reset): counted, and an event sent. */
#define CLOSE_EVENT D(CT_CONN_CLOSED, 1), D(EVENTS_SENT, 1)

/* A side's FIN flags, as the entry must hold them. */
#define FIN_NONE 0
#define FIN_OUT SF_CT_FIN_SENT
#define FIN_ACKD (SF_CT_FIN_SENT | SF_CT_FIN_ACKED)

/* One connection and where each side's sequence numbers stand. */
struct conn {
	int ipv6;
	uint32_t x;		/* the client's ISN */
	uint32_t y;		/* the server's: the cookie, or the kernel's */
	uint32_t u;		/* the client's base */
	uint32_t w;		/* the server's base */
	uint16_t server_window;
};

struct ct_side_want {
	uint8_t state;
	uint8_t fin;		/* FIN_NONE (fin_seq 0), FIN_OUT or FIN_ACKD */
	int32_t fin_at;		/* fin_seq, from the side's base */
};

/* The entry: the connection's state and closer, each side's state, FIN
 * flags and FIN. SF_TCP_NONE: the table holds no entry at all.
 */
struct ct_want {
	uint8_t state;
	uint8_t closer;
	struct ct_side_want side[2];	/* by enum synfin_side */
};

#define WANT(st, closer, rst, rfin, rat, lst, lfin, lat)                       \
	{ SF_TCP_##st, SF_SIDE_##closer,                                       \
	  { { SF_TCP_##rst, (rfin), (rat) }, { SF_TCP_##lst, (lfin), (lat) } } }
#define W_NO_ENTRY WANT(NONE, NONE, NONE, 0, 0, NONE, 0, 0)
#define W_OPEN WANT(ESTABLISHED, NONE, ESTABLISHED, FIN_NONE, 0,              \
		    ESTABLISHED, FIN_NONE, 0)
#define W_HALF_OPEN WANT(SYN_RECV, NONE, SYN_SENT, FIN_NONE, 0,               \
			 SYN_RECV, FIN_NONE, 0)
#define W_RESET WANT(CLOSED, NONE, CLOSED, FIN_NONE, 0, CLOSED, FIN_NONE, 0)
/* Along a close, named for the newest state of either side, _R when the
 * client (remote) closed first, _L when the server did.
 */
#define W_FW1_R WANT(FIN_WAIT_1, REMOTE, FIN_WAIT_1, FIN_OUT, 0,               \
		     ESTABLISHED, FIN_NONE, 0)
#define W_FW2_R WANT(FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, 0,              \
		     CLOSE_WAIT, FIN_NONE, 0)
#define W_LAST_ACK_R WANT(FIN_WAIT_2, REMOTE, FIN_WAIT_2, FIN_ACKD, 0,         \
			  LAST_ACK, FIN_OUT, 0)
#define W_TW_R WANT(TIME_WAIT, REMOTE, TIME_WAIT, FIN_ACKD, 0,                 \
		    CLOSED, FIN_ACKD, 0)
#define W_CLOSING_R WANT(CLOSING, REMOTE, CLOSING, FIN_OUT, 0,                 \
			 CLOSING, FIN_OUT, 0)
#define W_FW1_L WANT(FIN_WAIT_1, LOCAL, ESTABLISHED, FIN_NONE, 0,              \
		     FIN_WAIT_1, FIN_OUT, 0)
#define W_FW2_L WANT(FIN_WAIT_2, LOCAL, CLOSE_WAIT, FIN_NONE, 0,               \
		     FIN_WAIT_2, FIN_ACKD, 0)
#define W_LAST_ACK_L WANT(FIN_WAIT_2, LOCAL, LAST_ACK, FIN_OUT, 0,             \
			  FIN_WAIT_2, FIN_ACKD, 0)
#define W_TW_L WANT(TIME_WAIT, LOCAL, CLOSED, FIN_ACKD, 0,                     \
		    TIME_WAIT, FIN_ACKD, 0)
#define W_CLOSING_L WANT(CLOSING, LOCAL, CLOSING, FIN_OUT, 0,                  \
			 CLOSING, FIN_OUT, 0)

/* Who sends a step's segment, and how. */
enum ct_from {
	CT_END,			/* no more steps */
	CLI,			/* the client, through XDP */
	SRV,			/* the server, through TC egress */
	CT_GO_ON,		/* GO_ON(): the close goes on */
	CT_FROM = 0x0f,
	/* Options, or-ed in: */
	CT_COOKIE = 0x10,	/* passed with metadata, a cookie ACK again */
	CT_BAD_CSUM = 0x20,	/* a wrong TCP checksum */
	CT_GSO = 0x40,		/* a GSO skb of CT_GSO_MSS segments */
	CT_WIN0 = 0x80,		/* the server's window 0 */
};

/* A step's ack field 0, not an offset. */
#define ACK0 INT32_MIN

/* One segment, what it must do, and the entry after it. */
struct ct_step {
	uint8_t from;		/* enum ct_from */
	uint8_t flags;		/* PKT_TCP_* */
	int32_t seq;		/* from the sender's base */
	int32_t ack;		/* from the receiver's base, or ACK0 */
	uint16_t len;		/* payload */
	int32_t verdict;	/* PASS or DROP (XDP), NEXT (TC egress) */
	struct ct_want want;
	__u64 deltas[SYNFIN_C__MAX];	/* D(...): every counter's change */
};

/* A step that runs ct_close_to(): the close by closer goes on from where
 * the entry stands, its segments checked as ct_bring_to checks them.
 */
#define GO_ON(st, cl)                                                          \
	{ .from = CT_GO_ON,                                                    \
	  .want = { .state = SF_TCP_##st, .closer = SF_SIDE_##cl } }

/* Where a case starts: ct_bring_to()'s connection. */
struct ct_start {
	uint8_t state;		/* SF_TCP_NONE: no connection at all (bases 0) */
	uint8_t closer;		/* SF_SIDE_*: who closes first */
	uint8_t ipv6;
	uint8_t origin;		/* 0 or SF_CT_COOKIE; SF_CT_KERNEL */
	uint32_t isn;		/* SF_CT_KERNEL: its SYN-ACK's seq */
	uint8_t no_request;	/* the cookie handshake alone */
	uint16_t more;		/* bytes more from the client, acked, then */
};

#define AT(st, cl, ...)                                                        \
	{ .state = SF_TCP_##st, .closer = SF_SIDE_##cl, __VA_ARGS__ }

#define CT_MAX_STEPS 12

/* A table row: fx_table's, run by ct_case_run. */
struct ct_case {
	const char *name;
	struct ct_start start;
	struct ct_step steps[CT_MAX_STEPS];	/* up to the first CT_END */
	/* What steps can't say (entry fields, a new connection), after them. */
	void (*then)(struct fx *fx, struct conn *c);
};

void ct_case_run(struct fx *fx, const void *row);
#define CT_TABLE(name, rows) FX_TABLE(name, rows, ct_case_run)

/* ---- connections ---- */

void conn_init(struct conn *c, int ipv6);
/* A spec for the client's segment; server_spec's the other way. */
void client_spec(const struct conn *c, struct pkt_spec *s, uint8_t flags,
		 uint32_t seq, uint32_t ack, size_t len);
void server_spec(const struct conn *c, struct pkt_spec *s, uint8_t flags,
		 uint32_t seq, uint32_t ack, size_t len);
void conn_key(const struct conn *c, struct synfin_ct_key *k);
/* 0 and the connection's entry, or -1. */
int ct_get(const struct fx *fx, const struct conn *c,
	   struct synfin_ct_entry *e);

/* The client's SYN at c->x; the SYN-ACK's cookie becomes c->y. */
void conn_syn(struct fx *fx, struct conn *c);
/* SYN, the cookie SYN-ACK, the cookie ACK: an entry, both ESTABLISHED,
 * bases x + 1 and y + 1. replacing: the tuple has an entry already, which
 * the SYN leaves as it is.
 */
void conn_open(struct fx *fx, struct conn *c, int replacing);
/* Then the request: REQUEST_LEN bytes handed over again with the cookie,
 * the server's ACK.
 */
void conn_request(struct fx *fx, struct conn *c);
/* The kernel's SYN-ACK (seq z) for the tuple: SYN-SENT and SYN-RECEIVED
 * until the client's ACK of z + 1; bases x + 1 and z + 1.
 */
void kernel_open(struct fx *fx, struct conn *c, uint32_t z, int replacing);

/* A new connection (over IPv4, opened with a cookie, unless s says
 * otherwise) brought to s->state: ESTABLISHED (the cookie handshake and
 * the request, or with SF_CT_KERNEL kernel_open(s->isn)), then by
 * s->closer's close to FIN_WAIT_1, FIN_WAIT_2 or CLOSE_WAIT, LAST_ACK,
 * TIME_WAIT, or CLOSING (the FINs crossed). Every segment checked on the
 * way. CT_BRING_TO(fx, &c, FIN_WAIT_2, REMOTE, ...) as a row's AT().
 */
void ct_bring_to(struct fx *fx, struct conn *c, const struct ct_start *s);
#define CT_BRING_TO(fx, c, ...)                                                \
	ct_bring_to((fx), (c), &(const struct ct_start)AT(__VA_ARGS__))
/* The close alone, on from where the entry stands on it. */
void ct_close_to(struct fx *fx, struct conn *c, uint8_t state,
		 uint8_t closer);

/* ---- segments and checks; where names the caller in a failure ---- */

#define CT_STR_(x) #x
#define CT_STR(x) CT_STR_(x)
#define CT_HERE __FILE__ ":" CT_STR(__LINE__)

/* One segment with absolute numbers: the verdict, the frame unchanged (a
 * CT_COOKIE one with the metadata before it).
 */
void ct_send(struct fx *fx, const struct conn *c, uint8_t from,
	     uint8_t flags, uint32_t seq, uint32_t ack, size_t len,
	     int32_t verdict, struct fx_run *r, const char *where);
#define client_send(fx, c, flags, seq, ack, len, verdict, r)                   \
	ct_send(fx, c, CLI, flags, seq, ack, len, verdict, r, CT_HERE)
#define client_send_cookie(fx, c, flags, seq, ack, len, r)                     \
	ct_send(fx, c, CLI | CT_COOKIE, flags, seq, ack, len, PASS, r, CT_HERE)
#define server_send(fx, c, flags, seq, ack, len, r)                            \
	ct_send(fx, c, SRV, flags, seq, ack, len, NEXT, r, CT_HERE)

void ct_expect_deltas(const struct fx_run *r,
		      const __u64 want[SYNFIN_C__MAX], const char *where);
#define CT_EXPECT_DELTAS(r, ...)                                               \
	ct_expect_deltas((r), FX_DELTAS(__VA_ARGS__), CT_HERE)
void ct_expect(const struct fx *fx, const struct conn *c,
	       const struct ct_want *w, const char *where);
#define CT_EXPECT(fx, c, w)                                                    \
	ct_expect((fx), (c), &(const struct ct_want)w, CT_HERE)

/* A step, its numbers from c's bases. */
void ct_step_run(struct fx *fx, struct conn *c, const struct ct_step *st,
		 const char *where);

#endif /* SYNFIN_TEST_CT_SCENARIO_H */
