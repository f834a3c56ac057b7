// SPDX-License-Identifier: GPL-2.0
/* libbpf's messages through log.h: apart from log.c, so that a program
 * without BPF (synfinctl) links without libbpf.
 */
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "log.h"

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	if (log_max_level < LOG_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);	/* its lines say "libbpf: " */
}

void log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
