// SPDX-License-Identifier: GPL-2.0
/* synfind: attach the synfin programs to an interface and keep the cookie
 * secrets fresh; counters on SIGUSR1 and at exit.
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
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "ports.h"
#include "loader.h"
#include "attach.h"
#include "secrets.h"
#include "stats.h"
#include "expiry.h"
#include "daemon.h"
#include "control.h"

#define EXIT_USAGE 2
#define SWEEP_INTERVAL_S 1
/* Well inside a counter period, so each period gets its own fresh key. */
#define ROTATE_CHECK_TICKS 16

struct options {
	const char *ifaces[SYNFIN_MAX_IFACES];
	int nifaces;
	const char *socket;
	const char *ports;
	enum xdp_mode mode;
	int mss4, mss6, wscale;
	int no_sack, no_ts, no_ecn, no_wscale;
	int ct_size, time_wait_ms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: synfind --iface IF [--iface IF2...] --ports SPEC [OPTIONS]\n"
		"Answer SYNs to protected ports with SYN cookies in XDP.\n\n"
		"  -i, --iface IF        interface to protect (repeatable)\n"
		"  -p, --ports SPEC      protected ports, e.g. 80,443,8000-8100\n"
		"  -m, --mode MODE       XDP mode: auto (default), native, skb\n"
		"      --mss4 N          MSS offered over IPv4 (default MTU - 40)\n"
		"      --mss6 N          MSS offered over IPv6 (default MTU - 60)\n"
		"      --wscale N        our window scale, 0-14 (default 7)\n"
		"      --no-sack         don't offer SACK\n"
		"      --no-timestamps   don't offer timestamps (nor ECN)\n"
		"      --no-ecn          don't accept ECN\n"
		"      --no-wscale       don't offer window scaling\n"
		"      --ct-size N       connection table entries (default 1048576)\n"
		"      --time-wait-ms N  how long TIME-WAIT entries stay (default 60000)\n"
		"  -s, --socket PATH     control socket (default " SYNFIN_DEFAULT_SOCKET ")\n"
		"  -v, --verbose         debug messages, and libbpf's\n"
		"  -h, --help            this text\n\n"
		"Signals: SIGUSR1 prints the counters; SIGINT/SIGTERM detach and exit.\n");
}

static int parse_int(const char *s, int lo, int hi, const char *what, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi) {
		pr_err("Bad %s '%s': want a number from %d to %d", what, s, lo,
		       hi);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum { O_MSS4 = 256, O_MSS6, O_WSCALE, O_NOSACK, O_NOTS, O_NOECN, O_NOWS,
	       O_CTSIZE, O_TWMS };
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "socket", required_argument, NULL, 's' },
		{ "ports", required_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "mss4", required_argument, NULL, O_MSS4 },
		{ "mss6", required_argument, NULL, O_MSS6 },
		{ "wscale", required_argument, NULL, O_WSCALE },
		{ "no-sack", no_argument, NULL, O_NOSACK },
		{ "no-timestamps", no_argument, NULL, O_NOTS },
		{ "no-ecn", no_argument, NULL, O_NOECN },
		{ "no-wscale", no_argument, NULL, O_NOWS },
		{ "ct-size", required_argument, NULL, O_CTSIZE },
		{ "time-wait-ms", required_argument, NULL, O_TWMS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->mss4 = o->mss6 = o->wscale = -1;
	o->ct_size = SYNFIN_CT_DEFAULT_ENTRIES;
	o->socket = SYNFIN_DEFAULT_SOCKET;
	o->time_wait_ms = 60000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:p:m:s:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (o->nifaces == SYNFIN_MAX_IFACES) {
				pr_err("At most %d interfaces", SYNFIN_MAX_IFACES);
				return -1;
			}
			o->ifaces[o->nifaces++] = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'p':
			o->ports = optarg;
			break;
		case 'm':
			if (xdp_mode_parse(optarg, &o->mode)) {
				pr_err("Bad mode '%s': want auto, native or skb",
				       optarg);
				return -1;
			}
			break;
		case O_MSS4:
			if (parse_int(optarg, 536, 65495, "--mss4", &o->mss4))
				return -1;
			break;
		case O_MSS6:
			if (parse_int(optarg, 1220, 65475, "--mss6", &o->mss6))
				return -1;
			break;
		case O_WSCALE:
			if (parse_int(optarg, 0, 14, "--wscale", &o->wscale))
				return -1;
			break;
		case O_NOSACK:
			o->no_sack = 1;
			break;
		case O_NOTS:
			o->no_ts = 1;
			break;
		case O_NOECN:
			o->no_ecn = 1;
			break;
		case O_NOWS:
			o->no_wscale = 1;
			break;
		case O_CTSIZE:
			if (parse_int(optarg, 1024, 1 << 26, "--ct-size", &o->ct_size))
				return -1;
			break;
		case O_TWMS:
			if (parse_int(optarg, 0, 3600000, "--time-wait-ms",
				      &o->time_wait_ms))
				return -1;
			break;
		case 'v':
			log_max_level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			pr_err("Option '%s' needs a value (see --help)",
			       argv[optind - 1]);
			return -1;
		default:
			pr_err("Unknown option '%s' (see --help)",
			       argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		pr_err("Unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (!o->nifaces || !o->ports) {
		pr_err("--iface and --ports are required (see --help)");
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
		pr_err("Couldn't read net.ipv4.tcp_syncookies: %s",
		       strerror(errno));
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

static void build_cfg(const struct options *o, int mtu, struct synfin_cfg *cfg)
{
	synfin_cfg_default(cfg, mtu > 0 ? mtu : 1500);
	if (o->mss4 > 0)
		cfg->mss4 = o->mss4;
	if (o->mss6 > 0)
		cfg->mss6 = o->mss6;
	if (o->wscale >= 0)
		cfg->wscale = o->wscale;
	if (o->no_sack)
		cfg->flags &= ~SYNFIN_CFG_SACK;
	if (o->no_ts)
		cfg->flags &= ~(SYNFIN_CFG_TS | SYNFIN_CFG_ECN);
	if (o->no_ecn)
		cfg->flags &= ~SYNFIN_CFG_ECN;
	if (o->no_wscale)
		cfg->flags &= ~SYNFIN_CFG_WSCALE;
}

static unsigned int map_id(const struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len))
		return 0;
	return info.id;
}

static void print_counters(struct synfin *skel)
{
	__u64 v[SYNFIN_C__MAX];

	if (stats_sum(bpf_map__fd(skel->maps.counters), v))
		pr_warn("Couldn't read the counters: %s", strerror(errno));
	else
		stats_print(stdout, v);
}

static void sweep(struct daemon *d)
{
	struct expiry_stats st;
	__u64 t0 = monotonic_ns();
	int err;

	err = ct_sweep(bpf_map__fd(d->skel->maps.conntrack), &d->pol, t0, &st);
	d->sweep = st;
	d->sweep_cost_ns = monotonic_ns() - t0;
	d->expired_total += st.removed;
	if (err) {
		pr_warn("Couldn't sweep the connection table: %s (%d)",
			strerror(-err), err);
		return;
	}
	if (st.removed)
		pr_debug("swept %llu entries in %.3f ms: removed %llu TIME-WAIT, %llu CLOSED, %llu idle",
			 (unsigned long long)st.scanned,
			 (monotonic_ns() - t0) / 1e6,
			 (unsigned long long)st.removed_time_wait,
			 (unsigned long long)st.removed_closed,
			 (unsigned long long)st.removed_idle);
}

/* Runs until SIGINT or SIGTERM. */
static int run(struct daemon *d, int cfd)
{
	struct synfin *skel = d->skel;
	int secrets_fd = bpf_map__fd(skel->maps.secrets_map);
	struct itimerspec its = { .it_interval = { SWEEP_INTERVAL_S, 0 },
				  .it_value = { SWEEP_INTERVAL_S, 0 } };
	__u64 rotated = secrets_counter_now(), now, ticks, tick = 0;
	struct signalfd_siginfo si;
	struct pollfd pfd[3];
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

	for (;;) {
		if (poll(pfd, 3, -1) < 0) {
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
			now = secrets_counter_now();
			if (++tick % ROTATE_CHECK_TICKS == 0 && now != rotated) {
				if (secrets_rotate(secrets_fd, now))
					pr_warn("Cookie secret not rotated; the old one stays");
				else if ((d->secret_ns = monotonic_ns()))
					pr_debug("rotated the cookie secret for counter %llu",
						 (unsigned long long)now + 1);
				rotated = now;
			}
		}
		if (pfd[2].revents & POLLIN)
			control_serve(cfd, d);
		if (!(pfd[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGUSR1) {
			print_counters(skel);
			continue;
		}
		if (si.ssi_signo == SIGHUP) {
			pr_info("SIGHUP: nothing to reload without a config file");
			continue;
		}
		pr_info("%s: detaching", strsignal(si.ssi_signo));
		break;
	}
out:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	return ret;
}

int main(int argc, char **argv)
{
	static struct daemon d;
	struct options o;
	char err[256];
	sigset_t mask;
	int i, cfd = -1, ret = 1;

	log_setup_libbpf();
	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;
	if (ports_parse(o.ports, &d.ports, err, sizeof(err))) {
		pr_err("%s", err);
		return EXIT_USAGE;
	}
	for (i = 0; i < o.nifaces; i++) {
		if (!if_nametoindex(o.ifaces[i])) {
			pr_err("No such interface '%s'", o.ifaces[i]);
			return EXIT_USAGE;
		}
	}
	if (check_syncookies())
		return EXIT_USAGE;
	/* One MSS per family for all interfaces: the smallest MTU's. */
	build_cfg(&o, iface_mtu(o.ifaces[0]), &d.cfg);
	for (i = 1; i < o.nifaces; i++) {
		struct synfin_cfg c;

		build_cfg(&o, iface_mtu(o.ifaces[i]), &c);
		if (c.mss4 < d.cfg.mss4)
			d.cfg.mss4 = c.mss4;
		if (c.mss6 < d.cfg.mss6)
			d.cfg.mss6 = c.mss6;
	}
	d.ct_size = o.ct_size;
	expiry_policy_default(&d.pol, o.time_wait_ms);

	/* Signals are read from a signalfd; block them before anything runs. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	d.skel = synfin_load_sized(o.ct_size);
	if (!d.skel)
		return errno == EPERM ? EXIT_USAGE : 1;
	if (synfin_set_cfg(d.skel, &d.cfg) || synfin_set_ports(d.skel, &d.ports) ||
	    secrets_init(bpf_map__fd(d.skel->maps.secrets_map)))
		goto err_destroy;
	d.started_ns = d.secret_ns = monotonic_ns();
	cfd = control_open(o.socket);
	if (cfd < 0)
		goto err_destroy;
	for (d.natt = 0; d.natt < o.nifaces; d.natt++) {
		if (attach_iface(d.skel, o.ifaces[d.natt], o.mode, &d.att[d.natt])) {
			ret = errno == EPERM ? EXIT_USAGE : 1;
			goto err_detach;
		}
	}
	ports_format(&d.ports, err, sizeof(err));
	for (i = 0; i < d.natt; i++)
		pr_info("attached to %s (XDP %s mode), protecting ports %s, MSS %u/%u, wscale %u, conntrack map id %u",
			d.att[i].ifname, xdp_mode_name(d.att[i].mode), err,
			d.cfg.mss4, d.cfg.mss6, d.cfg.wscale,
			map_id(d.skel->maps.conntrack));

	ret = run(&d, cfd) ? 1 : 0;
err_detach:
	/* XDP before TC, interface by interface, in reverse. */
	while (d.natt--)
		detach_iface(&d.att[d.natt]);
	if (!ret)
		print_counters(d.skel);
err_destroy:
	control_close(cfd, o.socket);
	synfin__destroy(d.skel);
	return ret;
}
