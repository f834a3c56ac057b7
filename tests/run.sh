#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs synfin's tests: unit (cmocka), bpf (BPF_PROG_TEST_RUN) and e2e
# (namespaces). Each test has a time limit; a skip is reported, not passed.
# Usage: tests/run.sh BUILD [unit|bpf|e2e]...
set -u
BUILD=${1:?usage: tests/run.sh BUILD [suite...]}
shift
suites=${*:-unit bpf e2e}
export BUILD
pass=0 failn=0 skipn=0 failed=()

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
	unit|bpf)
		for t in "$BUILD"/tests/$s/test_*; do
			[ -x "$t" ] || continue
			run_one "$s/$(basename "$t")" 300 "$t"
		done ;;
	e2e)
		for t in tests/e2e/test_*.sh; do
			[ -f "$t" ] || continue
			run_one "e2e/$(basename "$t" .sh)" 600 bash "$t"
		done ;;
	*) echo "unknown suite '$s'" >&2; exit 2 ;;
	esac
done

echo "=== $pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
