#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The synfin testbed: two namespaces joined by a veth pair, a real listener
# behind synfind on the server side.
#   tests/testbed.sh demo [BUILD]   ~20 s of legitimate clients under a SYN
#                                   flood, a summary, then everything removed
#   tests/testbed.sh up [BUILD]     create it and leave it running
#   tests/testbed.sh down ID        remove one that 'up' created
# SF_MODE=tc runs synfind in TC mode (tests/e2e/lib.sh); the default is
# synfind's own, native XDP on the testbed.
set -u
cmd=${1:-demo}
export BUILD=${2:-build}
cd "$(dirname "$0")/.."

case $cmd in
down)
	id=${2:-}
	[[ $id =~ ^[A-Za-z0-9_]+$ ]] || { echo "usage: tests/testbed.sh down ID" >&2; exit 2; }
	if ! ip netns list | grep -qE "^sf-(srv|cli)-$id( |\$)" &&
	   [ ! -f /tmp/synfin-testbed-$id.dir ]; then
		echo "tests/testbed.sh: no testbed $id" >&2
		exit 1
	fi
	for p in $(ip netns pids sf-srv-$id 2>/dev/null) $(ip netns pids sf-cli-$id 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	sleep 1
	ip netns del sf-srv-$id 2>/dev/null
	ip netns del sf-cli-$id 2>/dev/null
	# Its scratch directory and the bpffs mounted there (synfind's pins).
	if [ -f /tmp/synfin-testbed-$id.dir ]; then
		dir=$(cat /tmp/synfin-testbed-$id.dir)
		umount -l "$dir/bpffs" 2>/dev/null
		rm -rf "$dir" /tmp/synfin-testbed-$id.dir
	fi
	echo "removed testbed $id"
	exit 0 ;;
up|demo) ;;
*) echo "usage: tests/testbed.sh demo|up [BUILD] | down ID" >&2; exit 2 ;;
esac

source tests/e2e/lib.sh
tb_up

tb_server accepted 80 --addr $IP4_S --addr $IP6_S
synfind_start --ports 80
SMAC=$(in_s cat /sys/class/net/$VS/address)	# where the flood goes

if [ "$cmd" = up ]; then
	trap - EXIT
	echo "$TB_TMP" >/tmp/synfin-testbed-$SF_ID.dir
	cat <<MSG
Testbed $SF_ID is up:
  client namespace $NS_C ($VC, $IP4_C, $IP6_C)
  server namespace $NS_S ($VS, $IP4_S, $IP6_S), echo server on port 80,
  synfind pid $SYNFIND_PID (log $SYNFIND_LOG)
Try:  $BUILD/synfinctl -s $SYNFIND_SOCK status
      ip netns exec $NS_C $PY tests/e2e/tcpcheck.py client --addr $IP4_S --count 3
      ip netns exec $NS_C $BUILD/synfin-flood --iface $VC --dst-mac $SMAC \\
          --dst $IP4_S:80 --src 198.19.0.0/16 --duration 5
Remove it with: tests/testbed.sh down $SF_ID
MSG
	exit 0
fi

DURATION=${DEMO_SECONDS:-20}
# The flood and the client share one veth queue: unthrottled (DEMO_RATE=0),
# the generator fills it and the client's own packets are lost with the
# flood's. The default leaves room for the client.
RATE=${DEMO_RATE:-250000}
echo "synfin demo: $DURATION s of a real client (a connection every 10 ms) while"
echo "synfin-flood sends spoofed SYNs at $IP4_S:80 ($([ "$RATE" = 0 ] && echo 'as fast as it can' || echo "$RATE a second"))."
echo "Below, synfinctl stats --interval 1: SYNs, SYN-ACKs, valid and bad cookie ACKs"
echo "and drops a second; connections established, closed, into TIME-WAIT each second."
in_c "$BUILD/synfin-flood" --iface "$VC" --dst-mac "$SMAC" --dst $IP4_S:80 --src 198.19.0.0/16 \
	--type syn --rate "$RATE" --duration $DURATION --json >"$TB_TMP/flood.json" 2>"$TB_TMP/flood.err" &
TB_PIDS+=($!)
flood_pid=$!
in_c $PY tests/e2e/tcpcheck.py client --addr $IP4_S --count 1000000 --duration $DURATION \
	--interval 0.01 --bytes 200 --timeout 2 >"$TB_TMP/client.json" &
client_pid=$!
TB_PIDS+=($client_pid)
# In the background, waited for: a trapped Ctrl-C ends `wait` at once.
"$BUILD/synfinctl" -s "$SYNFIND_SOCK" stats --interval 1 --count $DURATION &
TB_PIDS+=($!)
wait $!
wait $client_pid
wait $flood_pid
ctl -j stats >"$TB_TMP/stats.json" 2>/dev/null ||
	fail "synfind is gone, no summary: $(tail -n 1 "$SYNFIND_LOG")"
in_c cat /sys/class/net/$VC/statistics/tx_dropped >"$TB_TMP/tx_dropped"
$PY - "$TB_TMP" <<'PY'
import json, sys
t = sys.argv[1]
c = json.load(open(t + '/stats.json'))['counters']
f = [json.loads(l) for l in open(t + '/flood.json') if l.strip()][-1]
cl = json.loads(open(t + '/client.json').read().strip().splitlines()[-1])
print()
print('Summary')
print('  SYN flood sent:          %s frames in %.1f s (%s/s, %s)' % (
    '{:,}'.format(f.get('total', 0)), f.get('seconds', 0), '{:,.0f}'.format(f.get('avg_pps', 0)), f.get('mode', '?')))
print('  frames lost on the way:  {:,} (the veth queue to the server was full)'.format(
    int(open(t + '/tx_dropped').read())))
print('  SYN-ACKs sent by synfin: {:,}'.format(c['synack_sent']))
print('  real client:             %d connections completed, %d failed; connect p50 %s ms, p99 %s ms' % (
    cl['ok'], cl['failed'], cl['p50_ms'], cl['p99_ms']))
print('  handed to the listener:  {:,}'.format(c['conn_handed']))
PY
echo "  kernel SYN cookies sent: $(nstat_s TcpExtSyncookiesSent) (the kernel's SYN queue was never used)"
echo "  listen queue overflows:  $(nstat_s TcpExtListenOverflows)"
