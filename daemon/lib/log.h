/* SPDX-License-Identifier: GPL-2.0 */
/* The one way synfind, synfinctl and synfin-flood report: "Error: ..." and
 * "Warning: ..." lines on stderr, or, in JSON mode, an error as the JSON
 * object {"error": "..."} on stdout (bpftool's p_err), where a script reads
 * the reply. Warnings and the daemon's info and debug lines always go to
 * stderr as text.
 */
#ifndef SYNFIN_LOG_H
#define SYNFIN_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Messages below this level are dropped; -v raises it to LOG_DEBUG. */
extern enum log_level log_max_level;
/* JSON mode (-j): 1 plain, 2 pretty-printed. */
extern int log_json;

void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf's own messages through here, shown only at LOG_DEBUG. */
void log_setup_libbpf(void);

#define pr_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
