// SPDX-License-Identifier: GPL-2.0
/* Port specs: comma-separated ports and inclusive ranges, 1..65535, with
 * blanks around items and dashes as people write them ("80, 443, 8000 - 8100").
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ports.h"

static void port_set(struct synfin_ports *ports, unsigned int port)
{
	ports->bits[port / 64] |= 1ULL << (port % 64);
}

int ports_test(const struct synfin_ports *ports, unsigned int port)
{
	return port < 65536 && (ports->bits[port / 64] >> (port % 64)) & 1;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* One decimal port with blanks around it; *end is left after them. */
static int parse_port(const char *s, const char **end, unsigned int *port)
{
	unsigned long v;
	char *e;

	s = skip_blanks(s);
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &e, 10);
	if (errno || v < 1 || v > 65535)
		return -1;
	*end = skip_blanks(e);
	*port = v;
	return 0;
}

/* The spec as an error message shows it: one line, whatever it holds. */
static void spec_shown(const char *spec, char *shown, size_t len)
{
	char *c;

	snprintf(shown, len, "%s", spec);
	for (c = shown; *c; c++)
		if (iscntrl((unsigned char)*c))
			*c = '?';
}

int ports_parse(const char *spec, struct synfin_ports *ports, char *err,
		size_t errlen)
{
	const char *s = spec, *e;
	unsigned int lo, hi, p;
	char shown[256];
	size_t at;

	memset(ports, 0, sizeof(*ports));
	if (!*skip_blanks(s)) {
		snprintf(err, errlen, "empty port list");
		return -1;
	}
	for (;;) {
		if (parse_port(s, &e, &lo))
			goto bad;
		hi = lo;
		if (*e == '-') {
			if (parse_port(e + 1, &e, &hi))
				goto bad;
			if (hi < lo) {
				snprintf(err, errlen,
					 "port range %u-%u is reversed", lo, hi);
				return -1;
			}
		}
		for (p = lo; p <= hi; p++) {
			if (ports_test(ports, p)) {
				spec_shown(spec, shown, sizeof(shown));
				snprintf(err, errlen,
					 "port %u is listed twice in '%s'", p,
					 shown);
				return -1;
			}
			port_set(ports, p);
		}
		if (*e == '\0')
			return 0;
		if (*e != ',')
			goto bad;
		s = e + 1;
	}
bad:
	spec_shown(spec, shown, sizeof(shown));
	at = (size_t)(s - spec) < strlen(shown) ? (size_t)(s - spec) : strlen(shown);
	snprintf(err, errlen,
		 "bad port list '%s' at '%s' (want e.g. 80,443,8000-8100; ports 1-65535)",
		 shown, shown + at);
	return -1;
}

unsigned int ports_count(const struct synfin_ports *ports)
{
	unsigned int i, n = 0;

	for (i = 0; i < 65536 / 64; i++)
		n += __builtin_popcountll(ports->bits[i]);
	return n;
}

void ports_format(const struct synfin_ports *ports, char *buf, size_t len)
{
	unsigned int p = 1, lo;
	size_t used = 0;
	int n;

	buf[0] = '\0';
	while (p < 65536) {
		if (!ports_test(ports, p)) {
			p++;
			continue;
		}
		lo = p;
		while (p + 1 < 65536 && ports_test(ports, p + 1))
			p++;
		n = lo == p ? snprintf(buf + used, len - used, "%s%u",
				       used ? "," : "", lo)
			    : snprintf(buf + used, len - used, "%s%u-%u",
				       used ? "," : "", lo, p);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += n;
		p++;
	}
}
