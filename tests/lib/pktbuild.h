/* SPDX-License-Identifier: GPL-2.0 */
/* Build Ethernet frames carrying TCP, and take them apart again, for the
 * tests. Independent of bpf/: checksums come from refsum.c.
 */
#ifndef SYNFIN_TEST_PKTBUILD_H
#define SYNFIN_TEST_PKTBUILD_H

#include <stddef.h>
#include <stdint.h>

#define PKT_TCP_FIN	0x01
#define PKT_TCP_SYN	0x02
#define PKT_TCP_RST	0x04
#define PKT_TCP_PSH	0x08
#define PKT_TCP_ACK	0x10
#define PKT_TCP_URG	0x20
#define PKT_TCP_ECE	0x40
#define PKT_TCP_CWR	0x80

#define PKT_EXT_HOPOPTS		0
#define PKT_EXT_ROUTING		43
#define PKT_EXT_FRAGMENT	44
#define PKT_EXT_DSTOPTS		60

/* More than synfin's parser reads (two tags, four extension headers), so
 * the tests can send what it leaves unread.
 */
#define PKT_MAX_VLAN	4
#define PKT_MAX_EXT	8

#define PKT_TCPOPT_EOL		0
#define PKT_TCPOPT_NOP		1
#define PKT_TCPOPT_MSS		2
#define PKT_TCPOPT_WS		3
#define PKT_TCPOPT_SACK_PERM	4
#define PKT_TCPOPT_TS		8

struct pkt_spec {
	int ipv6;			/* 0 = IPv4, 1 = IPv6 */
	uint8_t src_mac[6], dst_mac[6];
	int nvlan;			/* 0 .. PKT_MAX_VLAN tags */
	uint16_t vlan_tpid[PKT_MAX_VLAN]; /* outer first; 0 means 0x8100 */
	uint16_t vlan_tci[PKT_MAX_VLAN];
	uint8_t saddr[16], daddr[16];	/* IPv4 uses the first 4 bytes */
	uint8_t ip_opts[40];		/* IPv4 options, multiple of 4 */
	size_t ip_opts_len;
	uint8_t ttl;			/* 0 means 64 (also IPv6 hop limit) */
	uint16_t ip_frag_off;		/* IPv4 flags + offset, host order */
	/* IPv6 extension headers before TCP, in order: type (0, 43, 60, 44)
	 * and total length in bytes (multiple of 8, >= 8; 44 is always 8).
	 */
	int n_ext;
	uint8_t ext_type[PKT_MAX_EXT];
	uint8_t ext_len[PKT_MAX_EXT];
	uint16_t sport, dport;		/* host order */
	uint32_t seq, ack;		/* host order */
	uint8_t flags;			/* PKT_TCP_* */
	uint16_t window;
	uint8_t tcp_opts[40];		/* raw; padded with EOL to 4 bytes */
	size_t tcp_opts_len;
	const uint8_t *payload;
	size_t payload_len;
	int bad_csum;			/* nonzero: corrupt the TCP checksum */
};

/* pkt_spec_default's frames as initialisers, with fields changed after
 * the defaults: PKT_SPEC4(.dport = 443, PKT_OPTS(PKT_O_MSS(1460))). A
 * later designator overrides an earlier one (C11 6.7.9p19); GCC's
 * -Woverride-init (in -Wextra) warns about it, so users turn that off.
 */
#define PKT_SPEC4(...)							\
	{ PKT_SPEC_COMMON_, .saddr = { 198, 18, 0, 1 },			\
	  .daddr = { 198, 18, 0, 2 }, __VA_ARGS__ }
#define PKT_SPEC6(...)							\
	{ PKT_SPEC_COMMON_, .ipv6 = 1,					\
	  .saddr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },			\
	  .daddr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }, __VA_ARGS__ }
#define PKT_SPEC_COMMON_						\
	.src_mac = { 2, 0, 0, 0, 0, 1 }, .dst_mac = { 2, 0, 0, 0, 0, 2 },	\
	.sport = 40000, .dport = 80, .flags = PKT_TCP_SYN, .seq = 1000,	\
	.window = 64240

/* TCP options as bytes for such an initialiser:
 * PKT_OPTS(PKT_O_MSS(1460), PKT_O_NOP, PKT_O_WS(7)), or raw bytes.
 */
#define PKT_OPTS(...)							\
	.tcp_opts = { __VA_ARGS__ },					\
	.tcp_opts_len = sizeof((const uint8_t[]){ __VA_ARGS__ })
#define PKT_B16(v)		(uint8_t)((v) >> 8), (uint8_t)(v)
#define PKT_B32(v)		PKT_B16((v) >> 16), PKT_B16(v)
#define PKT_O_NOP		PKT_TCPOPT_NOP
#define PKT_O_MSS(mss)		PKT_TCPOPT_MSS, 4, PKT_B16(mss)
#define PKT_O_WS(ws)		PKT_TCPOPT_WS, 3, (uint8_t)(ws)
#define PKT_O_SACK_PERM		PKT_TCPOPT_SACK_PERM, 2
#define PKT_O_TS(val, ecr)	PKT_TCPOPT_TS, 10, PKT_B32(val), PKT_B32(ecr)
/* Linux's SYN layout: MSS, SACK_PERM, TS, NOP, WSCALE (20 bytes). */
#define PKT_O_LINUX_SYN(mss, tsval, ws)					\
	PKT_O_MSS(mss), PKT_O_SACK_PERM, PKT_O_TS(tsval, 0), PKT_O_NOP,	\
	PKT_O_WS(ws)

/* Build the frame into buf; returns its length, or 0 if cap is too small
 * or the spec is invalid. IPv4 header and TCP checksums are correct unless
 * bad_csum.
 */
size_t pkt_build(uint8_t *buf, size_t cap, const struct pkt_spec *s);

/* Append an option to s->tcp_opts: 0, or -1 if there is no room. */
int pkt_opt_mss(struct pkt_spec *s, uint16_t mss);
int pkt_opt_wscale(struct pkt_spec *s, uint8_t ws);
int pkt_opt_sack_perm(struct pkt_spec *s);
int pkt_opt_ts(struct pkt_spec *s, uint32_t tsval, uint32_t tsecr);
int pkt_opt_nop(struct pkt_spec *s);
/* PKT_O_LINUX_SYN. */
int pkt_opts_linux_syn(struct pkt_spec *s, uint16_t mss, uint32_t tsval,
		       uint8_t ws);

/* Defaults: 02:00:00:00:00:01 -> 02:00:00:00:00:02, 198.18.0.1:40000 ->
 * 198.18.0.2:80 (2001:db8::1 -> 2001:db8::2 for ipv6), SYN, seq 1000,
 * window 64240, no options.
 */
void pkt_spec_default(struct pkt_spec *s, int ipv6);

struct pkt_view {
	int ipv6, nvlan;
	uint16_t vlan_tpid[PKT_MAX_VLAN], vlan_tci[PKT_MAX_VLAN];
	uint8_t src_mac[6], dst_mac[6];
	const uint8_t *l3;		/* IP header */
	size_t l3_len;			/* IPv4 ihl*4; IPv6 40 + ext headers */
	uint8_t saddr[16], daddr[16];
	uint8_t ttl_or_hlim, tos_or_tc;
	uint16_t ip_total_len;		/* v4 tot_len, v6 payload_len */
	uint16_t ip_id;			/* v4 only */
	uint16_t frag_off;		/* v4 field; v6 fragment header's */
	int n_ext;			/* IPv6 extension headers seen */
	uint8_t ext_type[PKT_MAX_EXT];
	const uint8_t *tcp;
	size_t tcp_len;			/* TCP header + payload, per IP length */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags, doff;
	uint16_t window, urg;
	int has_mss, has_ws, has_sack_perm, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	uint8_t opt_kinds[40];		/* in order, NOPs too, no final EOL */
	int n_opts;
	int ip_csum_ok;			/* always 1 for IPv6 (no checksum) */
	int tcp_csum_ok;
};

/* 0 on success; -1 with a static reason in *err (if err) if malformed. */
int pkt_parse(const uint8_t *buf, size_t len, struct pkt_view *v,
	      const char **err);

#endif
