/* SPDX-License-Identifier: GPL-2.0 */
/* What the BPF programs and userspace both see: map values, counters and
 * the cookie's layout. One definition of each; nothing else lives here.
 */
#ifndef SYNFIN_H
#define SYNFIN_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Counters: one X-macro gives the enum, the names and the help text. */
#define SYNFIN_COUNTERS(X)                                                     \
	X(SYN_SEEN, "syn_seen", "SYNs to protected ports")                     \
	X(SYNACK_SENT, "synack_sent", "SYN-ACKs sent with a cookie")           \
	X(SYN_UNPROTECTED, "syn_unprotected",                                  \
	  "SYNs to unprotected ports, passed to the kernel")                   \
	X(SYN_KERNEL_SOCK, "syn_kernel_sock",                                  \
	  "SYNs on a tuple the kernel still holds (TIME-WAIT), passed")        \
	X(ACK_COOKIE_VALID, "ack_cookie_valid", "ACKs with a valid cookie")    \
	X(ACK_COOKIE_INVALID, "ack_cookie_invalid",                            \
	  "ACKs with a bad, stale or forged cookie, dropped")                  \
	X(CONN_HANDED, "conn_handed",                                          \
	  "cookie ACKs handed to a listening socket (TC)")                     \
	X(HANDOFF_NO_LISTENER, "handoff_no_listener",                          \
	  "cookie ACKs with no listener, passed to the kernel (TC)")           \
	X(HANDOFF_FAILED, "handoff_failed",                                    \
	  "cookie ACKs the kernel refused to assign, dropped (TC)")            \
	X(EST_PASSED, "est_passed",                                            \
	  "segments of connections the kernel holds, passed")                  \
	X(DROP_NO_CONN, "drop_no_conn",                                        \
	  "segments to protected ports that belong to no connection, dropped") \
	X(DROP_BAD_FLAGS, "drop_bad_flags",                                    \
	  "SYNs with RST or FIN set, dropped")                    \
	X(DROP_NO_ROOM, "drop_no_room",                                        \
	  "frames dropped: no room for the SYN-ACK or the metadata")               \
	X(MALFORMED_L2, "malformed_l2", "truncated Ethernet/VLAN, dropped")    \
	X(MALFORMED_IP, "malformed_ip", "bad or truncated IP header, dropped") \
	X(MALFORMED_TCP, "malformed_tcp",                                      \
	  "bad or truncated TCP header or options, dropped")                   \
	X(FRAG_PASSED, "frag_passed", "IP fragments, passed to the kernel")

#define SYNFIN_COUNTER_ENUM(id, name, help) SYNFIN_C_##id,
enum synfin_counter { SYNFIN_COUNTERS(SYNFIN_COUNTER_ENUM) SYNFIN_C__MAX };
#undef SYNFIN_COUNTER_ENUM

/* Run-time settings of the responder (map cfg_map, key 0). */
enum synfin_cfg_flags {
	SYNFIN_CFG_SACK = 1 << 0,	/* offer SACK-permitted */
	SYNFIN_CFG_TS = 1 << 1,		/* offer timestamps */
	SYNFIN_CFG_ECN = 1 << 2,	/* answer an ECN SYN with ECE */
	SYNFIN_CFG_WSCALE = 1 << 3,	/* offer window scaling */
};

struct synfin_cfg {
	__u16 mss4;	/* MSS the SYN-ACK offers over IPv4 */
	__u16 mss6;	/* ... and over IPv6 */
	__u16 window;	/* SYN-ACK window (never scaled) */
	__u8 wscale;	/* our own window scale, 0..14 */
	__u8 flags;	/* enum synfin_cfg_flags */
};

/* Protected destination ports, one bit each (map ports_map, key 0). */
struct synfin_ports {
	__u64 bits[65536 / 64];
};

/* Cookie secrets. The key for time counter c lives in slot c % 3: the
 * data path reads slots c and c - 1 while userspace writes slot c + 1, so
 * no reader ever sees a half-written key.
 */
#define SYNFIN_SECRET_SLOTS 3
struct synfin_secret {
	__u64 k0;
	__u64 k1;
};

/* Time counter: CLOCK_MONOTONIC ns >> 36, one step every 68.7 s. A cookie
 * names its counter by parity, so it is valid in its own period and the
 * next: at most two periods, 137 s.
 */
#define SYNFIN_COUNTER_SHIFT 36

/* The 32-bit cookie (the SYN-ACK's sequence number):
 *   31..8  24 bits of SipHash-2-4
 *    7..6  index of the client's MSS in the per-family table
 *       5  parity of the time counter
 *       4  SACK permitted
 *    3..0  client's window scale, 15 when it offered none
 * With timestamps, bit 0 of the SYN-ACK's TSval says ECN; without them
 * ECN is not offered (as in Linux). The other 31 bits of TSval are the
 * upper half of the same hash.
 *
 * The SipHash message (key = slot[c % 3]), as bytes:
 *   IPv4: saddr(4) daddr(4) sport(2) dport(2) isn(4) c(8, little endian)
 *   IPv6: saddr(16) daddr(16) sport(2) dport(2) isn(4) c(8, little endian)
 * addresses, ports and isn in network byte order, as on the wire of the
 * client's SYN (saddr is the client).
 */
#define SYNFIN_COOKIE_HASH_MASK 0xffffff00u
#define SYNFIN_COOKIE_MSS_SHIFT 6
#define SYNFIN_COOKIE_PARITY (1u << 5)
#define SYNFIN_COOKIE_SACK (1u << 4)
#define SYNFIN_COOKIE_WSCALE_MASK 0xfu
#define SYNFIN_COOKIE_WSCALE_NONE 0xfu
#define SYNFIN_TSVAL_ECN 1u

/* MSS the cookie remembers: the client's MSS rounded down to one of these. */
#define SYNFIN_MSS_SLOTS 4
static inline __u16 synfin_mss_slot(int ipv6, __u32 idx)
{
	switch (idx) {
	case 0:
		return ipv6 ? 1220 : 536;
	case 1:
		return ipv6 ? 1420 : 1300;
	case 2:
		return 1440;
	default:
		return ipv6 ? 8940 : 1460;
	}
}

/* XDP -> TC ingress: a validated cookie ACK carries this as XDP metadata. */
#define SYNFIN_META_MAGIC 0x5f1e0c0dU
enum synfin_meta_flags {
	SYNFIN_META_SACK = 1 << 0,
	SYNFIN_META_TS = 1 << 1,
	SYNFIN_META_ECN = 1 << 2,
	SYNFIN_META_WSCALE = 1 << 3,
};

struct synfin_meta {
	__u32 magic;
	__u32 tsval;	/* client's TSval in the ACK */
	__u32 tsecr;	/* the ACK's TSecr: our SYN-ACK's TSval */
	__u16 mss;	/* client's MSS from the cookie */
	__u8 snd_wscale; /* client's window scale */
	__u8 flags;	/* enum synfin_meta_flags */
};

#endif /* SYNFIN_H */
