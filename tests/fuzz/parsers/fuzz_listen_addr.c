// SPDX-License-Identifier: GPL-2.0
/* The metrics address, ADDR:PORT (listen_addr_parse): what parses prints
 * back as the same address and port.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include "fuzz_text.h"
#include "listen_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), err[512], host[INET6_ADDRSTRLEN], back[128];
	struct sockaddr_storage ss, ss2;
	socklen_t len, len2;

	if (!listen_addr_parse(s, &ss, &len, err, sizeof(err))) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
			snprintf(back, sizeof(back), "%s:%u", host, ntohs(in->sin_port));
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
			snprintf(back, sizeof(back), "[%s]:%u", host, ntohs(in6->sin6_port));
		} else {
			abort();	/* parsed, but no family */
		}
		if (listen_addr_parse(back, &ss2, &len2, err, sizeof(err)) || len != len2 ||
		    memcmp(&ss, &ss2, len))
			abort();	/* printed back, it is another address */
	}
	free(s);
	return 0;
}
