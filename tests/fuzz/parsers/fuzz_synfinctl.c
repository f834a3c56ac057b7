// SPDX-License-Identifier: GPL-2.0
/* synfinctl's command line and its reading of the reply: the input's lines
 * are the arguments, its last line the daemon's reply, which the fuzz
 * target gives in place of the socket (synfinctl_exchange).
 */
#include <getopt.h>
#include "fuzz_text.h"
#include "log.h"

#define MAX_ARGS 16

int synfinctl_main(int argc, char **argv);
char *synfinctl_exchange(const char *path, const char *line);

static const char *reply_text;

char *synfinctl_exchange(const char *path, const char *line)
{
	(void)path;
	(void)line;
	return strdup(reply_text);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *argv[MAX_ARGS + 2], *nl, *s;
	int argc = 0, a;

	argv[argc++] = "synfinctl";
	for (s = text; (nl = strchr(s, '\n')) && argc <= MAX_ARGS; s = nl + 1) {
		*nl = '\0';
		argv[argc++] = s;
	}
	argv[argc] = NULL;
	reply_text = s;
	/* stats --interval sleeps between its requests. */
	for (a = 1; a < argc; a++)
		if (!strncmp(argv[a], "--i", 3))
			goto out;
	optind = 0;		/* getopt_long starts afresh */
	log_json = 0;
	synfinctl_main(argc, argv);
out:
	free(text);
	return 0;
}
