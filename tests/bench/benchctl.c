// SPDX-License-Identifier: GPL-2.0
/* benchctl: attach one of the benchmark's XDP aids (tests/progs/bench_xdp.bpf.c)
 * to an interface for a bounded time, then print its counters as JSON.
 *   benchctl OBJ PROG IFACE SECONDS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *bss;
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
	__u64 vals[2] = { 0, 0 };
	int ifindex, link, secs, zero = 0;

	if (argc != 5 || (secs = atoi(argv[4])) < 1 || secs > 600) {
		fprintf(stderr, "usage: benchctl OBJ PROG IFACE SECONDS (1-600)\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[3]);
	if (!ifindex) {
		fprintf(stderr, "benchctl: no such interface '%s'\n", argv[3]);
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "benchctl: couldn't load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog) {
		fprintf(stderr, "benchctl: no program '%s' in %s\n", argv[2], argv[1]);
		return 2;
	}
	link = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &opts);
	if (link < 0) {
		fprintf(stderr, "benchctl: couldn't attach %s to %s: %s\n", argv[2],
			argv[3], strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	sleep(secs);
	bss = bpf_object__find_map_by_name(obj, ".bss");
	if (bss)
		bpf_map_lookup_elem(bpf_map__fd(bss), &zero, vals);
	close(link);
	printf("{\"synacks\": %llu, \"dropped\": %llu}\n", (unsigned long long)vals[0],
	       (unsigned long long)vals[1]);
	bpf_object__close(obj);
	return 0;
}
