#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# No door around synfin: SYNs the guard can't read whole (in fragments,
# behind five IPv6 extension headers) reach the kernel's listener without
# synfin, and with it they are dropped, each class counted: none gets a
# SYN-ACK, from the kernel or from synfin.
set -u
source "$(dirname "$0")/lib.sh"
tb_up
tb_server accepted 80 --addr $IP4_S --addr $IP6_S
SMAC=$(in_s cat /sys/class/net/$VS/address)
N=10

door() {	# the SYN-ACKs each class drew, as "frag4 tiny4 frag6 ext6"
	in_c $PY "$HERE/doorcheck.py" "$VC" "$SMAC" $IP4_C $IP4_S $IP6_C $IP6_S 80 $N \
		>"$TB_TMP/door.json" 2>"$TB_TMP/door.err" || fail "doorcheck: $(tail -1 "$TB_TMP/door.err")"
	$PY -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(d["frag4"], d["tiny4"], d["frag6"], d["ext6"])' "$TB_TMP/door.json"
}

# Baseline: the test can fail. Without synfin, the kernel answers them all.
read -r f4 t4 f6 e6 <<<"$(door)"
expect_eq "kernel SYN-ACKs for fragmented IPv4 SYNs without synfin" "$f4" $N
expect_eq "kernel SYN-ACKs for tiny-fragment IPv4 SYNs without synfin" "$t4" $N
expect_eq "kernel SYN-ACKs for fragmented IPv6 SYNs without synfin" "$f6" $N
expect_eq "kernel SYN-ACKs for IPv6 SYNs behind five extension headers without synfin" "$e6" $N

synfind_start --ports 80
read -r f4 t4 f6 e6 <<<"$(door)"
synfind_counters
expect_eq "SYN-ACKs for fragmented IPv4 SYNs" "$f4" 0
expect_eq "SYN-ACKs for tiny-fragment IPv4 SYNs" "$t4" 0
expect_eq "SYN-ACKs for fragmented IPv6 SYNs" "$f6" 0
expect_eq "SYN-ACKs for IPv6 SYNs behind five extension headers" "$e6" 0
expect_eq "frag_syn_dropped" "$(counter frag_syn_dropped)" $((2 * N))
# The first of each tiny SYN's fragments; the later ones are passed.
expect_eq "frag_tiny_dropped" "$(counter frag_tiny_dropped)" $N
expect_eq "ext_deep_dropped" "$(counter ext_deep_dropped)" $N
in_c $PY "$HERE/tcpcheck.py" client --addr $IP4_S --count 2 --timeout 3 >/dev/null ||
	fail "a real client after the SYNs"
synfind_stop
echo "PASS"
