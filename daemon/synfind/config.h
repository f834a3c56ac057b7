/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SYNFIN_CONFIG_H
#define SYNFIN_CONFIG_H

#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include "synfin.h"

#define SYNFIN_DEFAULT_PIN_DIR "/sys/fs/bpf/synfin"

/* Where the guard runs: XDP (native or skb, the generic XDP) with TC for the
 * hand-off, or all of it in TC. auto: native XDP where it can, else TC.
 */
enum guard_mode { MODE_AUTO, MODE_NATIVE, MODE_SKB, MODE_TC };

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
	enum guard_mode mode;
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
	char secret_file[256];		/* "": a random key of the host's */
	__u32 rotate_s;			/* obsolete: keys are per period */
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
/* The same from the file's text; name stands for the file in err. */
int config_load_string(const char *text, const char *name, struct config *c,
		       char *err, size_t errlen);
/* A "key = value" as the file would have it; the same checks. For
 * command-line flags that override the file.
 */
int config_set(struct config *c, const char *section, const char *key,
	       const char *value, char *err, size_t errlen);
int prefix_parse(const char *s, struct prefix *p);
/* The command-line flag of a key: --name (and -short_name), which sets the
 * key to its argument, or to value when it takes none.
 */
struct config_flag {
	const char *name;
	char short_name;	/* 0: none */
	const char *arg;	/* NULL: no argument, sets value */
	const char *value;
	int repeatable;		/* repeated, its arguments make one list */
	const char *help;
};

/* The i-th key's flag, with its section and key; NULL past the last. */
const struct config_flag *config_flag_at(size_t i, const char **section,
					 const char **key);
/* The i-th key's default as the file would write it; "" when it has none
 * worth showing (a boolean, an empty list, an automatic 0).
 */
void config_default_str(size_t i, char *buf, size_t len);

/* Where a configuration comes from: the defaults, then a file, then
 * command-line flags in their order. synfind keeps it for reloads.
 */
#define CONFIG_MAX_OVERRIDES 64
struct config_override {
	const char *section, *key;
	char value[1024];
};

struct config_source {
	const char *path;	/* NULL: no file */
	struct config_override ov[CONFIG_MAX_OVERRIDES];
	int nov;
};

/* Adds "key = value" to src; with append, to the same key's value given
 * before, as one more list item. 0, or -1 when there is no room.
 */
int config_override_add(struct config_source *src, const char *section,
			const char *key, const char *value, int append);
/* Defaults, the file, the flags. 0, or -1 with a message for the user. */
int config_build(const struct config_source *src, struct config *c, char *err,
		 size_t errlen);
/* What synfind can't run without: interfaces and ports. */
int config_check_complete(const struct config *c, char *err, size_t errlen);
int guard_mode_parse(const char *s, enum guard_mode *mode);
const char *guard_mode_name(enum guard_mode mode);

#endif
