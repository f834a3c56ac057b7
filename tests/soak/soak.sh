#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The soak: SOAK_MINUTES (30) of everything at once on the veth testbed,
#   - a mixed flood (SYN, ACK, FIN+ACK, RST in turn) in bounded segments,
#     IPv4 and IPv6 in turn, at a share of a rate measured first (RATE below),
#   - a real client opening and closing connections with data, continuously,
#   - synfinctl status, stats and conns every SOAK_CTL_S (3) seconds,
#   - SIGHUP every SOAK_HUP_S (5) seconds,
#   - a --keep restart every SOAK_RESTART_S (300; at most a third of the run),
# then checks (tests/soak/soakreport.py): no failed connection, synfind's
# RSS, fds and table steady, no BPF object left, counters that add up to the
# traffic sent. A markdown summary goes to stdout and $BUILD/soak.md.
# Usage: tests/soak/soak.sh [BUILD]; every loop ends by itself, and the
# trap removes everything, also on failure or Ctrl-C.
set -u
export BUILD=${1:-build}
SOAK_DIR=$(cd "$(dirname "$0")" && pwd)
cd "$SOAK_DIR/../.."
source tests/e2e/lib.sh

MINUTES=${SOAK_MINUTES:-30}
[[ $MINUTES =~ ^[0-9]+$ ]] && [ "$MINUTES" -ge 1 ] && [ "$MINUTES" -le 600 ] ||
	{ echo "SOAK_MINUTES=$MINUTES: want 1-600" >&2; exit 2; }
SOAK_S=$((MINUTES * 60))
CTL_S=${SOAK_CTL_S:-3}
HUP_S=${SOAK_HUP_S:-5}
RESTART_S=${SOAK_RESTART_S:-$((SOAK_S / 3 < 300 ? SOAK_S / 3 : 300))}
TW_MS=${SOAK_TW_MS:-15000}	# TIME-WAIT entries turn over within a short run
SEG_S=${SOAK_FLOOD_SEG_S:-60}	# one synfin-flood run
RATE_SHARE=${SOAK_RATE_SHARE:-25}	# % of the unthrottled rate (pick_rate)
DOWN_S=2			# synfind stopped this long at a restart
FLOOD=$BUILD/synfin-flood
OUT=${SOAK_OUT:-$BUILD/soak.md}
for b in synfind synfinctl synfin-flood tests/progs/xdp_pass.bpf.o; do
	[ -e "$BUILD/$b" ] || { echo "$BUILD/$b is not built (make BUILD=$BUILD all)" >&2; exit 2; }
done

now() { echo $((SECONDS - T0)); }
say() { printf '[%4ss] %s\n' "$(now)" "$*"; }

# Baselines of the whole host, before anything of ours exists.
T0=$SECONDS
BPF_BEFORE=$($PY "$SOAK_DIR/bpfobjs.py" count) || exit 1
tb_up
D=$TB_TMP/soak		# everything the report reads
mkdir -p "$D"
FLOOD_LOOP=
CLIENT_PID=
soak_down() {
	[ -n "$FLOOD_LOOP" ] && kill "$FLOOD_LOOP" 2>/dev/null
	[ -n "$CLIENT_PID" ] && kill "$CLIENT_PID" 2>/dev/null
	if [ -n "${SYNFIND_PID:-}" ] && kill -0 "$SYNFIND_PID" 2>/dev/null; then
		kill -TERM "$SYNFIND_PID"
		timeout 10 tail --pid="$SYNFIND_PID" -f /dev/null
	fi
	[ -n "$(ls -A "$TB_PIN" 2>/dev/null)" ] &&
		in_s "$BUILD/synfind" --detach --pin-dir "$TB_PIN" >/dev/null 2>&1
	tb_down
}
trap soak_down EXIT

SMAC=$(in_s cat /sys/class/net/"$VS"/address)
printf '[protect]\nports = 80\n[conntrack]\ntime_wait_ms = %s\n' "$TW_MS" >"$TB_TMP/synfin.conf"
# The echo server, for the whole run and a margin.
ip netns exec "$NS_S" $PY "$HERE/tcpcheck.py" server --port 80 --addr $IP4_S --addr $IP6_S \
	--timeout $((SOAK_S + 900)) --stats "$TB_TMP/accepted" >/dev/null 2>&1 &
TB_PIDS+=($!)
for i in $(seq 50); do [ -s "$TB_TMP/accepted" ] && break; sleep 0.1; done
[ -s "$TB_TMP/accepted" ] || fail "echo server did not start"
accepted() { cat "$TB_TMP/accepted"; }

# record_ids PID...: the BPF objects the processes hold, for the leak check.
record_ids() { $PY "$SOAK_DIR/bpfobjs.py" fds "$@" >>"$D/ids"; }

# flood ARGS...: one synfin-flood run from the client side; its summary
# line goes to stdout. Killed with its caller's TERM.
flood() {
	in_c "$FLOOD" --iface "$VC" --dst-mac "$SMAC" --type mixed --json "$@" \
		>"$D/flood.out" 2>"$D/flood.err" &
	local fp=$! rc
	trap 'kill $fp 2>/dev/null; exit 1' TERM
	sleep 0.5
	record_ids $fp
	wait $fp
	rc=$?
	trap - TERM
	tail -n 1 "$D/flood.out" | sed "s/}\$/,\"rc\":$rc}/"
	[ $rc = 0 ] || echo "flood: exit $rc: $(tail -n 2 "$D/flood.err")" >&2
}

# --- Calibration, on a synfind of its own (removed after): what the client
# makes alone, and what an unthrottled flood delivers.
say "calibration: 5 s of the client alone, then 3 s of an unthrottled flood"
synfind_start --config "$TB_TMP/synfin.conf"
in_c $PY "$SOAK_DIR/soakclient.py" --addr $IP4_S --addr $IP6_S --duration 5 \
	--progress "$D/cal-client.progress" >"$D/cal-client.json" || fail "calibration client: $(cat "$D/cal-client.json")"
flood --dst $IP4_S:80 --src 198.19.0.0/16 --rate 0 --duration 3 >"$D/cal-flood.json"
record_ids "$SYNFIND_PID"
synfind_stop
# The flood's rate (SOAK_RATE overrides): RATE_SHARE % of the frames an
# unthrottled generator got through (sent less dropped). Unthrottled, the
# generator thread takes a core of two and the receiving veth drops what the
# other can't take; a quarter leaves the client, the echo server, synfind
# and the machine's other users the rest.
RATE=${SOAK_RATE:-$($PY -c '
import json, sys
f = json.load(open(sys.argv[1]))
print(max(1000, int((f["total"] - max(f["dropped"], 0)) / f["seconds"] * int(sys.argv[2]) / 100 / 1000) * 1000))
' "$D/cal-flood.json" "$RATE_SHARE")}
[[ $RATE =~ ^[0-9]+$ ]] && [ "$RATE" -ge 1 ] || fail "bad flood rate '$RATE'"
say "calibration: client alone $(cat "$D/cal-client.json")"
say "calibration: unthrottled flood $(cat "$D/cal-flood.json")"
say "flood rate for the soak: $RATE frames/s"

# --- The soak. Baselines of what the report turns into deltas.
{
	echo "minutes $MINUTES"; echo "rate $RATE"; echo "rate_share $RATE_SHARE"
	echo "tw_ms $TW_MS"; echo "restart_s $RESTART_S"; echo "hup_s $HUP_S"; echo "ctl_s $CTL_S"
	echo "down_s $DOWN_S"; echo "seg_s $SEG_S"; echo "mode $SF_MODE"
	echo "accepted0 $(accepted)"
	echo "synretrans0 $(nstat_c TcpExtTCPSynRetrans)"
	echo "tx_dropped0 $(in_c cat /sys/class/net/"$VC"/statistics/tx_dropped)"
	for n in TcpExtSyncookiesSent TcpExtListenOverflows TcpExtListenDrops; do
		echo "${n}0 $(nstat_s $n)"
	done
	echo "bpf_before $BPF_BEFORE"
	echo "load0 $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$D/params"

INST=0
HUPS=0
start_instance() {
	INST=$((INST + 1))
	HUPS=0
	synfind_start --config "$TB_TMP/synfin.conf" --keep
	echo "$INST $SYNFIND_PID $(now)" >>"$D/instances"
	record_ids "$SYNFIND_PID"
}
# stop_instance: waits for the SIGHUPs sent to show in the log, keeps the
# instance's last status, stats and log for the report, then SIGTERM (the
# programs stay attached: --keep).
stop_instance() {
	local i
	for i in $(seq 30); do
		[ "$(grep -c 'reloaded ' "$SYNFIND_LOG")" -ge "$HUPS" ] && break
		sleep 0.1
	done
	echo "$INST hups $HUPS" >>"$D/hups"
	ctl -j status >"$D/status-$INST.json" || fail "status before stopping instance $INST"
	ctl -j stats >"$D/stats-$INST.json" || fail "stats before stopping instance $INST"
	record_ids "$SYNFIND_PID"
	synfind_stop
	[ "$SYNFIND_RC" = 0 ] || fail "synfind instance $INST exited with $SYNFIND_RC: $(tail -n 3 "$SYNFIND_LOG")"
	cp "$SYNFIND_LOG" "$D/synfind-$INST.log"
}
restart() {
	local old=$INST t0 acc0
	stop_instance
	t0=$(now) acc0=$(accepted)
	expect_hooks "while synfind is stopped (--keep)" "$(guard_hooks "$(sf_guard_mode)")" >/dev/null
	sleep $DOWN_S
	start_instance
	grep -q 'resumed from pins' "$SYNFIND_LOG" || fail "instance $INST did not resume: $(cat "$SYNFIND_LOG")"
	ctl -j stats >"$D/stats-$old-after.json" || fail "stats after restart $old"
	echo "$old $(($(now) - t0)) $(($(accepted) - acc0))" >>"$D/downtimes"
	say "restart $old: synfind $SYNFIND_PID resumed from pins after $(($(now) - t0)) s stopped"
}

# sample: one line of the timeline: t inst pid rss_kB fds ct_entries
# accepted client_ok client_retried client_failed ctl_ok. fds first, a
# second after the last synfinctl, whose connection may still be closing.
CTL_FAILS=0
sample() {
	local rss fds ent ok=1 cp=
	rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$SYNFIND_PID"/status)
	fds=$(ls /proc/"$SYNFIND_PID"/fd | wc -l)
	ctl -j status >"$D/status.json" && ctl -j stats >"$D/stats.json" &&
		ctl -j conns --limit 20 >"$D/conns.json" && ctl status >/dev/null || ok=0
	[ $ok = 1 ] || CTL_FAILS=$((CTL_FAILS + 1))
	ent=$(sed -n 's/.*"ct_entries":\([0-9]*\).*/\1/p' "$D/status.json")
	[ -s "$D/client.progress" ] && cp=$(tr -d '{}",' <"$D/client.progress" | awk '{ print $2, $4, $6 }')
	echo "$(now) $INST $SYNFIND_PID ${rss:--} ${fds:--} ${ent:--} $(accepted) ${cp:-0 0 0} $ok" >>"$D/timeline"
}

start_instance
START=$(now)
END=$((START + SOAK_S))
say "soak: $MINUTES min; flood $RATE/s in ${SEG_S}s segments; SIGHUP every ${HUP_S}s; synfinctl every ${CTL_S}s; --keep restart every ${RESTART_S}s"
in_c $PY "$SOAK_DIR/soakclient.py" --addr $IP4_S --addr $IP6_S --duration $SOAK_S \
	--progress "$D/client.progress" >"$D/client.json" 2>"$D/client.err" &
CLIENT_PID=$!
# Segments in turn, IPv4 and IPv6, until the end; each bounded by count
# and time.
(
	i=0
	while [ $i -lt $((SOAK_S / SEG_S + 2)) ] && [ "$(now)" -lt $((END - 2)) ]; do
		left=$((END - $(now)))
		seg=$((left < SEG_S ? left : SEG_S))
		if [ $((i % 2)) = 0 ]; then
			flood --dst $IP4_S:80 --src 198.19.0.0/16 --rate $RATE --count $((RATE * seg)) --duration $seg
		else
			flood --dst "[$IP6_S]:80" --src 2001:db8:1::/48 --rate $RATE --count $((RATE * seg)) --duration $seg
		fi >>"$D/floods.jsonl"
		i=$((i + 1))
	done
) &
FLOOD_LOOP=$!

printf '%6s %8s %7s %4s %8s %9s %8s %7s %6s\n' min pid rss_kB fds entries accepted retried failed floods
next_ctl=$START next_hup=$((START + HUP_S)) next_restart=$((START + RESTART_S)) next_min=$((START + 60))
ticks=0
while [ "$(now)" -lt $END ] && [ $ticks -lt $((SOAK_S * 2)) ]; do
	ticks=$((ticks + 1))
	t=$(now)
	kill -0 "$SYNFIND_PID" 2>/dev/null || fail "synfind $SYNFIND_PID died: $(tail -n 5 "$SYNFIND_LOG")"
	if [ "$t" -ge $next_restart ] && [ "$t" -lt $((END - 30)) ]; then
		restart
		next_restart=$((next_restart + RESTART_S))
		next_ctl=$(($(now) + 1))
		continue
	fi
	if [ "$t" -ge $next_ctl ]; then
		sample
		next_ctl=$((t + CTL_S))
	fi
	if [ "$t" -ge $next_hup ]; then
		kill -HUP "$SYNFIND_PID" && HUPS=$((HUPS + 1))
		next_hup=$((t + HUP_S))
	fi
	if [ "$t" -ge $next_min ]; then
		tail -n 1 "$D/timeline" | awk -v m=$(((t - START) / 60)) -v f="$(wc -l <"$D/floods.jsonl" 2>/dev/null || echo 0)" \
			'{ printf "%6d %8s %7s %4s %8s %9s %8s %7s %6s\n", m, $3, $4, $5, $6, $7, $9, $10, f }'
		next_min=$((next_min + 60))
	fi
	sleep 1
done

# --- The end: the client and the flood stop by themselves.
say "soak over: waiting for the client and the last flood"
timeout 30 tail --pid=$CLIENT_PID -f /dev/null || fail "the client did not stop"
wait $CLIENT_PID
CLIENT_PID=
timeout $((SEG_S + 30)) tail --pid=$FLOOD_LOOP -f /dev/null || fail "the flood loop did not stop"
FLOOD_LOOP=
sample
{
	echo "accepted1 $(accepted)"
	echo "synretrans1 $(nstat_c TcpExtTCPSynRetrans)"
	echo "tx_dropped1 $(in_c cat /sys/class/net/"$VC"/statistics/tx_dropped)"
	for n in TcpExtSyncookiesSent TcpExtListenOverflows TcpExtListenDrops; do
		echo "${n}1 $(nstat_s $n)"
	done
	echo "load1 $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$D/params"
# The client's entries go within TIME-WAIT and a sweep pass.
say "draining the table (TIME-WAIT $TW_MS ms)"
for i in $(seq $((TW_MS / 1000 * 2 + 20))); do
	[ "$(ctl -j conns --state TIME-WAIT --limit 1 | sed -n 's/^{"total":\([0-9]*\).*/\1/p')" = 0 ] && break
	sleep 1
done
sleep 1
ctl -j conns --limit 1000 >"$D/conns-final.json"
stop_instance
expect_hooks "after the last --keep stop" "$(guard_hooks "$(sf_guard_mode)")" >/dev/null
in_s "$BUILD/synfind" --detach --pin-dir "$TB_PIN" >"$D/detach.log" 2>&1 || fail "--detach: $(cat "$D/detach.log")"
expect_hooks "after --detach" ""
[ -z "$(ls -A "$TB_PIN" 2>/dev/null)" ] || fail "pins left after --detach: $(ls -R "$TB_PIN")"
# Objects are freed after an RCU grace period: give them a few seconds.
for i in $(seq 20); do
	$PY "$SOAK_DIR/bpfobjs.py" alive "$D/ids" >"$D/ids-alive"
	[ -s "$D/ids-alive" ] || break
	sleep 0.5
done
echo "bpf_after $($PY "$SOAK_DIR/bpfobjs.py" count)" >>"$D/params"

# The raw figures stay beside the summary.
rm -rf "$BUILD/soak" && cp -r "$D" "$BUILD/soak"
$PY "$SOAK_DIR/soakreport.py" "$D" "$OUT"
