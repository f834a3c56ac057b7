/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CONFIG_H
#define SYNFIN_CONFIG_H

#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include "synfin.h"
#include "attach.h"

#define SYNFIN_MAX_IFACES 16
#define SYNFIN_DEFAULT_PIN_DIR "/sys/fs/bpf/synfin"

struct prefix {
	int ipv6;
	__u32 addr[4];		/* network order */
	__u32 len;
};

/* Everything synfin.conf can say; command-line flags override it. */
struct config {
	/* [daemon] */
	char ifaces[SYNFIN_MAX_IFACES][IF_NAMESIZE];
	int nifaces;
	enum xdp_mode mode;
	char pin_dir[256];
	char control_socket[108];
	char metrics_listen[64];	/* "" = off */
	int keep_attached;
	/* [protect] */
	struct synfin_ports ports;
	int have_ports;
	struct prefix prefixes[SYNFIN_MAX_PREFIXES];
	int nprefixes;
	/* [cookie] */
	__u32 rotate_s;
	__u32 mss4, mss6;		/* 0: from the interface MTU */
	__u32 wscale;
	int sack, timestamps, ecn, window_scaling;
	/* [conntrack] */
	__u32 max_entries;
	__u32 time_wait_ms;
	__u32 syn_timeout_s;		/* idle SYN-SENT / SYN-RECEIVED */
	__u32 established_timeout_s;	/* 0: kept until the LRU needs room */
	__u32 close_timeout_s;		/* idle FIN-WAIT, CLOSING, LAST-ACK */
	__u32 close_wait_timeout_s;
};

void config_defaults(struct config *c);
/* Reads an INI file over c. Returns 0, or -1 with "file:line: message" in
 * err. Unknown sections and keys, bad values and numbers out of range are
 * errors.
 */
int config_load(const char *path, struct config *c, char *err, size_t errlen);
/* A "key = value" as the file would have it; the same checks. For
 * command-line flags that override the file.
 */
int config_set(struct config *c, const char *section, const char *key,
	       const char *value, char *err, size_t errlen);
int prefix_parse(const char *s, struct prefix *p);
/* The i-th known key and its section; NULL past the last. */
const char *config_key_at(size_t i, const char **section);
/* Effective cookie/responder settings for an interface MTU. */
void config_to_cfg(const struct config *c, int mtu, struct synfin_cfg *cfg);

#endif
