// SPDX-License-Identifier: GPL-2.0
/* Reference checksums and SipHash-2-4, kept deliberately simple. */
#include "refsum.h"

#define TCP_CHECK_OFF	16
#define IPPROTO_TCP_NUM	6

/* Add bytes to a running sum as big-endian 16-bit words. A 64-bit
 * accumulator cannot overflow for any buffer we will ever see, so the
 * carries are folded once, at the end.
 */
static uint64_t sum_words(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;	/* pad with a zero byte */
	return sum;
}

static uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t ref_csum16(const void *buf, size_t len)
{
	return (uint16_t)~fold(sum_words(0, buf, len));
}

/* Pseudo-header fields other than the addresses are plain numbers. */
static uint64_t sum_u32(uint64_t sum, uint32_t v)
{
	return sum + (v >> 16) + (v & 0xffff);
}

uint16_t ref_tcp_csum4(const uint8_t saddr[4], const uint8_t daddr[4],
		       const void *tcp, size_t tcplen)
{
	uint64_t sum = 0;

	sum = sum_words(sum, saddr, 4);
	sum = sum_words(sum, daddr, 4);
	sum += IPPROTO_TCP_NUM;
	sum += (uint16_t)tcplen;		/* RFC 793: 16-bit TCP length */
	sum = sum_words(sum, tcp, tcplen);
	return (uint16_t)~fold(sum);
}

uint16_t ref_tcp_csum6(const uint8_t saddr[16], const uint8_t daddr[16],
		       const void *tcp, size_t tcplen)
{
	uint64_t sum = 0;

	sum = sum_words(sum, saddr, 16);
	sum = sum_words(sum, daddr, 16);
	sum = sum_u32(sum, (uint32_t)tcplen);	/* RFC 8200: 32-bit length */
	sum += IPPROTO_TCP_NUM;
	sum = sum_words(sum, tcp, tcplen);
	return (uint16_t)~fold(sum);
}

static void put_check(void *tcp, uint16_t c)
{
	uint8_t *p = tcp;

	p[TCP_CHECK_OFF] = c >> 8;
	p[TCP_CHECK_OFF + 1] = c & 0xff;
}

uint16_t ref_tcp_csum4_fill(const uint8_t saddr[4], const uint8_t daddr[4],
			    void *tcp, size_t tcplen)
{
	uint16_t c;

	put_check(tcp, 0);
	c = ref_tcp_csum4(saddr, daddr, tcp, tcplen);
	put_check(tcp, c);
	return c;
}

uint16_t ref_tcp_csum6_fill(const uint8_t saddr[16], const uint8_t daddr[16],
			    void *tcp, size_t tcplen)
{
	uint16_t c;

	put_check(tcp, 0);
	c = ref_tcp_csum6(saddr, daddr, tcp, tcplen);
	put_check(tcp, c);
	return c;
}

/* SipHash-2-4 (Aumasson, Bernstein 2012). */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

struct sip {
	uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip *s)
{
	s->v0 += s->v1; s->v1 = rotl(s->v1, 13); s->v1 ^= s->v0;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v3; s->v3 = rotl(s->v3, 16); s->v3 ^= s->v2;
	s->v0 += s->v3; s->v3 = rotl(s->v3, 21); s->v3 ^= s->v0;
	s->v2 += s->v1; s->v1 = rotl(s->v1, 17); s->v1 ^= s->v2;
	s->v2 = rotl(s->v2, 32);
}

static void sip_compress(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

uint64_t ref_siphash24(const uint8_t key[16], const void *msg, size_t len)
{
	const uint8_t *p = msg;
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	struct sip s = {
		.v0 = k0 ^ 0x736f6d6570736575ULL,	/* "somepseu" */
		.v1 = k1 ^ 0x646f72616e646f6dULL,	/* "dorandom" */
		.v2 = k0 ^ 0x6c7967656e657261ULL,	/* "lygenera" */
		.v3 = k1 ^ 0x7465646279746573ULL,	/* "tedbytes" */
	};
	size_t off;
	uint64_t last;
	int i;

	for (off = 0; off + 8 <= len; off += 8)
		sip_compress(&s, le64(p + off));

	/* Final block: the tail bytes, little-endian, length mod 256 on top. */
	last = (uint64_t)(len & 0xff) << 56;
	for (i = 0; off + i < len; i++)
		last |= (uint64_t)p[off + i] << (8 * i);
	sip_compress(&s, last);

	s.v2 ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}
