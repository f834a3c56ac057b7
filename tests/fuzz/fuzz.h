/* SPDX-License-Identifier: GPL-2.0 */
/* The BPF fuzzer's pieces: frames from seeds and mutations (frames.c),
 * what the guard must do with a frame, worked out here apart from bpf/
 * (model.c), and the runs and their invariants (fuzz_bpf.c).
 */
#ifndef SYNFIN_FUZZ_H
#define SYNFIN_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "fixture.h"

/* Frames stay well inside what XDP's test run takes (a page less room). */
#define FZ_MAX_FRAME 1600

/* splitmix64: one 64-bit seed reproduces a whole run. */
struct fz_rng {
	uint64_t s;
};

uint64_t fz_next(struct fz_rng *r);
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return n ? (uint32_t)(fz_next(r) % n) : 0;
}

/* Where a frame came from: the summary counts each. */
#define FZ_KINDS(X)                                                            \
	X(SYN, "syn")                                                          \
	X(SYN_LINUX, "syn-linux-options")                                      \
	X(SYN_BADOPT, "syn-malformed-options")                                 \
	X(SYN_BADFLAGS, "syn+rst/fin")                                         \
	X(SYNACK, "syn+ack")                                                   \
	X(ACK, "ack")                                                          \
	X(ACK_COOKIE, "ack-valid-cookie")                                      \
	X(FIN, "fin")                                                          \
	X(RST, "rst")                                                          \
	X(DATA, "data")                                                        \
	X(NOT_TCP, "not-tcp")                                                  \
	X(RANDOM, "random-bytes")                                              \
	X(POOLED, "pooled-connection")                                         \
	X(CORPUS, "corpus")

#define FZ_KIND_ENUM(id, name) FZ_K_##id,
enum fz_kind { FZ_KINDS(FZ_KIND_ENUM) FZ_K__MAX };
#undef FZ_KIND_ENUM

/* What was done to a seed: several may apply to one frame. */
#define FZ_TRAITS(X)                                                           \
	X(IPV6, "ipv6")                                                        \
	X(VLAN1, "1 vlan tag")                                                 \
	X(VLAN2, "2 vlan tags")                                                \
	X(VLAN3, "3 vlan tags")                                                \
	X(IP4_OPTS, "ipv4 options")                                            \
	X(IP4_FRAG, "ipv4 fragment")                                           \
	X(IP6_EXT, "ipv6 extension headers")                                   \
	X(IP6_EXT5, "ipv6 >4 extension headers")                               \
	X(IP6_FRAG, "ipv6 fragment header")                                    \
	X(OPT_SACK, "sack blocks")                                             \
	X(OPT_UNKNOWN, "unknown option")                                       \
	X(OPT_EOL, "eol in options")                                           \
	X(PAYLOAD, "payload")                                                  \
	X(LIE_IPLEN, "lying ip length")                                        \
	X(LIE_DOFF, "lying doff")                                              \
	X(TRUNC, "truncated")                                                  \
	X(EXTEND, "extended")                                                  \
	X(BITFLIP, "bit flips")                                                \
	X(BYTESET, "byte sets")                                                \
	X(UNPROTECTED, "unprotected port")

#define FZ_TRAIT_ENUM(id, name) FZ_T_##id,
enum fz_trait { FZ_TRAITS(FZ_TRAIT_ENUM) FZ_T__MAX };
#undef FZ_TRAIT_ENUM

struct fz_frame {
	uint8_t b[FZ_MAX_FRAME];
	size_t len;
	enum fz_kind kind;
	uint32_t traits;	/* 1 << enum fz_trait */
	int pooled;		/* of a few tuples whose entries are kept */
};

extern const char *const fz_kind_names[FZ_K__MAX];
extern const char *const fz_trait_names[FZ_T__MAX];

/* A frame from a random seed, maybe mutated; c is the cookie counter now
 * (valid cookie ACKs need it).
 */
void fz_make(const struct fx *fx, struct fz_rng *r, uint64_t c,
	     struct fz_frame *f);

/* A segment of one of a few connections (either direction) whose table
 * entries the stateful phase keeps: their cookie ACKs, data, FINs, RSTs
 * and new SYNs near the numbers the connection uses.
 */
void fz_make_pooled(const struct fx *fx, struct fz_rng *r, uint64_t c,
		    struct fz_frame *f);

/* ---- the reference model (model.c) ---- */

/* How the parsers classify a frame (bpf/parse.h's documented rules). */
enum fz_class {
	FZ_C_TCP,		/* a TCP segment to look at */
	FZ_C_NOT_TCP,		/* passed, nothing counted */
	FZ_C_FRAG,		/* a later TCP fragment: frag_passed */
	FZ_C_FRAG_FIRST,	/* a first one: a SYN's dropped, else passed */
	FZ_C_FRAG_TINY,		/* a first one without the TCP header */
	FZ_C_VLAN_DEEP,		/* a third VLAN tag */
	FZ_C_EXT_DEEP,		/* a fifth IPv6 extension header */
	FZ_C_AH,		/* IPsec AH, passed */
	FZ_C_BAD_L2,		/* malformed_l2 */
	FZ_C_BAD_IP,		/* malformed_ip */
	FZ_C_BAD_TCP,		/* malformed_tcp */
	FZ_C__MAX
};

extern const char *const fz_class_names[FZ_C__MAX];

struct fz_opts {
	int bad;		/* a malformed option */
	int has_mss, has_ws, sack_perm, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
};

struct fz_view {
	enum fz_class cls;
	int ipv6, nvlan;
	size_t l2_len, l3_off, tcp_off, doff, l4_len;
	uint8_t saddr[16], daddr[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	struct fz_opts o;
};

void fz_classify(const uint8_t *b, size_t len, struct fz_view *v);

/* What the guard must do with a frame (with an empty connection table). */
enum fz_expect {
	FZ_E_PASS,		/* unchanged, counters in want */
	FZ_E_DROP,		/* counters in want */
	FZ_E_SYNACK,		/* the SYN-ACK fz_synack_build makes */
	FZ_E_HANDOFF,		/* a valid cookie ACK */
};

/* The guard's answer for max_tags (XDP 1, TC mode 0), cookie counter c:
 * the expectation and the counters that must each move by exactly one.
 */
enum fz_expect fz_guard_expect(const struct fx *fx, const struct fz_view *v,
			       int max_tags, uint64_t c,
			       __u64 want[SYNFIN_C__MAX]);

/* The SYN-ACK for SYN frame b (view v) in counter c: its length, 0 if
 * it can't be built.
 */
size_t fz_synack_build(const struct fx *fx, const uint8_t *b,
		       const struct fz_view *v, uint64_t c, uint8_t *out,
		       size_t cap);

#endif /* SYNFIN_FUZZ_H */
