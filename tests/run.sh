#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs synfin's tests: lint (the tree's shape), unit (cmocka), bpf
# (BPF_PROG_TEST_RUN) and e2e (namespaces). Each test has a time limit; a
# skip is reported, not passed.
# Usage: tests/run.sh BUILD [lint|unit|bpf|e2e]...
set -u
BUILD=${1:?usage: tests/run.sh BUILD [suite...]}
shift
suites=${*:-lint unit bpf e2e}
export BUILD
pass=0 failn=0 skipn=0 failed=()
# e2e tests run in XDP mode and again in TC mode (tests/e2e/lib.sh, SF_MODE).
BOTH_MODES="test_handshake test_close test_daemon test_forged_ack"

run_one() {	# name limit_s command...
	local name=$1 limit=$2 rc t0=$SECONDS
	shift 2
	echo "=== $name"
	timeout -k 10 "$limit" "$@"
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); echo "--- PASS $name ($((SECONDS - t0)) s)" ;;
	77) skipn=$((skipn + 1)); echo "--- SKIP $name" ;;
	124|137) failn=$((failn + 1)); failed+=("$name"); echo "--- FAIL $name (timed out after $limit s)" ;;
	*) failn=$((failn + 1)); failed+=("$name"); echo "--- FAIL $name (exit $rc)" ;;
	esac
}

for s in $suites; do
	case $s in
	lint)
		run_one "lint/include_cycles" 60 python3 tests/lint/include_cycles.py \
			daemon include tests/lib tests/unit tests/bpf tests/bench ;;
	unit|bpf)
		for t in "$BUILD"/tests/$s/test_*; do
			[ -x "$t" ] || continue
			run_one "$s/$(basename "$t")" 300 "$t"
		done ;;
	e2e)
		for t in tests/e2e/test_*.sh; do
			[ -f "$t" ] || continue
			n=$(basename "$t" .sh)
			run_one "e2e/$n" 600 env SF_MODE=xdp bash "$t"
			# The guard's own paths once more in TC mode: the same bodies.
			case " $BOTH_MODES " in
			*" $n "*) run_one "e2e/$n [tc]" 600 env SF_MODE=tc bash "$t" ;;
			esac
		done
		# The daemon's own test once more, with synfind built with
		# AddressSanitizer: any report (a leak included) fails it.
		if [ -x "$BUILD/asan/synfind" ]; then
			asan_dir=$(mktemp -d /tmp/synfin-asan.XXXXXX)
			run_one "e2e/test_daemon (ASan)" 600 env SYNFIND_BIN="$BUILD/asan/synfind" \
				ASAN_OPTIONS="log_path=$asan_dir/asan:detect_leaks=1" bash tests/e2e/test_daemon.sh
			if ls "$asan_dir"/asan.* >/dev/null 2>&1; then
				echo "--- FAIL e2e/test_daemon (ASan): reports in $asan_dir:"
				head -40 "$asan_dir"/asan.*
				failn=$((failn + 1)); failed+=("e2e/test_daemon (ASan reports)")
			else
				rm -rf "$asan_dir"
			fi
		fi ;;
	*) echo "unknown suite '$s'" >&2; exit 2 ;;
	esac
done

echo "=== $pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
