#!/bin/sh
# Runs each libFuzzer target for a bounded time on a scratch copy of its
# committed corpus and reports executions. New crashing inputs are kept in
# BUILD/fuzz-crashes/TARGET for adding to the corpus.
#
# With FUZZ_MERGE=1, the inputs that add coverage are merged into the
# committed corpus afterwards (libFuzzer -merge=1 keeps a minimal set).
#
# usage: tools/run-fuzz.sh BUILD_DIR CORPUS_DIR SECONDS
set -eu
build=$1 corpus=$2 secs=$3
status=0
for t in msg frame stored config node cert usage sdp rtp rtcp sdes; do
	bin=$build/tests/fuzz/fuzz_$t
	work=$build/fuzz-work/$t
	crashes=$build/fuzz-crashes/$t
	rm -rf "$work"
	mkdir -p "$work" "$crashes"
	cp "$corpus/$t"/* "$work"/
	echo "== fuzz_$t: $secs s"
	if "$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$crashes/" \
		"$work" >"$build/fuzz-$t.log" 2>&1; then
		:
	else
		status=1
		echo "fuzz_$t FOUND A CRASH: see $build/fuzz-$t.log and $crashes"
	fi
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^#[0-9]+ +DONE" \
		"$build/fuzz-$t.log" || true
	echo "corpus grew from $(ls "$corpus/$t" | wc -l) to $(ls "$work" | wc -l) inputs"
	if [ "${FUZZ_MERGE:-0}" = 1 ]; then
		"$bin" -merge=1 "$corpus/$t" "$work" >"$build/fuzz-$t-merge.log" 2>&1
		echo "merged: the committed corpus now holds $(ls "$corpus/$t" | wc -l) inputs"
	fi
done
exit $status
