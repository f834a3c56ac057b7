// SPDX-License-Identifier: GPL-2.0
/* TC mode beyond the tables test_syn, test_malformed and test_cookie_ack
 * run through tc_synfin_guard: the cookie ACK handed to a real listener
 * (live, tests/lib/live.h), and TC egress leaving alone what came in, TC
 * mode's redirected SYN-ACKs first.
 *
 * VLAN: the skb test run takes no vlan_present or vlan_tci in ctx_in
 * (EINVAL), nor does it take a tag out of the frame, so the test runs see
 * tags in the frame, as TC sees an inner one (the tables' "vlan" and
 * "qinq" rows). The tag the stack takes out of the frame before TC is
 * live's "priority tag" row.
 */
#include "fixture.h"
#include "live.h"
#include "ct_scenario.h"

#define KERNEL_ISN 0x5a5a0001u
/* An interface the skb came in by: lo's, or one the test run doesn't
 * check for.
 */
#define LO_IFINDEX 1
#define OTHER_IFINDEX 7

/* ---- TC egress: what this host sends, not what came in ---- */

enum egress_segment {
	KERNEL_SYNACK,		/* the kernel's answer to a SYN */
	GUARD_SYNACK,		/* tc_synfin_guard's, the skb of the SYN */
	SERVER_DATA,		/* 100 bytes on a cookie connection */
};

struct egress_case {
	const char *name;
	enum egress_segment seg;
	int ipv6;
	uint32_t ingress_ifindex;	/* ctx_in's: 0, this host sent it */
	int seen;			/* egress tracked it */
	__u64 deltas[SYNFIN_C__MAX];
};

#define NEW_KERNEL D(CT_NEW_KERNEL, 1), D(EVENTS_SENT, 1)

static const struct egress_case egress[] = {
	{ "kernel's syn-ack sent here", KERNEL_SYNACK, .seen = 1,
	  .deltas = { NEW_KERNEL } },
	{ "ipv6 kernel's syn-ack sent here", KERNEL_SYNACK, .ipv6 = 1,
	  .seen = 1, .deltas = { NEW_KERNEL } },
	{ "syn-ack that came in on lo", KERNEL_SYNACK,
	  .ingress_ifindex = LO_IFINDEX },
	{ "ipv6 syn-ack forwarded", KERNEL_SYNACK, .ipv6 = 1,
	  .ingress_ifindex = OTHER_IFINDEX },
	/* The redirect keeps the skb's ingress interface: skipped. Were it
	 * not, every SYN of a flood would make a kernel entry, as here.
	 */
	{ "guard's syn-ack redirected", GUARD_SYNACK,
	  .ingress_ifindex = LO_IFINDEX },
	{ "ipv6 guard's syn-ack redirected", GUARD_SYNACK, .ipv6 = 1,
	  .ingress_ifindex = OTHER_IFINDEX },
	{ "guard's syn-ack as if sent here", GUARD_SYNACK, .seen = 1,
	  .deltas = { NEW_KERNEL } },
	/* Not only SYN-ACKs: a connection's segments too. */
	{ "data sent here", SERVER_DATA, .seen = 1 },
	{ "data forwarded", SERVER_DATA, .ingress_ifindex = OTHER_IFINDEX },
};

/* fx_build_fn of a run's output frame. */
static size_t build_output(const struct fx *fx, uint64_t c, uint8_t *buf,
			   size_t cap, const void *run)
{
	const struct fx_run *r = run;

	(void)fx;
	(void)c;
	assert_true(r->pkt_len <= cap);
	memcpy(buf, r->pkt, r->pkt_len);
	return r->pkt_len;
}

static void run_egress(struct fx *fx, const void *row)
{
	const struct egress_case *c = row;
	const struct __sk_buff skb = { .ingress_ifindex = c->ingress_ifindex };
	static struct fx_run syn, r;
	struct synfin_ct_entry e;
	struct pkt_spec s;
	struct conn cn;

	conn_init(&cn, c->ipv6);
	switch (c->seg) {
	case KERNEL_SYNACK:
		server_spec(&cn, &s, PKT_TCP_SYN | PKT_TCP_ACK, KERNEL_ISN,
			    cn.x + 1, 0);
		fx_tc_egress_skb(fx, &skb, fx_build_pkt, &s, &r);
		break;
	case GUARD_SYNACK:
		client_spec(&cn, &s, PKT_TCP_SYN, cn.x, 0, 0);
		fx_guard(fx, fx_build_pkt, &s, &syn);
		fx_expect_guard_verdict(fx, &syn, FX_XDP_TX);
		fx_tc_egress_skb(fx, &skb, build_output, &syn, &r);
		break;
	case SERVER_DATA:
		conn_open(fx, &cn, 0);
		server_spec(&cn, &s, PKT_TCP_ACK | PKT_TCP_PSH, cn.w, cn.u, 100);
		fx_tc_egress_skb(fx, &skb, fx_build_pkt, &s, &r);
		break;
	}
	assert_int_equal((int)r.retval, FX_TC_ACT_NEXT);
	fx_expect_unchanged(&r);
	fx_check_deltas(&r, c->deltas);
	if (c->seg == SERVER_DATA) {
		assert_int_equal(ct_get(fx, &cn, &e), 0);
		assert_int_equal(e.side[SF_SIDE_LOCAL].packets, c->seen);
		return;
	}
	assert_int_equal(fx_ct_count(fx), c->seen);
	if (c->seen) {
		assert_int_equal(ct_get(fx, &cn, &e), 0);
		assert_int_equal(e.origin, SF_CT_KERNEL);
		assert_int_equal(e.state, SF_TCP_SYN_RECV);
	}
}

int main(void)
{
	const struct fx_table tables[] = {
		LIVE_TABLE("tc live", FX_HOOK_TC),
		FX_TABLE_TC("egress", egress, run_egress),
	};

	return fx_run_group("tc_mode", tables, FX_ARRAY_SIZE(tables), NULL, 0,
			    live_setup, live_teardown);
}
