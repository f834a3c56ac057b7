// SPDX-License-Identifier: GPL-2.0
/* Maps pinned in bpffs, so a restart (or a crash) keeps the connection
 * table, the counters and the cookie secrets.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "synfin.skel.h"
#include "pins.h"

static int mkdir_p(const char *dir)
{
	char buf[256], *s;

	snprintf(buf, sizeof(buf), "%s", dir);
	for (s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(buf, 0700) && errno != EEXIST ? -1 : 0;
}

#define BPFFS "/sys/fs/bpf"

/* Under `ip netns exec` (a fresh /sys) or early boot, /sys/fs/bpf may not
 * be mounted yet: mount it, as xdp-tools and bpftool do. 1 when it did.
 */
static int bpffs_mount(const char *dir)
{
	struct statfs sfs;

	if (strncmp(dir, BPFFS "/", sizeof(BPFFS)) ||
	    (!statfs(BPFFS, &sfs) && sfs.f_type == BPF_FS_MAGIC))
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		pr_debug("Couldn't mount bpffs on " BPFFS ": %s", strerror(errno));
		return 0;
	}
	return 1;
}

/* Is this process's mount namespace the init process's? A mount made in
 * another one (ip netns exec, a service with PrivateMounts) goes with the
 * last process in it. Unknown counts as no.
 */
static int mount_ns_shared_with_init(void)
{
	struct stat self, init;

	return !stat("/proc/self/ns/mnt", &self) && !stat("/proc/1/ns/mnt", &init) &&
	       self.st_ino == init.st_ino && self.st_dev == init.st_dev;
}

int pins_lock(struct pins *p, const char *dir, int keep)
{
	char maps[300];
	struct statfs sfs;

	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	p->lock_fd = -1;
	if (bpffs_mount(dir) && keep && !mount_ns_shared_with_init()) {
		pr_err("--keep can't keep anything here: the bpffs on " BPFFS
		       " was just mounted by synfind in a mount namespace of its own (ip netns exec?), which goes when synfind does; mount a bpffs the host keeps first, or give --pin-dir on one");
		umount2(BPFFS, MNT_DETACH);
		return -1;
	}
	if (mkdir_p(dir)) {
		pr_err("Couldn't create pin directory '%s': %s", dir, strerror(errno));
		return -1;
	}
	if (statfs(dir, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		pr_err("Pin directory '%s' is not on a BPF filesystem (mount -t bpf bpf /sys/fs/bpf)",
		       dir);
		return -1;
	}
	p->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->lock_fd < 0 || flock(p->lock_fd, LOCK_EX | LOCK_NB)) {
		if (errno == EWOULDBLOCK)
			pr_err("Another synfind is running with pin directory '%s'", dir);
		else
			pr_err("Couldn't lock pin directory '%s': %s", dir, strerror(errno));
		if (p->lock_fd >= 0)
			close(p->lock_fd);
		p->lock_fd = -1;
		return -1;
	}
	snprintf(maps, sizeof(maps), "%s/maps", dir);
	mkdir(maps, 0700);
	return 0;
}

void pins_unlock(struct pins *p)
{
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	p->lock_fd = -1;
}

static void map_path(const struct pins *p, const struct bpf_map *m, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/maps/%s", p->dir, bpf_map__name(m));
}

int pins_reuse_maps(struct pins *p, struct synfin *skel, __u32 ct_entries)
{
	struct bpf_map_info info;
	struct bpf_map *m;
	char path[512];
	__u32 len;
	int fd, n = 0;

	bpf_object__for_each_map(m, skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		map_path(p, m, path, sizeof(path));
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			pr_err("Couldn't read pinned map %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (m == skel->maps.conntrack && info.max_entries != ct_entries) {
			pr_err("The pinned connection table (%s) has %u entries, the configuration %u: restore max_entries, or remove the pins with synfind --detach",
			       path, info.max_entries, ct_entries);
			close(fd);
			return -1;
		}
		/* Another synfin version's layout (a counter more, a field
		 * more) must not be reused silently.
		 */
		if (info.type != bpf_map__type(m) ||
		    info.key_size != bpf_map__key_size(m) ||
		    info.value_size != bpf_map__value_size(m) ||
		    info.max_entries != bpf_map__max_entries(m)) {
			pr_err("Pinned map %s has another layout (from another synfin version?): remove the pins with synfind --detach",
			       path);
			close(fd);
			return -1;
		}
		if (bpf_map__reuse_fd(m, fd)) {
			pr_err("Couldn't reuse pinned map %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);	/* reuse_fd dups it */
		n++;
	}
	return n;
}

int pins_pin_maps(struct pins *p, struct synfin *skel)
{
	struct bpf_map *m;
	char path[512];

	bpf_object__for_each_map(m, skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		map_path(p, m, path, sizeof(path));
		if (!access(path, F_OK))
			continue;
		if (bpf_obj_pin(bpf_map__fd(m), path)) {
			pr_err("Couldn't pin map %s: %s (%d)", path, strerror(errno), -errno);
			return -1;
		}
	}
	return 0;
}

void pins_remove(struct pins *p, struct synfin *skel)
{
	struct bpf_map *m;
	char path[512];

	bpf_object__for_each_map(m, skel->obj) {
		if (bpf_map__is_internal(m))
			continue;
		map_path(p, m, path, sizeof(path));
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/maps", p->dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/links", p->dir);
	rmdir(path);
}
