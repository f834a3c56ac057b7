// SPDX-License-Identifier: GPL-2.0
/* Prints a loaded program's jited line info: for each source line the
 * compiler recorded in its main function, the offset of its first
 * instruction in the JIT image, as "OFFSET FILE:LINE" (hex offset). tests/bench/profile.sh maps perf's
 * samples (symbol + offset) to source lines with it.
 *   jit_lines PINNED_PROG
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), njl, nl, nks, i, btf_id, *flens;
	struct bpf_line_info *li;
	__u64 *jl, *ks;
	struct btf *btf;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: jit_lines PINNED_PROG\n");
		return 2;
	}
	fd = bpf_obj_get(argv[1]);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("jit_lines");
		return 1;
	}
	njl = info.nr_jited_line_info;
	nl = info.nr_line_info;
	nks = info.nr_jited_ksyms;
	btf_id = info.btf_id;
	if (!njl || njl != nl || !nks) {
		fprintf(stderr, "jit_lines: no jited line info (JIT off, or no BTF)\n");
		return 1;
	}
	jl = calloc(njl, sizeof(*jl));
	li = calloc(nl, sizeof(*li));
	ks = calloc(nks, sizeof(*ks));
	flens = calloc(nks, sizeof(*flens));
	if (!jl || !li || !ks || !flens)
		return 1;
	memset(&info, 0, sizeof(info));
	info.nr_jited_line_info = njl;
	info.jited_line_info_rec_size = sizeof(*jl);
	info.jited_line_info = (unsigned long)jl;
	info.nr_line_info = nl;
	info.line_info_rec_size = sizeof(*li);
	info.line_info = (unsigned long)li;
	info.nr_jited_ksyms = nks;
	info.jited_ksyms = (unsigned long)ks;
	info.nr_jited_func_lens = nks;
	info.jited_func_lens = (unsigned long)flens;
	len = sizeof(info);
	btf = btf__load_from_kernel_by_id(btf_id);
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !btf) {
		perror("jit_lines");
		return 1;
	}
	/* Without the right to see kernel addresses (kptr_restrict), they
	 * come back as 0: every line would map to offset 0.
	 */
	if (!ks[0]) {
		fprintf(stderr, "jit_lines: the kernel hides the JIT's addresses (kernel.kptr_restrict?)\n");
		return 1;
	}
	/* The main function's lines, as offsets from its start (ks[0]);
	 * subprograms (bpf_loop callbacks) are symbols of their own in perf.
	 */
	for (i = 0; i < nl; i++) {
		const char *file = btf__name_by_offset(btf, li[i].file_name_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		if (jl[i] < ks[0] || jl[i] >= ks[0] + flens[0])
			continue;
		printf("%llx %s:%u\n", (unsigned long long)(jl[i] - ks[0]),
		       base ? base + 1 : (file ? file : "?"),
		       BPF_LINE_INFO_LINE_NUM(li[i].line_col));
	}
	btf__free(btf);
	return 0;
}
