#!/bin/sh
# Checks our RELOAD bytes with an outside decoder: Wireshark's RELOAD and
# RELOAD-framing dissectors (tshark). chorus-wire writes one message of
# every type, framed, into a pcap over TCP and over UDP on port 6084, with
# the fields tshark must show; any malformed packet, any warning or error
# from the dissectors, or any field that differs fails the test.
#
# usage: tshark-wire.sh PATH/TO/chorus-wire
set -eu
wire=$1
if ! command -v tshark >/dev/null 2>&1; then
	echo "tshark is not installed: skipped"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

fail=0
for mode in tcp udp; do
	opt=
	[ "$mode" = udp ] && opt=--udp
	"$wire" samples --pcap "$tmp/$mode.pcap" --expect "$tmp/$mode.tsv" $opt
	fields=$(cut -f2 "$tmp/$mode.tsv" | grep -v '^#' | sort -u)
	set --
	for f in $fields; do set -- "$@" -e "$f"; done
	# The private kind of the samples, declared as an overlay configuration would.
	tshark -n -r "$tmp/$mode.pcap" \
		-o reload.nodeid_length:16 \
		-o 'uat:reload_kindids:"4026531841","DISCO-REGISTRATION","DICTIONARY"' \
		-T fields -E occurrence=a -E aggregator=, \
		-e frame.number -e _ws.col.Protocol -e _ws.malformed \
		-e _ws.expert.severity -e _ws.expert.message "$@" \
		>"$tmp/$mode.out" 2>"$tmp/$mode.err" || {
		echo "tshark failed:"; cat "$tmp/$mode.err"; exit 1; }
	printf '%s\n' $fields >"$tmp/$mode.fields"
	awk -F'\t' -v mode="$mode" '
		FILENAME == ARGV[1] { col[$1] = NR + 5; next }       # field -> column
		FILENAME == ARGV[2] { row[$1] = $0; next }           # frame -> tshark line
		$2 == "#sample" { name[$1] = $3; next }
		{
			split(row[$1], c, "\t")
			got = c[col[$2]]
			if (got != $3) {
				printf "%s frame %s (%s): %s is \"%s\", want \"%s\"\n",
					mode, $1, name[$1], $2, got, $3
				bad++
			}
			checked++
		}
		END {
			for (f in row) {
				split(row[f], c, "\t")
				sev = c[4]
				if (c[3] != "" || sev ~ /(6291456|8388608)/) {
					printf "%s frame %s: %s %s [%s]\n", mode, f,
						(c[3] != "" ? "MALFORMED" : "expert"), c[5], c[2]
					bad++
				}
				if (f > (mode == "tcp" ? 3 : 0) && c[2] !~ /RELOAD/) {
					printf "%s frame %s: not decoded as RELOAD (%s)\n", mode, f, c[2]
					bad++
				}
			}
			printf "%s: %d fields checked in %d frames, %d problems\n",
				mode, checked, length(row), bad
			exit bad != 0
		}' "$tmp/$mode.fields" "$tmp/$mode.out" "$tmp/$mode.tsv" || fail=1
done
exit $fail
