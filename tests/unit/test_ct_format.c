// SPDX-License-Identifier: GPL-2.0
/* The JSON synfinctl and monitoring read: a table entry's fields, state
 * names and prefixes, and the stable summary of the counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <arpa/inet.h>
#include "ct_format.h"
#include "stats.h"

static const char *str(json_object *o, const char *k)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

static long long num(json_object *o, const char *k)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_int64(v);
}

static void entry_fields(void **state)
{
	struct synfin_ct_key k = { .family = 4 };
	struct synfin_ct_entry e = {};
	json_object *o, *side;

	(void)state;
	inet_pton(AF_INET, "198.18.0.1", k.raddr);
	inet_pton(AF_INET, "198.18.0.2", k.laddr);
	k.rport = htons(40000);
	k.lport = htons(80);
	e.first_ns = 1000000000ULL;
	e.last_ns = 3000000000ULL;
	e.state = SF_TCP_FIN_WAIT_2;
	e.opener = SF_SIDE_REMOTE;
	e.closer = SF_SIDE_REMOTE;
	e.origin = SF_CT_COOKIE;
	e.mss = 1460;
	e.opts = SYNFIN_META_SACK | SYNFIN_META_TS;
	e.side[SF_SIDE_REMOTE].state = SF_TCP_FIN_WAIT_2;
	e.side[SF_SIDE_REMOTE].flags = SF_CT_FIN_SENT | SF_CT_FIN_ACKED;
	e.side[SF_SIDE_REMOTE].fin_seq = 1101;
	e.side[SF_SIDE_REMOTE].packets = 4;
	e.side[SF_SIDE_LOCAL].state = SF_TCP_CLOSE_WAIT;

	o = ct_entry_json(&k, &e, 4000000000ULL);
	assert_string_equal(str(o, "state"), "FIN-WAIT-2");
	assert_string_equal(str(o, "remote"), "198.18.0.1:40000");
	assert_string_equal(str(o, "local"), "198.18.0.2:80");
	assert_string_equal(str(o, "saddr"), "198.18.0.1");
	assert_int_equal(num(o, "sport"), 40000);
	assert_string_equal(str(o, "daddr"), "198.18.0.2");
	assert_int_equal(num(o, "dport"), 80);
	assert_string_equal(str(o, "client_state"), "FIN-WAIT-2");
	assert_string_equal(str(o, "server_state"), "CLOSE-WAIT");
	assert_string_equal(str(o, "origin"), "cookie");
	assert_string_equal(str(o, "closer"), "remote");
	assert_int_equal(num(o, "age_ms"), 3000);
	assert_int_equal(num(o, "idle_ms"), 1000);
	assert_int_equal(num(o, "mss"), 1460);
	assert_true(json_object_object_get_ex(o, "remote_side", &side));
	assert_int_equal(num(side, "fin_seq"), 1101);
	assert_int_equal(num(side, "packets"), 4);
	assert_true(json_object_object_get_ex(o, "local_side", &side));
	assert_false(json_object_object_get_ex(side, "fin_seq", NULL));
	json_object_put(o);

	/* The local side opened: it is the client. IPv6 in brackets. */
	k.family = 6;
	inet_pton(AF_INET6, "2001:db8::1", k.raddr);
	inet_pton(AF_INET6, "2001:db8::2", k.laddr);
	e.opener = SF_SIDE_LOCAL;
	o = ct_entry_json(&k, &e, 0);
	assert_string_equal(str(o, "remote"), "[2001:db8::1]:40000");
	assert_string_equal(str(o, "saddr"), "2001:db8::2");
	assert_int_equal(num(o, "sport"), 80);
	assert_string_equal(str(o, "client_state"), "CLOSE-WAIT");
	assert_int_equal(num(o, "age_ms"), 0);
	json_object_put(o);
}

static void state_names(void **state)
{
	(void)state;
	assert_int_equal(tcp_state_parse("TIME-WAIT"), SF_TCP_TIME_WAIT);
	assert_int_equal(tcp_state_parse("time-wait"), SF_TCP_TIME_WAIT);
	assert_int_equal(tcp_state_parse("TIME"), SF_TCP_TIME_WAIT);
	assert_int_equal(tcp_state_parse("ESTAB"), SF_TCP_ESTABLISHED);
	assert_int_equal(tcp_state_parse("FIN-WAIT"), -1);	/* 1 or 2? */
	assert_int_equal(tcp_state_parse("CLOS"), -1);		/* CLOSING, CLOSE-WAIT, CLOSED */
	assert_int_equal(tcp_state_parse("CLOSED"), SF_TCP_CLOSED);
	assert_int_equal(tcp_state_parse("nonsense"), -1);
	assert_string_equal(tcp_state_name(SF_TCP_LAST_ACK), "LAST-ACK");
	assert_string_equal(tcp_state_name(200), "?");
}

static void summary_sums(void **state)
{
	__u64 v[SYNFIN_C__MAX] = {};
	int i, found = 0;

	(void)state;
	v[SYNFIN_C_MALFORMED_L2] = 1;
	v[SYNFIN_C_MALFORMED_IP] = 2;
	v[SYNFIN_C_MALFORMED_TCP] = 4;
	v[SYNFIN_C_ACK_COOKIE_INVALID] = 100;
	v[SYNFIN_C_CT_NEW_COOKIE] = 5;
	v[SYNFIN_C_CT_ADOPTED] = 2;
	for (i = 0; i < STATS_SUMMARY_MAX; i++) {
		const struct stats_summary *s = &stats_summary[i];

		if (!strcmp(s->name, "malformed")) {
			assert_int_equal(stats_summary_value(s, v), 7);
			found++;
		} else if (!strcmp(s->name, "dropped")) {
			assert_int_equal(stats_summary_value(s, v), 107);
			found++;
		} else if (!strcmp(s->name, "conn_established")) {
			assert_int_equal(stats_summary_value(s, v), 7);
			found++;
		}
	}
	assert_int_equal(found, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entry_fields),
		cmocka_unit_test(state_names),
		cmocka_unit_test(summary_sums),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
