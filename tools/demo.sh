#!/bin/sh
# make demo: a small overlay of real chorusd processes on loopback, with TLS
# between them; its ring; a few lookups; a conference on one node with
# user agents on three others, each sending its own tone and recording what
# it hears, the roster they see, and who heard whom; a call through the
# overlay's SIP usage; two nodes killed and the ring healing; then
# everything stopped with polite Leaves.
set -eu
build=${1:-build}
export CHORUS_BIN=$(cd "$build" && pwd)
launch=$(cd "$(dirname "$0")" && pwd)/chorus-launch
chorus=$CHORUS_BIN/tools/chorus
wav=$CHORUS_BIN/tools/chorus-wav
dir=$(mktemp -d)
trap '"$launch" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
base=$("$launch" claim "$dir" 8)
api0="127.0.0.1:$((base + 1000))"

echo "== An overlay of 8 chorusd processes on 127.0.0.1:$base..$((base + 7)), SIP on $((base + 2000))..$((base + 2007))"
"$launch" start "$dir" 8 --sip --args "--answer-tone 300"
"$launch" wait "$dir" 30
echo
"$launch" ring "$dir"
echo
echo "== What node 0 sees (chorus status)"
"$chorus" status --api "$api0"
echo
echo "== Where resources live (chorus route), asked at node 0"
for r in sip:alice@launch.chorus.example sip:bob@launch.chorus.example \
	conference:standup; do
	"$chorus" route "$r" --api "$api0"
done
echo
echo "== A conference on node 0; user agents on nodes 1, 2 and 3 join it (SRTP, Opus)"
"$chorus" conf create standup --api "$api0"
conf="sip:standup@127.0.0.1:$((base + 2000))"
tones="500 800 1200"
i=1
for f in $tones; do
	"$chorus" conf join "$conf" --tone "$f" --seconds 7 --record "$dir/heard-$i.wav" \
		--api "127.0.0.1:$((base + 1000 + i))" >"$dir/join-$i.log" 2>&1 &
	i=$((i + 1))
done
sleep 4
echo "-- the roster node 1 holds (its subscription to the conference's events, RFC 4575):"
"$chorus" conf roster --api "127.0.0.1:$((base + 1001))"
echo "-- the focus's own view (chorus conf members):"
"$chorus" conf members standup --api "$api0"
wait
echo "-- what node 1's user agent printed:"
sed 's/^/   /' "$dir/join-1.log"
echo "-- who heard whom (each recording, 1.5 s to 6 s: the others' tones near 0 dB, its own absent):"
i=1
for f in $tones; do
	line="   node $i sent $f Hz and heard:"
	j=1
	for g in $tones; do
		lvl=$("$wav" check "$dir/heard-$i.wav" --ref 8192 --from 1.5 --to 6 --hears "$g" |
			awk '{print $3}')
		if [ "$j" = "$i" ]; then
			line="$line  itself $lvl dB"
		else
			line="$line  node $j $lvl dB"
		fi
		j=$((j + 1))
	done
	echo "$line"
	i=$((i + 1))
done
echo
echo "== A call through the overlay (RFC 7904): node 4 registers its AOR; node 5 calls it"
"$chorus" register --api "127.0.0.1:$((base + 1004))"
sleep 1
"$chorus" call sip:node-4@launch.chorus.example --tone 700 --seconds 3 \
	--record "$dir/call.wav" --api "127.0.0.1:$((base + 1005))"
echo "-- node 5 heard node 4's answering tone (300 Hz):"
"$wav" check "$dir/call.wav" --ref 8192 --from 1 --hears 300 --not 700 | sed 's/^/   /'
echo
echo "== Every node pings every other through the overlay"
"$launch" check-routing "$dir"
echo
echo "== kill -9 nodes 3 and 6: the ring heals around them"
"$launch" kill "$dir" 3 6
"$launch" wait "$dir" 30
"$launch" check-routing "$dir"
echo
echo "== Stopping: every node leaves politely"
"$launch" stop "$dir"
echo "done."
