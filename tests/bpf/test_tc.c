// SPDX-License-Identifier: GPL-2.0
/* XDP mode's hand-off: tc_synfin_ingress through BPF_PROG_TEST_RUN (skb),
 * and the XDP -> TC hand-off end to end through XDP live frames on lo
 * (tests/lib/live.h).
 *
 * The skb test run can't carry XDP metadata: __sk_buff's data_meta is not
 * among the fields ctx_in may set. So the test runs here show that TC
 * trusts nothing XDP didn't mark, with a listener present that a hand-off
 * would reach; the metadata path is exercised by BPF_F_TEST_XDP_LIVE_FRAMES,
 * whose XDP_PASS frames enter the stack on lo, through TC ingress, with the
 * metadata XDP wrote.
 */
#include "fixture.h"
#include "live.h"

#define CLIENT_ISN 0x31415926u

/* ---- test runs: without metadata the program must not act, whatever
 * the frame says ----
 */

struct ignored_case {
	const char *name;
	int cookie;		/* a.ack with a valid cookie, else as it is */
	struct fx_ack a;
};

/* A client's ACK, from and to 127.0.0.1, whose cookie XDP would accept. */
#define LO_ACK(...)							\
	FX_ACK_OF(PKT_SPEC4(.saddr = { 127, 0, 0, 1 },			\
			    .daddr = { 127, 0, 0, 1 },			\
			    .dport = LIVE_PORT, .seq = CLIENT_ISN),	\
		  __VA_ARGS__)
#define SEGMENT(name, pkt) { name, .a.ack = pkt }
#define DATA_TO(spec_fn, fl) \
	spec_fn(.dport = LIVE_PORT, .flags = (fl), .payload = data, \
		.payload_len = sizeof(data))

static const uint8_t data[32] = "hello";

static const struct ignored_case ignored[] = {
	/* A cookie XDP would accept, to a port with a listener: not XDP's
	 * mark, so no hand-off.
	 */
	{ "cookie ack", 1, LO_ACK() },
	{ "cookie ack with ts", 1,
	  FX_ACK_OF(PKT_SPEC4(.dport = LIVE_PORT, .seq = CLIENT_ISN),
		    .ts = 1, .ts_val = 99) },
	/* The magic in the frame itself (where data_meta would end) is not
	 * metadata either.
	 */
	{ "magic in the frame", 1,
	  LO_ACK(.ack.dst_mac = { 0x0d, 0x0c, 0x1e, 0x5f, 0, 2 }) },
	SEGMENT("syn", DATA_TO(PKT_SPEC4, PKT_TCP_SYN)),
	SEGMENT("ipv6 ack psh", DATA_TO(PKT_SPEC6, PKT_TCP_ACK | PKT_TCP_PSH)),
	SEGMENT("rst", DATA_TO(PKT_SPEC4, PKT_TCP_RST)),
	SEGMENT("ipv6 fin ack", DATA_TO(PKT_SPEC6, PKT_TCP_FIN | PKT_TCP_ACK)),
};

static void run_ignored(struct fx *fx, const void *row)
{
	const struct ignored_case *c = row;
	static struct fx_run r;

	if (c->cookie)
		fx_tc(fx, fx_build_ack, &c->a, &r);
	else
		fx_tc(fx, fx_build_pkt, &c->a.ack, &r);
	assert_int_equal((int)r.retval, FX_TC_ACT_NEXT);
	EXPECT_DELTAS(&r);
	assert_int_equal(r.pkt_len, r.in_len);
	assert_memory_equal(r.pkt, r.in, r.in_len);
	live_expect_nothing_accepted();
}

int main(void)
{
	const struct fx_table tables[] = {
		FX_TABLE("ignored without metadata", ignored, run_ignored),
		LIVE_TABLE("live", FX_HOOK_XDP),
	};

	return fx_run_group("tc", tables, FX_ARRAY_SIZE(tables), NULL, 0,
			    live_setup, live_teardown);
}
