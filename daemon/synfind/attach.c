// SPDX-License-Identifier: GPL-2.0
/* Attaching with BPF links: XDP (native or skb mode), TCX ingress and
 * egress. Links are pinned under PIN_DIR/links/IFNAME/ so a restarted
 * synfind swaps its programs in with bpf_link_update, without a moment
 * detached; without pins a link dies with its fd.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "synfin.skel.h"
#include "attach.h"

/* Debian 12's uapi headers predate TCX (kernel 6.6). */
#define SYNFIN_BPF_TCX_INGRESS 46
#define SYNFIN_BPF_TCX_EGRESS 47

static void link_path(const struct attachment *a, const char *name, char *buf,
		      size_t len)
{
	snprintf(buf, len, "%s/links/%s/%s", a->pin_dir, a->ifname, name);
}

/* A pinned link for this hook, updated to prog_fd: its fd, or -1. */
static int link_reuse(struct attachment *a, const char *name, int prog_fd)
{
	char path[512];
	int fd;

	if (!a->pin_dir[0])
		return -1;
	link_path(a, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (bpf_link_update(fd, prog_fd, NULL)) {
		pr_warn("Couldn't update pinned link %s: %s; attaching anew",
			path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	a->reused = 1;
	return fd;
}

static int link_pin(struct attachment *a, const char *name, int fd)
{
	char path[512];

	if (!a->pin_dir[0])
		return 0;
	snprintf(path, sizeof(path), "%s/links", a->pin_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/links/%s", a->pin_dir, a->ifname);
	mkdir(path, 0700);
	link_path(a, name, path, sizeof(path));
	if (bpf_obj_pin(fd, path)) {
		pr_err("Couldn't pin link %s: %s (%d)", path, strerror(errno), -errno);
		return -1;
	}
	return 0;
}

static void link_unpin(const struct attachment *a, const char *name)
{
	char path[512];

	if (!a->pin_dir[0])
		return;
	link_path(a, name, path, sizeof(path));
	unlink(path);
}

static int tcx_attach(struct attachment *a, const char *name, int prog_fd,
		      int type, const char *what)
{
	int fd = link_reuse(a, name, prog_fd), err;

	if (fd >= 0)
		return fd;
	fd = bpf_link_create(prog_fd, a->ifindex, type, NULL);
	if (fd < 0) {
		err = -errno;
		pr_err("Couldn't attach TC %s program to '%s': %s (%d)", what,
		       a->ifname, strerror(-err), err);
		errno = -err;
		return -1;
	}
	if (link_pin(a, name, fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int xdp_link_create(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);

	return bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
}

static int xdp_attach(struct attachment *a, int prog_fd, enum xdp_mode mode)
{
	int fd = link_reuse(a, "xdp", prog_fd), err;

	if (fd >= 0) {
		/* A link's mode can't change: the pinned one's stays. Ask. */
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (bpf_xdp_query(a->ifindex, 0, &q))
			pr_warn("Couldn't query the XDP mode of '%s': %s", a->ifname,
				strerror(errno));
		a->mode = q.attach_mode == XDP_ATTACHED_SKB ? XDP_MODE_SKB : XDP_MODE_NATIVE;
		return fd;
	}
	if (mode != XDP_MODE_SKB) {
		fd = xdp_link_create(prog_fd, a->ifindex, XDP_FLAGS_DRV_MODE);
		if (fd >= 0) {
			a->mode = XDP_MODE_NATIVE;
			goto pin;
		}
		err = -errno;
		if (mode == XDP_MODE_NATIVE || err == -EBUSY || err == -EEXIST) {
			pr_err("Couldn't attach XDP program to '%s' in native mode: %s (%d)%s",
			       a->ifname, strerror(-err), err,
			       err == -EBUSY || err == -EEXIST ?
				       ": another XDP program is attached there" : "");
			errno = -err;
			return -1;
		}
		pr_warn("Native XDP on '%s' failed: %s (%d); falling back to skb mode",
			a->ifname, strerror(-err), err);
	}
	fd = xdp_link_create(prog_fd, a->ifindex, XDP_FLAGS_SKB_MODE);
	if (fd < 0) {
		err = -errno;
		pr_err("Couldn't attach XDP program to '%s' in skb mode: %s (%d)",
		       a->ifname, strerror(-err), err);
		errno = -err;
		return -1;
	}
	a->mode = XDP_MODE_SKB;
pin:
	if (link_pin(a, "xdp", fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

int attach_iface(struct synfin *skel, const char *ifname, enum xdp_mode mode,
		 const char *pin_dir, struct attachment *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->xdp_link = a->tc_link = a->tc_egress_link = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	snprintf(a->pin_dir, sizeof(a->pin_dir), "%s", pin_dir ? pin_dir : "");
	a->ifindex = if_nametoindex(ifname);
	if (!a->ifindex) {
		pr_err("No such interface '%s'", ifname);
		errno = ENODEV;
		return -1;
	}
	a->tc_egress_link = tcx_attach(a, "tc_egress",
				       bpf_program__fd(skel->progs.tc_synfin_egress),
				       SYNFIN_BPF_TCX_EGRESS, "egress");
	if (a->tc_egress_link < 0)
		return -1;
	a->tc_link = tcx_attach(a, "tc_ingress",
				bpf_program__fd(skel->progs.tc_synfin_ingress),
				SYNFIN_BPF_TCX_INGRESS, "ingress");
	if (a->tc_link < 0)
		goto err_egress;
	a->xdp_link = xdp_attach(a, bpf_program__fd(skel->progs.xdp_synfin), mode);
	if (a->xdp_link < 0)
		goto err_ingress;
	return 0;

err_ingress:
	err = errno;
	link_unpin(a, "tc_ingress");
	close(a->tc_link);
	a->tc_link = -1;
	errno = err;
err_egress:
	err = errno;
	link_unpin(a, "tc_egress");
	close(a->tc_egress_link);
	a->tc_egress_link = -1;
	errno = err;
	return -1;
}

void detach_iface(struct attachment *a, int keep)
{
	char path[512];

	if (!keep) {
		link_unpin(a, "xdp");
		link_unpin(a, "tc_ingress");
		link_unpin(a, "tc_egress");
		if (a->pin_dir[0]) {
			snprintf(path, sizeof(path), "%s/links/%s", a->pin_dir, a->ifname);
			rmdir(path);
		}
	}
	if (a->xdp_link >= 0)
		close(a->xdp_link);
	if (a->tc_link >= 0)
		close(a->tc_link);
	if (a->tc_egress_link >= 0)
		close(a->tc_egress_link);
	a->xdp_link = a->tc_link = a->tc_egress_link = -1;
}
