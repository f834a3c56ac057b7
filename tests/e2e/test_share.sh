#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Another XDP program on synfin's interface (tests/progs/xdp_count.bpf.c,
# which counts every frame and passes it): synfind in auto takes TC mode
# beside it and never touches it. Real clients and a SYN flood are served,
# the other program still sees every frame the client sent, and it is still
# there after synfind exits. XDP mode is refused.
set -u
source "$(dirname "$0")/lib.sh"
tb_up
tb_server accepted 80 --addr $IP4_S --addr $IP6_S
SMAC=$(in_s cat /sys/class/net/$VS/address)
CONNS=50	# real connections per family
SYNS=2000	# the flood's

in_s ip link set dev "$VS" xdpdrv obj "$BUILD/tests/progs/xdp_count.bpf.o" sec xdp ||
	fail "couldn't attach xdp_count to $VS"
OTHER_ID=$(in_s ip -j -d link show dev "$VS" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["xdp"]["prog"]["id"])')
COUNT_MAP=$(bpftool -j prog show id "$OTHER_ID" | $PY -c '
import json, subprocess, sys
for m in json.load(sys.stdin)["map_ids"]:
    if json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "id", str(m)]))["name"] == "count_frames":
        print(m)')
[ -n "$COUNT_MAP" ] || fail "no count_frames map behind xdp_count"
counted() { bpftool -j map lookup id "$COUNT_MAP" key 0 0 0 0 | $PY -c 'import json,sys; print(json.load(sys.stdin)["formatted"]["value"])'; }
# What the client veth sent. On veth this counts the frames the server
# veth's NAPI took off its ring, each of which runs its XDP program: the
# two must agree exactly, ARP and ND included.
client_tx() { in_c cat /sys/class/net/$VC/statistics/tx_packets; }
# snapshot: "COUNTED SENT" at a quiet moment, when two readings in a row
# agree (bounded): the testbed's own ND and MLD frames may be in flight.
snapshot() {
	local a b i
	for i in $(seq 30); do
		a="$(counted) $(client_tx)"; b="$(counted) $(client_tx)"
		[ "$a" = "$b" ] && break
		sleep 0.1
	done
	echo "$a"
}
expect_hooks "before synfind" "xdp/native xdp_count"

read -r c0 t0 <<<"$(snapshot)"
synfind_start --ports 80 --mode auto
expect_eq "the mode auto took beside another XDP program" "$SYNFIND_MODE" tc
grep -q "'$VS' has another XDP program (id $OTHER_ID): TC mode, beside it" "$SYNFIND_LOG" ||
	fail "no reason for TC mode logged: $(cat "$SYNFIND_LOG")"
expect_hooks "synfind beside it" "$(guard_hooks tc)
xdp/native xdp_count"

clients $IP4_S $CONNS
clients $IP6_S $CONNS
s0=$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["synack_sent"])')
in_c "$BUILD/synfin-flood" --iface "$VC" --dst-mac "$SMAC" --src 198.18.0.128/25 --dst $IP4_S:80 \
	--type syn --count $SYNS --duration 20 --json >"$TB_TMP/flood.json" 2>"$TB_TMP/flood.err" ||
	fail "flood: $(cat "$TB_TMP/flood.err")"
info "flood: $(cat "$TB_TMP/flood.json")"
synfind_counters
expect_eq "connections accepted" "$(cat "$TB_TMP/accepted")" $((2 * CONNS))
expect_eq "conn_handed" "$(counter conn_handed)" $((2 * CONNS))
expect_ge "SYN-ACKs for the flood" "$(($(counter synack_sent) - s0))" $SYNS
expect_eq "synack_sent" "$(counter synack_sent)" "$(counter syn_seen)"
read -r c1 t1 <<<"$(snapshot)"
expect_eq "frames xdp_count saw, as many as the client sent ($((t1 - t0)))" "$((c1 - c0))" "$((t1 - t0))"

synfind_stop
expect_eq "synfind exit status" "$SYNFIND_RC" 0
expect_hooks "after synfind exits" "xdp/native xdp_count"
c1=$(counted)
in_c ping -c 3 -i 0.2 -W 2 $IP4_S >/dev/null || fail "ping after synfind"
expect_ge "frames xdp_count saw after synfind exited" "$(($(counted) - c1))" 3

expect_refused "--mode native beside another XDP program" "has another XDP program (id $OTHER_ID)" \
	--ports 80 --mode native
expect_refused "--mode skb beside another XDP program" "has another XDP program (id $OTHER_ID)" \
	--ports 80 --mode skb
echo "PASS"
