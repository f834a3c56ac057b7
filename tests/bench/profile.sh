#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make profile: where xdp_synfin spends its time. Runs prog_bench (SYNs and
# forged ACKs from random sources, through BPF_PROG_TEST_RUN) under perf
# with the cpu-clock event (no hardware counters needed), maps each sample
# inside the program to a source line with its jited line info, and prints
# the share of each source file and of the busiest lines. Sends nothing.
#   tests/bench/profile.sh BUILD
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/../.."
command -v perf >/dev/null || { echo "profile: needs perf" >&2; exit 1; }
TMP=$(mktemp -d /tmp/synfin-profile.XXXXXX)
cleanup() {
	rm -f "$TMP/bpffs/xdp_synfin"
	umount "$TMP/bpffs" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$TMP/bpffs" && mount -t bpf bpf "$TMP/bpffs" || { echo "profile: no bpffs" >&2; exit 1; }
# Only prog_bench's own task (its BPF_PROG_TEST_RUN runs in its syscalls):
# no other synfin running on the machine gets into the samples.
perf record -q -e cpu-clock -F 20000 -o "$TMP/perf.data" -- \
	"$BUILD/prog_bench" "$BUILD/tests/progs/bench_xdp.bpf.o" --pin "$TMP/bpffs/xdp_synfin" >/dev/null ||
	{ echo "profile: perf record failed" >&2; exit 1; }
"$BUILD/jit_lines" "$TMP/bpffs/xdp_synfin" >"$TMP/lines.txt" || exit 1
perf script -i "$TMP/perf.data" -F ip,sym,symoff 2>/dev/null |
	sed -n 's/.*_xdp_synfin+0x\([0-9a-f]*\).*/\1/p' >"$TMP/offs.txt"
python3 - "$TMP/lines.txt" "$TMP/offs.txt" <<'PY'
import bisect, collections, sys
lines = sorted((int(a, 16), f) for a, f in (l.split() for l in open(sys.argv[1])))
starts = [a for a, _ in lines]
by_file, by_line = collections.Counter(), collections.Counter()
for l in open(sys.argv[2]):
    i = bisect.bisect_right(starts, int(l, 16)) - 1
    where = lines[i][1] if i >= 0 else '?:0'
    by_line[where] += 1
    by_file[where.split(':')[0]] += 1
total = sum(by_file.values())
if not total:
    sys.exit('profile: no samples inside xdp_synfin')
print('xdp_synfin, %d samples (SYN and forged-ACK runs together)' % total)
for f, n in by_file.most_common():
    print('  %5.1f%%  %s' % (100.0 * n / total, f))
print('busiest lines (line 0: code the compiler made up):')
for f, n in by_line.most_common(12):
    print('  %5.1f%%  %s' % (100.0 * n / total, f))
PY
