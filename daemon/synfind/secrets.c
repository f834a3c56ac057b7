// SPDX-License-Identifier: GPL-2.0
/* Cookie keys: one per 68.7 s period, each derived from a master key with
 * HKDF-SHA256, so every host holding the same master key computes the same
 * key for the same period on its own; the period comes from CLOCK_REALTIME
 * for a fleet's key, which NTP or PTP keeps alike across the fleet.
 */
#include <endian.h>
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
/* A clock set by more than this moves the fleet's periods: keys again.
 * Far above what reading the offset can be off by, far below the 8.6 s
 * hosts may be apart.
 */
#define CLOCK_STEP_NS (10 * NS_PER_MS)

__u64 secrets_clock_offset(int fleet)
{
	__u64 m0, r, m1, best = 0, width = ~0ULL;
	int i;

	if (!fleet)
		return 0;
	/* Real time between two monotonic reads: the narrowest of three
	 * (a preemption between the reads widens one).
	 */
	for (i = 0; i < 3; i++) {
		m0 = monotonic_ns();
		r = clock_ns(CLOCK_REALTIME);
		m1 = monotonic_ns();
		if (m1 - m0 < width) {
			width = m1 - m0;
			best = r - (m0 + width / 2);
		}
	}
	return best;
}

/* The clock of the BPF side's bpf_ktime_get_coarse_ns(), plus the offset. */
__u64 secrets_counter_now(__u64 clock_ns)
{
	return (coarse_ns() + clock_ns) >>
	       SYNFIN_COUNTER_SHIFT;
}

__u64 secrets_period_left_ns(__u64 clock_ns)
{
	__u64 now = coarse_ns() + clock_ns;

	return ((now >> SYNFIN_COUNTER_SHIFT) + 1) * (1ULL << SYNFIN_COUNTER_SHIFT) - now;
}

static __u64 le64(const __u8 *b)
{
	__u64 v;

	memcpy(&v, b, sizeof(v));
	return le64toh(v);
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

int secrets_init(struct secrets *s, int map_fd, __u32 bank, int fresh)
{
	const struct synfin_secret none = { .counter = SYNFIN_COUNTER_NONE };
	__u32 i;

	memset(s, 0, sizeof(*s));
	s->map_fd = map_fd;
	s->cur.bank = bank & 1;
	pthread_mutex_init(&s->lock, NULL);
	for (i = 0; fresh && i < SYNFIN_SECRET_ENTRIES; i++) {
		if (bpf_map_update_elem(map_fd, &i, &none, BPF_ANY)) {
			pr_err("Couldn't empty the cookie keys: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
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
	__u32 idx = synfin_secret_index(s->cur.bank, 0, counter % SYNFIN_SECRET_SLOTS);

	return !bpf_map_lookup_elem(s->map_fd, &idx, k) && k->counter == counter;
}

static void view_make(struct secrets_view *v, const struct keyfile *kf,
		      int fleet, const char *file, __u64 clock_ns)
{
	int i;

	memset(v, 0, sizeof(*v));
	v->fleet = fleet;
	snprintf(v->file, sizeof(v->file), "%s", fleet && file ? file : "");
	v->nkeys = kf->nkeys;
	for (i = 0; i < KEYFILE_MAX_KEYS && i < kf->nkeys; i++)
		master_key_fingerprint(&kf->key[i], v->fp[i]);
	v->clock_ns = clock_ns;
}

/* Puts st in force; the metrics thread reads the view meanwhile. */
static void state_set(struct secrets *s, const struct secrets_state *st)
{
	pthread_mutex_lock(&s->lock);
	s->cur = *st;
	pthread_mutex_unlock(&s->lock);
}

int secrets_install_at(struct secrets *s, const struct keyfile *kf, int fleet,
		       const char *file, int keep, __u64 clock_ns)
{
	__u64 c = secrets_counter_now(clock_ns);
	struct secrets_state st = { .bank = s->cur.bank ^ 1, .counter = c };
	struct synfin_secret k;
	int err = 0, i;

	for (i = 0; i < SYNFIN_SECRET_SLOTS && !err; i++) {
		__u64 p = c + i - 1;

		/* The period before the first (a host key in its first
		 * 68.7 s of uptime): none, and its slot is period 0's.
		 */
		if (!c && !i)
			continue;
		if (keep && !fleet && period_kept(s, p, &k)) {
			struct synfin_secret none = { .counter = SYNFIN_COUNTER_NONE };

			err = slot_write(s, st.bank, 0, &k, p) ||
			      slot_write(s, st.bank, 1, &none, p);
		} else {
			err = period_write(s, st.bank, kf, p);
		}
	}
	explicit_bzero(&k, sizeof(k));
	if (err)
		return -1;
	st.keys = *kf;
	view_make(&st.view, kf, fleet, file, clock_ns);
	keyfile_wipe(&s->prev.keys);
	s->prev = s->cur;
	state_set(s, &st);
	__atomic_store_n(&s->written_ns, monotonic_ns(), __ATOMIC_RELAXED);
	keyfile_wipe(&st.keys);
	return 0;
}

int secrets_install(struct secrets *s, const struct keyfile *kf, int fleet,
		    const char *file, int keep)
{
	return secrets_install_at(s, kf, fleet, file, keep,
				  secrets_clock_offset(fleet));
}

void secrets_undo(struct secrets *s)
{
	state_set(s, &s->prev);
}

int secrets_tick(struct secrets *s)
{
	struct secrets_state *cur = &s->cur;
	__u64 clock_ns = secrets_clock_offset(cur->view.fleet), c, p;
	__s64 moved = (__s64)(clock_ns - cur->view.clock_ns);
	char file[sizeof(cur->view.file)];
	struct keyfile keys;
	int err;

	if (moved > (__s64)CLOCK_STEP_NS || moved < -(__s64)CLOCK_STEP_NS) {
		pr_info("the clock was set by %+.3f s: cookie keys for its periods",
			moved / 1e9);
		memcpy(file, cur->view.file, sizeof(file));
		keys = cur->keys;
		err = secrets_install_at(s, &keys, cur->view.fleet, file, 0, clock_ns);
		keyfile_wipe(&keys);
		return err ? -1 : 1;
	}
	c = secrets_counter_now(cur->view.clock_ns);
	if (c <= cur->counter)
		return 0;
	/* Normally just c + 1's; after a stop (a suspend), all that are due. */
	p = c - 1 > cur->counter + 2 ? c - 1 : cur->counter + 2;
	for (; p <= c + 1; p++)
		if (period_write(s, cur->bank, &cur->keys, p))
			return -1;
	cur->counter = c;
	__atomic_store_n(&s->written_ns, monotonic_ns(), __ATOMIC_RELAXED);
	pr_debug("cookie keys written for period %llu", (unsigned long long)c + 1);
	return 0;
}

void secrets_view_get(struct secrets *s, struct secrets_view *v)
{
	pthread_mutex_lock(&s->lock);
	*v = s->cur.view;
	pthread_mutex_unlock(&s->lock);
}

void secrets_destroy(struct secrets *s)
{
	keyfile_wipe(&s->cur.keys);
	keyfile_wipe(&s->prev.keys);
	pthread_mutex_destroy(&s->lock);
}
