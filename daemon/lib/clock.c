// SPDX-License-Identifier: GPL-2.0
#include <time.h>
#include "clock.h"

__u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

__u64 monotonic_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

__u64 coarse_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}
