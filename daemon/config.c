// SPDX-License-Identifier: GPL-2.0
/* synfin.conf: INI through libinih, one table of keys with their checks. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ini.h>
#include "ports.h"
#include "control.h"
#include "config.h"
#include "metrics.h"

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = XDP_MODE_AUTO;
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
	unsigned long long n;
	char *end;

	errno = 0;
	if (*v == '-' || *v == '+')
		return -1;
	n = strtoull(v, &end, 10);
	if (errno || !*v || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

enum key_type { K_U32, K_BOOL, K_STR, K_IFACES, K_MODE, K_PORTS, K_PREFIXES };

/* Every key: where it lives, its type and its range. */
static const struct key {
	const char *section, *name;
	enum key_type type;
	size_t off, size;
	__u32 lo, hi;
	int zero_ok;		/* 0 means "automatic", outside [lo, hi] */
} keys[] = {
#define U32(s, n, f, l, h) { s, n, K_U32, offsetof(struct config, f), 0, l, h, 0 }
#define U32Z(s, n, f, l, h) { s, n, K_U32, offsetof(struct config, f), 0, l, h, 1 }
#define BOOL(s, n, f) { s, n, K_BOOL, offsetof(struct config, f), 0, 0, 0, 0 }
#define STR(s, n, f) { s, n, K_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f), 0, 0, 0 }
#define LIST(s, n, t) { s, n, t, 0, 0, 0, 0, 0 }
	LIST("daemon", "interfaces", K_IFACES),
	LIST("daemon", "mode", K_MODE),
	STR("daemon", "pin_dir", pin_dir),
	STR("daemon", "control_socket", control_socket),
	STR("daemon", "metrics_listen", metrics_listen),
	BOOL("daemon", "keep_attached", keep_attached),
	LIST("protect", "ports", K_PORTS),
	LIST("protect", "prefixes", K_PREFIXES),
	U32("cookie", "rotate_s", rotate_s, 1, 86400),
	U32Z("cookie", "mss4", mss4, 536, 65495),
	U32Z("cookie", "mss6", mss6, 1220, 65475),
	U32("cookie", "wscale", wscale, 0, 14),
	BOOL("cookie", "window_scaling", window_scaling),
	BOOL("cookie", "sack", sack),
	BOOL("cookie", "timestamps", timestamps),
	BOOL("cookie", "ecn", ecn),
	U32("conntrack", "max_entries", max_entries, 1024, 1u << 26),
	U32("conntrack", "time_wait_ms", time_wait_ms, 0, 3600000),
	U32("conntrack", "syn_timeout_s", syn_timeout_s, 1, 86400),
	U32("conntrack", "established_timeout_s", established_timeout_s, 0, 30 * 86400),
	U32("conntrack", "close_timeout_s", close_timeout_s, 1, 86400),
	U32("conntrack", "close_wait_timeout_s", close_wait_timeout_s, 1, 86400),
#undef U32
#undef U32Z
#undef BOOL
#undef STR
#undef LIST
};

const char *config_key_at(size_t i, const char **section)
{
	if (i >= sizeof(keys) / sizeof(keys[0]))
		return NULL;
	*section = keys[i].section;
	return keys[i].name;
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

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name)) {
			k = &keys[i];
			break;
		}
	}
	if (!k) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (!strcmp(keys[i].section, section))
				break;
		if (i == sizeof(keys) / sizeof(keys[0]))
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

			if (metrics_parse_listen(value, &ss, &sl, err, errlen))
				return -1;
		}
		strcpy(field, value);
		return 0;
	case K_MODE:
		if (xdp_mode_parse(value, &c->mode)) {
			snprintf(err, errlen, "mode = '%s': want auto, native or skb", value);
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
	unsigned char seen[sizeof(keys) / sizeof(keys[0])];
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
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
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

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
	static struct load_ctx lc;
	int line;

	memset(&lc, 0, sizeof(lc));
	lc.c = c;
	line = ini_parse(path, config_line, &lc);
	if (line == -1) {
		snprintf(err, errlen, "%s: can't open: %s", path, strerror(errno));
		return -1;
	}
	if (line == -2) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (line > 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
			 lc.failed ? lc.msg : "syntax error (want key = value or [section])");
		return -1;
	}
	return 0;
}

void config_to_cfg(const struct config *c, int mtu, struct synfin_cfg *cfg)
{
	if (mtu < 1280)
		mtu = 1500;
	memset(cfg, 0, sizeof(*cfg));
	cfg->mss4 = c->mss4 ? c->mss4 : (__u32)(mtu - 40 > 65495 ? 65495 : mtu - 40);
	cfg->mss6 = c->mss6 ? c->mss6 : (__u32)(mtu - 60 > 65475 ? 65475 : mtu - 60);
	cfg->window = 65535;
	cfg->wscale = c->wscale;
	if (c->sack)
		cfg->flags |= SYNFIN_CFG_SACK;
	if (c->timestamps)
		cfg->flags |= SYNFIN_CFG_TS;
	/* ECN is remembered in the TSval: it needs timestamps. */
	if (c->ecn && c->timestamps)
		cfg->flags |= SYNFIN_CFG_ECN;
	if (c->window_scaling)
		cfg->flags |= SYNFIN_CFG_WSCALE;
	if (c->nprefixes)
		cfg->flags |= SYNFIN_CFG_PREFIXES;
}
