// SPDX-License-Identifier: GPL-2.0
/* Attaching with BPF links: XDP (native or skb mode) and TCX ingress. A
 * link dies with its last fd, so a killed synfind leaves nothing behind.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "attach.h"

/* Debian 12's uapi headers predate TCX (kernel 6.6). */
#define SYNFIN_BPF_TCX_INGRESS 46
#define SYNFIN_BPF_TCX_EGRESS 47

int xdp_mode_parse(const char *s, enum xdp_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = XDP_MODE_AUTO;
	else if (!strcmp(s, "native"))
		*mode = XDP_MODE_NATIVE;
	else if (!strcmp(s, "skb"))
		*mode = XDP_MODE_SKB;
	else
		return -1;
	return 0;
}

const char *xdp_mode_name(enum xdp_mode mode)
{
	return mode == XDP_MODE_SKB ? "skb" : mode == XDP_MODE_NATIVE ? "native" : "auto";
}

static int xdp_link_create(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);

	return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
}

int attach_iface(struct synfin *skel, const char *ifname, enum xdp_mode mode,
		 struct attachment *a)
{
	int xdp_fd = bpf_program__fd(skel->progs.xdp_synfin);
	int tc_fd = bpf_program__fd(skel->progs.tc_synfin_ingress);
	int eg_fd = bpf_program__fd(skel->progs.tc_synfin_egress);
	int err;

	memset(a, 0, sizeof(*a));
	a->xdp_link = a->tc_link = a->tc_egress_link = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->ifindex = if_nametoindex(ifname);
	if (!a->ifindex) {
		pr_err("No such interface '%s'", ifname);
		return -1;
	}

	a->tc_egress_link = bpf_link_create(eg_fd, a->ifindex,
					    SYNFIN_BPF_TCX_EGRESS, NULL);
	if (a->tc_egress_link < 0) {
		err = -errno;
		pr_err("Couldn't attach TC egress program to '%s': %s (%d)",
		       ifname, strerror(-err), err);
		return -1;
	}
	a->tc_link = bpf_link_create(tc_fd, a->ifindex, SYNFIN_BPF_TCX_INGRESS,
				     NULL);
	if (a->tc_link < 0) {
		err = -errno;
		pr_err("Couldn't attach TC ingress program to '%s': %s (%d)",
		       ifname, strerror(-err), err);
		goto err_egress;
	}

	if (mode != XDP_MODE_SKB) {
		a->xdp_link = xdp_link_create(xdp_fd, a->ifindex,
					      XDP_FLAGS_DRV_MODE);
		if (a->xdp_link >= 0) {
			a->mode = XDP_MODE_NATIVE;
			return 0;
		}
		err = -errno;
		if (mode == XDP_MODE_NATIVE) {
			pr_err("Couldn't attach XDP program to '%s' in native mode: %s (%d)",
			       ifname, strerror(-err), err);
			goto err_tc;
		}
		pr_warn("Native XDP on '%s' failed: %s (%d); falling back to skb mode",
			ifname, strerror(-err), err);
	}
	a->xdp_link = xdp_link_create(xdp_fd, a->ifindex, XDP_FLAGS_SKB_MODE);
	if (a->xdp_link < 0) {
		err = -errno;
		pr_err("Couldn't attach XDP program to '%s' in skb mode: %s (%d)",
		       ifname, strerror(-err), err);
		goto err_tc;
	}
	a->mode = XDP_MODE_SKB;
	return 0;

err_tc:
	close(a->tc_link);
	a->tc_link = -1;
err_egress:
	close(a->tc_egress_link);
	a->tc_egress_link = -1;
	errno = -err;
	return -1;
}

void detach_iface(struct attachment *a)
{
	if (a->xdp_link >= 0)
		close(a->xdp_link);
	if (a->tc_link >= 0)
		close(a->tc_link);
	if (a->tc_egress_link >= 0)
		close(a->tc_egress_link);
	a->xdp_link = a->tc_link = a->tc_egress_link = -1;
}
