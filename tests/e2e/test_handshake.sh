#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real Linux clients connect to a real listener behind synfind: every
# connection succeeds, the kernel's SYN queue is never used, and both ends
# see the options the client asked for.
set -u
source "$(dirname "$0")/lib.sh"
tb_up

# ss_info NS: the TCP info of the established connections on port 80.
ss_info() { ip netns exec "$1" ss -tinH state established "( sport = :80 or dport = :80 )" | tr -s ' \n\t' ' '; }

# check_opts ADDR TS MSS: one held connection; TCP_INFO on both ends shows
# SACK, window scaling (ours is 7), timestamps iff TS, and the MSS.
check_opts() {
	local addr=$1 ts=$2 mss=$3 cli srv ss_c ss_s
	coproc HOLD { in_c $PY "$HERE/tcpcheck.py" hold --addr "$addr" --bytes 100 --timeout 20; }
	read -r -t 10 cli <&"${HOLD[0]}" || fail "hold connection to $addr"
	ss_c=$(ss_info "$NS_C"); ss_s=$(ss_info "$NS_S")
	srv=$($PY -c 'import json,sys
c = json.loads(sys.argv[1])
for l in open(sys.argv[2]):
    s = json.loads(l)
    if s["peer"] == c["local"]: print(l.strip())' "$cli" "$TB_TMP/accepted.conns")
	info "client: $cli"
	info "server: $srv"
	info "client ss: $ss_c"
	info "server ss: $ss_s"
	$PY - "$cli" "$srv" "$ts" "$mss" <<'PYEOF' || fail "options negotiated with $addr"
import json, sys
c, s = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ts, mss = sys.argv[3] == '1', int(sys.argv[4])
bad = []
for name, v in (('client', c), ('server', s)):
    for k, want in (('sack', True), ('wscale', True), ('ts', ts), ('snd_mss', mss)):
        if v[k] != want:
            bad.append('%s %s=%s, want %s' % (name, k, v[k], want))
if c['snd_wscale'] != 7 or s['rcv_wscale'] != 7:
    bad.append('our window scale 7 not in use')
if s['snd_wscale'] != c['rcv_wscale']:
    bad.append("server doesn't scale by the client's %d" % c['rcv_wscale'])
print('\n'.join(bad))
sys.exit(1 if bad else 0)
PYEOF
	echo "$ss_c" | grep -q "wscale:7,[0-9]* .* mss:$mss " || fail "ss on the client: $ss_c"
	echo "$ss_s" | grep -q "wscale:[0-9]*,7 .* mss:$mss " || fail "ss on the server: $ss_s"
	eval "exec ${HOLD[1]}>&-"
	wait "$HOLD_PID" 2>/dev/null
}

tb_server accepted 80 --addr $IP4_S --addr $IP6_S
synfind_start --ports 80
expect_hooks "attached" "$(guard_hooks "$(sf_guard_mode)")"

clients $IP4_S 100
clients $IP6_S 100
# MSS 1460 less the 12-byte timestamp option, as Linux reports it.
check_opts $IP4_S 1 1448
check_opts $IP6_S 1 1428

synfind_counters
expect_eq "kernel SYN cookies sent" "$(nstat_s TcpExtSyncookiesSent)" 0
expect_eq "listen overflows" "$(nstat_s TcpExtListenOverflows)" 0
expect_eq "listen drops" "$(nstat_s TcpExtListenDrops)" 0
expect_eq "connections accepted" "$(cat "$TB_TMP/accepted")" 202
expect_ge "syn_seen" "$(counter syn_seen)" 202
expect_eq "synack_sent" "$(counter synack_sent)" "$(counter syn_seen)"
expect_eq "ack_cookie_valid" "$(counter ack_cookie_valid)" 202
expect_eq "conn_handed" "$(counter conn_handed)" 202
expect_eq "ack_cookie_invalid" "$(counter ack_cookie_invalid)" 0
expect_eq "handoff_failed" "$(counter handoff_failed)" 0
# A client that asks for ECN gets it, remembered in the TSval.
in_c sysctl -qw net.ipv4.tcp_ecn=1
coproc HOLD { in_c $PY "$HERE/tcpcheck.py" hold --addr $IP4_S --bytes 100 --timeout 20; }
read -r -t 10 cli <&"${HOLD[0]}" || fail "hold connection with ECN"
info "client with ECN: $cli"
echo "$cli" | grep -q '"ecn": true' || fail "ECN not negotiated: $cli"
grep -q '"ecn": true' "$TB_TMP/accepted.conns" || fail "server side has no ECN"
eval "exec ${HOLD[1]}>&-"; wait "$HOLD_PID" 2>/dev/null
in_c sysctl -qw net.ipv4.tcp_ecn=2
synfind_stop
expect_eq "synfind exit status" "$SYNFIND_RC" 0
expect_hooks "after exit" ""

# The mode's other way in. XDP: generic (skb) mode. TC: auto takes it on an
# interface that strips VLAN tags into metadata.
if [ "$SF_MODE" = xdp ]; then
	synfind_start --ports 80 --mode skb
	expect_hooks "skb mode" "$(guard_hooks skb)"
else
	in_s ethtool -K "$VS" rxvlan on >/dev/null || fail "couldn't turn on rx-vlan-offload"
	synfind_start --ports 80 --mode auto
	expect_eq "mode auto took on a VLAN-stripping $VS" "$SYNFIND_MODE" tc
	grep -q "'$VS' strips VLAN tags into metadata, where XDP can't see them: TC mode" "$SYNFIND_LOG" ||
		fail "no reason logged: $(cat "$SYNFIND_LOG")"
	expect_hooks "auto on a VLAN-stripping interface" "$(guard_hooks tc)"
fi
clients $IP4_S 10
clients $IP6_S 10
synfind_stop
in_s ethtool -K "$VS" rxvlan off >/dev/null

synfind_start --ports 80 --no-timestamps
clients $IP4_S 10
clients $IP6_S 10
check_opts $IP4_S 0 1460
check_opts $IP6_S 0 1440
synfind_stop
expect_eq "kernel SYN cookies sent" "$(nstat_s TcpExtSyncookiesSent)" 0
expect_eq "connections accepted" "$(cat "$TB_TMP/accepted")" 245
echo "PASS"
