/* SPDX-License-Identifier: GPL-2.0 */
/* Cookie keys: a key per time period, derived from a master key, the
 * fleet's (a secret file) or the host's own (random at start).
 */
#ifndef SYNFIN_SECRETS_H
#define SYNFIN_SECRETS_H

#include <pthread.h>
#include <linux/types.h>
#include "synfin.h"
#include "keyfile.h"

/* What may be shown of the keys in force: never a key. The metrics
 * thread reads it under lock.
 */
struct secrets_view {
	int fleet;			/* keys from a secret file */
	char file[256];
	int nkeys;
	char fp[KEYFILE_MAX_KEYS][FINGERPRINT_LEN + 1];
	__u64 clock_ns;			/* synfin_cfg.clock_ns */
};

/* What secrets_install() changes, kept for secrets_undo(). */
struct secrets_state {
	__u32 bank;			/* in use; synfin_cfg.key_bank */
	__u64 counter;			/* the period whose successor is written */
	struct keyfile keys;		/* the master keys in force */
	struct secrets_view view;
};

struct secrets {
	int map_fd;			/* secrets_map */
	struct secrets_state cur, prev;
	/* When the newest key was written (CLOCK_MONOTONIC); the metrics
	 * thread reads it with an atomic load.
	 */
	__u64 written_ns;
	pthread_mutex_t lock;		/* cur.view's, for the metrics thread */
};

/* The cookie clock's offset from the coarse CLOCK_MONOTONIC: 0 for a
 * host's key, CLOCK_REALTIME's for a fleet's (include/synfin.h).
 */
__u64 secrets_clock_offset(int fleet);
/* The time counter now on the cookie clock with that offset, as the BPF
 * programs read it, and the ns left in its period.
 */
__u64 secrets_counter_now(__u64 clock_ns);
__u64 secrets_period_left_ns(__u64 clock_ns);
/* The key of period counter: HKDF-SHA256 (RFC 5869) with the master key
 * as input keying material, salt "synfin", info "synfin cookie key" and
 * the counter as 8 bytes big endian; the 16 bytes out are SipHash's key,
 * k0 and k1 little endian. 0, or -1.
 */
int secrets_derive(const struct master_key *m, __u64 counter,
		   struct synfin_secret *out);
/* The master keys a configuration names: its secret file's, or, with
 * none (path "" or NULL), one random key. 0, or -1 with a line in err.
 */
int secrets_keys_load(const char *path, struct keyfile *kf, char *err,
		      size_t errlen);
/* Starts on map_fd with bank the one in use (a restart over pins reads it
 * from the settings; else 0). A fresh map is emptied first: an entry the
 * kernel zeroed would read as period 0's key. 0, or -1 logged.
 */
int secrets_init(struct secrets *s, int map_fd, __u32 bank, int fresh);
/* Puts kf in force: writes the periods around now of both sets in the bank
 * not in use, then takes it as in use. The caller then writes s->bank and
 * s->view.clock_ns into synfin_cfg, which makes the switch. With keep,
 * the host key's periods still valid in the bank in use stay (a restart
 * over pins: cookies in flight stay valid). 0, or -1 logged.
 */
int secrets_install(struct secrets *s, const struct keyfile *kf, int fleet,
		    const char *file, int keep);
/* The same on a cookie clock clock_ns ahead of the coarse monotonic one
 * (secrets_install: secrets_clock_offset(fleet)); for tests.
 */
int secrets_install_at(struct secrets *s, const struct keyfile *kf, int fleet,
		       const char *file, int keep, __u64 clock_ns);
/* Back to the keys before the last secrets_install(), whose bank it left
 * alone: for a reload that failed after it. The caller writes the bank
 * into synfin_cfg again.
 */
void secrets_undo(struct secrets *s);
/* Once a tick: the next period's keys when a period began. 1 when the
 * clock offset moved (the clock was set) and keys were installed again:
 * synfin_cfg needs writing (s->cur.bank and view.clock_ns); 0; -1 logged.
 */
int secrets_tick(struct secrets *s);
void secrets_view_get(struct secrets *s, struct secrets_view *v);
void secrets_destroy(struct secrets *s);

#endif
