// SPDX-License-Identifier: GPL-2.0
/* Attaching with BPF links: in XDP mode XDP (native or skb) and TCX
 * ingress and egress, in TC mode TCX ingress and egress only. Links are pinned under PIN_DIR/links/IFNAME/ so a restarted
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
#include "iface.h"

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

static int xdp_attach(struct attachment *a, int prog_fd, enum guard_mode mode)
{
	int fd = link_reuse(a, "xdp", prog_fd), err;

	if (fd >= 0) {
		/* A link's mode can't change: the pinned one's stays. Ask. */
		LIBBPF_OPTS(bpf_xdp_query_opts, q);

		if (bpf_xdp_query(a->ifindex, 0, &q))
			pr_warn("Couldn't query the XDP mode of '%s': %s", a->ifname,
				strerror(errno));
		a->mode = q.attach_mode == XDP_ATTACHED_SKB ? MODE_SKB : MODE_NATIVE;
		return fd;
	}
	if (mode != MODE_SKB) {
		fd = xdp_link_create(prog_fd, a->ifindex, XDP_FLAGS_DRV_MODE);
		if (fd >= 0) {
			a->mode = MODE_NATIVE;
			goto pin;
		}
		err = -errno;
		if (mode == MODE_NATIVE || err == -EBUSY || err == -EEXIST) {
			pr_err("Couldn't attach XDP program to '%s' in native mode: %s (%d)%s",
			       a->ifname, strerror(-err), err,
			       err == -EBUSY || err == -EEXIST ?
				       ": another XDP program is attached there" : "");
			errno = -err;
			return -1;
		}
		if (mode == MODE_AUTO) {
			pr_info("Native XDP on '%s' failed: %s (%d): TC mode",
				a->ifname, strerror(-err), err);
			return -2;
		}
	}
	fd = xdp_link_create(prog_fd, a->ifindex, XDP_FLAGS_SKB_MODE);
	if (fd < 0) {
		err = -errno;
		pr_err("Couldn't attach XDP program to '%s' in skb mode: %s (%d)",
		       a->ifname, strerror(-err), err);
		errno = -err;
		return -1;
	}
	a->mode = MODE_SKB;
pin:
	if (link_pin(a, "xdp", fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Where the guard runs on this interface. Another XDP program there is
 * never touched, and XDP can't see the VLAN tags an interface strips into
 * metadata: auto takes TC mode for both, saying so; native and skb refuse.
 * -1 with errno when the mode asked for can't be had.
 */
static int choose_mode(struct attachment *a, enum guard_mode mode, int pinned)
{
	__u32 other = pinned ? 0 : iface_xdp_prog(a->ifindex);
	__u32 synfin = pinned ? 0 : iface_synfin_prog(a->ifindex, other);
	int strips = iface_strips_vlan(a->ifname);

	/* Not over our own links kept by --keep: another synfind's. */
	if (synfin) {
		pr_err("Another synfind protects '%s' (its program id %u): one per interface",
		       a->ifname, synfin);
		errno = EBUSY;
		return -1;
	}
	if (mode == MODE_TC)
		return MODE_TC;
	if (other) {
		if (mode == MODE_AUTO) {
			pr_info("'%s' has another XDP program (id %u): TC mode, beside it",
				a->ifname, other);
			return MODE_TC;
		}
		pr_err("'%s' has another XDP program (id %u), which synfin doesn't touch: use --mode tc (or auto)",
		       a->ifname, other);
		errno = EBUSY;
		return -1;
	}
	if (strips > 0) {
		if (mode == MODE_AUTO) {
			pr_info("'%s' strips VLAN tags into metadata, where XDP can't see them: TC mode (ethtool -K %s rxvlan off for XDP)",
				a->ifname, a->ifname);
			return MODE_TC;
		}
		pr_err("'%s' strips VLAN tags into metadata (rx-vlan-offload), where XDP can't see them, so SYN-ACKs would leave untagged: use --mode tc (or auto), or ethtool -K %s rxvlan off",
		       a->ifname, a->ifname);
		errno = EINVAL;
		return -1;
	}
	return mode;
}

int attach_iface(struct synfin *skel, const char *ifname, enum guard_mode mode,
		 const char *pin_dir, struct attachment *a)
{
	char path[512];
	int err, xdp_pinned, ingress_fd;

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
	link_path(a, "xdp", path, sizeof(path));
	xdp_pinned = a->pin_dir[0] && !access(path, F_OK);
	link_path(a, "tc_ingress", path, sizeof(path));
	mode = choose_mode(a, mode, xdp_pinned || (a->pin_dir[0] && !access(path, F_OK)));
	if ((int)mode < 0)
		return -2;
	ingress_fd = bpf_program__fd(mode == MODE_TC ? skel->progs.tc_synfin_guard
						     : skel->progs.tc_synfin_ingress);
	a->tc_egress_link = tcx_attach(a, "tc_egress",
				       bpf_program__fd(skel->progs.tc_synfin_egress),
				       SYNFIN_BPF_TCX_EGRESS, "egress");
	if (a->tc_egress_link < 0)
		return -1;
	a->tc_link = tcx_attach(a, "tc_ingress", ingress_fd, SYNFIN_BPF_TCX_INGRESS,
				"ingress");
	if (a->tc_link < 0)
		goto err_egress;
	if (mode == MODE_TC) {
		/* An XDP link a kept XDP-mode run left goes: TC does it all now. */
		if (xdp_pinned) {
			link_unpin(a, "xdp");
			pr_info("'%s': the pinned XDP link of an earlier run removed", a->ifname);
		}
		a->mode = MODE_TC;
		return 0;
	}
	a->xdp_link = xdp_attach(a, bpf_program__fd(skel->progs.xdp_synfin), mode);
	/* No native XDP here (a bond, a VLAN device...): TC does it all. */
	if (a->xdp_link == -2) {
		a->xdp_link = -1;
		if (bpf_link_update(a->tc_link, bpf_program__fd(skel->progs.tc_synfin_guard),
				    NULL)) {
			pr_err("Couldn't put TC mode's program on '%s': %s", a->ifname,
			       strerror(errno));
			goto err_ingress;
		}
		a->mode = MODE_TC;
		return 0;
	}
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
