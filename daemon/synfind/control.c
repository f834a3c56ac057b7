// SPDX-License-Identifier: GPL-2.0
/* The control socket: status, counters, the connection table and the
 * protected ports, for synfinctl and anything else that speaks JSON.
 */
#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <json-c/json.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "ports.h"
#include "loader.h"
#include "stats.h"
#include "ct_format.h"
#include "ct_walk.h"
#include "clock.h"
#include "daemon.h"
#include "synfin.skel.h"
#include "control_req.h"
#include "control.h"

/* The whole request, and the whole reply: the daemon's loop waits. */
#define CONTROL_TIMEOUT_MS 1000
#define CONTROL_REPLY_TIMEOUT_MS 2000

int control_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("Control socket path '%s' is too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0750) && errno != EEXIST) {
			pr_err("Couldn't create '%s': %s", dir, strerror(errno));
			return -1;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		pr_err("Couldn't create the control socket: %s", strerror(errno));
		return -1;
	}
	/* A socket file left by a daemon that died; the pin-dir lock says
	 * whether one is still running.
	 */
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		pr_err("Couldn't listen on '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	chmod(path, 0660);
	return fd;
}

void control_close(int lfd, const char *path)
{
	if (lfd >= 0) {
		close(lfd);
		unlink(path);
	}
}

__attribute__((format(printf, 1, 2)))
static json_object *error_reply(const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "error", json_object_new_string(buf));
	return o;
}

static json_object *cmd_stats(struct daemon *d, json_object *req)
{
	json_object *o = json_object_new_object(), *c = json_object_new_object();
	json_object *sum = json_object_new_object(), *ifs = json_object_new_array();
	__u64 v[SYNFIN_C__MAX], (*rows)[SYNFIN_C__MAX];
	int i, r, err;

	(void)req;
	rows = calloc(SYNFIN_IFACE_ROWS, sizeof(*rows));
	err = rows ? stats_read_rows(bpf_map__fd(d->skel->maps.counters), rows) : -ENOMEM;
	if (err) {
		free(rows);
		json_object_put(o);
		json_object_put(c);
		json_object_put(sum);
		json_object_put(ifs);
		return error_reply("Couldn't read the counters: %s", strerror(-err));
	}
	stats_rows_total(rows, v);
	for (i = 0; i < SYNFIN_C__MAX; i++)
		json_object_object_add(c, synfin_counter_names[i],
				       json_object_new_int64(v[i]));
	/* Each interface's own, in its row. */
	for (r = 0; r < d->conf.nifaces && r < SYNFIN_MAX_IFACES; r++) {
		json_object *a = json_object_new_object(), *ac = json_object_new_object();

		for (i = 0; i < SYNFIN_C__MAX; i++)
			json_object_object_add(ac, synfin_counter_names[i],
					       json_object_new_int64(rows[r][i]));
		json_object_object_add(a, "name", json_object_new_string(d->conf.ifaces[r]));
		json_object_object_add(a, "counters", ac);
		json_object_array_add(ifs, a);
	}
	free(rows);
	for (i = 0; i < STATS_SUMMARY_MAX; i++)
		json_object_object_add(sum, stats_summary[i].name,
				       json_object_new_int64(stats_summary_value(&stats_summary[i], v)));
	json_object_object_add(sum, "time_wait_expired",
			       json_object_new_int64(d->tw_expired_total));
	json_object_object_add(o, "summary", sum);
	json_object_object_add(o, "uptime_ms",
			       json_object_new_int64((monotonic_ns() - d->started_ns) / 1000000));
	json_object_object_add(o, "interfaces", ifs);
	json_object_object_add(o, "counters", c);
	return o;
}

/* Which keys are in force, by fingerprint: never a key. */
static json_object *cookie_key_json(struct daemon *d)
{
	json_object *o = json_object_new_object();
	struct secrets_view v;

	secrets_view_get(&d->sec, &v);
	json_object_object_add(o, "source", json_object_new_string(v.fleet ? "fleet" : "host"));
	if (v.fleet)
		json_object_object_add(o, "file", json_object_new_string(v.file));
	json_object_object_add(o, "fingerprint", json_object_new_string(v.fp[0]));
	if (v.nkeys > 1)
		json_object_object_add(o, "accept_fingerprint",
				       json_object_new_string(v.fp[1]));
	json_object_object_add(o, "clock",
			       json_object_new_string(v.fleet ? "realtime" : "monotonic"));
	json_object_object_add(o, "period",
			       json_object_new_int64(secrets_counter_now(v.clock_ns)));
	json_object_object_add(o, "period_left_ms",
			       json_object_new_int64(secrets_period_left_ns(v.clock_ns) / 1000000));
	json_object_object_add(o, "period_s",
			       json_object_new_double((1ULL << SYNFIN_COUNTER_SHIFT) / 1e9));
	return o;
}

static json_object *cmd_status(struct daemon *d, json_object *req)
{
	json_object *o = json_object_new_object(), *ifs = json_object_new_array();
	__u64 now = monotonic_ns();
	char ports[1024];
	int i;

	(void)req;
	for (i = 0; i < d->natt; i++) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "name", json_object_new_string(d->att[i].ifname));
		json_object_object_add(a, "ifindex", json_object_new_int(d->att[i].ifindex));
		json_object_object_add(a, "mode",
				       json_object_new_string(guard_mode_name(d->att[i].mode)));
		json_object_array_add(ifs, a);
	}
	json_object_object_add(o, "interfaces", ifs);
	json_object_object_add(o, "xdp_prog_id",
			       json_object_new_int(synfin_obj_id(bpf_program__fd(d->skel->progs.xdp_synfin))));
	json_object_object_add(o, "tc_ingress_prog_id",
			       json_object_new_int(synfin_obj_id(bpf_program__fd(d->skel->progs.tc_synfin_ingress))));
	json_object_object_add(o, "tc_egress_prog_id",
			       json_object_new_int(synfin_obj_id(bpf_program__fd(d->skel->progs.tc_synfin_egress))));
	json_object_object_add(o, "tc_guard_prog_id",
			       json_object_new_int(synfin_obj_id(bpf_program__fd(d->skel->progs.tc_synfin_guard))));
	json_object_object_add(o, "uptime_ms",
			       json_object_new_int64((now - d->started_ns) / 1000000));
	ports_format(&d->ports, ports, sizeof(ports));
	json_object_object_add(o, "ports", json_object_new_string(ports));
	/* As of the sweep's last full pass: walking 1M keys here would stall
	 * the daemon.
	 */
	json_object_object_add(o, "ct_entries", json_object_new_int64(d->ct_present));
	json_object_object_add(o, "ct_size", json_object_new_int64(d->ct_size));
	json_object_object_add(o, "secret_age_ms",
			       json_object_new_int64((now - __atomic_load_n(&d->sec.written_ns,
								   __ATOMIC_RELAXED)) / 1000000));
	json_object_object_add(o, "cookie_key", cookie_key_json(d));
	json_object_object_add(o, "last_sweep_us",
			       json_object_new_int64(d->sweep_cost_ns / 1000));
	json_object_object_add(o, "expired_total",
			       json_object_new_int64(d->expired_total));
	json_object_object_add(o, "evicted_total", json_object_new_int64(d->evicted));
	json_object_object_add(o, "resumed_from_pins", json_object_new_boolean(d->pins_reused));
	json_object_object_add(o, "ct_filter_trusted",
			       json_object_new_boolean(!!(ct_filter_header(&d->filter) &
							  SYNFIN_FILTER_VALID)));
	json_object_object_add(o, "ct_filter_rebuilds",
			       json_object_new_int64(__atomic_load_n(&d->filter.rebuilds,
								     __ATOMIC_RELAXED)));
	json_object_object_add(o, "ct_filter_can_rebuild",
			       json_object_new_boolean(d->filter.can_rebuild));
	json_object_object_add(o, "ct_filter_fill", json_object_new_double(ct_filter_fill(&d->filter)));
	return o;
}

struct conns_ctx {
	struct conns_args a;
	__u64 now, total;
	json_object *arr;
};

static int conns_one(const struct synfin_ct_key *k,
		     const struct synfin_ct_entry *e, void *arg)
{
	struct conns_ctx *c = arg;

	if ((c->a.want >= 0 && e->state != c->a.want) ||
	    (c->a.port && ntohs(k->lport) != c->a.port))
		return 0;
	c->total++;
	if ((long)json_object_array_length(c->arr) < c->a.limit)
		json_object_array_add(c->arr, ct_entry_json(k, e, c->now));
	return 0;
}

static json_object *cmd_conns(struct daemon *d, json_object *req)
{
	struct conns_ctx c = { .now = monotonic_ns() };
	char msg[512];	/* as error_reply's */
	json_object *o;
	int err;

	if (control_conns_args(req, &c.a, msg, sizeof(msg)))
		return error_reply("%s", msg);
	c.arr = json_object_new_array();
	err = ct_walk(bpf_map__fd(d->skel->maps.conntrack), conns_one, &c);
	if (err) {
		json_object_put(c.arr);
		return error_reply("Couldn't read the connection table: %s", strerror(-err));
	}
	o = json_object_new_object();
	json_object_object_add(o, "total", json_object_new_int64(c.total));
	json_object_object_add(o, "conns", c.arr);
	return o;
}

static json_object *cmd_ports(struct daemon *d, json_object *req)
{
	struct synfin_ports p = d->ports;
	char err[512], buf[1024];
	json_object *o;
	int r;

	r = control_ports_args(req, &p, err, sizeof(err));
	if (r < 0)
		return error_reply("%s", err);
	if (r) {
		if (synfin_set_ports(d->skel, &p))
			return error_reply("Couldn't update the ports map");
		d->ports = p;
		ports_format(&p, buf, sizeof(buf));
		pr_info("protected ports now %s", buf);
	}
	o = json_object_new_object();
	ports_format(&d->ports, buf, sizeof(buf));
	json_object_object_add(o, "ports", json_object_new_string(buf));
	json_object_object_add(o, "count", json_object_new_int(ports_count(&d->ports)));
	return o;
}

/* Removes the entries in one state (their connections go on: the next
 * segment adopts them back).
 */
struct flush_ctx {
	int fd, want;
	__u64 n;
};

/* Deleting as the walk goes is safe: a batch is read before its keys go. */
static int flush_one(const struct synfin_ct_key *k,
		     const struct synfin_ct_entry *e, void *arg)
{
	struct flush_ctx *c = arg;

	if (e->state == c->want && !bpf_map_delete_elem(c->fd, k))
		c->n++;
	return 0;
}

static json_object *cmd_flush(struct daemon *d, json_object *req)
{
	struct flush_ctx c = { .fd = bpf_map__fd(d->skel->maps.conntrack) };
	char msg[512];	/* as error_reply's */
	json_object *o;
	int err;

	if (control_flush_args(req, &c.want, msg, sizeof(msg)))
		return error_reply("%s", msg);
	err = ct_walk(c.fd, flush_one, &c);
	if (err)
		return error_reply("Couldn't read the connection table: %s", strerror(-err));
	pr_info("flushed %llu %s entries", (unsigned long long)c.n, tcp_state_name(c.want));
	o = json_object_new_object();
	json_object_object_add(o, "flushed", json_object_new_int64(c.n));
	return o;
}

static json_object *cmd_reload(struct daemon *d, json_object *req)
{
	char err[512] = "";
	json_object *o;

	(void)req;
	if (daemon_reload(d, err, sizeof(err)))
		return error_reply("%s", err[0] ? err : "Reload refused");
	o = json_object_new_object();
	json_object_object_add(o, "reloaded", json_object_new_boolean(1));
	return o;
}

static const struct {
	const char *name;
	json_object *(*fn)(struct daemon *d, json_object *req);
} handlers[] = {
	{ CONTROL_CMD_FLUSH, cmd_flush },
	{ CONTROL_CMD_RELOAD, cmd_reload },
	{ CONTROL_CMD_STATUS, cmd_status },
	{ CONTROL_CMD_STATS, cmd_stats },
	{ CONTROL_CMD_CONNS, cmd_conns },
	{ CONTROL_CMD_PORTS, cmd_ports },
};

static json_object *dispatch(struct daemon *d, const char *line)
{
	json_object *req, *reply;
	const char *cmd;
	char msg[512];	/* as error_reply's */
	size_t i;

	req = control_req_parse(line, &cmd, msg, sizeof(msg));
	if (!req)
		return error_reply("%s", msg);
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		if (!strcmp(cmd, handlers[i].name)) {
			reply = handlers[i].fn(d, req);
			json_object_put(req);
			return reply;
		}
	}
	reply = error_reply("Unknown command '%s'", cmd);
	json_object_put(req);
	return reply;
}

static int ms_left(__u64 deadline_ns)
{
	__u64 now = monotonic_ns();

	return now >= deadline_ns ? 0 : (int)((deadline_ns - now) / 1000000) + 1;
}

/* Reads one line before the deadline: a slow or silent client can't hold
 * the daemon up. 0, -1 (nothing, or too late) or -2 (too long).
 */
static int read_request(int fd, char *buf, size_t len, __u64 deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t used = 0;
	ssize_t n;

	while (used < len - 1) {
		if (poll(&pfd, 1, ms_left(deadline_ns)) <= 0)
			return -1;
		n = read(fd, buf + used, len - 1 - used);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		used += n;
		if (memchr(buf + used - n, '\n', n))
			break;
	}
	buf[used] = '\0';
	if (used == len - 1 && !memchr(buf, '\n', used))
		return -2;
	return used ? 0 : -1;
}

/* Writes it all before the deadline, or gives up on the client. */
static void write_reply(int fd, const char *out, size_t len, __u64 deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if (poll(&pfd, 1, ms_left(deadline_ns)) <= 0) {
			pr_debug("control client too slow to read its reply; dropped");
			return;
		}
		n = send(fd, out + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return;
		off += n;
	}
}

void control_serve(int lfd, struct daemon *d)
{
	__u64 deadline = monotonic_ns() + CONTROL_TIMEOUT_MS * 1000000ULL;
	char buf[CONTROL_MAX_REQUEST];
	json_object *reply;
	const char *out;
	size_t len;
	int fd, r;

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	r = read_request(fd, buf, sizeof(buf), deadline);
	if (r == -1) {
		close(fd);
		return;
	}
	reply = r == -2 ? error_reply("Request longer than %d bytes",
				      CONTROL_MAX_REQUEST - 1)
			: dispatch(d, buf);
	out = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	len = strlen(out);
	/* The reply may be large (conns): it gets more time than the request. */
	deadline = monotonic_ns() + CONTROL_REPLY_TIMEOUT_MS * 1000000ULL;
	write_reply(fd, out, len, deadline);
	write_reply(fd, "\n", 1, deadline);
	json_object_put(reply);
	close(fd);
}
