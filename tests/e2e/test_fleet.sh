#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A fleet secret: two servers, each with its own synfind and listener, answer
# the same anycast address behind a router. The client's SYN goes to server1;
# its handshake ACK is lost (tc_hold on the client's egress) and the route
# moves to server2 before the client's first data, which carries the cookie.
# With one secret file for both synfinds, server2 validates the cookie and its
# listener serves the connection; with a file each, server2 drops the data and
# the client's next connection is served there. IPv4 and IPv6; synfinctl
# status shows each synfind's key: fleet, and the file's fingerprint.
#
#   client 198.18.10.1 --- router --- server1 198.18.11.2 (lo: 198.18.200.1)
#          2001:db8:10::1        \--- server2 198.18.12.2 (lo: 198.18.200.1)
set -u
source "$(dirname "$0")/lib.sh"
# fleetcheck.py imports conform.py: no __pycache__ left in the tree.
export PYTHONDONTWRITEBYTECODE=1

NS_CLI=sf-fc-$SF_ID NS_RTR=sf-fr-$SF_ID
NS_SRV=([1]=sf-f1-$SF_ID [2]=sf-f2-$SF_ID)
V_CLI=fc$SF_ID V_RC=frc$SF_ID		# the client's veth, the router's end
V_SRV=([1]=f1s$SF_ID [2]=f2s$SF_ID)	# where each server's synfind attaches
V_RS=([1]=f1r$SF_ID [2]=f2r$SF_ID)	# the router's ends, with xdp_pass
SVC4=198.18.200.1 SVC6=2001:db8:200::1	# every server's service address
# Server N's link: 198.18.1N.0/24 and 2001:db8:1N::/64, router .1, server .2.
gw() { case $1 in *:*) echo "2001:db8:1$2::2" ;; *) echo "198.18.1$2.2" ;; esac; }
svc_route() { case $1 in *:*) echo "$1/128 via $(gw "$1" "$2")" ;; *) echo "$1/32 via $(gw "$1" "$2")" ;; esac; }
HOLD_PIN=$TB_BPFFS/hold
HOLD_MAP=$TB_BPFFS/hold-maps/hold_rules
FLEET_PIDS=()
SF_PID=() SF_SOCK=() SF_LOG=()
declare -A KEY_FP
CPORT=20000	# the held connections' client ports: below the ephemeral range

in_cli() { ip netns exec "$NS_CLI" "$@"; }
in_rtr() { ip netns exec "$NS_RTR" "$@"; }
# Not for what runs in the background: its pid would be the function's shell.
in_srv() { local n=$1; shift; ip netns exec "${NS_SRV[n]}" "$@"; }

fleet_down() {
	local p ns
	for p in "${FLEET_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${FLEET_PIDS[@]}"; do
		timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null
	done
	in_rtr ip link set dev "${V_RS[1]}" xdp off 2>/dev/null
	in_rtr ip link set dev "${V_RS[2]}" xdp off 2>/dev/null
	in_cli tc qdisc del dev "$V_CLI" clsact 2>/dev/null
	for ns in "$NS_CLI" "$NS_RTR" "${NS_SRV[1]}" "${NS_SRV[2]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	umount -l "$TB_BPFFS" 2>/dev/null
	rm -rf "$TB_TMP"
}

fleet_up() {
	local ns n a i
	[ "$(id -u)" = 0 ] || skip "needs root (CAP_BPF, CAP_NET_ADMIN)"
	for ns in "$NS_CLI" "$NS_RTR" "${NS_SRV[1]}" "${NS_SRV[2]}"; do
		if ip netns list | grep -qE "^$ns( |\$)"; then
			rm -rf "$TB_TMP"
			fail "testbed $SF_ID exists already ($ns)"
		fi
	done
	trap fleet_down EXIT
	trap 'echo "interrupted: removing the testbed" >&2; exit 130' INT TERM
	mkdir -p "$TB_BPFFS" && mount -t bpf bpf "$TB_BPFFS" || fail "couldn't mount a bpffs"
	for ns in "$NS_CLI" "$NS_RTR" "${NS_SRV[1]}" "${NS_SRV[2]}"; do
		ip netns add "$ns" || fail "couldn't create namespace $ns"
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || fail "sysctl in $ns"
		ip -n "$ns" link set lo up
	done
	ip link add "$V_CLI" netns "$NS_CLI" type veth peer name "$V_RC" netns "$NS_RTR" ||
		fail "couldn't create the client's veth pair"
	ip -n "$NS_CLI" addr add 198.18.10.1/24 dev "$V_CLI"
	ip -n "$NS_CLI" addr add 2001:db8:10::1/64 dev "$V_CLI" nodad
	ip -n "$NS_RTR" addr add 198.18.10.2/24 dev "$V_RC"
	ip -n "$NS_RTR" addr add 2001:db8:10::2/64 dev "$V_RC" nodad
	ip -n "$NS_CLI" link set "$V_CLI" up && ip -n "$NS_RTR" link set "$V_RC" up &&
		ip -n "$NS_CLI" route add default via 198.18.10.2 &&
		ip -n "$NS_CLI" -6 route add default via 2001:db8:10::2 || fail "client link"
	for n in 1 2; do
		ip link add "${V_SRV[n]}" netns "${NS_SRV[n]}" type veth peer name "${V_RS[n]}" netns "$NS_RTR" ||
			fail "couldn't create server$n's veth pair"
		ip -n "${NS_SRV[n]}" addr add 198.18.1$n.2/24 dev "${V_SRV[n]}"
		ip -n "${NS_SRV[n]}" addr add 2001:db8:1$n::2/64 dev "${V_SRV[n]}" nodad
		ip -n "${NS_SRV[n]}" addr add $SVC4/32 dev lo
		ip -n "${NS_SRV[n]}" addr add $SVC6/128 dev lo
		ip -n "$NS_RTR" addr add 198.18.1$n.1/24 dev "${V_RS[n]}"
		ip -n "$NS_RTR" addr add 2001:db8:1$n::1/64 dev "${V_RS[n]}" nodad
		ip -n "${NS_SRV[n]}" link set "${V_SRV[n]}" up && ip -n "$NS_RTR" link set "${V_RS[n]}" up &&
			ip -n "${NS_SRV[n]}" route add default via 198.18.1$n.1 &&
			ip -n "${NS_SRV[n]}" -6 route add default via 2001:db8:1$n::1 || fail "server$n link"
		# As lib.sh: no VLAN tag out of band (XDP mode), and NAPI on
		# the peer for the frames synfin sends back with XDP_TX.
		in_srv $n ethtool -K "${V_SRV[n]}" rxvlan off rx-vlan-stag-hw-parse off >/dev/null ||
			fail "couldn't turn off rx-vlan-offload on ${V_SRV[n]}"
		in_rtr ip link set dev "${V_RS[n]}" xdpdrv obj "$BUILD/tests/progs/xdp_pass.bpf.o" sec xdp ||
			fail "couldn't attach xdp_pass to ${V_RS[n]}"
		in_srv $n sysctl -qw net.ipv4.tcp_syncookies=1
	done
	in_rtr sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || fail "forwarding"
	# Every neighbour resolved before the first test packet.
	for n in 1 2; do
		route_to $n $SVC4; route_to $n $SVC6
		for a in 198.18.1$n.2 2001:db8:1$n::2 $SVC4 $SVC6; do
			in_cli ping -c1 -w5 "$a" >/dev/null || fail "no connectivity to $a (server$n)"
		done
	done
	# tc_hold on the client's egress: the held ACK is lost after the
	# client's stack sent it. Relative pin paths, as test_conform.sh:
	# libbpf turns the dot of $TB_TMP into an underscore.
	local obj
	obj=$(realpath "$BUILD/tests/progs/tc_hold.bpf.o") || fail "no tc_hold.bpf.o in $BUILD"
	(cd "$TB_BPFFS" && bpftool prog loadall "$obj" hold \
		pinmaps hold-maps) || fail "couldn't load tc_hold"
	in_cli tc qdisc add dev "$V_CLI" clsact &&
		in_cli tc filter add dev "$V_CLI" egress bpf da object-pinned "$HOLD_PIN/hold_before" ||
		fail "couldn't attach tc_hold to $V_CLI"
	# Each server's listener, answering with its name.
	for n in 1 2; do
		ip netns exec "${NS_SRV[n]}" $PY "$HERE/tcpcheck.py" server --name server$n --addr $SVC4 --addr $SVC6 \
			--port 80 --stats "$TB_TMP/accepted$n" --timeout 600 >/dev/null 2>&1 &
		FLEET_PIDS+=($!)
	done
	for n in 1 2; do
		for i in $(seq 50); do [ -s "$TB_TMP/accepted$n" ] && break; sleep 0.1; done
		[ -s "$TB_TMP/accepted$n" ] || fail "server$n's listener did not start"
	done
}

# route_to N ADDR: the router sends ADDR to server N.
route_to() {
	ip -n "$NS_RTR" route replace $(svc_route "$2" "$1") || fail "route $2 to server$1"
}

# new_key NAME: a new secret file $TB_TMP/NAME.key, its fingerprint in
# KEY_FP[NAME], checked against the HMAC that defines it.
new_key() {
	local f=$TB_TMP/$1.key fp want
	"$SYNFINCTL_BIN" secret new "$f" >"$TB_TMP/$1.new" 2>&1 || fail "synfinctl secret new: $(cat "$TB_TMP/$1.new")"
	expect_eq "$1.key: mode and owner" "$(stat -c '%a %u' "$f")" "600 0"
	fp=$("$SYNFINCTL_BIN" secret fingerprint "$f") || fail "synfinctl secret fingerprint $f"
	want=$($PY -c 'import hashlib, hmac, sys
print(hmac.new(bytes.fromhex(open(sys.argv[1]).readline().strip()), b"synfin key fingerprint",
               hashlib.sha256).hexdigest()[:8])' "$f")
	expect_eq "$1.key: fingerprint (HMAC-SHA256 of its key)" "$fp" "$want"
	grep -q "$fp" "$TB_TMP/$1.new" || fail "synfinctl secret new printed [$(cat "$TB_TMP/$1.new")], not $fp"
	KEY_FP[$1]=$fp
}

# synfind_on N KEY DIR: server N's synfind with the secret file KEY (pins
# under DIR), in the background; synfind_wait N returns once it attached.
synfind_on() {
	local n=$1 mode_args=()
	[ "$SF_MODE" = tc ] && mode_args=(--mode tc)
	SF_LOG[n]=$TB_TMP/synfind$n.log SF_SOCK[n]=$TB_TMP/synfind$n.sock
	: >"${SF_LOG[n]}"
	ip netns exec "${NS_SRV[n]}" "$SYNFIND_BIN" --iface "${V_SRV[n]}" --socket "${SF_SOCK[n]}" \
		--pin-dir "$TB_BPFFS/$3" --ports 80 --ct-size 4096 --secret-file "$2" "${mode_args[@]}" \
		>"$TB_TMP/synfind$n.out" 2>"${SF_LOG[n]}" 7>&- 8>&- 9>&- &
	SF_PID[n]=$!
	FLEET_PIDS+=($!)
}

synfind_wait() {
	local n=$1 mode want
	want=$(sf_guard_mode)
	mode=$(sf_attached "${SF_LOG[n]}" "${SF_PID[n]}" "${V_SRV[n]}") ||
		fail "server$n: synfind did not attach"
	[ "$mode" = "$want" ] || fail "server$n: synfind attached in ${mode:-no} mode, not $want"
	info "server$n: synfind attached ($mode mode)"
}

synfind_end() {
	local n=$1 rc
	kill -TERM "${SF_PID[n]}" 2>/dev/null
	timeout 10 tail --pid="${SF_PID[n]}" -f /dev/null || fail "server$n: synfind did not exit on SIGTERM"
	wait "${SF_PID[n]}" 2>/dev/null
	rc=$?
	expect_eq "server$n: synfind exit status" "$rc" 0
}

# snap TAG: both servers' counters and the connections their listeners
# accepted, "NAME VALUE" a line, in $TB_TMP/snap.TAG.N.
snap() {
	local n
	for n in 1 2; do
		{ "$SYNFINCTL_BIN" -s "${SF_SOCK[n]}" -j stats | $PY -c '
import json, sys
for k, v in json.load(sys.stdin)["counters"].items():
    print(k, v)' && echo "accepted $(cat "$TB_TMP/accepted$n")"; } >"$TB_TMP/snap.$1.$n" ||
			fail "server$n: couldn't read the counters"
	done
}

# delta N NAME FROM TO: how much server N's NAME grew between two snaps.
delta() {
	local a b
	a=$(awk -v k="$2" '$1 == k { print $2 }' "$TB_TMP/snap.$3.$1")
	b=$(awk -v k="$2" '$1 == k { print $2 }' "$TB_TMP/snap.$4.$1")
	[ -n "$a" ] && [ -n "$b" ] && echo $((b - a)) || echo "no counter $2"
}

# check_keys CASE KEY1 KEY2: synfinctl status of server N names the fleet
# key of $TB_TMP/KEYN.key, with its fingerprint (kept in FP[N]).
check_keys() {
	local n got keys=("" "$2" "$3")
	for n in 1 2; do
		got=$("$SYNFINCTL_BIN" -s "${SF_SOCK[n]}" -j status | $PY -c '
import json, sys
k = json.load(sys.stdin)["cookie_key"]
print(k["source"], k.get("file", "-"), k["fingerprint"])') || fail "server$n: no cookie_key in synfinctl -j status"
		expect_eq "$1: server$n's cookie key (source file fingerprint)" "$got" \
			"fleet $TB_TMP/${keys[n]}.key ${KEY_FP[${keys[n]}]}"
		FP[n]=${got##* }
	done
}

# moved CASE ADDR: a connection to ADDR opens on server1 (its ACK held) and
# its first data goes to server2; with CASE different, the client then
# connects again.
moved() {
	local c=$1 addr=$2 expect=server2 what
	what="$1, $2"
	[ "$c" = different ] && expect=none
	CPORT=$((CPORT + 1))
	route_to 1 "$addr"
	snap before
	in_cli $PY "$HERE/fleetcheck.py" client --addr "$addr" --cport $CPORT --hold-map "$HOLD_MAP" \
		--switch "ip -n $NS_RTR route replace $(svc_route "$addr" 2)" --expect $expect --wait 3 \
		>"$TB_TMP/client.json" || fail "$what: the moved connection: $(cat "$TB_TMP/client.json")"
	info "$what: moved connection: $(cat "$TB_TMP/client.json")"
	ip -n "$NS_RTR" route get "$addr" | grep -q "via $(gw "$addr" 2) " ||
		fail "$what: the router's route wasn't switched: $(ip -n "$NS_RTR" route get "$addr")"
	snap moved
	expect_ge "$what: server1 syn_seen +" "$(delta 1 syn_seen before moved)" 1
	expect_eq "$what: server1 accepted +" "$(delta 1 accepted before moved)" 0
	expect_eq "$what: server2 syn_seen +" "$(delta 2 syn_seen before moved)" 0
	if [ "$c" = same ]; then
		expect_ge "$what: server2 ack_cookie_valid +" "$(delta 2 ack_cookie_valid before moved)" 1
		expect_eq "$what: server2 ack_cookie_invalid +" "$(delta 2 ack_cookie_invalid before moved)" 0
		expect_eq "$what: server2 accepted +" "$(delta 2 accepted before moved)" 1
		return
	fi
	expect_ge "$what: server2 ack_cookie_invalid +" "$(delta 2 ack_cookie_invalid before moved)" 1
	expect_eq "$what: server2 ack_cookie_valid +" "$(delta 2 ack_cookie_valid before moved)" 0
	expect_eq "$what: server2 accepted +" "$(delta 2 accepted before moved)" 0
	# The client's retry: a new connection, the route still to server2.
	in_cli $PY "$HERE/fleetcheck.py" client --addr "$addr" --expect server2 >"$TB_TMP/client.json" ||
		fail "$what: the retry: $(cat "$TB_TMP/client.json")"
	info "$what: retry: $(cat "$TB_TMP/client.json")"
	snap retry
	expect_eq "$what, retry: server1 syn_seen +" "$(delta 1 syn_seen moved retry)" 0
	expect_ge "$what, retry: server2 syn_seen +" "$(delta 2 syn_seen moved retry)" 1
	expect_ge "$what, retry: server2 ack_cookie_valid +" "$(delta 2 ack_cookie_valid moved retry)" 1
	expect_eq "$what, retry: server2 accepted +" "$(delta 2 accepted moved retry)" 1
}

fleet_up
new_key a
new_key b
[ "${KEY_FP[a]}" != "${KEY_FP[b]}" ] || fail "two new keys with one fingerprint ${KEY_FP[a]}"

# case, server1's key, server2's key
CASES=("same a a" "different a b")
FP=()
for row in "${CASES[@]}"; do
	read -r c k1 k2 <<<"$row"
	synfind_on 1 "$TB_TMP/$k1.key" "$c-1"
	synfind_on 2 "$TB_TMP/$k2.key" "$c-2"
	synfind_wait 1
	synfind_wait 2
	check_keys "$c" "$k1" "$k2"
	if [ "$c" = same ]; then
		expect_eq "$c: the servers' fingerprints agree" "${FP[2]}" "${FP[1]}"
	else
		[ "${FP[1]}" != "${FP[2]}" ] || fail "$c: both servers show fingerprint ${FP[1]}"
		info "ok: $c: the servers' fingerprints differ (${FP[1]}, ${FP[2]})"
	fi
	moved "$c" $SVC4
	moved "$c" $SVC6
	synfind_end 1
	synfind_end 2
done
echo "PASS"
