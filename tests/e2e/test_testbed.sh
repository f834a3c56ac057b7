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

before=$(ip netns list | wc -l)
DEMO_SECONDS=3 DEMO_RATE=50000 timeout 120 tests/testbed.sh demo "$BUILD" >/tmp/synfin-demo.$$ 2>&1 ||
	{ cat /tmp/synfin-demo.$$; fail "demo"; }
cat /tmp/synfin-demo.$$
grep -Eq 'real client: +[1-9][0-9]* connections completed, 0 failed' /tmp/synfin-demo.$$ || fail "demo client"
grep -Eq 'SYN-ACKs sent by synfin: +[1-9]' /tmp/synfin-demo.$$ || fail "no SYN-ACKs in the demo"
grep -Eq 'kernel SYN cookies sent: 0 ' /tmp/synfin-demo.$$ || fail "the kernel sent cookies"
rm -f /tmp/synfin-demo.$$
[ "$(ip netns list | wc -l)" = "$before" ] || fail "demo left namespaces: $(ip netns list)"

out=$(timeout 60 tests/testbed.sh up "$BUILD" 2>&1) || fail "up: $out"
id=$(echo "$out" | sed -n 's/^Testbed \([0-9]*\) is up:/\1/p')
[ -n "$id" ] || fail "up printed no id: $out"
trap 'tests/testbed.sh down "$id" >/dev/null 2>&1' EXIT
ip netns exec "sf-cli-$id" /usr/bin/python3 tests/e2e/tcpcheck.py client --addr 198.18.0.2 \
	--count 3 --timeout 3 >/dev/null || fail "a client on the kept testbed"
tests/testbed.sh down "$id" >/dev/null || fail "down"
trap - EXIT
ip netns list | grep -q "sf-srv-$id" && fail "down left sf-srv-$id"
echo "PASS"
