// SPDX-License-Identifier: GPL-2.0
/* synfin-flood's senders, one thread each: BPF_PROG_RUN in live-frames
 * mode (the kernel sends what the XDP program builds), or an AF_PACKET
 * socket fed with frames built here. Both are paced by the clock.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/ethernet.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <linux/if_packet.h>
#include <bpf/bpf.h>
#include "flood.h"

#define NSEC 1000000000ull
/* A BPF_PROG_RUN of more than one frame adds the program to the XDP
 * dispatcher and removes it again, each with a synchronize_rcu(): some
 * 25 ms a call when no other thread's call overlaps it. So unpaced calls
 * last about LIVE_CALL_NS, and paced ones send one frame (no dispatcher
 * change) up to LIVE_SMOOTH_PPS, above that bursts of LIVE_BURST_NS, no
 * longer than an unpaced call: a rate beyond the machine's is then sent as
 * fast as it goes, still stopping at the deadline or a signal.
 */
#define LIVE_CALL_NS (NSEC / 10)
#define LIVE_SMOOTH_PPS 20000
#define LIVE_BURST_NS (NSEC / 10)
#define LIVE_FIRST 65536	/* frames in the first unpaced call */
#define LIVE_MIN 64
#define LIVE_MAX (1u << 24)
#define PACKET_BATCH 64		/* frames per sendmmsg() */
#define MAX_SLEEP_NS (NSEC / 10)	/* wake every 100 ms to see a stop */
#define BUSY_SLEEP_NS 50000	/* the device's queue is full */

struct packet_tx {
	int fd;
	__u32 next_type;	/* FLOOD_MIXED */
	struct flood_rng rng;
	__u8 buf[PACKET_BATCH][FLOOD_FRAME_MAX];
	struct iovec iov[PACKET_BATCH];
	struct mmsghdr msg[PACKET_BATCH];
};

__u64 flood_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static void sleep_until(__u64 ns)
{
	struct timespec ts = { .tv_sec = ns / NSEC, .tv_nsec = ns % NSEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* When frame number sent is due, in ns from the start; no overflow for
 * any count a u64 holds.
 */
static __u64 pace_ns(__u64 sent, __u64 rate)
{
	return sent / rate * NSEC + sent % rate * NSEC / rate;
}

static int live_run(const struct flood_run *run, __u32 n)
{
	struct xdp_md ctx = {
		.data_end = run->frame_len,
		.ingress_ifindex = run->ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = run->frame,
		.data_size_in = run->frame_len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = n,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
	);
	int ret;

	ret = bpf_prog_test_run_opts(run->prog_fd, &opts);
	return ret < 0 ? ret : (int)n;
}

int flood_live_probe(struct flood_run *run, __u32 *dry_run)
{
	int ret;

	*dry_run = 1;
	ret = live_run(run, 1);
	*dry_run = 0;
	return ret < 0 ? ret : 0;
}

static struct packet_tx *packet_open(const struct flood_run *run, int *err)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = run->ifindex,
	};
	struct packet_tx *p;
	int one = 1, i;

	p = calloc(1, sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	/* Protocol 0: this socket receives nothing. */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		goto err;
	/* Best effort: without it frames only take the qdisc's detour. */
	setsockopt(p->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)))
		goto err;
	flood_rng_seed(&p->rng);
	for (i = 0; i < PACKET_BATCH; i++) {
		p->iov[i].iov_base = p->buf[i];
		p->msg[i].msg_hdr.msg_iov = &p->iov[i];
		p->msg[i].msg_hdr.msg_iovlen = 1;
	}
	return p;
err:
	*err = -errno;
	if (p->fd >= 0)
		close(p->fd);
	free(p);
	return NULL;
}

static int packet_send(struct packet_tx *p, const struct flood_run *run, __u32 n)
{
	enum flood_type t = run->type;
	struct timespec busy = { .tv_nsec = BUSY_SLEEP_NS };
	__u32 i;
	int ret;

	if (n > PACKET_BATCH)
		n = PACKET_BATCH;
	for (i = 0; i < n; i++) {
		if (run->type == FLOOD_MIXED)
			t = (p->next_type + i) % FLOOD_NTMPL;
		p->iov[i].iov_len = flood_frame_fill(run->spec, &run->tmpl[t], t,
						     &p->rng, p->buf[i]);
	}
	ret = sendmmsg(p->fd, p->msg, n, 0);
	if (ret < 0) {
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			return -errno;
		nanosleep(&busy, NULL);
		return 0;
	}
	p->next_type += ret;
	return ret;
}

int flood_packet_probe(const struct flood_run *run)
{
	struct packet_tx *p;
	int err = 0;

	p = packet_open(run, &err);
	if (!p)
		return err;
	close(p->fd);
	free(p);
	return 0;
}

static void *worker_main(void *arg)
{
	struct flood_worker *w = arg;
	struct flood_run *run = w->run;
	struct packet_tx *ptx = NULL;
	__u64 sent = 0, start, now, due, chunk, burst = 0, n, lim, call_ns, pps = 0;
	cpu_set_t set;
	int ret = 0;

	if (w->cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(w->cpu, &set);
		/* Best effort: an unpinned thread only runs slower. */
		if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
			w->cpu = -1;
	}
	if (run->mode == FLOOD_MODE_PACKET) {
		ptx = packet_open(run, &ret);
		if (!ptx) {
			w->err = ret;
			w->err_what = "open an AF_PACKET socket";
			goto out;
		}
	}
	if (run->mode == FLOOD_MODE_PACKET)
		chunk = w->rate && w->rate < 1000 * PACKET_BATCH ? w->rate / 1000 ?: 1
								 : PACKET_BATCH;
	else if (!w->rate)
		chunk = LIVE_FIRST;
	else if (w->rate <= LIVE_SMOOTH_PPS)
		chunk = 1;
	else {
		burst = w->rate * LIVE_BURST_NS / NSEC;
		chunk = burst < LIVE_FIRST ? burst : LIVE_FIRST;
	}

	start = flood_now_ns();
	for (;;) {
		if (atomic_load_explicit(&run->stop, memory_order_relaxed))
			break;
		if (w->quota && sent >= w->quota)
			break;
		now = flood_now_ns();
		if (run->deadline_ns && now >= run->deadline_ns)
			break;
		if (w->rate) {
			due = start + pace_ns(sent, w->rate);
			if (due > now) {
				if (due > now + MAX_SLEEP_NS)
					due = now + MAX_SLEEP_NS;
				if (run->deadline_ns && due > run->deadline_ns)
					due = run->deadline_ns;
				sleep_until(due);
				continue;
			}
		}
		n = chunk;
		/* Live calls end near the deadline, not long after: each takes
		 * half the time left at the last call's rate, which other
		 * threads' calls and the receiver's NAPI may slow down.
		 */
		if (run->mode == FLOOD_MODE_LIVE && chunk > 1 && run->deadline_ns && pps) {
			/* In double: pps times a day of ns overflows 64 bits. */
			lim = (__u64)((double)pps * (double)(run->deadline_ns - now) / NSEC / 2);
			if (n > lim)
				n = lim ?: 1;
		}
		if (w->quota && n > w->quota - sent)
			n = w->quota - sent;
		if (run->mode == FLOOD_MODE_LIVE)
			ret = live_run(run, n);
		else
			ret = packet_send(ptx, run, n);
		if (run->mode == FLOOD_MODE_LIVE && chunk > 1 && ret > 0) {
			/* The next call's size from this one's rate; a paced
			 * call no bigger than its burst.
			 */
			call_ns = flood_now_ns() - now;
			pps = call_ns ? ret * NSEC / call_ns : 0;
			if (pps && n == chunk)
				chunk = pps * LIVE_CALL_NS / NSEC;
			chunk = chunk < LIVE_MIN ? LIVE_MIN : chunk > LIVE_MAX ? LIVE_MAX : chunk;
			if (burst && chunk > burst)
				chunk = burst;
		}
		if (ret < 0) {
			w->err = ret;
			w->err_what = run->mode == FLOOD_MODE_LIVE ?
				      "run the generator (BPF_PROG_RUN)" : "send (sendmmsg)";
			break;
		}
		sent += ret;
		atomic_store_explicit(&w->sent, sent, memory_order_relaxed);
	}
	/* A paced run lasts its last frame's slot too: N frames at R a
	 * second take N / R seconds, so the average is R, not more.
	 */
	if (w->rate && !w->err && sent && !atomic_load(&run->stop)) {
		due = start + pace_ns(sent, w->rate);
		if (run->deadline_ns && due > run->deadline_ns)
			due = run->deadline_ns;
		while (!atomic_load(&run->stop) && flood_now_ns() < due)
			sleep_until(due < flood_now_ns() + MAX_SLEEP_NS ? due
								  : flood_now_ns() + MAX_SLEEP_NS);
	}
out:
	w->end_ns = flood_now_ns();
	if (ptx) {
		close(ptx->fd);
		free(ptx);
	}
	eventfd_write(run->done_fd, 1);
	return NULL;
}

int flood_worker_start(struct flood_worker *w)
{
	return -pthread_create(&w->thread, NULL, worker_main, w);
}
