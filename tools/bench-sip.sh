#!/bin/sh
# bench-sip.sh - calls per second into conferences, against a plain
# Sofia-SIP answering loop measured in the same run.
#
# SIPp (Debian's sip-tester) places calls (tools/sipload/uac-load.xml:
# INVITE with an Opus offer over SRTP, 200, ACK, a pause, BYE, 200) at a
# ladder of rates, each for BENCH_SIP_STEP seconds, into
#   (a) chorusd's focus (started with tools/chorus-launch, --sip on
#       127.0.0.1) hosting BENCH_SIP_CONFS conferences made with `chorus
#       conf create`; an injection file spreads the calls over them in turn
#       (a conference takes 64 participants);
#   (b) the reference, chorus-sipload: one Sofia-SIP nua configured as the
#       focus's that answers every INVITE with a fixed SDP answer, and
#       nothing else (no conference, no SDP decoding, no keys, no mixer).
# The two are measured step by step in turn, so both see the same machine.
#
# A step passes when at most 1 % of its calls fail and the calls were
# placed at 90 % of the asked rate or more (SIPp keeps at most
# BENCH_SIP_CONFS x 60 calls open, so a server that falls behind lowers
# the rate). A step whose calls all succeeded but fell short of the rate
# runs once more (a busy moment on a shared machine). A target's ladder
# stops at its first step that does not pass, and a focus that failed is
# stopped so that its backlog does not slow the reference's steps. Sustained calls per second = the highest achieved rate of a
# passing step (calls that succeeded / the time they were placed in).
# The CPU time the server process used per call (all its threads: for
# chorusd the SIP thread, the mixers' media threads and the idle overlay)
# is reported too: on a shared 2-core machine it is steadier than rates.
# SIPp itself runs on the same cores: at high rates it is the limit of the
# reference, and the ratio errs towards 1.
#
# Prints a table per step, then one JSON line last. No thresholds.
#
# usage: bench-sip.sh [BUILD_DIR]     (default: build/ beside tools/)
# Environment: BENCH_SIP_RATES (calls/s, ascending; default
#   "100 200 400 600 800 1000 1200 1400 1600 2000 2400 3200 4000"),
#   BENCH_SIP_STEP
#   (s per step, default 3), BENCH_SIP_CONFS (default 8), BENCH_SIP_PAUSE
#   (ms between ACK and BYE, default 100).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build}
export CHORUS_BIN="$bin"
chorus=$bin/tools/chorus
sipload=$bin/tools/chorus-sipload
launch=$root/tools/chorus-launch
scenario=$root/tools/sipload/uac-load.xml
rates=${BENCH_SIP_RATES:-100 200 400 600 800 1000 1200 1400 1600 2000 2400 3200 4000}
step=${BENCH_SIP_STEP:-3}
confs=${BENCH_SIP_CONFS:-8}
pause=${BENCH_SIP_PAUSE:-100}
limit=$((confs * 60))

die() { echo "bench-sip: $*" >&2; exit 1; }
command -v sipp >/dev/null 2>&1 || { echo "bench-sip: sipp is not installed (sip-tester)" >&2; exit 77; }
[ -x "$sipload" ] || die "no $sipload (build first)"
[ -x "$bin/agent/chorusd" ] || die "no $bin/agent/chorusd (build first)"

tmp=$(mktemp -d)
ov=$tmp/overlay
ref_pid=
cleanup() {
	if [ -n "$ref_pid" ]; then
		kill "$ref_pid" 2>/dev/null || true
		wait "$ref_pid" 2>/dev/null || true
	fi
	if [ -d "$ov" ]; then "$launch" stop "$ov" >/dev/null 2>&1 || true; fi
	if [ -n "${BENCH_SIP_KEEP:-}" ]; then echo "bench-sip: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# (a) chorusd and its conferences.
"$launch" start "$ov" 1 --sip >/dev/null 2>&1 || die "chorus-launch start failed"
"$launch" wait "$ov" 30 >/dev/null 2>&1 || die "chorusd did not come up: $(tail -n 3 "$ov/node-0.log")"
base=$("$launch" port "$ov")
focus_addr=127.0.0.1:$((base + 2000))
focus_pid=$(cat "$ov/node-0.pid")
echo SEQUENTIAL >"$tmp/confs.csv"
i=0
while [ "$i" -lt "$confs" ]; do
	"$chorus" conf create "load$i" --api "127.0.0.1:$((base + 1000))" >/dev/null ||
		die "chorus conf create load$i failed"
	echo "load$i" >>"$tmp/confs.csv"
	i=$((i + 1))
done
# (b) the reference, on a port of the same claimed block.
ref_addr=127.0.0.1:$((base + 2001))
"$sipload" --sip "$ref_addr" >"$tmp/sipload.out" 2>"$tmp/sipload.err" &
ref_pid=$!
t=0
until grep -q '^listening' "$tmp/sipload.out" 2>/dev/null; do
	kill -0 "$ref_pid" 2>/dev/null || die "chorus-sipload did not start: $(cat "$tmp/sipload.err")"
	t=$((t + 1))
	[ "$t" -lt 50 ] || die "chorus-sipload is not listening after 5 s"
	sleep 0.1
done

hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
# CPU time of a process so far, in clock ticks (user + system, all threads).
cpu_of() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
ms_now() { date +%s%3N; }

# What each server burns with no calls (chorusd: its mixers' clocks, the
# overlay), in ticks per second: taken off the CPU time of each step.
f0=$(cpu_of "$focus_pid") r0=$(cpu_of "$ref_pid")
sleep 2
idle_focus=$(( ($(cpu_of "$focus_pid") - f0) / 2 )) idle_ref=$(( ($(cpu_of "$ref_pid") - r0) / 2 ))

k=0
# one_step NAME ADDR PID RATE IDLE: runs one step, prints a line:
#   name rate calls ok failed seconds achieved rtt_ms cpu_us_per_call
#   sipp_cpu_percent most_open_calls pass
one_step() {
	# A subshell: on a signal it just ends; the main shell cleans up.
	trap - EXIT INT TERM HUP
	name=$1 addr=$2 pid=$3 r=$4 idle=$5
	k=$((k + 1))
	[ "$k" -lt 45 ] || die "more steps than ports set aside"
	m=$((r * step))
	stf=$tmp/$name-$r.csv
	c0=$(cpu_of "$pid")
	t0=$(ms_now)
	# SIPp's -timeout does not always stop a run whose calls pile up:
	# SIGINT then (SIPp stops and writes its statistics), SIGKILL at last.
	# --foreground: SIPp stays in our process group and gets a ^C too.
	timeout --foreground -s INT -k 5 $((step + 15)) sipp -sf "$scenario" -inf "$tmp/confs.csv" "$addr" -i 127.0.0.1 \
		-mi 127.0.0.1 -p $((base + 2010 + k)) -mp $((base + 2 * k)) -r "$r" -m "$m" \
		-l "$limit" -d "$pause" -nostdin -timeout $((step + 12)) -trace_stat -stf "$stf" \
		-fd 1 -trace_err -error_file "$tmp/$name-$r.err" >"$tmp/$name-$r.out" 2>&1 || true
	t1=$(ms_now)
	c1=$(cpu_of "$pid")
	# SIPp's own CPU time (this subshell's children): is SIPp the limit?
	# (`times` writes to a file: in a pipe it would run in a child of its own.)
	times >"$tmp/times"
	sippcpu=$(tail -n 1 "$tmp/times" | awk '{ s = 0; for (i = 1; i <= 2; i++) {
		split($i, a, "m"); s += a[1] * 60 + a[2] } print s }')
	awk -F';' -v name="$name" -v r="$r" -v m="$m" -v ms=$((t1 - t0)) -v pause="$pause" \
		-v cpu=$((c1 - c0)) -v idle="$idle" -v hz="$hz" -v sippcpu="$sippcpu" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ last = $0; if ($col["CurrentCall"] + 0 > open) open = $col["CurrentCall"] + 0 }
		END {
			split(last, f, ";")
			ok = f[col["SuccessfulCall(C)"]] + 0
			failed = f[col["FailedCall(C)"]] + 0
			split(f[col["ResponseTime1(C)"]], t, ":")
			rtt = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 + t[4] / 1000
			# The calls were placed in the run minus the last call (its
			# pause and two round trips).
			placed = ms / 1000 - pause / 1000 - 2 * rtt / 1000
			if (placed < 0.001) placed = 0.001
			ach = ok / placed
			lost = m - ok - failed  # never finished: counted as failed
			if (lost > 0) failed += lost
			cpu -= idle * ms / 1000
			if (cpu < 0) cpu = 0
			pass = (failed <= 0.01 * m && ach >= 0.9 * r) ? "yes" : "no"
			printf "%s %d %d %d %d %.2f %.0f %.2f %.0f %.0f %d %s\n", name, r, m, ok, failed,
				ms / 1000, ach, rtt, cpu * 1e6 / hz / (ok + failed > 0 ? ok + failed : 1),
				100 * sippcpu / (ms / 1000), open, pass
		}' "$stf" 2>/dev/null || echo "$name $r $m 0 $m 0 0 0 0 0 0 no"
}

printf '%-9s %5s %6s %6s %6s %7s %8s %7s %11s %5s %5s %s\n' target rate calls ok failed \
	seconds achieved rtt_ms cpu_us/call sipp% open pass
focus_on=yes ref_on=yes
: >"$tmp/steps"
for r in $rates; do
	[ "$focus_on" = yes ] || [ "$ref_on" = yes ] || break
	for who in focus reference; do
		if [ "$who" = focus ]; then
			[ "$focus_on" = yes ] || continue
			set -- focus "$focus_addr" "$focus_pid" "$r" "$idle_focus"
		else
			[ "$ref_on" = yes ] || continue
			set -- reference "$ref_addr" "$ref_pid" "$r" "$idle_ref"
		fi
		line=$(one_step "$@")
		k=$((k + 1)) # one_step ran in a subshell
		# Every call succeeded but the rate fell short: a busy moment of a
		# shared machine, or the limit? Once more decides.
		if echo "$line" | awk '$5 == 0 && $12 == "no" { exit 0 } { exit 1 }'; then
			echo "$line" | awk '{ printf "%-9s %5s %6s %6s %6s %7s %8s %7s %11s %5s %5s %s (again)\n",
				$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }'
			line=$(one_step "$@")
			k=$((k + 1))
		fi
		echo "$line" >>"$tmp/steps"
		echo "$line" | awk '{ printf "%-9s %5s %6s %6s %6s %7s %8s %7s %11s %5s %5s %s\n",
			$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }'
		case $line in
		*" no")
			if [ "$who" = focus ]; then
				# Its backlog would take CPU from the reference's steps.
				focus_on=no
				"$launch" stop "$ov" >/dev/null 2>&1 || true
			else
				ref_on=no
			fi
			;;
		esac
	done
	[ "$focus_on" = no ] || kill -0 "$focus_pid" 2>/dev/null ||
		die "chorusd died: $(tail -n 5 "$ov/node-0.log")"
	kill -0 "$ref_pid" 2>/dev/null || die "chorus-sipload died: $(cat "$tmp/sipload.err")"
done

# An empty CMAKE_BUILD_TYPE is the project's default, RelWithDebInfo.
build=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$bin/CMakeCache.txt" 2>/dev/null || true)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
awk -v step="$step" -v confs="$confs" -v pause="$pause" -v limit="$limit" \
	-v build="${build:-RelWithDebInfo}" -v load="$load" \
	-v top="$(echo "$rates" | awk '{ print $NF }')" '
	# What stopped a ladder: the top rate; the server (calls failed in the
	# failing step; or it fell short of the rate without SIPp or its cap
	# on open calls in the way: on a shared machine, the machine too);
	# SIPp (most of a core); the cap (reached, no calls failed).
	function limit_of(who) {
		if (!firstfail[who]) return "top of the ladder"
		if (lostfail[who] > 0.01) return "server"
		if (sippfail[who] >= 85) return "sipp"
		return openfail[who] >= limit ? "open-call cap" : "server"
	}
	function fields(who) {
		return sprintf("\"sustained_cps\":%.0f,\"at_rate\":%d,\"calls\":%d,\"failed\":%d,\"failure_rate\":%.4f,\"rtt_ms_at_sustained\":%.2f,\"cpu_us_per_call\":%.0f,\"first_failing_rate\":%s,\"sipp_cpu_percent_there\":%.0f,\"limited_by\":\"%s\"",
			best[who], bestr[who], calls[who], failed[who],
			calls[who] ? failed[who] / calls[who] : 0, rtt[who], cpu[who],
			firstfail[who] ? firstfail[who] : "null", sippfail[who], limit_of(who))
	}
	{
		who = $1
		calls[who] += $3; failed[who] += $5
		if ($12 == "yes" && $7 > best[who]) { best[who] = $7; bestr[who] = $2; rtt[who] = $8; cpu[who] = $9 }
		if ($12 == "no" && !firstfail[who]) { firstfail[who] = $2; sippfail[who] = $10; openfail[who] = $11
			lostfail[who] = $3 ? $5 / $3 : 0 }
	}
	END {
		printf "\nsustained: focus %.0f calls/s (limited by %s), reference %.0f calls/s (limited by %s): ratio %.2f; " \
			"failed calls over every step: focus %.2f %%, reference %.2f %%; " \
			"CPU per call at the sustained rate: focus %.0f us, reference %.0f us (%.1f x); load average %s\n",
			best["focus"], limit_of("focus"), best["reference"], limit_of("reference"),
			best["reference"] ? best["focus"] / best["reference"] : 0,
			calls["focus"] ? 100 * failed["focus"] / calls["focus"] : 0,
			calls["reference"] ? 100 * failed["reference"] / calls["reference"] : 0,
			cpu["focus"], cpu["reference"], cpu["reference"] ? cpu["focus"] / cpu["reference"] : 0, load
		printf "\n{\"bench\":\"sip_load\",\"build\":\"%s\",\"step_seconds\":%d,\"conferences\":%d,\"pause_ms\":%d,\"max_open_calls\":%d,\"top_rate\":%d,\"offer\":\"Opus RTP/SAVP SDES\",", build, step, confs, pause, limit, top
		printf "\"focus\":{%s},", fields("focus")
		printf "\"reference\":{\"name\":\"plain Sofia-SIP nua answering loop\",%s},", fields("reference")
		printf "\"focus_vs_reference\":%.2f,\"cpu_per_call_vs_reference\":%.2f,\"loadavg\":%s}\n",
			best["reference"] ? best["focus"] / best["reference"] : 0,
			cpu["reference"] ? cpu["focus"] / cpu["reference"] : 0, load
	}' "$tmp/steps"
# The smoke test (BENCH_SIP_CHECK=1): every call of every step must succeed.
if [ -n "${BENCH_SIP_CHECK:-}" ]; then
	awk '$5 > 0 { bad = 1; print "bench-sip: " $1 " at " $2 " calls/s: " $5 " calls failed" }
		END { exit bad }' "$tmp/steps" >&2 || exit 1
fi
