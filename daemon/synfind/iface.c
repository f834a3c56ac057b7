// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "iface.h"

int iface_mtu(const char *ifname)
{
	struct ifreq ifr = {};
	int fd, mtu = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

static int ethtool(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr = {};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

/* The features by name (ETHTOOL_GSTRINGS), their state (GFEATURES). */
int iface_strips_vlan(const char *ifname)
{
	static const char *const strip[] = { "rx-vlan-hw-parse", "rx-vlan-stag-hw-parse" };
	struct {
		struct ethtool_sset_info hdr;
		__u32 count;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *names = NULL;
	struct ethtool_gfeatures *feat = NULL;
	__u32 n, i, j, blocks;
	int fd, ret = -1;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (ethtool(fd, ifname, &sset) || !sset.hdr.sset_mask)
		goto out;
	n = sset.count;
	blocks = (n + 31) / 32;
	names = calloc(1, sizeof(*names) + (size_t)n * ETH_GSTRING_LEN);
	feat = calloc(1, sizeof(*feat) + blocks * sizeof(feat->features[0]));
	if (!names || !feat)
		goto out;
	names->cmd = ETHTOOL_GSTRINGS;
	names->string_set = ETH_SS_FEATURES;
	names->len = n;
	feat->cmd = ETHTOOL_GFEATURES;
	feat->size = blocks;
	if (ethtool(fd, ifname, names) || ethtool(fd, ifname, feat))
		goto out;
	ret = 0;
	for (i = 0; i < n && !ret; i++) {
		const char *name = (const char *)names->data + (size_t)i * ETH_GSTRING_LEN;

		for (j = 0; j < sizeof(strip) / sizeof(strip[0]); j++)
			if (!strncmp(name, strip[j], ETH_GSTRING_LEN) &&
			    (feat->features[i / 32].active >> (i % 32)) & 1)
				ret = 1;
	}
out:
	free(names);
	free(feat);
	close(fd);
	return ret;
}

__u32 iface_xdp_prog(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id :
	       q.skb_prog_id ? q.skb_prog_id : q.hw_prog_id;
}

/* Debian 12's uapi headers predate TCX (kernel 6.6). */
#define IFACE_BPF_TCX_INGRESS 46

static int prog_is_synfin(__u32 id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id), yes;

	if (fd < 0)
		return 0;
	yes = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	      (!strcmp(info.name, "xdp_synfin") || !strncmp(info.name, "tc_synfin", 9));
	close(fd);
	return yes;
}

__u32 iface_synfin_prog(int ifindex, __u32 xdp_id)
{
	__u32 ids[64], n = 64, i;

	if (xdp_id && prog_is_synfin(xdp_id))
		return xdp_id;
	/* For TCX the target is the ifindex. */
	if (bpf_prog_query(ifindex, IFACE_BPF_TCX_INGRESS, 0, NULL, ids, &n))
		return 0;
	for (i = 0; i < n && i < 64; i++)
		if (prog_is_synfin(ids[i]))
			return ids[i];
	return 0;
}
