/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CT_FORMAT_H
#define SYNFIN_CT_FORMAT_H

#include <json-c/json.h>
#include <linux/types.h>
#include "synfin.h"

extern const char *const synfin_tcp_state_names[SF_TCP__MAX];

const char *tcp_state_name(unsigned int state);
/* "ESTABLISHED" (or a unique prefix, any case) to its state, -1 if none. */
int tcp_state_parse(const char *s);
/* "198.18.0.1:40000" / "[2001:db8::1]:40000" for the remote or local end. */
void ct_endpoint_format(const struct synfin_ct_key *k, int local, char *buf,
			size_t len);
extern const char *const synfin_origin_names[4];
/* One table entry as a JSON object; now_ns gives its age. */
json_object *ct_entry_json(const struct synfin_ct_key *k,
			   const struct synfin_ct_entry *e, __u64 now_ns);

#endif
