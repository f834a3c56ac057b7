// SPDX-License-Identifier: GPL-2.0
/* The connection table under concurrency: both directions of one
 * connection at once, XDP (the client's segments) in a thread pinned to
 * one CPU and TC egress (the server's) in a thread pinned to another, as a
 * veth or NIC queue per core runs them. Each row is a few phases; in each,
 * both threads start together on every connection, one of them repeating
 * its segment so the other's lands in the middle of it. Whatever the
 * interleaving, the end is one: the entries and counters are checked
 * against it once both threads are done.
 */
#include <pthread.h>
#include <stdatomic.h>
#include "fixture.h"
#include "synfin.skel.h"

#define RACE_CONNS 250
#define RACE_REPEAT 64		/* the repeated segment's runs */
#define RACE_PHASES 2
#define CLIENT_ISN 1000u
#define SERVER_ISN 500000u
#define CLIENT_PORT0 20000

enum race_seg { SEG_NONE, SEG_DATA, SEG_RST, SEG_FIN, SEG_ACK_FIN };

/* What one side sends in a phase, repeat times (0: once). */
struct race_send {
	enum race_seg seg;
	int repeat;
};

struct race_phase {
	struct race_send cli, srv;
};

struct race_case {
	const char *name;
	struct race_phase phase[RACE_PHASES];
	uint8_t state;		/* the connection's at the end */
	uint8_t side_state[2];	/* by enum synfin_side */
	int closed;		/* ct_conn_closed per connection */
};

static const struct race_case race_cases[] = {
{
	/* The server's RST in the middle of the client's data. */
	.name = "server RST vs client data",
	.phase = { { { SEG_DATA, RACE_REPEAT }, { SEG_RST, 0 } } },
	.state = SF_TCP_CLOSED,
	.side_state = { SF_TCP_CLOSED, SF_TCP_CLOSED },
	.closed = 1,
}, {
	.name = "client RST vs server data",
	.phase = { { { SEG_RST, 0 }, { SEG_DATA, RACE_REPEAT } } },
	.state = SF_TCP_CLOSED,
	.side_state = { SF_TCP_CLOSED, SF_TCP_CLOSED },
	.closed = 1,
}, {
	/* Both FINs out before either is acked: both close through
	 * CLOSING, whichever CPU is first.
	 */
	.name = "FINs crossing, then their ACKs",
	.phase = { { { SEG_FIN, 0 }, { SEG_FIN, 0 } },
		   { { SEG_ACK_FIN, 0 }, { SEG_ACK_FIN, 0 } } },
	.state = SF_TCP_TIME_WAIT,
	.side_state = { SF_TCP_TIME_WAIT, SF_TCP_TIME_WAIT },
	.closed = 1,
}, {
	/* The server's FIN while the client sends data: the server closes
	 * first, whatever the data's CPU wrote meanwhile.
	 */
	.name = "server FIN vs client data",
	.phase = { { { SEG_DATA, RACE_REPEAT }, { SEG_FIN, 0 } } },
	.state = SF_TCP_FIN_WAIT_1,
	.side_state = { SF_TCP_ESTABLISHED, SF_TCP_FIN_WAIT_1 },
	.closed = 0,
},
};

/* The segment seg of one side of connection i. */
static size_t race_frame(int i, int from_client, enum race_seg seg,
			 uint8_t *buf, size_t cap)
{
	struct pkt_spec s = PKT_SPEC4(.window = 65535);
	uint32_t mine = from_client ? CLIENT_ISN : SERVER_ISN;
	uint32_t theirs = from_client ? SERVER_ISN : CLIENT_ISN;
	static const uint8_t data[10];

	if (!from_client) {
		memcpy(s.saddr, (uint8_t[4]){ 198, 18, 0, 2 }, 4);
		memcpy(s.daddr, (uint8_t[4]){ 198, 18, 0, 1 }, 4);
		s.sport = 80;
		s.dport = CLIENT_PORT0 + i;
	} else {
		s.sport = CLIENT_PORT0 + i;
		s.dport = 80;
	}
	s.seq = mine;
	s.ack = theirs;
	switch (seg) {
	case SEG_DATA:
		/* The same bytes again: each run is a whole segment. */
		s.flags = PKT_TCP_ACK | PKT_TCP_PSH;
		s.payload = data;
		s.payload_len = sizeof(data);
		s.seq = mine - sizeof(data);
		break;
	case SEG_RST:
		s.flags = PKT_TCP_RST;
		s.ack = 0;
		break;
	case SEG_FIN:
		s.flags = PKT_TCP_FIN | PKT_TCP_ACK;
		break;
	case SEG_ACK_FIN:
		s.flags = PKT_TCP_ACK;
		s.seq = mine + 1;
		s.ack = theirs + 1;
		break;
	case SEG_NONE:
		return 0;
	}
	return fx_build_spec(&s, buf, cap);
}

/* Connection i open at both ends, its numbers known. */
static void race_put(struct fx *fx, int i)
{
	struct synfin_ct_entry e = { .origin = SF_CT_KERNEL,
				     .opener = SF_SIDE_REMOTE,
				     .closer = SF_SIDE_NONE,
				     .state = SF_TCP_ESTABLISHED };
	struct pkt_spec s = PKT_SPEC4(.sport = CLIENT_PORT0 + i, .dport = 80);
	struct synfin_ct_key k;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	e.first_ns = e.last_ns = (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	e.side[SF_SIDE_REMOTE] = (struct synfin_ct_side){
		.state = SF_TCP_ESTABLISHED, .flags = SF_CT_SEQ_KNOWN,
		.next_seq = CLIENT_ISN, .window = 65535 };
	e.side[SF_SIDE_LOCAL] = (struct synfin_ct_side){
		.state = SF_TCP_ESTABLISHED, .flags = SF_CT_SEQ_KNOWN,
		.next_seq = SERVER_ISN, .window = 65535 };
	fx_ct_key(&s, &k);
	fx_ct_put(fx, &k, &e);
}

/* One thread: its side's segment of every connection, each started when
 * the other thread is ready for the same connection.
 */
struct race_thread {
	pthread_t tid;
	int cpu, prog_fd, xdp;
	const struct race_send *send;
	uint8_t (*frames)[256];
	size_t *len;
	atomic_int *ready;	/* both threads' turn counters */
	int me;
	int err;
};

static void *race_run(void *arg)
{
	struct race_thread *t = arg;
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(t->cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		t->err = -1;
		return NULL;
	}
	for (i = 0; i < RACE_CONNS; i++) {
		uint8_t out[512];
		struct xdp_md ctx = { .data_end = (__u32)t->len[i] };
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = t->frames[i],
			    .data_size_in = (__u32)t->len[i], .data_out = out,
			    .data_size_out = sizeof(out),
			    .repeat = t->send->repeat ? t->send->repeat : 1);

		if (t->xdp) {
			o.ctx_in = &ctx;
			o.ctx_size_in = sizeof(ctx);
		}
		/* A turnstile: both threads at connection i, then go. */
		atomic_store(&t->ready[t->me], i + 1);
		while (atomic_load(&t->ready[!t->me]) < i + 1)
			sched_yield();	/* the machine may have one CPU free */
		if (t->send->seg != SEG_NONE &&
		    bpf_prog_test_run_opts(t->prog_fd, &o))
			t->err = -errno;
	}
	return NULL;
}

static int two_cpus(int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	return n == 2;
}

static void run_race(struct fx *fx, const void *row)
{
	const struct race_case *rc = row;
	static uint8_t frames[2][RACE_CONNS][256];
	static size_t len[2][RACE_CONNS];
	__u64 before[SYNFIN_C__MAX], after[SYNFIN_C__MAX];
	struct race_thread t[2];
	atomic_int ready[2];
	int cpu[2], i, p, side, bad = 0;

	if (!two_cpus(cpu))
		skip();	/* two CPUs or no race */
	assert_int_equal(fx_ct_clear(fx), 0);
	for (i = 0; i < RACE_CONNS; i++)
		race_put(fx, i);
	fx_counters(fx, before);
	for (p = 0; p < RACE_PHASES; p++) {
		const struct race_send *send[2] = { &rc->phase[p].cli,
						    &rc->phase[p].srv };

		for (side = 0; side < 2; side++)
			for (i = 0; i < RACE_CONNS; i++)
				len[side][i] = race_frame(i, side == 0,
							  send[side]->seg,
							  frames[side][i], 256);
		atomic_init(&ready[0], 0);
		atomic_init(&ready[1], 0);
		for (side = 0; side < 2; side++) {
			t[side] = (struct race_thread){
				.cpu = cpu[side], .xdp = side == 0,
				.prog_fd = side == 0 ? fx->xdp_fd :
				   bpf_program__fd(fx->skel->progs.tc_synfin_egress),
				.send = send[side], .frames = frames[side],
				.len = len[side], .ready = ready, .me = side };
			assert_int_equal(pthread_create(&t[side].tid, NULL,
							race_run, &t[side]), 0);
		}
		for (side = 0; side < 2; side++) {
			pthread_join(t[side].tid, NULL);
			assert_int_equal(t[side].err, 0);
		}
	}
	fx_counters(fx, after);

	for (i = 0; i < RACE_CONNS; i++) {
		struct pkt_spec s = PKT_SPEC4(.sport = CLIENT_PORT0 + i, .dport = 80);
		struct synfin_ct_entry e;

		assert_int_equal(fx_ct_lookup(fx, &s, &e), 0);
		if (e.state != rc->state ||
		    e.side[SF_SIDE_REMOTE].state != rc->side_state[SF_SIDE_REMOTE] ||
		    e.side[SF_SIDE_LOCAL].state != rc->side_state[SF_SIDE_LOCAL]) {
			if (!bad++)
				print_message("connection %d: state %u (remote %u, local %u), not %u (%u, %u)\n",
					      i, e.state,
					      e.side[SF_SIDE_REMOTE].state,
					      e.side[SF_SIDE_LOCAL].state, rc->state,
					      rc->side_state[SF_SIDE_REMOTE],
					      rc->side_state[SF_SIDE_LOCAL]);
		}
	}
	if (bad)
		fail_msg("%s: %d of %d entries in another state", rc->name, bad,
			 RACE_CONNS);
	assert_int_equal(after[SYNFIN_C_CT_CONN_CLOSED] - before[SYNFIN_C_CT_CONN_CLOSED],
			 (__u64)rc->closed * RACE_CONNS);
}

int main(void)
{
	const struct fx_table tables[] = {
		{ "race", race_cases, FX_ARRAY_SIZE(race_cases),
		  sizeof(race_cases[0]), run_race, FX_HOOK_XDP },
	};

	return fx_run_group("ct_race", tables, FX_ARRAY_SIZE(tables), NULL, 0,
			    fx_setup, fx_teardown);
}
