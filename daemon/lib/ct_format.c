// SPDX-License-Identifier: GPL-2.0
/* The connection table, as JSON for the control socket and synfinctl. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "ct_format.h"

#define STATE_NAME(id, name) [SF_TCP_##id] = name,
const char *const synfin_tcp_state_names[SF_TCP__MAX] = {
	SYNFIN_TCP_STATES(STATE_NAME)
};

static const char *const side_names[] = { "remote", "local", "none" };
const char *const synfin_origin_names[4] = { "none", "cookie", "kernel",
					     "adopted" };

const char *tcp_state_name(unsigned int state)
{
	return state < SF_TCP__MAX ? synfin_tcp_state_names[state] : "?";
}

int tcp_state_parse(const char *s)
{
	int i, found = -1;
	size_t n = strlen(s);

	for (i = 0; i < SF_TCP__MAX; i++) {
		if (!strcasecmp(s, synfin_tcp_state_names[i]))
			return i;
		if (n && !strncasecmp(s, synfin_tcp_state_names[i], n)) {
			if (found >= 0)
				return -1;
			found = i;
		}
	}
	return found;
}

void ct_endpoint_format(const struct synfin_ct_key *k, int local, char *buf,
			size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(k->family == 6 ? AF_INET6 : AF_INET, local ? k->laddr : k->raddr,
		  ip, sizeof(ip));
	snprintf(buf, len, k->family == 6 ? "[%s]:%u" : "%s:%u", ip,
		 ntohs(local ? k->lport : k->rport));
}

static json_object *endpoint(const struct synfin_ct_key *k, int local)
{
	char buf[INET6_ADDRSTRLEN + 8];

	ct_endpoint_format(k, local, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static json_object *side_json(const struct synfin_ct_side *s)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "state",
			       json_object_new_string(tcp_state_name(s->state)));
	json_object_object_add(o, "packets", json_object_new_int64(s->packets));
	json_object_object_add(o, "bytes", json_object_new_int64(s->bytes));
	json_object_object_add(o, "next_seq", json_object_new_int64(s->next_seq));
	json_object_object_add(o, "window", json_object_new_int64(s->window));
	json_object_object_add(o, "wscale", json_object_new_int(s->wscale));
	if (s->flags & SF_CT_FIN_SENT) {
		json_object_object_add(o, "fin_seq",
				       json_object_new_int64(s->fin_seq));
		json_object_object_add(o, "fin_acked",
				       json_object_new_boolean(s->flags & SF_CT_FIN_ACKED));
	}
	return o;
}

/* The client is the side that sent the SYN: the remote one, unless the
 * local side opened (an adopted connection's opener is unknown: remote).
 */
static void client_server_json(json_object *o, const struct synfin_ct_key *k,
			       const struct synfin_ct_entry *e)
{
	int cl = e->opener == SF_SIDE_LOCAL;
	char ip[INET6_ADDRSTRLEN];
	int af = k->family == 6 ? AF_INET6 : AF_INET;

	inet_ntop(af, cl ? k->laddr : k->raddr, ip, sizeof(ip));
	json_object_object_add(o, "saddr", json_object_new_string(ip));
	json_object_object_add(o, "sport", json_object_new_int(ntohs(cl ? k->lport : k->rport)));
	inet_ntop(af, cl ? k->raddr : k->laddr, ip, sizeof(ip));
	json_object_object_add(o, "daddr", json_object_new_string(ip));
	json_object_object_add(o, "dport", json_object_new_int(ntohs(cl ? k->rport : k->lport)));
	json_object_object_add(o, "client_state",
			       json_object_new_string(tcp_state_name(e->side[cl].state)));
	json_object_object_add(o, "server_state",
			       json_object_new_string(tcp_state_name(e->side[!cl].state)));
}

json_object *ct_entry_json(const struct synfin_ct_key *k,
			   const struct synfin_ct_entry *e, __u64 now_ns)
{
	json_object *o = json_object_new_object();
	json_object *opts = json_object_new_array();

	json_object_object_add(o, "state",
			       json_object_new_string(tcp_state_name(e->state)));
	json_object_object_add(o, "remote", endpoint(k, 0));
	json_object_object_add(o, "local", endpoint(k, 1));
	client_server_json(o, k, e);
	json_object_object_add(o, "origin",
			       json_object_new_string(e->origin < 4 ? synfin_origin_names[e->origin] : "?"));
	json_object_object_add(o, "opener",
			       json_object_new_string(side_names[e->opener < 3 ? e->opener : 2]));
	json_object_object_add(o, "closer",
			       json_object_new_string(side_names[e->closer < 3 ? e->closer : 2]));
	json_object_object_add(o, "age_ms",
			       json_object_new_int64(now_ns > e->first_ns ? (now_ns - e->first_ns) / 1000000 : 0));
	json_object_object_add(o, "idle_ms",
			       json_object_new_int64(now_ns > e->last_ns ? (now_ns - e->last_ns) / 1000000 : 0));
	if (e->mss)
		json_object_object_add(o, "mss", json_object_new_int(e->mss));
	if (e->opts & SYNFIN_META_SACK)
		json_object_array_add(opts, json_object_new_string("sack"));
	if (e->opts & SYNFIN_META_TS)
		json_object_array_add(opts, json_object_new_string("ts"));
	if (e->opts & SYNFIN_META_WSCALE)
		json_object_array_add(opts, json_object_new_string("wscale"));
	if (e->opts & SYNFIN_META_ECN)
		json_object_array_add(opts, json_object_new_string("ecn"));
	json_object_object_add(o, "options", opts);
	json_object_object_add(o, "remote_side", side_json(&e->side[SF_SIDE_REMOTE]));
	json_object_object_add(o, "local_side", side_json(&e->side[SF_SIDE_LOCAL]));
	return o;
}
