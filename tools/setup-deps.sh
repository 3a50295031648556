#!/bin/sh
# Installs the Debian packages Chorus needs that are missing, and nothing
# else. Used by `make demo`, `make test` and CI; safe to run again.
#
# usage: tools/setup-deps.sh [build|test|fuzz]...
#   build  compilers, CMake and the libraries (always)
#   test   outside tools the tests use as oracles (tshark) and real peers
#          (SIPp; baresip-core: the baresip soft-phone with its opus, srtp,
#          aufile, aubridge and sndfile modules, without the GUI and video
#          plugins)
#   fuzz   clang and libFuzzer
set -eu

pkgs="build-essential cmake pkg-config libsofia-sip-ua-dev libevent-dev libssl-dev
      libxml2-dev libsrtp2-dev libopus-dev"
for what in "$@"; do
	case $what in
	build) ;;
	test) pkgs="$pkgs tshark sip-tester baresip-core" ;;
	fuzz) pkgs="$pkgs clang libfuzzer-14-dev libclang-rt-14-dev" ;;
	*) echo "setup-deps: unknown set '$what'" >&2; exit 2 ;;
	esac
done

missing=
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "setup-deps: missing packages:$missing (and no apt-get to install them)" >&2
	exit 1
fi
sudo=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo="sudo"
	else
		echo "setup-deps: need root or sudo to install:$missing" >&2
		exit 1
	fi
fi
echo "setup-deps: installing$missing"
# tshark asks whether non-root users may capture; answer no, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" |
	$sudo debconf-set-selections 2>/dev/null || true
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
