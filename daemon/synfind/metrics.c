// SPDX-License-Identifier: GPL-2.0
/* Prometheus metrics: the counters and the connection table's gauges,
 * served by libmicrohttpd from its own thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "stats.h"
#include "clock.h"
#include "listen_addr.h"
#include "ct_format.h"
#include "ct_walk.h"
#include "secrets.h"
#include "metrics.h"
#include "ct_filter.h"

#define METRICS_PATH "/metrics"
#define METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_MAX_CLIENTS 16
#define METRICS_TIMEOUT_S 10

struct metrics {
	struct MHD_Daemon *mhd;
	struct metrics_source src;
	unsigned int port;
};

struct states_ctx {
	__u64 total;
	__u64 *by_state;
};

static int count_state(const struct synfin_ct_key *k,
		       const struct synfin_ct_entry *e, void *arg)
{
	struct states_ctx *c = arg;

	(void)k;
	c->total++;
	if (e->state < SF_TCP__MAX)
		c->by_state[e->state]++;
	return 0;
}

/* Entries and entries per state: a gauge may miss or double-count an
 * entry the data path moves meanwhile.
 */
static int ct_count_states(int fd, __u64 *total, __u64 by_state[SF_TCP__MAX])
{
	struct states_ctx c = { .by_state = by_state };
	int err = ct_walk(fd, count_state, &c);

	*total = c.total;
	return err;
}

static void put_header(FILE *f, const char *name, const char *type,
		       const char *help)
{
	const char *p;

	fprintf(f, "# HELP %s ", name);
	/* The format's only escapes in HELP: backslash and newline. */
	for (p = help; *p; p++) {
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void put_gauge(FILE *f, const char *name, const char *help,
		      unsigned long long v)
{
	put_header(f, name, "gauge", help);
	fprintf(f, "%s %llu\n", name, v);
}

static __u32 map_max_entries(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.max_entries;
}

/* The keys by fingerprint (never a key), their period and its time left. */
static void put_keys(FILE *f, struct secrets *sec)
{
	struct secrets_view v;

	secrets_view_get(sec, &v);
	put_header(f, "synfin_cookie_key_info", "gauge",
		   "the cookie keys in force: source fleet (a secret file) or host, and the master keys' fingerprints");
	fprintf(f, "synfin_cookie_key_info{source=\"%s\",fingerprint=\"%s\",accept_fingerprint=\"%s\"} 1\n",
		v.fleet ? "fleet" : "host", v.fp[0], v.nkeys > 1 ? v.fp[1] : "");
	put_gauge(f, "synfin_cookie_period",
		  "the cookie time period now (68.7 s each; on the real-time clock with a fleet key)",
		  secrets_counter_now(v.clock_ns));
	put_header(f, "synfin_cookie_period_remaining_seconds", "gauge",
		   "seconds left in the cookie time period");
	fprintf(f, "synfin_cookie_period_remaining_seconds %.3f\n",
		secrets_period_left_ns(v.clock_ns) / 1e9);
}

/* A label's value as the text format escapes it: \\, \" and \\n. */
static void put_label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* Each counter: a series per interface (and one for frames seen on none
 * of them, when there were any), or the rows' sum without interfaces.
 */
static void put_counters(FILE *f, const struct metrics_source *src,
			 __u64 rows[SYNFIN_IFACE_ROWS][SYNFIN_C__MAX])
{
	__u64 total[SYNFIN_C__MAX];
	char name[128];
	int i, r;

	stats_rows_total(rows, total);
	for (i = 0; i < SYNFIN_C__MAX; i++) {
		snprintf(name, sizeof(name), "synfin_%s_total", synfin_counter_names[i]);
		put_header(f, name, "counter", synfin_counter_help[i]);
		if (!src->nifaces) {
			fprintf(f, "%s %llu\n", name, (unsigned long long)total[i]);
			continue;
		}
		for (r = 0; r < src->nifaces && r < SYNFIN_MAX_IFACES; r++) {
			fprintf(f, "%s{iface=\"", name);
			put_label_value(f, src->ifaces[r]);
			fprintf(f, "\"} %llu\n", (unsigned long long)rows[r][i]);
		}
		if (rows[SYNFIN_IFACE_OTHER][i])
			fprintf(f, "%s{iface=\"\"} %llu\n", name,
				(unsigned long long)rows[SYNFIN_IFACE_OTHER][i]);
	}
}

char *metrics_render(const struct metrics_source *src)
{
	__u64 (*rows)[SYNFIN_C__MAX], states[SF_TCP__MAX] = {}, entries = 0, now, t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int i, err;

	rows = calloc(SYNFIN_IFACE_ROWS, sizeof(*rows));
	if (!rows)
		return NULL;
	err = stats_read_rows(src->counters_fd, rows);
	if (!err)
		err = ct_count_states(src->conntrack_fd, &entries, states);
	if (err) {
		free(rows);
		errno = -err;
		return NULL;
	}
	now = monotonic_ns();
	f = open_memstream(&buf, &len);
	if (!f) {
		free(rows);
		return NULL;
	}
	put_counters(f, src, rows);
	free(rows);
	put_gauge(f, "synfin_conntrack_entries",
		  "connections in the table", entries);
	put_gauge(f, "synfin_conntrack_size", "capacity of the table",
		  src->ct_size ? src->ct_size : map_max_entries(src->conntrack_fd));
	put_header(f, "synfin_conntrack_state", "gauge",
		   "connections in the table by state (the active closer's)");
	for (i = 0; i < SF_TCP__MAX; i++)
		fprintf(f, "synfin_conntrack_state{state=\"%s\"} %llu\n",
			synfin_tcp_state_names[i], (unsigned long long)states[i]);
	put_header(f, "synfin_uptime_seconds", "gauge",
		   "seconds since the daemon started");
	fprintf(f, "synfin_uptime_seconds %.3f\n",
		now > src->started_ns ? (now - src->started_ns) / 1e9 : 0.0);
	if (src->secret_ns) {
		/* The main loop stores it while this thread reads. */
		t = __atomic_load_n(src->secret_ns, __ATOMIC_RELAXED);
		put_header(f, "synfin_secret_age_seconds", "gauge",
			   "seconds since the newest cookie secret was written");
		fprintf(f, "synfin_secret_age_seconds %.3f\n",
			now > t ? (now - t) / 1e9 : 0.0);
	}
	if (src->sec)
		put_keys(f, src->sec);
	if (src->filter) {
		put_gauge(f, "synfin_ct_filter_trusted",
			  "1 when the table's filter spares lookups, 0 while it is rebuilt from a kept table",
			  !!(ct_filter_header(src->filter) & SYNFIN_FILTER_VALID));
		put_header(f, "synfin_ct_filter_fill_ratio", "gauge",
			   "share of the filter's bits set: about the share of unknown tuples looked up anyway");
		fprintf(f, "synfin_ct_filter_fill_ratio %.4f\n", ct_filter_fill(src->filter));
		put_header(f, "synfin_ct_filter_rebuilds_total", "counter",
			   "times synfind rebuilt the filter along a sweep pass");
		fprintf(f, "synfin_ct_filter_rebuilds_total %llu\n",
			(unsigned long long)__atomic_load_n(&src->filter->rebuilds, __ATOMIC_RELAXED));
	}
	if (ferror(f)) {
		fclose(f);
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
			     char *body, enum MHD_ResponseMemoryMode mode,
			     const char *ctype)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), body, mode);
	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const char *version, const char *upload_data,
				      size_t *upload_data_size, void **req_cls)
{
	const struct metrics *m = cls;
	char msg[160], *body;
	int err;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(url, METRICS_PATH))
		return reply(conn, MHD_HTTP_NOT_FOUND, "Not found: try " METRICS_PATH "\n",
			     MHD_RESPMEM_PERSISTENT, "text/plain");
	/* MHD leaves the body out of a reply to HEAD. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed\n",
			     MHD_RESPMEM_PERSISTENT, "text/plain");
	body = metrics_render(&m->src);
	if (!body) {
		err = errno;
		pr_debug("metrics: couldn't read the BPF maps: %s (%d)",
			 strerror(err), -err);
		snprintf(msg, sizeof(msg), "Couldn't read the BPF maps: %s (%d)\n",
			 strerror(err), -err);
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, msg,
			     MHD_RESPMEM_MUST_COPY, "text/plain");
	}
	return reply(conn, MHD_HTTP_OK, body, MHD_RESPMEM_MUST_FREE, METRICS_CTYPE);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	pr_debug("libmicrohttpd: %s", buf);
}

/* Binds exactly the address given: [::] stays IPv6-only. */
static int listen_socket(const char *listen_s, const struct sockaddr_storage *ss,
			 socklen_t len, unsigned int *port)
{
	struct sockaddr_storage got;
	socklen_t glen = sizeof(got);
	int fd, one = 1, err;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	/* A restarted daemon rebinds while old connections sit in TIME-WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (ss->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
		goto fail;
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, METRICS_MAX_CLIENTS) ||
	    getsockname(fd, (struct sockaddr *)&got, &glen))
		goto fail;
	*port = ntohs(got.ss_family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&got)->sin6_port :
		      ((struct sockaddr_in *)&got)->sin_port);
	return fd;
fail:
	err = errno;
	pr_err("Couldn't listen on '%s' for metrics: %s (%d)", listen_s,
	       strerror(err), -err);
	if (fd >= 0)
		close(fd);
	errno = err;
	return -1;
}

struct metrics *metrics_start(const char *listen_s, const struct metrics_source *src)
{
	struct sockaddr_storage ss;
	sigset_t all, old;
	struct metrics *m;
	socklen_t len;
	char err[256];
	int fd;

	if (listen_addr_parse(listen_s, &ss, &len, err, sizeof(err))) {
		pr_err("Couldn't start the metrics endpoint: %s", err);
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		pr_err("Couldn't start the metrics endpoint: %s", strerror(ENOMEM));
		return NULL;
	}
	m->src = *src;
	fd = listen_socket(listen_s, &ss, len, &m->port);
	if (fd < 0)
		goto err_free;
	/* The HTTP thread inherits this mask: every signal stays with the
	 * main loop's signalfd.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	m->mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
				  0, NULL, NULL, handle_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_CLIENTS,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
				  MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->mhd) {
		pr_err("Couldn't start the metrics endpoint on '%s': libmicrohttpd refused (run with -v for its reason)",
		       listen_s);
		close(fd);
		goto err_free;
	}
	pr_info("metrics on http://%s%s (port %u)", listen_s, METRICS_PATH, m->port);
	return m;
err_free:
	free(m);
	return NULL;
}

unsigned int metrics_port(const struct metrics *m)
{
	return m->port;
}

void metrics_stop(struct metrics *m)
{
	if (!m)
		return;
	/* Waits for the HTTP thread and closes the listening socket. */
	MHD_stop_daemon(m->mhd);
	free(m);
}
