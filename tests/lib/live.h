/* SPDX-License-Identifier: GPL-2.0 */
/* Live hand-offs: a cookie ACK sent up lo's stack by
 * BPF_F_TEST_XDP_LIVE_FRAMES, through TC ingress, to a real listener. The
 * skb test run can't show a hand-off: bpf_sk_assign_tcp_reqsk wants an skb
 * at TC ingress, which a test run's is not, and XDP metadata can't go in.
 *
 * The fixture's hook picks the programs. XDP mode (FX_HOOK_XDP):
 * xdp_synfin judges the frame and tc_synfin_ingress hands over what it
 * passed, with metadata or (fx_setup_no_meta) bare. TC mode (FX_HOOK_TC):
 * an XDP program that passes everything, and tc_synfin_guard does the
 * rest, as beside another XDP program.
 */
#ifndef SYNFIN_TEST_LIVE_H
#define SYNFIN_TEST_LIVE_H

#include "fixture.h"

#define LIVE_PORT 8080		/* the listener's */
#define LIVE_NO_PORT 8081	/* protected, and no one listens */

/* In the fixture's namespace: the address the frames go to on lo, a
 * listener on LIVE_PORT, the XDP program that passes everything.
 */
int live_init(void);
void live_fini(void);
/* cmocka group set-up and teardown: fx_setup() and live_init(). */
int live_setup(void **state);
int live_teardown(void **state);

/* The listener has no connection waiting. */
void live_expect_nothing_accepted(void);

/* One live XDP run of a's frame, built for the current counter and sent
 * repeat times in one batch, with the hook's TC program attached to lo
 * (the test is skipped where it can't be); the counters before and after
 * in r.
 */
void live_send(struct fx *fx, const struct fx_ack *a, int repeat,
	       struct fx_run *r);

/* A cookie ACK sent live, what it counts, and the connection it makes. */
struct live_case {
	const char *name;
	struct fx_ack a;
	int repeat;			/* copies in the batch */
	__u64 deltas[SYNFIN_C__MAX];	/* XDP mode with metadata, TC mode */
	int accepted;			/* the listener gets a connection */
	uint8_t tcpi_opts;		/* TCPI_OPT_*, on its socket */
};

/* fx_table runner of live_case rows. Where XDP has no metadata room,
 * each ACK it passes counts in handoff_no_meta too.
 */
void live_run(struct fx *fx, const void *row);

/* The rows every mode runs, as table name. */
extern const struct live_case live_cases[];
extern const size_t live_ncases;
#define LIVE_TABLE(name, hook)						\
	{ (name), live_cases, live_ncases, sizeof(live_cases[0]),	\
	  live_run, (hook) }

#endif /* SYNFIN_TEST_LIVE_H */
