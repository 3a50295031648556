#!/bin/sh
# A cold start: 10 chorusd processes whose configuration names three of
# them as bootstrap nodes start at once, the first bootstrap node (the
# seed) last. Exactly one of them, the seed, starts the overlay, and every
# node ends up on one ring that routes. Then the seed is killed and comes
# back: it must join the overlay that lives on, not start a second one.
#
# usage: cold-start.sh BUILD_DIR
set -eu
export CHORUS_BIN=$1
launch=$(cd "$(dirname "$0")/../.." && pwd)/tools/chorus-launch
dir=$(mktemp -d)
trap '"$launch" stop "$dir" >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT INT TERM
fail() { echo "cold-start: $*" >&2; exit 1; }
# How many nodes said they started an overlay of their own.
founders() {
	grep -l -e 'starting the overlay as its seed' -e 'joined the overlay as its first node' \
		"$dir"/node-*.log 2>/dev/null | wc -l
}

"$launch" start "$dir" 10 --bootstraps 3 --cold
"$launch" wait "$dir" 90
"$launch" check-routing "$dir"
[ "$(founders)" -eq 1 ] || fail "$(founders) nodes started an overlay of their own"
grep -q 'starting the overlay as its seed' "$dir/node-0.log" ||
	fail "the overlay was not started by its seed (node 0)"
echo "cold-start: one overlay, started by the seed; 10 of 10 nodes on the ring" >&2

# The seed dies and comes back while the overlay lives on.
"$launch" kill "$dir" 0
"$launch" wait "$dir" 60
"$launch" restart "$dir" 0
"$launch" wait "$dir" 60
"$launch" check-routing "$dir"
n=$(grep -c -e 'starting the overlay as its seed' -e 'as its first node' "$dir/node-0.log")
[ "$n" -eq 1 ] || fail "the restarted seed started an overlay of its own again"
echo "cold-start: the seed restarted and joined the living overlay" >&2
