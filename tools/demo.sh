#!/bin/sh
# make demo: a small overlay of real chorusd processes on loopback, with TLS
# between them; its ring; a few lookups; two nodes killed and the ring
# healing; then everything stopped with polite Leaves.
set -eu
build=${1:-build}
export CHORUS_BIN=$(cd "$build" && pwd)
launch=$(cd "$(dirname "$0")" && pwd)/chorus-launch
chorus=$CHORUS_BIN/tools/chorus
dir=$(mktemp -d)
trap '"$launch" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
base=$("$launch" claim "$dir" 8)
api0="127.0.0.1:$((base + 1000))"

echo "== An overlay of 8 chorusd processes on 127.0.0.1:$base..$((base + 7))"
"$launch" start "$dir" 8
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
