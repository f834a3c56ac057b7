/* SPDX-License-Identifier: GPL-2.0 */
/* Command lines from one table per program: getopt_long's tables, the help
 * text and the errors for unknown options all come from it (bpftool's and
 * xdp-tools' way), in synfind, synfinctl and synfin-flood alike.
 */
#ifndef SYNFIN_OPTS_H
#define SYNFIN_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct opt {
	const char *name;	/* --name */
	char short_name;	/* -c, or 0 */
	const char *arg;	/* the argument's name; NULL: a flag */
	int id;			/* what getopt_long returns for it */
	const char *help;	/* NULL: left out of the help */
};

/* Room for n options in getopt_long's tables. */
#define OPTS_LONG_LEN(n) ((n) + 1)
#define OPTS_SHORT_LEN(n) (2 * (n) + 3)

/* Fills longopts (OPTS_LONG_LEN(n)) and shorts (OPTS_SHORT_LEN(n)); shorts
 * starts with ':' (a missing argument is told apart) and, with in_order,
 * '+' (options end at the first argument: a subcommand's own follow it).
 */
void opts_tables(const struct opt *o, size_t n, int in_order,
		 struct option *longopts, char *shorts);
/* The id of the option getopt_long returned as its short letter c. */
int opts_id(const struct opt *o, size_t n, int c);
/* "-i, --iface" or "--pin-dir": the option without its argument. */
void opts_tag(const struct opt *o, char *buf, size_t len);
/* "-i, --iface IF" or "    --pin-dir DIR", as the help lists it. */
void opts_syntax(const struct opt *o, char *buf, size_t len);
/* A line per option that has help. */
void opts_usage(FILE *f, const struct opt *o, size_t n);
/* getopt_long returned ':' or '?': says which option, and how. */
void opts_error(int c, char **argv, const char *help_hint);

/* A number as digits only (strtoull takes " 5", "+5" and "-1"), from lo to
 * hi. 0, or -1 when it is not.
 */
int parse_u64(const char *s, __u64 lo, __u64 hi, __u64 *out);

#endif
