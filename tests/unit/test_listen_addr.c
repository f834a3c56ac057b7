// SPDX-License-Identifier: GPL-2.0
/* The metrics endpoint's "ADDR:PORT": what it takes and what it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include "listen_addr.h"

static void parses_good_addresses(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;
	socklen_t len;
	char err[256];

	(void)state;
	assert_int_equal(listen_addr_parse("127.0.0.1:9469", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(*sin));
	assert_int_equal(ntohs(sin->sin_port), 9469);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);

	assert_int_equal(listen_addr_parse("0.0.0.0:0", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(sin->sin_port, 0);
	assert_int_equal(sin->sin_addr.s_addr, INADDR_ANY);

	assert_int_equal(listen_addr_parse("[::1]:9469", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(*sin6));
	assert_int_equal(ntohs(sin6->sin6_port), 9469);
	assert_memory_equal(&sin6->sin6_addr, &lo6, sizeof(lo6));

	assert_int_equal(listen_addr_parse("[::]:65535", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 65535);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));

	assert_int_equal(listen_addr_parse("[::ffff:10.0.0.1]:80", &ss, &len, err, sizeof(err)), 0);
	assert_true(IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr));
}

static void refuses_bad_addresses(void **state)
{
	static const char *const bad[] = {
		"", ":", "127.0.0.1", "127.0.0.1:", ":9469", "localhost:9469",
		"::1:9469", "::1", "[::1]", "[::1]9469", "[::1:9469", "::1]:9469",
		"[]:9469", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:+80",
		"1.2.3.4: 80", "1.2.3.4:80 ", "1.2.3.4:80x", "1.2.3.4:0x50",
		"1.2.3.4:99999999999999999999", "[127.0.0.1]:80", "1.2.3:80",
		"256.1.1.1:80", " 1.2.3.4:80", "[::1%lo]:80", "[fe80::1::2]:80",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (listen_addr_parse(bad[i], &ss, &len, err, sizeof(err)) != -1)
			fail_msg("'%s' was accepted", bad[i]);
		assert_non_null(strstr(err, "bad metrics address"));
		assert_null(strchr(err, '\n'));
	}
	listen_addr_parse("localhost:9469", &ss, &len, err, sizeof(err));
	assert_non_null(strstr(err, "'localhost:9469': not a numeric IPv4 address"));
	listen_addr_parse("::1:9469", &ss, &len, err, sizeof(err));
	assert_non_null(strstr(err, "brackets"));
	listen_addr_parse("1.2.3.4:65536", &ss, &len, err, sizeof(err));
	assert_non_null(strstr(err, "port"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_good_addresses),
		cmocka_unit_test(refuses_bad_addresses),
	};

	return cmocka_run_group_tests_name("listen_addr", tests, NULL, NULL);
}
