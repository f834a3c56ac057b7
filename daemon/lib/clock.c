// SPDX-License-Identifier: GPL-2.0
#include <time.h>
#include "clock.h"

__u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}
