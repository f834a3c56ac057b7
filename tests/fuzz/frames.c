// SPDX-License-Identifier: GPL-2.0
/* The fuzzer's frames: a seed of each kind built by pktbuild with random
 * headers and options, then maybe lies in its length fields and random
 * mutations; or random bytes.
 */
#include "fuzz.h"

#define FZ_NAME(id, name) name,
const char *const fz_kind_names[FZ_K__MAX] = { FZ_KINDS(FZ_NAME) };
const char *const fz_trait_names[FZ_T__MAX] = { FZ_TRAITS(FZ_NAME) };
#undef FZ_NAME

uint64_t fz_next(struct fz_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int chance(struct fz_rng *r, unsigned int percent)
{
	return fz_below(r, 100) < percent;
}

/* Seed kinds and how often each is drawn. */
static const struct {
	enum fz_kind kind;
	unsigned int weight;
} kinds[] = {
	{ FZ_K_SYN, 20 }, { FZ_K_SYN_LINUX, 8 }, { FZ_K_SYN_BADOPT, 8 },
	{ FZ_K_SYN_BADFLAGS, 4 }, { FZ_K_SYNACK, 4 }, { FZ_K_ACK, 8 },
	{ FZ_K_ACK_COOKIE, 12 }, { FZ_K_FIN, 5 }, { FZ_K_RST, 5 },
	{ FZ_K_DATA, 5 }, { FZ_K_NOT_TCP, 5 }, { FZ_K_RANDOM, 6 },
};

static enum fz_kind pick_kind(struct fz_rng *r)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < FX_ARRAY_SIZE(kinds); i++)
		total += kinds[i].weight;
	x = fz_below(r, total);
	for (i = 0; i < FX_ARRAY_SIZE(kinds); i++) {
		if (x < kinds[i].weight)
			return kinds[i].kind;
		x -= kinds[i].weight;
	}
	return FZ_K_SYN;
}

static void put_opt(struct pkt_spec *s, const uint8_t *o, size_t n)
{
	if (s->tcp_opts_len + n <= sizeof(s->tcp_opts)) {
		memcpy(s->tcp_opts + s->tcp_opts_len, o, n);
		s->tcp_opts_len += n;
	}
}

/* MSS values about the cookie's table edges, and anything. */
static uint16_t pick_mss(struct fz_rng *r)
{
	static const uint16_t edges[] = { 0, 1, 535, 536, 1219, 1220, 1299,
					  1300, 1419, 1420, 1439, 1440, 1459,
					  1460, 8939, 8940, 65535 };

	return chance(r, 70) ? edges[fz_below(r, FX_ARRAY_SIZE(edges))]
			     : (uint16_t)fz_next(r);
}

/* Options in random order: every kind the guard reads, NOPs, SACK blocks,
 * unknown kinds, maybe an EOL with bytes after it.
 */
static void random_opts(struct fz_rng *r, struct pkt_spec *s, uint32_t *traits)
{
	int n = (int)fz_below(r, 7), i;

	for (i = 0; i < n; i++) {
		uint8_t o[18];
		uint32_t a = (uint32_t)fz_next(r), b = (uint32_t)fz_next(r);
		size_t k;

		switch (fz_below(r, 9)) {
		case 0:
			o[0] = PKT_TCPOPT_MSS, o[1] = 4;
			o[2] = pick_mss(r) >> 8, o[3] = (uint8_t)pick_mss(r);
			put_opt(s, o, 4);
			break;
		case 1:
			o[0] = PKT_TCPOPT_WS, o[1] = 3, o[2] = (uint8_t)fz_below(r, 20);
			put_opt(s, o, 3);
			break;
		case 2:
			o[0] = PKT_TCPOPT_SACK_PERM, o[1] = 2;
			put_opt(s, o, 2);
			break;
		case 3:
			o[0] = PKT_TCPOPT_TS, o[1] = 10;
			for (k = 0; k < 4; k++) {
				o[2 + k] = (uint8_t)(a >> (24 - 8 * k));
				o[6 + k] = (uint8_t)(b >> (24 - 8 * k));
			}
			put_opt(s, o, 10);
			break;
		case 4:
			o[0] = PKT_TCPOPT_NOP;
			put_opt(s, o, 1);
			break;
		case 5:	/* SACK blocks: one or two */
			o[0] = 5, o[1] = chance(r, 50) ? 10 : 18;
			for (k = 2; k < o[1]; k++)
				o[k] = (uint8_t)fz_next(r);
			put_opt(s, o, o[1]);
			*traits |= 1u << FZ_T_OPT_SACK;
			break;
		case 6:	/* unknown kind, valid length */
			o[0] = (uint8_t)(9 + fz_below(r, 240)), o[1] = (uint8_t)(2 + fz_below(r, 6));
			for (k = 2; k < o[1]; k++)
				o[k] = (uint8_t)fz_next(r);
			put_opt(s, o, o[1]);
			*traits |= 1u << FZ_T_OPT_UNKNOWN;
			break;
		case 7:	/* EOL, then maybe garbage the walk must not read */
			o[0] = PKT_TCPOPT_EOL, o[1] = (uint8_t)fz_next(r), o[2] = 0xff;
			put_opt(s, o, 1 + fz_below(r, 3));
			*traits |= 1u << FZ_T_OPT_EOL;
			break;
		default:
			pkt_opts_linux_syn(s, pick_mss(r), a, (uint8_t)fz_below(r, 16));
			break;
		}
	}
}

/* One option made malformed: a bad length, one past the options' end, a
 * kind with no length byte.
 */
static void bad_opts(struct fz_rng *r, struct pkt_spec *s)
{
	static const uint8_t bad[][4] = {
		{ PKT_TCPOPT_MSS, 3, 5 }, { PKT_TCPOPT_MSS, 5, 5, 0xb4 },
		{ PKT_TCPOPT_WS, 2 }, { PKT_TCPOPT_WS, 4, 7, 0 },
		{ PKT_TCPOPT_SACK_PERM, 3, 0 }, { PKT_TCPOPT_TS, 8, 1, 2 },
		{ 30, 0 }, { 30, 1 }, { PKT_TCPOPT_MSS, 0 },
		{ PKT_TCPOPT_TS, 40, 0, 0 },
	};
	size_t i = fz_below(r, FX_ARRAY_SIZE(bad));

	if (s->tcp_opts_len > 36)
		s->tcp_opts_len = 36;
	put_opt(s, bad[i], sizeof(bad[i]));
	/* Or a kind as the very last option byte: no room for its length. */
	if (chance(r, 20) && s->tcp_opts_len < 40) {
		uint8_t k = PKT_TCPOPT_MSS;

		s->tcp_opts_len = s->tcp_opts_len / 4 * 4 + 3;
		memset(s->tcp_opts + s->tcp_opts_len - 3, PKT_TCPOPT_NOP, 3);
		put_opt(s, &k, 1);
	}
}

static void random_addrs(struct fz_rng *r, struct pkt_spec *s)
{
	uint64_t a = fz_next(r), b = fz_next(r);
	int i;

	if (s->ipv6) {
		for (i = 4; i < 16; i++) {
			s->saddr[i] = (uint8_t)(a >> (8 * (i % 8)));
			s->daddr[i] = (uint8_t)(b >> (8 * (i % 8)));
		}
	} else {
		s->saddr[1] = 18 + (a & 1), s->saddr[2] = (uint8_t)(a >> 8);
		s->saddr[3] = (uint8_t)(a >> 16);
		s->daddr[1] = 18 + (b & 1), s->daddr[2] = (uint8_t)(b >> 8);
		s->daddr[3] = (uint8_t)(b >> 16);
	}
}

static uint16_t pick_dport(struct fz_rng *r, uint32_t *traits)
{
	switch (fz_below(r, 10)) {
	case 0:
		*traits |= 1u << FZ_T_UNPROTECTED;
		return chance(r, 50) ? 22 : (uint16_t)(8101 + fz_below(r, 50000));
	case 1:
		return 443;
	case 2:
	case 3:
		return (uint16_t)(8000 + fz_below(r, 101));
	default:
		return 80;
	}
}

static void random_l2_l3(struct fz_rng *r, struct pkt_spec *s, uint32_t *traits)
{
	unsigned int x = fz_below(r, 100), i;

	s->nvlan = x < 60 ? 0 : x < 80 ? 1 : x < 92 ? 2 : 3;
	if (s->nvlan)
		*traits |= 1u << (FZ_T_VLAN1 + s->nvlan - 1);
	for (i = 0; i < (unsigned int)s->nvlan; i++) {
		s->vlan_tpid[i] = chance(r, 70) ? 0x8100 : 0x88a8;
		s->vlan_tci[i] = (uint16_t)fz_next(r);
	}
	if (!s->ipv6) {
		if (chance(r, 15)) {
			s->ip_opts_len = 4 * (1 + fz_below(r, 10));
			for (i = 0; i < s->ip_opts_len; i++)
				s->ip_opts[i] = chance(r, 50) ? 1 : (uint8_t)fz_next(r);
			*traits |= 1u << FZ_T_IP4_OPTS;
		}
		if (chance(r, 8)) {
			s->ip_frag_off = chance(r, 50) ? 0x2000 :
				(uint16_t)(fz_below(r, 0x2000) | (chance(r, 50) ? 0x2000 : 0));
			*traits |= 1u << FZ_T_IP4_FRAG;
		}
		if (chance(r, 10))
			s->ip_frag_off |= 0x4000;	/* DF: not a fragment */
		return;
	}
	if (chance(r, 25)) {
		static const uint8_t types[] = { PKT_EXT_HOPOPTS, PKT_EXT_ROUTING,
						 PKT_EXT_DSTOPTS };

		s->n_ext = (int)(1 + fz_below(r, 6));
		for (i = 0; i < (unsigned int)s->n_ext; i++) {
			s->ext_type[i] = types[fz_below(r, 3)];
			s->ext_len[i] = (uint8_t)(8 * (1 + fz_below(r, 3)));
		}
		if (chance(r, 15)) {
			s->ext_type[fz_below(r, (uint32_t)s->n_ext)] = PKT_EXT_FRAGMENT;
			*traits |= 1u << FZ_T_IP6_FRAG;
		}
		*traits |= 1u << (s->n_ext > 4 ? FZ_T_IP6_EXT5 : FZ_T_IP6_EXT);
	}
}

/* The ACK answering our SYN-ACK for a SYN of s's tuple: its cookie made in
 * counter c or the one before, both still valid.
 */
static void valid_cookie_ack(const struct fx *fx, struct fz_rng *r,
			     uint64_t c, struct pkt_spec *s)
{
	struct fx_cookie_opts co = {
		.mss_idx = fz_below(r, 4), .sack = (int)fz_below(r, 2),
		.ws = fz_below(r, 16), .ecn = (int)fz_below(r, 2),
	};
	uint32_t isn = (uint32_t)fz_next(r);
	struct fx_cookie ck = fx_ref_cookie(fx, s, isn, c - fz_below(r, 2), &co);

	s->seq = isn + 1;
	s->ack = ck.seq + 1;
	s->flags = PKT_TCP_ACK | (chance(r, 20) ? PKT_TCP_PSH : 0);
	if (chance(r, 60))
		pkt_opt_ts(s, (uint32_t)fz_next(r), chance(r, 80) ? ck.tsval
								  : (uint32_t)fz_next(r));
	if (chance(r, 10))
		bad_opts(r, s);
}

/* pktbuild's fragment header is atomic: make it a first (M) or a later
 * (offset) fragment.
 */
static void ip6_fragment(struct fz_rng *r, const struct pkt_spec *s,
			 uint8_t *b)
{
	size_t off = 14 + 4 * (size_t)s->nvlan + 40;
	uint16_t fo;
	int i;

	for (i = 0; i < s->n_ext; i++) {
		if (s->ext_type[i] == PKT_EXT_FRAGMENT) {
			fo = chance(r, 50) ? 1 : (uint16_t)(fz_below(r, 0x1fff) + 1) << 3 |
						 (uint16_t)fz_below(r, 2);
			b[off + 2] = fo >> 8, b[off + 3] = (uint8_t)fo;
			return;
		}
		off += s->ext_len[i];
	}
}

static size_t build_seed(const struct fx *fx, struct fz_rng *r, uint64_t c,
			 struct fz_frame *f, uint8_t *payload)
{
	struct pkt_spec s;
	uint32_t *t = &f->traits;
	size_t n;

	pkt_spec_default(&s, (int)fz_below(r, 2));
	if (s.ipv6)
		*t |= 1u << FZ_T_IPV6;
	random_addrs(r, &s);
	s.sport = (uint16_t)fz_next(r);
	s.dport = pick_dport(r, t);
	s.seq = (uint32_t)fz_next(r);
	s.ack = (uint32_t)fz_next(r);
	s.window = (uint16_t)fz_next(r);
	random_l2_l3(r, &s, t);
	switch (f->kind) {
	case FZ_K_SYN_LINUX:
		pkt_opts_linux_syn(&s, pick_mss(r), (uint32_t)fz_next(r),
				   (uint8_t)fz_below(r, 16));
		break;
	case FZ_K_SYN_BADOPT:
		random_opts(r, &s, t);
		bad_opts(r, &s);
		break;
	case FZ_K_SYN_BADFLAGS:
		s.flags |= chance(r, 50) ? PKT_TCP_RST : PKT_TCP_FIN;
		random_opts(r, &s, t);
		break;
	case FZ_K_SYNACK:
		s.flags |= PKT_TCP_ACK;
		random_opts(r, &s, t);
		break;
	case FZ_K_ACK:
		s.flags = PKT_TCP_ACK;
		random_opts(r, &s, t);
		break;
	case FZ_K_ACK_COOKIE:
		valid_cookie_ack(fx, r, c, &s);
		break;
	case FZ_K_FIN:
		s.flags = PKT_TCP_FIN | PKT_TCP_ACK;
		break;
	case FZ_K_RST:
		s.flags = PKT_TCP_RST | (chance(r, 50) ? PKT_TCP_ACK : 0);
		break;
	case FZ_K_DATA:
		s.flags = PKT_TCP_ACK | PKT_TCP_PSH;
		random_opts(r, &s, t);
		break;
	default:	/* SYN, NOT_TCP */
		random_opts(r, &s, t);
		break;
	}
	if (chance(r, 25))	/* ECN, URG, PSH bits beside the others */
		s.flags |= (uint8_t)(fz_next(r) & (PKT_TCP_ECE | PKT_TCP_CWR |
						   PKT_TCP_URG | PKT_TCP_PSH));
	if (f->kind == FZ_K_DATA || chance(r, 10)) {
		s.payload_len = 1 + fz_below(r, 200);
		for (n = 0; n < s.payload_len; n++)
			payload[n] = (uint8_t)fz_next(r);
		s.payload = payload;
		*t |= 1u << FZ_T_PAYLOAD;
	}
	n = pkt_build(f->b, sizeof(f->b), &s);
	if (n && (*t & (1u << FZ_T_IP6_FRAG)) && chance(r, 60))
		ip6_fragment(r, &s, f->b);
	if (!n) {	/* a spec pktbuild refuses: the plain one */
		pkt_spec_default(&s, 0);
		n = pkt_build(f->b, sizeof(f->b), &s);
	}
	return n;
}

/* The TCP seed's protocol made another: UDP, ICMP, or AH. */
static void make_not_tcp(struct fz_rng *r, struct fz_frame *f)
{
	static const uint8_t protos[] = { 17, 1, 58, 51, 132 };
	struct fz_view v;
	uint8_t p = protos[fz_below(r, FX_ARRAY_SIZE(protos))];

	fz_classify(f->b, f->len, &v);
	if (v.cls != FZ_C_TCP)
		return;
	/* IPv6: the first next header, so any extension headers go too. */
	f->b[v.l3_off + (v.ipv6 ? 6 : 9)] = p;
}

/* Length fields that disagree with the frame. */
static void lie(struct fz_rng *r, struct fz_frame *f)
{
	struct fz_view v;
	uint8_t *p;
	uint16_t val;

	fz_classify(f->b, f->len, &v);
	if (v.cls != FZ_C_TCP && v.cls != FZ_C_FRAG_FIRST)
		return;
	if (chance(r, 50)) {
		p = f->b + v.l3_off + (v.ipv6 ? 4 : 2);
		val = (uint16_t)(p[0] << 8 | p[1]);
		val = chance(r, 50) ? (uint16_t)(val + (int)fz_below(r, 41) - 20)
				    : (uint16_t)fz_next(r);
		p[0] = val >> 8, p[1] = (uint8_t)val;
		f->traits |= 1u << FZ_T_LIE_IPLEN;
	} else {
		p = f->b + v.tcp_off + 12;
		*p = (uint8_t)((fz_below(r, 16) << 4) | (*p & 0xf));
		f->traits |= 1u << FZ_T_LIE_DOFF;
	}
}

static void mutate(struct fz_rng *r, struct fz_frame *f)
{
	int n = (int)(1 + fz_below(r, 4)), i;

	for (i = 0; i < n && f->len; i++) {
		size_t pos = fz_below(r, (uint32_t)f->len), k;
		static const uint8_t vals[] = { 0, 1, 2, 4, 5, 6, 8, 0x10, 0x40,
						0x7f, 0x80, 0xfe, 0xff };

		switch (fz_below(r, 4)) {
		case 0:
			f->b[pos] ^= (uint8_t)(1u << fz_below(r, 8));
			f->traits |= 1u << FZ_T_BITFLIP;
			break;
		case 1:
			f->b[pos] = chance(r, 50) ? vals[fz_below(r, FX_ARRAY_SIZE(vals))]
						  : (uint8_t)fz_next(r);
			f->traits |= 1u << FZ_T_BYTESET;
			break;
		case 2:
			f->len = 14 + fz_below(r, (uint32_t)(f->len > 14 ? f->len - 14 : 1));
			f->traits |= 1u << FZ_T_TRUNC;
			break;
		default:
			k = 1 + fz_below(r, 64);
			if (f->len + k > sizeof(f->b))
				break;
			memset(f->b + f->len, chance(r, 50) ? 0 : (int)fz_below(r, 256), k);
			f->len += k;
			f->traits |= 1u << FZ_T_EXTEND;
			break;
		}
	}
}

void fz_make(const struct fx *fx, struct fz_rng *r, uint64_t c,
	     struct fz_frame *f)
{
	static uint8_t payload[256];
	size_t i;

	f->traits = 0;
	f->pooled = 0;
	f->kind = pick_kind(r);
	if (f->kind == FZ_K_RANDOM) {
		f->len = 14 + fz_below(r, 200);
		for (i = 0; i < f->len; i++)
			f->b[i] = (uint8_t)fz_next(r);
		/* Often an EtherType the parsers go past. */
		if (chance(r, 60)) {
			static const uint16_t types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8 };
			uint16_t ty = types[fz_below(r, 4)];

			f->b[12] = ty >> 8, f->b[13] = (uint8_t)ty;
			if (ty == 0x0800 && chance(r, 50))
				f->b[14] = 0x45;
			if (ty == 0x86dd && chance(r, 50))
				f->b[14] = 0x60;
		}
		return;
	}
	f->len = build_seed(fx, r, c, f, payload);
	if (f->kind == FZ_K_NOT_TCP)
		make_not_tcp(r, f);
	if (chance(r, 10))
		lie(r, f);
	/* Valid seeds stay common: most frames must reach the deep paths. */
	if (chance(r, 30))
		mutate(r, f);
}

#define POOL_SIZE 4

void fz_make_pooled(const struct fx *fx, struct fz_rng *r, uint64_t c,
		    struct fz_frame *f)
{
	static const uint8_t flags[] = {
		PKT_TCP_ACK, PKT_TCP_ACK | PKT_TCP_PSH, PKT_TCP_FIN | PKT_TCP_ACK,
		PKT_TCP_RST, PKT_TCP_RST | PKT_TCP_ACK, PKT_TCP_FIN, PKT_TCP_SYN,
		PKT_TCP_SYN | PKT_TCP_ACK,
	};
	static const struct fx_cookie_opts co = { .mss_idx = 3, .sack = 1, .ws = 7 };
	static uint8_t payload[64];
	uint32_t i = fz_below(r, POOL_SIZE), isn = 0x01000000u * (i + 1), x;
	struct pkt_spec s, t;
	struct fx_cookie ck;
	uint8_t mac[6];

	pkt_spec_default(&s, (int)(i & 1));
	s.saddr[s.ipv6 ? 13 : 2] = 200;
	s.saddr[s.ipv6 ? 15 : 3] = (uint8_t)(10 + i);
	s.sport = (uint16_t)(50000 + i);
	s.dport = 80;
	ck = fx_ref_cookie(fx, &s, isn, c, &co);
	f->kind = FZ_K_POOLED;
	f->traits = s.ipv6 ? 1u << FZ_T_IPV6 : 0;
	f->pooled = 1;
	x = fz_below(r, 100);
	if (x < 25) {		/* the cookie ACK: a connection (again) */
		s.seq = isn + 1;
		s.ack = ck.seq + 1;
		s.flags = PKT_TCP_ACK;
		if (chance(r, 50))
			pkt_opt_ts(&s, (uint32_t)fz_next(r), ck.tsval);
	} else {
		s.flags = flags[fz_below(r, FX_ARRAY_SIZE(flags))];
		s.seq = isn + 1 + (chance(r, 80) ? fz_below(r, 3000) : (uint32_t)fz_next(r));
		s.ack = ck.seq + 1 + (chance(r, 80) ? fz_below(r, 3000) : (uint32_t)fz_next(r));
		if (chance(r, 40)) {
			s.payload = payload;
			s.payload_len = 1 + fz_below(r, sizeof(payload));
		}
		if (x >= 70) {	/* the server's side: what TC egress sees */
			t = s;
			memcpy(mac, t.src_mac, 6);
			memcpy(s.src_mac, t.dst_mac, 6);
			memcpy(s.dst_mac, mac, 6);
			memcpy(s.saddr, t.daddr, 16);
			memcpy(s.daddr, t.saddr, 16);
			s.sport = t.dport, s.dport = t.sport;
			s.seq = t.ack, s.ack = t.seq;
		}
	}
	f->len = pkt_build(f->b, sizeof(f->b), &s);
	if (chance(r, 10))
		mutate(r, f);
}
