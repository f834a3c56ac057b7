#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# synfin's close tracker against Linux (conform.py): each close scenario with
# real sockets at both ends, synfin's per-endpoint states compared with the
# kernel's after every step; tc_hold holds or drops chosen segments behind
# synfin (both ingresses) or before it (the client's egress).
set -u
source "$(dirname "$0")/lib.sh"
tb_up

HOLD_PIN=$TB_BPFFS/hold
# Relative pin paths: libbpf turns the dot of $TB_TMP into an underscore.
HOLD_OBJ=$(realpath "$BUILD/tests/progs/tc_hold.bpf.o")
(cd "$TB_BPFFS" && bpftool prog loadall "$HOLD_OBJ" hold \
	pinmaps hold-maps) || fail "couldn't load tc_hold"
in_s tc qdisc add dev "$VS" clsact && in_c tc qdisc add dev "$VC" clsact || fail "clsact"
in_s tc filter add dev "$VS" ingress bpf da object-pinned "$HOLD_PIN/hold_after" &&
	in_c tc filter add dev "$VC" ingress bpf da object-pinned "$HOLD_PIN/hold_after" &&
	in_c tc filter add dev "$VC" egress bpf da object-pinned "$HOLD_PIN/hold_before" ||
	fail "couldn't attach tc_hold"
# The client takes its own TIME-WAIT tuple again (tw-reuse) a second later.
in_c sysctl -qw net.ipv4.tcp_tw_reuse=1

synfind_start --ports 80 --time-wait-ms 60000
conform() {	# addr title scenarios...
	local addr=$1 title=$2
	shift 2
	$PY "$HERE/conform.py" --ns-server "$NS_S" --ns-client "$NS_C" --addr "$addr" \
		--synfinctl "${SYNFINCTL_BIN:-$BUILD/synfinctl} -s $SYNFIND_SOCK" --holds "$HOLD_PIN-maps/hold_rules" \
		--md "$TB_TMP/conform-$SF_MODE-$addr.md" --title "$title" "$@" ||
		fail "synfin disagrees with Linux ($title)"
}
# CONFORM_ONLY="SCENARIO..." runs only those (IPv4).
conform $IP4_S "$SF_MODE mode, IPv4" ${CONFORM_ONLY:-}
[ -n "${CONFORM_ONLY:-}" ] ||
	conform $IP6_S "$SF_MODE mode, IPv6" server-first client-first simultaneous rst-time-wait
# CONFORM_MD=FILE keeps the tables (tests/e2e/conform.md).
[ -n "${CONFORM_MD:-}" ] && cat "$TB_TMP"/conform-*.md >"$CONFORM_MD"
ctl -j stats >"$TB_TMP/stats.json"
for c in ct_track_failed ct_fin_invalid ct_data_after_fin; do
	expect_eq "$c" "$($PY -c "import json; print(json.load(open('$TB_TMP/stats.json'))['counters']['$c'])")" 0
done
synfind_stop
echo "PASS"
