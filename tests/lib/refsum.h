/* SPDX-License-Identifier: GPL-2.0 */
/* Reference checksums and SipHash for the tests. Written apart from bpf/
 * on purpose: a bug shared by both sides would pass every check.
 */
#ifndef SYNFIN_TEST_REFSUM_H
#define SYNFIN_TEST_REFSUM_H

#include <stddef.h>
#include <stdint.h>

/* RFC 1071 checksum of buf, host order: 0 when buf holds a correct one. */
uint16_t ref_csum16(const void *buf, size_t len);

/* TCP checksum over pseudo-header and segment as it stands, check field
 * included: 0 when the segment's checksum is correct.
 */
uint16_t ref_tcp_csum4(const uint8_t saddr[4], const uint8_t daddr[4],
		       const void *tcp, size_t tcplen);
uint16_t ref_tcp_csum6(const uint8_t saddr[16], const uint8_t daddr[16],
		       const void *tcp, size_t tcplen);

/* Zero the check field (offset 16), then write the correct checksum there
 * in network order. Returns the value written, host order.
 */
uint16_t ref_tcp_csum4_fill(const uint8_t saddr[4], const uint8_t daddr[4],
			    void *tcp, size_t tcplen);
uint16_t ref_tcp_csum6_fill(const uint8_t saddr[16], const uint8_t daddr[16],
			    void *tcp, size_t tcplen);

/* SipHash-2-4 of msg under a 16-byte key, byte-oriented and host-neutral. */
uint64_t ref_siphash24(const uint8_t key[16], const void *msg, size_t len);

#endif
