// SPDX-License-Identifier: GPL-2.0
/* Cookie secrets: 128-bit keys from getrandom(), one per time counter slot. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <bpf/bpf.h>
#include "synfin.h"
#include "log.h"
#include "secrets.h"

__u64 secrets_counter_now(void)
{
	struct timespec ts;

	/* The clock of the BPF side's bpf_ktime_get_coarse_ns(). */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ((__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec) >>
	       SYNFIN_COUNTER_SHIFT;
}

static int secret_write(int map_fd, __u32 slot)
{
	struct synfin_secret k;
	int err;

	if (getrandom(&k, sizeof(k), 0) != sizeof(k)) {
		pr_err("Couldn't read random bytes for the cookie secret: %s",
		       strerror(errno));
		return -1;
	}
	err = bpf_map_update_elem(map_fd, &slot, &k, BPF_ANY);
	explicit_bzero(&k, sizeof(k));
	if (err) {
		pr_err("Couldn't write cookie secret slot %u: %s (%d)", slot,
		       strerror(errno), -errno);
		return -1;
	}
	return 0;
}

int secrets_init(int map_fd)
{
	__u32 slot;

	for (slot = 0; slot < SYNFIN_SECRET_SLOTS; slot++)
		if (secret_write(map_fd, slot))
			return -1;
	return 0;
}

int secrets_rotate(int map_fd, __u64 counter)
{
	return secret_write(map_fd, (counter + 1) % SYNFIN_SECRET_SLOTS);
}
