// SPDX-License-Identifier: GPL-2.0
/* Per-packet cost of dropping a forged ACK (BPF_PROG_TEST_RUN, repeat),
 * next to a bare XDP_DROP: ns per packet, median of 5 rounds. Only paths
 * that leave the frame as it was can be timed so: a repeated run reuses
 * the buffer, and a SYN becomes a SYN-ACK after the first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "ports.h"
#include "pktbuild.h"

#define ROUNDS 5
#define REPEAT 200000

static int cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static __u32 run(int fd, const uint8_t *pkt, size_t len)
{
	uint8_t out[256];
	__u32 ns[ROUNDS];
	int i;

	for (i = 0; i < ROUNDS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = REPEAT);
		if (bpf_prog_test_run_opts(fd, &o)) {
			perror("test_run");
			exit(1);
		}
		ns[i] = o.duration;
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp);
	return ns[ROUNDS / 2];
}

int main(int argc, char **argv)
{
	struct synfin_ports ports;
	struct synfin_cfg cfg;
	struct synfin *skel;
	struct bpf_object *aux;
	struct pkt_spec s;
	uint8_t ack[256];
	size_t ack_len;
	char err[128];

	if (argc != 2) {
		fprintf(stderr, "usage: prog_bench BUILD/bpf/bench_xdp.bpf.o\n");
		return 2;
	}
	skel = synfin_load_sized(65536);
	if (!skel)
		return 1;
	synfin_cfg_default(&cfg, 1500);
	cfg.meta_magic = 1;
	ports_parse("80", &ports, err, sizeof(err));
	synfin_set_cfg(skel, &cfg);
	synfin_set_ports(skel, &ports);

	pkt_spec_default(&s, 0);
	s.flags = PKT_TCP_ACK;
	s.seq = 1001;
	s.ack = 0xdeadbeef;
	pkt_opt_nop(&s);
	pkt_opt_nop(&s);
	pkt_opt_ts(&s, 1, 2);
	ack_len = pkt_build(ack, sizeof(ack), &s);

	aux = bpf_object__open_file(argv[1], NULL);
	if (!aux || bpf_object__load(aux))
		return 1;
	printf("{\"forged_ack_ns\": %u, \"xdp_drop_ns\": %u}\n",
	       run(bpf_program__fd(skel->progs.xdp_synfin), ack, ack_len),
	       run(bpf_program__fd(bpf_object__find_program_by_name(aux, "xdp_drop_count")), ack, ack_len));
	return 0;
}
