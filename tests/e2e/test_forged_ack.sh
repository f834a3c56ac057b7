#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Forged ACKs: without synfin each draws a RST from the listener; with it,
# 10,000 of them reach no socket and draw no RST.
set -u
source "$(dirname "$0")/lib.sh"
tb_up

tb_server accepted 80 --addr $IP4_S
SMAC=$(in_s cat /sys/class/net/$VS/address)

flood() {	# count
	# Sources no real client uses: a forged ACK can't land on the tuple of a
	# real connection's TIME-WAIT. Random sequence and ACK numbers.
	in_c "$BUILD/synfin-flood" --iface "$VC" --dst-mac "$SMAC" --src 198.18.0.128/25 \
		--dst $IP4_S:80 --type ack --count "$1" --duration 20 --json \
		>"$TB_TMP/flood.json" 2>"$TB_TMP/flood.err" ||
		fail "flood: $(cat "$TB_TMP/flood.err")"
	sleep 0.5
}

# Baseline: the test can fail. Without synfin, forged ACKs draw RSTs.
rst0=$(nstat_s TcpOutRsts)
flood 50
rst1=$(nstat_s TcpOutRsts)
expect_ge "RSTs for 50 forged ACKs without synfin" "$((rst1 - rst0))" 50

synfind_start --ports 80
in_c $PY "$HERE/tcpcheck.py" client --addr $IP4_S --count 2 --timeout 3 >/dev/null || fail "client before the flood"
acc0=$(cat "$TB_TMP/accepted")
rst0=$(nstat_s TcpOutRsts)
flood 10000
rst1=$(nstat_s TcpOutRsts)
acc1=$(cat "$TB_TMP/accepted")
synfind_counters
expect_eq "RSTs for 10,000 forged ACKs with synfin" "$((rst1 - rst0))" 0
expect_eq "connections accepted during the flood" "$((acc1 - acc0))" 0
expect_eq "ack_cookie_invalid" "$(counter ack_cookie_invalid)" 10000
in_c $PY "$HERE/tcpcheck.py" client --addr $IP4_S --count 2 --timeout 3 >/dev/null || fail "client after the flood"
synfind_stop
echo "PASS"
