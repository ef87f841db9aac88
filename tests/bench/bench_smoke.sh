#!/usr/bin/env bash
# bench_smoke.sh - make check's seconds-long run of the benchmark suite: it
# must start its cluster, run every phase and write valid JSON. Speed is
# never judged here.
set -euo pipefail
b="${PFS_BUILDDIR:?PFS_BUILDDIR not set}"
out="$b/bench-smoke.json"
rm -f "$out"
timeout 300 "$b/tests/bench/pfs_bench" --smoke --provider tcp --json "$out"
"$b/tests/bench/pfs_bench" --check-json "$out"
grep -q '"name": "stream-write"' "$out"
grep -q '"name": "fabric-tmpfs-write-1m"' "$out"
grep -q '"name": "randread-4k-qd1"' "$out"
grep -q '"name": "create"' "$out"
echo "bench smoke: ok ($out)"
