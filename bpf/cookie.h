/* SPDX-License-Identifier: GPL-2.0 */
/* SYN cookies: SipHash-2-4 over the 4-tuple, the client's ISN and a time
 * counter, plus the options the cookie remembers. The layout is in
 * include/synfin.h.
 */
#ifndef SYNFIN_COOKIE_H
#define SYNFIN_COOKIE_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "synfin.h"
#include "consts.h"
#include "parse.h"
#include "maps.h"

/* cookie_hash's loads of network-order fields and the message layout in
 * include/synfin.h (t little endian) both assume it.
 */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "synfin's cookies assume a little-endian BPF target"
#endif
/* The cookie has two bits for the MSS index, four for the window scale. */
_Static_assert(SYNFIN_MSS_SLOTS == 4, "two cookie bits index the MSS table");
_Static_assert(TCP_MAX_WSCALE < SYNFIN_COOKIE_WSCALE_NONE,
	       "a clamped window scale must not read as none");

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

struct siphash {
	__u64 v0, v1, v2, v3;
};

static __always_inline void sip_round(struct siphash *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL64(s->v2, 32);
}

static __always_inline void sip_init(struct siphash *s,
				     const struct synfin_secret *k)
{
	s->v0 = 0x736f6d6570736575ULL ^ k->k0;
	s->v1 = 0x646f72616e646f6dULL ^ k->k1;
	s->v2 = 0x6c7967656e657261ULL ^ k->k0;
	s->v3 = 0x7465646279746573ULL ^ k->k1;
}

static __always_inline void sip_word(struct siphash *s, __u64 m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* The last block: the message's length in bytes and its last 7 bytes. */
static __always_inline __u64 sip_final(struct siphash *s, __u64 len,
				       __u64 tail)
{
	sip_word(s, len << 56 | tail);
	s->v2 ^= 0xff;
	sip_round(s);
	sip_round(s);
	sip_round(s);
	sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* Loads of network-order fields give the message bytes in order on a
 * little-endian target (checked above). low8 is the cookie's low byte (MSS
 * index, parity, SACK, window scale): hashed too, so no one can change the
 * options a cookie carries.
 */
static __noinline __u64 cookie_hash(const struct synfin_secret *k,
					 const struct pkt *p, __be32 isn,
					 __u64 counter, __u32 low8)
{
	struct siphash s;
	__u64 ports_isn = (__u64)p->sport | ((__u64)p->dport << 16) |
			  ((__u64)isn << 32);
	__u64 tail = (low8 & 0xff) | (counter & 0xffffffffffffULL) << 8;

	sip_init(&s, k);
	if (p->ipv6) {
		sip_word(&s, (__u64)p->saddr[0] | ((__u64)p->saddr[1] << 32));
		sip_word(&s, (__u64)p->saddr[2] | ((__u64)p->saddr[3] << 32));
		sip_word(&s, (__u64)p->daddr[0] | ((__u64)p->daddr[1] << 32));
		sip_word(&s, (__u64)p->daddr[2] | ((__u64)p->daddr[3] << 32));
		sip_word(&s, ports_isn);
		return sip_final(&s, 47, tail);
	}
	sip_word(&s, (__u64)p->saddr[0] | ((__u64)p->daddr[0] << 32));
	sip_word(&s, ports_isn);
	return sip_final(&s, 23, tail);
}

/* The cookie clock in ns: one add to the coarse monotonic clock, which
 * costs what a plain read does (include/synfin.h, synfin_cfg.clock_ns).
 */
static __always_inline __u64 cookie_clock(const struct synfin_cfg *cfg)
{
	return bpf_ktime_get_coarse_ns() + cfg->clock_ns;
}

/* The key of period counter in set (0: issue and accept, 1: accept), or
 * NULL when the slot holds no key of that period.
 */
static __always_inline const struct synfin_secret *
cookie_key(const struct synfin_cfg *cfg, __u32 set, __u64 counter)
{
	/* counter % 3 without BPF's 64-bit division (an x86 div): exact for
	 * counters below 2^32, and counters are below 2^28 (ns >> 36).
	 */
	_Static_assert(SYNFIN_SECRET_SLOTS == 3, "the division below is by 3");
	__u32 c = counter, slot = c - 3 * (__u32)(((__u64)c * 0xaaaaaaabULL) >> 33);
	__u32 idx = synfin_secret_index(cfg->key_bank & 1, set, slot);
	const struct synfin_secret *k;

	/* The period before period 0 names an empty slot's. */
	if (counter == SYNFIN_COUNTER_NONE)
		return NULL;
	k = bpf_map_lookup_elem(&secrets_map, &idx);
	if (!k || k->counter != counter)
		return NULL;
	return k;
}

static __always_inline __u32 cookie_mss_index(int ipv6, __u16 mss)
{
	__u32 i;

	/* Absent MSS: the RFC default for the family. */
	if (!mss)
		return 0;
	for (i = SYNFIN_MSS_SLOTS - 1; i > 0; i--)
		if (mss >= synfin_mss_slot(ipv6, i))
			break;
	return i;
}

struct cookie_out {
	__u32 cookie;
	__u32 tsval;
};

/* Returns 0 and the cookie, or -1 when there is no key for this period.
 * wscale is 15 when the client offered none.
 */
static __always_inline int cookie_make(const struct pkt *p,
				       const struct synfin_cfg *cfg,
				       __u32 mss_idx, __u32 wscale, int sack,
				       int ecn, struct cookie_out *out)
{
	__u64 counter = cookie_clock(cfg) >> SYNFIN_COUNTER_SHIFT;
	const struct synfin_secret *k = cookie_key(cfg, 0, counter);
	__u32 low8;
	__u64 h;

	if (!k)
		return -1;
	low8 = (mss_idx << SYNFIN_COOKIE_MSS_SHIFT) |
	       ((counter & 1) ? SYNFIN_COOKIE_PARITY : 0) |
	       (sack ? SYNFIN_COOKIE_SACK : 0) |
	       (wscale & SYNFIN_COOKIE_WSCALE_MASK);
	h = cookie_hash(k, p, p->seq, counter, low8);
	out->cookie = ((__u32)h & SYNFIN_COOKIE_HASH_MASK) | low8;
	out->tsval = ((__u32)(h >> 32) & ~SYNFIN_TSVAL_ECN) |
		     (ecn ? SYNFIN_TSVAL_ECN : 0);
	return 0;
}

/* Checks the cookie an ACK returns (ack_seq - 1 for ISN seq - 1) under
 * the key of the period it names, then under the accepted-only key of
 * that period if there is one. Returns 0 and the cookie in *cookie_out,
 * or -1.
 */
static __always_inline int cookie_check(const struct pkt *p,
					const struct synfin_cfg *cfg,
					__u32 *cookie_out)
{
	__u32 cookie = bpf_ntohl(p->ack_seq) - 1;
	__be32 isn = bpf_htonl(bpf_ntohl(p->seq) - 1);
	__u64 counter = (cookie_clock(cfg) + SYNFIN_CLOCK_SKEW_NS) >>
			SYNFIN_COUNTER_SHIFT;
	const struct synfin_secret *k;
	__u32 set;
	__u64 h;

	/* The parity bit names the period: this one or the one before, on a
	 * clock read SYNFIN_CLOCK_SKEW_NS ahead (include/synfin.h).
	 */
	if (!!(cookie & SYNFIN_COOKIE_PARITY) != (counter & 1))
		counter--;
	for (set = 0; set < SYNFIN_SECRET_SETS; set++) {
		k = cookie_key(cfg, set, counter);
		if (!k)
			continue;
		h = cookie_hash(k, p, isn, counter, cookie & 0xff);
		if (!(((__u32)h ^ cookie) & SYNFIN_COOKIE_HASH_MASK)) {
			*cookie_out = cookie;
			return 0;
		}
	}
	return -1;
}

/* What a valid cookie says: the options the SYN-ACK agreed to. */
static __always_inline void cookie_decode(const struct pkt *p, __u32 cookie,
					  const struct tcp_opts *o,
					  const struct synfin_cfg *cfg,
					  struct synfin_meta *m)
{
	__u32 ws = cookie & SYNFIN_COOKIE_WSCALE_MASK;

	m->magic = cfg->meta_magic;
	m->mss = synfin_mss_slot(p->ipv6,
				 (cookie >> SYNFIN_COOKIE_MSS_SHIFT) & 3);
	m->snd_wscale = ws == SYNFIN_COOKIE_WSCALE_NONE ? 0 : ws;
	m->flags = (ws != SYNFIN_COOKIE_WSCALE_NONE ? SYNFIN_META_WSCALE : 0) |
		   ((cookie & SYNFIN_COOKIE_SACK) ? SYNFIN_META_SACK : 0);
	m->tsval = 0;
	m->tsecr = 0;
	if (o->has_ts && (cfg->flags & SYNFIN_CFG_TS)) {
		m->flags |= SYNFIN_META_TS;
		m->tsval = o->tsval;
		m->tsecr = o->tsecr;
		if ((o->tsecr & SYNFIN_TSVAL_ECN) && (cfg->flags & SYNFIN_CFG_ECN))
			m->flags |= SYNFIN_META_ECN;
	}
}

/* Checks a cookie ACK in [data, data_end). 0 when valid, with the options
 * in *m (read as leniently as Linux reads them); -1 for a bad cookie,
 * uncounted: the caller may try other things first.
 */
static __always_inline int cookie_ack_check(void *data, void *data_end,
					    const struct pkt *p,
					    const struct synfin_cfg *cfg,
					    struct synfin_meta *m)
{
	struct tcp_opts o = {};
	__u32 cookie;

	/* The hash first: a forged ACK costs no option parsing. */
	if (cookie_check(p, cfg, &cookie))
		return -1;
	parse_tcp_opts(data, data_end, p, &o);
	cookie_decode(p, cookie, &o, cfg, m);
	return 0;
}

#endif /* SYNFIN_COOKIE_H */
