// SPDX-License-Identifier: GPL-2.0
/* Cookie keys: one per 68.7 s period, each derived from a master key with
 * HKDF-SHA256, so every host holding the same master key computes the same
 * key for the same period on its own; the period comes from CLOCK_REALTIME
 * for a fleet's key, which NTP or PTP keeps alike across the fleet.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include "clock.h"
#include "log.h"
#include "secrets.h"

#define KDF_SALT "synfin"
#define KDF_INFO "synfin cookie key"
/* A clock set by more than this moves the fleet's periods: keys again. */
#define CLOCK_STEP_NS NS_PER_MS

static __u64 clock_read(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

__u64 secrets_clock_offset(int fleet)
{
	__u64 m0, r, m1;

	if (!fleet)
		return 0;
	m0 = clock_read(CLOCK_MONOTONIC);
	r = clock_read(CLOCK_REALTIME);
	m1 = clock_read(CLOCK_MONOTONIC);
	return r - (m0 + (m1 - m0) / 2);
}

/* The clock of the BPF side's bpf_ktime_get_coarse_ns(), plus the offset. */
__u64 secrets_counter_now(__u64 clock_ns)
{
	return (clock_read(CLOCK_MONOTONIC_COARSE) + clock_ns) >>
	       SYNFIN_COUNTER_SHIFT;
}

__u64 secrets_period_left_ns(__u64 clock_ns)
{
	__u64 now = clock_read(CLOCK_MONOTONIC_COARSE) + clock_ns;

	return ((now >> SYNFIN_COUNTER_SHIFT) + 1) * (1ULL << SYNFIN_COUNTER_SHIFT) - now;
}

static __u64 le64(const __u8 *b)
{
	__u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

int secrets_derive(const struct master_key *m, __u64 counter,
		   struct synfin_secret *out)
{
	unsigned char info[sizeof(KDF_INFO) - 1 + 8], okm[16];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	int i, ret = -1;

	memcpy(info, KDF_INFO, sizeof(KDF_INFO) - 1);
	for (i = 0; i < 8; i++)
		info[sizeof(KDF_INFO) - 1 + i] = (unsigned char)(counter >> (56 - 8 * i));
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)m->b,
						 sizeof(m->b));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, KDF_SALT,
						 sizeof(KDF_SALT) - 1);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
						 sizeof(info));
	*p = OSSL_PARAM_construct_end();
	if (ctx && EVP_KDF_derive(ctx, okm, sizeof(okm), params) > 0) {
		out->k0 = le64(okm);
		out->k1 = le64(okm + 8);
		out->counter = counter;
		ret = 0;
	}
	explicit_bzero(okm, sizeof(okm));
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ret;
}

int secrets_keys_load(const char *path, struct keyfile *kf, char *err,
		      size_t errlen)
{
	if (path && path[0])
		return keyfile_read(path, kf, err, errlen);
	memset(kf, 0, sizeof(*kf));
	if (master_key_random(&kf->key[0])) {
		snprintf(err, errlen, "Couldn't read random bytes for the cookie key: %s",
			 strerror(errno));
		return -1;
	}
	kf->nkeys = 1;
	return 0;
}

void secrets_init(struct secrets *s, int map_fd, __u32 bank)
{
	memset(s, 0, sizeof(*s));
	s->map_fd = map_fd;
	s->bank = bank & 1;
	pthread_mutex_init(&s->lock, NULL);
}

static int slot_write(struct secrets *s, __u32 bank, __u32 set,
		      const struct synfin_secret *k, __u64 counter)
{
	__u32 idx = synfin_secret_index(bank, set, counter % SYNFIN_SECRET_SLOTS);

	if (bpf_map_update_elem(s->map_fd, &idx, k, BPF_ANY)) {
		pr_err("Couldn't write the cookie key of period %llu: %s",
		       (unsigned long long)counter, strerror(errno));
		return -1;
	}
	return 0;
}

/* Both sets' keys of period counter, from kf, in bank. */
static int period_write(struct secrets *s, __u32 bank, const struct keyfile *kf,
			__u64 counter)
{
	struct synfin_secret k;
	__u32 set;
	int err = 0;

	for (set = 0; set < SYNFIN_SECRET_SETS && !err; set++) {
		memset(&k, 0, sizeof(k));
		k.counter = SYNFIN_COUNTER_NONE;
		if ((int)set < kf->nkeys && secrets_derive(&kf->key[set], counter, &k)) {
			pr_err("Couldn't derive the cookie key of period %llu",
			       (unsigned long long)counter);
			err = -1;
			break;
		}
		err = slot_write(s, bank, set, &k, counter);
	}
	explicit_bzero(&k, sizeof(k));
	return err;
}

/* The host key's key of period counter as the bank in use has it: 1 and
 * the key, or 0 when that slot holds another period's.
 */
static int period_kept(struct secrets *s, __u64 counter, struct synfin_secret *k)
{
	__u32 idx = synfin_secret_index(s->bank, 0, counter % SYNFIN_SECRET_SLOTS);

	return !bpf_map_lookup_elem(s->map_fd, &idx, k) && k->counter == counter;
}

static void view_set(struct secrets *s, const struct keyfile *kf, int fleet,
		     const char *file, __u64 clock_ns)
{
	int i;

	pthread_mutex_lock(&s->lock);
	s->view.fleet = fleet;
	snprintf(s->view.file, sizeof(s->view.file), "%s", fleet && file ? file : "");
	s->view.nkeys = kf->nkeys;
	for (i = 0; i < KEYFILE_MAX_KEYS; i++) {
		if (i < kf->nkeys)
			master_key_fingerprint(&kf->key[i], s->view.fp[i]);
		else
			s->view.fp[i][0] = '\0';
	}
	s->view.clock_ns = clock_ns;
	pthread_mutex_unlock(&s->lock);
}

int secrets_install(struct secrets *s, const struct keyfile *kf, int fleet,
		    const char *file, int keep)
{
	__u64 clock_ns = secrets_clock_offset(fleet);
	__u64 c = secrets_counter_now(clock_ns), p;
	__u32 bank = s->bank ^ 1;
	struct synfin_secret k;
	int err = 0;

	for (p = c - 1; p <= c + 1 && !err; p++) {
		if (keep && !fleet && period_kept(s, p, &k)) {
			struct synfin_secret none = { .counter = SYNFIN_COUNTER_NONE };

			err = slot_write(s, bank, 0, &k, p) ||
			      slot_write(s, bank, 1, &none, p);
		} else {
			err = period_write(s, bank, kf, p);
		}
	}
	explicit_bzero(&k, sizeof(k));
	if (err)
		return -1;
	s->bank = bank;
	s->counter = c;
	if (&s->keys != kf)
		s->keys = *kf;
	view_set(s, kf, fleet, file, clock_ns);
	return 0;
}

int secrets_tick(struct secrets *s)
{
	__u64 clock_ns = secrets_clock_offset(s->view.fleet), c, p;
	__s64 moved = (__s64)(clock_ns - s->view.clock_ns);
	char file[sizeof(s->view.file)];

	if (moved > (__s64)CLOCK_STEP_NS || moved < -(__s64)CLOCK_STEP_NS) {
		pr_info("the clock was set by %+.3f s: cookie keys for its periods",
			moved / 1e9);
		memcpy(file, s->view.file, sizeof(file));
		return secrets_install(s, &s->keys, s->view.fleet, file, 0) ? -1 : 1;
	}
	c = secrets_counter_now(s->view.clock_ns);
	if (c <= s->counter)
		return 0;
	/* Normally just c + 1's; after a stop (a suspend), all that are due. */
	p = c - 1 > s->counter + 2 ? c - 1 : s->counter + 2;
	for (; p <= c + 1; p++)
		if (period_write(s, s->bank, &s->keys, p))
			return -1;
	s->counter = c;
	pr_debug("cookie keys written for period %llu", (unsigned long long)c + 1);
	return 0;
}

void secrets_view_get(struct secrets *s, struct secrets_view *v)
{
	pthread_mutex_lock(&s->lock);
	*v = s->view;
	pthread_mutex_unlock(&s->lock);
}

void secrets_destroy(struct secrets *s)
{
	keyfile_wipe(&s->keys);
	pthread_mutex_destroy(&s->lock);
}
