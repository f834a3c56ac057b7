#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: synfin (XDP mode, and TC mode) against the kernel's own SYN
# cookies and a bare XDP reflector, on one veth testbed with one generator
# (synfin-flood), the cases interleaved and repeated; then an invalid-ACK
# flood against a bare XDP_DROP, the sweep of a 1,000,000-entry table, the memory per entry and
# the per-packet cost inside the programs (prog_bench).
# Prints a table and writes BENCHMARKS.md. No timing is asserted.
#   tests/bench/bench.sh BUILD [REPEATS] [SECONDS]
set -u
export BUILD=${1:-build}
REPEATS=${2:-${BENCH_REPEATS:-3}}
DUR=${3:-${BENCH_SECONDS:-5}}
cd "$(dirname "$0")/../.."
# The server veth gets a queue per core, as a NIC with RSS would: with a
# generator thread on every core, each core's frames have their own queue.
export TB_QUEUES=${TB_QUEUES:-$(nproc)}
source tests/e2e/lib.sh
tb_up
OUT=$TB_TMP/results.jsonl
: >"$OUT"
SMAC=$(in_s cat /sys/class/net/$VS/address)
SPOOF=198.19.0.0/16
FIXED_RATE=${BENCH_FIXED_RATE:-100000}
# Time the real client gives a connection: room for the kernel's SYN
# retransmissions at 1, 3 and 7 s, as a client with default settings waits
# longer still.
CLIENT_TIMEOUT=10

# Kernel SYN-ACKs to the spoofed sources go back through the client veth.
in_s ip route add $SPOOF via $IP4_C dev "$VS"
in_c ip link set dev "$VC" xdpdrv off
tb_server accepted 80 --addr $IP4_S --backlog 16

busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# server_up CASE / server_down CASE: what runs on the server veth.
server_up() {
	case $1 in
	kernel)
		in_s sysctl -qw net.ipv4.tcp_syncookies=2
		# veth needs NAPI (an XDP program) to take XDP_TX'd frames.
		in_s ip link set dev "$VS" xdpdrv obj "$BUILD/tests/progs/xdp_pass.bpf.o" sec xdp ;;
	synfin)
		in_s sysctl -qw net.ipv4.tcp_syncookies=1
		synfind_start --ports 80 --ct-size 65536 --mode native ;;
	synfin_tc)
		# The guard in TC ingress. The XDP_PASS program is the kernel
		# case's: veth needs one to take the generator's XDP frames.
		in_s sysctl -qw net.ipv4.tcp_syncookies=1
		in_s ip link set dev "$VS" xdpdrv obj "$BUILD/tests/progs/xdp_pass.bpf.o" sec xdp
		synfind_start --ports 80 --ct-size 65536 --mode tc ;;
	reflector|xdp_drop)
		local prog=xdp_reflect
		[ "$1" = xdp_drop ] && prog=xdp_drop_count
		in_s "$BUILD/benchctl" "$BUILD/tests/progs/bench_xdp.bpf.o" $prog "$VS" $((DUR + 3)) \
			>"$TB_TMP/server.json" 2>&1 &
		SERVER_PID=$!
		for i in $(seq 50); do grep -q ready "$TB_TMP/server.json" && break; sleep 0.1; done ;;
	esac
}

server_down() {
	case $1 in
	kernel) in_s ip link set dev "$VS" xdpdrv off ;;
	synfin) synfind_stop ;;
	synfin_tc) synfind_stop; in_s ip link set dev "$VS" xdpdrv off ;;
	*) wait "$SERVER_PID" ;;
	esac
}

# run_case CASE TYPE REP [RATE [THREADS]]: one flood of DUR seconds
# (unthrottled, or RATE frames a second; from THREADS generator threads, 1
# by default) with a real client.
run_case() {
	local case=$1 type=$2 rep=$3 rate=${4:-0} threads=${5:-1} b0 b1 s0=0 s1=0
	server_up "$case"
	in_c "$BUILD/benchctl" "$BUILD/tests/progs/bench_xdp.bpf.o" xdp_count_synack "$VC" $((DUR + 2)) \
		>"$TB_TMP/client.json" 2>&1 &
	local cpid=$!
	for i in $(seq 50); do grep -q ready "$TB_TMP/client.json" && break; sleep 0.1; done
	[ "${case%_tc}" = synfin ] && s0=$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ack_cookie_invalid"])')
	b0=$(busy_jiffies)
	# The same real client in every case, so every case carries its load;
	# only kernel and synfin have a TCP server behind them for it.
	in_c $PY tests/e2e/tcpcheck.py client --addr $IP4_S --count 100000 --duration "$DUR" \
		--interval 0.02 --bytes 100 --timeout "$CLIENT_TIMEOUT" >"$TB_TMP/legit.json" &
	local lpid=$!
	in_c "$BUILD/synfin-flood" --iface "$VC" --dst-mac "$SMAC" --dst $IP4_S:80 --src $SPOOF \
		--type "$type" --rate "$rate" --threads "$threads" --duration "$DUR" --json \
		>"$TB_TMP/flood.json" 2>"$TB_TMP/flood.err"
	b1=$(busy_jiffies)
	wait $lpid
	[ "${case%_tc}" = synfin ] && s1=$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ack_cookie_invalid"])')
	wait $cpid
	server_down "$case"
	$PY - "$case" "$type" "$rep" "$DUR" "$((b1 - b0))" "$((s1 - s0))" "$TB_TMP" "$rate" "$threads" \
		>>"$OUT" <<'PY'
import json, sys
case, typ, rep, dur, busy, invalid, tmp, rate, threads = sys.argv[1:]
flood = [json.loads(l) for l in open(tmp + '/flood.json') if l.strip()][-1]
legit = json.loads(open(tmp + '/legit.json').read().strip().splitlines()[-1])
client = json.loads(open(tmp + '/client.json').read().strip().splitlines()[-1])
server = {}
if case in ('reflector', 'xdp_drop'):
    server = json.loads(open(tmp + '/server.json').read().strip().splitlines()[-1])
sent = flood.get('total', 0)
print(json.dumps({'case': case, 'type': typ, 'rep': int(rep), 'seconds': float(dur),
    'rate': int(rate), 'threads': int(threads),
    'sent': sent, 'synacks': client['synacks'], 'busy_cpu_s': int(busy) / 100.0,
    'dropped': server.get('dropped', 0) if case == 'xdp_drop' else int(invalid),
    'legit_ok': legit['ok'], 'legit_failed': legit['failed'],
    'p50_ms': legit['p50_ms'], 'p99_ms': legit['p99_ms']}))
PY
	tail -1 "$OUT" | $PY -c 'import json,sys; r=json.load(sys.stdin); print("  %(case)-10s %(type)s rep %(rep)d rate %(rate)d threads %(threads)d: sent %(sent)d, SYN-ACKs back %(synacks)d, dropped %(dropped)d, CPU %(busy_cpu_s).2f s, client %(legit_ok)d ok %(legit_failed)d failed" % r)'
}

echo "synfin benchmark: $REPEATS repeats of $DUR s per case, interleaved"
for rep in $(seq "$REPEATS"); do
	for case in kernel synfin synfin_tc reflector; do
		run_case $case syn "$rep"
	done
	for case in synfin synfin_tc xdp_drop; do
		run_case $case ack "$rep"
	done
	# Below saturation, where all keep up: the real client's view.
	for case in kernel synfin synfin_tc; do
		run_case $case syn "$rep" "$FIXED_RATE"
	done
	# The strongest flood: a generator thread on every core.
	for case in kernel synfin; do
		run_case $case syn "$rep" 0 "$(nproc)"
	done
done

echo "sweep of a 1,000,000-entry table:"
"$BUILD/sweep_bench" 1000000 | tee "$TB_TMP/sweep.jsonl"

synfind_start --ports 80 --ct-size 1048576
# The table and its filter: the kernel memory a tracked connection costs.
for m in conntrack ct_filter; do
	in_s bpftool -j map show pinned "$TB_PIN/maps/$m"; echo
done >"$TB_TMP/ctmap.jsonl"
synfind_stop

echo "per-packet cost in the programs (BPF_PROG_TEST_RUN):"
for i in $(seq $((REPEATS * 3))); do
	"$BUILD/prog_bench" "$BUILD/tests/progs/bench_xdp.bpf.o" || fail "prog_bench"
done | tee "$TB_TMP/prog.jsonl"

# Kept beside the testbed's own directory, in case the report fails.
mkdir -p /tmp/synfin-bench-last
cp "$OUT" "$TB_TMP"/sweep.jsonl "$TB_TMP"/ctmap.jsonl "$TB_TMP"/prog.jsonl /tmp/synfin-bench-last/
$PY tests/bench/report.py "$OUT" "$TB_TMP/sweep.jsonl" "$TB_TMP/ctmap.jsonl" "$TB_TMP/prog.jsonl" \
	"$REPEATS" "$DUR" \
	>"$TB_TMP/BENCHMARKS.md" || fail "report"
cat "$TB_TMP/BENCHMARKS.md"
cp "$TB_TMP/BENCHMARKS.md" BENCHMARKS.md
echo "wrote BENCHMARKS.md"
