#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The four-way close with real Linux peers, read from synfin's connection
# table after each step: client first, server first, both at once, abortive
# close; TIME-WAIT entries expire; connections older than synfind survive.
set -u
source "$(dirname "$0")/lib.sh"
tb_up

# A connection opened before synfind attaches keeps working after it.
tb_server accepted 8080 --addr $IP4_S
mkfifo "$TB_TMP/pre.in"
in_c $PY -c '
import socket, sys, time
c = socket.create_connection((sys.argv[1], 8080), timeout=30)
c.sendall(b"before"); assert c.recv(100) == b"before"
print("connected", flush=True)
sys.stdin.readline()                      # synfind is attached now
for i in range(20):
    c.sendall(b"after%d" % i)
    if c.recv(100) != b"after%d" % i:
        sys.exit("echo after attach failed")
c.close()
print("survived", flush=True)
' $IP4_S <"$TB_TMP/pre.in" >"$TB_TMP/pre.out" 2>&1 &
pre_pid=$!
exec 7>"$TB_TMP/pre.in"
# Connected before synfind starts, or this case tests nothing (a loaded
# machine starts python slowly).
for i in $(seq 300); do grep -q connected "$TB_TMP/pre.out" && break; sleep 0.1; done
grep -q connected "$TB_TMP/pre.out" || fail "pre-existing connection: $(cat "$TB_TMP/pre.out")"

synfind_start --ports 80,8080 --time-wait-ms 3000 -v
echo go >&7
wait $pre_pid || fail "pre-existing connection: $(cat "$TB_TMP/pre.out")"
grep -q survived "$TB_TMP/pre.out" || fail "pre-existing connection broke"
info "ok: connection opened before synfind kept working"
expect_ge "ct_adopted" "$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ct_adopted"])')" 1

close_case() {	# scenario addr
	info "--- $1 over $2"
	$PY "$HERE/closetest.py" --ns-server "$NS_S" --ns-client "$NS_C" --addr "$2" \
		--time-wait-s 3 --synfinctl "$BUILD/synfinctl -s $SYNFIND_SOCK" "$1" ||
		fail "$1 over $2"
}
for addr in $IP4_S $IP6_S; do
	close_case client-first $addr
	close_case server-first $addr
	close_case abort $addr
done

# Simultaneous close, as synfin sees it: the client's FIN passes synfin and
# is then lost before the server's stack, which sends its own FIN first.
in_s tc qdisc add dev "$VS" clsact || fail "clsact"
in_s tc filter add dev "$VS" ingress bpf da obj "$BUILD/tests/progs/tc_drop_fin.bpf.o" sec tc ||
	fail "couldn't attach tc_drop_fin"
c0=$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ct_to_closing"])')
close_case simultaneous $IP4_S
c1=$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ct_to_closing"])')
expect_eq "endpoints through CLOSING" "$((c1 - c0))" 2

# The rare things came through the ring buffer, logged at debug level.
for ev in "established 198.18.0.1" "established \[2001:db8::1\]" "adopted 198.18.0.1" \
	"closed 198.18.0.1" "reset 198.18.0.1"; do
	grep -q "event: $ev" "$SYNFIND_LOG" || fail "no '$ev' event in the log"
done
info "ok: events logged ($(grep -c 'event: ' "$SYNFIND_LOG"))"
ctl -j stats >"$TB_TMP/stats.json"
for c in ct_fin_invalid ct_data_after_fin ct_rst_invalid ct_track_failed; do
	expect_eq "$c" "$($PY -c "import json; print(json.load(open('$TB_TMP/stats.json'))['counters']['$c'])")" 0
done
synfind_stop
echo "PASS"
