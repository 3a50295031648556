#!/bin/sh
# An outside SIP client against the conference focus: SIPp (Debian's
# sip-tester) runs the scenarios of tests/interop/sipp/ as a UAC against a
# real chorusd (--sip on 127.0.0.1, started with tools/chorus-launch) that
# hosts one conference made with `chorus conf create`:
#
#  1. OPTIONS: 200 with Allow and Allow-Events: conference.
#  2. Joins (RFC 4579): an Opus offer over plain RTP, then one over SRTP
#     (SDES): 200 with Contact <conference URI>;isfocus and an Opus answer
#     (with a key of the focus's own for SRTP), ACK, BYE.
#  3. The conference event package (RFC 4575): a SUBSCRIBE gets 200 and a
#     NOTIFY with the full document; while it waits, a second SIPp places
#     a call into the conference, and the watcher gets a partial NOTIFY with
#     the next version (the caller added), then another (the caller
#     deleted); Expires: 0 ends the subscription with a last NOTIFY.
#  4. Refusals, each followed by an OPTIONS (still answering?) and a look
#     at the conference (nobody left in it): 404 for a conference that is
#     not here, 415 for an INVITE without SDP, 488 for G.711 only, 400 for
#     malformed SDP, 489 for another event package, 406 for a SUBSCRIBE
#     that does not accept conference-info.
#  5. A last join, chorusd still running, and nothing in its log from the
#     sanitizers.
#
# A scenario that fails prints SIPp's error log, the messages it sent and
# received, and the end of chorusd's log. Ports: chorus-launch's claimed
# blocks (kept free of other launches and of the ephemeral range); each
# SIPp run gets its own SIP and media ports in them.
#
# Exit 77 (skip) when sipp is not installed or cannot run at all.
# usage: sipp.sh BUILD_DIR      (SIPP_KEEP=1 keeps the temp dir)
set -eu
[ $# -eq 1 ] || { echo "usage: sipp.sh BUILD_DIR" >&2; exit 2; }
export CHORUS_BIN="$1"
chorus=$1/tools/chorus
here=$(cd "$(dirname "$0")" && pwd)
sc=$here/sipp
launch=$here/../../tools/chorus-launch

skip() { echo "sipp: skipped: $*"; exit 77; }
command -v sipp >/dev/null 2>&1 || skip "sipp is not installed (Debian package sip-tester)"
sipp -v 2>&1 | grep -q 'SIPp v' || skip "sipp does not run: $(sipp -v 2>&1 | head -n 2)"

tmp=$(mktemp -d)
ov=$tmp/overlay
bg_pid=
cleanup() {
	if [ -n "$bg_pid" ]; then
		kill "$bg_pid" 2>/dev/null || true
		wait "$bg_pid" 2>/dev/null || true
	fi
	if [ -d "$ov" ]; then "$launch" stop "$ov" >/dev/null 2>&1 || true; fi
	if [ -n "${SIPP_KEEP:-}" ]; then echo "sipp: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

say() { echo "sipp: $*"; }
fail() {
	echo "sipp: FAIL: $*"
	[ -e "$ov/node-0.log" ] && { echo "--- chorusd's log (last lines)"; tail -n 25 "$ov/node-0.log"; }
	exit 1
}

"$launch" start "$ov" 1 --sip --args "--allow-plain-rtp" || fail "chorus-launch start"
"$launch" wait "$ov" 30 || fail "chorusd did not come up"
base=$("$launch" port "$ov")
sip=127.0.0.1:$((base + 2000))
api=127.0.0.1:$((base + 1000))
conf=standup
out=$("$chorus" conf create "$conf" --api "$api") || fail "chorus conf create $conf: $out"
[ "$out" = "conference sip:$conf@$sip" ] || fail "chorus conf create said '$out'"
say "chorusd's focus at $sip hosts sip:$conf@$sip"

members() {
	"$chorus" conf members "$conf" --raw --api "$api" | awk '$1 == "members" { print $2 }'
}

# SIPp run k uses SIP port base+2000+k and media port base+4k: inside the
# blocks chorus-launch claimed for one node, unused by it.
k=0
# sipp_args SCENARIO SERVICE: the command line of the next run (in "$@").
sipp_args() {
	k=$((k + 1))
	[ "$k" -lt 24 ] || fail "more SIPp runs than ports set aside"
	name=$k-${1%.xml}
	f=$1 svc=$2
	shift 2
	set -- sipp -sf "$sc/$f" -s "$svc" "$sip" -i 127.0.0.1 -mi 127.0.0.1 \
		-p $((base + 2000 + k)) -mp $((base + 4 * k)) -m 1 -nostdin \
		-timeout 30 -timeout_error -trace_err -error_file "$tmp/$name.err" \
		-trace_msg -message_file "$tmp/$name.msg" "$@"
	cmd="$*"
}
# What SIPp says about a run that failed.
report() {
	echo "--- $1: SIPp's error log"
	cat "$tmp/$1.err" 2>/dev/null || true
	echo
	echo "--- $1: SIPp's end of run"
	grep -E 'Successful call|Failed call|Test Terminated|rror' "$tmp/$1.out" 2>/dev/null | tail -n 8 || true
	echo "--- $1: messages"
	tail -n 80 "$tmp/$1.msg" 2>/dev/null || true
}
# run SCENARIO SERVICE [SIPP OPTIONS]: one call, which must succeed.
run() {
	sipp_args "$@"
	n=$name
	# shellcheck disable=SC2086 # $cmd: the arguments, none with spaces
	if timeout --foreground 60 $cmd >"$tmp/$n.out" 2>&1; then
		say "$1 (to $2): passed"
	else
		rc=$?
		report "$n"
		fail "$1 (to $2): SIPp exit status $rc"
	fi
}
# still_serving: OPTIONS answered, nobody left in the conference.
still_serving() {
	run uac-options.xml "$conf"
	m=$(members)
	[ "$m" = 0 ] || fail "after $1: $m members left in $conf"
}

# 1, 2: OPTIONS, joins.
run uac-options.xml "$conf"
run uac-join.xml "$conf"
run uac-join-srtp.xml "$conf"
[ "$(members)" = 0 ] || fail "the callers did not leave $conf"

# 3: a watcher, and a call while it watches.
sipp_args uac-subscribe.xml "$conf" -key flag "$tmp/notified"
sub=$name
# shellcheck disable=SC2086
timeout 60 $cmd >"$tmp/$sub.out" 2>&1 &
bg_pid=$!
t=0
until [ -e "$tmp/notified" ]; do
	if ! kill -0 "$bg_pid" 2>/dev/null; then
		wait "$bg_pid" || true
		bg_pid=
		report "$sub"
		fail "uac-subscribe.xml ended before its first NOTIFY"
	fi
	t=$((t + 1))
	[ "$t" -lt 150 ] || { report "$sub"; fail "no full NOTIFY within 15 s of subscribing"; }
	sleep 0.1
done
say "uac-subscribe.xml: subscribed, full state received; a call joins"
run uac-join.xml "$conf"
rc=0
wait "$bg_pid" || rc=$?
bg_pid=
[ "$rc" = 0 ] || { report "$sub"; fail "uac-subscribe.xml: SIPp exit status $rc"; }
say "uac-subscribe.xml: partial NOTIFYs (joined, left) with the next versions; unsubscribed"

# 4: refusals.
run uac-unknown-conf.xml nosuchconf
still_serving "an INVITE to an unknown conference"
run uac-no-sdp.xml "$conf"
still_serving "an INVITE without SDP"
run uac-pcmu-only.xml "$conf"
still_serving "a G.711 offer"
run uac-bad-sdp.xml "$conf"
still_serving "malformed SDP"
run uac-bad-event.xml "$conf"
still_serving "a SUBSCRIBE to another event package"
run uac-bad-accept.xml "$conf"
still_serving "a SUBSCRIBE without conference-info in Accept"

# 5: a last join; chorusd alive, a clean stop, clean logs.
run uac-join-srtp.xml "$conf"
[ "$("$launch" live "$ov")" = 0 ] || fail "chorusd is not running any more"
"$launch" stop "$ov" >/dev/null 2>&1 || true
if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ov/node-0.log" >/dev/null; then
	grep -E -A 20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$ov/node-0.log" | head -n 60
	fail "the sanitizers found something in chorusd"
fi
say "$k SIPp runs passed; the focus kept serving after every refusal"
