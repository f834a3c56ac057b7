// SPDX-License-Identifier: GPL-2.0
/* synfin.conf: the shipped file is the defaults, every key documented; bad
 * files are refused with file:line: message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "ports.h"

#define SHIPPED "configs/synfin.conf"

static const char *write_tmp(const char *text)
{
	static char path[] = "/tmp/synfin-conf-XXXXXX";
	FILE *f;
	int fd;

	strcpy(path, "/tmp/synfin-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void shipped_is_defaults(void **state)
{
	struct config def, got;
	char err[512];

	(void)state;
	config_defaults(&def);
	config_defaults(&got);
	/* Parse over a zeroed struct too: every default must be written out. */
	memset(&got, 0, sizeof(got));
	assert_int_equal(config_load(SHIPPED, &got, err, sizeof(err)), 0);
	/* interfaces and ports have no default (commented examples). */
	assert_int_equal(got.nifaces, 0);
	assert_int_equal(got.have_ports, 0);
	assert_int_equal(got.mode, def.mode);
	assert_string_equal(got.pin_dir, def.pin_dir);
	assert_string_equal(got.control_socket, def.control_socket);
	assert_string_equal(got.metrics_listen, def.metrics_listen);
	assert_int_equal(got.keep_attached, def.keep_attached);
	assert_int_equal(got.nprefixes, 0);
	/* rotate_s is obsolete: commented out. */
	assert_string_equal(got.secret_file, def.secret_file);
	assert_int_equal(got.mss4, def.mss4);
	assert_int_equal(got.mss6, def.mss6);
	assert_int_equal(got.wscale, def.wscale);
	assert_int_equal(got.window_scaling, def.window_scaling);
	assert_int_equal(got.sack, def.sack);
	assert_int_equal(got.timestamps, def.timestamps);
	assert_int_equal(got.ecn, def.ecn);
	assert_int_equal(got.max_entries, def.max_entries);
	assert_int_equal(got.time_wait_ms, def.time_wait_ms);
	assert_int_equal(got.syn_timeout_s, def.syn_timeout_s);
	assert_int_equal(got.established_timeout_s, def.established_timeout_s);
	assert_int_equal(got.close_timeout_s, def.close_timeout_s);
	assert_int_equal(got.close_wait_timeout_s, def.close_wait_timeout_s);
}

/* Every key the parser knows appears in the shipped file, set or as a
 * commented example.
 */
static void shipped_documents_every_key(void **state)
{
	char line[512], want[128];
	const char *sec, *key;
	size_t i;
	int found;
	FILE *f;

	(void)state;
	for (i = 0; config_flag_at(i, &sec, &key); i++) {
		f = fopen(SHIPPED, "r");
		assert_non_null(f);
		snprintf(want, sizeof(want), "%s =", key);
		found = 0;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, want, strlen(want)) ||
			    (line[0] == '#' && !strncmp(line + 1, want, strlen(want))))
				found = 1;
		fclose(f);
		if (!found)
			fail_msg("key '%s' of [%s] is not in %s", key, sec, SHIPPED);
	}
	assert_true(i > 20);
}

static void good_file(void **state)
{
	struct config c;
	char err[512];
	const char *p = write_tmp("[daemon]\ninterfaces = eth0, eth1\nmode = skb\n"
				  "keep_attached = yes\n[protect]\nports = 80,443,8000-8100\n"
				  "prefixes = 198.18.0.0/15 2001:db8::/32\n"
				  "[cookie]\nsack = off\nmss4 = 1400\n"
				  "[conntrack]\nmax_entries = 4096\ntime_wait_ms = 3000\n");

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_load(p, &c, err, sizeof(err)), 0);
	unlink(p);
	assert_int_equal(c.nifaces, 2);
	assert_string_equal(c.ifaces[1], "eth1");
	assert_int_equal(c.mode, MODE_SKB);
	assert_int_equal(c.keep_attached, 1);
	assert_true(ports_test(&c.ports, 8050));
	assert_int_equal(ports_count(&c.ports), 103);
	assert_int_equal(c.nprefixes, 2);
	assert_int_equal(c.prefixes[0].len, 15);
	assert_int_equal(c.prefixes[1].ipv6, 1);
	assert_int_equal(c.prefixes[1].len, 32);
	assert_int_equal(c.sack, 0);
	assert_int_equal(c.mss4, 1400);
	assert_int_equal(c.max_entries, 4096);
	assert_int_equal(c.time_wait_ms, 3000);
}

static void bad_files(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[daemon]\nfoo = 1\n", ":2: unknown key 'foo' in [daemon]" },
		{ "[nosuch]\nx = 1\n", ":2: unknown section [nosuch]" },
		{ "junk\n", ":1: syntax error" },
		{ "[cookie]\nwscale = 15\n", ":2: wscale = '15': want a number from 0 to 14" },
		{ "[cookie]\nwscale = -1\n", ":2: wscale = '-1'" },
		{ "[cookie]\nmss4 = 100\n", ":2: mss4 = '100'" },
		{ "[cookie]\nsack = maybe\n", ":2: sack = 'maybe': want yes or no" },
		{ "[cookie]\nsack = yes\nsack = no\n", ":3: 'sack' is given twice in [cookie]" },
		{ "\n\n[protect]\nports = 80,70-90\n", ":4: port 80 is listed twice" },
		{ "[protect]\nports = 90-80\n", ":2: port range 90-80 is reversed" },
		{ "[protect]\nprefixes = 10.0.0.0/33\n", ":2: bad prefix '10.0.0.0/33'" },
		{ "[daemon]\ninterfaces = eth0,eth0\n", ":2: interface 'eth0' is listed twice" },
		{ "[daemon]\nmode = turbo\n", ":2: mode = 'turbo'" },
		{ "[conntrack]\nmax_entries = 12\n", ":2: max_entries = '12'" },
		{ "[conntrack]\ntime_wait_ms = 99999999999\n", ":2: time_wait_ms" },
	};
	struct config c;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *p = write_tmp(cases[i].text);

		config_defaults(&c);
		err[0] = '\0';
		assert_int_equal(config_load(p, &c, err, sizeof(err)), -1);
		unlink(p);
		if (strncmp(err, p, strlen(p)) || !strstr(err, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s%s...'", i, err, p, cases[i].want);
		assert_null(strchr(err, '\n'));
	}
}

static void prefixes(void **state)
{
	struct prefix p;

	(void)state;
	assert_int_equal(prefix_parse("198.18.0.0/15", &p), 0);
	assert_int_equal(p.ipv6, 0);
	assert_int_equal(p.len, 15);
	assert_int_equal(prefix_parse("2001:db8::1", &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(prefix_parse("198.18.0.1", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(prefix_parse("198.18.0.0/", &p), -1);
	assert_int_equal(prefix_parse("2001:db8::/129", &p), -1);
	assert_int_equal(prefix_parse("nonsense", &p), -1);
	assert_int_equal(prefix_parse("1.2.3.4/8x", &p), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_is_defaults),
		cmocka_unit_test(shipped_documents_every_key),
		cmocka_unit_test(good_file),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(prefixes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
