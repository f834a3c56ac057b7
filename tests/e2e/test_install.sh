#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make install into a DESTDIR: every file where it belongs, the installed
# programs run, the manual pages render without warnings, the unit passes
# systemd-analyze verify, the completion answers, an existing synfin.conf is
# kept, and make uninstall removes what install put.
set -u
source "$(dirname "$0")/lib.sh"
trap 'rm -rf "$TB_TMP"' EXIT
D=$TB_TMP/root
ROOT=$HERE/../..

inst() { make -s -C "$ROOT" BUILD="$(cd "$BUILD" && pwd)" DESTDIR="$D" PREFIX=/usr "$@" >"$TB_TMP/make.out" 2>&1 ||
	fail "make $*: $(cat "$TB_TMP/make.out")"; }

inst install
for f in usr/sbin/synfind usr/sbin/synfinctl usr/sbin/synfin-flood \
	 usr/share/man/man8/synfind.8 usr/share/man/man8/synfinctl.8 \
	 usr/share/man/man8/synfin-flood.8 usr/share/man/man5/synfin.conf.5 \
	 usr/lib/systemd/system/synfind.service etc/synfin/synfin.conf \
	 usr/share/bash-completion/completions/synfind \
	 usr/share/bash-completion/completions/synfinctl; do
	[ -e "$D/$f" ] || fail "not installed: $f"
done
info "ok: every file installed"
expect_eq "mode of synfind" "$(stat -c %a "$D/usr/sbin/synfind")" 755

# The installed programs run, and their pages are what they write now.
"$D/usr/sbin/synfind" --help | grep -q -- '--iface IF' || fail "installed synfind --help"
"$D/usr/sbin/synfinctl" help | grep -q '^  status' || fail "installed synfinctl help"
"$D/usr/sbin/synfin-flood" --help | grep -q -- '--dst-mac MAC' || fail "installed synfin-flood --help"
cmp -s <("$D/usr/sbin/synfind" --man-conf) "$D/usr/share/man/man5/synfin.conf.5" ||
	fail "synfin.conf.5 is not synfind --man-conf's"
for page in man8/synfind.8 man8/synfinctl.8 man8/synfin-flood.8 man5/synfin.conf.5; do
	out=$(MANWIDTH=80 man --warnings -l "$D/usr/share/man/$page" 2>&1 >/dev/null)
	[ -z "$out" ] || fail "$page: $out"
	MANWIDTH=80 man -l "$D/usr/share/man/$page" 2>/dev/null | grep -q '^NAME' || fail "$page: no NAME"
done
# Every config key in synfin.conf(5), every flag in synfind(8).
for k in $("$D/usr/sbin/synfind" --help-table | sed -n 's/.*`\[[a-z]*\] \([a-z_0-9]*\)`.*/\1/p'); do
	MANWIDTH=200 man -l "$D/usr/share/man/man5/synfin.conf.5" 2>/dev/null | grep -q "^ *$k = " ||
		fail "synfin.conf(5) lacks $k"
done
info "ok: the installed programs run; four manual pages render without warnings"

# The unit as installed, pointed at the installed binary (verify wants it).
sed "s#ExecStart=/usr/sbin/synfind#ExecStart=$D/usr/sbin/synfind#" \
	"$D/usr/lib/systemd/system/synfind.service" >"$TB_TMP/synfind.service"
grep -q "ExecStart=$D/usr/sbin/synfind " "$TB_TMP/synfind.service" || fail "the unit's ExecStart is not SBINDIR's synfind"
out=$(systemd-analyze verify "$TB_TMP/synfind.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
info "ok: systemd-analyze verify passes"

# Completion: synfinctl's commands and synfind's flags, from their help.
comp() {	# words...: what the completion offers for the last one
	PATH=$D/usr/sbin:$PATH bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		_${1}; printf "%s\n" "${COMPREPLY[@]}"' _ "$D/usr/share/bash-completion/completions/synfind" "$@"
}
expect_eq "synfinctl st<TAB>" "$(comp synfinctl st | sort | tr '\n' ' ')" "stats status "
expect_eq "synfinctl ports <TAB>" "$(comp synfinctl ports '' | sort | tr '\n' ' ')" "add del list set "
comp synfind --no- | grep -qx -- --no-sack || fail "synfind --no-<TAB> lacks --no-sack"
comp synfind --ti | grep -qx -- --time-wait-ms || fail "synfind --ti<TAB> lacks --time-wait-ms"

# An existing configuration is kept.
echo "# mine" >>"$D/etc/synfin/synfin.conf"
inst install
tail -n 1 "$D/etc/synfin/synfin.conf" | grep -q '^# mine$' || fail "install overwrote synfin.conf"
info "ok: a second install keeps synfin.conf"

inst uninstall
left=$(cd "$D" && find . -type f -o -type l | sort | tr '\n' ' ')
expect_eq "left after uninstall" "$left" "./etc/synfin/synfin.conf "
echo "PASS"
