// SPDX-License-Identifier: GPL-2.0
/* A control request line (control_req.c), as control.c reads it: the JSON
 * object and its command, then the arguments of conns, flush and ports.
 * No socket and no map: the daemon's side ends where these checks do.
 */
#include "fuzz_text.h"
#include "control_proto.h"
#include "ports.h"
#include "control_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line, err[512];
	struct conns_args ca;
	struct synfin_ports p;
	json_object *req;
	const char *cmd;
	int state, r;

	if (size >= CONTROL_MAX_REQUEST)	/* control.c refuses longer ones */
		return 0;
	line = fuzz_cstr(data, size);
	req = control_req_parse(line, &cmd, err, sizeof(err));
	if (!req)
		goto out;
	if (!strcmp(cmd, CONTROL_CMD_CONNS)) {
		if (!control_conns_args(req, &ca, err, sizeof(err)) &&
		    (ca.limit < 1 || ca.port < 0 || ca.port > 65535))
			abort();	/* accepted out of range */
	} else if (!strcmp(cmd, CONTROL_CMD_FLUSH)) {
		if (!control_flush_args(req, &state, err, sizeof(err)) &&
		    (state < 0 || state >= SF_TCP__MAX))
			abort();
	} else if (!strcmp(cmd, CONTROL_CMD_PORTS)) {
		if (ports_parse("80,443", &p, err, sizeof(err)))
			abort();
		r = control_ports_args(req, &p, err, sizeof(err));
		if (r >= 0 && !ports_count(&p))
			abort();	/* left no port */
	}
	json_object_put(req);
out:
	free(line);
	return 0;
}
