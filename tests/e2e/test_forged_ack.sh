#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Forged ACKs: without synfin each draws a RST from the listener; with it,
# FORGED_N of them (default 1,000,000, half IPv4, half IPv6, random
# sources, sequence and ACK numbers) reach no socket and draw no RST, and
# the guard counts each one it saw.
#
# Each forged ACK passes a 24-bit MAC with probability 2^-24 (the cookie's
# parity bit names the one key to check it with): 0.06 expected in 10^6.
# One that passes is a real connection to the listener, so the test allows
# what ack_cookie_valid says, at most FORGED_MAX_VALID (5: a chance below
# 1e-10), and asks that exactly that many connections were accepted.
set -u
source "$(dirname "$0")/lib.sh"
FORGED_N=${FORGED_N:-1000000}
FORGED_MAX_VALID=5
# Sources no real client uses: a forged ACK can't land on the tuple of a
# real connection's TIME-WAIT.
SRC4=198.18.0.128/25
SRC6=2001:db8::1:0/112
tb_up

tb_server accepted 80 --addr $IP4_S --addr $IP6_S
SMAC=$(in_s cat /sys/class/net/$VS/address)

flood() {	# src dst count: JSON summary in flood.json
	in_c "$BUILD/synfin-flood" --iface "$VC" --dst-mac "$SMAC" --src "$1" \
		--dst "$2" --type ack --count "$3" --duration 30 --json \
		>"$TB_TMP/flood.json" 2>"$TB_TMP/flood.err" ||
		fail "flood: $(cat "$TB_TMP/flood.err")"
	sleep 0.5
}
# summary FIELD: from the last JSON line synfin-flood printed.
summary() {
	$PY -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])[sys.argv[1]])' \
		"$1" <"$TB_TMP/flood.json"
}

# Baseline: the test can fail. Without synfin, forged ACKs draw RSTs.
rst0=$(nstat_s TcpOutRsts)
flood $SRC4 $IP4_S:80 50
flood $SRC6 "[$IP6_S]:80" 50
rst1=$(nstat_s TcpOutRsts)
expect_ge "RSTs for 100 forged ACKs without synfin" "$((rst1 - rst0))" 100

synfind_start --ports 80
for a in $IP4_S $IP6_S; do
	in_c $PY "$HERE/tcpcheck.py" client --addr $a --count 2 --timeout 3 >/dev/null ||
		fail "client to $a before the flood"
done
synfind_counters
valid0=$(counter ack_cookie_valid) invalid0=$(counter ack_cookie_invalid)
acc0=$(cat "$TB_TMP/accepted")
rst0=$(nstat_s TcpOutRsts)
t0=$SECONDS
sent=0 dropped=0
forged_half() {	# src dst
	flood "$1" "$2" $((FORGED_N / 2))
	expect_eq "forged ACKs sent from $1" "$(summary total)" $((FORGED_N / 2))
	sent=$((sent + $(summary total)))
	dropped=$((dropped + $(summary dropped)))
}
forged_half $SRC4 $IP4_S:80
forged_half $SRC6 "[$IP6_S]:80"
info "$sent forged ACKs in $((SECONDS - t0)) s, $dropped lost in the veth queue"
rst1=$(nstat_s TcpOutRsts)
acc1=$(cat "$TB_TMP/accepted")
synfind_counters
valid=$(($(counter ack_cookie_valid) - valid0))
invalid=$(($(counter ack_cookie_invalid) - invalid0))
info "ack_cookie_valid +$valid (expected $FORGED_N / 2^24), ack_cookie_invalid +$invalid"
[ "$valid" -le $FORGED_MAX_VALID ] ||
	fail "forged ACKs taken as valid cookies: $valid, more than $FORGED_MAX_VALID"
expect_eq "forged ACKs the guard saw (valid + invalid)" $((valid + invalid)) $((sent - dropped))
expect_eq "RSTs for $FORGED_N forged ACKs with synfin" "$((rst1 - rst0))" 0
expect_eq "connections accepted during the flood (= forged valid cookies)" \
	"$((acc1 - acc0))" "$valid"
for a in $IP4_S $IP6_S; do
	in_c $PY "$HERE/tcpcheck.py" client --addr $a --count 2 --timeout 3 >/dev/null ||
		fail "client to $a after the flood"
done
synfind_stop
echo "PASS"
