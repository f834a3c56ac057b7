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
SYNFIND_BIN=${SYNFIND_BIN:-$BUILD/synfind}	# run.sh sets an ASan build once
PY=/usr/bin/python3
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_PIDS=()
TB_TMP=$(mktemp -d /tmp/synfin-e2e.XXXXXX)
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
# "attached" appears in its log (at most 10 s).
synfind_start() {
	SYNFIND_LOG=$TB_TMP/synfind.log
	SYNFIND_SOCK=$TB_TMP/synfind.sock
	# Fds 7-9 are the tests' pipes: synfind must not hold them open.
	ip netns exec "$NS_S" "$SYNFIND_BIN" --iface "$VS" --socket "$SYNFIND_SOCK" \
		--pin-dir "$TB_PIN" "$@" \
		>"$TB_TMP/synfind.out" 2>"$SYNFIND_LOG" 7>&- 8>&- 9>&- &
	SYNFIND_PID=$!
	TB_PIDS+=("$SYNFIND_PID")
	local i
	for i in $(seq 100); do
		grep -q 'attached to' "$SYNFIND_LOG" && return 0
		kill -0 "$SYNFIND_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$SYNFIND_LOG" >&2
	fail "synfind did not attach"
}

synfind_stop() {
	kill -TERM "$SYNFIND_PID" 2>/dev/null
	timeout 10 tail --pid="$SYNFIND_PID" -f /dev/null || fail "synfind did not exit on SIGTERM"
	wait "$SYNFIND_PID" 2>/dev/null
	SYNFIND_RC=$?
}

# ctl ARGS: synfinctl against the synfind of this testbed.
ctl() { "$BUILD/synfinctl" -s "$SYNFIND_SOCK" "$@"; }

# counter NAME: the value synfind printed last (SIGUSR1 or exit).
synfind_counters() {
	: >"$TB_TMP/synfind.out"
	kill -USR1 "$SYNFIND_PID"
	local i
	for i in $(seq 50); do
		[ -s "$TB_TMP/synfind.out" ] && grep -q frag_passed "$TB_TMP/synfind.out" && break
		sleep 0.1
	done
}
counter() { awk -v n="$1" '$1 == n { print $2 }' "$TB_TMP/synfind.out"; }

# nstat_s NAME: absolute value of a kernel SNMP counter in the server ns.
nstat_s() { in_s nstat -az "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
nstat_c() { in_c nstat -az "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }

expect_eq() { [ "$2" = "$3" ] || fail "$1: expected $3, got '$2'"; info "ok: $1 = $2"; }
expect_ge() { [ -n "$2" ] && [ "$2" -ge "$3" ] || fail "$1: expected >= $3, got '$2'"; info "ok: $1 = $2 (>= $3)"; }
