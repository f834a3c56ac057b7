// SPDX-License-Identifier: GPL-2.0
/* synfin-flood's frames: the templates the BPF program copies, with the
 * sums of their constant words, and the userspace builder that draws the
 * random fields the way the program does, for the AF_PACKET sender.
 */
#include <arpa/inet.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include "flood.h"

#define ETH_HLEN 14
#define IP4_HLEN 20
#define IP6_HLEN 40
#define TCP_HLEN 20
#define TCP_WINDOW 64240	/* what Linux offers before scaling */
#define TCP_WSCALE 7
#define HOP_LIMIT 64

/* Offsets within the TCP header. */
#define TCP_OFF_SPORT 0
#define TCP_OFF_SEQ 4
#define TCP_OFF_ACK 8
#define TCP_OFF_CHECK 16
/* Offsets within the IPv4 header. */
#define IP4_OFF_ID 4
#define IP4_OFF_CHECK 10
#define IP4_OFF_SADDR 12

/* FIN comes with ACK, as from a host closing a connection. */
static const __u8 type_flags[FLOOD_NTMPL] = {
	[FLOOD_SYN] = TH_SYN,
	[FLOOD_ACK] = TH_ACK,
	[FLOOD_FIN] = TH_FIN | TH_ACK,
	[FLOOD_RST] = TH_RST,
};

/* 16-bit words as they lie in memory, not folded: the BPF program sums
 * the same way (csum.h), so the two sums agree.
 */
static __u64 sum16(const void *p, size_t len)
{
	const __u8 *b = p;
	__u64 sum = 0;
	__u16 w;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, b + i, 2);
		sum += w;
	}
	return sum;
}

static __u16 fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put16(__u8 *p, __u16 host)
{
	__u16 be = htons(host);

	memcpy(p, &be, 2);
}

void flood_tmpl_build(const struct flood_spec *s, enum flood_type t,
		      struct flood_tmpl *tp)
{
	__u32 l3 = s->ipv6 ? IP6_HLEN : IP4_HLEN;
	__u32 tcp_len = TCP_HLEN + (t == FLOOD_SYN ? FLOOD_SYN_OPTLEN : 0);
	__u8 *f = tp->frame, *ip = f + ETH_HLEN, *th = ip + l3, *opt;
	__u32 alen = s->ipv6 ? 16 : 4;

	memset(tp, 0, sizeof(*tp));
	tp->len = ETH_HLEN + l3 + tcp_len;
	memcpy(f, s->dst_mac, 6);
	memcpy(f + 6, s->src_mac, 6);
	put16(f + 12, s->ipv6 ? 0x86dd : 0x0800);

	if (s->ipv6) {
		ip[0] = 0x60;
		put16(ip + 4, tcp_len);
		ip[6] = IPPROTO_TCP;
		ip[7] = HOP_LIMIT;
		memcpy(ip + 8, s->saddr, 16);
		memcpy(ip + 24, s->daddr, 16);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, IP4_HLEN + tcp_len);
		put16(ip + 6, 0x4000);	/* DF */
		ip[8] = HOP_LIMIT;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + IP4_OFF_SADDR, s->saddr, 4);
		memcpy(ip + 16, s->daddr, 4);
		tp->ip_sum = sum16(ip, IP4_HLEN);
	}

	put16(th + 2, s->dport);
	th[12] = (tcp_len / 4) << 4;
	th[13] = type_flags[t];
	put16(th + 14, t == FLOOD_RST ? 0 : TCP_WINDOW);
	if (t == FLOOD_SYN) {
		/* Linux's own SYN options, in its order. */
		opt = th + TCP_HLEN;
		opt[0] = TCPOPT_MAXSEG;
		opt[1] = TCPOLEN_MAXSEG;
		put16(opt + 2, s->mss);
		opt[4] = TCPOPT_SACK_PERMITTED;
		opt[5] = TCPOLEN_SACK_PERMITTED;
		opt[6] = TCPOPT_TIMESTAMP;
		opt[7] = TCPOLEN_TIMESTAMP;
		/* TSval at FLOOD_OFF_TSVAL (8) and TSecr stay zero. */
		opt[16] = TCPOPT_NOP;
		opt[17] = TCPOPT_WINDOW;
		opt[18] = TCPOLEN_WINDOW;
		opt[19] = TCP_WSCALE;
	}
	/* Pseudo-header: addresses, then protocol and length as 32-bit words. */
	tp->tcp_sum = sum16(s->saddr, alen) + sum16(s->daddr, alen) +
		      htonl(IPPROTO_TCP) + htonl(tcp_len) + sum16(th, tcp_len);
}

void flood_rng_seed(struct flood_rng *rng)
{
	if (getrandom(&rng->s, sizeof(rng->s), 0) != sizeof(rng->s))
		rng->s = (__u64)time(NULL) ^ ((__u64)getpid() << 32) ^ (__u64)(long)rng;
}

static __u32 rng32(struct flood_rng *rng)
{
	__u64 z = (rng->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) >> 32;
}

/* Mirrors flood_build() in bpf/flood/flood.bpf.c. */
__u32 flood_frame_fill(const struct flood_spec *s, const struct flood_tmpl *tp,
		       enum flood_type t, struct flood_rng *rng, __u8 *buf)
{
	__u8 *ip = buf + ETH_HLEN, *th = ip + (s->ipv6 ? IP6_HLEN : IP4_HLEN);
	__u64 tcp_sum = tp->tcp_sum;
	__u32 r, host, seq, word, w;
	__u16 sport, id, check;
	int i;

	memcpy(buf, tp->frame, tp->len);
	r = rng32(rng);
	sport = htons(FLOOD_PORT_MIN + r % (65536 - FLOOD_PORT_MIN));
	if (s->ipv6) {
		for (i = 0; i < 4; i++) {
			if (!s->src_hostmask[i])
				continue;
			host = rng32(rng) & s->src_hostmask[i];
			memcpy(&w, ip + 8 + 4 * i, 4);
			w |= host;
			memcpy(ip + 8 + 4 * i, &w, 4);
			tcp_sum += host;
		}
	} else {
		id = r >> 16;
		host = s->src_hostmask[0] ? rng32(rng) & s->src_hostmask[0] : 0;
		memcpy(&w, ip + IP4_OFF_SADDR, 4);
		w |= host;
		memcpy(ip + IP4_OFF_SADDR, &w, 4);
		memcpy(ip + IP4_OFF_ID, &id, 2);
		check = fold((__u64)tp->ip_sum + host + id);
		memcpy(ip + IP4_OFF_CHECK, &check, 2);
		tcp_sum += host;
	}
	seq = rng32(rng);
	word = rng32(rng);
	memcpy(th + TCP_OFF_SPORT, &sport, 2);
	memcpy(th + TCP_OFF_SEQ, &seq, 4);
	if (t == FLOOD_SYN)
		memcpy(th + TCP_HLEN + FLOOD_OFF_TSVAL, &word, 4);
	else
		memcpy(th + TCP_OFF_ACK, &word, 4);
	check = fold(tcp_sum + sport + seq + word);
	memcpy(th + TCP_OFF_CHECK, &check, 2);
	return tp->len;
}
