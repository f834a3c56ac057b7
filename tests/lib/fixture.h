/* SPDX-License-Identifier: GPL-2.0 */
/* BPF_PROG_TEST_RUN fixtures for synfin's programs: load the skeleton
 * into a fresh network namespace with known settings and secrets, run a
 * frame built by tests/lib/pktbuild through a program, and compare the
 * verdict, the output frame and the counter deltas with expectations
 * computed here from tests/lib/refsum (never from bpf/).
 *
 * Cases are table rows where they can be (struct fx_table): frames are
 * written as PKT_SPEC4/PKT_SPEC6 initialisers whose later fields override
 * the defaults, which GCC's -Woverride-init would flag in every row.
 */
#ifndef SYNFIN_TEST_FIXTURE_H
#define SYNFIN_TEST_FIXTURE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "synfin.h"
#include "loader.h"
#include "testload.h"
#include "ports.h"
#include "secrets.h"
#include "ct_filter.h"
#include "stats.h"
#include "pktbuild.h"
#include "refsum.h"

#pragma GCC diagnostic ignored "-Woverride-init"

#define FX_BUF 4096
/* A small table: the default (1M entries) preallocates ~200 MB per load. */
#define FX_CT_ENTRIES 65536
#define FX_PORTS "80,443,8000-8100"
/* Settings that differ from every client value the tests send. */
#define FX_MSS4 1412
#define FX_MSS6 1392
#define FX_WINDOW 29200
#define FX_WSCALE 9
#define FX_META_MAGIC 0x5f1e0c0du	/* synfind picks a random one */
/* The period the fixture's cookie clock is set to (fx_pin_clock). */
#define FX_COUNTER 0x1234567ull
#define FX_CFG_ALL (SYNFIN_CFG_SACK | SYNFIN_CFG_TS | SYNFIN_CFG_ECN | \
		    SYNFIN_CFG_WSCALE)

/* What the tests' clients send. */
#define FX_CLIENT_TSVAL 0x11223344u
#define FX_CLIENT_ISN 0x7a6b5c4du
/* Linux's SYN options with the clients' TSval. */
#define FX_SYN_OPTS(mss, ws) \
	PKT_OPTS(PKT_O_LINUX_SYN((mss), FX_CLIENT_TSVAL, (ws)))

/* Verdicts, spelled out so the tests need no <linux/bpf.h> enum. */
#define FX_XDP_DROP 1
#define FX_XDP_PASS 2
#define FX_XDP_TX 3
#define FX_TC_ACT_NEXT	-1	/* pass, and let later TC programs run */
#define FX_TC_ACT_SHOT 2
#define FX_TC_ACT_REDIRECT 7

/* The program that runs the guard's rules (bpf/guard.h): a table runs
 * through one, and its verdicts are written as XDP's (fx_hook_verdict).
 */
enum fx_hook {
	FX_HOOK_XDP,		/* xdp_synfin: XDP mode */
	FX_HOOK_TC,		/* tc_synfin_guard: TC mode, an skb test run */
};

/* The skeleton (synfin.skel.h): a file that uses it includes it, which
 * the Makefile reads as its dependency on the skeleton.
 */
struct synfin;

struct fx {
	struct synfin *skel;
	struct synfin_cfg cfg;
	struct synfin_ports ports;
	uint8_t key[SYNFIN_SECRET_SLOTS][16];
	int xdp_fd;
	int tc_fd;		/* tc_synfin_ingress: XDP mode's hand-off */
	int guard_fd;		/* tc_synfin_guard */
	int counters_fd;
	struct ct_filter filter;	/* the table's, mapped */
	enum fx_hook hook;	/* what fx_guard() runs: the table's */
	int no_meta;		/* loaded by fx_setup_no_meta() */
	int clock_fixed;	/* fx_set_clock() was called: no pinning */
};

/* One program run: the input as sent, the output as returned. */
struct fx_run {
	uint8_t in[FX_BUF];
	size_t in_len;
	uint32_t retval;
	uint8_t out[FX_BUF];
	uint32_t out_len;	/* data_out, metadata included */
	uint32_t meta_len;	/* XDP: data - data_meta from ctx_out */
	const uint8_t *pkt;	/* out + meta_len */
	uint32_t pkt_len;
	uint64_t counter;	/* cookie time counter during the run */
	__u64 before[SYNFIN_C__MAX];
	__u64 after[SYNFIN_C__MAX];
};

/* Builds the input frame for time counter c; returns its length. */
typedef size_t (*fx_build_fn)(const struct fx *fx, uint64_t c, uint8_t *buf,
			      size_t cap, const void *arg);

uint64_t fx_le64(const uint8_t *p);
/* The fixture's cookie clock (synfin_cfg.clock_ns): set a quarter into
 * period FX_COUNTER, and set there again once half of it is gone, so that
 * runs meet no period boundary but the ones a test makes. fx_run_prog()
 * and fx_live() call it; a test that runs programs itself calls it first.
 */
void fx_pin_clock(struct fx *fx);
/* Sets the cookie clock to read ns now, and leaves it running from there
 * (fx_pin_clock() no longer moves it, until the next fx_reset()).
 */
void fx_set_clock(struct fx *fx, uint64_t ns);
/* The time counter on the fixture's cookie clock now. */
uint64_t fx_counter_now(const struct fx *fx);
/* Writes set's key of period counter, 16 bytes (SipHash's key), into the
 * bank in use; NULL: no key (the slot names no period).
 */
int fx_key_write(struct fx *fx, unsigned int set, uint64_t counter,
		 const uint8_t *key);

/* A fresh namespace with lo up: the socket lookups in the programs then
 * see only the sockets a test makes.
 */
int fx_netns(void);
/* A listening TCP socket on addr:port (host order), type_flags such as
 * SOCK_NONBLOCK; -1 on failure.
 */
int fx_tcp_listen(uint32_t addr, uint16_t port, int type_flags);

/* ---- the connection table ---- */

/* Empties the connection table. */
int fx_ct_clear(const struct fx *fx);
unsigned int fx_ct_count(const struct fx *fx);
/* The table's key for the connection whose client (the remote side, the
 * sender of what XDP sees) sent spec.
 */
void fx_ct_key(const struct pkt_spec *s, struct synfin_ct_key *k);
/* 0 and the entry for spec's connection, or -1 when there is none. */
int fx_ct_lookup(const struct fx *fx, const struct pkt_spec *s,
		 struct synfin_ct_entry *e);
/* Writes an entry of the test's own, with its filter bit, as the BPF side
 * adds one.
 */
void fx_ct_put(struct fx *fx, const struct synfin_ct_key *k,
	       const struct synfin_ct_entry *e);
/* A TIME-WAIT entry for spec's tuple, as a tracked close leaves it. */
void fx_ct_put_time_wait(struct fx *fx, const struct pkt_spec *s);

/* Every CPU's rate budget in budget_map set to sent, for this second (or
 * 0: a fresh budget).
 */
int fx_budget_set(const struct bpf_map *budget_map, __u32 sent);

/* ---- set-up ---- */

/* Writes the known settings, ports and secrets and empties the table
 * (also between tests, as some tests change them).
 */
int fx_reset(struct fx *fx);
/* cmocka group set-up and teardown: a loaded fixture in *state. */
int fx_setup(void **state);
/* The same with XDP acting as on a driver without room for metadata
 * (force_no_meta): it passes a valid cookie ACK bare and sets
 * meta_fallback.
 */
int fx_setup_no_meta(void **state);
int fx_teardown(void **state);
/* Per-test setup: known settings again. */
int fx_test_reset(void **state);
void fx_set_cfg(struct fx *fx);

/* What a table row changes in fx_reset's settings; 0 keeps the fixture's. */
struct fx_settings {
	uint8_t flags_off;	/* SYNFIN_CFG_* bits cleared */
	uint16_t mss4;
	uint16_t window;
	uint8_t wscale;
	const char *ports;	/* instead of FX_PORTS */
};

void fx_settings_apply(struct fx *fx, const struct fx_settings *s);

/* ---- runs ---- */

void fx_counters(const struct fx *fx, __u64 v[SYNFIN_C__MAX]);
/* Runs prog once on the frame build() makes, rebuilt for every attempt;
 * retried when the time counter ticks during the run, so that r->counter
 * is the one the program saw. An skb program gets skb's fields (those the
 * test run takes: mark, priority, ingress_ifindex, ifindex, cb, tstamp,
 * wire_len, gso_segs, gso_size, hwtstamp), or none.
 */
void fx_run_prog(struct fx *fx, int prog_fd, int xdp,
		 const struct __sk_buff *skb, fx_build_fn build,
		 const void *arg, struct fx_run *r);
void fx_xdp(struct fx *fx, fx_build_fn build, const void *arg,
	    struct fx_run *r);
/* tc_synfin_ingress, XDP mode's hand-off. */
void fx_tc(struct fx *fx, fx_build_fn build, const void *arg,
	   struct fx_run *r);
/* The guard through fx->hook's program. */
void fx_guard(struct fx *fx, fx_build_fn build, const void *arg,
	      struct fx_run *r);
/* tc_synfin_egress on a frame the local side sends (skb test run). */
void fx_tc_egress(struct fx *fx, fx_build_fn build, const void *arg,
		  struct fx_run *r);
void fx_tc_egress_skb(struct fx *fx, const struct __sk_buff *skb,
		      fx_build_fn build, const void *arg, struct fx_run *r);

/* The hook's verdict for an XDP one: TC says XDP_TX with a redirect out
 * of the interface the SYN came in by, XDP_PASS with TC_ACT_UNSPEC,
 * XDP_DROP with TC_ACT_SHOT.
 */
int32_t fx_hook_verdict(enum fx_hook hook, uint32_t xdp_verdict);
/* r's verdict is fx->hook's for xdp_verdict. */
void fx_expect_guard_verdict(const struct fx *fx, const struct fx_run *r,
			     uint32_t xdp_verdict);
/* A cookie ACK the guard validated: TC mode's hands it over at once, and
 * the fixture's namespace has no listener unless a test makes one.
 */
#define FX_D_NO_LISTENER(fx) D(HANDOFF_NO_LISTENER, (fx)->hook == FX_HOOK_TC)

/* The exact change of every counter: want[i] for each i, 0 elsewhere. */
void fx_check_deltas(const struct fx_run *r, const __u64 want[SYNFIN_C__MAX]);

/* EXPECT_DELTAS(&r, D(SYN_SEEN, 1), ...); EXPECT_DELTAS(&r) for none. */
#define D(name, n) [SYNFIN_C_##name] = (n)
#define FX_DELTAS(...) ((const __u64[SYNFIN_C__MAX]){ __VA_ARGS__ })
#define EXPECT_DELTAS(r, ...) fx_check_deltas((r), FX_DELTAS(__VA_ARGS__))

/* The program returned the frame byte for byte as it came in. */
void fx_expect_unchanged(const struct fx_run *r);

/* ---- frames ---- */

size_t fx_build_spec(const struct pkt_spec *s, uint8_t *buf, size_t cap);
/* fx_build_fn of a struct pkt_spec. */
size_t fx_build_pkt(const struct fx *fx, uint64_t c, uint8_t *buf,
		    size_t cap, const void *spec);

/* A byte-level change pktbuild won't make: width bytes at off, big-endian. */
struct fx_poke {
	uint16_t off;
	uint8_t width;		/* 1 or 2; 0: none */
	uint16_t val;
};

#define FX_SET8(o, v) { .off = (o), .width = 1, .val = (v) }
#define FX_SET16(o, v) { .off = (o), .width = 2, .val = (v) }

/* A frame as a table row gives it: spec, then the edits in this order. */
struct fx_frame {
	struct pkt_spec spec;
	struct fx_poke set[2];
	int fix_ip4_csum;	/* recompute the IPv4 header checksum */
	size_t cut_to;		/* nonzero: the frame ends here */
	size_t cut;		/* bytes cut off the end */
	size_t pad;		/* zero bytes added at the end */
};

/* fx_build_fn of a struct fx_frame. */
size_t fx_build_frame(const struct fx *fx, uint64_t c, uint8_t *buf,
		      size_t cap, const void *frame);

/* Runs build's frame through the guard (fx->hook): the verdict (XDP's,
 * mapped for TC), the frame unchanged if passed, exactly these counter
 * deltas.
 */
void fx_expect_verdict(struct fx *fx, fx_build_fn build, const void *arg,
		       uint32_t verdict, const __u64 deltas[SYNFIN_C__MAX]);

/* A frame that gets no answer and leaves the table empty. */
struct fx_verdict_case {
	const char *name;
	struct fx_settings cfg;
	struct fx_frame frame;
	uint32_t verdict;	/* FX_XDP_*, any hook; passed frames go unchanged */
	__u64 deltas[SYNFIN_C__MAX];
};

/* fx_table runner of struct fx_verdict_case rows. */
void fx_run_verdict_case(struct fx *fx, const void *row);

/* ---- reference cookies ---- */

/* SipHash-2-4 over the message of include/synfin.h, under slot c % 3;
 * low8 is the cookie's low byte, which t carries.
 */
uint64_t fx_ref_hash(const struct fx *fx, int ipv6, const uint8_t *saddr,
		     const uint8_t *daddr, uint16_t sport, uint16_t dport,
		     uint32_t isn, uint64_t c, uint8_t low8);

/* What the cookie remembers besides the hash. */
struct fx_cookie_opts {
	uint32_t mss_idx;	/* 0..3 */
	int sack;
	uint32_t ws;		/* 0..14, or 15 for none */
	int ecn;
};

struct fx_cookie {
	uint32_t seq;		/* the SYN-ACK's sequence number */
	uint32_t tsval;		/* the SYN-ACK's TSval */
};

/* The cookie for a SYN from spec's tuple with ISN isn in counter c. */
struct fx_cookie fx_ref_cookie(const struct fx *fx, const struct pkt_spec *syn,
			       uint32_t isn, uint64_t c,
			       const struct fx_cookie_opts *o);

/* The MSS slot table of include/synfin.h, written out again: the client's
 * MSS rounds down to the largest entry not above it (absent: entry 0).
 */
uint32_t fx_ref_mss_idx(int ipv6, uint16_t mss);
uint16_t fx_ref_mss_of(int ipv6, uint32_t idx);

/* ---- SYN -> SYN-ACK ---- */

/* What the SYN-ACK must offer, and what its cookie must remember. */
struct fx_synack_want {
	int sack, ts, ws, ecn;
	uint32_t mss_idx;	/* cookie bits 7..6 */
	uint32_t cookie_ws;	/* cookie bits 3..0 */
};

/* Sends f's SYN through the guard (fx->hook), expects XDP_TX (TC: a
 * redirect) and the SYN-ACK w describes, field by field and byte for byte.
 */
void fx_expect_synack(struct fx *fx, const struct fx_frame *f,
		      const struct fx_synack_want *w);

/* ---- cookie ACKs ---- */

/* The client's ACK answering a SYN-ACK whose cookie the test computes. */
struct fx_ack {
	struct pkt_spec syn;		/* tuple and ISN (seq) of the SYN */
	struct pkt_spec ack;		/* tuple, flags, options, payload */
	uint64_t age;			/* cookie made in counter c - age */
	struct fx_cookie_opts o;
	int32_t seq_off;		/* ACK's seq is ISN + 1 + seq_off */
	uint32_t cookie_xor;		/* forge: flip these cookie bits */
	int forged;			/* use forged_seq as the cookie */
	uint32_t forged_seq;
	int ts;				/* ACK carries TS: ts_val, our TSval */
	uint32_t ts_val;
	uint32_t tsecr_xor;
	struct fx_cookie *made;		/* out: the cookie the ACK returns */
};

/* The ACK to a SYN (a PKT_SPEC4/6 initialiser) whose cookie remembers
 * MSS slot 3, SACK and window scale 7.
 */
#define FX_ACK_OF(syn_spec, ...)					\
	{ .syn = syn_spec, .ack = syn_spec, .ack.flags = PKT_TCP_ACK,	\
	  .o = { .mss_idx = 3, .sack = 1, .ws = 7 }, __VA_ARGS__ }
#define FX_ACK4(...) FX_ACK_OF(PKT_SPEC4(.seq = FX_CLIENT_ISN), __VA_ARGS__)
#define FX_ACK6(...) FX_ACK_OF(PKT_SPEC6(.seq = FX_CLIENT_ISN), __VA_ARGS__)

/* The same for a SYN known at run time. */
void fx_ack_init(struct fx_ack *a, const struct pkt_spec *syn);
/* fx_build_fn of a struct fx_ack. */
size_t fx_build_ack(const struct fx *fx, uint64_t c, uint8_t *buf,
		    size_t cap, const void *ack);
/* A valid cookie ACK through the guard (fx->hook): passed (XDP: with the
 * metadata want; TC: handed over, to no listener), the frame as it came,
 * and a new table entry with want's options.
 */
void fx_expect_cookie_valid(struct fx *fx, const struct fx_ack *a,
			    const struct synfin_meta *want);

/* ---- tables ---- */

/* A table of cases, one cmocka test per row, named "table: row". Its
 * rows are structs that begin with their name (const char *). Each row
 * runs with fx->hook the table's.
 */
struct fx_table {
	const char *name;
	const void *rows;
	size_t n, size;
	void (*run)(struct fx *fx, const void *row);
	enum fx_hook hook;
};

#define FX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FX_TABLE(name, rows, run)					\
	{ (name), (rows), FX_ARRAY_SIZE(rows), sizeof((rows)[0]),	\
	  (run), FX_HOOK_XDP }
/* The same rows through TC mode's guard, as table "tc name". */
#define FX_TABLE_TC(name, rows, run)					\
	{ "tc " name, (rows), FX_ARRAY_SIZE(rows), sizeof((rows)[0]),	\
	  (run), FX_HOOK_TC }

/* Runs every row of the tables, then the tests (cmocka_unit_test(fn):
 * fn gets the fixture as its state), each after fx_reset, as one cmocka
 * group whose setup makes the fixture (fx_setup, or one that calls it).
 * Returns the exit code: 0, 1 when a case failed, 77 without root.
 */
int fx_run_group(const char *name, const struct fx_table *tables,
		 size_t ntables, const struct CMUnitTest *tests, size_t ntests,
		 CMFixtureFunction setup, CMFixtureFunction teardown);

#endif /* SYNFIN_TEST_FIXTURE_H */
