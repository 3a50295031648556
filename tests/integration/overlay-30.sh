#!/bin/sh
# 30 chorusd processes on loopback, each with its own certificate and TLS
# links: the ring forms (every node's successor is the next Node-ID), every
# node routes to every other; then kill -9 a third of them: the ring heals
# and routing works again, both within bounded times.
#
# usage: overlay-30.sh BUILD_DIR
set -eu
export CHORUS_BIN=$1
launch=$(cd "$(dirname "$0")/../.." && pwd)/tools/chorus-launch
dir=$(mktemp -d)
trap '"$launch" stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT INT TERM
# Ports from the process ID, so parallel runs do not collide.

"$launch" start "$dir" 30
"$launch" wait "$dir" 90
"$launch" check-routing "$dir"

# Kill -9 every third node: 10 of 30, no goodbyes.
"$launch" kill "$dir" 0 3 6 9 12 15 18 21 24 27
echo "overlay-30: killed 10 of 30 nodes with SIGKILL" >&2
"$launch" wait "$dir" 60
"$launch" check-routing "$dir"
"$launch" ring "$dir" | tail -n 22
