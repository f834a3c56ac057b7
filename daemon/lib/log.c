// SPDX-License-Identifier: GPL-2.0
/* Reporting, one line per message (log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <json-c/json.h>
#include "log.h"

enum log_level log_max_level = LOG_INFO;
int log_json;

static const char *const level_prefix[] = {
	[LOG_ERR] = "Error: ", [LOG_WARN] = "Warning: ",
	[LOG_INFO] = "", [LOG_DEBUG] = "debug: ",
};

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (lvl > log_max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (lvl == LOG_ERR && log_json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "error", json_object_new_string(buf));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE |
						       (log_json > 1 ? JSON_C_TO_STRING_PRETTY
								     : JSON_C_TO_STRING_PLAIN)));
		fflush(stdout);
		json_object_put(o);
		return;
	}
	fprintf(stderr, "%s%s\n", level_prefix[lvl], buf);
}
