/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_PORTS_H
#define SYNFIN_PORTS_H

#include <stddef.h>
#include "synfin.h"

/* Parses "80,443,8000-8100" into a bitmap. Returns 0, or -1 with a
 * one-line reason in err.
 */
int ports_parse(const char *spec, struct synfin_ports *ports, char *err,
		size_t errlen);
int ports_test(const struct synfin_ports *ports, unsigned int port);
unsigned int ports_count(const struct synfin_ports *ports);
/* Writes the set back as a canonical spec ("80,443,8000-8100"). */
void ports_format(const struct synfin_ports *ports, char *buf, size_t len);

#endif
