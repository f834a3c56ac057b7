// SPDX-License-Identifier: GPL-2.0
/* "ADDR:PORT", the metrics endpoint's address: checked by the config
 * parser, bound by the metrics thread.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "listen_addr.h"

int listen_addr_parse(const char *s, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *h = s, *port_s, *p, *why;
	unsigned long port = 0;
	size_t hlen;
	int v6 = 0;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			why = "want [IPv6]:PORT";
			goto bad;
		}
		v6 = 1;
		h = s + 1;
		hlen = close - h;
		port_s = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon) {
			why = "no port";
			goto bad;
		}
		if (memchr(s, ':', colon - s)) {
			why = "an IPv6 address goes in brackets";
			goto bad;
		}
		hlen = colon - s;
		port_s = colon + 1;
	}
	if (!hlen) {
		why = "no address";
		goto bad;
	}
	/* Digits only: strtoul would take " 80", "+80" and "-1". */
	for (p = port_s; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (*p - '0');
	if (p == port_s || *p || port > 65535) {
		why = "the port is not a number from 0 to 65535";
		goto bad;
	}
	if (hlen >= sizeof(host))
		goto bad_addr;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (v6) {
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			goto bad_addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			goto bad_addr;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
	}
	return 0;
bad_addr:
	why = v6 ? "not a numeric IPv6 address" : "not a numeric IPv4 address";
bad:
	snprintf(err, errlen,
		 "bad metrics address '%s': %s (want ADDR:PORT, e.g. 127.0.0.1:9469 or [::1]:9469)",
		 s, why);
	return -1;
}
