// SPDX-License-Identifier: GPL-2.0
/* Loading the BPF object and writing its run-time settings. */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "config.h"
#include "synfin.skel.h"
#include "loader.h"
#include "ct_filter.h"

int synfin_set_ct_size(struct synfin *skel, __u32 ct_entries)
{
	if (bpf_map__set_max_entries(skel->maps.conntrack, ct_entries) ||
	    bpf_map__set_max_entries(skel->maps.ct_filter,
				     synfin_filter_entries(ct_entries))) {
		pr_err("Couldn't size the connection table: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int synfin_load_opened(struct synfin *skel, int table_fresh)
{
	int err = synfin__load(skel);

	if (!err) {
		if (!ct_filter_init(bpf_map__fd(skel->maps.ct_filter), table_fresh))
			return 0;
		err = -errno;
		pr_err("Couldn't set up the connection table's filter: %s", strerror(errno));
		errno = -err;
		return -1;
	}
	pr_err("Couldn't load the BPF programs: %s (%d)%s", strerror(-err), err,
	       err == -EPERM ? ": synfind needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON" :
	       " (-v shows the verifier's log)");
	errno = -err;
	return -1;
}

void synfin_cfg_from_config(const struct config *c, int mtu, struct synfin_cfg *cfg)
{
	if (mtu < 1280)
		mtu = 1500;
	memset(cfg, 0, sizeof(*cfg));
	cfg->mss4 = c->mss4 ? c->mss4 : (__u32)(mtu - 40 > 65495 ? 65495 : mtu - 40);
	cfg->mss6 = c->mss6 ? c->mss6 : (__u32)(mtu - 60 > 65475 ? 65475 : mtu - 60);
	cfg->window = 65535;
	cfg->wscale = c->wscale;
	if (c->sack)
		cfg->flags |= SYNFIN_CFG_SACK;
	if (c->timestamps)
		cfg->flags |= SYNFIN_CFG_TS;
	/* ECN is remembered in the TSval: it needs timestamps. */
	if (c->ecn && c->timestamps)
		cfg->flags |= SYNFIN_CFG_ECN;
	if (c->window_scaling)
		cfg->flags |= SYNFIN_CFG_WSCALE;
	if (c->nprefixes)
		cfg->flags |= SYNFIN_CFG_PREFIXES;
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

int synfin_set_ifaces(struct synfin *skel, const char (*names)[IF_NAMESIZE], int n)
{
	struct synfin_iface_slots s = {};
	int i;

	for (i = 0; i < n && i < SYNFIN_MAX_IFACES; i++)
		s.ifindex[s.n++] = if_nametoindex(names[i]);
	return write_one(skel->maps.iface_slots, &s, "interfaces");
}

int synfin_set_cfg(struct synfin *skel, const struct synfin_cfg *cfg)
{
	return write_one(skel->maps.cfg_map, cfg, "settings");
}

int synfin_set_ports(struct synfin *skel, const struct synfin_ports *ports)
{
	return write_one(skel->maps.ports_map, ports, "ports");
}

static int lpm_clear(int fd, size_t key_size)
{
	char key[sizeof(struct synfin_lpm6)], next[sizeof(struct synfin_lpm6)];

	/* Deleting the first key each time: no iterator to invalidate. */
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			return -1;
	}
	return 0;
}

int synfin_set_prefixes(struct synfin *skel, const struct prefix *p, int n)
{
	int fd4 = bpf_map__fd(skel->maps.prefixes4);
	int fd6 = bpf_map__fd(skel->maps.prefixes6);
	__u8 one = 1;
	int i, err = 0;

	if (lpm_clear(fd4, sizeof(struct synfin_lpm4)) ||
	    lpm_clear(fd6, sizeof(struct synfin_lpm6))) {
		pr_err("Couldn't clear the prefix maps: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n && !err; i++) {
		if (p[i].ipv6) {
			struct synfin_lpm6 k = { .prefixlen = p[i].len };

			memcpy(k.addr, p[i].addr, 16);
			err = bpf_map_update_elem(fd6, &k, &one, BPF_ANY);
		} else {
			struct synfin_lpm4 k = { .prefixlen = p[i].len,
						 .addr = p[i].addr[0] };

			err = bpf_map_update_elem(fd4, &k, &one, BPF_ANY);
		}
	}
	if (err)
		pr_err("Couldn't write the prefix maps: %s", strerror(errno));
	return err ? -1 : 0;
}

unsigned int synfin_obj_id(int fd)
{
	/* bpf_prog_info and bpf_map_info both begin with type and id. */
	struct {
		__u32 type;
		__u32 id;
	} info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}
