// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "config.h"
#include "expiry.h"
#include "loader.h"
#include "synfin.skel.h"
#include "testload.h"

static struct synfin *load(__u32 ct_entries, __u32 no_meta)
{
	struct synfin *skel;
	int err;

	skel = synfin__open();
	if (!skel) {
		err = -errno;
		pr_err("Couldn't open the BPF object: %s (%d)", strerror(-err), err);
		errno = -err;
		return NULL;
	}
	skel->rodata->force_no_meta = no_meta;
	if (synfin_set_ct_size(skel, ct_entries) || synfin_load_opened(skel, 1)) {
		err = errno;
		synfin__destroy(skel);
		errno = err;
		return NULL;
	}
	return skel;
}

struct synfin *synfin_load_sized(__u32 ct_entries)
{
	return load(ct_entries, 0);
}

struct synfin *synfin_load_no_meta(__u32 ct_entries)
{
	return load(ct_entries, 1);
}

void synfin_cfg_default(struct synfin_cfg *cfg, unsigned int mtu)
{
	struct config c;

	config_defaults(&c);
	synfin_cfg_from_config(&c, mtu, cfg);
}

void expiry_policy_default(struct expiry_policy *pol, __u64 time_wait_ms)
{
	struct config c;

	config_defaults(&c);
	c.time_wait_ms = time_wait_ms;
	expiry_policy_from_config(pol, &c);
}

int ct_sweep(int map_fd, const struct expiry_policy *pol, __u64 now_ns,
	     struct expiry_stats *st)
{
	struct sweep_cursor cur = {};
	struct expiry_stats one;
	int r;

	memset(st, 0, sizeof(*st));
	do {
		r = ct_sweep_slice(map_fd, pol, now_ns, ~0u, &cur, &one);
		if (r < 0)
			return r;
		st->scanned += one.scanned;
		st->removed += one.removed;
		st->removed_time_wait += one.removed_time_wait;
		st->removed_closed += one.removed_closed;
		st->removed_idle += one.removed_idle;
	} while (!r);
	return 0;
}
