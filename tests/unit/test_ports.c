// SPDX-License-Identifier: GPL-2.0
/* Port specs: what parses, what is refused, and the canonical form. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include "ports.h"

static struct synfin_ports ports;
static char err[256];

static void parses_lists_and_ranges(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(ports_parse("80,443,8000-8100", &ports, err, sizeof(err)), 0);
	assert_true(ports_test(&ports, 80));
	assert_true(ports_test(&ports, 443));
	assert_true(ports_test(&ports, 8000));
	assert_true(ports_test(&ports, 8100));
	assert_false(ports_test(&ports, 8101));
	assert_false(ports_test(&ports, 79));
	assert_int_equal(ports_count(&ports), 103);
	ports_format(&ports, buf, sizeof(buf));
	assert_string_equal(buf, "80,443,8000-8100");
}

/* Blanks around items and dashes, as people write lists. */
static void takes_blanks(void **state)
{
	static const char *const same[] = {
		"80, 443, 8000-8100", " 80 ,443 , 8000 - 8100 ", "80,\t443,8000 -8100",
		"\t80,443,8000- 8100\t",
	};
	char buf[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if (ports_parse(same[i], &ports, err, sizeof(err)))
			fail_msg("'%s' refused: %s", same[i], err);
		ports_format(&ports, buf, sizeof(buf));
		assert_string_equal(buf, "80,443,8000-8100");
	}
}

static void edges(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(ports_parse("1,65535", &ports, err, sizeof(err)), 0);
	assert_true(ports_test(&ports, 1));
	assert_true(ports_test(&ports, 65535));
	assert_int_equal(ports_count(&ports), 2);
	assert_int_equal(ports_parse("1-65535", &ports, err, sizeof(err)), 0);
	assert_int_equal(ports_count(&ports), 65535);
	assert_false(ports_test(&ports, 0));
	ports_format(&ports, buf, sizeof(buf));
	assert_string_equal(buf, "1-65535");
}

static void refuses_bad_specs(void **state)
{
	static const char *const bad[] = {
		"", "0", "65536", "80,", ",80", "80,,81", "a", "80-", "-80",
		"90-80", "80-90-100", "+80", "80,80", "70-90,80",
		"99999999999999999999", " ", " , ", "80 81", "8 0", "80, ",
		"80 - ", "- 80", "80\n", "80;81", "80 -90 -100",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(ports_parse(bad[i], &ports, err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_lists_and_ranges),
		cmocka_unit_test(takes_blanks),
		cmocka_unit_test(edges),
		cmocka_unit_test(refuses_bad_specs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
