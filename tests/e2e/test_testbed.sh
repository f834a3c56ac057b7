#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The testbed script behind `make demo`: a short demo run serves its real
# client under the flood and cleans up; `up` leaves a testbed that `down`
# removes.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root" >&2; exit 77; }
# The bpffs mounts of testbed ID (lib.sh names its scratch directory for
# the id): not the host's count, which other runs change meanwhile.
bpffs_of() { grep -c " /tmp/synfin-e2e\.$1\.[^ ]*/bpffs bpf " /proc/mounts; }

# Its own id, so that other tests' namespaces (another run at the same
# time) don't count.
demo_id=${$}0
SF_ID=$demo_id DEMO_SECONDS=3 DEMO_RATE=50000 timeout 120 tests/testbed.sh demo "$BUILD" >/tmp/synfin-demo.$$ 2>&1 ||
	{ cat /tmp/synfin-demo.$$; fail "demo"; }
cat /tmp/synfin-demo.$$
grep -Eq 'real client: +[1-9][0-9]* connections completed, 0 failed' /tmp/synfin-demo.$$ || fail "demo client"
grep -Eq 'SYN-ACKs sent by synfin: +[1-9]' /tmp/synfin-demo.$$ || fail "no SYN-ACKs in the demo"
grep -Eq 'kernel SYN cookies sent: 0 ' /tmp/synfin-demo.$$ || fail "the kernel sent cookies"
rm -f /tmp/synfin-demo.$$
left=$(ip netns list | grep -E "sf-(srv|cli)-$demo_id\b")
[ -z "$left" ] || fail "demo left namespaces: $left"

# Ctrl-C during the flood: SIGINT to the demo's whole process group, as a
# terminal sends it. Everything the demo made must go: its namespaces, its
# processes, its bpffs.
int_id=${$}1
trap 'tests/testbed.sh down "$int_id" >/dev/null 2>&1; rm -f /tmp/synfin-demo-int.$$' EXIT
# Started in the background, the demo would inherit SIGINT ignored (and a
# shell can't trap a signal ignored at its start): reset it, in a session
# of its own, as a terminal's foreground job has it.
SF_ID=$int_id DEMO_SECONDS=20 DEMO_RATE=50000 /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' tests/testbed.sh demo "$BUILD" >/tmp/synfin-demo-int.$$ 2>&1 &
demo_pid=$!
rate_lines() { cat /tmp/synfin-demo-int.$$ 2>/dev/null | grep -cE '^ +[0-9]+ +[0-9]+ '; }
for i in $(seq 450); do [ "$(rate_lines)" -ge 2 ] && break; sleep 0.1; done
[ "$(rate_lines)" -ge 2 ] || { cat /tmp/synfin-demo-int.$$; fail "the demo's flood did not start"; }
pids=$(ip netns pids "sf-srv-$int_id"; ip netns pids "sf-cli-$int_id")
[ -n "$pids" ] || fail "no processes in the demo's namespaces"
kill -INT -- "-$demo_pid"
timeout 30 tail --pid="$demo_pid" -f /dev/null || fail "the demo did not exit on Ctrl-C"
wait "$demo_pid"
rc=$?
echo "  Ctrl-C after 2 s of the demo: exit status $rc"
[ "$rc" = 130 ] || { cat /tmp/synfin-demo-int.$$; fail "exit status after Ctrl-C: $rc (want 130)"; }
grep -q '^interrupted: removing the testbed$' /tmp/synfin-demo-int.$$ || fail "no word of the interruption"
grep -q Traceback /tmp/synfin-demo-int.$$ && { cat /tmp/synfin-demo-int.$$; fail "a traceback on Ctrl-C"; }
left=$(ip netns list | grep -E "sf-(srv|cli)-$int_id\b")
[ -z "$left" ] || fail "Ctrl-C left namespaces: $left"
# Each gone within 5 s; a zombie is gone, only not yet reaped by whoever
# inherited it.
alive() { local st; st=$(ps -o stat= -p "$1") && [ "${st#Z}" = "$st" ]; }
for p in $pids; do
	for i in $(seq 50); do alive "$p" || break; sleep 0.1; done
	alive "$p" && fail "Ctrl-C left process $p ($(ps -o stat=,args= -p "$p"))"
done
[ "$(bpffs_of $int_id)" = 0 ] || fail "Ctrl-C left a bpffs mounted"
echo "  ok: nothing left after Ctrl-C"
rm -f /tmp/synfin-demo-int.$$
trap - EXIT

out=$(timeout 60 tests/testbed.sh up "$BUILD" 2>&1) || fail "up: $out"
id=$(echo "$out" | sed -n 's/^Testbed \([0-9]*\) is up:/\1/p')
[ -n "$id" ] || fail "up printed no id: $out"
trap 'tests/testbed.sh down "$id" >/dev/null 2>&1' EXIT
ip netns exec "sf-cli-$id" /usr/bin/python3 tests/e2e/tcpcheck.py client --addr 198.18.0.2 \
	--count 3 --timeout 3 >/dev/null || fail "a client on the kept testbed"
# A second `up` with the same id refuses, and leaves the first alone.
SF_ID=$id timeout 60 tests/testbed.sh up "$BUILD" >/dev/null 2>&1 && fail "a second up $id succeeded"
ip netns list | grep -q "sf-srv-$id" || fail "the refused up removed testbed $id"
ip netns exec "sf-cli-$id" /usr/bin/python3 tests/e2e/tcpcheck.py client --addr 198.18.0.2 \
	--count 1 --timeout 3 >/dev/null || fail "testbed $id broken by the refused up"
[ "$(bpffs_of $id)" = 1 ] || fail "the refused up left a bpffs mounted"
echo "  ok: a second up of testbed $id refused, the first still serves"
tests/testbed.sh down "$id" >/dev/null || fail "down"
trap - EXIT
# An up that fails half-way (no programs in this build dir) leaves nothing.
bad_id=${$}2
SF_ID=$bad_id timeout 60 tests/testbed.sh up /nonexistent >/dev/null 2>&1 && fail "up from a missing build succeeded"
ip netns list | grep -qE "sf-(srv|cli)-$bad_id\b" && { tests/testbed.sh down $bad_id; fail "a failed up left its namespaces"; }
[ "$(bpffs_of $bad_id)" = 0 ] || fail "a failed up left a bpffs mounted"
echo "  ok: a failed up left nothing"
tests/testbed.sh down "$bad_id" >/dev/null 2>&1
[ $? = 1 ] || fail "down of a testbed that doesn't exist: exit status not 1"
tests/testbed.sh down >/dev/null 2>&1
[ $? = 2 ] || fail "down without an id: exit status not 2"
echo "  ok: down of no testbed: 1, without an id: 2"
ip netns list | grep -q "sf-srv-$id" && fail "down left sf-srv-$id"
echo "PASS"
