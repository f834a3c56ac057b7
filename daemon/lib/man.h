/* SPDX-License-Identifier: GPL-2.0 */
/* Manual pages in roff, written by each program from the tables it runs on
 * (its options, commands or keys), so the page can't drift from the code.
 * `make man` runs them.
 */
#ifndef SYNFIN_MAN_H
#define SYNFIN_MAN_H

#include <stdio.h>
#include "opts.h"

/* .TH and the NAME section. */
void man_head(FILE *f, const char *name, int section, const char *summary);
/* .SH title */
void man_section(FILE *f, const char *title);
/* Text with roff's specials escaped: a paragraph of its own. */
void man_para(FILE *f, const char *text);
/* A tagged paragraph: the tag in bold, its argument (or NULL) in
 * italics, then the text.
 */
void man_item(FILE *f, const char *tag, const char *arg, const char *text);
/* Every option that has help, as tagged paragraphs. */
void man_opts(FILE *f, const struct opt *o, size_t n);
/* Text with roff's specials escaped, no newline. */
void man_text(FILE *f, const char *text);

#endif
