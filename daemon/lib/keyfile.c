// SPDX-License-Identifier: GPL-2.0
/* The fleet secret file: strict to read (a key that is not exactly the
 * fleet's would split it silently), careful to write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "keyfile.h"

#define FINGERPRINT_LABEL "synfin key fingerprint"
/* Two lines of 64 digits and their newlines, with room to say what is
 * wrong with a longer one.
 */
#define KEYFILE_MAX_BYTES 1024

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One line of buf, [s, e): exactly 64 hex digits. */
static int parse_line(const char *s, size_t n, int line, struct master_key *k,
		      const char *path, char *err, size_t errlen)
{
	size_t i;

	if (n != 2 * MASTER_KEY_BYTES) {
		snprintf(err, errlen, "secret file %s: line %d has %zu characters, not 64 hex digits",
			 path, line, n);
		return -1;
	}
	for (i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);

		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "secret file %s: line %d is not hex (column %zu)",
				 path, line, i + (hi < 0 ? 1 : 2));
			return -1;
		}
		k->b[i / 2] = (__u8)(hi << 4 | lo);
	}
	return 0;
}

static int check_stat(int fd, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st)) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "secret file %s: not a regular file", path);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(err, errlen, "secret file %s: owned by uid %u, not root",
			 path, (unsigned int)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IRWXO | S_IWGRP)) {
		snprintf(err, errlen, "secret file %s: mode %04o lets %s; chmod 600 it",
			 path, (unsigned int)(st.st_mode & 07777),
			 (st.st_mode & S_IRWXO) ? "others in" : "its group write");
		return -1;
	}
	return 0;
}

int keyfile_read(const char *path, struct keyfile *kf, char *err,
		 size_t errlen)
{
	char buf[KEYFILE_MAX_BYTES + 2];
	ssize_t n, got = 0;
	int fd, ret = -1, line = 0;
	size_t off = 0;

	memset(kf, 0, sizeof(*kf));
	/* Not blocking on a FIFO: fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		return -1;
	}
	if (check_stat(fd, path, err, errlen))
		goto out;
	while (got < (ssize_t)sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
			goto out;
		}
		if (!n)
			break;
		got += n;
	}
	if (!got) {
		snprintf(err, errlen, "secret file %s: empty, want a line of 64 hex digits",
			 path);
		goto out;
	}
	if (got > KEYFILE_MAX_BYTES) {
		snprintf(err, errlen, "secret file %s: longer than %d bytes: not a key file",
			 path, KEYFILE_MAX_BYTES);
		goto out;
	}
	while (off < (size_t)got) {
		const char *nl = memchr(buf + off, '\n', got - off);
		size_t len = nl ? (size_t)(nl - (buf + off)) : got - off;

		if (++line > KEYFILE_MAX_KEYS) {
			snprintf(err, errlen, "secret file %s: line %d: at most %d keys, one a line",
				 path, line, KEYFILE_MAX_KEYS);
			goto out;
		}
		if (parse_line(buf + off, len, line, &kf->key[line - 1], path,
			       err, errlen))
			goto out;
		off += len + 1;
	}
	kf->nkeys = line;
	ret = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	if (ret)
		keyfile_wipe(kf);
	close(fd);
	return ret;
}

int master_key_random(struct master_key *k)
{
	return getrandom(k->b, sizeof(k->b), 0) == sizeof(k->b) ? 0 : -1;
}

int keyfile_create(const char *path, char fp[FINGERPRINT_LEN + 1], char *err,
		   size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	char line[2 * MASTER_KEY_BYTES + 1];
	struct master_key k;
	int fd, ret = -1;
	size_t i;

	if (master_key_random(&k)) {
		snprintf(err, errlen, "couldn't read random bytes: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(k.b); i++) {
		line[2 * i] = hex[k.b[i] >> 4];
		line[2 * i + 1] = hex[k.b[i] & 0xf];
	}
	line[sizeof(line) - 1] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		goto out;
	}
	/* 0600 whatever the umask. */
	if (fchmod(fd, 0600) || write(fd, line, sizeof(line)) != sizeof(line) ||
	    fsync(fd)) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd)) {
		snprintf(err, errlen, "secret file %s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	master_key_fingerprint(&k, fp);
	ret = 0;
out:
	explicit_bzero(line, sizeof(line));
	explicit_bzero(&k, sizeof(k));
	return ret;
}

void master_key_fingerprint(const struct master_key *k,
			    char fp[FINGERPRINT_LEN + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	HMAC(EVP_sha256(), k->b, sizeof(k->b),
	     (const unsigned char *)FINGERPRINT_LABEL, strlen(FINGERPRINT_LABEL),
	     mac, &len);
	for (i = 0; i < FINGERPRINT_LEN / 2; i++)
		snprintf(fp + 2 * i, 3, "%02x", mac[i]);
	fp[FINGERPRINT_LEN] = '\0';
}

void keyfile_wipe(struct keyfile *kf)
{
	explicit_bzero(kf, sizeof(*kf));
}
