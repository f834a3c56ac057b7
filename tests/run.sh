#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs synfin's tests: lint (the tree's shape), unit (cmocka), bpf
# (BPF_PROG_TEST_RUN) and e2e (namespaces). Each test has a time limit; a
# skip is reported, not passed.
# Usage: tests/run.sh BUILD [lint|unit|bpf|fuzz|e2e]...
set -u
BUILD=${1:?usage: tests/run.sh BUILD [suite...]}
shift
suites=${*:-lint unit bpf fuzz e2e}
export BUILD
pass=0 failn=0 skipn=0 failed=()
# e2e tests run in XDP mode and again in TC mode (tests/e2e/lib.sh, SF_MODE).
BOTH_MODES="test_handshake test_close test_daemon test_forged_ack test_ifaces test_fleet test_conform test_door"

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
	fuzz)
		# A short, fixed run of make fuzz's BPF fuzzer (its corpus, then
		# each phase's frames for at most 5 s) and a million forged ACKs
		# through XDP.
		run_one "fuzz/fuzz_bpf" 300 "$BUILD/tests/fuzz/fuzz_bpf" --seed 1 \
			--frames 30000 --stateful 10000 --seconds 5 \
			--corpus tests/fuzz/corpus --forged-acks 1000000 ;;
	e2e)
		# run_sanitized NAME SCRIPT VAR=BIN...: an e2e test with the
		# sanitizer builds (make's ASAN_PROGS: ASan, LSan, UBSan) in
		# VARs; any report, a leak included, fails it. The directory
		# is open to all: test_flood runs synfin-flood as nobody too.
		run_sanitized() {
			local name=$1 script=$2 dir
			shift 2
			dir=$(mktemp -d /tmp/synfin-asan.XXXXXX) && chmod 1777 "$dir"
			run_one "$name" 600 env SF_MODE=xdp \
				ASAN_OPTIONS="log_path=$dir/asan:detect_leaks=1" \
				UBSAN_OPTIONS="log_path=$dir/ubsan:print_stacktrace=1:halt_on_error=1" \
				"$@" bash "$script"
			if ls "$dir"/asan.* "$dir"/ubsan.* >/dev/null 2>&1; then
				echo "--- FAIL $name: reports in $dir:"
				head -40 "$dir"/asan.* "$dir"/ubsan.* 2>/dev/null
				failn=$((failn + 1)); failed+=("$name (sanitizer reports)")
			else
				rm -rf "$dir"
			fi
		}
		san=$BUILD/asan
		for t in tests/e2e/test_*.sh; do
			[ -f "$t" ] || continue
			n=$(basename "$t" .sh)
			# The command-line tests' one run is with the sanitizer
			# builds: synfind's parsers in test_cli, synfin-flood's
			# in test_flood.
			if [ $n = test_cli ] && [ -x "$san/synfind" ]; then
				run_sanitized "e2e/$n (sanitizers)" "$t" SYNFIND_BIN="$san/synfind"
				continue
			fi
			if [ $n = test_flood ] && [ -x "$san/synfin-flood" ]; then
				run_sanitized "e2e/$n (sanitizers)" "$t" FLOOD_BIN="$san/synfin-flood"
				continue
			fi
			run_one "e2e/$n" 600 env SF_MODE=xdp bash "$t"
			# The guard's own paths once more in TC mode: the same bodies.
			# The daemon's TC run is with the sanitizer builds of synfind
			# and synfinctl.
			case " $BOTH_MODES " in
			*" $n "*)
				if [ $n = test_daemon ] && [ -x "$san/synfind" ] && [ -x "$san/synfinctl" ]; then
					run_sanitized "e2e/$n [tc] (sanitizers)" "$t" SF_MODE=tc \
						SYNFIND_BIN="$san/synfind" SYNFINCTL_BIN="$san/synfinctl"
				else
					run_one "e2e/$n [tc]" 600 env SF_MODE=tc bash "$t"
				fi ;;
			esac
		done ;;
	*) echo "unknown suite '$s'" >&2; exit 2 ;;
	esac
done

echo "=== $pass passed, $failn failed, $skipn skipped"
[ $failn -eq 0 ] || { echo "failed: ${failed[*]}"; exit 1; }
