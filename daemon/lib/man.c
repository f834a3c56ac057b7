// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "man.h"

void man_text(FILE *f, const char *s)
{
	const char *line = s;

	for (; *s; s++) {
		/* A line that starts with . or ' would be a request. */
		if (s == line && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		if (*s == '\n')
			line = s + 1;
	}
}

void man_head(FILE *f, const char *name, int section, const char *summary)
{
	fprintf(f, ".TH \"%s\" \"%d\" \"\" \"synfin\" \"synfin\"\n", name, section);
	man_section(f, "NAME");
	man_text(f, name);
	fputs(" \\- ", f);
	man_text(f, summary);
	fputc('\n', f);
}

void man_section(FILE *f, const char *title)
{
	fprintf(f, ".SH %s\n", title);
}

void man_para(FILE *f, const char *text)
{
	fputs(".PP\n", f);
	man_text(f, text);
	fputc('\n', f);
}

void man_item(FILE *f, const char *tag, const char *arg, const char *text)
{
	fputs(".TP\n\\fB", f);
	man_text(f, tag);
	fputs("\\fR", f);
	if (arg) {
		fputs(" \\fI", f);
		man_text(f, arg);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	man_text(f, text);
	fputc('\n', f);
}

void man_opts(FILE *f, const struct opt *o, size_t n)
{
	char tag[64];
	size_t i;

	for (i = 0; i < n; i++) {
		if (!o[i].help)
			continue;
		opts_tag(&o[i], tag, sizeof(tag));
		man_item(f, tag, o[i].arg, o[i].help);
	}
}
