/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CLOCK_H
#define SYNFIN_CLOCK_H

#include <time.h>
#include <linux/types.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

/* Clock id in ns. */
__u64 clock_ns(clockid_t id);
/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads. */
__u64 monotonic_ns(void);
/* CLOCK_MONOTONIC_COARSE in ns: bpf_ktime_get_coarse_ns()'s. */
__u64 coarse_ns(void);

#endif
