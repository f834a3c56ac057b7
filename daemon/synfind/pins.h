/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_PINS_H
#define SYNFIN_PINS_H

struct synfin;

/* The pin directory: PIN_DIR/maps/NAME for every map, PIN_DIR/links/IF/
 * for the links (attach.c). One synfind per directory, held by a lock.
 */
struct pins {
	char dir[256];
	int lock_fd;
};

/* Creates the directory (bpffs must be mounted) and takes its lock; -1 with
 * a logged reason, for example another synfind holding it. keep: the pins
 * must outlive synfind, which a bpffs synfind had to mount itself in a
 * mount namespace of its own would not; that is refused.
 */
int pins_lock(struct pins *p, const char *dir, int keep);
void pins_unlock(struct pins *p);
/* Before load: maps already pinned are reused. Returns how many were, or
 * -1 when the pinned ones don't fit (their table size is not ct_entries).
 */
int pins_reuse_maps(struct pins *p, struct synfin *skel, __u32 ct_entries);
/* After load: pins the maps not reused. */
int pins_pin_maps(struct pins *p, struct synfin *skel);
/* Removes the map pins and the directories left empty. */
void pins_remove(struct pins *p, struct synfin *skel);

#endif
