#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# synfind as a service: configuration file and overrides, synfinctl,
# protected ports changed at run time, SIGHUP, the pin-directory lock, and a
# --keep restart that no connection notices.
set -u
source "$(dirname "$0")/lib.sh"
tb_up

jget() { $PY -c 'import json,sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$1"; }

tb_server acc80 80 --addr $IP4_S
tb_server acc8080 8080 --addr $IP4_S
client() { in_c $PY "$HERE/tcpcheck.py" client --addr $IP4_S --port "$1" --count "${2:-3}" --timeout 3 >/dev/null; }

# synfinctl without a daemon: one line, exit 1; usage errors exit 2.
SYNFIND_SOCK=$TB_TMP/synfind.sock
out=$(ctl status 2>&1); rc=$?
expect_eq "synfinctl status without synfind: exit" "$rc" 1
echo "$out" | grep -q "synfind is not running (no socket at $SYNFIND_SOCK)" || fail "message: $out"
out=$(ctl -j status 2>/dev/null); echo "$out" | grep -q '"error"' || fail "JSON error: $out"
ctl frobnicate >/dev/null 2>&1; expect_eq "unknown command: exit" "$?" 2
ctl st >/dev/null 2>&1; expect_eq "ambiguous prefix: exit" "$?" 2

# The file gives interface and ports; --ports on the command line wins.
cat >"$TB_TMP/synfin.conf" <<CONF
[daemon]
interfaces = $VS
[protect]
ports = 8080
[conntrack]
time_wait_ms = 2000
CONF
synfind_start --config "$TB_TMP/synfin.conf" --ports 80 --metrics 127.0.0.1:9469
expect_eq "ports from the command line" "$(ctl -j ports | jget ports)" 80
ctl status | grep -q "interface $VS" || fail "status: $(ctl status)"
expect_eq "status: interface, ifindex, mode" \
	"$(ctl -j status | $PY -c 'import json,sys; i = json.load(sys.stdin)["interfaces"]; print(*[(x["name"], x["ifindex"], x["mode"]) for x in i])')" \
	"('$VS', $(in_s cat /sys/class/net/$VS/ifindex), '$(sf_guard_mode)')"
expect_eq "status prefix 'statu'" "$(ctl -j statu | jget ports)" 80

# A second synfind on the same pin directory is refused.
out=$(in_s "$BUILD/synfind" --iface "$VS" --ports 80 --socket "$TB_TMP/second.sock" \
	--pin-dir "$TB_PIN" 2>&1); rc=$?
expect_eq "second synfind: exit" "$rc" 2
echo "$out" | grep -q "Another synfind is running" || fail "second synfind: $out"

# Ports at run time: 8080 is unprotected, then protected, then not.
s0=$(ctl -j stats | jget counters.synack_sent)
client 8080
expect_eq "SYN-ACKs for unprotected 8080" "$(ctl -j stats | jget counters.synack_sent)" "$s0"
ctl ports add 8080 >/dev/null || fail "ports add"
expect_eq "ports after add" "$(ctl -j ports | jget ports)" "80,8080"
client 8080
expect_eq "SYN-ACKs for protected 8080" "$(ctl -j stats | jget counters.synack_sent)" "$((s0 + 3))"
# conns in JSON, while those three sit in TIME-WAIT: client and server view.
ctl -j conns --port 8080 | $PY -c '
import json, sys
r = json.load(sys.stdin)
assert r["conns"], "no connection on 8080"
for e in r["conns"]:
    assert e["dport"] == 8080 and e["daddr"] == "198.18.0.2", e
    for k in ("saddr", "sport", "state", "client_state", "server_state", "age_ms", "idle_ms"):
        assert k in e, k
' || fail "conns --port 8080"
# ... and flush takes them out of the table.
ctl -j flush --state TIME-WAIT >"$TB_TMP/flush.json" || fail "flush"
expect_ge "TIME-WAIT entries flushed" "$(jget flushed <"$TB_TMP/flush.json")" 1
expect_eq "port 8080 entries after the flush" "$(ctl -j conns --port 8080 | jget total)" 0
ctl ports del 8080 >/dev/null || fail "ports del"
out=$(ctl ports set 0 2>&1); expect_eq "ports set 0: exit" "$?" 1
echo "$out" | grep -q "bad port list" || fail "ports set 0: $out"
out=$(ctl ports add 2>&1); expect_eq "ports add without a list: exit" "$?" 2
expect_eq "ports after the refusals" "$(ctl -j ports | jget ports)" 80

# Prometheus metrics, in the server's namespace.
in_s curl -sf http://127.0.0.1:9469/metrics >"$TB_TMP/metrics" || fail "metrics endpoint"
# Each counter labelled with the interface; this synfind protects one.
grep -q "^synfin_synack_sent_total{iface=\"$VS\"} $(ctl -j stats | jget counters.synack_sent)\$" "$TB_TMP/metrics" ||
	fail "metrics: $(grep synack_sent "$TB_TMP/metrics")"
expect_eq "stats: the interface's counters" "$(ctl -j stats | jget interfaces.0.name) $(ctl -j stats | jget interfaces.0.counters.synack_sent)" \
	"$VS $(ctl -j stats | jget counters.synack_sent)"
grep -q '^synfin_conntrack_state{state="TIME-WAIT"} ' "$TB_TMP/metrics" || fail "no state gauge"
grep -q '^# HELP synfin_syn_seen_total SYNs to protected ports$' "$TB_TMP/metrics" || fail "no HELP"
grep -q '^synfin_ct_filter_trusted 1$' "$TB_TMP/metrics" || fail "table filter not trusted on a new table"
grep -q '^synfin_ct_filter_fill_ratio ' "$TB_TMP/metrics" || fail "no table filter fill gauge"
info "ok: metrics ($(grep -c '^synfin_' "$TB_TMP/metrics") samples)"
out=$(in_s "$BUILD/synfind" --iface "$VS" --ports 80 --metrics localhost:x 2>&1); rc=$?
expect_eq "bad --metrics: exit" "$rc" 2

# Bad control clients: silent, dribbling, garbage, gone before the reply.
$PY - "$SYNFIND_SOCK" <<'PY' || fail "control socket clients"
import socket, sys, time
path = sys.argv[1]
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(path); return s
silent = conn()                                   # never sends
t0 = time.monotonic()
d = conn()
for b in b'{"cmd":':                              # one byte every 0.3 s
    d.send(bytes([b])); time.sleep(0.3)
    if time.monotonic() - t0 > 3: break
g = conn(); g.sendall(b'not json\n'); r = g.recv(4096)
assert b'"error"' in r, r
for i in range(20):                               # ask, and leave at once
    c = conn(); c.sendall(b'{"cmd":"conns","limit":100000}\n'); c.close()
big = conn(); big.sendall(b'x' * 5000 + b'\n'); r = big.recv(4096)
assert b'longer than' in r, r
PY
ctl -j status >/dev/null || fail "synfind stopped answering after bad clients"
kill -0 "$SYNFIND_PID" || fail "synfind died after bad clients"
info "ok: silent, slow, garbage and vanishing control clients survived"

# stats --interval: live rates, bounded by --count.
ctl stats --interval 1 --count 2 >"$TB_TMP/rates" || fail "stats --interval"
head -1 "$TB_TMP/rates" | grep -q 'syn/s *synack/s *ack-ok/s *ack-bad/s *drop/s *est *closed *tw' ||
	fail "rates header: $(head -1 "$TB_TMP/rates")"
expect_eq "rate lines" "$(grep -c '^ *[0-9]' "$TB_TMP/rates")" 2
ctl -j stats >"$TB_TMP/stats.json"
for k in syn_received synack_sent syn_passed ack_cookie_valid ack_cookie_invalid conn_established \
	conn_closed time_wait_entered time_wait_expired rst_valid rst_invalid dropped malformed; do
	jget "summary.$k" <"$TB_TMP/stats.json" >/dev/null || fail "stats has no summary.$k"
done
info "ok: stats summary has the stable names"
out=$(ctl conns --port 0 2>&1); expect_eq "conns --port 0: exit" "$?" 2
ctl flush >/dev/null 2>&1; expect_eq "flush without --state: exit" "$?" 2
ctl -j conns >/dev/null || fail "conns"
out=$(ctl conns --state NOSUCH 2>&1); expect_eq "conns --state NOSUCH: exit" "$?" 1

# SIGHUP: ports and timeouts apply; the interface list needs a restart.
cat >"$TB_TMP/synfin.conf" <<CONF
[daemon]
interfaces = $VS, lo
[protect]
ports = 80,8080
[conntrack]
time_wait_ms = 1000
CONF
kill -HUP "$SYNFIND_PID"
for i in $(seq 30); do grep -q reloaded "$SYNFIND_LOG" && break; sleep 0.1; done
grep -q 'interfaces changed, which needs a restart' "$SYNFIND_LOG" || fail "no refusal logged: $(cat "$SYNFIND_LOG")"
# --ports 80 on the command line still wins over the file.
expect_eq "ports after SIGHUP (flag wins)" "$(ctl -j ports | jget ports)" 80
ctl reload >/dev/null || fail "synfinctl reload"
printf '[protect]\nports = 80,70-90\n' >"$TB_TMP/synfin.conf"
out=$(ctl reload 2>&1); expect_eq "reload of a bad file: exit" "$?" 1
echo "$out" | grep -q "synfin.conf:2: port 80 is listed twice" || fail "reload error: $out"
kill -HUP "$SYNFIND_PID"
for i in $(seq 30); do grep -q 'Reload refused' "$SYNFIND_LOG" && break; sleep 0.1; done
grep -q "Reload refused.*synfin.conf:2: port 80 is listed twice" "$SYNFIND_LOG" || fail "bad reload: $(tail -2 "$SYNFIND_LOG")"
synfind_stop

# --keep: stop and start again while a connection runs; it never notices,
# and new clients are served in between. XDP: kept in skb mode, which a
# restart in auto must keep; TC: kept in TC mode.
keep_mode=$([ "$SF_MODE" = tc ] && echo tc || echo skb)
printf '[daemon]\ninterfaces = %s\n[protect]\nports = 80\n' "$VS" >"$TB_TMP/synfin.conf"
synfind_start --config "$TB_TMP/synfin.conf" --keep --mode $keep_mode
mkfifo "$TB_TMP/hold.in"
in_c $PY -c '
import socket, sys
c = socket.create_connection((sys.argv[1], 80), timeout=30)
for line in sys.stdin:
    c.sendall(line.encode())
    if c.recv(100) != line.encode():
        sys.exit("echo failed")
    print("ok", flush=True)
' $IP4_S <"$TB_TMP/hold.in" >"$TB_TMP/hold.out" 2>&1 &
hold_pid=$!
exec 8>"$TB_TMP/hold.in"
echo one >&8
for i in $(seq 300); do grep -q ok "$TB_TMP/hold.out" && break; sleep 0.1; done
syn0=$(ctl -j stats | jget counters.syn_seen)
filter_id=$(bpftool -j map show pinned "$TB_PIN/maps/ct_filter" | jget id)
synfind_stop
expect_hooks "after a --keep exit" "$(guard_hooks $keep_mode)"
echo two >&8
client 80 5 || fail "new clients while synfind is stopped"
info "ok: served while synfind was stopped (programs kept attached)"
SF_EXPECT=$keep_mode synfind_start --config "$TB_TMP/synfin.conf"
grep -q 'resumed from pins' "$SYNFIND_LOG" || fail "did not resume: $(cat "$SYNFIND_LOG")"
grep -q "($keep_mode mode, pinned links updated in place)" "$SYNFIND_LOG" ||
	fail "links not updated in place, or the kept mode misreported: $(cat "$SYNFIND_LOG")"
syn1=$(ctl -j stats | jget counters.syn_seen)
[ "$syn1" -ge "$((syn0 + 5))" ] || fail "counters not kept across the restart: $syn0 -> $syn1"
info "ok: counters kept across the restart ($syn0 -> $syn1)"
# The table's filter came back with the table (the same map), still
# trusted (VALID).
expect_eq "table filter map after the kept restart" \
	"$(bpftool -j map show pinned "$TB_PIN/maps/ct_filter" | jget id)" "$filter_id"
hdr=$(bpftool -j map lookup pinned "$TB_PIN/maps/ct_filter" key 0 0 0 0 | jget formatted.value)
[ $((hdr & 2)) = 2 ] || fail "the table's filter is not trusted after the kept restart (header $hdr)"
info "ok: the table's filter trusted across the restart (header $hdr)"
echo three >&8
exec 8>&-
wait $hold_pid || fail "held connection: $(cat "$TB_TMP/hold.out")"
expect_eq "held connection's echoes" "$(grep -c ok "$TB_TMP/hold.out")" 3
expect_hooks "after the restart" "$(guard_hooks $keep_mode)"
synfind_stop
expect_hooks "after exit without --keep" ""
[ -z "$(ls "$TB_PIN" 2>/dev/null)" ] || fail "pins left: $(ls -R "$TB_PIN")"
info "ok: detached and pins removed"

# --detach, without naming the interface, removes what a --keep run left.
synfind_start --config "$TB_TMP/synfin.conf" --keep
synfind_stop
expect_hooks "after a --keep exit" "$(guard_hooks "$(sf_guard_mode)")"
in_s "$BUILD/synfind" --detach --pin-dir "$TB_PIN" 2>"$TB_TMP/detach.log" || fail "--detach: $(cat "$TB_TMP/detach.log")"
expect_hooks "after --detach" ""
[ -z "$(ls "$TB_PIN" 2>/dev/null)" ] || fail "--detach left pins: $(ls -R "$TB_PIN")"
info "ok: --detach removed the kept programs and pins"
# A table too small for the connections: the LRU evicts, synfind counts it
# and says so.
synfind_start --ports 80 --ct-size 1024
client 80 1500 || fail "clients on a full table"
for i in $(seq 40); do
	[ "$(ctl -j status | jget evicted_total)" -gt 0 ] && break
	sleep 0.25
done
expect_ge "entries the LRU evicted" "$(ctl -j status | jget evicted_total)" 1
grep -q 'The connection table is full' "$SYNFIND_LOG" || fail "no warning about the full table"
# A pass over 1024 entries is one sweep slice: the filter is rebuilt
# within a second, from what the table holds now (where membarrier allows).
if [ "$(ctl -j status | jget ct_filter_can_rebuild)" = True ]; then
	for i in $(seq 40); do
		[ "$(ctl -j status | jget ct_filter_rebuilds)" -ge 1 ] && break
		sleep 0.25
	done
	expect_ge "table filter rebuilds" "$(ctl -j status | jget ct_filter_rebuilds)" 1
else
	info "SKIP: no membarrier grace period here: the table filter is never rebuilt"
fi
expect_eq "table filter trusted" "$(ctl -j status | jget ct_filter_trusted)" True
ctl status | grep -q "table filter      trusted, " || fail "status: $(ctl status)"
# A second synfind with a pin directory of its own is refused too: the
# interface is taken. Bounded: one that attaches runs until stopped.
mkdir -p "$TB_BPFFS/other"
out=$(timeout 60 ip netns exec "$NS_S" "$BUILD/synfind" --iface "$VS" --ports 80 \
	--socket "$TB_TMP/second.sock" --pin-dir "$TB_BPFFS/other" 2>&1); rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] ||
	fail "a second synfind attached to $VS (exit $rc): $(echo "$out" | grep -v '^[a-z_0-9]* *[0-9]*$')"
info "ok: second synfind on $VS refused: $(echo "$out" | tail -1)"
expect_hooks "beside the second's refusal" "$(guard_hooks "$(sf_guard_mode)")"
synfind_stop
echo "PASS"
