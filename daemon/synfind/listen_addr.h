/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_LISTEN_ADDR_H
#define SYNFIN_LISTEN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

/* "ADDR:PORT" with a numeric IPv4 address or a bracketed IPv6 one
 * ("127.0.0.1:9469", "[::1]:9469"; port 0 picks one). Returns 0, or -1
 * with the reason in err.
 */
int listen_addr_parse(const char *s, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen);

#endif
