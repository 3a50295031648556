#!/bin/sh
# A real SIP soft-phone in a Chorus conference: baresip (Debian's 1.0.0).
#
# One chorusd with --sip on 127.0.0.1 hosts conference `baresip-N` (made
# with `chorus conf create`); three headless baresip processes, each with
# a config directory of its own, dial its URI over UDP with SRTP
# (RTP/SAVP, a=crypto, SDES) and Opus. Each plays a tone of its own from a
# WAV file (module aufile) and records what it hears (module sndfile: the
# decoded stream, dump-*-dec.wav). `chorus conf members` must list every
# baresip, with SRTP, while they are in; they talk for $TALK s and hang up
# (SIGTERM: baresip sends BYE and quits), the conference is empty again;
# then each recording must hold the two other tones at their level and not
# its own (`chorus-wav check`: within 3 dB, and 30 dB below), over its
# last seconds, when all were in. A Chorus user agent (`chorus conf join`,
# the node's own) is in the same conference with a fourth tone: the
# baresips must hear it and it them.
#
# The tones are 600 Hz apart: the focus's Opus encoder (32 kb/s) leaves
# its coding noise between two tones it carries, and a third tone 400 Hz
# from both (450/850/1250 Hz, as in wav.sh) then measures about -32 dB
# with baresip, against the -30 dB limit; 600 Hz apart it is below -43 dB.
#
# baresip needs no audio device: the player is aubridge (a device nobody
# reads from), and no network look-ups (numeric URIs, no REGISTER, no
# STUN/ICE modules, net_interface 127.0.0.1).
#
# Audio is real time and the machine may be loaded: an attempt whose SIP
# side worked but whose tones were not all right is tried again, at most
# three attempts. SIP failures are not retried.
#
# usage: baresip.sh BUILD_DIR      exit 0 pass, 1 fail, 77 baresip unusable
#   KEEP=1          keep the working directory (logs, configs, recordings)
#   TONES="F1 F2.." one baresip per tone (Hz; default "400 1000 1600")
#   MEDIA=plain     RTP/AVP without SRTP, chorusd --allow-plain-rtp (the
#                   fallback; default MEDIA=srtp)
#   CHORUS_UA=0     without the Chorus user agent (default 1: with it)
set -eu
BUILD=$1
export CHORUS_BIN=$BUILD
chorus=$BUILD/tools/chorus
wav=$BUILD/tools/chorus-wav
launch=$(cd "$(dirname "$0")/../.." && pwd)/tools/chorus-launch

TALK=4                            # s everyone is in the conference together
TONES=${TONES:-400 1000 1600}
UA_TONE=2200                      # the Chorus user agent's
MEDIA=${MEDIA:-srtp}
MODULES=${BARESIP_MODULES:-/usr/lib/baresip/modules}

say() { echo "baresip interop: $*" >&2; }
skip() { say "SKIP: $*"; exit 77; }

case $MEDIA in
srtp) mediaenc=";mediaenc=srtp-mand" want_srtp=SRTP plain_args='' ;;
plain) mediaenc='' want_srtp="plain RTP" plain_args=--allow-plain-rtp ;;
*) say "MEDIA is srtp or plain"; exit 2 ;;
esac

# ---- can baresip run here? ----
command -v baresip >/dev/null 2>&1 || skip "no baresip (tools/setup-deps.sh test installs baresip-core)"
baresip -h 2>&1 | grep -q "^Usage: baresip" || skip "baresip does not run: $(baresip -h 2>&1 | head -n 1)"
for m in account menu opus srtp aufile aubridge sndfile; do
	[ -e "$MODULES/$m.so" ] || skip "baresip module $m missing in $MODULES"
done
if ! [ -x "$chorus" ] || ! [ -x "$wav" ]; then
	say "build first: no $chorus or $wav"
	exit 1
fi

dir=$(mktemp -d)
PIDS=
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null || true; done
	"$launch" stop "$dir/node" >/dev/null 2>&1 || true
	if [ -n "${KEEP:-}" ]; then
		say "kept $dir (logs, configs, recordings)"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 1' INT TERM HUP

fail() { say "FAIL: $*"; exit 1; }

# ---- the focus: one chorusd ----
"$launch" start "$dir/node" 1 --sip ${plain_args:+--args "$plain_args"} >/dev/null 2>&1 ||
	fail "chorus-launch could not start chorusd"
base=$("$launch" port "$dir/node")
api=127.0.0.1:$((base + 1000))
i=0
until "$chorus" conf list --api "$api" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || { cat "$dir/node/node-0.log" >&2; fail "chorusd's API did not come up"; }
	sleep 0.1
done
# Our ports: chorus-launch claimed base+2000..base+2099 for us and chorusd
# uses base+2000 for SIP. baresip N: SIP (UDP, TCP) at base+2010+2N and
# SIP over TLS, which baresip always opens, at the port after it; RTP in
# base+2040+10N .. +9.
sip_port() { echo $((base + 2010 + 2 * $1)); }
rtp_ports() { echo "$((base + 2040 + 10 * $1))-$((base + 2049 + 10 * $1))"; }

mkdir -p "$dir/tones"
for f in $TONES $UA_TONE; do
	"$wav" tone --freq "$f" --seconds 30 --out "$dir/tones/$f.wav"
done

# ---- participants ----
# $dir/parts: one line per participant, "KIND NAME TONE", KIND baresip or
# chorus; $dir/NAME.pid its process, $dir/NAME.log its output;
# recording_of NAME the WAV file of what it heard.

# A baresip config directory $dir/NAME for participant number N playing
# TONE.
baresip_config() {
	d=$dir/$1
	mkdir -p "$d/rec"
	cat >"$d/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$(sip_port "$2")
net_interface		127.0.0.1
rtp_ports		$(rtp_ports "$2")
rtcp_mux		yes
audio_source		aufile,$dir/tones/$3.wav
audio_player		aubridge,quiet-$1
audio_alert		aubridge,quiet-$1
ausrc_srate		48000
ausrc_channels		1
opus_stereo		no
opus_sprop_stereo	no
rtp_stats		yes
snd_path		$d/rec
module_path		$MODULES
module			opus.so
module			srtp.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module_tmp		account.so
module_app		menu.so
EOF
	# No REGISTER (regint=0): it dials the conference's URI directly.
	echo "\"Baresip $2\" <sip:$1@127.0.0.1:$(sip_port "$2")>;regint=0;answermode=manual$mediaenc" \
		>"$d/accounts"
}

# Starts baresip participant number N playing TONE, dialling URI.
join_baresip() {
	name=bs-$1
	baresip_config "$name" "$1" "$2"
	# -t: a safety net, it quits by itself even if nobody stops it.
	baresip -f "$dir/$name" -t 90 -e "/dial $3" </dev/null >"$dir/$name.log" 2>&1 &
	echo $! >"$dir/$name.pid"
	PIDS="$PIDS $!"
	echo "baresip $name $2" >>"$dir/parts"
}

# A Chorus user agent in the same conference, next to the baresips:
# `chorus conf join URI --play IN.wav --record OUT.wav` on the node (its
# user agent calls its own focus), participant chorus-N playing TONE,
# recording to $dir/chorus-N.wav; the client is stopped with SIGTERM like
# the baresips (it hangs up), and its recording is checked like theirs (it
# must hear every baresip, and they it).
join_chorus_ua() {
	name=chorus-$1
	"$chorus" conf join "$3" --play "$dir/tones/$2.wav" --record "$dir/$name.wav" \
		--api "$api" >"$dir/$name.log" 2>&1 &
	echo $! >"$dir/$name.pid"
	PIDS="$PIDS $!"
	echo "chorus $name $2" >>"$dir/parts"
}

recording_of() {
	case $1 in
	bs-*)
		for f in "$dir/$1/rec/"*-dec.wav; do
			[ -e "$f" ] && echo "$f" && return 0
		done
		;;
	*) echo "$dir/$1.wav" ;;
	esac
	return 0
}

# Seconds of audio in a 16-bit PCM WAV file (its data chunk, or what of
# it is in the file when the header was not finished).
wav_seconds() {
	f=$1
	size=$(stat -c %s "$f")
	ch=$(od -An -tu2 -j22 -N2 "$f" | tr -d ' ')
	rate=$(od -An -tu4 -j24 -N4 "$f" | tr -d ' ')
	off=12
	while [ $((off + 8)) -le "$size" ]; do
		id=$(dd if="$f" bs=1 skip="$off" count=4 2>/dev/null)
		len=$(od -An -tu4 -j$((off + 4)) -N4 "$f" | tr -d ' ')
		if [ "$id" = data ]; then
			[ "$len" -le $((size - off - 8)) ] && [ "$len" -gt 0 ] || len=$((size - off - 8))
			echo "$len $rate $ch" | awk '{ printf "%.3f\n", $1 / ($2 * $3 * 2) }'
			return 0
		fi
		off=$((off + 8 + len + len % 2))
	done
	echo 0
}

members() { "$chorus" conf members "$1" --api "$api" 2>&1; }
member_count() {
	"$chorus" conf members "$1" --raw --api "$api" 2>/dev/null | sed -n 's/^members //p'
}

# Stops participant NAME (SIGTERM: baresip hangs up and quits) and waits
# at most 5 s for it.
stop_part() {
	p=$(cat "$dir/$1.pid")
	kill -TERM "$p" 2>/dev/null || true
	t=0
	while kill -0 "$p" 2>/dev/null && [ $t -lt 50 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	if kill -0 "$p" 2>/dev/null; then
		say "$1 did not quit within 5 s of SIGTERM: killed"
		kill -KILL "$p" 2>/dev/null || true
	fi
	wait "$p" 2>/dev/null || true
}

# A participant's log without baresip's call status line (redrawn with
# \r) and the echo of the -e command.
clean_log() { tr '\r' '\n' <"$dir/$1.log" | grep -v '^\[0:\|^ *$\|^/'; }

show_logs() {
	for n in $(cut -d' ' -f2 "$dir/parts"); do
		echo "---- $n ----" >&2
		clean_log "$n" | tail -n 40 >&2
	done
	echo "---- chorusd ----" >&2
	tail -n 30 "$dir/node/node-0.log" >&2
}

# One attempt in conference NAME. Returns 0 (all heard right), 1 (the
# tones were wrong: may be a late machine) or exits on a SIP failure.
attempt() {
	conf=$1
	: >"$dir/parts"
	rm -rf "$dir"/bs-* "$dir"/chorus-*
	uri=$("$chorus" conf create "$conf" --api "$api" | sed -n 's/^conference //p')
	[ -n "$uri" ] || fail "chorus conf create $conf printed no URI"
	say "conference $uri ($MEDIA)"
	n=0
	for f in $TONES; do
		join_baresip "$n" "$f" "$uri"
		n=$((n + 1))
	done
	[ "${CHORUS_UA:-1}" != 1 ] || { join_chorus_ua "$n" "$UA_TONE" "$uri"; n=$((n + 1)); }
	want=$n
	phones=$(grep -c '^baresip' "$dir/parts")

	# Everyone in: the focus lists them, each baresip has its call.
	t=0
	while :; do
		got=$(member_count "$conf")
		est=$(grep -l "Call established" "$dir"/bs-*.log 2>/dev/null | wc -l)
		[ "${got:-0}" -ne "$want" ] || [ "$est" -ne "$phones" ] || break
		# A call the focus refused, or a baresip that quit, fails at once.
		for n in $(awk '$1 == "baresip" { print $2 }' "$dir/parts"); do
			why=$(clean_log "$n" | grep -m1 "session closed\|terminated\|init failed" || true)
			kill -0 "$(cat "$dir/$n.pid")" 2>/dev/null || why=${why:-"baresip quit"}
			[ -z "$why" ] || { show_logs; fail "$n did not get into $uri: $why"; }
		done
		t=$((t + 1))
		if [ $t -gt 150 ]; then
			show_logs
			members "$conf" >&2
			fail "after 15 s the focus lists ${got:-no} of $want participants," \
				"$est of $phones baresip calls are established"
		fi
		sleep 0.1
	done
	list=$(members "$conf")
	echo "$list" | sed 's/^/  /' >&2
	for n in $(awk '$1 == "baresip" { print $2 }' "$dir/parts"); do
		echo "$list" | grep -q "sip:$n@127.0.0.1.* $want_srtp" ||
			fail "chorus conf members does not list $n with $want_srtp"
	done
	sleep "$TALK"
	# Still all there after talking.
	[ "$(member_count "$conf")" = "$want" ] || { show_logs; fail "a participant left early"; }

	for n in $(cut -d' ' -f2 "$dir/parts"); do
		stop_part "$n"
	done
	t=0
	while [ "$(member_count "$conf")" != 0 ]; do
		t=$((t + 1))
		[ $t -lt 50 ] ||
			{ members "$conf" >&2; fail "the focus still lists members 5 s after they hung up"; }
		sleep 0.1
	done
	say "all hung up: the focus lists no members"
	for n in $(awk '$1 == "baresip" { print $2 }' "$dir/parts"); do
		if [ "$MEDIA" = srtp ]; then
			grep -q "SRTP is Enabled" "$dir/$n.log" || fail "$n: baresip did not enable SRTP"
		fi
	done
	"$chorus" conf destroy "$conf" --api "$api" >/dev/null 2>&1 || true

	# What each heard in its last seconds (all were in then): every other
	# tone at its level, not its own.
	rc=0
	while read -r kind n own; do
		rec=$(recording_of "$n")
		if [ -z "$rec" ] || ! [ -s "$rec" ]; then
			say "$n ($kind) recorded nothing"
			rc=1
			continue
		fi
		len=$(wav_seconds "$rec")
		if ! awk -v l="$len" 'BEGIN { exit !(l >= 3.5) }'; then
			say "$n recorded only $len s"
			rc=1
			continue
		fi
		from=$(awk -v l="$len" 'BEGIN { printf "%.2f", l - 3.0 }')
		to=$(awk -v l="$len" 'BEGIN { printf "%.2f", l - 0.5 }')
		set --
		for f in $(cut -d' ' -f3 "$dir/parts"); do
			[ "$f" = "$own" ] || set -- "$@" --hears "$f"
		done
		# baresip's RTP statistics: packets, loss and jitter both ways
		rtp=$(clean_log "$n" | awk '/^(packets|lost|jitter):/ {
			printf "%s%s %s/%s", sep, $1, $2, $3; sep = ", " }')
		say "$n ($kind, tone $own Hz) heard, $from..$to s of $len s${rtp:+ (sent/received $rtp)}:"
		"$wav" check "$rec" --from "$from" --to "$to" "$@" --not "$own" >"$dir/check-$n" 2>&1 ||
			rc=1
		sed 's/^/    /' "$dir/check-$n" >&2
	done <"$dir/parts"
	return $rc
}

n_try=0
while :; do
	n_try=$((n_try + 1))
	if attempt "baresip-$n_try"; then
		# chorusd stops cleanly, and without a sanitizer's report (ASan builds)
		"$launch" stop "$dir/node" >/dev/null 2>&1
		if grep -q "Sanitizer\|runtime error:" "$dir/node/node-0.log"; then
			cat "$dir/node/node-0.log" >&2
			fail "chorusd's log has a sanitizer report"
		fi
		say "PASS: $phones baresip phones$([ "${CHORUS_UA:-1}" != 1 ] || echo " and a Chorus user" \
			"agent") in a Chorus conference ($want_srtp) heard each other and not themselves"
		exit 0
	fi
	show_logs
	[ $n_try -lt 3 ] || fail "the tones were wrong in 3 attempts"
	say "the tones were wrong (load: $(cut -d' ' -f1-3 /proc/loadavg));" \
		"real-time audio may have been late: again"
done
