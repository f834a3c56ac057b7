#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make fuzz: the loaded programs fuzzed through BPF_PROG_TEST_RUN
# (fuzz_bpf: its corpus first, then FUZZ_FRAMES frames a program, then
# FUZZ_STATEFUL more with kept connections, then FUZZ_FORGED forged ACKs;
# FUZZ_SECONDS bounds each phase of frames), then every libFuzzer parser fuzzer built in
# BUILD/tests/fuzz/parsers for FUZZ_PARSER_SECONDS each. Any violation or
# crash fails it; what failed is kept in BUILD/fuzz-findings.
# Usage: tests/fuzz/run.sh BUILD
set -u
BUILD=${1:?usage: tests/fuzz/run.sh BUILD}
HERE=$(cd "$(dirname "$0")" && pwd)
FINDINGS=$BUILD/fuzz-findings
seed=${FUZZ_SEED:-$(date +%s)}
rc=0

bounds=(--frames "${FUZZ_FRAMES:-1000000}" --stateful "${FUZZ_STATEFUL:-250000}")
[ -n "${FUZZ_SECONDS:-}" ] && bounds+=(--seconds "$FUZZ_SECONDS")

echo "=== fuzz_bpf (seed $seed)"
"$BUILD/tests/fuzz/fuzz_bpf" --seed "$seed" "${bounds[@]}" --corpus "$HERE/corpus" \
	--findings "$FINDINGS" --forged-acks "${FUZZ_FORGED:-1000000}" || {
	echo "--- FAIL fuzz_bpf: FUZZ_SEED=$seed repeats it; frames in $FINDINGS"
	rc=1
}

for f in "$BUILD"/tests/fuzz/parsers/fuzz_*; do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	# New inputs go to a scratch corpus; the tree's is only read.
	scratch=$BUILD/fuzz-corpus/$name
	mkdir -p "$scratch" "$FINDINGS"
	dirs=("$scratch")
	[ -d "$HERE/parsers/corpus/${name#fuzz_}" ] && dirs+=("$HERE/parsers/corpus/${name#fuzz_}")
	echo "=== $name (${FUZZ_PARSER_SECONDS:-60} s)"
	"$f" -max_total_time="${FUZZ_PARSER_SECONDS:-60}" -print_final_stats=1 \
		-artifact_prefix="$FINDINGS/$name-" "${dirs[@]}" 2>&1 | tail -20
	if [ "${PIPESTATUS[0]}" -ne 0 ]; then
		echo "--- FAIL $name: inputs in $FINDINGS"
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "=== fuzz: no violation, no crash"
exit $rc
