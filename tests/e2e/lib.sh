# SPDX-License-Identifier: GPL-2.0
# Two-namespace veth testbed: client 198.18.0.1 / 2001:db8::1, server
# 198.18.0.2 / 2001:db8::2. Names are unique per run; everything is removed
# on exit, also when a test fails or is interrupted.

SF_ID=${SF_ID:-$$}
TB_QUEUES=${TB_QUEUES:-1}	# queues of each veth (the benchmark: one per core)
NS_S=sf-srv-$SF_ID
NS_C=sf-cli-$SF_ID
VS=sfs$SF_ID		# server side, where synfind attaches
VC=sfc$SF_ID		# client side
IP4_C=198.18.0.1 IP4_S=198.18.0.2
IP6_C=2001:db8::1 IP6_S=2001:db8::2
BUILD=${BUILD:-build}
# Where synfind_start runs the guard: xdp (synfind's default, auto, which
# must take native XDP here) or tc (--mode tc). run.sh runs the tests that
# read it once in each mode.
SF_MODE=${SF_MODE:-xdp}
case $SF_MODE in
xdp|tc) ;;
*) echo "SF_MODE=$SF_MODE: want xdp or tc" >&2; exit 2 ;;
esac
# The programs under test; run.sh sets the sanitizer builds once.
SYNFIND_BIN=${SYNFIND_BIN:-$BUILD/synfind}
SYNFINCTL_BIN=${SYNFINCTL_BIN:-$BUILD/synfinctl}
PY=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_PIDS=()
TB_TMP=$(mktemp -d /tmp/synfin-e2e.$SF_ID.XXXXXX)	# the id: tests find their own
# A bpffs of the test's own, for pins: visible inside `ip netns exec` (which
# remounts /sys), and never the default a real synfind may use.
TB_BPFFS=$TB_TMP/bpffs
TB_PIN=$TB_BPFFS/synfin

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
info() { echo "  $*"; }

in_s() { ip netns exec "$NS_S" "$@"; }
in_c() { ip netns exec "$NS_C" "$@"; }

tb_down() {
	local p
	for p in "${TB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${TB_PIDS[@]}"; do
		timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null
	done
	TB_PIDS=()
	# What the tests attached with ip and tc goes before the namespaces do
	# (synfind's own links went with synfind, or go with the bpffs below).
	in_s ip link set dev "$VS" xdp off 2>/dev/null
	in_c ip link set dev "$VC" xdp off 2>/dev/null
	in_s tc qdisc del dev "$VS" clsact 2>/dev/null
	in_c tc qdisc del dev "$VC" clsact 2>/dev/null
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	# Lazily: an ip-netns-exec mount namespace may still hold it a moment.
	umount -l "$TB_BPFFS" 2>/dev/null
	rm -rf "$TB_TMP"
}

tb_up() {
	[ "$(id -u)" = 0 ] || skip "needs root (CAP_BPF, CAP_NET_ADMIN)"
	# Another testbed's: not ours to remove on the way out.
	if ip netns list | grep -qE "^($NS_S|$NS_C)( |\$)"; then
		rm -rf "$TB_TMP"
		fail "testbed $SF_ID exists already ($NS_S, $NS_C)"
	fi
	# Whatever fails from here on leaves nothing behind (testbed.sh up
	# drops the trap once it is up).
	trap tb_down EXIT
	trap 'echo "interrupted: removing the testbed" >&2; exit 130' INT TERM
	mkdir -p "$TB_BPFFS" && mount -t bpf bpf "$TB_BPFFS" || fail "couldn't mount a bpffs"
	ip netns add "$NS_S" && ip netns add "$NS_C" || fail "couldn't create namespaces"
	ip link add "$VS" netns "$NS_S" numtxqueues $TB_QUEUES numrxqueues $TB_QUEUES type veth peer name "$VC" netns "$NS_C" numtxqueues $TB_QUEUES numrxqueues $TB_QUEUES ||
		fail "couldn't create veth pair"
	in_s ip addr add $IP4_S/24 dev "$VS"
	in_c ip addr add $IP4_C/24 dev "$VC"
	in_s ip addr add $IP6_S/64 dev "$VS" nodad
	in_c ip addr add $IP6_C/64 dev "$VC" nodad
	in_s ip link set lo up; in_c ip link set lo up
	in_s ip link set "$VS" up; in_c ip link set "$VC" up
	# A veth with rx-vlan-offload on keeps a tag its peer sent out of band
	# beside the frame, where XDP can't see it, as a NIC that strips tags:
	# synfind would take TC mode. The VLAN tests turn it on.
	in_s ethtool -K "$VS" rxvlan off rx-vlan-stag-hw-parse off >/dev/null ||
		fail "couldn't turn off rx-vlan-offload on $VS"
	# XDP_TX'd frames reach a veth peer only if it runs NAPI: give it an
	# XDP program that passes everything.
	in_c ip link set dev "$VC" xdpdrv obj "$BUILD/tests/progs/xdp_pass.bpf.o" sec xdp ||
		fail "couldn't attach xdp_pass to $VC"
	in_s sysctl -qw net.ipv4.tcp_syncookies=1
	# Resolve neighbours once so the first test packet isn't an ARP miss.
	in_c ping -c1 -W2 $IP4_S >/dev/null || fail "no IPv4 connectivity"
	in_c ping -c1 -W2 $IP6_S >/dev/null || fail "no IPv6 connectivity"
}

# tb_server STATS PORT OPTIONS...: a real echo server (tcpcheck.py) in the
# server namespace, with OPTIONS such as --addr; the number of connections
# it accepted is kept in $TB_TMP/STATS. Returns once it listens.
tb_server() {
	local stats=$TB_TMP/$1 port=$2 i
	shift 2
	ip netns exec "$NS_S" $PY "$HERE/tcpcheck.py" server --port "$port" --timeout 3600 \
		--stats "$stats" "$@" >/dev/null 2>&1 &
	TB_PIDS+=($!)
	for i in $(seq 50); do [ -s "$stats" ] && return 0; sleep 0.1; done
	fail "echo server on port $port did not start"
}

# synfind_start ARGS...: runs synfind in the server namespace until
# "attached" appears in its log (at most 60 s: the verifier takes seconds
# on a loaded machine), in SF_MODE unless ARGS name a --mode. The attach line must then name the mode: the one ARGS asked
# for, SF_EXPECT's if set, SF_MODE's (native or tc) if ARGS name none;
# with --mode auto and no SF_EXPECT the caller checks $SYNFIND_MODE.
synfind_start() {
	SYNFIND_LOG=$TB_TMP/synfind.log
	SYNFIND_SOCK=$TB_TMP/synfind.sock
	local mode_args=() want
	want=$(mode_asked "$@")
	if [ -z "$want" ]; then
		want=$(sf_guard_mode)
		[ "$SF_MODE" = tc ] && mode_args=(--mode tc)
	fi
	want=${SF_EXPECT:-$want}
	# Emptied here, not by the redirection below, which the background
	# child makes later: the loop must not read the last synfind's log.
	: >"$SYNFIND_LOG"
	# Fds 7-9 are the tests' pipes: synfind must not hold them open.
	ip netns exec "$NS_S" "$SYNFIND_BIN" --iface "$VS" --socket "$SYNFIND_SOCK" \
		--pin-dir "$TB_PIN" "${mode_args[@]}" "$@" \
		>"$TB_TMP/synfind.out" 2>"$SYNFIND_LOG" 7>&- 8>&- 9>&- &
	SYNFIND_PID=$!
	TB_PIDS+=("$SYNFIND_PID")
	SYNFIND_MODE=$(sf_attached "$SYNFIND_LOG" "$SYNFIND_PID" "$VS") || fail "synfind did not attach"
	[ "$want" = auto ] || [ "$SYNFIND_MODE" = "$want" ] ||
		fail "synfind attached in ${SYNFIND_MODE:-no} mode, not $want: $(grep 'attached to' "$SYNFIND_LOG")"
}

# sf_attached LOG PID IF: waits for the line of the synfind PID, logging to
# LOG, that it attached to IF (at most 60 s: the verifier takes seconds on
# a loaded machine), and prints the mode it names. 1, with the log on
# stderr, when synfind exits or the time runs out first.
sf_attached() {
	local log=$1 pid=$2 ifname=$3 i
	for i in $(seq 600); do
		if grep -q 'attached to' "$log"; then
			sed -n "s/.*attached to $ifname (\([a-z]*\) mode.*/\1/p" "$log"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$log" >&2
	return 1
}

# sf_guard_mode: the mode synfind's attach line names in SF_MODE.
sf_guard_mode() { [ "$SF_MODE" = tc ] && echo tc || echo native; }

# mode_asked ARGS...: the value of the last --mode in ARGS.
mode_asked() {
	local m=
	while [ $# -gt 0 ]; do
		case $1 in
		--mode|-m) m=${2:-}; shift ;;
		--mode=*) m=${1#--mode=} ;;
		esac
		shift
	done
	echo "$m"
}

# hooks: the programs on the server veth, a line each, "HOOK NAME"
# (xdp/native, xdp/skb, tcx/ingress, tcx/egress), sorted.
hooks() { in_s $PY "$HERE/hooks.py" "$VS"; }

# guard_hooks MODE: what synfind attaches in MODE (native, skb or tc).
guard_hooks() {
	case $1 in
	tc) printf 'tcx/egress tc_synfin_egress\ntcx/ingress tc_synfin_guard\n' ;;
	*) printf 'tcx/egress tc_synfin_egress\ntcx/ingress tc_synfin_ingress\nxdp/%s xdp_synfin\n' "$1" ;;
	esac
}

# expect_hooks WHAT EXPECTED: the server veth runs exactly EXPECTED.
expect_hooks() {
	local got
	got=$(hooks) || fail "couldn't list the programs on $VS"
	[ "$got" = "$2" ] || fail "$1: programs on $VS are [$(echo $got)], expected [$(echo $2)]"
	info "ok: $1: [$(echo $got)]"
}

# clients ADDR COUNT: COUNT real connections from the client namespace,
# each echoing 3000 bytes; every one must succeed.
clients() {
	in_c $PY "$HERE/tcpcheck.py" client --addr "$1" --count "$2" --bytes 3000 --timeout 3 \
		>"$TB_TMP/client.json" || { cat "$TB_TMP/client.json"; fail "client to $1"; }
	info "$1: $(cat "$TB_TMP/client.json")"
}

# expect_refused WHAT PATTERN ARGS...: synfind with ARGS refuses to start:
# exit 2, one line "Error: ...PATTERN..." (left in REFUSED_OUT), the server
# veth's programs as they were and no pins left.
expect_refused() {
	local what=$1 pat=$2 before out rc
	shift 2
	before=$(hooks)
	out=$(timeout 60 ip netns exec "$NS_S" "$SYNFIND_BIN" --iface "$VS" \
		--socket "$TB_TMP/refused.sock" --pin-dir "$TB_PIN" "$@" 2>&1 </dev/null)
	rc=$?
	[ "$(hooks)" = "$before" ] || fail "$what: synfind left [$(hooks | tr '\n' ' ')] on $VS (exit $rc)"
	[ -z "$(ls -A "$TB_PIN" 2>/dev/null)" ] || fail "$what: pins left: $(ls -R "$TB_PIN")"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "$what: not one line (exit $rc): $out"
	printf '%s\n' "$out" | grep -q "^Error: .*$pat" || fail "$what: not the message expected: $out"
	[ "$rc" = 2 ] || fail "$what: exit $rc, expected 2: $out"
	REFUSED_OUT=$out
	info "ok: $what: exit 2, $out"
}

synfind_stop() {
	kill -TERM "$SYNFIND_PID" 2>/dev/null
	timeout 10 tail --pid="$SYNFIND_PID" -f /dev/null || fail "synfind did not exit on SIGTERM"
	wait "$SYNFIND_PID" 2>/dev/null
	SYNFIND_RC=$?
}

# ctl ARGS: synfinctl against the synfind of this testbed.
ctl() { "$SYNFINCTL_BIN" -s "$SYNFIND_SOCK" "$@"; }

# counter NAME: the value synfind printed last (SIGUSR1 or exit).
# The last counter synfind prints: all are there once it is.
SF_LAST_COUNTER=$(sed -n '/^#define SYNFIN_COUNTERS(/,/[^\\]$/p' "$HERE/../../include/synfin.h" |
	sed -n 's/^[[:space:]]*X([A-Z0-9_]*, "\([a-z0-9_]*\)".*/\1/p' | tail -n 1)
synfind_counters() {
	: >"$TB_TMP/synfind.out"
	kill -USR1 "$SYNFIND_PID"
	local i
	for i in $(seq 50); do
		[ -s "$TB_TMP/synfind.out" ] && grep -q "^$SF_LAST_COUNTER " "$TB_TMP/synfind.out" && break
		sleep 0.1
	done
}
counter() { awk -v n="$1" '$1 == n { print $2 }' "$TB_TMP/synfind.out"; }

# nstat_s NAME: absolute value of a kernel SNMP counter in the server ns.
nstat_s() { in_s nstat -az "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
nstat_c() { in_c nstat -az "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }

expect_eq() { [ "$2" = "$3" ] || fail "$1: expected $3, got '$2'"; info "ok: $1 = $2"; }
expect_ge() { [ -n "$2" ] && [ "$2" -ge "$3" ] || fail "$1: expected >= $3, got '$2'"; info "ok: $1 = $2 (>= $3)"; }
