// SPDX-License-Identifier: GPL-2.0
/* Loading the BPF object and writing its run-time settings. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "loader.h"

struct synfin *synfin_load(void)
{
	return synfin_load_sized(SYNFIN_CT_DEFAULT_ENTRIES);
}

struct synfin *synfin_load_sized(__u32 ct_entries)
{
	struct synfin *skel;
	int err;

	skel = synfin__open();
	if (!skel) {
		err = -errno;
		pr_err("Couldn't open the BPF object: %s (%d)", strerror(-err),
		       err);
		errno = -err;
		return NULL;
	}
	err = bpf_map__set_max_entries(skel->maps.conntrack, ct_entries);
	if (!err)
		err = synfin__load(skel);
	if (err) {
		pr_err("Couldn't load the BPF programs: %s (%d)%s",
		       strerror(-err), err,
		       err == -EPERM ? ": synfind needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON" :
		       " (-v shows the verifier's log)");
		synfin__destroy(skel);
		errno = -err;
		return NULL;
	}
	return skel;
}

void synfin_cfg_default(struct synfin_cfg *cfg, unsigned int mtu)
{
	memset(cfg, 0, sizeof(*cfg));
	if (mtu < 1280)
		mtu = 1500;
	cfg->mss4 = mtu - 40 > 65495 ? 65495 : mtu - 40;
	cfg->mss6 = mtu - 60 > 65475 ? 65475 : mtu - 60;
	cfg->window = 65535;
	cfg->wscale = 7;
	cfg->flags = SYNFIN_CFG_SACK | SYNFIN_CFG_TS | SYNFIN_CFG_ECN |
		     SYNFIN_CFG_WSCALE;
}

static int write_one(struct bpf_map *map, const void *val, const char *what)
{
	__u32 key = 0;

	if (bpf_map_update_elem(bpf_map__fd(map), &key, val, BPF_ANY)) {
		pr_err("Couldn't write the %s map: %s (%d)", what,
		       strerror(errno), -errno);
		return -1;
	}
	return 0;
}

int synfin_set_cfg(struct synfin *skel, const struct synfin_cfg *cfg)
{
	return write_one(skel->maps.cfg_map, cfg, "settings");
}

int synfin_set_ports(struct synfin *skel, const struct synfin_ports *ports)
{
	return write_one(skel->maps.ports_map, ports, "ports");
}
