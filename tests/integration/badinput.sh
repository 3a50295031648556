#!/bin/sh
# Bad input on live links: a peer with a valid certificate sends a running
# chorusd garbage, truncated and oversized frames, wrong overlay hashes and
# versions, oversized messages, exhausted TTLs, Destination Lists too long
# or naming a node twice, and forged Node-IDs; each
# gets an Error answer or a closed link and a log line, and the node keeps
# routing. (tests/integration/badpeer.c does the talking.)
#
# usage: badinput.sh BUILD_DIR
set -eu
build=$1
export CHORUS_BIN=$build
launch=$(cd "$(dirname "$0")/../.." && pwd)/tools/chorus-launch
dir=$(mktemp -d)
trap '"$launch" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM

"$launch" start "$dir" 2
base=$("$launch" port "$dir")
"$launch" wait "$dir" 30
"$build/tools/chorus" ca issue --dir "$dir" --user "mallory@launch.chorus.example" \
	--out "$dir/bad" >/dev/null
other=$("$build/tools/chorus" status --raw --api "127.0.0.1:$((base + 1001))" |
	sed -n 's/^node_id //p')
"$build/tests/integration/badpeer" "$dir/overlay.xml" "$dir/bad.crt" "$dir/bad.key" \
	"127.0.0.1:$base" "127.0.0.1:$((base + 1000))" "$other"
# Each drop left a line in the node's log.
for what in "bad frame" "not RELOAD 1.0" "dropped:"; do
	grep -q "$what" "$dir/node-0.log" || { echo "badinput: no log line for '$what'" >&2; exit 1; }
done
echo "badinput: the node logged every drop and is still running" >&2
kill -0 "$(cat "$dir/node-0.pid")"
