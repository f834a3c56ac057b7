#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The fleet secret: synfinctl secret new/fingerprint, the secret files
# synfind refuses at start (one line naming the file, exit 2, nothing
# attached), SIGHUP with a bad file (the running keys stay) and with a new
# one (its keys take effect), status and metrics of the key and its period,
# and the key itself never shown anywhere.
set -u
source "$(dirname "$0")/lib.sh"
tb_up
tb_server acc80 80 --addr $IP4_S --addr $IP6_S

# The reference: HMAC-SHA256(master, "synfin key fingerprint"), 8 hex digits.
fp_of() { $PY -c 'import hashlib, hmac, sys
print(hmac.new(bytes.fromhex(sys.argv[1]), b"synfin key fingerprint", hashlib.sha256).hexdigest()[:8])' "$1"; }
newkey() { $PY -c 'import secrets; print(secrets.token_hex(32))'; }
# ctl_nosock ARGS: synfinctl with no synfind to talk to.
ctl_nosock() { "$SYNFINCTL_BIN" -s "$TB_TMP/no-synfind.sock" "$@"; }

# no_key_in WHAT FILE KEY...: neither a KEY nor any 16 hex digits of one
# appear in FILE, in either case.
no_key_in() {
	local what=$1 file=$2
	shift 2
	$PY - "$file" "$@" <<'PY' || fail "$what shows (part of) a secret key"
import sys
text = open(sys.argv[1], errors='replace').read().lower()
for k in sys.argv[2:]:
    for i in range(len(k) - 15):
        if k[i:i + 16] in text:
            sys.exit('%s: %s... of key %s... found' % (sys.argv[1], k[i:i + 16], k[:4]))
PY
}

# status_snap: `synfinctl -j status` into $TB_TMP/status.json.
status_snap() { ctl -j status >"$TB_TMP/status.json" || fail "synfinctl -j status"; }
# ck FIELD: cookie_key.FIELD of the last snapshot, "-" when absent.
ck() { $PY -c 'import json, sys
print(json.load(open(sys.argv[1]))["cookie_key"].get(sys.argv[2], "-"))' "$TB_TMP/status.json" "$1"; }
# key_line: the status text's cookie key line, blanks squeezed.
key_line() { ctl status | grep 'cookie key' | tr -s ' ' | sed 's/^ //'; }
scrape() {	# PORT: the metrics page into $TB_TMP/metrics
	local i
	for i in $(seq 50); do
		in_s curl -sf "http://127.0.0.1:$1/metrics" >"$TB_TMP/metrics" && return 0
		sleep 0.1
	done
	fail "metrics endpoint on port $1"
}

# expect_key SOURCE FP ACCEPT_FP FILE PORT: status (JSON and text) and the
# metrics page show this key ("-": absent), and its period is right.
expect_key() {
	local src=$1 fp=$2 afp=$3 file=$4 port=$5 want
	status_snap
	expect_eq "status cookie_key.source" "$(ck source)" "$src"
	expect_eq "status cookie_key.file" "$(ck file)" "$file"
	[ "$src" = host ] || expect_eq "status cookie_key.fingerprint" "$(ck fingerprint)" "$fp"
	expect_eq "status cookie_key.accept_fingerprint" "$(ck accept_fingerprint)" "$afp"
	case $src in
	host)	# The random key's fingerprint may be shown.
		key_line | grep -Eq '^cookie key host( [0-9a-f]{8})? \(random' ||
			fail "status text: $(key_line)"
		info "ok: status text: $(key_line)" ;;
	*)	if [ "$afp" = - ]; then
			want="cookie key fleet $fp from $file"
		else
			want="cookie key fleet $fp (accepts also $afp) from $file"
		fi
		expect_eq "status text" "$(key_line)" "$want" ;;
	esac
	# "key period  N[ on the ... clock], M s left[ of 68.7 s]"
	ctl status | grep -Eq "^ *key period +($(ck period)|$(($(ck period) + 1)))[ ,].* [0-9]+ s left" ||
		fail "status has no key period line for period $(ck period): $(ctl status)"
	scrape "$port"
	$PY - "$TB_TMP/status.json" "$TB_TMP/metrics" "$src" "$fp" "$afp" <<'PY' || fail "period or metrics of the key"
import json, re, sys, time
ck = json.load(open(sys.argv[1]))['cookie_key']
metrics = open(sys.argv[2]).read()
src, fp, afp = sys.argv[3:6]
P, left = ck['period'], ck['period_left_ms']
if src == 'fleet':
    # Every host of a fleet counts CLOCK_REALTIME ns >> 36; the status was
    # taken a moment ago.
    assert ck['clock'] == 'realtime', ck
    now = time.clock_gettime_ns(time.CLOCK_REALTIME)
    cur = now >> 36
    assert P in (cur, cur - 1), 'period %d, CLOCK_REALTIME >> 36 is %d' % (P, cur)
    want = (((P + 1) << 36) - now) / 1e6
    assert -2 <= left - want <= 10000, 'period_left_ms %d, the period ends in %.0f ms' % (left, want)
else:
    assert ck['clock'] in ('realtime', 'monotonic'), ck
assert 0 <= left <= 68720, 'period_left_ms %d' % left
infos = re.findall(r'^synfin_cookie_key_info\{(.*)\} (\S+)$', metrics, re.M)
assert len(infos) == 1, 'synfin_cookie_key_info lines: %s' % infos
labels = dict(re.findall(r'(\w+)="([^"]*)"', infos[0][0]))
assert infos[0][1] == '1', infos
assert labels.get('source') == src, labels
if src == 'fleet':
    assert labels.get('fingerprint') == fp, labels
    assert labels.get('accept_fingerprint') == ('' if afp == '-' else afp), labels
for name in ('synfin_cookie_period', 'synfin_cookie_period_remaining_seconds'):
    assert re.search(r'^# TYPE %s gauge$' % name, metrics, re.M), 'no TYPE gauge of ' + name
mp = re.findall(r'^synfin_cookie_period (\S+)$', metrics, re.M)
assert len(mp) == 1 and int(float(mp[0])) in (P, P + 1), 'synfin_cookie_period %s, status %d' % (mp, P)
mr = re.findall(r'^synfin_cookie_period_remaining_seconds (\S+)$', metrics, re.M)
assert len(mr) == 1 and 0 <= float(mr[0]) <= 68.72, 'synfin_cookie_period_remaining_seconds %s' % mr
print('  ok: period %d, %d ms left, metrics %s' % (P, left, infos[0][0]))
PY
}

# served: real connections over both families, each through a cookie
# synfin issued and then checked.
served() {
	local v0 v1
	v0=$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ack_cookie_valid"])')
	clients $IP4_S 3
	clients $IP6_S 3
	v1=$(ctl -j stats | $PY -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ack_cookie_valid"])')
	expect_ge "cookies accepted $1" "$((v1 - v0))" 6
}

# secrecy WHAT PORT KEY...: the whole of status, stats, the metrics page
# and synfind's log hold no part of any KEY.
secrecy() {
	local what=$1 port=$2
	shift 2
	ctl -j status >"$TB_TMP/all.status.json" || fail "status"
	ctl status >"$TB_TMP/all.status.txt" || fail "status"
	ctl -j stats >"$TB_TMP/all.stats.json" || fail "stats"
	scrape "$port"
	no_key_in "synfinctl -j status" "$TB_TMP/all.status.json" "$@"
	no_key_in "synfinctl status" "$TB_TMP/all.status.txt" "$@"
	no_key_in "synfinctl -j stats" "$TB_TMP/all.stats.json" "$@"
	no_key_in "the metrics page" "$TB_TMP/metrics" "$@"
	no_key_in "synfind's log" "$SYNFIND_LOG" "$@"
	info "ok: $what: no part of the key in status, stats, metrics or the log"
}

# hup_refused WHAT FILE: SIGHUP with a bad FILE: one warning or error
# naming it and saying the keys stay, and synfind runs on.
hup_refused() {
	local n line i
	n=$(wc -l <"$SYNFIND_LOG")
	kill -HUP "$SYNFIND_PID"
	for i in $(seq 200); do
		tail -n +$((n + 1)) "$SYNFIND_LOG" | grep -qF "$2" && break
		sleep 0.1
	done
	line=$(tail -n +$((n + 1)) "$SYNFIND_LOG" | grep -F "$2")
	[ -n "$line" ] || fail "$1: no line names $2: $(tail -n +$((n + 1)) "$SYNFIND_LOG")"
	[ "$(echo "$line" | wc -l)" = 1 ] || fail "$1: not one line: $line"
	echo "$line" | grep -Eq '^(Error|Warning): ' || fail "$1: not a warning or error: $line"
	echo "$line" | grep -Eiq 'stay|keep|kept' || fail "$1: doesn't say the keys stay: $line"
	kill -0 "$SYNFIND_PID" 2>/dev/null || fail "$1: synfind exited: $(cat "$SYNFIND_LOG")"
	info "ok: $1: $line"
}

# hup_to WHAT FP: SIGHUP, then the status shows FP (bounded).
hup_to() {
	local i
	kill -HUP "$SYNFIND_PID"
	for i in $(seq 200); do
		status_snap
		[ "$(ck fingerprint)" = "$2" ] && break
		sleep 0.1
	done
	expect_eq "$1: fingerprint" "$(ck fingerprint)" "$2"
}

## synfinctl secret: new and fingerprint, without a synfind.
KEYDIR=$TB_TMP/keys
mkdir -m 0700 "$KEYDIR"
out=$( (umask 000; ctl_nosock secret new "$KEYDIR/a.key") 2>"$TB_TMP/err") ||
	fail "secret new: exit $?: $(cat "$TB_TMP/err")"
expect_eq "secret new: mode (umask 000)" "$(stat -c %a "$KEYDIR/a.key")" 600
expect_eq "secret new: owner" "$(stat -c %u:%F "$KEYDIR/a.key")" "0:regular file"
$PY -c 'import re, sys; sys.exit(not re.fullmatch(rb"[0-9a-f]{64}\n?", open(sys.argv[1], "rb").read()))' "$KEYDIR/a.key" ||
	fail "secret new: not one line of 64 lowercase hex digits: $(od -c "$KEYDIR/a.key" | head -3)"
KA=$(head -c 64 "$KEYDIR/a.key")
FA=$(fp_of "$KA")
echo "$out" | grep -qw "$FA" || fail "secret new printed '$out', not the fingerprint $FA"
echo "$out" >"$TB_TMP/new.out"
no_key_in "secret new's output" "$TB_TMP/new.out" "$KA"
info "ok: secret new: 0600, root, one key, printed $FA"
if command -v openssl >/dev/null; then
	ossl=$(printf %s "synfin key fingerprint" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KA" |
		awk '{print substr($NF,1,8)}')
	expect_eq "the reference fingerprint = openssl's" "$FA" "$ossl"
else
	info "SKIP (part): no openssl: the fingerprint is checked against python's hmac only"
fi
expect_eq "secret fingerprint" "$(ctl_nosock secret fingerprint "$KEYDIR/a.key")" "$FA"
ctl_nosock secret new "$KEYDIR/b.key" >/dev/null || fail "second secret new"
KB=$(head -c 64 "$KEYDIR/b.key")
[ "$KB" != "$KA" ] || fail "two secret new wrote the same key"
FB=$(fp_of "$KB")
printf '%s\n%s\n' "$KB" "$KA" >"$KEYDIR/ba.key"; chmod 0600 "$KEYDIR/ba.key"
expect_eq "secret fingerprint of two keys" "$(ctl_nosock secret fingerprint "$KEYDIR/ba.key" | tr '\n' ' ')" "$FB $FA "
# An existing path is never written: a file, or a symlink to nowhere.
cp -p "$KEYDIR/a.key" "$TB_TMP/a.copy"
ln -s "$TB_TMP/nowhere.key" "$KEYDIR/link.key"
for p in "$KEYDIR/a.key" "$KEYDIR/link.key"; do
	ctl_nosock secret new "$p" >"$TB_TMP/out" 2>"$TB_TMP/err"
	rc=$?
	expect_eq "secret new on existing $(basename "$p"): exit" "$rc" 2
	[ "$(wc -l <"$TB_TMP/err")" = 1 ] || fail "secret new on existing $p: not one line: $(cat "$TB_TMP/err")"
	[ ! -s "$TB_TMP/out" ] || fail "secret new on existing $p printed: $(cat "$TB_TMP/out")"
	info "ok: refused: $(cat "$TB_TMP/err")"
done
cmp -s "$KEYDIR/a.key" "$TB_TMP/a.copy" && [ "$(stat -c %a "$KEYDIR/a.key")" = 600 ] ||
	fail "secret new changed the existing a.key"
[ ! -e "$TB_TMP/nowhere.key" ] || fail "secret new wrote through a symlink"

## Bad secret files: refused at start.
K1=$(newkey) K2=$(newkey) K3=$(newkey)
BAD=$TB_TMP/bad
mkdir -m 0700 "$BAD"
# name | content | mode | owner | what the line says (ERE)
bad_cases=(
	"63-digits|short|600|root|line 1"
	"65-digits|long|600|root|line 1"
	"not-hex|nothex|600|root|line 1"
	"trailing-space|space|600|root|line 1"
	"empty|empty|600|root|"
	"three-lines|three|600|root|line 3|two keys|lines"
	"blank-line-2|blank2|600|root|line 2"
	"world-readable|one|644|root|0644"
	"group-writable|one|620|root|0620"
	"owned-by-nobody|one|600|nobody|own|uid|65534|nobody"
	"missing|missing|600|root|No such file or directory"
	"directory|dir|700|root|[Dd]irectory|regular"
)
make_secret() {	# PATH CONTENT MODE OWNER
	case $2 in
	missing) return 0 ;;
	dir) mkdir -m "$3" "$1"; return 0 ;;
	esac
	case $2 in
	short) printf '%s\n' "${K1:0:63}" ;;
	long) printf '%s\n' "${K1}a" ;;
	nothex) printf 'g%s\n' "${K1:1}" ;;
	space) printf '%s \n' "$K1" ;;
	empty) : ;;
	three) printf '%s\n%s\n%s\n' "$K1" "$K2" "$K3" ;;
	blank2) printf '%s\n\n' "$K1" ;;
	one) printf '%s\n' "$K1" ;;
	esac >"$1"
	chmod "$3" "$1"
	chown "$4" "$1"
}
# refuse_secret WHAT PATH PATTERN ARGS...: synfind with ARGS refuses: exit
# 2, one line naming PATH (and none of its keys), nothing attached.
refuse_secret() {
	local what=$1 path=$2 pat=$3
	shift 3
	expect_refused "$what" "$path" "$@"
	# The reason, after the name (the names of the cases say theirs too).
	printf '%s\n' "${REFUSED_OUT#*"$path"}" | grep -Eq -- "$pat" ||
		fail "$what: '$REFUSED_OUT' doesn't match '$pat'"
	printf '%s\n' "$REFUSED_OUT" >"$TB_TMP/refusal"
	no_key_in "$what: the refusal" "$TB_TMP/refusal" "$K1" "$K2" "$K3"
}
for c in "${bad_cases[@]}"; do
	IFS='|' read -r name content mode owner pat <<<"$c"
	make_secret "$BAD/$name.key" "$content" "$mode" "$owner"
	refuse_secret "--secret-file $name" "$BAD/$name.key" "$pat" --ports 80 --secret-file "$BAD/$name.key"
done
# The same through the configuration file's [cookie] secret_file.
for name in 65-digits world-readable missing; do
	printf '[protect]\nports = 80\n[cookie]\nsecret_file = %s\n' "$BAD/$name.key" >"$TB_TMP/bad.conf"
	pat=$(printf '%s\n' "${bad_cases[@]}" | awk -F'|' -v n="$name" '$1 == n { print $5 }')
	refuse_secret "secret_file = $name" "$BAD/$name.key" "$pat" -c "$TB_TMP/bad.conf"
done

## Without a secret file: a random key of this host's.
synfind_start --ports 80 --metrics 127.0.0.1:9469
expect_key host - - - 9469
served "with the host key"
synfind_stop
expect_eq "exit status (host key)" "$SYNFIND_RC" 0

## --secret-file: key A; SIGHUP with bad files keeps it; B then A replaces it.
KEY=$KEYDIR/fleet.key
cp -p "$KEYDIR/a.key" "$KEY"
synfind_start --ports 80 --secret-file "$KEY" --metrics 127.0.0.1:9470
expect_key fleet "$FA" - "$KEY" 9470
served "with key A"
secrecy "key A" 9470 "$KA"
chmod 0644 "$KEY"
hup_refused "SIGHUP, file readable by others" "$KEY"
expect_key fleet "$FA" - "$KEY" 9470
served "after a refused reload (0644)"
chmod 0600 "$KEY"
printf 'not a key\n' >"$KEY"
hup_refused "SIGHUP, not a key" "$KEY"
expect_key fleet "$FA" - "$KEY" 9470
served "after a refused reload (garbage)"
printf '%s\n%s\n' "$KB" "$KA" >"$KEY"
hup_to "SIGHUP, B then A" "$FB"
expect_key fleet "$FB" "$FA" "$KEY" 9470
served "with key B, accepting A"
secrecy "keys B and A" 9470 "$KA" "$KB"
synfind_stop
expect_eq "exit status (fleet key)" "$SYNFIND_RC" 0
expect_hooks "after exit" ""

## [cookie] secret_file: a group-readable file (0640) is fine; a reload
## with a bad secret_file is refused as a whole; another file takes over.
KC=$(newkey) KD=$(newkey)
FC=$(fp_of "$KC") FD=$(fp_of "$KD")
printf '%s\n' "$KC" >"$KEYDIR/c.key"; chmod 0640 "$KEYDIR/c.key"
printf '%s' "$KD" >"$KEYDIR/d.key"; chmod 0600 "$KEYDIR/d.key"	# no last newline
conf() { printf '[daemon]\ninterfaces = %s\n[protect]\nports = %s\n[cookie]\nsecret_file = %s\n' \
	"$VS" "$1" "$2" >"$TB_TMP/synfin.conf"; }
conf 80 "$KEYDIR/c.key"
synfind_start -c "$TB_TMP/synfin.conf" --metrics 127.0.0.1:9471
expect_key fleet "$FC" - "$KEYDIR/c.key" 9471
served "with key C from the configuration"
conf 80,8080 "$KEYDIR/missing.key"
hup_refused "SIGHUP, secret_file missing" "$KEYDIR/missing.key"
expect_key fleet "$FC" - "$KEYDIR/c.key" 9471
expect_eq "ports after the refused reload" \
	"$(ctl -j ports | $PY -c 'import json,sys; print(json.load(sys.stdin)["ports"])')" 80
out=$(ctl reload 2>&1)
expect_eq "synfinctl reload with a missing secret file: exit" "$?" 1
echo "$out" | grep -qF "$KEYDIR/missing.key" || fail "synfinctl reload: doesn't name the file: $out"
conf 80 "$KEYDIR/d.key"
hup_to "SIGHUP, secret_file = d.key" "$FD"
expect_key fleet "$FD" - "$KEYDIR/d.key" 9471
served "with key D from the configuration"
secrecy "keys C and D" 9471 "$KC" "$KD"
synfind_stop
expect_eq "exit status (configured key)" "$SYNFIND_RC" 0
expect_hooks "after exit" ""
echo "PASS"
