/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CLOCK_H
#define SYNFIN_CLOCK_H

#include <linux/types.h>

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads. */
__u64 monotonic_ns(void);

#endif
