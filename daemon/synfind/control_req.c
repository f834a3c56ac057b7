// SPDX-License-Identifier: GPL-2.0
/* The control protocol's requests, read and checked (control_req.h). */
#include <stdio.h>
#include <string.h>
#include "ports.h"
#include "ct_format.h"
#include "control_req.h"

#define CONNS_DEFAULT_LIMIT 1000
#define CONNS_MAX_LIMIT 100000

json_object *control_req_parse(const char *line, const char **cmd, char *err,
			       size_t errlen)
{
	json_object *req = json_tokener_parse(line), *v;

	if (!req || !json_object_is_type(req, json_type_object)) {
		if (req)
			json_object_put(req);
		snprintf(err, errlen, "Request is not a JSON object");
		return NULL;
	}
	if (!json_object_object_get_ex(req, "cmd", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		json_object_put(req);
		snprintf(err, errlen, "Request has no \"cmd\"");
		return NULL;
	}
	*cmd = json_object_get_string(v);
	return req;
}

/* A state by name, from the request's "state". */
static int state_arg(json_object *v, int *state, char *err, size_t errlen)
{
	const char *s = json_object_get_string(v);

	*state = s ? tcp_state_parse(s) : -1;
	if (*state < 0) {
		snprintf(err, errlen, "Unknown TCP state '%s'", s ? s : "null");
		return -1;
	}
	return 0;
}

int control_conns_args(json_object *req, struct conns_args *a, char *err,
		       size_t errlen)
{
	json_object *v;

	*a = (struct conns_args){ .want = -1, .limit = CONNS_DEFAULT_LIMIT };
	if (json_object_object_get_ex(req, "state", &v) &&
	    state_arg(v, &a->want, err, errlen))
		return -1;
	if (json_object_object_get_ex(req, "limit", &v))
		a->limit = json_object_get_int64(v);
	if (json_object_object_get_ex(req, "port", &v)) {
		a->port = json_object_get_int64(v);
		if (a->port < 1 || a->port > 65535) {
			snprintf(err, errlen, "Bad port %ld: want 1 to 65535", a->port);
			return -1;
		}
	}
	if (a->limit <= 0 || a->limit > CONNS_MAX_LIMIT) {
		snprintf(err, errlen, "Bad limit %ld: want 1 to %d", a->limit,
			 CONNS_MAX_LIMIT);
		return -1;
	}
	return 0;
}

int control_flush_args(json_object *req, int *state, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(req, "state", &v)) {
		snprintf(err, errlen, "flush needs a state, e.g. TIME-WAIT");
		return -1;
	}
	return state_arg(v, state, err, errlen);
}

int control_ports_args(json_object *req, struct synfin_ports *p, char *err,
		       size_t errlen)
{
	const char *op = "list", *spec = NULL;
	struct synfin_ports q = *p, delta;
	json_object *v;
	unsigned int i;

	if (json_object_object_get_ex(req, "op", &v))
		op = json_object_get_string(v);
	if (json_object_object_get_ex(req, "spec", &v))
		spec = json_object_get_string(v);
	if (!op) {
		snprintf(err, errlen, "Unknown ports operation 'null' (list, set, add, del)");
		return -1;
	}
	if (!strcmp(op, "show") || !strcmp(op, "list"))
		return 0;
	if (!spec) {
		snprintf(err, errlen, "ports %s needs a port list", op);
		return -1;
	}
	if (ports_parse(spec, &delta, err, errlen))
		return -1;
	if (!strcmp(op, "set")) {
		q = delta;
	} else if (!strcmp(op, "add")) {
		for (i = 0; i < 65536 / 64; i++)
			q.bits[i] |= delta.bits[i];
	} else if (!strcmp(op, "del")) {
		for (i = 0; i < 65536 / 64; i++)
			q.bits[i] &= ~delta.bits[i];
	} else {
		snprintf(err, errlen, "Unknown ports operation '%s' (list, set, add, del)", op);
		return -1;
	}
	if (!ports_count(&q)) {
		snprintf(err, errlen, "Refusing to protect no port at all");
		return -1;
	}
	*p = q;
	return 1;
}
