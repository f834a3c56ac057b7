// SPDX-License-Identifier: GPL-2.0
/* synfind: attach the synfin programs to interfaces and run their slow
 * path: cookie secrets, connection-table expiry, the control socket.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <glob.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "opts.h"
#include "man.h"
#include "ports.h"
#include "config.h"
#include "loader.h"
#include "attach.h"
#include "pins.h"
#include "secrets.h"
#include "clock.h"
#include "daemon.h"
#include "control.h"
#include "metrics.h"
#include "events.h"
#include "synfin.skel.h"

#define EXIT_USAGE 2

struct options {
	struct config_source src;
	int detach;
	int no_xdp_meta;	/* tests: XDP behaves as without metadata room */
};

/* synfind's own flags; every other flag is a config key's (config.c). */
enum { O_CONFIG = 'c', O_VERBOSE = 'v', O_HELP = 'h', O_DETACH = 256,
       O_HELP_TABLE, O_MAN, O_MAN_CONF, O_NO_XDP_META, O_KEY_BASE = 512 };

static const struct opt own_opts[] = {
	{ "config", 'c', "FILE", O_CONFIG, "the INI file to read (see configs/synfin.conf)" },
	{ "detach", 0, NULL, O_DETACH, "remove what a --keep run left attached, and exit" },
	{ "verbose", 'v', NULL, O_VERBOSE, "debug messages (events, sweeps), and libbpf's" },
	{ "help", 'h', NULL, O_HELP, "this text" },
	{ "help-table", 0, NULL, O_HELP_TABLE, "the flags as the README's Markdown table" },
	/* The manual pages, for make man. */
	{ "man", 0, NULL, O_MAN, NULL },
	{ "man-conf", 0, NULL, O_MAN_CONF, NULL },
	/* Tests: XDP acts as on a driver without room for metadata. */
	{ "test-no-xdp-meta", 0, NULL, O_NO_XDP_META, NULL },
};
#define N_OWN (sizeof(own_opts) / sizeof(own_opts[0]))
#define MAX_OPTS (N_OWN + 64)

/* Every option: synfind's own, then a flag per config key, its help
 * followed by sep and the key's section, name and default. Returns how
 * many.
 */
static size_t all_opts(struct opt *o, char help[][192], const char *sep)
{
	const struct config_flag *fl;
	const char *sec, *key;
	char def[64];
	size_t i, n;

	memcpy(o, own_opts, sizeof(own_opts));
	n = N_OWN;
	for (i = 0; (fl = config_flag_at(i, &sec, &key)) && n < MAX_OPTS; i++, n++) {
		config_default_str(i, def, sizeof(def));
		snprintf(help[i], sizeof(help[i]), "%s%s%s[%s] %s%s%s", fl->help,
			 fl->repeatable ? " (repeatable)" : "", sep, sec, key,
			 def[0] ? ", default " : "", def);
		o[n] = (struct opt){ fl->name, fl->short_name, fl->arg, O_KEY_BASE + (int)i,
				     help[i] };
	}
	return n;
}

static void usage(FILE *f)
{
	static char help[MAX_OPTS][192];
	struct opt o[MAX_OPTS];

	fprintf(f, "Usage: synfind [--config FILE] [--iface IF]... [--ports SPEC] [OPTIONS]\n"
		   "Answer SYNs to protected ports with SYN cookies in XDP and track every\n"
		   "protected connection. Each flag overrides the file's key it names.\n\n");
	/* The key on a line of its own, under the help. */
	opts_usage(f, o, all_opts(o, help, "\n                             "));
	fprintf(f, "\nSignals: SIGHUP reloads FILE; SIGUSR1 prints the counters; SIGINT and\n"
		   "SIGTERM detach (unless --keep) and exit.\n");
}

/* The README's table: a row per flag, from the same tables. */
static void help_table(FILE *f)
{
	const struct config_flag *fl;
	const char *sec, *key;
	char syn[64], def[64];
	struct opt o;
	size_t i;

	fprintf(f, "| flag | key | meaning |\n|---|---|---|\n");
	for (i = 0; i < N_OWN; i++) {
		if (own_opts[i].id == O_HELP_TABLE || !own_opts[i].help)
			continue;
		opts_syntax(&own_opts[i], syn, sizeof(syn));
		fprintf(f, "| `%s` | | %s |\n", syn + strspn(syn, " "), own_opts[i].help);
	}
	for (i = 0; (fl = config_flag_at(i, &sec, &key)); i++) {
		o = (struct opt){ fl->name, fl->short_name, fl->arg, 0, NULL };
		opts_syntax(&o, syn, sizeof(syn));
		config_default_str(i, def, sizeof(def));
		fprintf(f, "| `%s`%s | `[%s] %s` | %s%s%s%s |\n", syn + strspn(syn, " "),
			fl->repeatable ? " (repeatable)" : "", sec, key, fl->help,
			def[0] ? " (default `" : "", def, def[0] ? "`)" : "");
	}
}

/* synfind(8). */
static void man_page(FILE *f)
{
	static char help[MAX_OPTS][192];
	struct opt o[MAX_OPTS];

	man_head(f, "synfind", 8, "SYN-flood protection with XDP SYN cookies and connection tracking");
	man_section(f, "SYNOPSIS");
	man_para(f, "synfind [--config FILE] [--iface IF]... [--ports SPEC] [OPTIONS]");
	man_section(f, "DESCRIPTION");
	man_para(f, "synfind attaches the synfin programs to the interfaces it protects: they answer SYNs to protected ports with SYN cookies, validate the returning ACKs and hand good connections to the listening socket, track every protected connection through its close, and drop what belongs to no connection. synfind runs their slow path in the foreground: configuration, the cookie keys of each period (a fleet's from a shared secret file), TIME-WAIT and idle expiry, a control socket for synfinctl(8) and Prometheus metrics. It logs to stderr.");
	man_para(f, "Every key of synfin.conf(5) has a flag that overrides it; the flags are applied after the file, in their order.");
	man_section(f, "OPTIONS");
	man_opts(f, o, all_opts(o, help, "; "));
	man_section(f, "SIGNALS");
	man_para(f, "SIGHUP rereads the file and applies ports, prefixes, cookie options and timeouts; SIGUSR1 prints the counters; SIGINT and SIGTERM detach (unless --keep) and exit.");
	man_section(f, "EXIT STATUS");
	man_para(f, "0 after SIGINT or SIGTERM, 1 when something failed while running, 2 for a bad command line or file, missing privilege, or an interface or system that can't be protected, with one line saying why.");
	man_section(f, "FILES");
	man_item(f, "/etc/synfin/synfin.conf", NULL, "the configuration, see synfin.conf(5)");
	man_item(f, "/run/synfin/synfind.sock", NULL, "the control socket");
	man_item(f, "/sys/fs/bpf/synfin", NULL, "pinned maps and links");
	man_section(f, "SEE ALSO");
	man_para(f, "synfinctl(8), synfin-flood(8), synfin.conf(5)");
}

/* synfin.conf(5), from the key table. */
static void man_conf(FILE *f)
{
	const struct config_flag *fl;
	const char *sec, *key, *last = "";
	char tag[64], text[384], def[64];
	size_t i;

	man_head(f, "synfin.conf", 5, "configuration of synfind");
	man_section(f, "DESCRIPTION");
	man_para(f, "An INI file: [section] headers, then key = value lines; # starts a comment. Lists are comma- or blank-separated. A key that is not known, a bad value, a number out of range, overlapping port ranges or a key given twice stop synfind with file:line: message and exit status 2 before anything is attached. SIGHUP rereads the file and applies [protect], [cookie] and the timeouts of [conntrack] at once; the others need a restart. Every key has a command-line flag of synfind(8) that overrides it.");
	for (i = 0; (fl = config_flag_at(i, &sec, &key)); i++) {
		if (strcmp(sec, last)) {
			snprintf(tag, sizeof(tag), "[%s]", sec);
			man_section(f, tag);
			last = sec;
		}
		config_default_str(i, def, sizeof(def));
		if (fl->arg)
			snprintf(text, sizeof(text), "%s%s. Flag: --%s%s%s.", fl->help,
				 fl->repeatable ? " (a list)" : "", fl->name,
				 def[0] ? "; default " : "", def);
		else
			snprintf(text, sizeof(text), "yes or no. The flag --%s (%s) sets it to %s.",
				 fl->name, fl->help, fl->value);
		snprintf(tag, sizeof(tag), "%s =", key);
		man_item(f, tag, fl->arg ? fl->arg : "yes|no", text);
	}
	man_section(f, "SEE ALSO");
	man_para(f, "synfind(8), synfinctl(8)");
}

static int parse_args(int argc, char **argv, struct options *opts)
{
	static char help[MAX_OPTS][192];
	struct option longopts[OPTS_LONG_LEN(MAX_OPTS)];
	char shorts[OPTS_SHORT_LEN(MAX_OPTS)];
	const struct config_flag *fl;
	const char *sec, *key;
	struct opt o[MAX_OPTS];
	size_t n = all_opts(o, help, "");
	int c;

	memset(opts, 0, sizeof(*opts));
	opts_tables(o, n, 0, longopts, shorts);
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		switch (c = opts_id(o, n, c)) {
		case O_CONFIG:
			opts->src.path = optarg;
			continue;
		case O_DETACH:
			opts->detach = 1;
			continue;
		case O_NO_XDP_META:
			opts->no_xdp_meta = 1;
			continue;
		case O_VERBOSE:
			log_max_level = LOG_DEBUG;
			continue;
		case O_HELP:
			usage(stdout);
			exit(0);
		case O_HELP_TABLE:
			help_table(stdout);
			exit(0);
		case O_MAN:
			man_page(stdout);
			exit(0);
		case O_MAN_CONF:
			man_conf(stdout);
			exit(0);
		case ':':
		case '?':
			opts_error(c, argv, "--help");
			return -1;
		}
		fl = config_flag_at(c - O_KEY_BASE, &sec, &key);
		if (!fl || config_override_add(&opts->src, sec, key, fl->arg ? optarg : fl->value,
					       fl->repeatable)) {
			pr_err("Too many options, or '%s' is too long", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		pr_err("Unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	return 0;
}

/* The kernel completes BPF-validated cookies only with syncookies on. */
static int check_syncookies(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_syncookies", "r");
	int v = -1;

	if (!f || fscanf(f, "%d", &v) != 1) {
		pr_err("Couldn't read net.ipv4.tcp_syncookies: %s", strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	if (v < 1) {
		pr_err("net.ipv4.tcp_syncookies is 0, but synfin needs it at 1 or 2 to hand connections to sockets (sysctl -w net.ipv4.tcp_syncookies=1)");
		return -1;
	}
	return 0;
}

/* Runs until SIGINT or SIGTERM: 0, or -1 when the loop itself failed. */
static int run(struct daemon *d, int cfd, struct events *ev)
{
	struct itimerspec its = { .it_interval = { 0, SWEEP_INTERVAL_NS },
				  .it_value = { 0, SWEEP_INTERVAL_NS } };
	__u64 ticks;
	struct signalfd_siginfo si;
	struct pollfd pfd[4];
	sigset_t mask;
	int sfd, tfd, ret = 0;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL)) {
		pr_err("Couldn't set up signals and timers: %s", strerror(errno));
		ret = -1;
		goto out;
	}
	pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = cfd, .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = events_fd(ev), .events = POLLIN };

	for (;;) {
		if (poll(pfd, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s", strerror(errno));
			ret = -1;
			break;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(tfd, &ticks, sizeof(ticks)) < 0)
				ticks = 0;
			daemon_tick(d);
		}
		if (pfd[2].revents & POLLIN)
			control_serve(cfd, d);
		if (pfd[3].revents & POLLIN)
			events_consume(ev);
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGUSR1) {
			daemon_print_counters(d);
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			char err[512];

			daemon_reload(d, err, sizeof(err));
			continue;
		}
		pr_info("%s: %s", strsignal(si.ssi_signo),
			d->conf.keep_attached ? "exiting, programs stay attached (keep)"
					      : "detaching");
		break;
	}
out:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	return ret;
}

/* --detach: what a --keep run (or a crash) left pinned goes. */
static int detach_pinned(const struct config *c)
{
	struct synfin *skel;
	struct attachment a;
	char path[512];
	struct pins p;
	glob_t g;
	int i;

	if (pins_lock(&p, c->pin_dir, 0))
		return EXIT_USAGE;
	/* Every interface with pinned links, named or not. */
	snprintf(path, sizeof(path), "%s/links/*", c->pin_dir);
	if (!glob(path, 0, NULL, &g)) {
		for (i = 0; i < (int)g.gl_pathc; i++) {
			memset(&a, 0, sizeof(a));
			a.xdp_link = a.tc_link = a.tc_egress_link = -1;
			snprintf(a.ifname, sizeof(a.ifname), "%s", strrchr(g.gl_pathv[i], '/') + 1);
			snprintf(a.pin_dir, sizeof(a.pin_dir), "%s", c->pin_dir);
			detach_iface(&a, 0);
			pr_info("detached %s", a.ifname);
		}
		globfree(&g);
	}
	skel = synfin__open();
	if (skel) {
		pins_remove(&p, skel);
		synfin__destroy(skel);
	}
	pins_unlock(&p);
	pr_info("removed the pins under %s", c->pin_dir);
	return 0;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	static struct options o;
	struct pins pins = { .lock_fd = -1 };
	struct metrics *mx = NULL;
	struct events *ev;
	struct keyfile keys;
	char err[512];
	sigset_t mask;
	int i, n, keep, cfd = -1, ret = 1;

	log_setup_libbpf();
	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;
	if (config_build(&o.src, &d.conf, err, sizeof(err)) ||
	    (!o.detach && config_check_complete(&d.conf, err, sizeof(err)))) {
		pr_err("%s", err);
		return EXIT_USAGE;
	}
	if (o.detach)
		return detach_pinned(&d.conf);
	d.src = &o.src;
	for (i = 0; i < d.conf.nifaces; i++) {
		if (!if_nametoindex(d.conf.ifaces[i])) {
			pr_err("No such interface '%s'", d.conf.ifaces[i]);
			return EXIT_USAGE;
		}
	}
	if (check_syncookies())
		return EXIT_USAGE;
	/* The keys before anything is loaded: a bad secret file stops here. */
	if (secrets_keys_load(d.conf.secret_file, &keys, err, sizeof(err))) {
		pr_err("%s", err);
		return EXIT_USAGE;
	}
	if (d.conf.rotate_s != 60)
		pr_warn("[cookie] rotate_s is obsolete and ignored: every %.1f s period has a key of its own",
			(1ULL << SYNFIN_COUNTER_SHIFT) / 1e9);
	d.ct_size = d.conf.max_entries;

	/* Signals are read from a signalfd; block them before anything runs. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* A control client that goes away mid-reply must not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if (geteuid() && access(d.conf.pin_dir, W_OK)) {
		pr_err("synfind needs root or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON (can't write %s)",
		       d.conf.pin_dir);
		return EXIT_USAGE;
	}
	if (pins_lock(&pins, d.conf.pin_dir, d.conf.keep_attached))
		return EXIT_USAGE;
	d.skel = synfin__open();
	if (!d.skel) {
		pr_err("Couldn't open the BPF object: %s", strerror(errno));
		goto err_unlock;
	}
	d.skel->rodata->force_no_meta = o.no_xdp_meta;
	if (synfin_set_ct_size(d.skel, d.ct_size))
		goto err_destroy;
	n = pins_reuse_maps(&pins, d.skel, d.ct_size);
	if (n < 0) {
		ret = EXIT_USAGE;
		goto err_destroy;
	}
	d.pins_reused = n > 0;
	if (synfin_load_opened(d.skel, !d.pins_reused)) {
		ret = errno == EPERM ? EXIT_USAGE : 1;
		goto err_destroy;
	}
	if (daemon_pick_meta_magic(&d) || pins_pin_maps(&pins, d.skel))
		goto err_unpin;
	/* Over pins, the host's keys still valid stay: so do the cookies in
	 * flight across a restart. Keys first: the settings switch to them.
	 */
	n = secrets_init(&d.sec, bpf_map__fd(d.skel->maps.secrets_map),
			 d.key_bank, !d.pins_reused) ||
	    secrets_install(&d.sec, &keys, !!d.conf.secret_file[0],
			    d.conf.secret_file, d.pins_reused);
	keyfile_wipe(&keys);
	if (n || daemon_apply(&d, &d.conf))
		goto err_unpin;
	if (ct_filter_open(&d.filter, bpf_map__fd(d.skel->maps.ct_filter))) {
		pr_err("Couldn't map the connection table's filter: %s", strerror(errno));
		goto err_unpin;
	}
	d.cursor.filter = &d.filter;
	d.cursor.filter_every_ns = FILTER_REBUILD_S * NS_PER_S;
	if (!d.filter.can_rebuild)
		pr_warn("No RCU grace period from userspace here (membarrier, nohz_full?): the connection table's filter won't be rebuilt, and fills up as connections come and go");
	d.started_ns = monotonic_ns();
	if (synfin_set_ifaces(d.skel, d.conf.ifaces, d.conf.nifaces))
		goto err_unpin;
	cfd = control_open(d.conf.control_socket);
	if (cfd < 0)
		goto err_unpin;
	for (d.natt = 0; d.natt < d.conf.nifaces; d.natt++) {
		n = attach_iface(d.skel, d.conf.ifaces[d.natt], d.conf.mode,
				 d.conf.pin_dir, &d.att[d.natt]);
		if (n) {
			ret = n == -2 || errno == EPERM ? EXIT_USAGE : 1;
			goto err_detach;
		}
	}
	if (d.conf.metrics_listen[0]) {
		struct metrics_source ms = {
			.counters_fd = bpf_map__fd(d.skel->maps.counters),
			.ifaces = d.conf.ifaces,
			.nifaces = d.conf.nifaces,
			.conntrack_fd = bpf_map__fd(d.skel->maps.conntrack),
			.ct_size = d.ct_size,
			.started_ns = d.started_ns,
			.secret_ns = &d.sec.written_ns,
			.filter = &d.filter,
			.sec = &d.sec,
		};

		mx = metrics_start(d.conf.metrics_listen, &ms);
		if (!mx)
			goto err_detach;
		pr_info("metrics on http://%s/metrics (port %u)", d.conf.metrics_listen,
			metrics_port(mx));
	}
	ports_format(&d.ports, err, sizeof(err));
	for (i = 0; i < d.natt; i++)
		pr_info("attached to %s (%s mode%s), protecting ports %s, MSS %u/%u, wscale %u, conntrack map id %u%s",
			d.att[i].ifname, guard_mode_name(d.att[i].mode),
			d.att[i].reused ? ", pinned links updated in place" : "",
			err, d.cfg.mss4, d.cfg.mss6, d.cfg.wscale,
			synfin_obj_id(bpf_map__fd(d.skel->maps.conntrack)),
			d.pins_reused ? " (resumed from pins)" : "");

	daemon_log_keys(&d);
	ev = events_open(bpf_map__fd(d.skel->maps.events));
	if (!ev)
		goto err_detach;
	ret = run(&d, cfd, ev) ? 1 : 0;
	events_close(ev);
	daemon_print_counters(&d);
err_detach:
	metrics_stop(mx);
	/* Kept: asked for, or a failed start over pins someone kept. */
	keep = (d.conf.keep_attached && !ret) || (ret && d.pins_reused);
	/* XDP before TC, interface by interface, in reverse. */
	while (d.natt--)
		detach_iface(&d.att[d.natt], keep);
	control_close(cfd, d.conf.control_socket);
err_unpin:
	keep = (d.conf.keep_attached && !ret) || (ret && d.pins_reused);
	if (!keep)
		pins_remove(&pins, d.skel);
err_destroy:
	secrets_destroy(&d.sec);
	ct_filter_close(&d.filter);
	synfin__destroy(d.skel);
err_unlock:
	keyfile_wipe(&keys);
	pins_unlock(&pins);
	return ret;
}
