#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VLAN tags on SYN-ACKs. A TC egress program on the client veth tags the
# client's TCP frames (tests/progs/tc_vlan_push.bpf.c); the client veth's
# tx-vlan offload keeps a tag beside the frame (out of band) or writes it
# into the frame. A server veth with rx-vlan offload on stands for a NIC
# that strips tags into metadata, where XDP can't see them: synfind in auto
# must take TC mode there, and XDP mode is refused. Every SYN-ACK must
# carry the SYN's tags, as captured on the client veth.
# No 8021q here: the stacks take only VID 0 (priority-tagged) frames, so
# whole handshakes run over VID 0; other VIDs get SYNs from scapy.
set -u
source "$(dirname "$0")/lib.sh"
tb_up
tb_server accepted 80 --addr $IP4_S --addr $IP6_S
SMAC=$(in_s cat /sys/class/net/$VS/address)
N=20		# scapy's SYNs per family and case
REAL=10		# real connections per family, in the VID 0 cases

in_c tc qdisc add dev "$VC" clsact || fail "couldn't add clsact to $VC"
in_c tc filter add dev "$VC" egress bpf da obj "$BUILD/tests/progs/tc_vlan_push.bpf.o" sec tc ||
	fail "couldn't attach tc_vlan_push"
CFG_MAP=$(in_c tc -j filter show dev "$VC" egress | $PY -c '
import json, subprocess, sys
for f in json.load(sys.stdin):
    if "prog" not in f.get("options", {}):
        continue
    prog = json.loads(subprocess.check_output(
        ["bpftool", "-j", "prog", "show", "id", str(f["options"]["prog"]["id"])]))
    for m in prog.get("map_ids", []):
        info = json.loads(subprocess.check_output(["bpftool", "-j", "map", "show", "id", str(m)]))
        if info["name"] == "vlan_push_cfg":
            print(m)')
[ -n "$CFG_MAP" ] || fail "no vlan_push_cfg map behind tc_vlan_push"

# vlan_push INNER OUTER: the client's TCP frames get an 802.1Q tag with VID
# INNER, under an 802.1ad tag with VID OUTER ("-": none).
vlan_push() {
	bpftool map update id "$CFG_MAP" key 0 0 0 0 value $($PY -c '
import struct, sys
i, o = sys.argv[1:]
print(*struct.pack("<HHII", int(i.strip("-") or 0), int(o.strip("-") or 0), i != "-", o != "-"))' "$1" "$2") ||
		fail "couldn't set vlan_push_cfg"
}

# answered: "SYN-ACKs sent, SYNs with more tags than the hand-off takes
# passed to the kernel".
answered() {
	ctl -j stats | $PY -c 'import json,sys
c = json.load(sys.stdin)["counters"]
print(c["synack_sent"], c["syn_tags_passed"])'
}

# The client veth's incoming frames from the server, SYN-ACKs among them.
capture_start() {
	: >"$TB_TMP/cap.err"
	# Not through in_c: $! must be tcpdump's own pid, not a subshell's.
	ip netns exec "$NS_C" tcpdump -i "$VC" -Q in -U --immediate-mode -n -w "$TB_TMP/cap.pcap" \
		"ether src $SMAC" 2>"$TB_TMP/cap.err" &
	CAP_PID=$!
	TB_PIDS+=("$CAP_PID")
	local i
	for i in $(seq 50); do grep -q 'listening on' "$TB_TMP/cap.err" && return 0; sleep 0.1; done
	fail "tcpdump did not start: $(cat "$TB_TMP/cap.err")"
}
captured_synacks() { tcpdump -r "$TB_TMP/cap.pcap" -n 2>/dev/null | grep -c 'Flags \[S\.\]'; }

# run_case NAME TX RX INNER OUTER MODE TAGS REAL: see the table below.
run_case() {
	local name=$1 tx=$2 rx=$3 inner=$4 outer=$5 mode=$6 tags=$7 real=$8
	local min=$N s0 s1 p0 p1 i
	info "--- $name: client tx-vlan offload $tx, server rx-vlan offload $rx, 802.1Q $inner, 802.1ad $outer"
	in_c ethtool -K "$VC" txvlan "$tx" tx-vlan-stag-hw-insert "$tx" >/dev/null || fail "ethtool on $VC"
	in_s ethtool -K "$VS" rxvlan "$rx" rx-vlan-stag-hw-parse "$rx" >/dev/null || fail "ethtool on $VS"
	vlan_push "$inner" "$outer"
	synfind_start --ports 80 --mode auto
	expect_eq "$name: the mode auto took" "$SYNFIND_MODE" "$mode"
	if [ "$mode" = tc ]; then
		grep -q "'$VS' strips VLAN tags into metadata, where XDP can't see them: TC mode" "$SYNFIND_LOG" ||
			fail "$name: no reason for TC mode logged: $(cat "$SYNFIND_LOG")"
	fi
	read -r s0 p0 <<<"$(answered)"
	capture_start
	in_c $PY "$HERE/tagcheck.py" syns "$VC" "$SMAC" $IP4_C $IP4_S 80 $N || fail "scapy's IPv4 SYNs"
	in_c $PY "$HERE/tagcheck.py" syns "$VC" "$SMAC" $IP6_C $IP6_S 80 $N || fail "scapy's IPv6 SYNs"
	if [ "$real" = yes ]; then
		clients $IP4_S $REAL
		clients $IP6_S $REAL
		min=$((N + REAL))
	fi
	# Until every SYN is answered or passed and every SYN-ACK synfin
	# counted is in the capture (bounded).
	for i in $(seq 50); do
		read -r s1 p1 <<<"$(answered)"
		[ "$((s1 - s0 + p1 - p0))" -ge $((2 * min)) ] &&
			[ "$(captured_synacks)" -ge "$((s1 - s0))" ] && break
		sleep 0.1
	done
	# TERM, not INT: bash takes a child's death by SIGINT as its own.
	kill -TERM "$CAP_PID"; wait "$CAP_PID" 2>/dev/null
	read -r s1 p1 <<<"$(answered)"
	$PY "$HERE/tagcheck.py" tags "$TB_TMP/cap.pcap" >"$TB_TMP/tags.json" || fail "reading the capture"
	$PY - "$TB_TMP/tags.json" "$tags" "$min" "$((s1 - s0))" "$((p1 - p0))" <<'PY' || fail "$name: SYN-ACK tags"
import json, sys
got, want = json.load(open(sys.argv[1])), sys.argv[2]
least, sent, passed = (int(a) for a in sys.argv[3:6])
# "passed": none answered, every SYN left to the kernel, which takes no
# tagged frame here.
want_passed = 2 * least if want == 'passed' else 0
least = 0 if want == 'passed' else least
bad, total = [], 0
for fam in ('4', '6'):
    n = got[fam].get(want, 0)
    other = sum(got[fam].values()) - n
    total += n + other
    print('  IPv%s SYN-ACKs: %d with tags %s, %d otherwise %s' % (fam, n, want, other, got[fam]))
    if n < least or other:
        bad.append('IPv%s: %d of at least %d with %s, %d otherwise' % (fam, n, least, want, other))
if total != sent:
    bad.append('%d SYN-ACKs captured, synack_sent rose by %d' % (total, sent))
print('  synack_sent +%d, syn_tags_passed +%d' % (sent, passed))
if passed != want_passed:
    bad.append('syn_tags_passed rose by %d, not %d' % (passed, want_passed))
if bad:
    sys.exit('\n'.join(bad))
PY
	case $tags in
	none) info "ok: $name: every SYN-ACK untagged" ;;
	passed) info "ok: $name: no SYN-ACK, every SYN left to the kernel (syn_tags_passed)" ;;
	*) info "ok: $name: every SYN-ACK tagged $tags" ;;
	esac
	synfind_stop
}

# Cases: the client veth's tx-vlan offload (on: the tag stays beside the
# frame; off: written into it), the server veth's rx-vlan offload (on: it
# says it strips), the tags pushed, the mode auto must take, the tags every
# SYN-ACK must carry (outermost first), and whether real clients connect.
# Two tags (QinQ) are more than the hand-off takes: synfin leaves such SYNs
# to the kernel ("passed"; in TC mode the outer tag is out of the frame,
# the inner one still in it). "unseen" is the failure TC mode exists for:
# a tag beside the frame that the interface doesn't own up to: XDP can't
# see it and answers untagged. It also shows the capture tells tagged from
# untagged.
while read -r name tx rx inner outer mode tags real; do
	[ -n "$name" ] && run_case "$name" "$tx" "$rx" "$inner" "$outer" "$mode" "$tags" "$real"
done <<'CASES'
oob         on   on   100  -   tc      8100:100          no
oob-prio    on   on   0    -   tc      8100:0            yes
frame       off  off  100  -   native  8100:100          no
frame-prio  off  off  0    -   native  8100:0            yes
qinq-frame  off  off  100  10  native  passed            no
qinq-oob    on   on   100  10  tc      passed            no
unseen      on   off  100  -   native  none              no
CASES
expect_eq "connections accepted" "$(cat "$TB_TMP/accepted")" $((4 * REAL))

# XDP mode where the interface strips tags: refused, nothing attached.
in_s ethtool -K "$VS" rxvlan on rx-vlan-stag-hw-parse off >/dev/null
expect_refused "--mode native on a VLAN-stripping interface" "strips VLAN tags" --ports 80 --mode native
in_s ethtool -K "$VS" rxvlan off rx-vlan-stag-hw-parse on >/dev/null
expect_refused "--mode skb on an 802.1ad-stripping interface" "strips VLAN tags" --ports 80 --mode skb
echo "PASS"
