// SPDX-License-Identifier: GPL-2.0
/* Per-packet cost of synfin's XDP paths, next to the bare programs of
 * bench_xdp.bpf.o, through BPF_PROG_TEST_RUN with repeat: ns per packet,
 * median of ROUNDS rounds, printed as one JSON object.
 *   syn: a Linux SYN from a random source, answered with a SYN-ACK;
 *   forged_ack: an ACK with a wrong cookie from a random source;
 *   reflect, xdp_drop: the bare reflector and XDP_DROP on the same frames;
 *   restore: writing the frame and the tail call alone (xdp_tx).
 * Each frame is written afresh from a template by xdp_bench_restore, which
 * tail-calls the program under test; "restore" is that overhead, included
 * in every other figure. --pin PATH leaves xdp_synfin pinned there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "testload.h"
#include "synfin.skel.h"
#include "ports.h"
#include "pktbuild.h"
#include "secrets.h"

#define ROUNDS 9
#define REPEAT 200000
#define FRAME 74

static int cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

struct bench {
	struct bpf_object *aux;
	int restore_fd, target_fd, tmpl_fd;
};

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!p) {
		fprintf(stderr, "prog_bench: no program %s\n", name);
		exit(1);
	}
	return bpf_program__fd(p);
}

/* ns per packet of fd on frames like pkt (FRAME bytes), which must all
 * get verdict want.
 */
static __u32 run(struct bench *b, int fd, const uint8_t *pkt, __u32 want)
{
	uint8_t in[FRAME], out[256];
	__u32 ns[ROUNDS], zero = 0;
	int i;

	if (bpf_map_update_elem(b->tmpl_fd, &zero, pkt, 0) ||
	    bpf_map_update_elem(b->target_fd, &zero, &fd, 0)) {
		perror("prog_bench: map update");
		exit(1);
	}
	memcpy(in, pkt, FRAME);
	for (i = 0; i < ROUNDS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = FRAME,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = REPEAT);
		if (bpf_prog_test_run_opts(b->restore_fd, &o)) {
			perror("prog_bench: test_run");
			exit(1);
		}
		if (o.retval != want) {
			fprintf(stderr, "prog_bench: verdict %u, not %u\n", o.retval, want);
			exit(1);
		}
		ns[i] = o.duration;
	}
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp);
	return ns[ROUNDS / 2];
}

static void frame(uint8_t *buf, int ack)
{
	struct pkt_spec s;

	pkt_spec_default(&s, 0);
	s.saddr[0] = 198;
	s.saddr[1] = 19;
	if (ack) {
		s.flags = PKT_TCP_ACK;
		s.seq = 1001;
		s.ack = 0xdeadbeef;
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
		pkt_opt_ts(&s, 1, 2);
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
		pkt_opt_nop(&s);
	} else {
		pkt_opts_linux_syn(&s, 1460, 1, 7);
	}
	if (pkt_build(buf, FRAME, &s) != FRAME) {
		fprintf(stderr, "prog_bench: frame is not %d bytes\n", FRAME);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	struct synfin_ports ports;
	struct synfin_cfg cfg;
	struct secrets sec;
	struct keyfile kf;
	struct synfin *skel;
	struct bench b;
	uint8_t syn[FRAME], ack[FRAME];
	char err[128];
	int synfin_fd;

	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "--pin"))) {
		fprintf(stderr, "usage: prog_bench BUILD/tests/progs/bench_xdp.bpf.o [--pin PATH]\n");
		return 2;
	}
	skel = synfin_load_sized(65536);
	if (!skel)
		return 1;
	/* A host's keys, as synfind writes them. */
	if (secrets_init(&sec, bpf_map__fd(skel->maps.secrets_map), 0, 1) ||
	    secrets_keys_load(NULL, &kf, err, sizeof(err)) ||
	    secrets_install(&sec, &kf, 0, NULL, 0)) {
		fprintf(stderr, "prog_bench: no cookie keys\n");
		return 1;
	}
	synfin_cfg_default(&cfg, 1500);
	cfg.meta_magic = 1;
	cfg.key_bank = sec.cur.bank;
	cfg.clock_ns = sec.cur.view.clock_ns;
	ports_parse("80", &ports, err, sizeof(err));
	synfin_set_cfg(skel, &cfg);
	synfin_set_ports(skel, &ports);
	synfin_fd = bpf_program__fd(skel->progs.xdp_synfin);

	b.aux = bpf_object__open_file(argv[1], NULL);
	if (!b.aux || bpf_object__load(b.aux)) {
		fprintf(stderr, "prog_bench: couldn't load %s\n", argv[1]);
		return 1;
	}
	b.restore_fd = prog_fd(b.aux, "xdp_bench_restore");
	b.target_fd = bpf_map__fd(bpf_object__find_map_by_name(b.aux, "bench_target"));
	b.tmpl_fd = bpf_map__fd(bpf_object__find_map_by_name(b.aux, "bench_tmpl"));
	frame(syn, 0);
	frame(ack, 1);
	/* For tests/bench/profile.sh: the program outlives the run, so its
	 * jited line info can map perf's samples to source lines.
	 */
	if (argc == 4 && bpf_obj_pin(synfin_fd, argv[3])) {
		perror("prog_bench: pin");
		return 1;
	}

	printf("{\"syn_ns\": %u, \"reflect_ns\": %u, \"forged_ack_ns\": %u, "
	       "\"xdp_drop_ns\": %u, \"restore_ns\": %u}\n",
	       run(&b, synfin_fd, syn, XDP_TX),
	       run(&b, prog_fd(b.aux, "xdp_reflect"), syn, XDP_TX),
	       run(&b, synfin_fd, ack, XDP_DROP),
	       run(&b, prog_fd(b.aux, "xdp_drop_count"), ack, XDP_DROP),
	       run(&b, prog_fd(b.aux, "xdp_tx"), syn, XDP_TX));
	return 0;
}
