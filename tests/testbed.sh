#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The synfin testbed: two namespaces joined by a veth pair, a real listener
# behind synfind on the server side.
#   tests/testbed.sh demo [BUILD]   ~20 s of legitimate clients under a SYN
#                                   flood, a summary, then everything removed
#   tests/testbed.sh up [BUILD]     create it and leave it running
#   tests/testbed.sh down ID        remove one that 'up' created
set -u
cmd=${1:-demo}
export BUILD=${2:-build}
cd "$(dirname "$0")/.."

case $cmd in
down)
	id=${2:?usage: tests/testbed.sh down ID}
	for p in $(ip netns pids sf-srv-$id 2>/dev/null) $(ip netns pids sf-cli-$id 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	sleep 1
	ip netns del sf-srv-$id 2>/dev/null
	ip netns del sf-cli-$id 2>/dev/null
	echo "removed testbed $id"
	exit 0 ;;
up) export TB_KEEP=1 ;;
demo) ;;
*) echo "usage: tests/testbed.sh demo|up [BUILD] | down ID" >&2; exit 2 ;;
esac

source tests/e2e/lib.sh
tb_up

ip netns exec "$NS_S" $PY tests/e2e/tcpcheck.py server --addr $IP4_S --addr $IP6_S --port 80 \
	--timeout 3600 --stats "$TB_TMP/accepted" >/dev/null 2>&1 &
TB_PIDS+=($!)
synfind_start --ports 80

if [ "$cmd" = up ]; then
	trap - EXIT
	cat <<MSG
Testbed $SF_ID is up:
  client namespace $NS_C ($VC, $IP4_C, $IP6_C)
  server namespace $NS_S ($VS, $IP4_S, $IP6_S), echo server on port 80,
  synfind pid $SYNFIND_PID (log $SYNFIND_LOG)
Try:  ip netns exec $NS_C curl -s telnet://$IP4_S:80 <<<hello
      kill -USR1 $SYNFIND_PID; cat $TB_TMP/synfind.out
Remove it with: tests/testbed.sh down $SF_ID
MSG
	exit 0
fi

DURATION=20
SMAC=$(in_s cat /sys/class/net/$VS/address)
echo "synfin demo: $DURATION s of legitimate clients while a spoofed SYN flood hits port 80"
in_c $PY tests/e2e/rawflood.py --iface "$VC" --dst-mac "$SMAC" --src 198.19.0.0/16 \
	--dst $IP4_S --dport 80 --type syn --count 50000000 --duration $DURATION \
	>"$TB_TMP/flood.json" 2>&1 &
TB_PIDS+=($!)
in_c $PY tests/e2e/tcpcheck.py client --addr $IP4_S --count 1000000 --duration $DURATION \
	--interval 0.01 --bytes 200 --timeout 2 >"$TB_TMP/client.json" &
client_pid=$!
TB_PIDS+=($client_pid)
prev=0
for i in $(seq $DURATION); do
	sleep 1
	synfind_counters
	cur=$(counter synack_sent)
	printf '  t=%2ds  SYN-ACKs/s %8d  cookie ACKs %6d  handed to the listener %6d\n' \
		"$i" "$((cur - prev))" "$(counter ack_cookie_valid)" "$(counter conn_handed)"
	prev=$cur
done
wait $client_pid
sleep 1
synfind_counters
echo
echo "Summary"
echo "  SYN flood:             $(cat "$TB_TMP/flood.json")"
echo "  SYN-ACKs sent:         $(counter synack_sent)"
echo "  legitimate clients:    $(cat "$TB_TMP/client.json")"
echo "  kernel SYN cookies:    $(nstat_s TcpExtSyncookiesSent) (the kernel's SYN queue was not used)"
echo "  listen overflows:      $(nstat_s TcpExtListenOverflows)"
