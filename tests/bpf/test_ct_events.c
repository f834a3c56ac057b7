// SPDX-License-Identifier: GPL-2.0
/* The connection table's events, the ring buffer synfind logs: a
 * connection established by its cookie, closed once both ends are done,
 * or reset; and their rate limit.
 */
#include "ct_scenario.h"
#include "synfin.skel.h"

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

static void test_events(void **state)
{
	struct fx *fx = *state;
	static struct fx_run r;
	struct ev_log l;
	struct conn c;

	__u64 before[SYNFIN_C__MAX], after[SYNFIN_C__MAX];

	ev_drain(fx, &l);	/* what earlier tests left */
	fx_counters(fx, before);
	CT_BRING_TO(fx, &c, TIME_WAIT, REMOTE);
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
	CT_BRING_TO(fx, &c, ESTABLISHED, NONE);
	client_send(fx, &c, RST, c.u, 0, 0, PASS, &r);
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

	CT_BRING_TO(fx, &c, ESTABLISHED, NONE);
	assert_int_equal(fx_budget_set(fx->skel->maps.event_budget,
				       SYNFIN_EVENTS_PER_S), 0);
	client_send(fx, &c, RST, c.u, 0, 0, PASS, &r);
	CT_EXPECT_DELTAS(&r, D(CT_RST_VALID, 1), D(CT_TO_CLOSED, 2),
			 D(EST_PASSED, 1), D(CT_CONN_CLOSED, 1),
			 D(EVENTS_DROPPED, 1));
	assert_int_equal(ct_get(fx, &c, &e), 0);
	assert_int_equal(e.state, SF_TCP_CLOSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_events_rate_limited),
	};

	return fx_run_group("ct_events", NULL, 0, tests, FX_ARRAY_SIZE(tests),
			    fx_setup, fx_teardown);
}
