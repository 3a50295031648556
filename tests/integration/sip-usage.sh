#!/bin/sh
# The SIP usage (RFC 7904) on 8 chorusd processes (TLS, signed): every
# node registers its AOR (its certificate's user name); every node looks
# up every AOR and must find exactly the node that registered it, with
# the SIP address that node answers AppAttach (application 5060) with.
# One node unregisters: nobody finds it; another is killed: its
# registration outlives it (on its replicas), and AppAttach to it fails.
#
# usage: sip-usage.sh BUILD_DIR
set -eu
export CHORUS_BIN=$1
chorus=$1/tools/chorus
launch=$(cd "$(dirname "$0")/../.." && pwd)/tools/chorus-launch
dir=$(mktemp -d)
trap '"$launch" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
n=8
fail() { echo "sip-usage: $*" >&2; exit 1; }
api() { echo "127.0.0.1:$((base + 1000 + $1))"; }
node_id() { "$chorus" status --raw --api "$(api "$1")" | awk '$1 == "node_id" { print $2 }'; }

"$launch" start "$dir" "$n" --sip
base=$("$launch" port "$dir")
"$launch" wait "$dir" 60
i=0
while [ "$i" -lt "$n" ]; do
	"$chorus" register --api "$(api "$i")" >/dev/null || fail "node $i could not register"
	i=$((i + 1))
done

found=0
i=0
while [ "$i" -lt "$n" ]; do
	want=$(node_id "$i")
	j=0
	while [ "$j" -lt "$n" ]; do
		out=$("$chorus" lookup --raw "sip:node-$i@launch.chorus.example" --api "$(api "$j")")
		[ "$(echo "$out" | awk '$1 == "targets" { print $2 }')" = 1 ] ||
			fail "node $j found $(echo "$out" | awk '$1 == "targets" { print $2 }') peers for node $i"
		[ "$(echo "$out" | awk '$1 == "target.0.node" { print $2 }')" = "$want" ] ||
			fail "node $j found the wrong peer for node $i"
		[ "$(echo "$out" | awk '$1 == "target.0.sip" { print $2 }')" = "127.0.0.1:$((base + 2000 + i))" ] ||
			fail "node $j: AppAttach to node $i did not give its SIP address"
		found=$((found + 1))
		j=$((j + 1))
	done
	i=$((i + 1))
done
echo "sip-usage: $found of $((n * n)) lookups found the registered peer and its SIP address" >&2

"$chorus" unregister --api "$(api 3)" >/dev/null
! "$chorus" lookup "node-3@launch.chorus.example" --api "$(api 5)" >/dev/null 2>&1 ||
	fail "node 3 is still found after unregistering"
"$launch" kill "$dir" 6
"$launch" wait "$dir" 60 2>/dev/null
out=$("$chorus" lookup --raw "sip:node-6@launch.chorus.example" --api "$(api 1)")
[ "$(echo "$out" | awk '$1 == "targets" { print $2 }')" = 1 ] ||
	fail "node 6's registration did not outlive it"
echo "$out" | grep -q '^target.0.attach_error' || fail "AppAttach to a dead node succeeded"
echo "sip-usage: an unregistered AOR is gone; a dead node's registration stays, AppAttach fails: $(echo "$out" | sed -n 's/^target.0.attach_error //p')" >&2
