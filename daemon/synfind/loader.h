/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_LOADER_H
#define SYNFIN_LOADER_H

#include <net/if.h>
#include "synfin.h"

struct synfin;
struct config;

/* Sizes the connection table (and its filter) of an opened skeleton. */
int synfin_set_ct_size(struct synfin *skel, __u32 ct_entries);
/* Loads a skeleton already opened (and adjusted: sizes, reused maps);
 * table_fresh: the connection table is new, not kept in pins. Returns 0,
 * or -1 with a logged reason and errno.
 */
int synfin_load_opened(struct synfin *skel, int table_fresh);
/* The programs' settings from c, for an interface MTU (MSS from it when
 * c leaves it automatic).
 */
void synfin_cfg_from_config(const struct config *c, int mtu, struct synfin_cfg *cfg);
int synfin_set_cfg(struct synfin *skel, const struct synfin_cfg *cfg);
/* The interfaces' ifindexes, in the order of their rows of counters. */
int synfin_set_ifaces(struct synfin *skel, const char (*names)[IF_NAMESIZE], int n);
int synfin_set_ports(struct synfin *skel, const struct synfin_ports *ports);
/* The kernel's id of a program or map fd (what bpftool shows), 0 if none. */
unsigned int synfin_obj_id(int fd);
struct prefix;
/* Replaces the protected prefixes with these n. */
int synfin_set_prefixes(struct synfin *skel, const struct prefix *p, int n);

#endif
