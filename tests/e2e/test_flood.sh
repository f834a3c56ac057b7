#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# synfin-flood, from the client namespace to the server veth: for every
# type, IPv4 and IPv6, live frames and AF_PACKET, each frame captured on the
# server has correct checksums, the type's flags and options, the right
# destination, a source inside --src and random ports and sequence numbers,
# and as many arrive as were sent. Then: the live-frames rate (printed, not
# asserted), refusals of non-test addresses and of an endless flood, the
# fallback to AF_PACKET when the interface can't send XDP frames, and
# frames intact while synfind rewrites the pages they are built in.
set -u
source "$(dirname "$0")/lib.sh"
FLOOD=${FLOOD_BIN:-$BUILD/synfin-flood}	# run.sh sets the sanitizer build
COUNT=500
PORT=8080
SRC4=198.19.0.0/16		# off-link: the server's answers find no route
SRC6=2001:db8:1::/48

[ -x "$FLOOD" ] || fail "$FLOOD is not built (make all)"
$PY -c 'import scapy' 2>/dev/null || skip "needs python3-scapy for $PY"
tb_up
# Live frames XDP_TX'd out of the client veth reach the server veth only
# if it runs NAPI: give it an XDP program that passes everything.
in_s ip link set dev "$VS" xdpdrv obj "$BUILD/tests/progs/xdp_pass.bpf.o" sec xdp ||
	fail "couldn't attach xdp_pass to $VS"
SMAC=$(in_s cat /sys/class/net/"$VS"/address)

cat >"$TB_TMP/floodcheck.py" <<'EOF'
"""Checks a capture of one synfin-flood run; prints what is wrong."""
import collections, ipaddress, sys
from scapy.all import rdpcap, Ether, IP, IPv6, TCP

pcap, ftype, dst, dport, src, count, dmac, mss = sys.argv[1:9]
dport, count, mss = int(dport), int(count), int(mss)
net = ipaddress.ip_network(src)
FLAGS = {'syn': 'S', 'ack': 'A', 'fin': 'FA', 'rst': 'R'}
CYCLE = ['S', 'A', 'FA', 'R']
errs = []
vals = collections.defaultdict(list)
flags = []

def bad(i, msg):
    errs.append('frame %d: %s' % (i, msg))

pkts = rdpcap(pcap)
if len(pkts) != count:
    errs.append('%d frames arrived, %d were sent' % (len(pkts), count))
for i, p in enumerate(pkts):
    raw = bytes(p)
    e = Ether(raw)
    l3 = e.getlayer(IP) or e.getlayer(IPv6)
    if l3 is None or TCP not in e:
        bad(i, 'not TCP over IP')
        continue
    th = e[TCP]
    # Checksums: scapy's, with the fields deleted and the frame rebuilt.
    q = Ether(raw)
    if IP in q:
        del q[IP].chksum
    del q[TCP].chksum
    q = Ether(bytes(q))
    if IP in e:
        if e[IP].chksum != q[IP].chksum:
            bad(i, 'IPv4 checksum %#06x, want %#06x' % (e[IP].chksum, q[IP].chksum))
        if e[IP].len != len(raw) - 14 or e[IP].ttl != 64:
            bad(i, 'IPv4 length %d in a %d-byte frame, TTL %d' % (e[IP].len, len(raw), e[IP].ttl))
        vals['ipid'].append(e[IP].id)
    elif e[IPv6].plen != len(raw) - 54 or e[IPv6].hlim != 64:
        bad(i, 'IPv6 payload length %d in a %d-byte frame' % (e[IPv6].plen, len(raw)))
    if th.chksum != q[TCP].chksum:
        bad(i, 'TCP checksum %#06x, want %#06x' % (th.chksum, q[TCP].chksum))
    if e.dst.lower() != dmac.lower():
        bad(i, 'destination MAC %s' % e.dst)
    if ipaddress.ip_address(l3.dst) != ipaddress.ip_address(dst) or th.dport != dport:
        bad(i, 'destination %s port %d' % (l3.dst, th.dport))
    if ipaddress.ip_address(l3.src) not in net:
        bad(i, 'source %s outside %s' % (l3.src, net))
    if th.sport < 1024:
        bad(i, 'source port %d' % th.sport)
    fl = str(th.flags)
    flags.append(fl)
    if ftype != 'mixed' and fl != FLAGS[ftype]:
        bad(i, 'flags %s, want %s' % (fl, FLAGS[ftype]))
    if fl == 'S':
        opts = dict(th.options)
        if (opts.get('MSS') != mss or 'SAckOK' not in opts or opts.get('WScale') != 7
                or 'Timestamp' not in opts or th.ack != 0):
            bad(i, 'SYN with ack %d, options %s' % (th.ack, th.options))
        else:
            vals['tsval'].append(opts['Timestamp'][0])
    else:
        if th.options:
            bad(i, '%s with options %s' % (fl, th.options))
        vals['ack'].append(th.ack)
    if th.window != (0 if fl == 'R' else 64240):
        bad(i, '%s with window %d' % (fl, th.window))
    vals['sport'].append(th.sport)
    vals['seq'].append(th.seq)
    vals['src'].append(l3.src)

# Random 16- and 32-bit fields are nearly all distinct; sources as far as
# --src has room.
for k, v in vals.items():
    want = min(len(v), net.num_addresses if k == 'src' else len(v)) // 2
    if len(set(v)) < want:
        errs.append('%s not random: %d distinct in %d frames' % (k, len(set(v)), len(v)))
if ftype == 'mixed' and flags:
    # One thread: the cycle runs in order, from wherever it stood.
    off = CYCLE.index(flags[0]) if flags[0] in CYCLE else 0
    out = [i for i, f in enumerate(flags) if f != CYCLE[(i + off) % 4]]
    if out:
        errs.append('mixed: frame %d is %s, out of the cycle' % (out[0], flags[out[0]]))
for m in errs[:8]:
    print('    ' + m)
print('    %s: %d frames, %d sources, %d source ports, %d sequence numbers' % (
    'BAD' if errs else 'ok', len(pkts), len(set(vals['src'])), len(set(vals['sport'])),
    len(set(vals['seq']))))
sys.exit(1 if errs else 0)
EOF

capture_start() {	# tcpdump filter
	: >"$TB_TMP/tcpdump.err"
	# Not through in_s: $! must be tcpdump itself, for the SIGINT below.
	ip netns exec "$NS_S" tcpdump -i "$VS" -Q in -U -B 16384 -w "$TB_TMP/cap.pcap" "$1" \
		2>"$TB_TMP/tcpdump.err" &
	TD_PID=$!
	TB_PIDS+=("$TD_PID")
	local i
	for i in $(seq 50); do
		grep -q listening "$TB_TMP/tcpdump.err" && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$TB_TMP/tcpdump.err")"
}

capture_stop() {
	# tcpdump hands over a partly filled ring block after a second.
	sleep 1.5
	kill -INT "$TD_PID"
	timeout 10 tail --pid="$TD_PID" -f /dev/null || kill -9 "$TD_PID"
	wait "$TD_PID" 2>/dev/null
}

# summary FIELD: from the last JSON line synfin-flood printed.
summary() {
	$PY -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])[sys.argv[1]])' \
		"$1" <"$TB_TMP/flood.out"
}

flood() {	# args...: synfin-flood from the client, JSON lines in flood.out
	in_c "$FLOOD" --iface "$VC" --dst-mac "$SMAC" --json "$@" >"$TB_TMP/flood.out" \
		2>"$TB_TMP/flood.err"
}

# check_run MODE TYPE FAMILY [SRC|default]: one flood of COUNT frames, captured.
check_run() {
	local mode=$1 type=$2 fam=$3 src=${4:-} dst dstarg mss rc srcarg
	if [ "$fam" = 4 ]; then
		dst=$IP4_S dstarg=$IP4_S:$PORT mss=1460
		src=${src:-$SRC4}
	else
		dst=$IP6_S dstarg=[$IP6_S]:$PORT mss=1440
		src=${src:-$SRC6}
	fi
	srcarg=(--src "$src")
	if [ "$src" = default ]; then
		# The client veth's own subnet.
		srcarg=()
		[ "$fam" = 4 ] && src=${IP4_C%.*}.0/24 || src=${IP6_C%::*}::/64
	fi
	capture_start "tcp dst port $PORT"
	flood --dst "$dstarg" "${srcarg[@]}" --type "$type" --count $COUNT --mode "$mode"
	rc=$?
	capture_stop
	[ $rc = 0 ] || fail "$mode $type IPv$fam: exit $rc: $(cat "$TB_TMP/flood.err")"
	expect_eq "$mode $type IPv$fam: sent" "$(summary total)" $COUNT
	expect_eq "$mode $type IPv$fam: mode" "$(summary mode)" "$mode"
	$PY "$TB_TMP/floodcheck.py" "$TB_TMP/cap.pcap" "$type" "$dst" $PORT "$src" $COUNT \
		"$SMAC" $mss || fail "$mode $type IPv$fam: bad frames (above)"
}

for fam in 4 6; do
	for type in syn ack fin rst mixed; do
		check_run live-frames $type $fam
	done
done
# AF_PACKET sends what the same frame builder made: its path, once a family.
check_run af_packet syn 4
check_run af_packet mixed 6
# Without --src, sources come from the interface's subnet.
check_run live-frames syn 4 default
check_run live-frames ack 6 default

# The live-frames rate, as fast as it goes for 3 s: printed, not asserted.
for threads in 1 2; do
	rx0=$(in_s cat /sys/class/net/"$VS"/statistics/rx_packets)
	td0=$(in_c cat /sys/class/net/"$VC"/statistics/tx_dropped)
	flood --dst $IP4_S:$PORT --src $SRC4 --duration 3 --threads $threads ||
		fail "3 s flood, $threads threads: $(cat "$TB_TMP/flood.err")"
	rx1=$(in_s cat /sys/class/net/"$VS"/statistics/rx_packets)
	td1=$(in_c cat /sys/class/net/"$VC"/statistics/tx_dropped)
	expect_eq "3 s flood, $threads threads: mode" "$(summary mode)" live-frames
	# What it says it lost is what the interface dropped.
	expect_eq "3 s flood, $threads threads: dropped" "$(summary dropped)" $((td1 - td0))
	secs=$(summary seconds)
	# Upper bounds catch a deadline that doesn't hold, with room for a
	# loaded machine: they are not a measure of speed.
	$PY -c "import sys; sys.exit(not 2.9 <= $secs < 15)" ||
		fail "3 s flood, $threads threads: stopped after $secs s"
	info "live frames, $threads thread(s): $(summary avg_pps) frames/s sent for $secs s," \
		"$(( (rx1 - rx0) / 3 )) frames/s received by $VS's stack, $(summary dropped) dropped by $VC"
done

# flood_within LO HI WHAT ARGS...: a flood that must last LO to HI seconds
# (a sanity bound of the pacing or the deadline, not a measure of speed).
flood_within() {
	local lo=$1 hi=$2 what=$3 secs
	shift 3
	flood --dst $IP4_S:$PORT --src $SRC4 "$@" || fail "$what: $(cat "$TB_TMP/flood.err")"
	secs=$(summary seconds)
	$PY -c "import sys; sys.exit(not $lo <= $secs < $hi)" || fail "$what: took $secs s"
	info "ok: $what: $secs s, avg_pps $(summary avg_pps)"
}

# A paced run lasts N / rate: its average is the rate.
flood_within 0.45 10 "1000 frames at 2000/s" --count 1000 --rate 2000
# A --rate the machine can't reach still ends at the deadline (it ran for
# 133 s before paced calls were capped).
flood_within 0.9 10 "--rate 1000000000 --duration 1" --duration 1 --rate 1000000000

# Without privilege: one warning (live frames), one error (AF_PACKET), no
# summary, exit status 1. The binary is copied where uid 65534 can reach it
# (the checkout may not be), in the scratch directory the trap removes.
NOBODY_DIR=$TB_TMP/nobody
chmod 711 "$TB_TMP" && mkdir -m 755 "$NOBODY_DIR" && cp "$FLOOD" "$NOBODY_DIR/" &&
	chmod 755 "$NOBODY_DIR/synfin-flood" || fail "couldn't copy synfin-flood for nobody"
rc=0
in_c setpriv --reuid 65534 --regid 65534 --clear-groups "$NOBODY_DIR/synfin-flood" --iface "$VC" \
	--dst-mac "$SMAC" --dst $IP4_S:$PORT --src $SRC4 --count 10 --threads 2 \
	>"$TB_TMP/flood.out" 2>"$TB_TMP/flood.err" || rc=$?
rm -rf "$NOBODY_DIR"
expect_eq "unprivileged: exit status" $rc 1
expect_eq "unprivileged: lines on stderr" "$(wc -l <"$TB_TMP/flood.err")" 2
expect_eq "unprivileged: lines on stdout" "$(wc -l <"$TB_TMP/flood.out")" 0
info "    $(tail -n 1 "$TB_TMP/flood.err")"


# Refusals: exit status 2, one line on stderr, and nothing on the wire.
capture_start "tcp"
refuse() {	# what args...
	local what=$1 rc
	shift
	in_c "$FLOOD" --iface "$VC" --dst-mac "$SMAC" "$@" >"$TB_TMP/flood.out" 2>"$TB_TMP/flood.err"
	rc=$?
	expect_eq "refuses $what: exit status" $rc 2
	expect_eq "refuses $what: lines on stderr" "$(wc -l <"$TB_TMP/flood.err")" 1
	info "    $(cat "$TB_TMP/flood.err")"
}
refuse "--dst 10.0.0.1" --dst 10.0.0.1 --count 10
refuse "--dst 2001:db9::1" --dst "[2001:db9::1]:80" --count 10
refuse "--src 10.0.0.0/8" --dst $IP4_S --src 10.0.0.0/8 --count 10
refuse "--src 198.18.0.0/14" --dst $IP4_S --src 198.18.0.0/14 --count 10
refuse "--src of the other family" --dst $IP4_S --src $SRC6 --count 10
refuse "a broadcast --dst-mac" --dst $IP4_S --count 10 --dst-mac ff:ff:ff:ff:ff:ff
refuse "--count 0 --duration 0" --dst $IP4_S --count 0 --duration 0
refuse "an unknown --type" --dst $IP4_S --type xmas
refuse "--threads 0" --dst $IP4_S --count 10 --threads 0
refuse "a signed --count" --dst $IP4_S --count +10
capture_stop
expect_eq "frames sent by the refused runs" "$(tcpdump -r "$TB_TMP/cap.pcap" 2>/dev/null | wc -l)" 0
# A link without carrier: frames sent there are counted nowhere. (The
# carrier changes at once, unlike IFF_RUNNING, which waits for linkwatch.)
in_s ip link set "$VS" down
refuse "a veth whose peer is down" --dst $IP4_S --count 10
in_s ip link set "$VS" up
for i in $(seq 50); do
	in_c grep -q 1 /sys/class/net/"$VC"/carrier 2>/dev/null && break
	sleep 0.1
done

# Without NAPI on the server veth the client veth can't send XDP frames:
# synfin-flood says so and falls back to AF_PACKET.
in_s ip link set dev "$VS" xdpdrv off
capture_start "tcp dst port $PORT"
flood --dst $IP4_S:$PORT --src $SRC4 --type rst --count $COUNT
rc=$?
capture_stop
[ $rc = 0 ] || fail "fallback: exit $rc: $(cat "$TB_TMP/flood.err")"
expect_eq "without XDP on $VS: mode" "$(summary mode)" af_packet
grep -q 'falling back to AF_PACKET' "$TB_TMP/flood.err" || fail "fallback: no warning on stderr"
$PY "$TB_TMP/floodcheck.py" "$TB_TMP/cap.pcap" rst $IP4_S $PORT $SRC4 $COUNT "$SMAC" 1460 ||
	fail "fallback: bad frames (above)"

# synfind answers each SYN by rewriting its page into a SYN-ACK, the page
# the generator gets back next: every frame must still be whole.
synfind_start --ports $PORT
flood --dst $IP4_S:$PORT --src $SRC4 --type syn --count 20000 || fail "SYNs at synfind"
expect_eq "SYNs at synfind: mode" "$(summary mode)" live-frames
flood --dst "[$IP6_S]:$PORT" --src $SRC6 --type mixed --count 20000 || fail "mixed at synfind"
synfind_counters
expect_eq "synfind: syn_seen" "$(counter syn_seen)" 25000
expect_eq "synfind: synack_sent" "$(counter synack_sent)" 25000
expect_eq "synfind: ack_cookie_invalid (ACK, FIN-ACK)" "$(counter ack_cookie_invalid)" 10000
for c in malformed_l2 malformed_ip malformed_tcp; do
	expect_eq "synfind: $c" "$(counter $c)" 0
done
synfind_stop
echo "PASS"
