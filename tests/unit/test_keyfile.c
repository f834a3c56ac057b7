// SPDX-License-Identifier: GPL-2.0
/* The fleet's secret file: what is read, what is refused (with a line
 * naming the file), and what synfinctl secret new writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "keyfile.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
/* HEX_A with its 10th digit not one. */
#define HEX_G "000102030g05060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "A0A7AEB5BCC3CAD1D8DFE6EDF4FB020910171E252C333A41484F565D646B7279"

static char dir[64];

static const char *file_with(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void good_files(void **state)
{
	static const struct {
		const char *text;
		int nkeys;
	} rows[] = {
		{ HEX_A "\n", 1 },
		{ HEX_A, 1 },
		{ HEX_A "\n" HEX_B "\n", 2 },
		{ HEX_A "\n" HEX_B, 2 },
	};
	struct keyfile kf;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *path = file_with("good", rows[i].text, 0600);

		assert_int_equal(keyfile_read(path, &kf, err, sizeof(err)), 0);
		assert_int_equal(kf.nkeys, rows[i].nkeys);
		assert_int_equal(kf.key[0].b[0], 0x00);
		assert_int_equal(kf.key[0].b[31], 0x1f);
		if (rows[i].nkeys > 1) {
			/* Upper case reads too. */
			assert_int_equal(kf.key[1].b[0], 0xa0);
			assert_int_equal(kf.key[1].b[31], 0x79);
		}
	}
	/* Group-readable is allowed: a group of operators may hold it. */
	assert_int_equal(keyfile_read(file_with("g", HEX_A "\n", 0640), &kf, err,
				      sizeof(err)), 0);
}

static void bad_files(void **state)
{
	static const struct {
		const char *name, *text;
		mode_t mode;
		const char *why;
	} rows[] = {
		{ "short", "0" HEX_A "\n" + 2, 0600, "line 1 has 63 characters" },
		{ "long", HEX_A "0\n", 0600, "line 1 has 65 characters" },
		{ "nothex", HEX_G "\n", 0600, "line 1 is not hex (column 10)" },
		{ "nothex2", HEX_A "\n" HEX_G, 0600, "line 2 is not hex (column 10)" },
		{ "empty", "", 0600, "empty" },
		{ "three", HEX_A "\n" HEX_B "\n" HEX_A "\n", 0600, "line 3: at most 2 keys" },
		{ "blank2", HEX_A "\n\n", 0600, "line 2 has 0 characters" },
		{ "crlf", HEX_A "\r\n", 0600, "line 1 has 65 characters" },
		{ "space", HEX_A " \n", 0600, "line 1 has 65 characters" },
		{ "world", HEX_A "\n", 0604, "mode 0604 lets others in" },
		{ "groupw", HEX_A "\n", 0620, "mode 0620 lets its group write" },
	};
	struct keyfile kf;
	char err[256], want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *path = file_with(rows[i].name, rows[i].text, rows[i].mode);

		err[0] = '\0';
		assert_int_equal(keyfile_read(path, &kf, err, sizeof(err)), -1);
		snprintf(want, sizeof(want), "secret file %s: ", path);
		if (strncmp(err, want, strlen(want)) || !strstr(err, rows[i].why) ||
		    strchr(err, '\n'))
			fail_msg("%s: got '%s', want '%s%s...'", rows[i].name, err,
				 want, rows[i].why);
		/* Nothing of a key is left behind. */
		assert_int_equal(kf.nkeys, 0);
		assert_int_equal(kf.key[0].b[1], 0);
	}
	assert_int_equal(keyfile_read(dir, &kf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	/* A FIFO is refused, not waited on. */
	snprintf(want, sizeof(want), "%s/fifo", dir);
	assert_int_equal(mkfifo(want, 0600), 0);
	assert_int_equal(keyfile_read(want, &kf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	snprintf(want, sizeof(want), "%s/missing", dir);
	assert_int_equal(keyfile_read(want, &kf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
	if (geteuid() == 0) {
		const char *path = file_with("nobody", HEX_A "\n", 0600);

		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(keyfile_read(path, &kf, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "owned by uid 65534, not root"));
	}
}

static void create(void **state)
{
	char path[128], fp[FINGERPRINT_LEN + 1], fp2[FINGERPRINT_LEN + 1], err[256];
	struct keyfile kf, again;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/new", dir);
	unlink(path);
	umask(0);
	assert_int_equal(keyfile_create(path, fp, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 65);
	assert_int_equal(keyfile_read(path, &kf, err, sizeof(err)), 0);
	assert_int_equal(kf.nkeys, 1);
	master_key_fingerprint(&kf.key[0], fp2);
	assert_string_equal(fp, fp2);
	/* Never over an existing file. */
	assert_int_equal(keyfile_create(path, fp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "File exists"));
	/* A second one is another key. */
	unlink(path);
	assert_int_equal(keyfile_create(path, fp2, err, sizeof(err)), 0);
	assert_int_equal(keyfile_read(path, &again, err, sizeof(err)), 0);
	assert_memory_not_equal(kf.key[0].b, again.key[0].b, MASTER_KEY_BYTES);
	umask(022);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_files),
		cmocka_unit_test(bad_files),
		cmocka_unit_test(create),
	};
	int ret;

	snprintf(dir, sizeof(dir), "/tmp/synfin-keyfile.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	char cmd[96];

	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		ret = 1;
	return ret;
}
