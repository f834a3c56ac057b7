// SPDX-License-Identifier: GPL-2.0
/* Port specs (ports_parse): any text is a set or one line of error; a set
 * written back (ports_format) parses to the same set.
 */
#include "fuzz_text.h"
#include "ports.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct synfin_ports p, q;
	static char buf[1 << 18];	/* the longest canonical form: every other port */
	char err[256];
	char *spec = fuzz_cstr(data, size);

	if (!ports_parse(spec, &p, err, sizeof(err))) {
		if (!ports_count(&p))
			abort();	/* parsed, but no port */
		ports_format(&p, buf, sizeof(buf));
		if (ports_parse(buf, &q, err, sizeof(err)) || memcmp(&p, &q, sizeof(p)))
			abort();	/* the canonical form is another set */
	} else if (!err[0] || strchr(err, '\n')) {
		abort();		/* not one line of reason */
	}
	free(spec);
	return 0;
}
