#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One synfind protecting two interfaces counts each one's traffic on its
# own: synfinctl -j stats has a row per interface whose sum is the total,
# synfinctl stats a column each, and every counter in the metrics carries
# the interface as a label.
set -u
source "$(dirname "$0")/lib.sh"
tb_up

# A second veth pair between the same namespaces, on 198.18.1.0/24 and
# 2001:db8:1::/64 (it goes with the namespaces).
VS2=sfs2$SF_ID VC2=sfc2$SF_ID
IP4_S2=198.18.1.2 IP4_C2=198.18.1.1 IP6_S2=2001:db8:1::2 IP6_C2=2001:db8:1::1
ip link add "$VS2" netns "$NS_S" type veth peer name "$VC2" netns "$NS_C" ||
	fail "couldn't create the second veth pair"
in_s ip addr add $IP4_S2/24 dev "$VS2"
in_c ip addr add $IP4_C2/24 dev "$VC2"
in_s ip addr add $IP6_S2/64 dev "$VS2" nodad
in_c ip addr add $IP6_C2/64 dev "$VC2" nodad
in_s ip link set "$VS2" up; in_c ip link set "$VC2" up
in_s ethtool -K "$VS2" rxvlan off rx-vlan-stag-hw-parse off >/dev/null ||
	fail "couldn't turn off rx-vlan-offload on $VS2"
in_c ip link set dev "$VC2" xdpdrv obj "$BUILD/tests/progs/xdp_pass.bpf.o" sec xdp ||
	fail "couldn't attach xdp_pass to $VC2"
in_c ping -c1 -W2 $IP4_S2 >/dev/null || fail "no IPv4 connectivity on $VS2"
in_c ping -c1 -W2 $IP6_S2 >/dev/null || fail "no IPv6 connectivity on $VS2"

tb_server accepted 80 --addr $IP4_S --addr $IP6_S --addr $IP4_S2 --addr $IP6_S2
synfind_start --ports 80 --iface "$VS2" --metrics 127.0.0.1:9469

# 3 + 2 connections by the first interface, 4 + 1 by the second.
clients $IP4_S 3
clients $IP6_S 2
clients $IP4_S2 4
clients $IP6_S2 1

ctl -j stats >"$TB_TMP/stats.json" || fail "synfinctl -j stats"
$PY - "$TB_TMP/stats.json" "$VS" "$VS2" <<'PYEOF' || fail "counters per interface"
import json, sys
st, names = json.load(open(sys.argv[1])), sys.argv[2:]
ifs = st['interfaces']
assert [i['name'] for i in ifs] == names, 'interfaces %s, want %s' % ([i['name'] for i in ifs], names)
for name, v in st['counters'].items():
    rows = sum(i['counters'][name] for i in ifs)
    assert rows == v, '%s: rows add up to %d, total %d' % (name, rows, v)
want = {names[0]: 5, names[1]: 5}
for i in ifs:
    c = i['counters']
    # Each connection's cookie ACK on its own interface, handed over there.
    assert c['ack_cookie_valid'] == want[i['name']], '%s: ack_cookie_valid %d, want %d' % (i['name'], c['ack_cookie_valid'], want[i['name']])
    assert c['conn_handed'] == want[i['name']], '%s: conn_handed %d' % (i['name'], c['conn_handed'])
    assert c['syn_seen'] >= want[i['name']], '%s: syn_seen %d' % (i['name'], c['syn_seen'])
print('  ok: %s' % ', '.join('%s ack_cookie_valid %d syn_seen %d' % (i['name'], i['counters']['ack_cookie_valid'], i['counters']['syn_seen']) for i in ifs))
PYEOF

# The text: a column per interface beside the total.
out=$(ctl stats) || fail "synfinctl stats"
echo "$out" | head -1 | grep -q "total .*$VS .*$VS2" || fail "stats header: $(echo "$out" | head -1)"
echo "$out" | grep -qE "^ack_cookie_valid +10 +5 +5$" || fail "stats row: $(echo "$out" | grep ack_cookie_valid)"
info "ok: synfinctl stats: $(echo "$out" | grep ack_cookie_valid)"

# The metrics: a series per interface, none without one.
in_s curl -sf http://127.0.0.1:9469/metrics >"$TB_TMP/metrics" || fail "metrics endpoint"
for i in "$VS" "$VS2"; do
	grep -q "^synfin_ack_cookie_valid_total{iface=\"$i\"} 5\$" "$TB_TMP/metrics" ||
		fail "metrics for $i: $(grep ack_cookie_valid_total "$TB_TMP/metrics")"
done
$PY - "$TB_TMP/stats.json" "$TB_TMP/metrics" "$VS" "$VS2" <<'PYEOF' || fail "metrics per interface"
import json, re, sys
names, text, ifs = json.load(open(sys.argv[1]))['counters'], open(sys.argv[2]).read(), sys.argv[3:]
for n in names:
    series = re.findall(r'^synfin_%s_total(\S*) \d+$' % n, text, re.M)
    assert series == ['{iface="%s"}' % i for i in ifs], '%s: series %s' % (n, series)
PYEOF
info "ok: metrics labelled ($(grep -c '^synfin_ack_cookie_valid_total{' "$TB_TMP/metrics") series of ack_cookie_valid)"

synfind_stop
[ "$SYNFIND_RC" = 0 ] || fail "synfind exited $SYNFIND_RC"
echo PASS
