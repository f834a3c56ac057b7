/* SPDX-License-Identifier: GPL-2.0 */
/* What the parser fuzz targets share: the input as a C string, and quiet
 * programs.
 */
#ifndef SYNFIN_FUZZ_TEXT_H
#define SYNFIN_FUZZ_TEXT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The input as a NUL-terminated copy (to free): a NUL inside ends it, as in
 * a command line. Its end is the allocation's, so ASan sees any overread.
 */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The parsers' own messages to /dev/null. libFuzzer keeps the stderr it
 * opened at start, and the sanitizers write to fd 2: their reports stay.
 */
static inline void fuzz_quiet(void)
{
	FILE *null = fopen("/dev/null", "w");

	if (!null)
		abort();
	stdout = null;
	stderr = null;
}

#endif
