#!/bin/sh
# Storage on 30 chorusd processes (real TLS, every value signed and
# checked): each node stores 34 values of a NODE-MULTIPLE kind, 1,020 in
# all, at H(its Node-ID || i); every value is then held by its responsible
# peer and two replicas. Nodes are killed one at a time with SIGKILL,
# waiting after each until the copies are made again, until 10 of 30 are
# gone; then every value is fetched from a live node and compared: zero
# loss.
#
# usage: storage-30.sh BUILD_DIR [VALUES_PER_NODE]
# (34 by default; the sanitizer build passes fewer: 30 ASan processes on
# two cores store and re-replicate 1,020 signed values in ~5 minutes, and
# the full figure is the plain build's)
set -eu
export CHORUS_BIN=$1
chorus=$1/tools/chorus
launch=$(cd "$(dirname "$0")/../.." && pwd)/tools/chorus-launch
dir=$(mktemp -d)
trap '"$launch" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
kind=0xF00000F0
nodes=30 per=${2:-34}
fail() { echo "storage-30: $*" >&2; exit 1; }
api() { echo "127.0.0.1:$((base + 1000 + $1))"; }
ms_now() { date +%s%3N; }

# Copies held across the live nodes.
copies() {
	total=0
	for i in $("$launch" live "$dir"); do
		n=$("$chorus" status --raw --api "$(api "$i")" 2>/dev/null |
			awk '$1 == "counter" && $2 == "store_values" { print $3 }')
		total=$((total + ${n:-0}))
	done
	echo "$total"
}

"$launch" start "$dir" "$nodes" --kind "$kind:single:NODE-MULTIPLE:1:256:64"
base=$("$launch" port "$dir")
"$launch" wait "$dir" 90

t0=$(ms_now)
: >"$dir/values"
i=0
while [ "$i" -lt "$nodes" ]; do
	j=1
	while [ "$j" -le "$per" ]; do
		out=$("$chorus" put "$kind" "value $i.$j" --multiple "$j" --api "$(api "$i")") ||
			fail "node $i could not store value $j"
		echo "$(echo "$out" | awk '{ sub(":", "", $3); print $3 }') value $i.$j" >>"$dir/values"
		j=$((j + 1))
	done
	i=$((i + 1))
done
want=$((nodes * per))
echo "storage-30: stored $want values in $(($(ms_now) - t0)) ms" >&2

# Wait until every value is held three times again (or give up).
await_copies() {
	t=$(ms_now)
	while [ "$(copies)" -lt $((3 * want)) ]; do
		[ $(($(ms_now) - t)) -lt 60000 ] || fail "$1: only $(copies) copies after 60 s, want $((3 * want))"
		sleep 0.5
	done
	echo "storage-30: $1: $(copies) copies after $(($(ms_now) - t)) ms" >&2
}
await_copies "after storing"

for victim in 0 3 6 9 12 15 18 21 24 27; do
	"$launch" kill "$dir" "$victim"
	"$launch" wait "$dir" 60 2>/dev/null || fail "the ring did not heal after killing node $victim"
	await_copies "node $victim killed"
done

t0=$(ms_now)
found=0 k=0
live=$("$launch" live "$dir" | tr '\n' ' ')
set -- $live
while read -r res text; do
	from=$(eval "echo \${$((k % $# + 1))}")
	k=$((k + 1))
	got=$("$chorus" get "$kind" "$res" --id --raw --api "$(api "$from")" 2>/dev/null |
		sed -n 's/^value\.0\.text //p')
	[ "$got" = "$text" ] && found=$((found + 1))
done <"$dir/values"
echo "storage-30: $found of $want values fetched back after 10 of $nodes nodes were killed ($(($(ms_now) - t0)) ms)" >&2
[ "$found" -eq "$want" ] || fail "lost $((want - found)) values"
