/* SPDX-License-Identifier: GPL-2.0 */
/* synfin-flood's pieces: addresses and the test-range check (addr.c),
 * the interface (iface.c), frames (frame.c), the senders and
 * their threads (tx.c), and the command line (main.c).
 */
#ifndef SYNFIN_DAEMON_FLOOD_H
#define SYNFIN_DAEMON_FLOOD_H

#include <stdatomic.h>
#include <stddef.h>
#include <pthread.h>
#include <linux/types.h>
#include "synfin_flood.h"

#define FLOOD_EXIT_RUNTIME 1
#define FLOOD_EXIT_USAGE 2

/* addr.c. Addresses are in network order; IPv4 uses word 0. */
struct flood_net {
	int ipv6;
	__u32 addr[4];
	int prefix;
};

int flood_parse_dst(const char *s, struct flood_net *dst, __u16 *port);
int flood_parse_cidr(const char *s, struct flood_net *net);
int flood_parse_mac(const char *s, __u8 mac[6]);
/* Inside 198.18.0.0/15 or 2001:db8::/32, all of it: the only places this
 * tool sends to or claims to send from.
 */
int flood_net_is_test(const struct flood_net *net);
void flood_net_mask(const struct flood_net *net, __u32 hostmask[4]);
const char *flood_net_str(const struct flood_net *net, char *buf, size_t len);

/* iface.c */
struct flood_iface {
	int ifindex;
	__u8 mac[6];
	unsigned int mtu;
};

int flood_iface_get(const char *name, struct flood_iface *ifc);
/* The frames the interface dropped on transmit so far (its tx_dropped: a
 * full queue, or a veth peer's full ring; a 32-bit counter that wraps):
 * 0 or a negative errno.
 */
int flood_iface_tx_dropped(const char *name, __u32 *dropped);
/* The interface's first global address of that family, with its prefix. */
int flood_iface_subnet(const char *name, int ipv6, struct flood_net *net);
/* 1 if the interface takes XDP frames (ndo_xdp_xmit), 0 if not, -1 if the
 * kernel doesn't say (before 6.3).
 */
int flood_iface_xdp_xmit(int ifindex);

/* frame.c */
struct flood_spec {
	int ipv6;
	__u8 src_mac[6], dst_mac[6];
	__u32 saddr[4];		/* the --src network, host bits zero */
	__u32 daddr[4];
	__u32 src_hostmask[4];
	__u16 dport;		/* host order */
	__u16 mss;
};

void flood_tmpl_build(const struct flood_spec *s, enum flood_type t,
		      struct flood_tmpl *tp);

/* splitmix64 state for the userspace builder, one per thread. */
struct flood_rng {
	__u64 s;
};

void flood_rng_seed(struct flood_rng *rng);
/* A frame from the template with its random fields drawn: what the BPF
 * program does, for the AF_PACKET sender. Returns the frame's length.
 */
__u32 flood_frame_fill(const struct flood_spec *s, const struct flood_tmpl *tp,
		       enum flood_type t, struct flood_rng *rng, __u8 *buf);

/* tx.c */
enum flood_mode { FLOOD_MODE_LIVE, FLOOD_MODE_PACKET };

struct flood_run {
	enum flood_mode mode;
	enum flood_type type;
	int ifindex;
	int prog_fd;			/* live frames */
	const struct flood_spec *spec;	/* AF_PACKET */
	const struct flood_tmpl *tmpl;	/* FLOOD_NTMPL of them */
	const __u8 *frame;		/* live frames' data_in */
	__u32 frame_len;
	__u64 deadline_ns;		/* CLOCK_MONOTONIC; 0: none */
	atomic_int stop;
	int done_fd;			/* eventfd: a worker finished */
};

struct flood_worker {
	struct flood_run *run;
	pthread_t thread;
	int cpu;			/* -1: not pinned */
	__u64 quota;			/* frames; 0: no limit */
	__u64 rate;			/* frames per second; 0: unlimited */
	_Atomic __u64 sent;
	int err;			/* negative errno that stopped it */
	const char *err_what;
	__u64 end_ns;
};

__u64 flood_now_ns(void);
/* Probes live-frames mode with one dropped run: 0 or a negative errno. */
int flood_live_probe(struct flood_run *run, __u32 *dry_run);
int flood_worker_start(struct flood_worker *w);
/* Opens and closes an AF_PACKET socket as a worker would: 0 or -errno. */
int flood_packet_probe(const struct flood_run *run);

#endif /* SYNFIN_DAEMON_FLOOD_H */
