// SPDX-License-Identifier: GPL-2.0
/* synfinctl: ask a running synfind for its status, counters, connection
 * table and protected ports, over its control socket.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>
#include "control_proto.h"
#include "log.h"
#include "opts.h"
#include "man.h"
#include "keyfile.h"

#define EXIT_DAEMON 1
#define EXIT_USAGE 2
#define REPLY_MAX (64u << 20)

static const char *sock_path = SYNFIN_DEFAULT_SOCKET;

/* Sends one request line to synfind, returns its reply's text (malloc'd;
 * NULL after an error line). Weak: the fuzz target answers in its place.
 */
__attribute__((weak)) char *synfinctl_exchange(const char *path, const char *line)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0, cap = 1 << 16;
	char *buf = NULL;
	ssize_t n;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			pr_err("synfind is not running (no socket at %s)", path);
		else
			pr_err("Couldn't connect to %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (write(fd, line, strlen(line)) < 0 || write(fd, "\n", 1) < 0) {
		pr_err("Couldn't send to %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = cap < REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf) {
		pr_err("Reply from synfind too large");
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

/* Sends req, returns the reply (NULL after an error line). */
static json_object *request(json_object *req)
{
	const char *line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	json_object *reply;
	char *buf;

	buf = synfinctl_exchange(sock_path, line);
	if (!buf)
		return NULL;
	reply = json_tokener_parse(buf);
	free(buf);
	if (!reply) {
		pr_err("synfind sent a reply that is not JSON");
		return NULL;
	}
	return reply;
}

/* The daemon's reply, or an error: the exit status. */
static int call(json_object *req, json_object **reply)
{
	json_object *err;

	*reply = request(req);
	json_object_put(req);
	if (!*reply)
		return EXIT_DAEMON;
	if (json_object_object_get_ex(*reply, "error", &err)) {
		pr_err("%s", json_object_get_string(err));
		json_object_put(*reply);
		*reply = NULL;
		return EXIT_DAEMON;
	}
	return 0;
}

static void print_json(json_object *o);

/* call(), and in JSON mode print the reply as it came: *reply is then
 * NULL and there is nothing left to do.
 */
static int call_or_print(json_object *req, json_object **reply)
{
	int ret = call(req, reply);

	if (!ret && log_json) {
		print_json(*reply);
		json_object_put(*reply);
		*reply = NULL;
	}
	return ret;
}

static json_object *req_new(const char *cmd)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	return o;
}

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, log_json > 1 ? JSON_C_TO_STRING_PRETTY
						      : JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
}

static long long geti(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static double getd(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static int getb(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* o's member key when it has type t, else NULL: a reply that lacks it, or
 * holds something else, prints as empty instead of tripping json-c.
 */
static json_object *get_typed(json_object *o, const char *key, json_type t)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t) ? v : NULL;
}

static const char *gets_(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int no_args(int argc, char **argv, const char *cmd)
{
	if (argc > 1) {
		pr_err("'%s' takes no argument '%s' (see synfinctl help)", cmd, argv[1]);
		return -1;
	}
	return 0;
}

/* Whose keys: a fleet's (by fingerprint) or the host's, and the period. */
static void print_cookie_key(json_object *k)
{
	if (!k)
		return;
	if (!strcmp(gets_(k, "source"), "fleet")) {
		printf("  cookie key        fleet %s", gets_(k, "fingerprint"));
		if (json_object_object_get_ex(k, "accept_fingerprint", NULL))
			printf(" (accepts also %s)", gets_(k, "accept_fingerprint"));
		printf(" from %s\n", gets_(k, "file"));
	} else {
		printf("  cookie key        host %s (random, this host's own)\n",
		       gets_(k, "fingerprint"));
	}
	printf("  key period        %lld on the %s clock, %lld s left of %.1f s\n",
	       geti(k, "period"), gets_(k, "clock"),
	       (geti(k, "period_left_ms") + 999) / 1000, getd(k, "period_s"));
}

static int cmd_status(int argc, char **argv)
{
	json_object *r, *ifs;
	size_t i;
	int ret;

	if (no_args(argc, argv, "status"))
		return EXIT_USAGE;
	ret = call_or_print(req_new(CONTROL_CMD_STATUS), &r);
	if (ret || !r)
		return ret;
	printf("synfind up %lld s, programs: xdp %lld, tc ingress %lld, tc egress %lld, tc guard %lld\n",
	       geti(r, "uptime_ms") / 1000, geti(r, "xdp_prog_id"),
	       geti(r, "tc_ingress_prog_id"), geti(r, "tc_egress_prog_id"),
	       geti(r, "tc_guard_prog_id"));
	ifs = get_typed(r, "interfaces", json_type_array);
	for (i = 0; ifs && i < json_object_array_length(ifs); i++) {
		json_object *a = json_object_array_get_idx(ifs, i);

		printf("  interface %-16s %s mode (ifindex %lld)\n",
		       gets_(a, "name"), gets_(a, "mode"), geti(a, "ifindex"));
	}
	printf("  protected ports   %s\n", gets_(r, "ports"));
	printf("  connection table  %lld of %lld entries (%.2f%%), %lld expired, %lld evicted, last sweep %lld us\n",
	       geti(r, "ct_entries"), geti(r, "ct_size"),
	       geti(r, "ct_size") ? 100.0 * geti(r, "ct_entries") / geti(r, "ct_size") : 0.0,
	       geti(r, "expired_total"), geti(r, "evicted_total"), geti(r, "last_sweep_us"));
	print_cookie_key(get_typed(r, "cookie_key", json_type_object));
	printf("  table filter      %s, %.2f%% of bits set, rebuilt %lld times%s\n",
	       getb(r, "ct_filter_trusted") ? "trusted" : "not trusted yet (every segment looks up the table)",
	       100.0 * getd(r, "ct_filter_fill"), geti(r, "ct_filter_rebuilds"),
	       getb(r, "ct_filter_can_rebuild") ? "" : " (can't be rebuilt here: no membarrier)");
	json_object_put(r);
	return 0;
}

static int parse_num(const char *s, const char *what, long lo, long hi, long *out)
{
	__u64 v;

	if (parse_u64(s, lo, hi, &v)) {
		pr_err("Bad %s '%s': want a number from %ld to %ld", what, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

static void sleep_s(long s)
{
	struct timespec ts = { .tv_sec = s };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The totals; with several interfaces, a column each beside them. */
static void print_counters(json_object *c, json_object *ifs)
{
	size_t i, n = ifs ? json_object_array_length(ifs) : 0;

	if (!c)
		return;
	if (n > 1) {
		printf("%-22s %12s", "", "total");
		for (i = 0; i < n; i++)
			printf(" %12.12s", gets_(json_object_array_get_idx(ifs, i), "name"));
		printf("\n");
	}
	json_object_object_foreach(c, k, v) {
		printf(n > 1 ? "%-22s %12llu" : "%-22s %llu", k,
		       (unsigned long long)json_object_get_int64(v));
		for (i = 0; n > 1 && i < n; i++) {
			json_object *ic = get_typed(json_object_array_get_idx(ifs, i),
						    "counters", json_type_object);

			printf(" %12llu", (unsigned long long)geti(ic, k));
		}
		printf("\n");
	}
}

static int cmd_stats(int argc, char **argv)
{
	long interval = 0, count = -1, i;
	json_object *r, *prev = NULL, *c, *pc;
	int a, ret;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--interval") && a + 1 < argc) {
			if (parse_num(argv[++a], "interval", 1, 3600, &interval))
				return EXIT_USAGE;
		} else if (!strcmp(argv[a], "--count") && a + 1 < argc) {
			if (parse_num(argv[++a], "count", 1, 1000000000, &count))
				return EXIT_USAGE;
		} else {
			pr_err("Unknown stats argument '%s' (want --interval S, --count N)", argv[a]);
			return EXIT_USAGE;
		}
	}
	if (!interval) {
		ret = call_or_print(req_new(CONTROL_CMD_STATS), &r);
		if (ret || !r)
			return ret;
		c = get_typed(r, "counters", json_type_object);
		print_counters(c, get_typed(r, "interfaces", json_type_array));
		json_object_put(r);
		return 0;
	}
	/* Live rates, a line a second in xdp-bench's way; the first sample
	 * is the baseline.
	 */
	if (!log_json)
		printf("%10s %10s %9s %9s %10s %7s %7s %7s\n", "syn/s", "synack/s",
		       "ack-ok/s", "ack-bad/s", "drop/s", "est", "closed", "tw");
	for (i = 0; count < 0 || i <= count; i++) {
		ret = call(req_new(CONTROL_CMD_STATS), &r);
		if (ret) {
			json_object_put(prev);
			return ret;
		}
		if (prev) {
			json_object *out = json_object_new_object(), *rates = json_object_new_object();

			c = get_typed(r, "summary", json_type_object);
			pc = get_typed(prev, "summary", json_type_object);
			if (c) {
				json_object_object_foreach(c, k, v) {
					double rate = (double)(json_object_get_int64(v) - geti(pc, k)) / interval;

					json_object_object_add(rates, k, json_object_new_double(rate));
				}
			}
			if (log_json) {
				json_object *cc;

				json_object_object_get_ex(r, "counters", &cc);
				json_object_object_add(out, "interval_s", json_object_new_int(interval));
				json_object_object_add(out, "summary", json_object_get(c));
				json_object_object_add(out, "counters", json_object_get(cc));
				json_object_object_add(out, "rates", rates);
				print_json(out);
			} else {
#define RATE(name) (json_object_get_double(json_object_object_get(rates, name)))
				printf("%10.0f %10.0f %9.0f %9.0f %10.0f %7.0f %7.0f %7.0f\n",
				       RATE("syn_received"), RATE("synack_sent"),
				       RATE("ack_cookie_valid"), RATE("ack_cookie_invalid"),
				       RATE("dropped"), RATE("conn_established") * interval,
				       RATE("conn_closed") * interval,
				       RATE("time_wait_entered") * interval);
#undef RATE
				fflush(stdout);
				json_object_put(rates);
			}
			json_object_put(out);
			json_object_put(prev);
		}
		prev = r;
		if (count < 0 || i < count)
			sleep_s(interval);
	}
	json_object_put(prev);
	return 0;
}

static int cmd_conns(int argc, char **argv)
{
	json_object *req = req_new(CONTROL_CMD_CONNS), *r, *arr;
	long limit;
	size_t i;
	int a, ret;

	for (a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--state") && a + 1 < argc) {
			json_object_object_add(req, "state", json_object_new_string(argv[++a]));
		} else if (!strcmp(argv[a], "--port") && a + 1 < argc) {
			if (parse_num(argv[++a], "port", 1, 65535, &limit)) {
				json_object_put(req);
				return EXIT_USAGE;
			}
			json_object_object_add(req, "port", json_object_new_int64(limit));
		} else if (!strcmp(argv[a], "--limit") && a + 1 < argc) {
			if (parse_num(argv[++a], "limit", 1, 100000000, &limit)) {
				json_object_put(req);
				return EXIT_USAGE;
			}
			json_object_object_add(req, "limit", json_object_new_int64(limit));
		} else {
			pr_err("Unknown conns argument '%s' (want --state STATE, --port P, --limit N)", argv[a]);
			json_object_put(req);
			return EXIT_USAGE;
		}
	}
	ret = call_or_print(req, &r);
	if (ret || !r)
		return ret;
	arr = get_typed(r, "conns", json_type_array);
	printf("%-12s %-44s %-44s %-12s %-12s %-7s %s\n", "STATE", "REMOTE", "LOCAL",
	       "REMOTE-SIDE", "LOCAL-SIDE", "ORIGIN", "IDLE");
	for (i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i), *rs, *ls;

		json_object_object_get_ex(e, "remote_side", &rs);
		json_object_object_get_ex(e, "local_side", &ls);
		printf("%-12s %-44s %-44s %-12s %-12s %-7s %.1fs\n", gets_(e, "state"),
		       gets_(e, "remote"), gets_(e, "local"), gets_(rs, "state"),
		       gets_(ls, "state"), gets_(e, "origin"), geti(e, "idle_ms") / 1000.0);
	}
	printf("%lld connections\n", geti(r, "total"));
	json_object_put(r);
	return 0;
}

static int cmd_ports(int argc, char **argv)
{
	json_object *req = req_new(CONTROL_CMD_PORTS), *r;
	const char *op = argc > 1 ? argv[1] : "list";
	int ret, show;

	if (!strcmp(op, "show"))
		op = "list";
	show = !strcmp(op, "list");
	if (!show && strcmp(op, "set") && strcmp(op, "add") && strcmp(op, "del")) {
		pr_err("Unknown ports operation '%s' (want list, set, add or del)", op);
		json_object_put(req);
		return EXIT_USAGE;
	}
	if (show ? argc > 2 : argc != 3) {
		pr_err(show ? "ports %s takes no argument"
			   : "ports %s takes one port list, e.g. 80,443,8000-8100", op);
		json_object_put(req);
		return EXIT_USAGE;
	}
	json_object_object_add(req, "op", json_object_new_string(op));
	if (argc == 3)
		json_object_object_add(req, "spec", json_object_new_string(argv[2]));
	ret = call_or_print(req, &r);
	if (ret || !r)
		return ret;
	printf("protected ports %s (%lld)\n", gets_(r, "ports"), geti(r, "count"));
	json_object_put(r);
	return 0;
}

static int cmd_flush(int argc, char **argv)
{
	json_object *req = req_new(CONTROL_CMD_FLUSH), *r;
	int ret;

	if (argc != 3 || strcmp(argv[1], "--state")) {
		pr_err("flush takes --state STATE, e.g. flush --state TIME-WAIT");
		json_object_put(req);
		return EXIT_USAGE;
	}
	json_object_object_add(req, "state", json_object_new_string(argv[2]));
	ret = call_or_print(req, &r);
	if (ret || !r)
		return ret;
	printf("flushed %lld entries\n", geti(r, "flushed"));
	json_object_put(r);
	return 0;
}

static int cmd_reload(int argc, char **argv)
{
	json_object *r;
	int ret;

	if (no_args(argc, argv, "reload"))
		return EXIT_USAGE;
	ret = call_or_print(req_new(CONTROL_CMD_RELOAD), &r);
	if (ret || !r)
		return ret;
	printf("reloaded\n");
	json_object_put(r);
	return 0;
}

/* secret new PATH | fingerprint PATH: the fleet's key file, here, with
 * no synfind.
 */
static int cmd_secret(int argc, char **argv)
{
	char fp[FINGERPRINT_LEN + 1], err[512];
	json_object *o, *a;
	struct keyfile kf;
	int i;

	if (argc != 3 || (strcmp(argv[1], "new") && strcmp(argv[1], "fingerprint"))) {
		pr_err("Usage: synfinctl secret new PATH | fingerprint PATH");
		return EXIT_USAGE;
	}
	o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(argv[2]));
	if (!strcmp(argv[1], "new")) {
		if (keyfile_create(argv[2], fp, err, sizeof(err))) {
			json_object_put(o);
			pr_err("%s", err);
			return EXIT_USAGE;
		}
		json_object_object_add(o, "fingerprint", json_object_new_string(fp));
		if (log_json)
			print_json(o);
		else
			printf("wrote %s: key %s\n", argv[2], fp);
		json_object_put(o);
		return 0;
	}
	if (keyfile_read(argv[2], &kf, err, sizeof(err))) {
		json_object_put(o);
		pr_err("%s", err);
		return EXIT_USAGE;
	}
	a = json_object_new_array();
	for (i = 0; i < kf.nkeys; i++) {
		master_key_fingerprint(&kf.key[i], fp);
		json_object_array_add(a, json_object_new_string(fp));
		if (!log_json)
			printf("%s\n", fp);
	}
	keyfile_wipe(&kf);
	json_object_object_add(o, "fingerprints", a);
	if (log_json)
		print_json(o);
	json_object_put(o);
	return 0;
}

static int cmd_help(int argc, char **argv);

/* One table: dispatch, prefixes and the help text. */
static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
} cmds[] = {
	{ "status", cmd_status, "", "interfaces, programs, ports, table and filter fill, cookie key and period" },
	{ "stats", cmd_stats, "[--interval S [--count N]]", "counters: totals, or rates every S seconds" },
	{ "conns", cmd_conns, "[--state STATE] [--port P] [--limit N]", "the connection table" },
	{ "ports", cmd_ports, "[list | set SPEC | add SPEC | del SPEC]", "protected ports, changed at run time" },
	{ "flush", cmd_flush, "--state STATE", "remove the table's entries in STATE" },
	{ "reload", cmd_reload, "", "reread the configuration and secret files (as SIGHUP)" },
	{ "secret", cmd_secret, "new PATH | fingerprint PATH",
	  "write a fleet key file with a fresh key; show a key file's fingerprints (no synfind needed)" },
	{ "help", cmd_help, "", "this text" },
};

static const struct opt main_opts[] = {
	{ "json", 'j', NULL, 'j', "JSON output, and JSON errors" },
	{ "pretty", 'p', NULL, 'p', "JSON, pretty-printed" },
	{ "socket", 's', "SOCKET", 's', "synfind's control socket" },
	{ "help", 'h', NULL, 'h', "this text" },
	/* The manual page, for make man. */
	{ "man", 0, NULL, 256, NULL },
};
#define N_MAIN_OPTS (sizeof(main_opts) / sizeof(main_opts[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: synfinctl [-j|--json] [-p|--pretty] [-s SOCKET] COMMAND [ARGS]\n\n");
	opts_usage(f, main_opts, N_MAIN_OPTS);
	fprintf(f, "\nCommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-7s %-40s %s\n", cmds[i].name, cmds[i].args, cmds[i].help);
	fprintf(f, "\nCommands may be abbreviated. The socket defaults to %s.\n"
		   "Exit status: 0 success, 1 synfind reported an error or is not running, 2 usage.\n",
		SYNFIN_DEFAULT_SOCKET);
}

/* synfinctl(8), from the same tables. */
static void man_page(FILE *f)
{
	char tag[64];
	size_t i;

	man_head(f, "synfinctl", 8, "ask a running synfind for its status, counters and connections");
	man_section(f, "SYNOPSIS");
	man_para(f, "synfinctl [-j|--json] [-p|--pretty] [-s SOCKET] COMMAND [ARGS]");
	man_section(f, "DESCRIPTION");
	man_para(f, "synfinctl talks to synfind(8) over its control socket (default " SYNFIN_DEFAULT_SOCKET "). Commands may be abbreviated to any unambiguous prefix; help or --help after a command describes it.");
	man_section(f, "OPTIONS");
	man_opts(f, main_opts, N_MAIN_OPTS);
	man_section(f, "COMMANDS");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(tag, sizeof(tag), "%s", cmds[i].name);
		man_item(f, tag, cmds[i].args[0] ? cmds[i].args : NULL, cmds[i].help);
	}
	man_section(f, "EXIT STATUS");
	man_para(f, "0 on success, 1 when synfind reports an error or is not running, 2 on usage errors. An error is one line Error: ... on stderr, or with -j the object {\"error\": \"...\"} on stdout.");
	man_section(f, "SEE ALSO");
	man_para(f, "synfind(8), synfin.conf(5)");
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static const struct cmd *cmd_find(const char *name)
{
	const struct cmd *found = NULL;
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
		if (n && !strncmp(name, cmds[i].name, n)) {
			if (found) {
				pr_err("Command '%s' is ambiguous (%s, %s, ...)", name,
				      found->name, cmds[i].name);
				return NULL;
			}
			found = &cmds[i];
		}
	}
	if (!found)
		pr_err("Unknown command '%s' (see synfinctl help)", name);
	return found;
}

int main(int argc, char **argv)
{
	struct option longopts[OPTS_LONG_LEN(N_MAIN_OPTS)];
	char shorts[OPTS_SHORT_LEN(N_MAIN_OPTS)];
	const struct cmd *c;
	int opt, a;

	/* In order: options end at the command, whose own flags follow it. */
	opts_tables(main_opts, N_MAIN_OPTS, 1, longopts, shorts);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			log_json = 1;
			break;
		case 'p':
			log_json = 2;
			break;
		case 's':
			sock_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 256:
			man_page(stdout);
			return 0;
		default:
			opts_error(opt, argv, "synfinctl help");
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c = cmd_find(argv[optind]);
	if (!c)
		return EXIT_USAGE;
	for (a = optind + 1; a < argc; a++) {
		if (!strcmp(argv[a], "help") || !strcmp(argv[a], "--help")) {
			printf("Usage: synfinctl %s %s\n  %s\n", c->name, c->args, c->help);
			return 0;
		}
	}
	return c->fn(argc - optind, argv + optind);
}
