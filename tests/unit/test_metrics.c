// SPDX-License-Identifier: GPL-2.0
/* The metrics endpoint: the exposition text from real BPF maps, and HTTP
 * over a socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "stats.h"
#include "expiry.h"
#include "ct_format.h"
#include "clock.h"
#include "metrics.h"
#include "ct_filter.h"

#define CT_MAX 4096
#define S_NS 1000000000ull

static int counters_fd = -1, ct_fd = -1, ncpu;
static __u64 secret_ns;

/* Counter i on CPU c holds (i + 1) * (c + 1): the sum tests every CPU. */
static __u64 counter_sum(int i)
{
	return (__u64)(i + 1) * ncpu * (ncpu + 1) / 2;
}

static int create_maps(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	__u64 *vals;
	__u32 key;
	int c;

	ncpu = libbpf_num_possible_cpus();
	counters_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "t_counters",
				     sizeof(__u32), sizeof(__u64),
				     SYNFIN_C__MAX * SYNFIN_IFACE_ROWS, &opts);
	if (counters_fd < 0)
		return -errno;
	ct_fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "t_conntrack",
			       sizeof(struct synfin_ct_key),
			       sizeof(struct synfin_ct_entry), CT_MAX, &opts);
	if (ct_fd < 0)
		return -errno;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (key = 0; key < SYNFIN_C__MAX; key++) {
		for (c = 0; c < ncpu; c++)
			vals[c] = (__u64)(key + 1) * (c + 1);
		if (bpf_map_update_elem(counters_fd, &key, vals, BPF_ANY)) {
			free(vals);
			return -errno;
		}
	}
	free(vals);
	return 0;
}

static int ct_put(__u16 rport, __u8 state)
{
	struct synfin_ct_key k = { .family = 4 };
	struct synfin_ct_entry e = { .state = state };

	k.raddr[0] = htonl(0x0a000001);
	k.laddr[0] = htonl(0x0a000002);
	k.rport = htons(rport);
	k.lport = htons(80);
	return bpf_map_update_elem(ct_fd, &k, &e, BPF_NOEXIST);
}

/* 3 ESTABLISHED, 2 TIME-WAIT, 1 FIN-WAIT-1: the conntrack map for every test. */
static int fill_conntrack(void)
{
	static const __u8 states[] = {
		SF_TCP_ESTABLISHED, SF_TCP_ESTABLISHED, SF_TCP_ESTABLISHED,
		SF_TCP_TIME_WAIT, SF_TCP_TIME_WAIT, SF_TCP_FIN_WAIT_1,
	};
	size_t i;

	for (i = 0; i < sizeof(states); i++)
		if (ct_put(40000 + i, states[i]))
			return -errno;
	return 0;
}

/* Up 20 s, secret 10 s old: less than any machine's monotonic clock. */
static struct metrics_source source(void)
{
	__u64 now = monotonic_ns();

	secret_ns = now - 10 * S_NS;
	return (struct metrics_source){
		.counters_fd = counters_fd,
		.conntrack_fd = ct_fd,
		.ct_size = CT_MAX,
		.started_ns = now - 20 * S_NS,
		.secret_ns = &secret_ns,
	};
}

/* The line that starts with prefix, as a malloc'd string without '\n'. */
static char *line_starting(const char *text, const char *prefix)
{
	const char *p = text, *end;
	size_t n = strlen(prefix);

	while (*p) {
		end = strchrnul(p, '\n');
		if (!strncmp(p, prefix, n))
			return strndup(p, end - p);
		p = *end ? end + 1 : end;
	}
	return NULL;
}

static int has_line(const char *text, const char *line)
{
	char *l = line_starting(text, line);
	int ok = l && !strcmp(l, line);

	free(l);
	return ok;
}

static double gauge(const char *text, const char *name)
{
	char prefix[128], *l;
	double v;

	snprintf(prefix, sizeof(prefix), "%s ", name);
	l = line_starting(text, prefix);
	assert_non_null(l);
	v = strtod(l + strlen(prefix), NULL);
	free(l);
	return v;
}

static void renders_counters(void **state)
{
	struct metrics_source src = source();
	char *out = metrics_render(&src), line[512], *want, *p;
	size_t len = 0;
	int i;

	(void)state;
	assert_non_null(out);
	/* The counters come first, in enum order, three lines each. */
	for (i = 0; i < SYNFIN_C__MAX; i++)
		len += snprintf(NULL, 0, "# HELP synfin_%s_total %s\n# TYPE synfin_%s_total counter\nsynfin_%s_total %llu\n",
				synfin_counter_names[i], synfin_counter_help[i],
				synfin_counter_names[i], synfin_counter_names[i],
				(unsigned long long)counter_sum(i));
	want = p = malloc(len + 1);
	assert_non_null(want);
	for (i = 0; i < SYNFIN_C__MAX; i++)
		p += sprintf(p, "# HELP synfin_%s_total %s\n# TYPE synfin_%s_total counter\nsynfin_%s_total %llu\n",
			     synfin_counter_names[i], synfin_counter_help[i],
			     synfin_counter_names[i], synfin_counter_names[i],
			     (unsigned long long)counter_sum(i));
	assert_true(strlen(out) > len);
	assert_memory_equal(out, want, len);
	free(want);

	/* Spelled out, not rebuilt from the same tables. */
	assert_true(has_line(out, "# HELP synfin_syn_seen_total SYNs to protected ports"));
	assert_true(has_line(out, "# TYPE synfin_syn_seen_total counter"));
	snprintf(line, sizeof(line), "synfin_syn_seen_total %llu",
		 (unsigned long long)ncpu * (ncpu + 1) / 2);
	assert_true(has_line(out, line));
	assert_true(has_line(out, "# HELP synfin_ct_rst_unknown_total RSTs for no known connection, dropped"));
	snprintf(line, sizeof(line), "synfin_ct_rst_unknown_total %llu",
		 (unsigned long long)counter_sum(SYNFIN_C_CT_RST_UNKNOWN));
	assert_true(has_line(out, line));
	free(out);
}

/* Row r's counter i, every CPU v. */
static void row_set(int r, int i, __u64 v)
{
	__u32 key = r * SYNFIN_C__MAX + i;
	__u64 *vals = calloc(ncpu, sizeof(*vals));
	int c;

	assert_non_null(vals);
	for (c = 0; c < ncpu; c++)
		vals[c] = v;
	assert_int_equal(bpf_map_update_elem(counters_fd, &key, vals, BPF_ANY), 0);
	free(vals);
}

/* With interfaces, each counter is a series per interface (its row), and
 * frames seen on none of them have one without a name.
 */
static void labels_interfaces(void **state)
{
	/* A name may hold a quote, which the label escapes. */
	static const char ifaces[2][IF_NAMESIZE] = { "eth0", "eth\"1" };
	struct metrics_source src = source();
	char *out, line[128];

	(void)state;
	src.ifaces = ifaces;
	src.nifaces = 2;
	row_set(1, SYNFIN_C_SYN_SEEN, 1000);
	row_set(SYNFIN_IFACE_OTHER, SYNFIN_C_SYN_SEEN, 7);
	out = metrics_render(&src);
	assert_non_null(out);
	snprintf(line, sizeof(line), "synfin_syn_seen_total{iface=\"eth0\"} %llu",
		 (unsigned long long)counter_sum(SYNFIN_C_SYN_SEEN));
	assert_true(has_line(out, line));
	snprintf(line, sizeof(line), "synfin_syn_seen_total{iface=\"eth\\\"1\"} %llu",
		 (unsigned long long)1000 * ncpu);
	assert_true(has_line(out, line));
	snprintf(line, sizeof(line), "synfin_syn_seen_total{iface=\"\"} %llu",
		 (unsigned long long)7 * ncpu);
	assert_true(has_line(out, line));
	assert_true(has_line(out, "synfin_synack_sent_total{iface=\"eth\\\"1\"} 0"));
	/* No row of its own, no series for it. */
	assert_false(has_line(out, "synfin_synack_sent_total{iface=\"\"} 0"));
	assert_null(line_starting(out, "synfin_syn_seen_total "));
	free(out);
	/* Without interfaces, the rows summed. */
	src.nifaces = 0;
	out = metrics_render(&src);
	snprintf(line, sizeof(line), "synfin_syn_seen_total %llu",
		 (unsigned long long)(counter_sum(SYNFIN_C_SYN_SEEN) + 1007 * ncpu));
	assert_true(has_line(out, line));
	free(out);
	row_set(1, SYNFIN_C_SYN_SEEN, 0);
	row_set(SYNFIN_IFACE_OTHER, SYNFIN_C_SYN_SEEN, 0);
}

static void renders_gauges(void **state)
{
	struct metrics_source src = source();
	char *out = metrics_render(&src), line[128];
	double v;
	int i;

	(void)state;
	assert_non_null(out);
	assert_true(has_line(out, "# TYPE synfin_conntrack_entries gauge"));
	assert_true(has_line(out, "synfin_conntrack_entries 6"));
	assert_true(has_line(out, "# TYPE synfin_conntrack_size gauge"));
	assert_true(has_line(out, "synfin_conntrack_size 4096"));
	assert_true(has_line(out, "# TYPE synfin_conntrack_state gauge"));
	assert_true(has_line(out, "synfin_conntrack_state{state=\"ESTABLISHED\"} 3"));
	assert_true(has_line(out, "synfin_conntrack_state{state=\"TIME-WAIT\"} 2"));
	assert_true(has_line(out, "synfin_conntrack_state{state=\"FIN-WAIT-1\"} 1"));
	/* Every state is there, the empty ones as 0, so no series vanishes. */
	for (i = 0; i < SF_TCP__MAX; i++) {
		snprintf(line, sizeof(line), "synfin_conntrack_state{state=\"%s\"} ",
			 synfin_tcp_state_names[i]);
		assert_non_null(strstr(out, line));
	}
	assert_true(has_line(out, "synfin_conntrack_state{state=\"CLOSED\"} 0"));
	assert_true(has_line(out, "synfin_conntrack_state{state=\"SYN-RECEIVED\"} 0"));

	assert_true(has_line(out, "# TYPE synfin_uptime_seconds gauge"));
	v = gauge(out, "synfin_uptime_seconds");
	assert_true(v >= 20.0 && v < 80.0);
	assert_true(has_line(out, "# TYPE synfin_secret_age_seconds gauge"));
	v = gauge(out, "synfin_secret_age_seconds");
	assert_true(v >= 10.0 && v < 20.0);
	assert_int_equal(out[strlen(out) - 1], '\n');
	free(out);
}

/* The secret age follows the store the main loop makes. */
static void secret_age_follows_rotation(void **state)
{
	struct metrics_source src = source();
	char *out;

	(void)state;
	__atomic_store_n(&secret_ns, monotonic_ns(), __ATOMIC_RELAXED);
	out = metrics_render(&src);
	assert_non_null(out);
	assert_true(gauge(out, "synfin_secret_age_seconds") < 10.0);
	free(out);
}

static void optional_fields(void **state)
{
	struct metrics_source src = source();
	char *out;

	(void)state;
	src.secret_ns = NULL;
	src.ct_size = 0;	/* read from the map */
	out = metrics_render(&src);
	assert_non_null(out);
	assert_null(strstr(out, "synfin_secret_age_seconds"));
	assert_true(has_line(out, "synfin_conntrack_size 4096"));
	free(out);
}

/* The table filter's gauges, from a filter map of one word per buffer: its
 * fill is that word's share of set bits, exactly.
 */
static void renders_filter_gauges(void **state)
{
	struct metrics_source src = source();
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	struct synfin_ct_key k = { .family = 4, .lport = htons(80) };
	struct ct_filter f;
	char want[64], *out;
	int fd, i, set;

	(void)state;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "t_filter", sizeof(__u32), sizeof(__u64),
			    synfin_filter_entries(8), &opts);
	assert_true(fd >= 0);
	assert_int_equal(ct_filter_init(fd, 1), 0);
	assert_int_equal(ct_filter_open(&f, fd), 0);
	assert_int_equal(f.log2, 0);
	for (i = 0; i < 5; i++) {
		k.rport = htons(40000 + i);
		ct_filter_add(&f, &k);
	}
	set = __builtin_popcountll(f.w[synfin_filter_word(0, ct_filter_header(&f) & SYNFIN_FILTER_LIVE, 0)]);
	assert_true(set >= 1 && set <= 5);
	src.filter = &f;
	out = metrics_render(&src);
	assert_non_null(out);
	assert_true(has_line(out, "synfin_ct_filter_trusted 1"));
	snprintf(want, sizeof(want), "synfin_ct_filter_fill_ratio %.4f", set / 64.0);
	assert_true(has_line(out, want));
	assert_true(has_line(out, "synfin_ct_filter_rebuilds_total 0"));
	free(out);
	ct_filter_close(&f);
	close(fd);
}

static void render_fails_on_bad_map(void **state)
{
	struct metrics_source src = source();

	(void)state;
	src.counters_fd = -1;
	errno = 0;
	assert_null(metrics_render(&src));
	assert_int_equal(errno, EBADF);
	src = source();
	src.conntrack_fd = -1;
	errno = 0;
	assert_null(metrics_render(&src));
	assert_int_equal(errno, EBADF);
}

struct http_reply {
	int status;
	char *head;	/* status line and headers */
	char *body;
};

/* One request over HTTP/1.0, so the server closes when it is done. */
static int http_request(int family, unsigned int port, const char *method,
			const char *path, struct http_reply *r)
{
	struct sockaddr_storage ss = {};
	struct timeval tv = { .tv_sec = 5 };
	char req[256], *buf = NULL, *sep;
	size_t used = 0, cap = 0;
	socklen_t len;
	ssize_t n;
	int fd;

	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons(port);
		len = sizeof(*a);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		close(fd);
		return -1;
	}
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n",
		     method, path);
	if (write(fd, req, n) != n) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (cap - used < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n <= 0)
			break;
		used += n;
	}
	close(fd);
	if (n < 0 || !used) {
		free(buf);
		return -1;
	}
	buf[used] = '\0';
	sep = strstr(buf, "\r\n\r\n");
	if (!sep || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
		free(buf);
		return -1;
	}
	*sep = '\0';
	r->head = buf;
	r->body = sep + 4;
	return 0;
}

static void serves_metrics(void **state)
{
	struct metrics_source src = source();
	struct http_reply r;
	struct metrics *m;
	unsigned int port;
	char line[128];

	(void)state;
	m = metrics_start("127.0.0.1:0", &src);
	assert_non_null(m);
	port = metrics_port(m);
	assert_true(port > 0);

	assert_int_equal(http_request(AF_INET, port, "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strcasestr(r.head, "Content-Type: text/plain; version=0.0.4"));
	snprintf(line, sizeof(line), "synfin_syn_seen_total %llu",
		 (unsigned long long)counter_sum(SYNFIN_C_SYN_SEEN));
	assert_true(has_line(r.body, line));
	assert_true(has_line(r.body, "synfin_conntrack_state{state=\"TIME-WAIT\"} 2"));
	free(r.head);

	/* A scrape sees the map as it is now. */
	assert_int_equal(ct_put(50000, SF_TCP_TIME_WAIT), 0);
	assert_int_equal(http_request(AF_INET, port, "GET", "/metrics?x=1", &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(has_line(r.body, "synfin_conntrack_state{state=\"TIME-WAIT\"} 3"));
	assert_true(has_line(r.body, "synfin_conntrack_entries 7"));
	free(r.head);

	assert_int_equal(http_request(AF_INET, port, "HEAD", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "");
	free(r.head);

	assert_int_equal(http_request(AF_INET, port, "GET", "/other", &r), 0);
	assert_int_equal(r.status, 404);
	assert_null(strstr(r.body, "synfin_"));
	free(r.head);
	assert_int_equal(http_request(AF_INET, port, "GET", "/", &r), 0);
	assert_int_equal(r.status, 404);
	free(r.head);
	assert_int_equal(http_request(AF_INET, port, "GET", "/metrics/", &r), 0);
	assert_int_equal(r.status, 404);
	free(r.head);

	assert_int_equal(http_request(AF_INET, port, "POST", "/metrics", &r), 0);
	assert_int_equal(r.status, 405);
	assert_non_null(strcasestr(r.head, "Allow: GET, HEAD"));
	free(r.head);
	assert_int_equal(http_request(AF_INET, port, "DELETE", "/metrics", &r), 0);
	assert_int_equal(r.status, 405);
	free(r.head);

	/* Bound to 127.0.0.1 only: not on ::1. */
	assert_int_equal(http_request(AF_INET6, port, "GET", "/metrics", &r), -1);

	metrics_stop(m);
	/* Stopped: the port is closed. */
	assert_int_equal(http_request(AF_INET, port, "GET", "/metrics", &r), -1);
}

static void serves_ipv6(void **state)
{
	struct metrics_source src = source();
	struct http_reply r;
	struct metrics *m;

	(void)state;
	m = metrics_start("[::1]:0", &src);
	if (!m && errno == EADDRNOTAVAIL)
		skip();		/* no IPv6 loopback here */
	assert_non_null(m);
	assert_int_equal(http_request(AF_INET6, metrics_port(m), "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	assert_true(has_line(r.body, "synfin_conntrack_size 4096"));
	free(r.head);
	/* [::1] is IPv6 only: nothing on 127.0.0.1. */
	assert_int_equal(http_request(AF_INET, metrics_port(m), "GET", "/metrics", &r), -1);
	metrics_stop(m);

	/* Nor is [::]: it must not take IPv4 as mapped addresses too. */
	m = metrics_start("[::]:0", &src);
	assert_non_null(m);
	assert_int_equal(http_request(AF_INET6, metrics_port(m), "GET", "/metrics", &r), 0);
	assert_int_equal(r.status, 200);
	free(r.head);
	assert_int_equal(http_request(AF_INET, metrics_port(m), "GET", "/metrics", &r), -1);
	metrics_stop(m);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void start_refusals(void **state)
{
	struct metrics_source src = source();
	struct metrics *m, *m2;
	int fds = open_fds();
	char addr[64];

	(void)state;
	errno = 0;
	assert_null(metrics_start("localhost:9469", &src));
	assert_int_equal(errno, EINVAL);
	assert_null(metrics_start("127.0.0.1", &src));

	/* The port is taken: the second start fails and says why. */
	m = metrics_start("127.0.0.1:0", &src);
	assert_non_null(m);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", metrics_port(m));
	errno = 0;
	m2 = metrics_start(addr, &src);
	assert_null(m2);
	assert_int_equal(errno, EADDRINUSE);
	metrics_stop(m);
	/* Free again once the first is stopped. */
	m2 = metrics_start(addr, &src);
	assert_non_null(m2);
	metrics_stop(m2);
	metrics_stop(NULL);
	/* Stopping closes the listening socket; failures leak none. */
	assert_int_equal(open_fds(), fds);
}

static int teardown_ct_extra(void **state)
{
	struct synfin_ct_key k = { .family = 4 };

	(void)state;
	k.raddr[0] = htonl(0x0a000001);
	k.laddr[0] = htonl(0x0a000002);
	k.rport = htons(50000);
	k.lport = htons(80);
	bpf_map_delete_elem(ct_fd, &k);
	return 0;
}

int main(void)
{
	const struct CMUnitTest map_tests[] = {
		cmocka_unit_test(renders_counters),
		cmocka_unit_test(renders_gauges),
		cmocka_unit_test(secret_age_follows_rotation),
		cmocka_unit_test(optional_fields),
		cmocka_unit_test(renders_filter_gauges),
		cmocka_unit_test(render_fails_on_bad_map),
		cmocka_unit_test_teardown(serves_metrics, teardown_ct_extra),
		cmocka_unit_test(serves_ipv6),
		cmocka_unit_test(start_refusals),
		cmocka_unit_test(labels_interfaces),
	};
	int err, failed = 0;

	err = create_maps();
	if (!err)
		err = fill_conntrack();
	if (err == -EPERM) {
		fprintf(stderr, "SKIP: creating BPF maps needs CAP_BPF\n");
		return failed ? 1 : 77;
	}
	if (err) {
		fprintf(stderr, "Couldn't create the test maps: %s (%d)\n",
			strerror(-err), err);
		return 1;
	}
	failed += cmocka_run_group_tests_name("metrics", map_tests, NULL, NULL);
	close(counters_fd);
	close(ct_fd);
	return failed ? 1 : 0;
}
