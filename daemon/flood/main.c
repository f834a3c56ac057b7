// SPDX-License-Identifier: GPL-2.0
/* synfin-flood: spoofed TCP floods (SYN, ACK, FIN, RST or all four in
 * turn) for synfin's tests and demo, sent only to and from the
 * benchmarking ranges. BPF_PROG_RUN in live-frames mode builds and sends
 * the frames in the kernel; where the kernel can't, an AF_PACKET socket
 * sends frames built here.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "log.h"
#include "opts.h"
#include "man.h"
#include "flood.h"
#include "flood.skel.h"

/* One line per object, and 198.18.0.0/15 as written, not 198.18.0.0\/15. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

#define MAX_THREADS 256
#define DEFAULT_PORT 80
#define DEFAULT_DURATION_S 10.0


static const char *const type_names[FLOOD_TYPE__MAX] = {
	[FLOOD_SYN] = "syn", [FLOOD_ACK] = "ack", [FLOOD_FIN] = "fin",
	[FLOOD_RST] = "rst", [FLOOD_MIXED] = "mixed",
};
static const char *const mode_names[] = {
	[FLOOD_MODE_LIVE] = "live-frames", [FLOOD_MODE_PACKET] = "af_packet",
};

/* One table gives getopt's options and the help text. */
enum opt_id {
	OPT_IFACE = 256, OPT_DST_MAC, OPT_DST, OPT_SRC, OPT_TYPE, OPT_RATE,
	OPT_COUNT, OPT_DURATION, OPT_THREADS, OPT_JSON, OPT_MODE, OPT_VERBOSE,
	OPT_HELP, OPT_MAN,
};

static const struct opt opt_table[] = {
	{ "iface", 0, "IF", OPT_IFACE, "interface to send from (required)" },
	{ "dst-mac", 0, "MAC", OPT_DST_MAC, "the receiver's MAC address (required)" },
	{ "dst", 0, "ADDR[:PORT]", OPT_DST,
	  "destination, IPv4 or [IPv6]; port 80 unless given (required)" },
	{ "src", 0, "CIDR", OPT_SRC,
	  "source addresses drawn from here (default: the interface's subnet)" },
	{ "type", 0, "TYPE", OPT_TYPE, "syn, ack, fin, rst, or mixed: all four in turn (default syn)" },
	{ "rate", 0, "PPS", OPT_RATE, "frames per second, 0 as fast as possible (default 0)" },
	{ "count", 0, "N", OPT_COUNT, "stop after N frames, 0 no limit (default 0)" },
	{ "duration", 0, "S", OPT_DURATION, "stop after S seconds, 0 no limit (default 10)" },
	{ "threads", 0, "N", OPT_THREADS, "generator threads, each pinned to a CPU (default 1)" },
	{ "json", 0, NULL, OPT_JSON, "JSON lines on stdout, and JSON errors" },
	/* Forces a sender, to test the fallback: live-frames or af_packet. */
	{ "mode", 0, "MODE", OPT_MODE, NULL },
	{ "verbose", 0, NULL, OPT_VERBOSE, "libbpf's messages too" },
	{ "help", 'h', NULL, OPT_HELP, "this text" },
	/* The manual page, for make man. */
	{ "man", 0, NULL, OPT_MAN, NULL },
};
#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))

struct flood_cfg {
	const char *iface, *dst_mac, *dst, *src;
	enum flood_type type;
	enum flood_mode mode;
	__u64 rate, count;
	double duration;
	int threads;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: synfin-flood --iface IF --dst-mac MAC --dst ADDR[:PORT] [OPTIONS]\n\n");
	opts_usage(f, opt_table, NOPTS);
	fprintf(f, "\nDestinations and sources must lie in 198.18.0.0/15 or 2001:db8::/32.\n"
		   "Prints a line a second and a summary; exit status 0 done, 1 a send failed,\n"
		   "2 usage or refused.\n");
}

/* synfin-flood(8), from the same table. */
static void man_page(FILE *f)
{
	man_head(f, "synfin-flood", 8, "spoofed TCP floods for testing synfin");
	man_section(f, "SYNOPSIS");
	man_para(f, "synfin-flood --iface IF --dst-mac MAC --dst ADDR[:PORT] [OPTIONS]");
	man_section(f, "DESCRIPTION");
	man_para(f, "synfin-flood sends SYN, ACK, FIN or RST floods, or all four in turn, with sources drawn at random from a subnet, to stress-test a deployment of synfind(8). BPF_PROG_RUN in live-frames mode builds and sends the frames in the kernel; where the kernel can't, an AF_PACKET socket sends frames built in userspace. Destinations and sources must lie in the benchmarking ranges 198.18.0.0/15 or 2001:db8::/32; anything else is refused.");
	man_section(f, "OPTIONS");
	man_opts(f, opt_table, NOPTS);
	man_section(f, "OUTPUT");
	man_para(f, "A line a second (frames sent, the interface's drops) and a summary; --json writes them as JSON lines.");
	man_section(f, "EXIT STATUS");
	man_para(f, "0 done, 1 a send failed, 2 usage or refused, with one line saying why.");
	man_section(f, "SEE ALSO");
	man_para(f, "synfind(8), synfinctl(8)");
}

static int parse_num(const char *s, const char *what, __u64 lo, __u64 hi, __u64 *out)
{
	if (!parse_u64(s, lo, hi, out))
		return 0;
	pr_err("Bad --%s '%s': want a number from %llu to %llu", what, s,
	       (unsigned long long)lo, (unsigned long long)hi);
	return -1;
}

static int parse_args(int argc, char **argv, struct flood_cfg *cfg)
{
	struct option longopts[OPTS_LONG_LEN(NOPTS)];
	char shorts[OPTS_SHORT_LEN(NOPTS)];
	double d;
	__u64 v;
	char *end;
	int opt, t;

	opts_tables(opt_table, NOPTS, 0, longopts, shorts);
	/* JSON errors from the first one on, wherever --json stands. */
	for (t = 1; t < argc && strcmp(argv[t], "--"); t++)
		if (!strcmp(argv[t], "--json"))
			log_json = 1;

	memset(cfg, 0, sizeof(*cfg));
	cfg->type = FLOOD_SYN;
	cfg->mode = FLOOD_MODE_LIVE;
	cfg->duration = DEFAULT_DURATION_S;
	cfg->threads = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		switch (opts_id(opt_table, NOPTS, opt)) {
		case OPT_IFACE:
			cfg->iface = optarg;
			break;
		case OPT_DST_MAC:
			cfg->dst_mac = optarg;
			break;
		case OPT_DST:
			cfg->dst = optarg;
			break;
		case OPT_SRC:
			cfg->src = optarg;
			break;
		case OPT_TYPE:
			for (t = 0; t < FLOOD_TYPE__MAX && strcmp(optarg, type_names[t]); t++)
				;
			if (t == FLOOD_TYPE__MAX) {
				pr_err("Bad --type '%s': want syn, ack, fin, rst or mixed", optarg);
				return -1;
			}
			cfg->type = t;
			break;
		case OPT_RATE:
			if (parse_num(optarg, "rate", 0, 1000000000ull, &cfg->rate))
				return -1;
			break;
		case OPT_COUNT:
			if (parse_num(optarg, "count", 0, 1ull << 48, &cfg->count))
				return -1;
			break;
		case OPT_DURATION:
			errno = 0;
			d = strtod(optarg, &end);
			if (errno || !*optarg || *end || !(d >= 0 && d <= 86400)) {
				pr_err("Bad --duration '%s': want seconds from 0 to 86400", optarg);
				return -1;
			}
			cfg->duration = d;
			break;
		case OPT_THREADS:
			if (parse_num(optarg, "threads", 1, MAX_THREADS, &v))
				return -1;
			cfg->threads = v;
			break;
		case OPT_JSON:
			log_json = 1;
			break;
		case OPT_MODE:
			if (!strcmp(optarg, "live-frames")) {
				cfg->mode = FLOOD_MODE_LIVE;
			} else if (!strcmp(optarg, "af_packet")) {
				cfg->mode = FLOOD_MODE_PACKET;
			} else {
				pr_err("Bad --mode '%s': want live-frames or af_packet", optarg);
				return -1;
			}
			break;
		case OPT_VERBOSE:
			log_max_level = LOG_DEBUG;
			break;
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case OPT_MAN:
			man_page(stdout);
			exit(0);
		default:
			opts_error(opt, argv, "--help");
			return -1;
		}
	}
	if (optind < argc) {
		pr_err("Unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (!cfg->iface || !cfg->dst_mac || !cfg->dst) {
		pr_err("Missing --%s (see --help)",
			  !cfg->iface ? "iface" : !cfg->dst_mac ? "dst-mac" : "dst");
		return -1;
	}
	if (!cfg->count && cfg->duration == 0) {
		pr_err("Refusing --count 0 with --duration 0: the flood would never stop");
		return -1;
	}
	return 0;
}

/* Addresses, the safety check, and the templates. */
static int build_spec(const struct flood_cfg *cfg, const struct flood_iface *ifc,
		      struct flood_spec *spec, struct flood_tmpl *tmpl)
{
	struct flood_net dst, src;
	__u16 port = DEFAULT_PORT;
	char buf[64];
	int t;

	memset(spec, 0, sizeof(*spec));
	if (flood_parse_mac(cfg->dst_mac, spec->dst_mac) ||
	    flood_parse_dst(cfg->dst, &dst, &port))
		return -1;
	if (!flood_net_is_test(&dst)) {
		pr_err("Refusing --dst %s: not in 198.18.0.0/15 or 2001:db8::/32", cfg->dst);
		return -1;
	}
	if (cfg->src) {
		if (flood_parse_cidr(cfg->src, &src))
			return -1;
	} else if (flood_iface_subnet(cfg->iface, dst.ipv6, &src)) {
		pr_err("'%s' has no IPv%d address to draw sources from: give --src",
			  cfg->iface, dst.ipv6 ? 6 : 4);
		return -1;
	}
	if (src.ipv6 != dst.ipv6) {
		pr_err("--src %s and --dst %s are of different families",
			  flood_net_str(&src, buf, sizeof(buf)), cfg->dst);
		return -1;
	}
	if (!flood_net_is_test(&src)) {
		pr_err("Refusing %s %s: not inside 198.18.0.0/15 or 2001:db8::/32",
			  cfg->src ? "--src" : "the interface's subnet",
			  flood_net_str(&src, buf, sizeof(buf)));
		return -1;
	}

	spec->ipv6 = dst.ipv6;
	memcpy(spec->src_mac, ifc->mac, 6);
	memcpy(spec->saddr, src.addr, sizeof(spec->saddr));
	memcpy(spec->daddr, dst.addr, sizeof(spec->daddr));
	flood_net_mask(&src, spec->src_hostmask);
	spec->dport = port;
	spec->mss = ifc->mtu - (dst.ipv6 ? 60 : 40);
	if (ifc->mtu < 1280)
		spec->mss = dst.ipv6 ? 1220 : 536;
	for (t = 0; t < FLOOD_NTMPL; t++)
		flood_tmpl_build(spec, t, &tmpl[t]);
	return 0;
}

/* Loads the generator and probes live-frames mode; on failure fills why. */
static struct flood *live_setup(const struct flood_cfg *cfg, const struct flood_spec *spec,
				const struct flood_tmpl *tmpl, struct flood_run *run,
				char *why, size_t len)
{
	struct flood *skel;
	int err;

	if (flood_iface_xdp_xmit(run->ifindex) == 0) {
		snprintf(why, len, "'%s' doesn't transmit XDP frames (on veth: the peer "
			 "needs an XDP program or GRO)", cfg->iface);
		return NULL;
	}
	skel = flood__open();
	if (!skel) {
		snprintf(why, len, "couldn't open the BPF object: %s (%d)", strerror(errno), -errno);
		return NULL;
	}
	memcpy(skel->rodata->tmpl, tmpl, sizeof(skel->rodata->tmpl));
	memcpy(skel->rodata->src_hostmask, spec->src_hostmask,
	       sizeof(skel->rodata->src_hostmask));
	skel->rodata->flood_type = cfg->type;
	skel->rodata->ipv6 = spec->ipv6;
	err = flood__load(skel);
	if (err) {
		snprintf(why, len, "couldn't load the generator: %s (%d)%s", strerror(-err), err,
			 err == -EPERM ? " (it needs CAP_BPF and CAP_NET_ADMIN, or root)" :
			 log_max_level >= LOG_DEBUG ? "" : " (--verbose shows the verifier's log)");
		goto err_destroy;
	}
	run->prog_fd = bpf_program__fd(skel->progs.flood_xmit);
	err = flood_live_probe(run, &skel->bss->dry_run);
	if (err) {
		snprintf(why, len, "BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES failed: %s (%d)",
			 strerror(-err), err);
		goto err_destroy;
	}
	return skel;
err_destroy:
	flood__destroy(skel);
	return NULL;
}

static void print_line(json_object *o, const char *text)
{
	if (log_json)
		puts(json_object_to_json_string_ext(o, JSON_FLAGS));
	else
		puts(text);
	fflush(stdout);
	json_object_put(o);
}

static __u64 total_sent(struct flood_worker *w, int n)
{
	__u64 sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += atomic_load_explicit(&w[i].sent, memory_order_relaxed);
	return sum;
}

/* The interface's transmit drops since the start, summed a step at a time
 * so that its 32-bit counter may wrap between steps, not over the run.
 */
struct drops {
	const char *iface;
	int known;
	__u32 last;
	__u64 sum;
};

static void drops_start(struct drops *d, const char *iface)
{
	d->iface = iface;
	d->known = !flood_iface_tx_dropped(iface, &d->last);
	d->sum = 0;
}

/* The drops since the last step, or -1 when the kernel doesn't say. */
static long long drops_step(struct drops *d)
{
	__u32 now, delta;

	if (!d->known || flood_iface_tx_dropped(d->iface, &now))
		return -1;
	delta = now - d->last;
	d->last = now;
	d->sum += delta;
	return delta;
}

/* A line a second until every worker is done; signals stop them. */
static void report_loop(struct flood_run *run, struct flood_worker *w, int n,
			int sig_fd, __u64 start, struct drops *drops)
{
	long long dps;
	struct pollfd pfd[2] = {
		{ .fd = sig_fd, .events = POLLIN },
		{ .fd = run->done_fd, .events = POLLIN },
	};
	__u64 next = start + 1000000000ull, prev = 0, total, now, done;
	struct signalfd_siginfo si;
	char text[128];
	int running = n, tick = 0;
	json_object *o;

	while (running > 0) {
		now = flood_now_ns();
		if (poll(pfd, 2, next > now ? (next - now + 999999) / 1000000 : 0) < 0 &&
		    errno != EINTR)
			break;
		if ((pfd[0].revents & POLLIN) && read(sig_fd, &si, sizeof(si)) > 0)
			atomic_store(&run->stop, 1);
		if ((pfd[1].revents & POLLIN) && read(run->done_fd, &done, sizeof(done)) > 0)
			running -= done;
		now = flood_now_ns();
		if (now >= next) {
			total = total_sent(w, n);
			tick++;
			dps = drops_step(drops);
			snprintf(text, sizeof(text), "t=%ds sent/s=%llu total=%llu dropped/s=%lld",
				 tick, (unsigned long long)(total - prev),
				 (unsigned long long)total, dps);
			o = json_object_new_object();
			json_object_object_add(o, "t", json_object_new_int(tick));
			json_object_object_add(o, "sent_per_s", json_object_new_int64(total - prev));
			json_object_object_add(o, "total", json_object_new_int64(total));
			json_object_object_add(o, "dropped_per_s", json_object_new_int64(dps));
			print_line(o, text);
			prev = total;
			next += 1000000000ull;
		}
	}
}

int main(int argc, char **argv)
{
	struct flood_tmpl tmpl[FLOOD_NTMPL];
	struct flood_worker *workers = NULL;
	struct flood_run run = {};
	struct flood *skel = NULL;
	struct flood_cfg cfg;
	struct flood_iface ifc;
	struct flood_spec spec;
	__u64 start, end = 0, total;
	struct drops drops;
	long long dropped;
	int i, ncpu = 0, sig_fd = -1, ret = FLOOD_EXIT_USAGE, failed = 0;
	int cpus[CPU_SETSIZE];
	char why[256], text[160];
	cpu_set_t allowed;
	sigset_t mask;
	double secs;
	json_object *o;

	if (parse_args(argc, argv, &cfg) || flood_iface_get(cfg.iface, &ifc) ||
	    build_spec(&cfg, &ifc, &spec, tmpl))
		return FLOOD_EXIT_USAGE;
	log_setup_libbpf();

	run.type = cfg.type;
	run.ifindex = ifc.ifindex;
	run.spec = &spec;
	run.tmpl = tmpl;
	/* The longest frame the type needs: the program shortens it. */
	i = cfg.type == FLOOD_MIXED ? FLOOD_SYN : (int)cfg.type;
	run.frame = tmpl[i].frame;
	run.frame_len = tmpl[i].len;
	run.mode = cfg.mode;
	if (run.mode == FLOOD_MODE_LIVE) {
		skel = live_setup(&cfg, &spec, tmpl, &run, why, sizeof(why));
		if (!skel) {
			pr_warn("live-frames mode unavailable: %s; falling back to AF_PACKET "
				   "with PACKET_QDISC_BYPASS", why);
			run.mode = FLOOD_MODE_PACKET;
		}
	}
	/* Once here, not once per thread later. */
	if (run.mode == FLOOD_MODE_PACKET && (ret = flood_packet_probe(&run))) {
		pr_err("Couldn't open an AF_PACKET socket on '%s': %s (%d)%s", cfg.iface,
			  strerror(-ret), ret,
			  ret == -EPERM ? " (it needs CAP_NET_RAW, or root)" : "");
		return FLOOD_EXIT_RUNTIME;
	}

	/* Fewer threads than frames or frames per second: no idle ones. */
	if (cfg.count && cfg.count < (__u64)cfg.threads)
		cfg.threads = cfg.count;
	if (cfg.rate && cfg.rate < (__u64)cfg.threads)
		cfg.threads = cfg.rate;
	workers = calloc(cfg.threads, sizeof(*workers));
	run.done_fd = eventfd(0, EFD_CLOEXEC);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	/* Blocked before the threads start, so they inherit it: a signal
	 * never interrupts BPF_PROG_RUN, whose count would then be lost.
	 */
	if (!workers || run.done_fd < 0 || pthread_sigmask(SIG_BLOCK, &mask, NULL) ||
	    (sig_fd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		pr_err("Couldn't set up the threads: %s (%d)", strerror(errno), -errno);
		ret = FLOOD_EXIT_RUNTIME;
		goto err_free;
	}
	if (!sched_getaffinity(0, sizeof(allowed), &allowed))
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &allowed))
				cpus[ncpu++] = i;

	drops_start(&drops, cfg.iface);
	start = flood_now_ns();
	if (cfg.duration > 0)
		run.deadline_ns = start + (__u64)(cfg.duration * 1e9);
	for (i = 0; i < cfg.threads; i++) {
		struct flood_worker *w = &workers[i];

		w->run = &run;
		w->cpu = ncpu ? cpus[i % ncpu] : -1;
		w->quota = cfg.count / cfg.threads + ((__u64)i < cfg.count % cfg.threads);
		w->rate = cfg.rate / cfg.threads + ((__u64)i < cfg.rate % cfg.threads);
		ret = flood_worker_start(w);
		if (ret) {
			pr_err("Couldn't start thread %d: %s (%d)", i, strerror(-ret), ret);
			atomic_store(&run.stop, 1);
			cfg.threads = i;
			failed = 1;
			break;
		}
	}
	report_loop(&run, workers, cfg.threads, sig_fd, start, &drops);

	for (i = 0; i < cfg.threads; i++) {
		pthread_join(workers[i].thread, NULL);
		if (workers[i].end_ns > end)
			end = workers[i].end_ns;
	}
	total = total_sent(workers, cfg.threads);
	/* The interface's own drops over the run: frames counted as sent
	 * that never left (its queue, or a veth peer's ring, was full).
	 */
	dropped = drops_step(&drops) < 0 ? -1 : (long long)drops.sum;
	secs = end > start ? (end - start) / 1e9 : 0;
	snprintf(text, sizeof(text), "total=%llu dropped=%lld seconds=%.3f avg_pps=%.0f mode=%s",
		 (unsigned long long)total, dropped, secs, secs > 0 ? total / secs : 0.0,
		 mode_names[run.mode]);
	o = json_object_new_object();
	json_object_object_add(o, "total", json_object_new_int64(total));
	json_object_object_add(o, "dropped", json_object_new_int64(dropped));
	snprintf(why, sizeof(why), "%.3f", secs);
	json_object_object_add(o, "seconds", json_object_new_double_s(secs, why));
	json_object_object_add(o, "avg_pps", json_object_new_int64(secs > 0 ? total / secs + 0.5 : 0));
	json_object_object_add(o, "mode", json_object_new_string(mode_names[run.mode]));
	print_line(o, text);

	for (i = 0; i < cfg.threads; i++) {
		if (!workers[i].err)
			continue;
		pr_err("Couldn't %s on '%s': %s (%d)", workers[i].err_what, cfg.iface,
			  strerror(-workers[i].err), workers[i].err);
		failed = 1;
	}
	ret = failed ? FLOOD_EXIT_RUNTIME : 0;
err_free:
	if (sig_fd >= 0)
		close(sig_fd);
	if (run.done_fd >= 0)
		close(run.done_fd);
	free(workers);
	flood__destroy(skel);
	return ret;
}
