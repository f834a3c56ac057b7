/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_LOADER_H
#define SYNFIN_LOADER_H

#include "synfin.h"
#include "synfin.skel.h"

/* Opens and loads the BPF object. NULL and a logged reason on failure;
 * errno tells why.
 */
struct synfin *synfin_load(void);
/* The same with a connection table of ct_entries entries. */
struct synfin *synfin_load_sized(__u32 ct_entries);
/* Sizes the connection table (and its filter) of an opened skeleton. */
int synfin_set_ct_size(struct synfin *skel, __u32 ct_entries);
/* Loads a skeleton already opened (and adjusted: sizes, reused maps);
 * table_fresh: the connection table is new, not kept in pins. Returns 0,
 * or -1 with a logged reason and errno.
 */
int synfin_load_opened(struct synfin *skel, int table_fresh);
/* Defaults: MSS from the MTU, window scale 7, every option offered. */
void synfin_cfg_default(struct synfin_cfg *cfg, unsigned int mtu);
int synfin_set_cfg(struct synfin *skel, const struct synfin_cfg *cfg);
int synfin_set_ports(struct synfin *skel, const struct synfin_ports *ports);
/* The kernel's id of a program or map fd (what bpftool shows), 0 if none. */
unsigned int synfin_obj_id(int fd);
struct prefix;
/* Replaces the protected prefixes with these n. */
int synfin_set_prefixes(struct synfin *skel, const struct prefix *p, int n);

#endif
