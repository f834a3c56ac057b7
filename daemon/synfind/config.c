// SPDX-License-Identifier: GPL-2.0
/* synfin.conf: INI through libinih, one table of keys with their checks. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>
#include "opts.h"
#include "ports.h"
#include "control_proto.h"
#include "config.h"
#include "listen_addr.h"

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_AUTO;
	snprintf(c->pin_dir, sizeof(c->pin_dir), "%s", SYNFIN_DEFAULT_PIN_DIR);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
		 SYNFIN_DEFAULT_SOCKET);
	c->rotate_s = 60;
	c->wscale = 7;
	c->sack = c->timestamps = c->ecn = c->window_scaling = 1;
	c->max_entries = SYNFIN_CT_DEFAULT_ENTRIES;
	c->time_wait_ms = 60000;
	c->syn_timeout_s = 60;
	c->close_timeout_s = 120;
	c->close_wait_timeout_s = 120;
}

int prefix_parse(const char *s, struct prefix *p)
{
	char buf[64], *slash;
	unsigned long len;
	char *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->ipv6 = 0;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->ipv6 = 1;
	else
		return -1;
	p->len = p->ipv6 ? 128 : 32;
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || !slash[1] || *end || len > p->len)
			return -1;
		p->len = len;
	}
	return 0;
}

int guard_mode_parse(const char *s, enum guard_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = MODE_AUTO;
	else if (!strcmp(s, "native"))
		*mode = MODE_NATIVE;
	else if (!strcmp(s, "skb"))
		*mode = MODE_SKB;
	else if (!strcmp(s, "tc"))
		*mode = MODE_TC;
	else
		return -1;
	return 0;
}

const char *guard_mode_name(enum guard_mode mode)
{
	static const char *const names[] = {
		[MODE_AUTO] = "auto", [MODE_NATIVE] = "native",
		[MODE_SKB] = "skb", [MODE_TC] = "tc",
	};

	return mode <= MODE_TC ? names[mode] : "?";
}

static int parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = 1;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

static int parse_u32(const char *v, __u32 lo, __u32 hi, __u32 *out)
{
	__u64 n;

	if (parse_u64(v, lo, hi, &n))
		return -1;
	*out = n;
	return 0;
}

enum key_type { K_U32, K_BOOL, K_STR, K_IFACES, K_MODE, K_PORTS, K_PREFIXES };

/* Every key: where it lives, its type and range, and the command-line flag
 * that overrides it. synfind's getopt table, its --help and the README's
 * table of flags all come from here.
 */
static const struct key {
	const char *section, *name;
	enum key_type type;
	size_t off, size;
	__u32 lo, hi;
	int zero_ok;		/* 0 means "automatic", outside [lo, hi] */
	struct config_flag flag;
} keys[] = {
#define F(...) { __VA_ARGS__ }
#define U32(s, n, f, l, h, fl) { s, n, K_U32, offsetof(struct config, f), 0, l, h, 0, fl }
#define U32Z(s, n, f, l, h, fl) { s, n, K_U32, offsetof(struct config, f), 0, l, h, 1, fl }
#define BOOL(s, n, f, fl) { s, n, K_BOOL, offsetof(struct config, f), 0, 0, 0, 0, fl }
#define STR(s, n, f, fl) { s, n, K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, 0, fl }
#define LIST(s, n, t, fl) { s, n, t, 0, 0, 0, 0, 0, fl }
	LIST("daemon", "interfaces", K_IFACES,
	     F("iface", 'i', "IF", NULL, 1, "interface to protect")),
	LIST("daemon", "mode", K_MODE,
	     F("mode", 'm', "MODE", NULL, 0, "where the guard runs: native or skb (XDP), tc, or auto: native XDP where it can, else tc")),
	STR("daemon", "pin_dir", pin_dir,
	    F("pin-dir", 0, "DIR", NULL, 0, "bpffs directory for pins")),
	STR("daemon", "control_socket", control_socket,
	    F("socket", 's', "PATH", NULL, 0, "control socket, for synfinctl")),
	STR("daemon", "metrics_listen", metrics_listen,
	    F("metrics", 0, "ADDR:PORT", NULL, 0, "Prometheus endpoint, off by default")),
	BOOL("daemon", "keep_attached", keep_attached,
	     F("keep", 'k', NULL, "yes", 0, "leave everything attached at exit")),
	LIST("protect", "ports", K_PORTS,
	     F("ports", 'p', "SPEC", NULL, 0, "protected ports and ranges, 1-65535, e.g. 80,443,8000-8100")),
	LIST("protect", "prefixes", K_PREFIXES,
	     F("prefixes", 0, "LIST", NULL, 0, "protected destination prefixes, IPv4 and IPv6")),
	STR("cookie", "secret_file", secret_file,
	    F("secret-file", 0, "PATH", NULL, 0, "the fleet's cookie key file (synfinctl secret new); default: a random key of this host's")),
	U32("cookie", "rotate_s", rotate_s, 1, 86400,
	    F("rotate-s", 0, "N", NULL, 0, "obsolete and ignored: each 68.7 s period has a key of its own")),
	U32Z("cookie", "mss4", mss4, 536, 65495,
	     F("mss4", 0, "N", NULL, 0, "MSS the SYN-ACK offers over IPv4; 0: the MTU less 40")),
	U32Z("cookie", "mss6", mss6, 1220, 65475,
	     F("mss6", 0, "N", NULL, 0, "MSS the SYN-ACK offers over IPv6; 0: the MTU less 60")),
	U32("cookie", "wscale", wscale, 0, 14,
	    F("wscale", 0, "N", NULL, 0, "our window scale, 0-14")),
	BOOL("cookie", "window_scaling", window_scaling,
	     F("no-wscale", 0, NULL, "no", 0, "don't offer window scaling")),
	BOOL("cookie", "sack", sack,
	     F("no-sack", 0, NULL, "no", 0, "don't offer SACK")),
	BOOL("cookie", "timestamps", timestamps,
	     F("no-timestamps", 0, NULL, "no", 0, "don't offer timestamps (nor ECN, which needs them)")),
	BOOL("cookie", "ecn", ecn,
	     F("no-ecn", 0, NULL, "no", 0, "don't offer ECN")),
	U32("conntrack", "max_entries", max_entries, 1024, 1u << 26,
	    F("ct-size", 0, "N", NULL, 0, "connection table entries")),
	U32("conntrack", "time_wait_ms", time_wait_ms, 0, 3600000,
	    F("time-wait-ms", 0, "N", NULL, 0, "how long TIME-WAIT entries stay, ms")),
	U32("conntrack", "syn_timeout_s", syn_timeout_s, 1, 86400,
	    F("syn-timeout-s", 0, "N", NULL, 0, "idle SYN-SENT and SYN-RECEIVED entries go after N s")),
	U32("conntrack", "established_timeout_s", established_timeout_s, 0, 30 * 86400,
	    F("established-timeout-s", 0, "N", NULL, 0, "idle ESTABLISHED entries go after N s; 0: kept until the LRU needs room")),
	U32("conntrack", "close_timeout_s", close_timeout_s, 1, 86400,
	    F("close-timeout-s", 0, "N", NULL, 0, "idle FIN-WAIT, CLOSING and LAST-ACK entries go after N s")),
	U32("conntrack", "close_wait_timeout_s", close_wait_timeout_s, 1, 86400,
	    F("close-wait-timeout-s", 0, "N", NULL, 0, "idle CLOSE-WAIT entries go after N s")),
#undef F
#undef U32
#undef U32Z
#undef BOOL
#undef STR
#undef LIST
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const struct config_flag *config_flag_at(size_t i, const char **section,
					 const char **key)
{
	if (i >= NKEYS)
		return NULL;
	*section = keys[i].section;
	*key = keys[i].name;
	return &keys[i].flag;
}

void config_default_str(size_t i, char *buf, size_t len)
{
	struct config c;
	const char *field;

	buf[0] = '\0';
	if (i >= NKEYS)
		return;
	config_defaults(&c);
	field = (const char *)&c + keys[i].off;
	switch (keys[i].type) {
	case K_U32:
		if (*(const __u32 *)field)
			snprintf(buf, len, "%u", *(const __u32 *)field);
		break;
	case K_STR:
		snprintf(buf, len, "%s", field);
		break;
	case K_MODE:
		snprintf(buf, len, "%s", guard_mode_name(c.mode));
		break;
	default:
		break;
	}
}

/* Comma- or space-separated list items, one call each. */
static int for_each_item(const char *v, int (*fn)(const char *item, struct config *c,
						  char *err, size_t errlen),
			 struct config *c, char *err, size_t errlen)
{
	char buf[4096], *save, *tok;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "value too long");
		return -1;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
		if (fn(tok, c, err, errlen))
			return -1;
	return 0;
}

static int add_iface(const char *name, struct config *c, char *err, size_t errlen)
{
	int i;

	if (strlen(name) >= IF_NAMESIZE) {
		snprintf(err, errlen, "interface name '%s' is too long", name);
		return -1;
	}
	for (i = 0; i < c->nifaces; i++) {
		if (!strcmp(c->ifaces[i], name)) {
			snprintf(err, errlen, "interface '%s' is listed twice", name);
			return -1;
		}
	}
	if (c->nifaces == SYNFIN_MAX_IFACES) {
		snprintf(err, errlen, "more than %d interfaces", SYNFIN_MAX_IFACES);
		return -1;
	}
	strcpy(c->ifaces[c->nifaces++], name);
	return 0;
}

static int add_prefix(const char *s, struct config *c, char *err, size_t errlen)
{
	struct prefix p;

	if (prefix_parse(s, &p)) {
		snprintf(err, errlen, "bad prefix '%s' (want e.g. 198.18.0.0/15 or 2001:db8::/32)", s);
		return -1;
	}
	if (c->nprefixes == SYNFIN_MAX_PREFIXES) {
		snprintf(err, errlen, "more than %d prefixes", SYNFIN_MAX_PREFIXES);
		return -1;
	}
	c->prefixes[c->nprefixes++] = p;
	return 0;
}

int config_set(struct config *c, const char *section, const char *name,
	       const char *value, char *err, size_t errlen)
{
	const struct key *k = NULL;
	char *field;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name)) {
			k = &keys[i];
			break;
		}
	}
	if (!k) {
		for (i = 0; i < NKEYS; i++)
			if (!strcmp(keys[i].section, section))
				break;
		if (i == NKEYS)
			snprintf(err, errlen, "unknown section [%s]", section);
		else
			snprintf(err, errlen, "unknown key '%s' in [%s]", name, section);
		return -1;
	}
	field = (char *)c + k->off;
	switch (k->type) {
	case K_U32:
		if (k->zero_ok && !strcmp(value, "0")) {
			*(__u32 *)field = 0;
			return 0;
		}
		if (parse_u32(value, k->lo, k->hi, (__u32 *)field)) {
			snprintf(err, errlen, "%s = '%s': want a number from %u to %u%s",
				 name, value, k->lo, k->hi, k->zero_ok ? ", or 0 for automatic" : "");
			return -1;
		}
		return 0;
	case K_BOOL:
		if (parse_bool(value, (int *)field)) {
			snprintf(err, errlen, "%s = '%s': want yes or no", name, value);
			return -1;
		}
		return 0;
	case K_STR:
		if (strlen(value) >= k->size) {
			snprintf(err, errlen, "%s is longer than %zu characters", name,
				 k->size - 1);
			return -1;
		}
		if (field == c->metrics_listen && *value) {
			struct sockaddr_storage ss;
			socklen_t sl;

			if (listen_addr_parse(value, &ss, &sl, err, errlen))
				return -1;
		}
		strcpy(field, value);
		return 0;
	case K_MODE:
		if (guard_mode_parse(value, &c->mode)) {
			snprintf(err, errlen, "mode = '%s': want auto, native, skb or tc", value);
			return -1;
		}
		return 0;
	case K_IFACES:
		c->nifaces = 0;
		if (for_each_item(value, add_iface, c, err, errlen))
			return -1;
		if (!c->nifaces) {
			snprintf(err, errlen, "interfaces is empty");
			return -1;
		}
		return 0;
	case K_PORTS:
		if (ports_parse(value, &c->ports, err, errlen))
			return -1;
		c->have_ports = 1;
		return 0;
	case K_PREFIXES:
		c->nprefixes = 0;
		return for_each_item(value, add_prefix, c, err, errlen);
	}
	return -1;
}

struct load_ctx {
	struct config *c;
	char msg[256];
	int failed;
	/* Keys seen, to refuse one given twice. */
	unsigned char seen[NKEYS];
};

static int config_line(void *user, const char *section, const char *name,
		       const char *value)
{
	struct load_ctx *lc = user;
	size_t i;

	if (lc->failed)
		return 0;
	if (!name) {	/* a section header alone (inih calls with name NULL
			 * only when built with INI_CALL_HANDLER_ON_NEW_SECTION) */
		return 1;
	}
	for (i = 0; i < NKEYS; i++) {
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name)) {
			if (lc->seen[i]++) {
				snprintf(lc->msg, sizeof(lc->msg),
					 "'%s' is given twice in [%s]", name, section);
				lc->failed = 1;
				return 0;
			}
			break;
		}
	}
	if (config_set(lc->c, section, name, value, lc->msg, sizeof(lc->msg))) {
		lc->failed = 1;
		return 0;
	}
	return 1;
}

/* ini_parse's or ini_parse_string's answer, as "name:line: message". */
static int config_parsed(int line, const char *name, const struct load_ctx *lc,
			 char *err, size_t errlen)
{
	if (line == -1) {
		snprintf(err, errlen, "%s: can't open: %s", name, strerror(errno));
		return -1;
	}
	if (line == -2) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", name, line,
			 lc->failed ? lc->msg : "syntax error (want key = value or [section])");
		return -1;
	}
	return 0;
}

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
	static struct load_ctx lc;

	memset(&lc, 0, sizeof(lc));
	lc.c = c;
	return config_parsed(ini_parse(path, config_line, &lc), path, &lc, err, errlen);
}

int config_load_string(const char *text, const char *name, struct config *c,
		       char *err, size_t errlen)
{
	static struct load_ctx lc;

	memset(&lc, 0, sizeof(lc));
	lc.c = c;
	return config_parsed(ini_parse_string(text, config_line, &lc), name, &lc,
			     err, errlen);
}

int config_override_add(struct config_source *src, const char *section,
			const char *key, const char *value, int append)
{
	struct config_override *o = NULL;
	int i;

	for (i = 0; append && i < src->nov; i++)
		if (!strcmp(src->ov[i].section, section) && !strcmp(src->ov[i].key, key))
			o = &src->ov[i];
	if (o) {
		size_t n = strlen(o->value);

		if (n + strlen(value) + 2 > sizeof(o->value))
			return -1;
		snprintf(o->value + n, sizeof(o->value) - n, ",%s", value);
		return 0;
	}
	if (src->nov == CONFIG_MAX_OVERRIDES || strlen(value) >= sizeof(o->value))
		return -1;
	o = &src->ov[src->nov++];
	o->section = section;
	o->key = key;
	strcpy(o->value, value);
	return 0;
}

int config_build(const struct config_source *src, struct config *c, char *err,
		 size_t errlen)
{
	char msg[256], *p;
	int i;

	config_defaults(c);
	if (src->path && config_load(src->path, c, err, errlen))
		return -1;
	for (i = 0; i < src->nov; i++) {
		if (config_set(c, src->ov[i].section, src->ov[i].key, src->ov[i].value,
			       msg, sizeof(msg))) {
			/* One line, whatever the flag's value holds. */
			for (p = msg; *p; p++)
				if (iscntrl((unsigned char)*p))
					*p = '?';
			snprintf(err, errlen, "command line: %s", msg);
			return -1;
		}
	}
	return 0;
}

int config_check_complete(const struct config *c, char *err, size_t errlen)
{
	if (!c->nifaces) {
		snprintf(err, errlen, "no interface: give --iface or [daemon] interfaces");
		return -1;
	}
	if (!c->have_ports) {
		snprintf(err, errlen, "no protected port: give --ports or [protect] ports");
		return -1;
	}
	return 0;
}
