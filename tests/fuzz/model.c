// SPDX-License-Identifier: GPL-2.0
/* The fuzzer's reference: what the guard must do with a frame, from the
 * rules as include/synfin.h's counters and bpf/parse.h's comments state
 * them, written again here byte by byte: never from bpf/'s code.
 */
#include "fuzz.h"

#define ETH_HLEN 14
#define VLAN_TAGS_READ 2	/* a third is unparsed_passed */
#define IP6_EXT_READ 4		/* a fifth is unparsed_passed */
#define PROTO_TCP 6
#define PROTO_AH 51
#define EXT_HOP 0
#define EXT_ROUTING 43
#define EXT_FRAG 44
#define EXT_DEST 60

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* TCP options as RFC 793/7323 lay them out: EOL ends, NOP is one byte,
 * every other kind has a length >= 2 that must fit; the known kinds have
 * fixed lengths. A later copy of an option wins.
 */
static void parse_opts(const uint8_t *p, size_t n, struct fz_opts *o)
{
	size_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < n) {
		uint8_t kind = p[i], len;

		if (kind == PKT_TCPOPT_EOL)
			return;
		if (kind == PKT_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || p[i + 1] < 2 || i + p[i + 1] > n) {
			o->bad = 1;
			return;
		}
		len = p[i + 1];
		switch (kind) {
		case PKT_TCPOPT_MSS:
			if (len != 4)
				goto bad;
			o->has_mss = 1;
			o->mss = be16(p + i + 2);
			break;
		case PKT_TCPOPT_WS:
			if (len != 3)
				goto bad;
			o->has_ws = 1;
			o->ws = p[i + 2];
			break;
		case PKT_TCPOPT_SACK_PERM:
			if (len != 2)
				goto bad;
			o->sack_perm = 1;
			break;
		case PKT_TCPOPT_TS:
			if (len != 10)
				goto bad;
			o->has_ts = 1;
			o->tsval = be32(p + i + 2);
			o->tsecr = be32(p + i + 6);
			break;
		}
		i += len;
	}
	return;
bad:
	o->bad = 1;
}

const char *const fz_class_names[FZ_C__MAX] = {
	"tcp", "not-tcp", "later-fragment", "first-fragment", "tiny-fragment",
	"3rd-vlan-tag", "5th-ipv6-ext", "ah", "bad-l2", "bad-ip", "bad-tcp",
};

/* The extension headers TCP may follow that the parsers walk. */
static int ext_walked(uint8_t t)
{
	return t == EXT_HOP || t == EXT_ROUTING || t == EXT_DEST || t == EXT_FRAG;
}

/* A protocol that is not TCP, after IP. */
static enum fz_class other_proto(uint8_t proto)
{
	return proto == PROTO_AH ? FZ_C_AH : FZ_C_NOT_TCP;
}

/* A first fragment (offset 0) of a TCP segment: the ports and flags if
 * its share holds the whole TCP header.
 */
static enum fz_class first_fragment(const uint8_t *b, size_t len,
				    struct fz_view *v)
{
	const uint8_t *th = b + v->tcp_off;

	if (v->l4_len < 20 || v->tcp_off + 20 > len)
		return FZ_C_FRAG_TINY;
	v->sport = be16(th);
	v->dport = be16(th + 2);
	v->flags = th[13];
	return FZ_C_FRAG_FIRST;
}

/* The IP layer: FZ_C_TCP with l3 fields set, or the class. */
static enum fz_class classify_ip4(const uint8_t *b, size_t len,
				  struct fz_view *v)
{
	const uint8_t *ip = b + v->l2_len;
	size_t hlen, tot;
	uint16_t frag;

	if (len < v->l2_len + 20 || ip[0] >> 4 != 4 || (ip[0] & 0xf) < 5)
		return FZ_C_BAD_IP;
	hlen = (size_t)(ip[0] & 0xf) * 4;
	tot = be16(ip + 2);
	if (tot < hlen || v->l2_len + tot > len)
		return FZ_C_BAD_IP;
	if (ip[9] != PROTO_TCP)
		return other_proto(ip[9]);
	frag = be16(ip + 6);
	if (frag & 0x1fff)
		return FZ_C_FRAG;
	v->tcp_off = v->l2_len + hlen;
	v->l4_len = tot - hlen;
	memcpy(v->saddr, ip + 12, 4);
	memcpy(v->daddr, ip + 16, 4);
	if (frag & 0x2000)
		return first_fragment(b, len, v);
	return FZ_C_TCP;
}

static enum fz_class classify_ip6(const uint8_t *b, size_t len,
				  struct fz_view *v)
{
	const uint8_t *ip = b + v->l2_len;
	size_t off = 40, plen;
	int i, first_frag = 0;
	uint8_t next;

	if (len < v->l2_len + 40 || ip[0] >> 4 != 6)
		return FZ_C_BAD_IP;
	plen = be16(ip + 4);
	if (v->l2_len + 40 + plen > len)
		return FZ_C_BAD_IP;
	next = ip[6];
	for (i = 0; i < IP6_EXT_READ && ext_walked(next); i++) {
		/* Its next-header and length bytes must be in the frame (a
		 * fragment header whole), the header inside the payload.
		 */
		if (v->l2_len + off + (next == EXT_FRAG ? 8 : 2) > len)
			return FZ_C_BAD_IP;
		if (next == EXT_FRAG) {
			/* A later fragment: the first has the headers. */
			if (be16(ip + off + 2) & 0xfff8)
				return ip[off] == PROTO_TCP ? FZ_C_FRAG
							    : other_proto(ip[off]);
			first_frag = 1;
			next = ip[off];
			off += 8;
		} else {
			next = ip[off];
			off += ((size_t)ip[off + 1] + 1) * 8;
		}
		if (off > 40 + plen)
			return FZ_C_BAD_IP;
	}
	if (next != PROTO_TCP)
		return ext_walked(next) ? FZ_C_EXT_DEEP : other_proto(next);
	v->tcp_off = v->l2_len + off;
	v->l4_len = 40 + plen - off;
	memcpy(v->saddr, ip + 8, 16);
	memcpy(v->daddr, ip + 24, 16);
	/* An atomic fragment (offset 0, no more) is a first one too. */
	if (first_frag)
		return first_fragment(b, len, v);
	return FZ_C_TCP;
}

static enum fz_class classify(const uint8_t *b, size_t len, struct fz_view *v)
{
	const uint8_t *th;
	uint16_t type;
	enum fz_class c;

	if (len < ETH_HLEN)
		return FZ_C_BAD_L2;
	v->l2_len = ETH_HLEN;
	type = be16(b + 12);
	while (type == 0x8100 || type == 0x88a8) {
		if (v->nvlan == VLAN_TAGS_READ)
			return FZ_C_VLAN_DEEP;
		if (len < v->l2_len + 4)
			return FZ_C_BAD_L2;
		type = be16(b + v->l2_len + 2);
		v->l2_len += 4;
		v->nvlan++;
	}
	v->l3_off = v->l2_len;
	if (type == 0x0800) {
		c = classify_ip4(b, len, v);
	} else if (type == 0x86dd) {
		v->ipv6 = 1;
		c = classify_ip6(b, len, v);
	} else {
		return FZ_C_NOT_TCP;
	}
	if (c != FZ_C_TCP)
		return c;
	th = b + v->tcp_off;
	if (v->l4_len < 20 || v->tcp_off + 20 > len)
		return FZ_C_BAD_TCP;
	v->doff = (size_t)(th[12] >> 4) * 4;
	if (v->doff < 20 || v->doff > v->l4_len || v->tcp_off + v->doff > len)
		return FZ_C_BAD_TCP;
	v->sport = be16(th);
	v->dport = be16(th + 2);
	v->seq = be32(th + 4);
	v->ack = be32(th + 8);
	v->flags = th[13];
	parse_opts(th + 20, v->doff - 20, &v->o);
	return FZ_C_TCP;
}

void fz_classify(const uint8_t *b, size_t len, struct fz_view *v)
{
	memset(v, 0, sizeof(*v));
	v->cls = classify(b, len, v);
}

static int port_protected(const struct fx *fx, uint16_t port)
{
	return !!(fx->ports.bits[port / 64] & (1ull << (port % 64)));
}

/* The cookie an ACK returns (ack - 1, for ISN seq - 1) against the key its
 * parity bit names: this counter's or the one before.
 */
static int cookie_valid(const struct fx *fx, const struct fz_view *v,
			uint64_t c)
{
	uint32_t cookie = v->ack - 1;
	uint64_t h;

	if (!!(cookie & SYNFIN_COOKIE_PARITY) != (int)(c & 1))
		c--;
	h = fx_ref_hash(fx, v->ipv6, v->saddr, v->daddr, v->sport, v->dport,
			v->seq - 1, c, (uint8_t)cookie);
	return !(((uint32_t)h ^ cookie) & SYNFIN_COOKIE_HASH_MASK);
}

#define WANT(n) (want[SYNFIN_C_##n] = 1)

enum fz_expect fz_guard_expect(const struct fx *fx, const struct fz_view *v,
			       int max_tags, uint64_t c,
			       __u64 want[SYNFIN_C__MAX])
{
	uint8_t fl = v->flags;
	int syn = (fl & (PKT_TCP_SYN | PKT_TCP_ACK)) == PKT_TCP_SYN;

	memset(want, 0, sizeof(__u64) * SYNFIN_C__MAX);
	switch (v->cls) {
	case FZ_C_NOT_TCP:
		return FZ_E_PASS;
	case FZ_C_FRAG:
		WANT(FRAG_PASSED);
		return FZ_E_PASS;
	case FZ_C_FRAG_FIRST:
		/* TCP never fragments a SYN: any SYN bit to a protected port. */
		if ((fl & PKT_TCP_SYN) && port_protected(fx, v->dport)) {
			WANT(FRAG_SYN_DROPPED);
			return FZ_E_DROP;
		}
		WANT(FRAG_PASSED);
		return FZ_E_PASS;
	case FZ_C_FRAG_TINY:
		WANT(FRAG_TINY_DROPPED);
		return FZ_E_DROP;
	case FZ_C_VLAN_DEEP:
		WANT(VLAN_DEEP_DROPPED);
		return FZ_E_DROP;
	case FZ_C_EXT_DEEP:
		WANT(EXT_DEEP_DROPPED);
		return FZ_E_DROP;
	case FZ_C_AH:
		WANT(AH_PASSED);
		return FZ_E_PASS;
	case FZ_C_BAD_L2:
		WANT(MALFORMED_L2);
		return FZ_E_DROP;
	case FZ_C_BAD_IP:
		WANT(MALFORMED_IP);
		return FZ_E_DROP;
	case FZ_C_BAD_TCP:
		WANT(MALFORMED_TCP);
		return FZ_E_DROP;
	default:
		break;
	}
	if (!port_protected(fx, v->dport)) {
		if (syn)
			WANT(SYN_UNPROTECTED);
		return FZ_E_PASS;
	}
	if (syn) {
		if (fl & (PKT_TCP_RST | PKT_TCP_FIN)) {
			WANT(DROP_BAD_FLAGS);
			return FZ_E_DROP;
		}
		if (v->nvlan > max_tags) {
			WANT(SYN_TAGS_PASSED);
			return FZ_E_PASS;
		}
		WANT(SYN_SEEN);
		if (v->o.bad) {
			WANT(MALFORMED_TCP);
			return FZ_E_DROP;
		}
		WANT(SYNACK_SENT);
		return FZ_E_SYNACK;
	}
	/* A segment in no connection (the table is empty). */
	if ((fl & (PKT_TCP_ACK | PKT_TCP_SYN | PKT_TCP_RST)) == PKT_TCP_ACK) {
		/* Its options are read leniently, as Linux reads them. */
		if (!cookie_valid(fx, v, c)) {
			WANT(ACK_COOKIE_INVALID);
			return FZ_E_DROP;
		}
		WANT(ACK_COOKIE_VALID);
		WANT(CT_NEW_COOKIE);
		return FZ_E_HANDOFF;
	}
	if (fl & PKT_TCP_RST)
		WANT(CT_RST_UNKNOWN);
	else
		WANT(DROP_NO_CONN);
	return FZ_E_DROP;
}

size_t fz_synack_build(const struct fx *fx, const uint8_t *b,
		       const struct fz_view *v, uint64_t c, uint8_t *out,
		       size_t cap)
{
	const struct fz_opts *o = &v->o;
	size_t alen = v->ipv6 ? 16 : 4;
	struct fx_cookie_opts co = {
		.mss_idx = o->has_mss ? fx_ref_mss_idx(v->ipv6, o->mss) : 0,
		.sack = o->sack_perm,
		.ws = o->has_ws ? (o->ws > 14 ? 14 : o->ws) : 15,
		.ecn = o->has_ts && (v->flags & (PKT_TCP_ECE | PKT_TCP_CWR)) ==
					    (PKT_TCP_ECE | PKT_TCP_CWR),
	};
	struct pkt_spec syn, e;
	struct fx_cookie ck;
	int i;

	/* Every SYNFIN_CFG_* option is on in the fuzzer's settings. */
	memset(&syn, 0, sizeof(syn));
	syn.ipv6 = v->ipv6;
	memcpy(syn.saddr, v->saddr, alen);
	memcpy(syn.daddr, v->daddr, alen);
	syn.sport = v->sport;
	syn.dport = v->dport;
	ck = fx_ref_cookie(fx, &syn, v->seq, c, &co);

	memset(&e, 0, sizeof(e));
	e.ipv6 = v->ipv6;
	/* MACs swapped: the SYN went to b[0..5] from b[6..11]. */
	memcpy(e.src_mac, b, 6);
	memcpy(e.dst_mac, b + 6, 6);
	e.nvlan = v->nvlan;
	for (i = 0; i < v->nvlan; i++) {
		e.vlan_tpid[i] = be16(b + 12 + 4 * i);
		e.vlan_tci[i] = be16(b + 14 + 4 * i);
	}
	memcpy(e.saddr, v->daddr, alen);
	memcpy(e.daddr, v->saddr, alen);
	e.ttl = 64;
	e.ip_frag_off = v->ipv6 ? 0 : 0x4000;
	e.sport = v->dport;
	e.dport = v->sport;
	e.seq = ck.seq;
	e.ack = v->seq + 1;
	e.flags = PKT_TCP_SYN | PKT_TCP_ACK | (co.ecn ? PKT_TCP_ECE : 0);
	e.window = fx->cfg.window;
	pkt_opt_mss(&e, v->ipv6 ? fx->cfg.mss6 : fx->cfg.mss4);
	if (o->has_ts) {
		if (o->sack_perm) {
			pkt_opt_sack_perm(&e);
		} else {
			pkt_opt_nop(&e);
			pkt_opt_nop(&e);
		}
		pkt_opt_ts(&e, ck.tsval, o->tsval);
	} else if (o->sack_perm) {
		pkt_opt_nop(&e);
		pkt_opt_nop(&e);
		pkt_opt_sack_perm(&e);
	}
	if (o->has_ws) {
		pkt_opt_nop(&e);
		pkt_opt_wscale(&e, fx->cfg.wscale);
	}
	return pkt_build(out, cap, &e);
}
