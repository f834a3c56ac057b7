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
/* One table entry as a JSON object; now_ns gives its age. */
json_object *ct_entry_json(const struct synfin_ct_key *k,
			   const struct synfin_ct_entry *e, __u64 now_ns);

#endif
