#!/bin/bash
# run_fuzz.sh - runs every libFuzzer target for a bounded time over its
# committed seed corpus; fails on any crash, leak, timeout or sanitizer report.
# Usage: run_fuzz.sh [SECONDS]   (default $FUZZ_SECONDS, else 6: the CI run;
# `make fuzz` passes 60). Exit 77 (skip) when the fuzzers could not be built
# because clang's libFuzzer runtime is missing.
set -u

secs=${1:-${FUZZ_SECONDS:-6}}
build=${PFS_BUILDDIR:-.}
src=${PFS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
targets="wire config layout"

for t in $targets; do
	if [ ! -x "$build/tests/fuzz/fuzz_$t" ]; then
		echo "SKIP: $build/tests/fuzz/fuzz_$t was not built (needs clang with the" \
			"libFuzzer runtime, Debian package libclang-rt-14-dev)"
		exit 77
	fi
done

# New inputs found by a long run are kept in the build tree (a later run
# starts from them), never written into the committed corpus.
work="$build/tests/fuzz/work"
mkdir -p "$work"
status=0
for t in $targets; do
	mkdir -p "$work/corpus-$t" "$work/artifacts-$t"
	log="$work/fuzz_$t.log"
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
	timeout -k 10 $((secs + 60)) "$build/tests/fuzz/fuzz_$t" \
		-max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$work/artifacts-$t/" \
		"$work/corpus-$t" "$src/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	corpus=$(ls "$work/corpus-$t" | wc -l)
	if [ $rc -ne 0 ]; then
		echo "FAIL: fuzz_$t exited $rc after ${execs:-?} executions; log $log"
		grep -E 'ERROR|SUMMARY|fuzz_|Test unit written' "$log" | head -20
		status=1
	else
		echo "ok: fuzz_$t ${secs}s, ${execs:-?} executions, $corpus new corpus inputs"
	fi
done
exit $status
