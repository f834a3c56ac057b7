/* SPDX-License-Identifier: GPL-2.0 */
/* A fleet's cookie master keys: the secret file every host of the fleet
 * shares (README, "Running a fleet"), and the fingerprint that names a key
 * without revealing it.
 */
#ifndef SYNFIN_KEYFILE_H
#define SYNFIN_KEYFILE_H

#include <stddef.h>
#include <linux/types.h>

#define MASTER_KEY_BYTES 32	/* 256 bits, 64 hex digits on a line */
#define KEYFILE_MAX_KEYS 2	/* the key issued, and one more accepted */
#define FINGERPRINT_LEN 8	/* hex digits */

struct master_key {
	__u8 b[MASTER_KEY_BYTES];
};

struct keyfile {
	int nkeys;			/* 1 or 2 */
	struct master_key key[KEYFILE_MAX_KEYS];
};

/* Reads path: one or two lines of 64 hex digits, in a regular file owned
 * by root (or by us) that others can't read or write and its group can't
 * write. 0, or -1 with "secret file PATH: why" in err.
 */
int keyfile_read(const char *path, struct keyfile *kf, char *err,
		 size_t errlen);
/* Writes a new file at path (which must not exist), mode 0600, with one
 * key from getrandom(). 0 and its fingerprint, or -1 with a reason in err.
 */
int keyfile_create(const char *path, char fp[FINGERPRINT_LEN + 1], char *err,
		   size_t errlen);
/* A fresh key from getrandom(). 0, or -1 with errno. */
int master_key_random(struct master_key *k);
/* The first 8 hex digits of HMAC-SHA256(key, "synfin key fingerprint"). */
void master_key_fingerprint(const struct master_key *k,
			    char fp[FINGERPRINT_LEN + 1]);
/* Forgets kf's keys. */
void keyfile_wipe(struct keyfile *kf);

#endif
