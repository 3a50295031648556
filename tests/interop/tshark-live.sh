#!/bin/sh
# Checks LIVE RELOAD traffic between real chorusd processes with an outside
# decoder, Wireshark's RELOAD and RELOAD-framing dissectors (tshark 4.0).
#
# Four chorusd processes in plaintext test mode (--plaintext-for-tests: each
# link starts with a signed Ping to the wildcard Node-ID, the "hello", then
# RFC 6940 framing over TCP) form a ring on loopback, every node pings every
# other (chorus-launch check-routing), and they leave politely; dumpcap
# records their links on `lo`.
#
# The dissector has a bug on TCP (see /work/notes/wireshark-reload.md, 8):
# it reads each frame's 24-bit length from bytes 5..7 of the TCP SEGMENT,
# not of the frame. A DATA frame that does not start its segment gets the
# length of whatever is there, and the reassembly of that direction then
# stays out of step (it waits for megabytes, or parses garbage) - often
# without a "malformed" mark. chorusd's traffic is full of such segments:
# when it reads a frame it queues the ACK frame and, in the same callback,
# the answer or the next request, and libevent sends both with one write.
# In a typical run about half of the ~190 data segments carry more than one
# frame (mostly ACK+DATA), and tshark decodes only ~35 of the ~250 messages
# from the capture as it is. So the test does not ask tshark to read the
# capture as it is; it checks:
#
#  1. Our own reading of the captured TCP byte streams (each direction in
#     sequence order; retransmitted bytes skipped, a gap is a failure)
#     splits cleanly into frames: DATA (128, 24-bit length, RELOAD token,
#     not fragmented) and ACK (129, 9 bytes), nothing else, and no stream
#     ends inside a frame.
#  2. Directly on the live capture, the segments the bug cannot reach: those
#     with no segment earlier in the same direction where a DATA frame
#     follows another frame (or where bytes were retransmitted), and not
#     such a segment themselves. Each must decode with the frame types and
#     message codes we read from the bytes, no malformed mark and no expert
#     warning or error. In practice these are the hellos only (the first
#     answer to a hello already comes behind an ACK), about 12 segments.
#  3. All the frames of the capture, re-segmented one frame per TCP segment
#     (text2pcap, one pcap per connection with its ports and frame order,
#     concatenated with mergecap), decoded by tshark: no malformed packet, no
#     expert warning or error, the frame type right, and for every DATA frame
#     the message code, transaction id and version (0x0a, RFC 6940) that we
#     read from the bytes. tshark only gets the code right if its parse of
#     the forwarding header, Via and Destination lists and options agrees
#     with ours, and it raises an expert item if the body or the security
#     block does not parse. This is the check of every message on the wire
#     that the bug would otherwise hide.
#  4. The messages decoded in 3 include the requests and answers of a join,
#     of routing and of leaving: Attach, Join, Update, Ping, Leave (codes
#     3/4, 15/16, 19/20, 23/24, 17/18). By transaction id, every request of
#     these methods sent before the first Leave has an answer (or an error
#     response) on the wire. Exceptions, counted in the summary: requests
#     sent while the nodes leave (chorusd exits 300 ms after its Leaves, so
#     an answer may never come), and hellos on a link that carries nothing
#     else (the second of two links made at the same time, closed at once
#     by its receiver); a hello on any other link must be answered. And
#     Chord Updates: in about one run in ten (more on a loaded machine)
#     two of some forty Updates sent before the first Leave have no answer
#     on the wire; why is not known yet (a race with a link being replaced
#     is the suspect). The protocol tolerates a lost Update (the next one
#     repairs the neighbor tables; overlay_30 checks the ring), so Updates
#     are counted in the summary and not required here.
#
# Not checked: signatures (tshark does not verify them), the ACK frames'
# received masks, the meaning of the message bodies (the launcher's ring
# and routing checks cover that), the dissector's own request/response
# matching. The summary also counts, for information only, the multi-frame
# segments, the messages tshark decodes from the capture as it is, and its
# malformed packets there.
#
# Exit 77 (skip) when tshark, dumpcap, text2pcap or mergecap is missing, or
# when capturing on the loopback interface is not permitted.
#
# usage: tshark-live.sh BUILD_DIR
#        tshark-live.sh --analyze PCAP BASE_PORT   (checks a kept capture again)
# TSHARK_LIVE_KEEP=1 keeps the temp dir (capture, logs, intermediate files).
set -eu
usage() {
	echo "usage: tshark-live.sh BUILD_DIR | tshark-live.sh --analyze PCAP BASE_PORT" >&2
	exit 2
}
analyze=
case $# in
1) export CHORUS_BIN="$1" ;;
3) [ "$1" = --analyze ] || usage; analyze=$2 ;;
*) usage ;;
esac
launch=$(cd "$(dirname "$0")/../.." && pwd)/tools/chorus-launch
N=4

skip() { echo "tshark-live: skipped: $*"; exit 77; }
for t in tshark dumpcap text2pcap mergecap; do
	command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

tmp=$(mktemp -d)
ov=$tmp/overlay
cap_pid=
stop_capture() {
	[ -n "$cap_pid" ] || return 0
	kill -INT "$cap_pid" 2>/dev/null || true
	t=0 # dumpcap flushes and exits on SIGINT; give it 5 s
	while kill -0 "$cap_pid" 2>/dev/null && [ "$t" -lt 50 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	kill -KILL "$cap_pid" 2>/dev/null || true
	wait "$cap_pid" 2>/dev/null || true
	cap_pid=
}
cleanup() {
	[ -d "$ov" ] && "$launch" stop "$ov" >/dev/null 2>&1 || true
	stop_capture
	if [ -n "${TSHARK_LIVE_KEEP:-}" ]; then echo "tshark-live: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Ports claimed before the capture starts; chorus-launch keeps them out of
# the ephemeral range, so no client port of an unrelated connection can fall
# into the capture filter, and away from parallel launches.
if [ -n "$analyze" ]; then base=$3; else base=$("$launch" claim "$ov" "$N"); fi
last=$((base + N - 1))
lf() { echo "tshark-live: $*" >&2; }
fail() {
	echo "tshark-live: FAIL: $*"
	for f in "$ov"/node-*.log; do
		[ -e "$f" ] && { echo "--- $f (last lines)"; tail -n 15 "$f"; }
	done
	exit 1
}

if [ -n "$analyze" ]; then
	pcap=$analyze
else
	# 1. The capture. It doubles as the trial: if dumpcap cannot capture on lo
	# (no permission, no such interface) it exits at once and the test is
	# skipped. -a duration bounds it whatever happens to this script.
	pcap=$tmp/live.pcapng
	dumpcap -q -i lo -f "tcp portrange $base-$last" -a duration:90 -w "$pcap" \
		2>"$tmp/dumpcap.err" </dev/null &
	cap_pid=$!
	t=0
	until grep -q '^File:' "$tmp/dumpcap.err" 2>/dev/null; do
		if ! kill -0 "$cap_pid" 2>/dev/null; then
			wait "$cap_pid" 2>/dev/null || true
			cap_pid=
			skip "cannot capture on the loopback interface: $(grep -v '^Capturing on' "$tmp/dumpcap.err" | head -n 3 | tr '\n' ' ')"
		fi
		t=$((t + 1))
		[ "$t" -lt 100 ] || skip "dumpcap did not start capturing on lo within 10 s"
		sleep 0.1
	done
	sleep 0.3 # the filter is attached before "File:" is printed; a margin anyway

	# 2. The overlay: join, route, leave.
	lf "capturing tcp ports $base-$last; starting $N plaintext chorusd"
	"$launch" start "$ov" "$N" --plaintext || fail "chorus-launch start"
	"$launch" wait "$ov" 30 || fail "the ring did not form within 30 s"
	timeout 30 "$launch" check-routing "$ov" || fail "check-routing"
	timeout 40 "$launch" stop "$ov" || fail "chorus-launch stop"
	sleep 0.5 # the last FIN/ACKs
	stop_capture
	grep -q 'dropped.*: [0-9]*/0 ' "$tmp/dumpcap.err" ||
		lf "dumpcap reports drops: $(grep dropped "$tmp/dumpcap.err" || true)"
fi

ts() { timeout 60 tshark -n -o reload.nodeid_length:16 "$@" 2>"$tmp/tshark.err" || {
	cat "$tmp/tshark.err"; fail "tshark $*"; }; }

# 3. Our own reading of the byte streams. tshark only gives the segments
# (RELOAD dissectors off); the awk below puts each direction back together
# and splits it into frames.
ts -r "$pcap" --disable-protocol reload-framing --disable-protocol reload \
	-Y 'tcp.len > 0' -T fields -e frame.number -e tcp.stream -e tcp.srcport \
	-e tcp.dstport -e tcp.seq -e tcp.len -e tcp.payload >"$tmp/raw.tsv"
[ -s "$tmp/raw.tsv" ] || fail "no TCP data captured on ports $base-$last"
mkdir "$tmp/rs"
# segs.tsv, one line per data segment: frame number, class (single, multi,
#   split, or retransmitted: some or all of its bytes were sent before),
#   direct (1: checked directly on the live capture), the framing types
#   and the message codes of the frames that END in the segment (comma
#   lists; tshark shows a frame where it ends), pattern (D = DATA, A = ACK,
#   + = part of a frame that spans segments), harmful (see below)
# rs/S.tsv: the frames of stream S: stream srcport dstport type code
#   trans_id version hello (1: the first DATA frame of its direction) and
#   the live packet where the frame ends
# rs/S.txt: text2pcap input of stream S, one frame per line ("<" = from
#   the stream's first sender)
# rs/streams: stream, first sender's port, the other port
#
# "harmful": a multi-frame segment that begins inside a frame or has a DATA
# frame anywhere but first (pattern not D?A*). Only there can the
# dissector's length bug bite: an ACK's length is a constant 9, and a DATA
# frame at byte 0 reads its own length. After a harmful (or retransmitted)
# segment the dissector's reassembly of that direction may stay out of
# step, so "direct" = not harmful, and nothing harmful or retransmitted
# earlier in the same direction.
awk -F'\t' -v rs="$tmp/rs" -v segs="$tmp/segs.tsv" '
	function hexval(s,   i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	function byte(f, b) { return substr(f, 17 + 2 * b, 2) } # message byte b
	function bytes(f, b, n) { return substr(f, 17 + 2 * b, 2 * n) }
	function bad(msg) { printf "stream %s: %s\n", key, msg; errors++; broken[key] = 1 }
	function add(l, v) { return l == "" ? v : l "," v }
	# One whole frame f (hex) of direction key: record it.
	function frame(f,   t, code, tid, ver, via, dst, opt, hello) {
		t = substr(f, 1, 2)
		code = tid = ver = "-"
		hello = 0
		if (t == "80") {
			if (bytes(f, 0, 4) != "d2454c4f") { bad("DATA frame without the RELOAD token"); return }
			ver = "0x" byte(f, 10)
			tid = "0x" bytes(f, 20, 8)
			if (bytes(f, 12, 4) != "00000000" && bytes(f, 12, 4) != "c0000000") {
				bad("fragmented message (not expected here)"); return }
			via = hexval(bytes(f, 32, 2)); dst = hexval(bytes(f, 34, 2))
			opt = hexval(bytes(f, 36, 2))
			code = hexval(bytes(f, 38 + via + dst + opt, 2))
			hello = !seen_data[key]++
			codes_here = add(codes_here, code)
		}
		print stream, sport, dport, (t == "80" ? 128 : 129), code, tid, ver, hello, fno \
			>(rs "/" stream ".tsv")
		printf "%s %s\n", (sport == first[stream] ? "<" : ">"), f >(rs "/" stream ".txt")
		types_here = add(types_here, t == "80" ? 128 : 129)
		pattern = pattern (t == "80" ? "D" : "A")
	}
	{
		fno = $1; stream = $2; sport = $3; dport = $4; seq = $5; len = $6; pay = $7
		key = stream "/" sport
		if (!(stream in first)) { first[stream] = sport; other[stream] = dport; streams[++ns] = stream }
		if (broken[key]) next
		if (length(pay) != 2 * len) { bad("segment " fno ": payload not captured whole"); next }
		if ((key in next_seq) && seq != next_seq[key]) {
			# Loopback TCP does retransmit (tail loss probes): skip the
			# bytes already seen. A gap means the capture lost data.
			if (seq > next_seq[key]) {
				bad("segment " fno " at seq " seq ", expected " next_seq[key] " (not captured)")
				next
			}
			desync[key] = 1 # what the dissector makes of it is its business
			if (seq + len <= next_seq[key]) {
				print fno, "retransmitted", 0, "", "", "", 0 >segs
				next
			}
			pay = substr(pay, 2 * (next_seq[key] - seq) + 1)
			len = seq + len - next_seq[key]; seq = next_seq[key]
			overlap = 1
		} else
			overlap = 0
		next_seq[key] = seq + len
		carry_in = carry[key]
		buf = carry_in pay
		pos = 1; n = 0; carry[key] = ""; types_here = codes_here = ""
		pattern = (carry_in != "" ? "+" : "")
		while (pos <= length(buf)) {
			rest = length(buf) - pos + 1
			t = substr(buf, pos, 2)
			if (t == "80") {
				flen = rest >= 16 ? 2 * (8 + hexval(substr(buf, pos + 10, 6))) : -1
			} else if (t == "81") {
				flen = 18
			} else {
				bad("segment " fno ": a frame starts with byte " t " (neither DATA nor ACK)")
				next
			}
			if (flen < 0 || rest < flen) { carry[key] = substr(buf, pos); break }
			frame(substr(buf, pos, flen))
			if (broken[key]) next
			pos += flen; n++
		}
		if (carry[key] != "") pattern = pattern "+"
		starts = n - (carry_in != "") + (carry[key] != "" && pos > length(carry_in))
		if (overlap)
			cls = "retransmitted"
		else if (carry_in == "" && n == 1 && carry[key] == "")
			cls = "single"
		else if (starts >= 2 || (carry_in != "" && starts >= 1))
			cls = "multi"
		else
			cls = "split"
		harmful = cls == "multi" && pattern !~ /^D?A*$/
		if (harmful) desync[key] = 1
		print fno, cls, !desync[key], types_here, codes_here, pattern, harmful >segs
	}
	END {
		for (k in carry) if (carry[k] != "" && !broken[k]) {
			printf "stream %s: ends inside a frame\n", k; errors++ }
		for (i = 1; i <= ns; i++) print streams[i], first[streams[i]], other[streams[i]] >(rs "/streams")
		exit errors != 0
	}' OFS='\t' "$tmp/raw.tsv" || fail "the captured TCP streams are not clean RELOAD framing"

# 4. The live capture as it is, through the dissector (forced on the ports:
# range syntax works in 4.0).
ts -r "$pcap" -d "tcp.port==$base-$last,reload-framing" -Y 'tcp.len > 0' \
	-T fields -E occurrence=a -E aggregator=, -e frame.number -e _ws.malformed \
	-e _ws.expert.severity -e reload_framing.type -e reload.message.code \
	-e _ws.expert.message >"$tmp/live.out"

# 5. The same frames, one per TCP segment.
set --
while read -r s p d; do
	timeout 30 text2pcap -q -r '^(?<dir>[<>]) (?<data>[0-9a-f]+)$' -D \
		-T "$p,$d" -4 127.0.0.1,127.0.0.1 "$tmp/rs/$s.txt" "$tmp/rs/$s.pcapng" \
		>"$tmp/text2pcap.err" 2>&1 || { cat "$tmp/text2pcap.err"; fail "text2pcap"; }
	set -- "$@" "$tmp/rs/$s.pcapng"
	cat "$tmp/rs/$s.tsv" >>"$tmp/frames.tsv"
done <"$tmp/rs/streams"
timeout 30 mergecap -a -w "$tmp/reseg.pcapng" "$@" || fail "mergecap"
ts -r "$tmp/reseg.pcapng" -d "tcp.port==$base-$last,reload-framing" \
	-T fields -E occurrence=a -E aggregator=, -e frame.number -e _ws.malformed \
	-e _ws.expert.severity -e reload_framing.type -e reload.message.code \
	-e reload.forwarding.trans_id -e reload.forwarding.version \
	-e _ws.col.Protocol -e _ws.expert.message >"$tmp/reseg.out"

# 6. The verdict.
pkts=$(timeout 30 capinfos -c -M "$pcap" 2>/dev/null | awk '/Number of packets/ { print $NF }')
awk -F'\t' -v pkts="${pkts:-?}" '
	function serious(sev,   n, a, i) {  # expert warning (0x600000) or error (0x800000)
		n = split(sev, a, ",")
		for (i = 1; i <= n; i++) if (a[i] == 6291456 || a[i] == 8388608) return 1
		return 0
	}
	function problem(msg) { if (++problems <= 20) print msg }
	# How many of the codes in list want also appear in list got.
	function common(want, got,   a, b, n, m, i, j, c) {
		n = split(want, a, ","); m = split(got, b, ",")
		c = 0
		for (i = 1; i <= n; i++)
			for (j = 1; j <= m; j++)
				if (b[j] != "" && a[i] == b[j]) { b[j] = ""; c++; break }
		return c
	}
	FILENAME == ARGV[1] {  # segs.tsv
		cls[$1] = $2; direct[$1] = $3; wtypes[$1] = $4; wcodes[$1] = $5; harmful[$1] = $7
		nseg[$2]++; nharm += $7
		nwire += ($5 == "" ? 0 : split($5, x, ","))
		next
	}
	FILENAME == ARGV[2] {  # the live capture as it is
		f = $1
		if ($2 != "") livemal++
		if ($2 != "" || serious($3)) livebad[cls[f]]++
		liveright += common(wcodes[f], $5)
		if (!direct[f]) next
		ndirect++
		if ($2 != "" || serious($3) || $4 != wtypes[f] || $5 != wcodes[f])
			problem(sprintf("live packet %s (%s segment): frame types \"%s\" codes \"%s\", want \"%s\" \"%s\"%s%s",
				f, cls[f], $4, $5, wtypes[f], wcodes[f], $2 != "" ? " MALFORMED" : "",
				serious($3) ? " expert: " $6 : ""))
		next
	}
	FILENAME == ARGV[3] { want[++nw] = $0; next }  # frames.tsv, in re-segmented order
	{   # the re-segmented capture: packet k is frame k
		k = $1
		split(want[k], w, "\t")  # stream sport dport type code tid ver hello live-packet
		if ($2 != "" || serious($3) || $4 != w[4] ||
		    (w[4] == 128 && ($5 != w[5] || $6 != w[6] || $7 != w[7]))) {
			problem(sprintf("frame %d (stream %s, %s -> %s): tshark says type %s code %s tid %s version %s [%s]%s%s; the bytes say type %s code %s tid %s version %s",
				k, w[1], w[2], w[3], $4, $5, $6, $7, $8,
				$2 != "" ? " MALFORMED" : "", serious($3) ? " expert: " $9 : "",
				w[4], w[5], w[6], w[7]))
		}
		if (w[4] != 128) next
		if (w[7] != "0x0a") problem(sprintf("frame %d: version %s, not 0x0a (RFC 6940)", k, w[7]))
		msgs++
		code = $5 + 0
		count[code]++
		ndata[w[1]]++
		if (w[8]) { hello++; hellostream[$6] = w[1] }
		if (code == 17 && (firstleave == "" || w[9] + 0 < firstleave)) firstleave = w[9] + 0
		if (code == 65535 || code % 2 == 0) answered[$6] = 1
		else if (!(($6, code) in req)) {
			req[$6, code] = 1; reqtid[++nreq] = $6; reqcode[nreq] = code; reqat[nreq] = w[9] + 0
			reqhello[nreq] = w[8]
		}
	}
	END {
		if (k != nw) problem(sprintf("the re-segmented capture has %d packets, want %d", k, nw))
		split("3 4 15 16 19 20 23 24 17 18", must, " ")
		for (i = 1; i <= 10; i++) {
			if (!count[must[i]]) problem(sprintf("no message with code %d decoded", must[i]))
			known[must[i]] = 1
		}
		# Requests and answers by transaction id. A hello is answered like any
		# Ping, except on a link closed at once as the second of two links
		# made at the same time (both hellos, nothing else). Requests sent
		# once the nodes were leaving may meet a node that has gone (chorusd
		# exits 300 ms after its Leaves); they are counted, not required.
		for (i = 1; i <= nreq; i++) {
			c = reqcode[i]
			if (!(c in known)) continue
			ok = reqtid[i] in answered
			if (reqhello[i]) {
				nhello++; ahello += ok
				if (!ok && ndata[hellostream[reqtid[i]]] > 2)
					problem(sprintf("hello tid %s on a link that carried more: no answer", reqtid[i]))
			} else if (firstleave != "" && reqat[i] >= firstleave) {
				nlate++; alate += ok
			} else if (c == 19) {
				# Updates: counted, not required (see the header)
				nupd++; aupd += ok
			} else {
				tr++; ta += ok
				if (!ok) problem(sprintf("request code %d tid %s: no answer on the wire", c, reqtid[i]))
			}
		}
		if (problems > 20) printf "... %d problems in all\n", problems
		names[3] = "attach"; names[15] = "join"; names[19] = "update"; names[23] = "ping"; names[17] = "leave"
		per = ""
		split("3 15 19 23 17", m, " ")
		for (i = 1; i <= 5; i++)
			per = per sprintf(" %s %d/%d", names[m[i]], count[m[i]], count[m[i] + 1])
		other = 0
		for (c in count) if (!(c in known) && c != 65535) other += count[c]
		printf "tshark-live: %s packets, %d data segments: %d single-frame, %d multi-frame (%d of them open to the length bug), %d split, %d retransmitted; " \
			"re-segmented: %d RELOAD messages decoded (req/ans:%s; %d error responses, %d other), %d of %d requests answered, %d of %d Updates, %d of %d while leaving, %d of %d hellos; " \
			"live capture as is: %d of %d messages decoded, %d packets malformed (%d multi-frame, %d single-frame with malformed/expert), %d segments checked directly; " \
			"problems %d\n",
			pkts, nseg["single"] + nseg["multi"] + nseg["split"] + nseg["retransmitted"],
			nseg["single"], nseg["multi"], nharm, nseg["split"], nseg["retransmitted"],
			msgs, per, count[65535], other, ta, tr, aupd, nupd, alate, nlate, ahello, nhello,
			liveright, nwire, livemal, livebad["multi"], livebad["single"], ndirect, problems
		exit problems != 0
	}' "$tmp/segs.tsv" "$tmp/live.out" "$tmp/frames.tsv" "$tmp/reseg.out" || exit 1
