// SPDX-License-Identifier: GPL-2.0
/* Packet builder and parser for the tests. */
#include <string.h>

#include "pktbuild.h"
#include "refsum.h"

#define ETH_HLEN	14
#define VLAN_HLEN	4
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88a8
#define IP4_HLEN	20
#define IP6_HLEN	40
#define TCP_HLEN	20
#define PROTO_TCP	6
#define IP4_OFFMASK	0x1fff
#define IP6_OFFMASK	0xfff8
#define TCP_CHECK_OFF	16

#define OPT_EOL		PKT_TCPOPT_EOL
#define OPT_NOP		PKT_TCPOPT_NOP
#define OPT_MSS		PKT_TCPOPT_MSS
#define OPT_WS		PKT_TCPOPT_WS
#define OPT_SACK_PERM	PKT_TCPOPT_SACK_PERM
#define OPT_TS		PKT_TCPOPT_TS

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* ---- building ---- */

static size_t ext_size(const struct pkt_spec *s, int i)
{
	if (s->ext_type[i] == PKT_EXT_FRAGMENT)
		return 8;
	return s->ext_len[i];
}

static int ext_valid(const struct pkt_spec *s, int i)
{
	switch (s->ext_type[i]) {
	case PKT_EXT_HOPOPTS:
	case PKT_EXT_ROUTING:
	case PKT_EXT_DSTOPTS:
		return s->ext_len[i] >= 8 && s->ext_len[i] % 8 == 0;
	case PKT_EXT_FRAGMENT:
		return 1;
	}
	return 0;
}

/* Length of the IP header including options or extension headers; 0 if
 * the spec asks for something the builder cannot express.
 */
static size_t l3_size(const struct pkt_spec *s)
{
	size_t len;
	int i;

	if (!s->ipv6) {
		if (s->ip_opts_len > sizeof(s->ip_opts) || s->ip_opts_len % 4)
			return 0;
		return IP4_HLEN + s->ip_opts_len;
	}
	if (s->n_ext < 0 || s->n_ext > PKT_MAX_EXT)
		return 0;
	len = IP6_HLEN;
	for (i = 0; i < s->n_ext; i++) {
		if (!ext_valid(s, i))
			return 0;
		len += ext_size(s, i);
	}
	return len;
}

static size_t tcp_hdr_size(const struct pkt_spec *s)
{
	return TCP_HLEN + ((s->tcp_opts_len + 3) & ~(size_t)3);
}

static uint8_t *put_eth(uint8_t *p, const struct pkt_spec *s)
{
	int i;

	memcpy(p, s->dst_mac, 6);
	memcpy(p + 6, s->src_mac, 6);
	p += 12;
	for (i = 0; i < s->nvlan; i++) {
		put16(p, s->vlan_tpid[i] ? s->vlan_tpid[i] : ETH_P_8021Q);
		put16(p + 2, s->vlan_tci[i]);
		p += VLAN_HLEN;
	}
	put16(p, s->ipv6 ? ETH_P_IPV6 : ETH_P_IP);
	return p + 2;
}

static uint8_t ttl_of(const struct pkt_spec *s)
{
	return s->ttl ? s->ttl : 64;
}

static uint8_t *put_ipv4(uint8_t *p, const struct pkt_spec *s, size_t l4len)
{
	size_t hlen = IP4_HLEN + s->ip_opts_len;

	memset(p, 0, IP4_HLEN);
	p[0] = 0x40 | (uint8_t)(hlen / 4);
	put16(p + 2, (uint16_t)(hlen + l4len));
	put16(p + 6, s->ip_frag_off);
	p[8] = ttl_of(s);
	p[9] = PROTO_TCP;
	memcpy(p + 12, s->saddr, 4);
	memcpy(p + 16, s->daddr, 4);
	memcpy(p + IP4_HLEN, s->ip_opts, s->ip_opts_len);
	put16(p + 10, ref_csum16(p, hlen));
	return p + hlen;
}

/* One extension header. Options headers carry a single PadN so a real
 * stack would accept them; routing is type 0 with no segments left, which
 * receivers skip.
 */
static uint8_t *put_ext(uint8_t *p, uint8_t type, size_t len, uint8_t next)
{
	memset(p, 0, len);
	p[0] = next;
	if (type == PKT_EXT_FRAGMENT)
		return p + 8;	/* offset 0, M clear, id 0: atomic fragment */
	p[1] = (uint8_t)(len / 8 - 1);
	if (type != PKT_EXT_ROUTING) {
		p[2] = 1;	/* PadN over the remaining len - 2 bytes */
		p[3] = (uint8_t)(len - 4);
	}
	return p + len;
}

static uint8_t *put_ipv6(uint8_t *p, const struct pkt_spec *s, size_t l4len)
{
	size_t plen = l3_size(s) - IP6_HLEN + l4len;
	int i;

	memset(p, 0, IP6_HLEN);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)plen);
	p[6] = s->n_ext ? s->ext_type[0] : PROTO_TCP;
	p[7] = ttl_of(s);
	memcpy(p + 8, s->saddr, 16);
	memcpy(p + 24, s->daddr, 16);
	p += IP6_HLEN;
	for (i = 0; i < s->n_ext; i++) {
		uint8_t next = i + 1 < s->n_ext ? s->ext_type[i + 1] : PROTO_TCP;

		p = put_ext(p, s->ext_type[i], ext_size(s, i), next);
	}
	return p;
}

static void put_tcp(uint8_t *p, const struct pkt_spec *s)
{
	size_t hlen = tcp_hdr_size(s);

	memset(p, 0, hlen);
	put16(p, s->sport);
	put16(p + 2, s->dport);
	put32(p + 4, s->seq);
	put32(p + 8, s->ack);
	p[12] = (uint8_t)(hlen / 4) << 4;
	p[13] = s->flags;
	put16(p + 14, s->window);
	memcpy(p + TCP_HLEN, s->tcp_opts, s->tcp_opts_len); /* rest is EOL */
	if (s->payload_len)
		memcpy(p + hlen, s->payload, s->payload_len);
}

size_t pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s)
{
	size_t l2, l3, l4, total;
	uint8_t *p, *tcp;

	if (s->nvlan < 0 || s->nvlan > PKT_MAX_VLAN || s->tcp_opts_len > 40)
		return 0;
	if (s->payload_len && !s->payload)
		return 0;
	l3 = l3_size(s);
	if (!l3)
		return 0;
	l2 = ETH_HLEN + VLAN_HLEN * (size_t)s->nvlan;
	l4 = tcp_hdr_size(s) + s->payload_len;
	/* Both tot_len and payload_len are 16 bits. */
	if ((s->ipv6 ? l3 - IP6_HLEN : l3) + l4 > 0xffff)
		return 0;
	total = l2 + l3 + l4;
	if (total > cap)
		return 0;

	p = put_eth(buf, s);
	p = s->ipv6 ? put_ipv6(p, s, l4) : put_ipv4(p, s, l4);
	tcp = p;
	put_tcp(tcp, s);
	if (s->ipv6)
		ref_tcp_csum6_fill(s->saddr, s->daddr, tcp, l4);
	else
		ref_tcp_csum4_fill(s->saddr, s->daddr, tcp, l4);
	/* XOR, not +1: 0x0000 and 0xffff are the same ones-complement value,
	 * so an increment could leave a checksum that still verifies.
	 */
	if (s->bad_csum)
		put16(tcp + TCP_CHECK_OFF, get16(tcp + TCP_CHECK_OFF) ^ 0x5a5a);
	return total;
}

static int opt_append(struct pkt_spec *s, const uint8_t *opt, size_t len)
{
	if (s->tcp_opts_len + len > sizeof(s->tcp_opts))
		return -1;
	memcpy(s->tcp_opts + s->tcp_opts_len, opt, len);
	s->tcp_opts_len += len;
	return 0;
}

int pkt_opt_mss(struct pkt_spec *s, uint16_t mss)
{
	const uint8_t o[] = { PKT_O_MSS(mss) };

	return opt_append(s, o, sizeof(o));
}

int pkt_opt_wscale(struct pkt_spec *s, uint8_t ws)
{
	const uint8_t o[] = { PKT_O_WS(ws) };

	return opt_append(s, o, sizeof(o));
}

int pkt_opt_sack_perm(struct pkt_spec *s)
{
	const uint8_t o[] = { PKT_O_SACK_PERM };

	return opt_append(s, o, sizeof(o));
}

int pkt_opt_ts(struct pkt_spec *s, uint32_t tsval, uint32_t tsecr)
{
	const uint8_t o[] = { PKT_O_TS(tsval, tsecr) };

	return opt_append(s, o, sizeof(o));
}

int pkt_opt_nop(struct pkt_spec *s)
{
	const uint8_t o[] = { PKT_O_NOP };

	return opt_append(s, o, sizeof(o));
}

/* All or nothing: a failure leaves the options untouched. */
int pkt_opts_linux_syn(struct pkt_spec *s, uint16_t mss, uint32_t tsval,
		       uint8_t ws)
{
	const uint8_t o[] = { PKT_O_LINUX_SYN(mss, tsval, ws) };

	return opt_append(s, o, sizeof(o));
}

void pkt_spec_default(struct pkt_spec *s, int ipv6)
{
	static const struct pkt_spec v4 = PKT_SPEC4(), v6 = PKT_SPEC6();

	*s = ipv6 ? v6 : v4;
}

/* ---- parsing ---- */

static int fail(const char **err, const char *why)
{
	if (err)
		*err = why;
	return -1;
}

/* Ethernet and VLAN tags; returns the offset of L3 or -1. */
static long parse_l2(const uint8_t *buf, size_t len, struct pkt_view *v,
		     uint16_t *proto, const char **err)
{
	size_t off = 12;
	uint16_t type;

	if (len < ETH_HLEN)
		return fail(err, "truncated Ethernet header");
	memcpy(v->dst_mac, buf, 6);
	memcpy(v->src_mac, buf + 6, 6);
	type = get16(buf + off);
	while (type == ETH_P_8021Q || type == ETH_P_8021AD) {
		if (v->nvlan == PKT_MAX_VLAN)
			return fail(err, "too many VLAN tags");
		if (len < off + VLAN_HLEN + 2)
			return fail(err, "truncated VLAN tag");
		v->vlan_tpid[v->nvlan] = type;
		v->vlan_tci[v->nvlan] = get16(buf + off + 2);
		v->nvlan++;
		off += VLAN_HLEN;
		type = get16(buf + off);
	}
	*proto = type;
	return (long)(off + 2);
}

static int parse_ipv4(const uint8_t *p, size_t avail, struct pkt_view *v,
		      const char **err)
{
	size_t hlen;

	if (avail < IP4_HLEN)
		return fail(err, "truncated IPv4 header");
	if (p[0] >> 4 != 4)
		return fail(err, "IPv4 version is not 4");
	hlen = (size_t)(p[0] & 0xf) * 4;
	if (hlen < IP4_HLEN)
		return fail(err, "IPv4 ihl below 5");
	if (hlen > avail)
		return fail(err, "truncated IPv4 options");
	v->tos_or_tc = p[1];
	v->ip_total_len = get16(p + 2);
	v->ip_id = get16(p + 4);
	v->frag_off = get16(p + 6);
	v->ttl_or_hlim = p[8];
	memcpy(v->saddr, p + 12, 4);
	memcpy(v->daddr, p + 16, 4);
	if (v->ip_total_len < hlen)
		return fail(err, "IPv4 tot_len below header length");
	if (v->ip_total_len > avail)
		return fail(err, "IPv4 tot_len beyond frame");
	if (p[9] != PROTO_TCP)
		return fail(err, "IPv4 payload is not TCP");
	if (v->frag_off & IP4_OFFMASK)
		return fail(err, "IPv4 non-first fragment");
	v->l3_len = hlen;
	v->ip_csum_ok = ref_csum16(p, hlen) == 0;
	v->tcp = p + hlen;
	v->tcp_len = v->ip_total_len - hlen;
	return 0;
}

static int is_ext(uint8_t nh)
{
	return nh == PKT_EXT_HOPOPTS || nh == PKT_EXT_ROUTING ||
	       nh == PKT_EXT_DSTOPTS || nh == PKT_EXT_FRAGMENT;
}

static int parse_ipv6(const uint8_t *p, size_t avail, struct pkt_view *v,
		      const char **err)
{
	size_t off = IP6_HLEN, end;
	uint8_t nh;

	if (avail < IP6_HLEN)
		return fail(err, "truncated IPv6 header");
	if (p[0] >> 4 != 6)
		return fail(err, "IPv6 version is not 6");
	v->tos_or_tc = (uint8_t)(get16(p) >> 4);
	v->ip_total_len = get16(p + 4);
	nh = p[6];
	v->ttl_or_hlim = p[7];
	memcpy(v->saddr, p + 8, 16);
	memcpy(v->daddr, p + 24, 16);
	if (!v->ip_total_len)
		return fail(err, "IPv6 jumbogram or empty payload");
	end = IP6_HLEN + v->ip_total_len;
	if (end > avail)
		return fail(err, "IPv6 payload_len beyond frame");
	while (is_ext(nh)) {
		size_t elen;

		if (v->n_ext == PKT_MAX_EXT)
			return fail(err, "too many IPv6 extension headers");
		if (off + 8 > end)
			return fail(err, "truncated IPv6 extension header");
		if (nh == PKT_EXT_FRAGMENT) {
			elen = 8;
			v->frag_off = get16(p + off + 2);
			if (v->frag_off & IP6_OFFMASK)
				return fail(err, "IPv6 non-first fragment");
		} else {
			elen = ((size_t)p[off + 1] + 1) * 8;
		}
		if (off + elen > end)
			return fail(err, "truncated IPv6 extension header");
		v->ext_type[v->n_ext++] = nh;
		nh = p[off];
		off += elen;
	}
	if (nh != PROTO_TCP)
		return fail(err, "IPv6 payload is not TCP");
	v->l3_len = off;
	v->ip_csum_ok = 1;	/* IPv6 has no header checksum */
	v->tcp = p + off;
	v->tcp_len = end - off;
	return 0;
}

/* Known options must have their RFC lengths; anything else is skipped. */
static int parse_opt(const uint8_t *o, uint8_t olen, struct pkt_view *v,
		     const char **err)
{
	switch (o[0]) {
	case OPT_MSS:
		if (olen != 4)
			return fail(err, "bad MSS option length");
		v->has_mss = 1;
		v->mss = get16(o + 2);
		break;
	case OPT_WS:
		if (olen != 3)
			return fail(err, "bad window scale option length");
		v->has_ws = 1;
		v->ws = o[2];
		break;
	case OPT_SACK_PERM:
		if (olen != 2)
			return fail(err, "bad SACK-permitted option length");
		v->has_sack_perm = 1;
		break;
	case OPT_TS:
		if (olen != 10)
			return fail(err, "bad timestamp option length");
		v->has_ts = 1;
		v->tsval = get32(o + 2);
		v->tsecr = get32(o + 6);
		break;
	}
	return 0;
}

static int parse_tcp_opts(const uint8_t *o, size_t len, struct pkt_view *v,
			  const char **err)
{
	size_t i = 0;

	while (i < len && o[i] != OPT_EOL) {
		uint8_t olen;

		if (o[i] == OPT_NOP) {
			v->opt_kinds[v->n_opts++] = OPT_NOP;
			i++;
			continue;
		}
		if (i + 2 > len)
			return fail(err, "TCP option without length");
		olen = o[i + 1];
		if (olen < 2 || i + olen > len)
			return fail(err, "bad TCP option length");
		v->opt_kinds[v->n_opts++] = o[i];
		if (parse_opt(o + i, olen, v, err))
			return -1;
		i += olen;
	}
	return 0;
}

static int parse_tcp(struct pkt_view *v, const char **err)
{
	const uint8_t *t = v->tcp;
	size_t hlen;
	uint16_t c;

	if (v->tcp_len < TCP_HLEN)
		return fail(err, "truncated TCP header");
	v->sport = get16(t);
	v->dport = get16(t + 2);
	v->seq = get32(t + 4);
	v->ack = get32(t + 8);
	v->doff = t[12] >> 4;
	v->flags = t[13];
	v->window = get16(t + 14);
	v->urg = get16(t + 18);
	hlen = (size_t)v->doff * 4;
	if (hlen < TCP_HLEN)
		return fail(err, "TCP doff below 5");
	if (hlen > v->tcp_len)
		return fail(err, "truncated TCP options");
	if (parse_tcp_opts(t + TCP_HLEN, hlen - TCP_HLEN, v, err))
		return -1;
	if (v->ipv6)
		c = ref_tcp_csum6(v->saddr, v->daddr, t, v->tcp_len);
	else
		c = ref_tcp_csum4(v->saddr, v->daddr, t, v->tcp_len);
	v->tcp_csum_ok = c == 0;
	return 0;
}

int pkt_parse(const uint8_t *buf, size_t len, struct pkt_view *v,
	      const char **err)
{
	uint16_t proto;
	long off;
	int ret;

	memset(v, 0, sizeof(*v));
	off = parse_l2(buf, len, v, &proto, err);
	if (off < 0)
		return -1;
	v->l3 = buf + off;
	if (proto == ETH_P_IP) {
		ret = parse_ipv4(v->l3, len - (size_t)off, v, err);
	} else if (proto == ETH_P_IPV6) {
		v->ipv6 = 1;
		ret = parse_ipv6(v->l3, len - (size_t)off, v, err);
	} else {
		return fail(err, "EtherType is neither IPv4 nor IPv6");
	}
	if (ret)
		return -1;
	return parse_tcp(v, err);
}
