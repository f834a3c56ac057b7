// SPDX-License-Identifier: GPL-2.0
/* synfind: attach the synfin programs to interfaces and run their slow
 * path: cookie secrets, connection-table expiry, the control socket.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <glob.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "ports.h"
#include "config.h"
#include "loader.h"
#include "attach.h"
#include "pins.h"
#include "secrets.h"
#include "stats.h"
#include "expiry.h"
#include "daemon.h"
#include "control.h"
#include "metrics.h"
#include "events.h"

#define EXIT_USAGE 2
/* Four sweeps a second: TIME-WAIT ends within about 1/4 s of its time. */
#define SWEEP_INTERVAL_NS 250000000L
#define MAX_OVERRIDES 64
#define NS_PER_S 1000000000ULL

/* Command-line flags are config keys that override the file. */
struct override {
	const char *section, *key;
	char value[256];
};

struct options {
	const char *config;
	int detach;
	struct override ov[MAX_OVERRIDES];
	int nov;
	char ifaces[1024];	/* --iface, repeated, joined */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: synfind [--config FILE] [--iface IF]... [--ports SPEC] [OPTIONS]\n"
		"Answer SYNs to protected ports with SYN cookies in XDP and track every\n"
		"protected connection. Flags override the file's keys.\n\n"
		"  -c, --config FILE     read FILE (INI; see configs/synfin.conf)\n"
		"  -i, --iface IF        interface to protect (repeatable)  [daemon] interfaces\n"
		"  -p, --ports SPEC      e.g. 80,443,8000-8100               [protect] ports\n"
		"      --prefixes LIST   protected destination prefixes     [protect] prefixes\n"
		"  -m, --mode MODE       auto, native or skb                [daemon] mode\n"
		"  -s, --socket PATH     control socket                     [daemon] control_socket\n"
		"      --pin-dir DIR     bpffs directory for pins           [daemon] pin_dir\n"
		"      --metrics ADDR:PORT  Prometheus endpoint             [daemon] metrics_listen\n"
		"  -k, --keep            leave programs attached at exit    [daemon] keep_attached\n"
		"      --mss4 N, --mss6 N   MSS offered (default MTU - 40/60) [cookie]\n"
		"      --wscale N        our window scale, 0-14 (default 7) [cookie] wscale\n"
		"      --no-sack, --no-timestamps, --no-ecn, --no-wscale     [cookie]\n"
		"      --rotate-s N      cookie secret rotation period      [cookie] rotate_s\n"
		"      --ct-size N       connection table entries           [conntrack] max_entries\n"
		"      --time-wait-ms N  TIME-WAIT duration (default 60000) [conntrack] time_wait_ms\n"
		"      --detach          remove what a --keep run left attached, and exit\n"
		"  -v, --verbose         debug messages, and libbpf's\n"
		"  -h, --help            this text\n\n"
		"Signals: SIGHUP reloads FILE; SIGUSR1 prints the counters; SIGINT and\n"
		"SIGTERM detach (unless --keep) and exit.\n");
}

static int add_override(struct options *o, const char *section,
			const char *key, const char *value)
{
	if (o->nov == MAX_OVERRIDES) {
		pr_err("Too many options");
		return -1;
	}
	o->ov[o->nov].section = section;
	o->ov[o->nov].key = key;
	snprintf(o->ov[o->nov].value, sizeof(o->ov[o->nov].value), "%s", value);
	o->nov++;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { O_MSS4 = 256, O_MSS6, O_WSCALE, O_NOSACK, O_NOTS, O_NOECN, O_NOWS,
	       O_CTSIZE, O_TWMS, O_PREFIXES, O_PINDIR, O_METRICS, O_ROTATE, O_DETACH };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "iface", required_argument, NULL, 'i' },
		{ "ports", required_argument, NULL, 'p' },
		{ "prefixes", required_argument, NULL, O_PREFIXES },
		{ "mode", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{ "pin-dir", required_argument, NULL, O_PINDIR },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "keep", no_argument, NULL, 'k' },
		{ "mss4", required_argument, NULL, O_MSS4 },
		{ "mss6", required_argument, NULL, O_MSS6 },
		{ "wscale", required_argument, NULL, O_WSCALE },
		{ "no-sack", no_argument, NULL, O_NOSACK },
		{ "no-timestamps", no_argument, NULL, O_NOTS },
		{ "no-ecn", no_argument, NULL, O_NOECN },
		{ "no-wscale", no_argument, NULL, O_NOWS },
		{ "rotate-s", required_argument, NULL, O_ROTATE },
		{ "ct-size", required_argument, NULL, O_CTSIZE },
		{ "time-wait-ms", required_argument, NULL, O_TWMS },
		{ "detach", no_argument, NULL, O_DETACH },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, r = 0;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:i:p:m:s:kvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'i':
			if (strlen(o->ifaces) + strlen(optarg) + 2 > sizeof(o->ifaces)) {
				pr_err("Too many interfaces");
				return -1;
			}
			if (o->ifaces[0])
				strcat(o->ifaces, ",");
			strcat(o->ifaces, optarg);
			break;
		case 'p': r = add_override(o, "protect", "ports", optarg); break;
		case O_PREFIXES: r = add_override(o, "protect", "prefixes", optarg); break;
		case 'm': r = add_override(o, "daemon", "mode", optarg); break;
		case 's': r = add_override(o, "daemon", "control_socket", optarg); break;
		case O_PINDIR: r = add_override(o, "daemon", "pin_dir", optarg); break;
		case O_METRICS: r = add_override(o, "daemon", "metrics_listen", optarg); break;
		case 'k': r = add_override(o, "daemon", "keep_attached", "yes"); break;
		case O_MSS4: r = add_override(o, "cookie", "mss4", optarg); break;
		case O_MSS6: r = add_override(o, "cookie", "mss6", optarg); break;
		case O_WSCALE: r = add_override(o, "cookie", "wscale", optarg); break;
		case O_NOSACK: r = add_override(o, "cookie", "sack", "no"); break;
		case O_NOTS: r = add_override(o, "cookie", "timestamps", "no"); break;
		case O_NOECN: r = add_override(o, "cookie", "ecn", "no"); break;
		case O_NOWS: r = add_override(o, "cookie", "window_scaling", "no"); break;
		case O_ROTATE: r = add_override(o, "cookie", "rotate_s", optarg); break;
		case O_CTSIZE: r = add_override(o, "conntrack", "max_entries", optarg); break;
		case O_TWMS: r = add_override(o, "conntrack", "time_wait_ms", optarg); break;
		case O_DETACH:
			o->detach = 1;
			break;
		case 'v':
			log_max_level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			pr_err("Option '%s' needs a value (see --help)", argv[optind - 1]);
			return -1;
		default:
			pr_err("Unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
		if (r)
			return -1;
	}
	if (optind < argc) {
		pr_err("Unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (o->ifaces[0] && add_override(o, "daemon", "interfaces", o->ifaces))
		return -1;
	return 0;
}

/* Defaults, then the file, then the flags. A message for the user on error. */
static int build_config(const struct options *o, struct config *c, char *err,
			size_t errlen)
{
	char msg[256];
	int i;

	config_defaults(c);
	if (o->config && config_load(o->config, c, err, errlen))
		return -1;
	for (i = 0; i < o->nov; i++) {
		if (config_set(c, o->ov[i].section, o->ov[i].key, o->ov[i].value, msg,
			       sizeof(msg))) {
			snprintf(err, errlen, "command line: %s", msg);
			return -1;
		}
	}
	if (o->detach)
		return 0;
	if (!c->nifaces) {
		snprintf(err, errlen, "no interface: give --iface or [daemon] interfaces");
		return -1;
	}
	if (!c->have_ports) {
		snprintf(err, errlen, "no protected port: give --ports or [protect] ports");
		return -1;
	}
	return 0;
}

static int iface_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd, mtu = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
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

/* One MSS per family for all interfaces: the smallest MTU's. */
static void effective_cfg(const struct config *c, struct synfin_cfg *cfg)
{
	struct synfin_cfg one;
	int i;

	config_to_cfg(c, iface_mtu(c->ifaces[0]), cfg);
	for (i = 1; i < c->nifaces; i++) {
		config_to_cfg(c, iface_mtu(c->ifaces[i]), &one);
		if (one.mss4 < cfg->mss4)
			cfg->mss4 = one.mss4;
		if (one.mss6 < cfg->mss6)
			cfg->mss6 = one.mss6;
	}
}

static void print_counters(struct synfin *skel)
{
	__u64 v[SYNFIN_C__MAX];

	if (stats_sum(bpf_map__fd(skel->maps.counters), v))
		pr_warn("Couldn't read the counters: %s", strerror(errno));
	else
		stats_print(stdout, v);
}

/* The tag XDP puts on validated ACKs for TC: random per load, but a
 * restart over kept pins keeps the running one, or ACKs in flight between
 * the old XDP program and the new TC program would be refused.
 */
static int pick_meta_magic(struct daemon *d)
{
	struct synfin_cfg cur = {};
	__u32 key = 0;

	if (d->pins_reused &&
	    !bpf_map_lookup_elem(bpf_map__fd(d->skel->maps.cfg_map), &key, &cur) &&
	    cur.meta_magic) {
		d->meta_magic = cur.meta_magic;
		return 0;
	}
	do {
		if (getrandom(&d->meta_magic, sizeof(d->meta_magic), 0) !=
		    sizeof(d->meta_magic)) {
			pr_err("Couldn't read random bytes: %s", strerror(errno));
			return -1;
		}
	} while (!d->meta_magic);
	return 0;
}

/* Writes the run-time settings of c into the maps. */
static int apply_runtime(struct daemon *d, const struct config *c)
{
	struct synfin_cfg cfg;

	effective_cfg(c, &cfg);
	cfg.meta_magic = d->meta_magic;
	/* Prefixes before the flag that makes them count. */
	if (synfin_set_prefixes(d->skel, c->prefixes, c->nprefixes) ||
	    synfin_set_ports(d->skel, &c->ports) || synfin_set_cfg(d->skel, &cfg))
		return -1;
	d->cfg = cfg;
	d->ports = c->ports;
	expiry_policy_from_config(&d->pol, c);
	return 0;
}

/* SIGHUP: what can change on the fly does; the rest is refused loudly. */
/* SIGHUP (or synfinctl reload): what can change on the fly does; the rest
 * is refused loudly. 0, or -1 with the reason in out.
 */
static int reload(struct daemon *d, const struct options *o, char *out,
		  size_t outlen)
{
	struct config c;
	char err[512];

	if (!o->config) {
		snprintf(out, outlen, "no --config file to reload");
		pr_info("reload: %s", out);
		return -1;
	}
	if (build_config(o, &c, err, sizeof(err))) {
		snprintf(out, outlen, "%s", err);
		pr_err("Reload refused, the running settings stay: %s", err);
		return -1;
	}
#define NEEDS_RESTART(cond, what)                                                   \
	do {                                                                         \
		if (cond)                                                            \
			pr_warn("Reload: %s changed, which needs a restart of synfind; keeping the running value", what); \
	} while (0)
	NEEDS_RESTART(c.nifaces != d->conf.nifaces ||
			      memcmp(c.ifaces, d->conf.ifaces, sizeof(c.ifaces)),
		      "[daemon] interfaces");
	NEEDS_RESTART(c.mode != d->conf.mode, "[daemon] mode");
	NEEDS_RESTART(strcmp(c.pin_dir, d->conf.pin_dir), "[daemon] pin_dir");
	NEEDS_RESTART(strcmp(c.control_socket, d->conf.control_socket),
		      "[daemon] control_socket");
	NEEDS_RESTART(strcmp(c.metrics_listen, d->conf.metrics_listen),
		      "[daemon] metrics_listen");
	NEEDS_RESTART(c.max_entries != d->conf.max_entries, "[conntrack] max_entries");
#undef NEEDS_RESTART
	memcpy(c.ifaces, d->conf.ifaces, sizeof(c.ifaces));
	c.nifaces = d->conf.nifaces;
	c.mode = d->conf.mode;
	strcpy(c.pin_dir, d->conf.pin_dir);
	strcpy(c.control_socket, d->conf.control_socket);
	strcpy(c.metrics_listen, d->conf.metrics_listen);
	c.max_entries = d->conf.max_entries;
	if (apply_runtime(d, &c)) {
		snprintf(out, outlen, "couldn't write the new settings; the running ones stay");
		pr_err("Reload failed half-way; restoring the running settings");
		d->conf.ports = d->ports;
		apply_runtime(d, &d->conf);
		return -1;
	}
	d->conf = c;
	ports_format(&d->ports, err, sizeof(err));
	pr_info("reloaded %s: ports %s, %d prefixes, MSS %u/%u, TIME-WAIT %u ms",
		o->config, err, c.nprefixes, d->cfg.mss4, d->cfg.mss6, c.time_wait_ms);
	return 0;
}

/* The control socket's reload: the options synfind was started with. */
static const struct options *started_with;

static int reload_from_control(struct daemon *d, char *err, size_t errlen)
{
	return reload(d, started_with, err, errlen);
}

/* The LRU evicts silently when the table is full: count it here. */
static void count_evictions(struct daemon *d, __u64 present)
{
	__u64 v[SYNFIN_C__MAX], made, evicted;

	if (stats_sum(bpf_map__fd(d->skel->maps.counters), v))
		return;
	made = v[SYNFIN_C_CT_NEW_COOKIE] + v[SYNFIN_C_CT_NEW_KERNEL] +
	       v[SYNFIN_C_CT_ADOPTED];
	if (!d->have_base) {
		d->base_made = made;
		d->base_expired = d->expired_total;
		d->base_present = present;
		d->have_base = 1;
		return;
	}
	evicted = made - d->base_made - (d->expired_total - d->base_expired);
	evicted = evicted > present - d->base_present ?
			  evicted - (present - d->base_present) : 0;
	if (evicted > d->evicted && monotonic_ns() - d->warned_ns > 60 * NS_PER_S) {
		pr_warn("The connection table is full: %llu entries evicted so far; raise [conntrack] max_entries (now %u)",
			(unsigned long long)evicted, d->ct_size);
		d->warned_ns = monotonic_ns();
	}
	d->evicted = evicted;
}

/* A slice of the table a tick, so a full table costs a fraction of a core:
 * a pass over 1,000,000 entries takes about 8 s.
 */
#define SWEEP_SLICE 32768
/* The table's filter is rebuilt along a pass at most this often: its stale
 * bits (entries gone since) only cost lookups.
 */
#define FILTER_REBUILD_S 10

static void sweep(struct daemon *d)
{
	struct expiry_stats st;
	__u64 t0 = monotonic_ns();
	int r;

	r = ct_sweep_slice(bpf_map__fd(d->skel->maps.conntrack), &d->pol, t0,
			   SWEEP_SLICE, &d->cursor, &st);
	d->sweep_cost_ns = monotonic_ns() - t0;
	d->expired_total += st.removed;
	d->tw_expired_total += st.removed_time_wait;
	if (r < 0) {
		pr_warn("Couldn't sweep the connection table: %s (%d)", strerror(-r), r);
		d->cursor.started = 0;
		return;
	}
	if (st.removed)
		pr_debug("swept %llu entries in %.3f ms: removed %llu TIME-WAIT, %llu CLOSED, %llu idle",
			 (unsigned long long)st.scanned, d->sweep_cost_ns / 1e6,
			 (unsigned long long)st.removed_time_wait,
			 (unsigned long long)st.removed_closed,
			 (unsigned long long)st.removed_idle);
	if (r == 1) {
		/* A pass ended: what is in the table now. */
		d->ct_present = d->cursor.scanned - d->cursor.removed;
		count_evictions(d, d->ct_present);
	}
}

/* A fresh key for the next counter period, once every rotate_s (rounded
 * up to whole periods of 68.7 s: keys are per period).
 */
static void maybe_rotate(struct daemon *d, __u64 *rotated_counter)
{
	__u64 now = secrets_counter_now();
	__u64 period_ns = 1ULL << SYNFIN_COUNTER_SHIFT;
	__u64 every = ((__u64)d->conf.rotate_s * NS_PER_S + period_ns - 1) / period_ns;

	if (now == *rotated_counter || now < *rotated_counter + (every ? every : 1))
		return;
	if (secrets_rotate(bpf_map__fd(d->skel->maps.secrets_map), now)) {
		pr_warn("Cookie secret not rotated; the old one stays");
		return;
	}
	*rotated_counter = now;
	/* The metrics thread reads it. */
	__atomic_store_n(&d->secret_ns, monotonic_ns(), __ATOMIC_RELAXED);
	pr_debug("rotated the cookie secret for counter %llu", (unsigned long long)now + 1);
}

/* Runs until SIGINT or SIGTERM. */
static int run(struct daemon *d, const struct options *o, int cfd,
	       struct events *ev)
{
	struct itimerspec its = { .it_interval = { 0, SWEEP_INTERVAL_NS },
				  .it_value = { 0, SWEEP_INTERVAL_NS } };
	__u64 rotated = secrets_counter_now(), ticks;
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
			sweep(d);
			maybe_rotate(d, &rotated);
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
			print_counters(d->skel);
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			char err[512];

			reload(d, o, err, sizeof(err));
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

	if (pins_lock(&p, c->pin_dir))
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
	char err[512];
	sigset_t mask;
	int i, n, keep, cfd = -1, ret = 1;

	log_setup_libbpf();
	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;
	if (build_config(&o, &d.conf, err, sizeof(err))) {
		pr_err("%s", err);
		return EXIT_USAGE;
	}
	if (o.detach)
		return detach_pinned(&d.conf);
	started_with = &o;
	d.reload = reload_from_control;
	for (i = 0; i < d.conf.nifaces; i++) {
		if (!if_nametoindex(d.conf.ifaces[i])) {
			pr_err("No such interface '%s'", d.conf.ifaces[i]);
			return EXIT_USAGE;
		}
	}
	if (check_syncookies())
		return EXIT_USAGE;
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
	if (pins_lock(&pins, d.conf.pin_dir))
		return EXIT_USAGE;
	d.skel = synfin__open();
	if (!d.skel) {
		pr_err("Couldn't open the BPF object: %s", strerror(errno));
		goto err_unlock;
	}
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
	if (pick_meta_magic(&d) || pins_pin_maps(&pins, d.skel) ||
	    apply_runtime(&d, &d.conf))
		goto err_unpin;
	/* Reused secrets keep the cookies in flight valid across a restart. */
	if (!d.pins_reused && secrets_init(bpf_map__fd(d.skel->maps.secrets_map)))
		goto err_unpin;
	if (ct_filter_open(&d.filter, bpf_map__fd(d.skel->maps.ct_filter))) {
		pr_err("Couldn't map the connection table's filter: %s", strerror(errno));
		goto err_unpin;
	}
	d.cursor.filter = &d.filter;
	d.cursor.filter_every_ns = FILTER_REBUILD_S * NS_PER_S;
	if (!d.filter.can_rebuild)
		pr_warn("No RCU grace period from userspace here (membarrier, nohz_full?): the connection table's filter won't be rebuilt, and fills up as connections come and go");
	d.started_ns = d.secret_ns = monotonic_ns();
	cfd = control_open(d.conf.control_socket);
	if (cfd < 0)
		goto err_unpin;
	for (d.natt = 0; d.natt < d.conf.nifaces; d.natt++) {
		if (attach_iface(d.skel, d.conf.ifaces[d.natt], d.conf.mode,
				 d.conf.pin_dir, &d.att[d.natt])) {
			ret = errno == EPERM ? EXIT_USAGE : 1;
			goto err_detach;
		}
	}
	if (d.conf.metrics_listen[0]) {
		struct metrics_source ms = {
			.counters_fd = bpf_map__fd(d.skel->maps.counters),
			.conntrack_fd = bpf_map__fd(d.skel->maps.conntrack),
			.ct_size = d.ct_size,
			.started_ns = d.started_ns,
			.secret_ns = &d.secret_ns,
			.filter = &d.filter,
		};

		mx = metrics_start(d.conf.metrics_listen, &ms);
		if (!mx)
			goto err_detach;
		pr_info("metrics on http://%s/metrics", d.conf.metrics_listen);
	}
	ports_format(&d.ports, err, sizeof(err));
	for (i = 0; i < d.natt; i++)
		pr_info("attached to %s (XDP %s mode%s), protecting ports %s, MSS %u/%u, wscale %u, conntrack map id %u%s",
			d.att[i].ifname, xdp_mode_name(d.att[i].mode),
			d.att[i].reused ? ", pinned links updated in place" : "",
			err, d.cfg.mss4, d.cfg.mss6, d.cfg.wscale,
			synfin_obj_id(bpf_map__fd(d.skel->maps.conntrack)),
			d.pins_reused ? " (resumed from pins)" : "");

	ev = events_open(bpf_map__fd(d.skel->maps.events));
	if (!ev)
		goto err_detach;
	ret = run(&d, &o, cfd, ev) ? 1 : 0;
	events_close(ev);
	print_counters(d.skel);
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
	ct_filter_close(&d.filter);
	synfin__destroy(d.skel);
err_unlock:
	pins_unlock(&pins);
	return ret;
}
