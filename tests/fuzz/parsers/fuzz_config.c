// SPDX-License-Identifier: GPL-2.0
/* synfin.conf (config_load_string over the defaults, as synfind reads the
 * file): a configuration whose lists and strings hold, or one line of
 * error that names the file.
 */
#include "fuzz_text.h"
#include "config.h"

static void check_strings(const struct config *c)
{
	int i;

	if (c->nifaces < 0 || c->nifaces > SYNFIN_MAX_IFACES ||
	    c->nprefixes < 0 || c->nprefixes > SYNFIN_MAX_PREFIXES)
		abort();
	for (i = 0; i < c->nifaces; i++)
		if (!memchr(c->ifaces[i], '\0', IF_NAMESIZE) || !c->ifaces[i][0])
			abort();
	for (i = 0; i < c->nprefixes; i++)
		if (c->prefixes[i].len > (c->prefixes[i].ipv6 ? 128u : 32u))
			abort();
	if (!memchr(c->pin_dir, '\0', sizeof(c->pin_dir)) ||
	    !memchr(c->control_socket, '\0', sizeof(c->control_socket)) ||
	    !memchr(c->metrics_listen, '\0', sizeof(c->metrics_listen)))
		abort();
	if (c->mode > MODE_TC || c->wscale > 14)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), err[512];
	struct config c;

	config_defaults(&c);
	if (config_load_string(text, "fuzz.conf", &c, err, sizeof(err))) {
		if (strncmp(err, "fuzz.conf:", 10) || strchr(err, '\n'))
			abort();	/* not one line naming the file */
	} else {
		check_strings(&c);
		config_check_complete(&c, err, sizeof(err));
	}
	free(text);
	return 0;
}
