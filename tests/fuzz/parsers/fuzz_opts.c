// SPDX-License-Identifier: GPL-2.0
/* Numbers on command lines (parse_u64): the first 16 bytes are the range,
 * the rest the text. What parses is in range and is the text's digits.
 */
#include <ctype.h>
#include "fuzz_text.h"
#include "opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u64 lo, hi, v;
	char *s, back[32];

	if (size < 16)
		return 0;
	memcpy(&lo, data, 8);
	memcpy(&hi, data + 8, 8);
	s = fuzz_cstr(data + 16, size - 16);
	if (!parse_u64(s, lo, hi, &v)) {
		if (v < lo || v > hi)
			abort();	/* out of range */
		snprintf(back, sizeof(back), "%llu", (unsigned long long)v);
		while (s[0] == '0' && s[1])	/* leading zeros are fine */
			memmove(s, s + 1, strlen(s));
		if (strcmp(s, back))
			abort();	/* took more than digits */
	}
	free(s);
	return 0;
}
