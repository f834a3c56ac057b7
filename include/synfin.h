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
	X(SYN_TAGS_PASSED, "syn_tags_passed",                                  \
	  "SYNs with a VLAN tag more than the hand-off takes (QinQ), passed to the kernel") \
	X(SYN_KERNEL_SOCK, "syn_kernel_sock",                                  \
	  "SYNs on a tuple the kernel still holds (TIME-WAIT), passed")        \
	X(ACK_COOKIE_VALID, "ack_cookie_valid", "ACKs with a valid cookie")    \
	X(ACK_COOKIE_AGAIN, "ack_cookie_again",                                \
	  "segments at the cookie's sequence handed over again: the kernel "   \
	  "had not answered yet")                                              \
	X(ACK_COOKIE_INVALID, "ack_cookie_invalid",                            \
	  "ACKs with a bad, stale or forged cookie, dropped")                  \
	X(HANDOFF_NO_META, "handoff_no_meta",                                  \
	  "cookie ACKs XDP passed without metadata (the driver had no room): TC validated them") \
	X(CONN_HANDED, "conn_handed",                                          \
	  "valid cookie ACKs handed to a listening socket (TC); segments "     \
	  "handed over again count in ack_cookie_again, also when they make "  \
	  "the connection")                                                    \
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
	  "bad or truncated TCP header, or a SYN's malformed options, dropped") \
	X(FRAG_PASSED, "frag_passed",                                          \
	  "TCP fragments but SYNs to protected ports, passed to the kernel")   \
	X(FRAG_SYN_DROPPED, "frag_syn_dropped",                                \
	  "first fragments of SYNs to protected ports, dropped")               \
	X(FRAG_TINY_DROPPED, "frag_tiny_dropped",                              \
	  "first TCP fragments without the whole TCP header, dropped")         \
	X(VLAN_DEEP_DROPPED, "vlan_deep_dropped",                              \
	  "frames with a third VLAN tag, dropped unread")                      \
	X(EXT_DEEP_DROPPED, "ext_deep_dropped",                                \
	  "IPv6 frames with a fifth extension header, dropped unread")         \
	X(AH_PASSED, "ah_passed",                                              \
	  "IPsec AH frames, passed unread: the kernel checks them first")      \
	X(UNPARSED_PASSED, "unparsed_passed",                                  \
	  "frames TC passed unread: headers it couldn't pull or parse (egress, hand-off)") \
	X(CT_NEW_COOKIE, "ct_new_cookie",                                      \
	  "connections tracked from a valid cookie ACK")                       \
	X(CT_NEW_KERNEL, "ct_new_kernel",                                      \
	  "connections tracked from the kernel's own SYN-ACK (TC egress)")     \
	X(CT_ADOPTED, "ct_adopted",                                            \
	  "connections the kernel already had, adopted into the table")        \
	X(ADOPT_SKIPPED, "adopt_skipped",                                      \
	  "segments in no entry dropped unasked: socket lookups over budget")  \
	X(CT_REPLACED, "ct_replaced",                                          \
	  "TIME-WAIT or closed entries replaced by a new connection")          \
	X(CT_CONN_CLOSED, "ct_conn_closed",                                    \
	  "connections closed at both ends, or reset")                         \
	X(CT_TRACK_FAILED, "ct_track_failed",                                  \
	  "connections not tracked: the table update failed")                  \
	X(CT_FIN, "ct_fin", "first FINs, per direction")                       \
	X(CT_FIN_RETRANS, "ct_fin_retrans",                                    \
	  "retransmitted FINs (same sequence number)")                         \
	X(CT_FIN_INVALID, "ct_fin_invalid",                                    \
	  "FINs with a different sequence number, dropped")                    \
	X(CT_FIN_ACKED, "ct_fin_acked", "FINs acknowledged exactly")           \
	X(CT_DATA_AFTER_FIN, "ct_data_after_fin",                              \
	  "data past a FIN in the same direction, dropped")                    \
	X(CT_TO_FIN_WAIT_1, "ct_to_fin_wait_1", "endpoints to FIN-WAIT-1")     \
	X(CT_TO_FIN_WAIT_2, "ct_to_fin_wait_2", "endpoints to FIN-WAIT-2")     \
	X(CT_TO_CLOSING, "ct_to_closing", "endpoints to CLOSING")              \
	X(CT_TO_TIME_WAIT, "ct_to_time_wait", "endpoints to TIME-WAIT")        \
	X(CT_TO_CLOSE_WAIT, "ct_to_close_wait", "endpoints to CLOSE-WAIT")     \
	X(CT_TO_LAST_ACK, "ct_to_last_ack", "endpoints to LAST-ACK")           \
	X(CT_TO_CLOSED, "ct_to_closed", "endpoints to CLOSED")                 \
	X(CT_TW_ABSORBED, "ct_tw_absorbed",                                    \
	  "late segments of a closed connection (TIME-WAIT) absorbed")         \
	X(CT_RST_VALID, "ct_rst_valid",                                        \
	  "RSTs at the expected sequence number (or the local kernel's), "     \
	  "connection closed")                                                 \
	X(CT_RST_CHALLENGED, "ct_rst_challenged",                              \
	  "RSTs in the window but not exact: passed for the kernel's "         \
	  "challenge ACK, connection kept (RFC 5961)")                         \
	X(CT_RST_INVALID, "ct_rst_invalid",                                    \
	  "RSTs outside the window, dropped (RFC 5961)")                       \
	X(CT_OUT_OF_WINDOW, "ct_out_of_window",                                \
	  "segments far outside the window: passed, the table left alone")    \
	X(CT_RST_UNKNOWN, "ct_rst_unknown",                                    \
	  "RSTs for no known connection, dropped")                             \
	X(EVENTS_SENT, "events_sent", "events sent to synfind")                \
	X(EVENTS_DROPPED, "events_dropped",                                    \
	  "events not sent: over the rate limit or the ring full")            \
	X(CT_LOCK_BUSY, "ct_lock_busy",                                        \
	  "segments that found their entry locked too long, tracked unlocked") \
	X(SYN_NO_KEY, "syn_no_key",                                            \
	  "SYNs passed to the kernel: no cookie key for the period (synfind gone)")

#define SYNFIN_COUNTER_ENUM(id, name, help) SYNFIN_C_##id,
enum synfin_counter { SYNFIN_COUNTERS(SYNFIN_COUNTER_ENUM) SYNFIN_C__MAX };
#undef SYNFIN_COUNTER_ENUM

/* Counters per interface: map counters holds a row of SYNFIN_C__MAX for
 * each protected interface, in synfind's order (map iface_slots names
 * their ifindexes), and one more for frames seen anywhere else (a test
 * run). Key = row * SYNFIN_C__MAX + counter.
 */
#define SYNFIN_MAX_IFACES 16
#define SYNFIN_IFACE_OTHER SYNFIN_MAX_IFACES
#define SYNFIN_IFACE_ROWS (SYNFIN_MAX_IFACES + 1)

struct synfin_iface_slots {
	__u32 n;			/* interfaces below */
	__u32 ifindex[SYNFIN_MAX_IFACES];
};

/* Run-time settings of the responder (map cfg_map, key 0). */
enum synfin_cfg_flags {
	SYNFIN_CFG_SACK = 1 << 0,	/* offer SACK-permitted */
	SYNFIN_CFG_TS = 1 << 1,		/* offer timestamps */
	SYNFIN_CFG_ECN = 1 << 2,	/* answer an ECN SYN with ECE */
	SYNFIN_CFG_WSCALE = 1 << 3,	/* offer window scaling */
	SYNFIN_CFG_PREFIXES = 1 << 4,	/* protect only destinations in the
					 * prefix maps */
};

struct synfin_cfg {
	__u16 mss4;	/* MSS the SYN-ACK offers over IPv4 */
	__u16 mss6;	/* ... and over IPv6 */
	__u16 window;	/* SYN-ACK window (never scaled) */
	__u8 wscale;	/* our own window scale, 0..14 */
	__u8 flags;	/* enum synfin_cfg_flags */
	__u32 meta_magic; /* random per load: what XDP's metadata must carry */
	__u32 key_bank;	/* the bank of secrets_map in use, 0 or 1 */
	/* The cookie clock is the coarse CLOCK_MONOTONIC plus this: 0 for a
	 * key of the host's own; CLOCK_REALTIME - CLOCK_MONOTONIC for a fleet
	 * key, so that every host of the fleet counts the same periods.
	 */
	__u64 clock_ns;
};

/* Protected destination ports, one bit each (map ports_map, key 0). */
struct synfin_ports {
	__u64 bits[65536 / 64];
};

/* Protected destination prefixes (maps prefixes4, prefixes6: LPM tries). */
struct synfin_lpm4 {
	__u32 prefixlen;
	__u32 addr;		/* network order */
};

struct synfin_lpm6 {
	__u32 prefixlen;
	__u32 addr[4];		/* network order */
};

#define SYNFIN_MAX_PREFIXES 256

/* Cookie keys. Each time period c (the counter below) has a key of its
 * own, derived from a master key by synfind (daemon/synfind/secrets.c),
 * in slot c % 3 of a set: during period c the data path reads the keys of
 * c - 1, c and c + 1, and as c begins synfind writes c + 1's in the slot
 * of c - 2, which nothing reads any more. Set 0 issues and accepts; set 1, a fleet's second
 * master key while it rolls, only accepts. A reload writes both sets in
 * the bank not in use and then switches synfin_cfg.key_bank, so no
 * reader ever sees a half-written key. A key names its period: in any
 * other it is no key (synfind stopped and its keys ran out).
 */
#define SYNFIN_SECRET_SLOTS 3
#define SYNFIN_SECRET_SETS 2
#define SYNFIN_SECRET_BANKS 2
#define SYNFIN_SECRET_ENTRIES                                                  \
	(SYNFIN_SECRET_SLOTS * SYNFIN_SECRET_SETS * SYNFIN_SECRET_BANKS)
#define SYNFIN_COUNTER_NONE (~0ULL)	/* an empty slot's counter */
struct synfin_secret {
	__u64 k0;
	__u64 k1;
	__u64 counter;	/* the period it is the key of */
};

static inline __u32 synfin_secret_index(__u32 bank, __u32 set, __u32 slot)
{
	return (bank * SYNFIN_SECRET_SETS + set) * SYNFIN_SECRET_SLOTS + slot;
}

/* Time counter: the cookie clock (synfin_cfg.clock_ns) in ns >> 36, one
 * period every 68.7 s. A cookie names its period by parity; a checker
 * takes it for its own period or the one before, as its clock reads
 * SYNFIN_CLOCK_SKEW_NS ahead. So a host whose clock is up to 8.6 s behind
 * or ahead of the issuer's accepts the cookie, which lives between 60.1 s
 * and 128.8 s (between 51.5 s and 137.4 s across hosts 8.6 s apart).
 */
#define SYNFIN_COUNTER_SHIFT 36
#define SYNFIN_CLOCK_SKEW_NS (1ULL << 33)

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
 * The SipHash message (key = c's), as bytes:
 *   IPv4: saddr(4) daddr(4) sport(2) dport(2) isn(4) t(7), 23 bytes
 *   IPv6: saddr(16) daddr(16) sport(2) dport(2) isn(4) t(7), 47 bytes
 * addresses, ports and isn in network byte order, as on the wire of the
 * client's SYN (saddr is the client); t = (cookie bits 7..0) | c << 8,
 * little endian, so the options the cookie carries are authenticated too.
 * Seven bytes of t ride in SipHash's last block with the length: a block
 * fewer to hash than a whole word would take.
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

/* XDP -> TC ingress: a validated cookie ACK carries this as XDP metadata,
 * with magic = synfin_cfg.meta_magic, a random number set at load.
 */
enum synfin_meta_flags {
	SYNFIN_META_SACK = 1 << 0,
	SYNFIN_META_TS = 1 << 1,
	SYNFIN_META_ECN = 1 << 2,
	SYNFIN_META_WSCALE = 1 << 3,
	/* Handed over again (ack_cookie_again): not a new connection. */
	SYNFIN_META_AGAIN = 1 << 4,
};

struct synfin_meta {
	__u32 magic;
	__u32 tsval;	/* client's TSval in the ACK */
	__u32 tsecr;	/* the ACK's TSecr: our SYN-ACK's TSval */
	__u16 mss;	/* client's MSS from the cookie */
	__u8 snd_wscale; /* client's window scale */
	__u8 flags;	/* enum synfin_meta_flags */
};

/* Connection table (map conntrack). Endpoint states as in RFC 793. */
#define SYNFIN_TCP_STATES(X)                                                   \
	X(NONE, "NONE")                                                        \
	X(SYN_SENT, "SYN-SENT")                                                \
	X(SYN_RECV, "SYN-RECEIVED")                                            \
	X(ESTABLISHED, "ESTABLISHED")                                          \
	X(FIN_WAIT_1, "FIN-WAIT-1")                                            \
	X(FIN_WAIT_2, "FIN-WAIT-2")                                            \
	X(CLOSING, "CLOSING")                                                  \
	X(TIME_WAIT, "TIME-WAIT")                                              \
	X(CLOSE_WAIT, "CLOSE-WAIT")                                            \
	X(LAST_ACK, "LAST-ACK")                                                \
	X(CLOSED, "CLOSED")

#define SYNFIN_TCP_STATE_ENUM(id, name) SF_TCP_##id,
enum synfin_tcp_state { SYNFIN_TCP_STATES(SYNFIN_TCP_STATE_ENUM) SF_TCP__MAX };
#undef SYNFIN_TCP_STATE_ENUM

/* The two ends of a tracked connection, as seen from the interface. */
enum synfin_side {
	SF_SIDE_REMOTE = 0,	/* beyond the interface: sends what XDP sees */
	SF_SIDE_LOCAL = 1,	/* this host: sends what TC egress sees */
	SF_SIDE_NONE = 2,
};

enum synfin_ct_origin {
	SF_CT_COOKIE = 1,	/* a valid cookie ACK */
	SF_CT_KERNEL = 2,	/* the kernel's own SYN-ACK */
	SF_CT_ADOPTED = 3,	/* a socket the kernel already had */
};

/* Canonical key: the same for both directions of a connection. */
struct synfin_ct_key {
	__u32 raddr[4];		/* network order; IPv4 uses word 0 */
	__u32 laddr[4];
	__be16 rport;
	__be16 lport;
	__u32 family;		/* 4 or 6 */
};

enum synfin_ct_side_flags {
	SF_CT_FIN_SENT = 1 << 0,
	SF_CT_FIN_ACKED = 1 << 1,	/* the peer acked it exactly */
	SF_CT_SEQ_KNOWN = 1 << 2,	/* next_seq is valid */
};

struct synfin_ct_side {
	__u64 packets;
	__u64 bytes;		/* TCP payload bytes sent */
	__u32 next_seq;		/* after the highest sequence number sent */
	__u32 fin_seq;		/* sequence number of this side's FIN */
	__u32 window;		/* last advertised receive window, bytes */
	__u8 state;		/* enum synfin_tcp_state */
	__u8 flags;		/* enum synfin_ct_side_flags */
	__u8 wscale;		/* the shift this side applies to its window */
	__u8 pad;
};

struct synfin_ct_entry {
	__u64 first_ns;		/* CLOCK_MONOTONIC (bpf_ktime_get_coarse_ns) */
	__u64 last_ns;
	struct synfin_ct_side side[2];	/* indexed by enum synfin_side */
	__u8 state;		/* the connection's: its active closer's */
	__u8 opener;		/* who sent the SYN; SF_SIDE_NONE if adopted */
	__u8 closer;		/* who sent the first FIN; SF_SIDE_NONE */
	__u8 origin;		/* enum synfin_ct_origin */
	__u16 mss;		/* the client's MSS from the cookie, 0 if none */
	__u8 opts;		/* enum synfin_meta_flags negotiated */
	__u8 close_counted;	/* its close was counted (and told) once */
	__u32 remote_isn;	/* the remote side's ISN, when known */
	__u8 handed;		/* TC handed its cookie ACK over without metadata */
	__u8 pad2[3];
	/* Held (1) by the CPU updating the entry from a segment: XDP and TC
	 * egress run the two directions on two CPUs at once (bpf/conntrack.h,
	 * ct_lock). 64 bits: clang 14's BPF cmpxchg without -mcpu=v3.
	 */
	__u64 lock;
};

#define SYNFIN_CT_DEFAULT_ENTRIES (1u << 20)

/* The table's filter (map ct_filter): a bitmap of the tuples that may have
 * an entry, so the SYNs and forged ACKs of a flood, whose tuples have none,
 * skip the hash lookup. Word 0 is a header; two buffers of 2^log2 words
 * follow. The BPF side sets a tuple's bit in both buffers before it adds
 * the entry; synfind clears the spare buffer when a sweep pass begins, sets
 * the bit of every entry the pass meets, and makes the spare live when the
 * pass ends. So a live bit is never missing for an entry, and bits of
 * entries gone since (stale) cost only a lookup. A header without VALID
 * (a table from before the filter) means: always look up.
 */
#define SYNFIN_FILTER_BITS_PER_ENTRY 8
#define SYNFIN_FILTER_LIVE 1ULL		/* buffer 1 is live, else 0 */
#define SYNFIN_FILTER_VALID 2ULL	/* the live buffer may be trusted */
#define SYNFIN_FILTER_LOG2_SHIFT 8	/* log2 of the words per buffer */

/* log2 of the words in each buffer for a table of ct_entries. */
static inline __u32 synfin_filter_log2(__u32 ct_entries)
{
	__u64 words = ((__u64)ct_entries * SYNFIN_FILTER_BITS_PER_ENTRY + 63) / 64;
	__u32 l = 0;

	while ((1ULL << l) < words)
		l++;
	return l;
}

/* The map's entries: the header and both buffers. */
static inline __u32 synfin_filter_entries(__u32 ct_entries)
{
	return 1 + (2u << synfin_filter_log2(ct_entries));
}

/* The map index of the word that holds hash h's bit in buffer buf (0 or
 * 1) of a filter of 2^log2 words a buffer; h's bits 0-5 are the bit.
 */
static inline __u32 synfin_filter_word(__u32 log2, __u32 buf, __u64 h)
{
	return 1 + (buf << log2) + ((__u32)(h >> 6) & ((1u << log2) - 1));
}

/* A tuple's bit: bits 0-5 the bit in its word, the rest the word. */
static inline __u64 synfin_filter_hash(const struct synfin_ct_key *k)
{
	__u64 h = (__u64)(k->raddr[0] ^ k->raddr[1] ^ k->raddr[2] ^ k->raddr[3]) << 32 |
		  (k->laddr[0] ^ k->laddr[1] ^ k->laddr[2] ^ k->laddr[3]);

	h ^= ((__u64)k->rport << 16 | k->lport | (__u64)k->family << 32) *
	     0x9e3779b97f4a7c15ULL;
	/* MurmurHash3's 64-bit finaliser. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Rare things the programs tell synfind about (ring buffer "events"), at
 * most SYNFIN_EVENTS_PER_S a second from each CPU.
 */
#define SYNFIN_EVENTS_PER_S 1000
#define SYNFIN_EVENTS_RING (256 * 1024)

#define SYNFIN_EVENT_TYPES(X)                                                  \
	X(ESTABLISHED, "established")                                          \
	X(ADOPTED, "adopted")                                                  \
	X(CLOSED, "closed")                                                    \
	X(RESET, "reset")

#define SYNFIN_EVENT_ENUM(id, name) SF_EV_##id,
enum synfin_event_type { SYNFIN_EVENT_TYPES(SYNFIN_EVENT_ENUM) SF_EV__MAX };
#undef SYNFIN_EVENT_ENUM

struct synfin_event {
	__u64 ts_ns;
	struct synfin_ct_key key;
	__u32 type;		/* enum synfin_event_type */
	__u8 state;		/* the connection's, after the event */
	__u8 origin;
	__u16 pad;
};

/* A per-CPU budget a second (maps event_budget, adopt_budget_map). */
struct synfin_rate_budget {
	__u64 window_ns;	/* start of the current second */
	__u32 sent;
	__u32 pad;
};

#endif /* SYNFIN_H */
