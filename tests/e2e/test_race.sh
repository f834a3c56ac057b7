#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The connection table under concurrency, with real peers: a veth queue per
# core, the client pinned to one CPU and the server to another, so XDP runs
# the client's segments on the first while TC egress runs the server's on
# the second. Many short connections, each closed its own way (client
# first, server first, both at once, a RST from either side) while the
# other side still sends; synfind sweeps every tick with TIME-WAIT entries
# kept 300 ms. Once all is quiet: no entry holds a connection open that
# neither kernel has, and every connection tracked was closed once.
set -u
NCPU=$(nproc)
if [ "$NCPU" -lt 2 ]; then echo "SKIP: needs 2 CPUs for both directions at once" >&2; exit 77; fi
TB_QUEUES=$NCPU
source "$(dirname "$0")/lib.sh"
RACE_WORKERS=${RACE_WORKERS:-6}
RACE_CONNS=${RACE_CONNS:-80}	# per worker
tb_up

synfind_start --ports 80 --time-wait-ms 300 --close-timeout-s 120 \
	--close-wait-timeout-s 120

# The server: sends as soon as it knows the close, while the client sends.
# Not through in_s: $! must be the server itself, which tb_down kills.
ip netns exec "$NS_S" taskset -c 1 $PY -c '
import socket, struct, sys, threading
DATA = b"s" * 3000
def serve(c):
    try:
        mode = c.recv(1)
        c.sendall(DATA)
        if mode == b"s":                  # server first, client still sending
            c.close(); return
        if mode == b"r":                  # server RST, client still sending
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close(); return
        if mode == b"b":                  # both at once: FINs cross
            c.shutdown(socket.SHUT_WR)
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], 80)); l.listen(512)
print("listening", flush=True)
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' $IP4_S >"$TB_TMP/server.out" 2>&1 &
TB_PIDS+=($!)
for i in $(seq 50); do grep -q listening "$TB_TMP/server.out" && break; sleep 0.1; done
grep -q listening "$TB_TMP/server.out" || fail "race server did not start: $(cat "$TB_TMP/server.out")"

# The client: workers on one CPU, each its connections in turn, at most 40 s.
in_c taskset -c 0 $PY -c '
import socket, struct, sys, threading, time
addr, workers, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
MODES = [b"c", b"s", b"b", b"r", b"R"]
DATA = b"c" * 1000
done, lock, end = [0], threading.Lock(), time.monotonic() + 40
def one(mode):
    c = socket.create_connection((addr, 80), timeout=10)
    with lock:
        done[0] += 1
    try:
        c.sendall(mode)
        for i in range(4):
            c.sendall(DATA)
        if mode == b"R":                  # client RST, server still sending
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close(); return
        if mode in (b"c", b"b"):           # client first, or both at once
            c.shutdown(socket.SHUT_WR)
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
def worker(w):
    for i in range(conns):
        if time.monotonic() > end:
            return
        one(MODES[(w + i) % len(MODES)])
ts = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
for t in ts: t.start()
for t in ts: t.join()
print(done[0])
' $IP4_S "$RACE_WORKERS" "$RACE_CONNS" >"$TB_TMP/client.out" 2>&1 || fail "client: $(tail -3 "$TB_TMP/client.out")"
n=$(tail -1 "$TB_TMP/client.out")
expect_ge "connections made (of $((RACE_WORKERS * RACE_CONNS)), $NCPU CPUs)" "$n" 50

# Quiet: no socket on port 80 but listeners and TIME-WAIT, then a TIME-WAIT
# entry's 300 ms and a sweep's tick.
busy() {
	{ in_s ss -tanH "( sport = :80 )"; in_c ss -tanH "( dport = :80 )"; } |
		grep -cvE '^(LISTEN|TIME-WAIT)'
}
for i in $(seq 100); do [ "$(busy)" = 0 ] && break; sleep 0.2; done
expect_eq "sockets still closing" "$(busy)" 0
sleep 2.5

# Entries the kernels contradict: open (not TIME-WAIT or CLOSED) in the
# table, with no socket but TIME-WAIT for the tuple at either end.
{ in_s ss -tanH "( sport = :80 )"; in_c ss -tanH "( dport = :80 )"; } >"$TB_TMP/ss.txt"
ctl -j conns >"$TB_TMP/conns.json" || fail "synfinctl conns"
bad=$($PY - "$TB_TMP/conns.json" "$TB_TMP/ss.txt" <<'EOF'
import json, sys
conns = json.load(open(sys.argv[1]))
conns = conns.get("conns", conns) if isinstance(conns, dict) else conns
live = set()
for line in open(sys.argv[2]):
    f = line.split()
    if f and f[0] not in ("LISTEN", "TIME-WAIT"):
        live.update((f[3], f[4]))
bad = [c for c in conns if c["state"] not in ("TIME_WAIT", "CLOSED")
       and c["remote"] not in live]
for c in bad[:5]:
    print(json.dumps(c), file=sys.stderr)
print(len(bad))
EOF
) || fail "couldn't read the table"
expect_eq "entries open for connections both kernels closed" "$bad" 0

ctl -j stats >"$TB_TMP/stats.json" || fail "synfinctl stats"
c() { $PY -c "import json; print(json.load(open('$TB_TMP/stats.json'))['counters']['$1'])"; }
opened=$(( $(c ct_new_cookie) + $(c ct_new_kernel) + $(c ct_replaced) ))
expect_eq "connections tracked when opened" "$opened" "$n"
# Every entry closed once: the connections, and the adoptions of late
# segments.
expect_eq "connections closed (ct_conn_closed)" "$(c ct_conn_closed)" \
	"$((n + $(c ct_adopted)))"
for k in ct_fin_invalid ct_track_failed; do expect_eq "$k" "$(c $k)" 0; done
info "ct_adopted = $(c ct_adopted), ct_lock_busy = $(c ct_lock_busy), ct_rst_valid = $(c ct_rst_valid), ct_to_closing = $(c ct_to_closing)"
synfind_stop
echo "PASS"
