/* SPDX-License-Identifier: GPL-2.0 */
/* The control protocol's requests (control_proto.h), read and checked:
 * no socket, no map. control.c serves them; the fuzz targets feed them.
 * An error is one line in err, the reply's "error".
 */
#ifndef SYNFIN_CONTROL_REQ_H
#define SYNFIN_CONTROL_REQ_H

#include <stddef.h>
#include <json-c/json.h>
#include "synfin.h"

/* The request line as a JSON object with a string "cmd" (*cmd points into
 * it); NULL with the reason in err.
 */
json_object *control_req_parse(const char *line, const char **cmd, char *err,
			       size_t errlen);

/* conns [state, port, limit]. */
struct conns_args {
	int want;		/* a state, or -1 */
	long port, limit;	/* local port, or 0 */
};

int control_conns_args(json_object *req, struct conns_args *a, char *err,
		       size_t errlen);
/* flush state: the state to remove. */
int control_flush_args(json_object *req, int *state, char *err, size_t errlen);
/* ports op [spec] applied to the set *p: 1 when op changed it, 0 for list,
 * -1 with err. Never leaves *p empty.
 */
int control_ports_args(json_object *req, struct synfin_ports *p, char *err,
		       size_t errlen);

#endif
