/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_SECRETS_H
#define SYNFIN_SECRETS_H

#include <linux/types.h>

/* The cookie time counter now, as the BPF programs compute it. */
__u64 secrets_counter_now(void);
/* Fresh random keys in every slot. */
int secrets_init(int map_fd);
/* A fresh key for counter + 1, in the slot no cookie of counter or
 * counter - 1 uses. Call once per counter period.
 */
int secrets_rotate(int map_fd, __u64 counter);

#endif
