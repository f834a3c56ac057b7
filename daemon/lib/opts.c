// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "opts.h"

void opts_tables(const struct opt *o, size_t n, int in_order,
		 struct option *longopts, char *shorts)
{
	size_t i, s = 0;

	if (in_order)
		shorts[s++] = '+';
	shorts[s++] = ':';
	for (i = 0; i < n; i++) {
		longopts[i] = (struct option){ o[i].name,
			o[i].arg ? required_argument : no_argument, NULL, o[i].id };
		if (o[i].short_name) {
			shorts[s++] = o[i].short_name;
			if (o[i].arg)
				shorts[s++] = ':';
		}
	}
	memset(&longopts[n], 0, sizeof(longopts[n]));
	shorts[s] = '\0';
}

int opts_id(const struct opt *o, size_t n, int c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (o[i].short_name && o[i].short_name == c)
			return o[i].id;
	return c;
}

void opts_tag(const struct opt *o, char *buf, size_t len)
{
	if (o->short_name)
		snprintf(buf, len, "-%c, --%s", o->short_name, o->name);
	else
		snprintf(buf, len, "--%s", o->name);
}

void opts_syntax(const struct opt *o, char *buf, size_t len)
{
	char tag[64];

	opts_tag(o, tag, sizeof(tag));
	snprintf(buf, len, "%s%s%s%s", o->short_name ? "" : "    ", tag,
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

void opts_usage(FILE *f, const struct opt *o, size_t n)
{
	char syn[64];
	size_t i;

	for (i = 0; i < n; i++) {
		if (!o[i].help)
			continue;
		opts_syntax(&o[i], syn, sizeof(syn));
		if (strlen(syn) > 26)
			fprintf(f, "  %s\n  %-26s %s\n", syn, "", o[i].help);
		else
			fprintf(f, "  %-26s %s\n", syn, o[i].help);
	}
}

void opts_error(int c, char **argv, const char *help_hint)
{
	const char *word = argv[optind - 1];
	char letter[3] = "-?";

	/* An unknown letter inside "-xj": getopt_long hasn't moved past the
	 * word yet, so argv[optind - 1] is the one before it.
	 */
	if (c == '?' && optopt > 0 && optopt < 128 && isprint(optopt) &&
	    strncmp(word, "--", 2)) {
		letter[1] = optopt;
		word = letter;
	}
	if (c == ':')
		pr_err("Option '%s' needs a value (see %s)", word, help_hint);
	else
		pr_err("Unknown option '%s' (see %s)", word, help_hint);
}

int parse_u64(const char *s, __u64 lo, __u64 hi, __u64 *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || !isdigit((unsigned char)*s) || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
