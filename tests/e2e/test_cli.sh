#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# synfind refuses bad invocations with one line and exit status 2, and
# leaves nothing attached. run.sh runs it with the sanitizer build of
# synfind (SYNFIND_BIN): its option and config parsers see every bad value.
set -u
source "$(dirname "$0")/lib.sh"

# The README's table of flags is synfind's own: both come from the key table.
want=$("$SYNFIND_BIN" --help-table) || fail "synfind --help-table"
have=$(sed -n '/^<!-- synfind --help-table -->$/,/^<!-- end -->$/p' "$HERE/../../README.md" | sed '1d;$d')
[ -n "$have" ] || fail "README.md has no table of synfind's flags"
[ "$want" = "$have" ] || fail "README's table of flags is not synfind --help-table's: $(diff <(echo "$have") <(echo "$want"))"
# Every key of the table is a flag in --help.
for k in $("$SYNFIND_BIN" --help-table | sed -n 's/.*`\[[a-z]*\] \([a-z_0-9]*\)`.*/\1/p'); do
	"$SYNFIND_BIN" --help | grep -q "\] $k\b" || fail "--help doesn't name [..] $k"
done
info "ok: README's flags = synfind --help-table, every key in --help"

tb_up

refuse() {	# expected-message-regex args...
	local want=$1 out rc
	shift
	out=$(in_s "$SYNFIND_BIN" "$@" 2>&1 </dev/null)
	rc=$?
	[ $rc -eq 2 ] || fail "synfind $*: exit $rc, want 2 ($out)"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "synfind $*: not one line: $out"
	echo "$out" | grep -Eq -- "$want" || fail "synfind $*: '$out' doesn't match '$want'"
	[ -z "$(hooks)" ] || fail "synfind $*: left [$(hooks | tr '\n' ' ')] attached"
	info "ok: synfind $* -> $out"
}

refuse "No such interface 'nosuch0'" --iface nosuch0 --ports 80
refuse "bad port list" --iface "$VS" --ports 80,abc
refuse "bad port list" --iface "$VS" --ports 0
refuse "bad port list" --iface "$VS" --ports 70000
refuse "reversed" --iface "$VS" --ports 90-80
refuse "listed twice" --iface "$VS" --ports 80,70-90
refuse "empty port list" --iface "$VS" --ports ''
refuse "no protected port" --iface "$VS"
refuse "no interface" --ports 80
refuse "mode = .turbo.: want auto, native, skb or tc" --iface "$VS" --ports 80 --mode turbo
refuse "wscale = .15.: want a number from 0 to 14" --iface "$VS" --ports 80 --wscale 15
refuse "mss4 = .100.: want a number from 536" --iface "$VS" --ports 80 --mss4 100
refuse "Unknown option" --iface "$VS" --ports 80 --frobnicate
refuse "needs a value" --iface "$VS" --ports
refuse "syn_timeout_s = .0.: want a number from 1 to 86400" --iface "$VS" --ports 80 --syn-timeout-s 0
refuse "interface '$VS' is listed twice" --iface "$VS" -i "$VS" --ports 80
refuse "Unexpected argument 'extra'" --iface "$VS" --ports 80 extra
# --keep where the pins would go with synfind: under ip netns exec /sys is
# fresh, so synfind mounts the bpffs for the default pin directory itself,
# in a mount namespace that ends with it.
refuse "--keep can't keep anything here: the bpffs on /sys/fs/bpf was just mounted by synfind" \
	--iface "$VS" --ports 80 --keep
in_sys_bpf=$(in_s sh -c 'stat -f -c %T /sys/fs/bpf')
[ "$in_sys_bpf" != bpf_fs ] || fail "ip netns exec saw a bpffs on /sys/fs/bpf: the --keep case proved nothing"
in_s sysctl -qw net.ipv4.tcp_syncookies=0
refuse "tcp_syncookies is 0" --iface "$VS" --ports 80
in_s sysctl -qw net.ipv4.tcp_syncookies=1

# Without privilege: drop every capability (setpriv from util-linux).
if command -v setpriv >/dev/null; then
	out=$(in_s setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$SYNFIND_BIN" --iface "$VS" --ports 80 2>&1 </dev/null)
	rc=$?
	[ $rc -eq 2 ] || fail "unprivileged synfind: exit $rc, want 2 ($out)"
	[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "unprivileged synfind: not one line: $out"
	info "ok: unprivileged -> $out"
else
	echo "SKIP (part): setpriv missing, unprivileged run not tested"
fi

# A clean run leaves the interface as it found it.
synfind_start --ports 80
expect_hooks "while running" "$(guard_hooks native)"
synfind_stop
expect_eq "exit status after SIGTERM" "$SYNFIND_RC" 0
expect_hooks "after exit" ""
grep -q '^synack_sent ' "$TB_TMP/synfind.out" || fail "no counters printed at exit"

# Without --keep the same bpffs is fine, and not a word about it.
synfind_start --ports 80 --pin-dir /sys/fs/bpf/synfin
synfind_stop
expect_eq "exit status, own bpffs, no --keep" "$SYNFIND_RC" 0
grep -Eiq 'keep|warning|error' "$SYNFIND_LOG" && fail "own bpffs without --keep: $(cat "$SYNFIND_LOG")"
info "ok: own bpffs without --keep runs and says nothing of it"
echo "PASS"
