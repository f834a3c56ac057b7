// SPDX-License-Identifier: GPL-2.0
/* Frames the guard doesn't answer: malformed ones, dropped and counted
 * by the layer that fails; and the ones it leaves to the kernel unread
 * (fragments, other protocols, more headers than it parses), passed as
 * they came. The frames are pktbuild's, then edited where pktbuild won't
 * make them. Both tables run through xdp_synfin and tc_synfin_guard.
 */
#include "fixture.h"
#include "synfin.skel.h"

#define IP4_OFF 14
#define TCP4_OFF (IP4_OFF + 20)
#define IP6_OFF 14

/* Frames dropped as malformed at a layer: pkt, edited. */
#define BAD(layer, name, pkt, ...)					\
	{ name, .frame = { .spec = pkt, __VA_ARGS__ },			\
	  .verdict = FX_XDP_DROP, .deltas = { D(layer, 1) } }
#define BAD_L2(...) BAD(MALFORMED_L2, __VA_ARGS__)
#define BAD_IP(...) BAD(MALFORMED_IP, __VA_ARGS__)
#define BAD_TCP(...) BAD(MALFORMED_TCP, __VA_ARGS__)
/* IP's length says 10 bytes of TCP. */
#define TCP_LEN_10 .set = { FX_SET16(IP4_OFF + 2, 30) }, .fix_ip4_csum = 1
#define DOFF(v) .set = { FX_SET8(TCP4_OFF + 12, (v)) }

static const uint8_t payload[16] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* A SYN whose options don't parse: seen, not answered. Bytes after the
 * header, so only doff can stop a read.
 */
#define BAD_OPTS(name, pkt)						\
	{ name, .frame.spec = pkt, .verdict = FX_XDP_DROP,		\
	  .deltas = { D(SYN_SEEN, 1), D(MALFORMED_TCP, 1) } }
#define OPTS4(...) \
	PKT_SPEC4(PKT_OPTS(__VA_ARGS__), .payload = payload, .payload_len = 16)
#define OPTS6(...) \
	PKT_SPEC6(PKT_OPTS(__VA_ARGS__), .payload = payload, .payload_len = 16)

static const struct fx_verdict_case malformed[] = {
	BAD_L2("vlan tpid without tag", PKT_SPEC4(.nvlan = 1), .cut_to = 14),
	BAD_L2("vlan tci without ethertype", PKT_SPEC4(.nvlan = 1),
	       .cut_to = 16),
	BAD_L2("second vlan tag cut",
	       PKT_SPEC4(.nvlan = 2, .vlan_tpid = { 0x88a8 }), .cut_to = 20),
	BAD_IP("no ip header after the tags",
	       PKT_SPEC4(.nvlan = 2, .vlan_tpid = { 0x88a8 }), .cut_to = 22),

	BAD_IP("ipv4 header cut", PKT_SPEC4(), .cut_to = IP4_OFF + 10),
	BAD_IP("ipv4 ihl 4", PKT_SPEC4(), .set = { FX_SET8(IP4_OFF, 0x44) },
	       .fix_ip4_csum = 1),
	BAD_IP("ipv4 ihl 0", PKT_SPEC4(), .set = { FX_SET8(IP4_OFF, 0x40) }),
	BAD_IP("ipv4 header of version 6", PKT_SPEC4(),
	       .set = { FX_SET8(IP4_OFF, 0x65) }),
	BAD_IP("ipv4 datagram cut by a byte", PKT_SPEC4(), .cut = 1),
	BAD_IP("ipv4 tot_len a byte past the frame", PKT_SPEC4(),
	       .set = { FX_SET16(IP4_OFF + 2, 40 + 1) }, .fix_ip4_csum = 1),
	BAD_IP("ipv4 tot_len below ihl", PKT_SPEC4(),
	       .set = { FX_SET16(IP4_OFF + 2, 19) }, .fix_ip4_csum = 1),
	/* A 60-byte header in 40 bytes. */
	BAD_IP("ipv4 ihl past tot_len", PKT_SPEC4(),
	       .set = { FX_SET8(IP4_OFF, 0x4f) }, .fix_ip4_csum = 1),

	BAD_IP("ipv6 header cut", PKT_SPEC6(), .cut_to = IP6_OFF + 39),
	BAD_IP("ipv6 header of version 4", PKT_SPEC6(),
	       .set = { FX_SET8(IP6_OFF, 0x45) }),
	BAD_IP("ipv6 payload cut by a byte", PKT_SPEC6(), .cut = 1),
	BAD_IP("ipv6 payload_len a byte past the frame", PKT_SPEC6(),
	       .set = { FX_SET16(IP6_OFF + 4, 20 + 1) }),
	/* The hop-by-hop header claims more than the payload holds. */
	BAD_IP("ipv6 extension header past the payload",
	       PKT_SPEC6(.n_ext = 1, .ext_type = { PKT_EXT_HOPOPTS },
			 .ext_len = { 8 }),
	       .set = { FX_SET8(IP6_OFF + 40 + 1, 10) }),

	/* And the frame ends there. */
	BAD_TCP("tcp header cut", PKT_SPEC4(), TCP_LEN_10,
		.cut_to = TCP4_OFF + 10),
	BAD_TCP("tcp header longer than ip says", PKT_SPEC4(), TCP_LEN_10),
	BAD_TCP("tcp doff 4", PKT_SPEC4(), DOFF(0x40)),
	BAD_TCP("tcp doff 0", PKT_SPEC4(), DOFF(0x00)),
	BAD_TCP("tcp doff 15", PKT_SPEC4(), DOFF(0xf0)),
	BAD_TCP("tcp doff 6", PKT_SPEC4(), DOFF(0x60)),
	/* The header is checked before the flags. */
	BAD_TCP("tcp doff 4 on an ack", PKT_SPEC4(.flags = PKT_TCP_ACK),
		DOFF(0x40)),

	BAD_OPTS("mss length 3", OPTS4(PKT_TCPOPT_MSS, 3, 5, PKT_O_NOP)),
	BAD_OPTS("ipv6 mss length 5", OPTS6(PKT_TCPOPT_MSS, 5, 5, 0xb4, 0)),
	BAD_OPTS("ws length 2", OPTS4(PKT_TCPOPT_WS, 2, PKT_O_NOP, PKT_O_NOP)),
	BAD_OPTS("ipv6 ws length 4", OPTS6(PKT_TCPOPT_WS, 4, 7, 0)),
	BAD_OPTS("sack-permitted length 3", OPTS4(PKT_TCPOPT_SACK_PERM, 3, 0, 0)),
	BAD_OPTS("ipv6 ts length 8", OPTS6(PKT_TCPOPT_TS, 8, 1, 2, 3, 4, 5, 6)),
	BAD_OPTS("option length 0", OPTS4(30, 0, 0, 0)),
	BAD_OPTS("ipv6 option length 1", OPTS6(30, 1, 0, 0)),
	BAD_OPTS("option without length",
		 OPTS4(PKT_O_NOP, PKT_O_NOP, PKT_O_NOP, PKT_TCPOPT_MSS)),
	BAD_OPTS("ipv6 option past doff", OPTS6(PKT_O_NOP, PKT_O_NOP, 30, 3)),
	/* TS at offset 4 runs 6 bytes past the 8 bytes of options. */
	BAD_OPTS("ts past doff", OPTS4(PKT_O_NOP, PKT_O_NOP, PKT_O_NOP, PKT_O_NOP,
				       PKT_TCPOPT_TS, 10, 0, 0)),
};

#define PASSED(...) .verdict = FX_XDP_PASS, .deltas = { __VA_ARGS__ }
#define FRAG4(off) PKT_SPEC4(FX_SYN_OPTS(1460, 7), .ip_frag_off = (off))
/* The protocol byte changed: UDP, ICMP. */
#define PROTO4(p) .set = { FX_SET8(IP4_OFF + 9, (p)) }, .fix_ip4_csum = 1
#define NEXT6(p) .set = { FX_SET8(IP6_OFF + 6, (p)) }

#define DROPPED(c) .verdict = FX_XDP_DROP, .deltas = { D(c, 1) }
/* One fragment header right after the IPv6 header: its offset and M bit. */
#define FRAG6(fl, off) \
	.frame = { .spec = PKT_SPEC6(.flags = (fl), .n_ext = 1,		\
				     .ext_type = { PKT_EXT_FRAGMENT },		\
				     FX_SYN_OPTS(1460, 7)),			\
		   .set = { FX_SET16(IP6_OFF + 40 + 2, (off)) } }

/* Frames the guard can't read whole. What may be a SYN to a protected port
 * doesn't get to the kernel's SYN queue unread; each class has its count.
 */
static const struct fx_verdict_case unparsed[] = {
	/* TCP never fragments a SYN; a flood would, to get past synfin. */
	{ "ipv4 first fragment of a syn", .frame.spec = FRAG4(0x2000),
	  DROPPED(FRAG_SYN_DROPPED) },
	{ "ipv4 first fragment of a syn, df too", .frame.spec = FRAG4(0x6000),
	  DROPPED(FRAG_SYN_DROPPED) },
	{ "ipv4 first fragment of a syn to an unprotected port",
	  .frame.spec = PKT_SPEC4(.dport = 81, .ip_frag_off = 0x2000,
				  FX_SYN_OPTS(1460, 7)),
	  PASSED(D(FRAG_PASSED, 1)) },
	{ "ipv4 first fragment of an ack",
	  .frame.spec = PKT_SPEC4(.flags = PKT_TCP_ACK, .ip_frag_off = 0x2000),
	  PASSED(D(FRAG_PASSED, 1)) },
	/* Later fragments are nothing without the first, which came here. */
	{ "ipv4 last fragment", .frame.spec = FRAG4(0x0001),
	  PASSED(D(FRAG_PASSED, 1)) },
	{ "ipv4 middle fragment", .frame.spec = FRAG4(0x2010),
	  PASSED(D(FRAG_PASSED, 1)) },
	{ "ipv4 fragment with df", .frame.spec = FRAG4(0x4001),
	  PASSED(D(FRAG_PASSED, 1)) },
	/* 12 bytes of TCP in the first fragment: its flags come later. */
	{ "ipv4 tiny first fragment",
	  .frame = { .spec = FRAG4(0x2000), .set = { FX_SET16(IP4_OFF + 2, 20 + 12) },
		     .fix_ip4_csum = 1 },
	  DROPPED(FRAG_TINY_DROPPED) },
	/* An atomic fragment (offset 0, no more) is a first fragment. */
	{ "ipv6 atomic fragment of a syn", FRAG6(PKT_TCP_SYN, 0),
	  DROPPED(FRAG_SYN_DROPPED) },
	{ "ipv6 first fragment of a syn", FRAG6(PKT_TCP_SYN, 1),
	  DROPPED(FRAG_SYN_DROPPED) },
	{ "ipv6 fragment of a syn after hop-by-hop",
	  .frame.spec = PKT_SPEC6(.n_ext = 2,
				  .ext_type = { PKT_EXT_HOPOPTS, PKT_EXT_FRAGMENT },
				  .ext_len = { 8 }, FX_SYN_OPTS(1460, 7)),
	  DROPPED(FRAG_SYN_DROPPED) },
	{ "ipv6 first fragment of an ack", FRAG6(PKT_TCP_ACK, 1),
	  PASSED(D(FRAG_PASSED, 1)) },
	{ "ipv6 later fragment", FRAG6(PKT_TCP_SYN, 8 | 1),
	  PASSED(D(FRAG_PASSED, 1)) },
	{ "ipv6 tiny first fragment",
	  .frame = { .spec = PKT_SPEC6(.n_ext = 1, .ext_type = { PKT_EXT_FRAGMENT },
				       FX_SYN_OPTS(1460, 7)),
		     .set = { FX_SET16(IP6_OFF + 40 + 2, 1),
			      FX_SET16(IP6_OFF + 4, 8 + 12) } },
	  DROPPED(FRAG_TINY_DROPPED) },

	{ "arp", .frame = { .spec = PKT_SPEC4(), .set = { FX_SET16(12, 0x0806) } },
	  PASSED() },
	{ "ipv4 udp", .frame = { .spec = PKT_SPEC4(), PROTO4(17) }, PASSED() },
	{ "ipv4 icmp", .frame = { .spec = PKT_SPEC4(), PROTO4(1) }, PASSED() },
	{ "ipv6 udp", .frame = { .spec = PKT_SPEC6(), NEXT6(17) }, PASSED() },
	{ "ipv6 no next header", .frame = { .spec = PKT_SPEC6(), NEXT6(59) },
	  PASSED() },
	/* A UDP fragment is not ours either: no frag_passed. */
	{ "ipv4 udp fragment",
	  .frame = { .spec = PKT_SPEC4(),
		     .set = { FX_SET8(IP4_OFF + 9, 17),
			      FX_SET16(IP4_OFF + 6, 0x2000) },
		     .fix_ip4_csum = 1 },
	  PASSED() },
	/* IPsec AH: the kernel checks it against its SA before TCP sees it,
	 * so a forged flood dies there.
	 */
	{ "ipv4 ah", .frame = { .spec = PKT_SPEC4(FX_SYN_OPTS(1460, 7)), PROTO4(51) },
	  PASSED(D(AH_PASSED, 1)) },

	/* More headers than the parser reads, before a SYN to a protected
	 * port: dropped unread, and counted.
	 */
	{ "third vlan tag",
	  .frame.spec = PKT_SPEC4(.nvlan = 3,
				  .vlan_tpid = { 0x88a8, 0x8100, 0x8100 },
				  .vlan_tci = { 100, 200, 300 },
				  FX_SYN_OPTS(1460, 7)),
	  DROPPED(VLAN_DEEP_DROPPED) },
	{ "five ipv6 extension headers",
	  .frame.spec = PKT_SPEC6(.n_ext = 5,
				  .ext_type = { PKT_EXT_HOPOPTS, PKT_EXT_DSTOPTS,
						PKT_EXT_ROUTING, PKT_EXT_DSTOPTS,
						PKT_EXT_DSTOPTS },
				  .ext_len = { 8, 8, 8, 8, 8 },
				  FX_SYN_OPTS(1460, 7)),
	  DROPPED(EXT_DEEP_DROPPED) },
	{ "four ipv6 extension headers and a fragment header",
	  .frame.spec = PKT_SPEC6(.n_ext = 5,
				  .ext_type = { PKT_EXT_HOPOPTS, PKT_EXT_DSTOPTS,
						PKT_EXT_ROUTING, PKT_EXT_DSTOPTS,
						PKT_EXT_FRAGMENT },
				  .ext_len = { 8, 8, 8, 8 },
				  FX_SYN_OPTS(1460, 7)),
	  DROPPED(EXT_DEEP_DROPPED) },
	{ "four ipv6 extension headers",
	  .frame.spec = PKT_SPEC6(.n_ext = 4,
				  .ext_type = { PKT_EXT_HOPOPTS, PKT_EXT_DSTOPTS,
						PKT_EXT_ROUTING, PKT_EXT_DSTOPTS },
				  .ext_len = { 8, 8, 8, 8 },
				  FX_SYN_OPTS(1460, 7)),
	  .verdict = FX_XDP_TX, .deltas = { D(SYN_SEEN, 1), D(SYNACK_SENT, 1) } },
};

int main(void)
{
	const struct fx_table tables[] = {
		FX_TABLE("malformed", malformed, fx_run_verdict_case),
		FX_TABLE("unparsed", unparsed, fx_run_verdict_case),
		FX_TABLE_TC("malformed", malformed, fx_run_verdict_case),
		FX_TABLE_TC("unparsed", unparsed, fx_run_verdict_case),
	};

	return fx_run_group("malformed", tables, FX_ARRAY_SIZE(tables), NULL,
			    0, fx_setup, fx_teardown);
}
