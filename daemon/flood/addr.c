// SPDX-License-Identifier: GPL-2.0
/* synfin-flood's addresses: --dst, --src and --dst-mac, and the check that
 * keeps every frame inside the benchmarking ranges (RFC 2544's
 * 198.18.0.0/15 and RFC 3849's 2001:db8::/32).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "flood.h"

static int parse_ip(const char *s, struct flood_net *net)
{
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, s, net->addr) == 1) {
		net->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, net->addr) == 1) {
		net->ipv6 = 1;
		net->prefix = 128;
		return 0;
	}
	return -1;
}

static int parse_uint(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || !*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* ADDR, ADDR:PORT, [ADDR6] or [ADDR6]:PORT; a bare IPv6 address has no port. */
int flood_parse_dst(const char *s, struct flood_net *dst, __u16 *port)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *p = NULL;
	char *close;
	long v;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	if (buf[0] == '[') {
		close = strchr(buf, ']');
		if (!close || (close[1] && close[1] != ':'))
			goto bad;
		*close = '\0';
		if (close[1])
			p = close + 2;
		if (parse_ip(buf + 1, dst) || !dst->ipv6)
			goto bad;
	} else {
		close = strchr(buf, ':');
		if (close && !strchr(close + 1, ':')) {
			*close = '\0';
			p = close + 1;
		}
		if (parse_ip(buf, dst))
			goto bad;
	}
	if (p) {
		if (parse_uint(p, 1, 65535, &v))
			goto bad;
		*port = v;
	}
	return 0;
bad:
	pr_err("Bad --dst '%s': want ADDR[:PORT] or [ADDR6][:PORT], PORT 1-65535", s);
	return -1;
}

/* ADDR or ADDR/PREFIX; host bits are cleared. */
int flood_parse_cidr(const char *s, struct flood_net *net)
{
	char buf[INET6_ADDRSTRLEN + 8];
	__u32 mask[4];
	char *slash;
	long v;
	int i;

	if (strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (parse_ip(buf, net))
		goto bad;
	if (slash) {
		if (parse_uint(slash + 1, 0, net->ipv6 ? 128 : 32, &v))
			goto bad;
		net->prefix = v;
	}
	flood_net_mask(net, mask);
	for (i = 0; i < 4; i++)
		net->addr[i] &= ~mask[i];
	return 0;
bad:
	pr_err("Bad --src '%s': want ADDR or ADDR/PREFIX", s);
	return -1;
}

int flood_parse_mac(const char *s, __u8 mac[6])
{
	unsigned int b[6];
	char tail;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6) {
		pr_err("Bad --dst-mac '%s': want six hex bytes, aa:bb:cc:dd:ee:ff", s);
		return -1;
	}
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	/* A group address would reach every host on the segment. */
	if (mac[0] & 1) {
		pr_err("Refusing --dst-mac %s: a multicast or broadcast address", s);
		return -1;
	}
	return 0;
}

/* The host bits of net, in network order; IPv4 uses word 0. */
void flood_net_mask(const struct flood_net *net, __u32 hostmask[4])
{
	int bits = (net->ipv6 ? 128 : 32) - net->prefix, i, w;

	memset(hostmask, 0, 4 * sizeof(__u32));
	for (i = 0; i < bits; i++) {
		w = (net->ipv6 ? 127 : 31) - i;
		hostmask[w / 32] |= htonl(1u << (31 - w % 32));
	}
}

int flood_net_is_test(const struct flood_net *net)
{
	if (net->ipv6)
		return net->prefix >= 32 && net->addr[0] == htonl(0x20010db8);
	return net->prefix >= 15 &&
	       (net->addr[0] & htonl(0xfffe0000)) == htonl(0xc6120000);
}

const char *flood_net_str(const struct flood_net *net, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(net->ipv6 ? AF_INET6 : AF_INET, net->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, net->prefix);
	return buf;
}
