// SPDX-License-Identifier: GPL-2.0
/* xdp_synfin and the connections the kernel holds (real sockets on lo, in
 * the fixture's own namespace): segments of one the table doesn't know are
 * passed and adopted, SYNs on a tuple the table knows go to the kernel,
 * and a listener alone is no connection.
 */
#include "fixture.h"
#include "synfin.skel.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#define EST_PORT 8080

static struct {
	int lfd, cfd, afd;
	uint16_t cport;
} est = { -1, -1, -1, 0 };

/* A connected pair on lo; the client's port in *cport. */
static int tcp_pair(int lfd, uint16_t port, int *cfd, int *afd,
		    uint16_t *cport)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	*cfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*cfd < 0 || connect(*cfd, (struct sockaddr *)&a, sizeof(a)))
		return -1;
	if (getsockname(*cfd, (struct sockaddr *)&a, &alen))
		return -1;
	*cport = ntohs(a.sin_port);
	*afd = accept(lfd, NULL, NULL);
	return *afd < 0 ? -1 : 0;
}

static int est_setup(void **state)
{
	if (fx_setup(state))
		return -1;
	est.lfd = fx_tcp_listen(INADDR_LOOPBACK, EST_PORT, 0);
	if (est.lfd < 0)
		return -1;
	return tcp_pair(est.lfd, EST_PORT, &est.cfd, &est.afd, &est.cport);
}

static int est_teardown(void **state)
{
	if (est.afd >= 0)
		close(est.afd);
	if (est.cfd >= 0)
		close(est.cfd);
	if (est.lfd >= 0)
		close(est.lfd);
	return fx_teardown(state);
}

/* A segment from the client at cport to the listener's port. */
static void est_spec(struct pkt_spec *s, uint16_t cport, uint8_t flags)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };

	pkt_spec_default(s, 0);
	memcpy(s->saddr, lo, 4);
	memcpy(s->daddr, lo, 4);
	s->sport = cport;
	s->dport = EST_PORT;
	s->flags = flags;
	s->seq = 5000;
	s->ack = 6000;
}

/* s, of a connection the kernel holds and the table doesn't: passed as
 * it came, and adopted.
 */
static void expect_adopted(struct fx *fx, const struct pkt_spec *s)
{
	fx_expect_verdict(fx, fx_build_pkt, s, FX_XDP_PASS,
			  FX_DELTAS(D(EST_PASSED, 1), D(CT_ADOPTED, 1),
				    D(EVENTS_SENT, 1)));
}

/* The kernel's connection, new to the table: passed and adopted, with
 * the window scales its socket negotiated. (No RSTs: their sequence
 * number, unknown here, decides.)
 */
struct adopt_case {
	const char *name;
	uint8_t flags;
};

static const struct adopt_case adopted[] = {
	{ "ack", PKT_TCP_ACK },
	{ "ack psh", PKT_TCP_ACK | PKT_TCP_PSH },
	{ "ack fin", PKT_TCP_ACK | PKT_TCP_FIN },
	{ "syn-ack", PKT_TCP_SYN | PKT_TCP_ACK },
	{ "no flags", 0 },
};

static void run_adopted(struct fx *fx, const void *row)
{
	const struct adopt_case *c = row;
	struct synfin_ct_entry e;
	struct tcp_info ti;
	socklen_t tlen = sizeof(ti);
	struct pkt_spec s;

	assert_int_equal(getsockopt(est.afd, IPPROTO_TCP, TCP_INFO, &ti, &tlen),
			 0);
	est_spec(&s, est.cport, c->flags);
	expect_adopted(fx, &s);
	assert_int_equal(fx_ct_count(fx), 1);
	assert_int_equal(fx_ct_lookup(fx, &s, &e), 0);
	assert_int_equal(e.origin, SF_CT_ADOPTED);
	assert_int_equal(e.opener, SF_SIDE_NONE);
	assert_int_equal(e.closer, SF_SIDE_NONE);
	assert_int_equal(e.state, SF_TCP_ESTABLISHED);
	assert_int_equal(e.side[SF_SIDE_REMOTE].wscale, ti.tcpi_snd_wscale);
	assert_int_equal(e.side[SF_SIDE_LOCAL].wscale, ti.tcpi_rcv_wscale);
}

/* A listener is no connection: other tuples to its port are ours. */
struct listener_case {
	const char *name;
	uint8_t flags;
	enum synfin_counter counter;
};

static const struct listener_case listener[] = {
	{ "ack", PKT_TCP_ACK, SYNFIN_C_ACK_COOKIE_INVALID },
	{ "rst", PKT_TCP_RST, SYNFIN_C_CT_RST_UNKNOWN },
	{ "fin ack", PKT_TCP_FIN | PKT_TCP_ACK, SYNFIN_C_ACK_COOKIE_INVALID },
	{ "fin", PKT_TCP_FIN, SYNFIN_C_DROP_NO_CONN },
};

static void run_listener(struct fx *fx, const void *row)
{
	const struct listener_case *c = row;
	__u64 want[SYNFIN_C__MAX] = {};
	struct pkt_spec s;

	want[c->counter] = 1;
	est_spec(&s, (uint16_t)(est.cport + 1), c->flags);
	fx_expect_verdict(fx, fx_build_pkt, &s, FX_XDP_DROP, want);
	assert_int_equal(fx_ct_count(fx), 0);
}

/* ... and a SYN on such a tuple is answered, its cookie accepted. */
static void test_listener_answers(void **state)
{
	struct fx *fx = *state;
	struct fx_frame f = {};
	struct fx_ack a;

	est_spec(&f.spec, (uint16_t)(est.cport + 1), PKT_TCP_SYN);
	fx_expect_synack(fx, &f, &(struct fx_synack_want){ .cookie_ws = 15 });
	f.spec.seq = FX_CLIENT_ISN;
	fx_ack_init(&a, &f.spec);
	fx_expect_cookie_valid(fx, &a, &(struct synfin_meta){
		.mss = 1460, .snd_wscale = 7,
		.flags = SYNFIN_META_SACK | SYNFIN_META_WSCALE });
}

/* Once adopted, the table answers: passed without another adoption. */
static void test_tracked_passed(void **state)
{
	struct fx *fx = *state;
	struct synfin_ct_entry e;
	struct pkt_spec s;

	est_spec(&s, est.cport, PKT_TCP_ACK);
	expect_adopted(fx, &s);
	/* Its made-up sequence number lies far from the socket's rcv_nxt,
	 * which adoption read: passed for the kernel to judge, and the table
	 * learns nothing from it.
	 */
	fx_expect_verdict(fx, fx_build_pkt, &s, FX_XDP_PASS,
			  FX_DELTAS(D(CT_OUT_OF_WINDOW, 1)));
	assert_int_equal(fx_ct_lookup(fx, &s, &e), 0);
	assert_int_equal(e.origin, SF_CT_ADOPTED);
	assert_int_equal(e.side[SF_SIDE_REMOTE].packets, 0);
}

/* s, a SYN, is the kernel's to judge: passed as it came. */
static void expect_syn_to_kernel(struct fx *fx, const struct pkt_spec *s)
{
	fx_expect_verdict(fx, fx_build_pkt, s, FX_XDP_PASS,
			  FX_DELTAS(D(SYN_SEEN, 1), D(SYN_KERNEL_SOCK, 1)));
}

static void test_syn_passed(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	/* The table knows the tuple once a segment adopted it ... */
	est_spec(&s, est.cport, PKT_TCP_ACK);
	expect_adopted(fx, &s);
	/* ... and then asks the kernel about a SYN on it. */
	est_spec(&s, est.cport, PKT_TCP_SYN);
	pkt_opts_linux_syn(&s, 1460, FX_CLIENT_TSVAL, 7);
	expect_syn_to_kernel(fx, &s);
}

/* A SYN on a tuple the table doesn't know costs no socket lookup: it is
 * answered with a cookie even if the kernel happens to hold the tuple.
 */
static void test_syn_untracked_answered(void **state)
{
	struct pkt_spec s;

	est_spec(&s, est.cport, PKT_TCP_SYN);
	pkt_opts_linux_syn(&s, 1460, FX_CLIENT_TSVAL, 7);
	fx_expect_verdict(*state, fx_build_pkt, &s, FX_XDP_TX,
			  FX_DELTAS(D(SYN_SEEN, 1), D(SYNACK_SENT, 1)));
}

/* Past this second's budget of socket lookups, a segment in no entry is
 * dropped unasked, even one of a connection the kernel holds: an ACK flood
 * can't make every forged segment a lookup.
 */
static void test_adopt_budget_spent(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;

	assert_int_equal(fx_budget_set(fx->skel->maps.adopt_budget_map, 50000), 0);
	est_spec(&s, est.cport, PKT_TCP_ACK);
	fx_expect_verdict(fx, fx_build_pkt, &s, FX_XDP_DROP,
			  FX_DELTAS(D(ACK_COOKIE_INVALID, 1),
				    D(ADOPT_SKIPPED, 1)));
	assert_int_equal(fx_ct_count(fx), 0);
	/* With the budget back, the same segment is adopted. */
	assert_int_equal(fx_budget_set(fx->skel->maps.adopt_budget_map, 0), 0);
	expect_adopted(fx, &s);
}

/* Is there a TIME-WAIT socket local :lport, remote :rport? */
static int in_time_wait(uint16_t lport, uint16_t rport)
{
	char line[512];
	FILE *f = fopen("/proc/net/tcp", "r");
	unsigned int l, r, st;
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " %*d: %*8x:%x %*8x:%x %x", &l, &r, &st) == 3 &&
		    l == lport && r == rport && st == 6)
			found = 1;
	fclose(f);
	return found;
}

/* The server closed first: its TIME-WAIT holds the tuple, and a new SYN
 * on it is the kernel's to judge.
 */
static void test_time_wait_syn_passed(void **state)
{
	struct fx *fx = *state;
	struct pkt_spec s;
	int cfd, afd, i;
	uint16_t cport;

	assert_int_equal(tcp_pair(est.lfd, EST_PORT, &cfd, &afd, &cport), 0);
	close(afd);
	close(cfd);
	for (i = 0; i < 400 && !in_time_wait(EST_PORT, cport); i++)
		usleep(5000);
	assert_true(in_time_wait(EST_PORT, cport));

	/* The table holds the TIME-WAIT as it would have tracked the close. */
	est_spec(&s, cport, PKT_TCP_SYN);
	fx_ct_put_time_wait(fx, &s);
	s.seq = 0x80000000;
	expect_syn_to_kernel(fx, &s);

	/* A late ACK for it reaches the kernel's TIME-WAIT socket. */
	est_spec(&s, cport, PKT_TCP_ACK);
	fx_expect_verdict(fx, fx_build_pkt, &s, FX_XDP_PASS,
			  FX_DELTAS(D(EST_PASSED, 1), D(CT_TW_ABSORBED, 1)));
}

int main(void)
{
	const struct fx_table tables[] = {
		FX_TABLE("adopted", adopted, run_adopted),
		FX_TABLE("listener", listener, run_listener),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listener_answers),
		cmocka_unit_test(test_tracked_passed),
		cmocka_unit_test(test_syn_passed),
		cmocka_unit_test(test_syn_untracked_answered),
		cmocka_unit_test(test_adopt_budget_spent),
		cmocka_unit_test(test_time_wait_syn_passed),
	};

	return fx_run_group("sockets", tables, FX_ARRAY_SIZE(tables), tests,
			    FX_ARRAY_SIZE(tests), est_setup, est_teardown);
}
