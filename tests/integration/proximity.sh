#!/bin/sh
# Proximity coordinates measured across "regions" with real delays: three
# network namespaces joined by a bridge (in a fourth), each region's link
# delayed with tc netem (5, 20 and 45 ms one way; where the kernel has no
# netem, tools/netdelay routes between the regions over TUN devices with
# the same delays), three chorusd per region
# (one of them the region's landmark). Every node measures its RTT to the
# three landmarks; nodes of the same region must get nearby coordinates
# (closer to each other than to any node of another region) and the same
# landmark bin. Needs root (network namespaces); skipped (77) otherwise.
#
# usage: proximity.sh BUILD_DIR
set -eu
build=$1
chorus=$build/tools/chorus
chorusd=$build/agent/chorusd
skip() { echo "proximity: $*: skipped" >&2; exit 77; }
fail() { echo "proximity: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "needs root for network namespaces"
command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || skip "no ip or tc"
tag=p$$
dir=$(mktemp -d)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	sleep 0.2
	for p in $pids; do kill -9 "$p" 2>/dev/null || true; done
	for ns in "${tag}c" "${tag}r1" "${tag}r2" "${tag}r3"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
delay() { case $1 in 1) echo 5 ;; 2) echo 20 ;; 3) echo 45 ;; esac; }
ip netns add "${tag}c" 2>/dev/null || skip "cannot make network namespaces"
for r in 1 2 3; do
	ip netns add "${tag}r$r"
	ip -n "${tag}r$r" link set lo up
done
# The wire: tc netem on veths to a bridge where the kernel has netem;
# otherwise chorus-netdelay, a router with the same delays over TUN devices.
if tc -n "${tag}c" qdisc add dev lo root netem delay 1ms 2>/dev/null; then
	how="tc netem"
	ip -n "${tag}c" link add br0 type bridge
	ip -n "${tag}c" link set br0 up
	for r in 1 2 3; do
		ns=${tag}r$r
		ip link add "v$r" netns "$ns" type veth peer name "p$r" netns "${tag}c"
		ip -n "${tag}c" link set "p$r" master br0 up
		ip -n "$ns" addr add "10.77.0.$r/24" dev "v$r"
		ip -n "$ns" link set "v$r" up
		tc -n "$ns" qdisc add dev "v$r" root netem delay "$(delay "$r")ms"
	done
else
	how="chorus-netdelay (no sch_netem in this kernel)"
	[ -e /dev/net/tun ] || skip "neither tc netem nor /dev/net/tun"
	"$build/tools/chorus-netdelay" --ready "$dir/ready" "cnd${tag}1:10.77.0.1:$(delay 1)" \
		"cnd${tag}2:10.77.0.2:$(delay 2)" "cnd${tag}3:10.77.0.3:$(delay 3)" \
		2>"$dir/netdelay.log" &
	pids="$!"
	t=0
	while [ ! -e "$dir/ready" ]; do
		t=$((t + 1))
		[ "$t" -lt 50 ] || fail "chorus-netdelay did not start: $(cat "$dir/netdelay.log")"
		sleep 0.1
	done
	for r in 1 2 3; do
		ns=${tag}r$r
		ip link set "cnd${tag}$r" netns "$ns"
		ip -n "$ns" addr add "10.77.0.$r/32" dev "cnd${tag}$r"
		ip -n "$ns" link set "cnd${tag}$r" up
		ip -n "$ns" route add 10.77.0.0/24 dev "cnd${tag}$r"
	done
fi
echo "proximity: regions delayed 5, 20 and 45 ms by $how" >&2

"$chorus" overlay init prox.chorus.example --dir "$dir" --bootstrap 10.77.0.1:7000 \
	--landmark 10.77.0.1:7000 --landmark 10.77.0.2:7000 --landmark 10.77.0.3:7000 >/dev/null
for r in 1 2 3; do
	for k in 0 1 2; do
		"$chorus" ca issue --dir "$dir" --user "n$r$k@prox.chorus.example" --out "$dir/n$r$k" \
			>/dev/null
	done
done
for k in 0 1 2; do
	for r in 1 2 3; do
		ip netns exec "${tag}r$r" "$chorusd" --config "$dir/overlay.xml" --cert "$dir/n$r$k.crt" \
			--key "$dir/n$r$k.key" --listen "10.77.0.$r:700$k" --api "127.0.0.1:800$k" \
			--coord-interval 3 >"$dir/n$r$k.log" 2>&1 &
		pids="$pids $!"
	done
	sleep 0.5
done

status() { ip netns exec "${tag}r$1" "$chorus" status --raw --api "127.0.0.1:800$2" 2>/dev/null; }
# Wait until all nine have joined and measured all three landmarks.
t=0
while :; do
	ready=0
	for r in 1 2 3; do
		for k in 0 1 2; do
			s=$(status "$r" "$k")
			echo "$s" | grep -q '^joined yes' &&
				echo "$s" | awk '$1 == "coordinate" && NF == 4 && $2 != "-" && $3 != "-" && $4 != "-" { ok = 1 } END { exit !ok }' &&
				ready=$((ready + 1))
		done
	done
	[ "$ready" -eq 9 ] && break
	t=$((t + 1))
	[ "$t" -lt 120 ] || fail "only $ready of 9 nodes joined with a coordinate after 60 s"
	sleep 0.5
done

: >"$dir/coords"
for r in 1 2 3; do
	for k in 0 1 2; do
		s=$(status "$r" "$k")
		echo "$r $k $(echo "$s" | awk '$1 == "coordinate" { print $2, $3, $4 }') $(echo "$s" | awk '$1 == "landmark_bin" { print $2 }') $(echo "$s" | awk '$1 == "landmark_prefix" { print $2 }')" >>"$dir/coords"
	done
done
echo "proximity: region node  RTT to landmarks 1 2 3 (ms)  bin  prefix" >&2
sed 's/^/proximity:   /' "$dir/coords" >&2
# Same region: closer than any other region's node; same bin.
awk '
	{ reg[NR] = $1; a[NR] = $3; b[NR] = $4; c[NR] = $5; bin[NR] = $6; n = NR }
	END {
		bad = 0
		for (i = 1; i <= n; i++) {
			same = 0; other = 1e9
			for (j = 1; j <= n; j++) {
				if (i == j) continue
				d = sqrt((a[i]-a[j])^2 + (b[i]-b[j])^2 + (c[i]-c[j])^2)
				if (reg[i] == reg[j]) { if (d > same) same = d }
				else if (d < other) other = d
				if (reg[i] == reg[j] && bin[i] != bin[j]) bad++
			}
			printf "proximity: node %d.%d: farthest of its region %.1f ms, nearest elsewhere %.1f ms\n", reg[i], i, same, other > "/dev/stderr"
			if (same >= other) bad++
		}
		exit bad != 0
	}' "$dir/coords" || fail "nodes of one region are not closer to each other than to the others"
echo "proximity: every node is closer to its own region than to any other, and shares its bin" >&2
