/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_LOG_H
#define SYNFIN_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages below this level are dropped; -v raises it to LOG_DEBUG. */
extern enum log_level log_max_level;

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's own messages through log_msg, shown only at LOG_DEBUG. */
void log_setup_libbpf(void);

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
