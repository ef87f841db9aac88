#!/bin/bash
# bench_mpiio.sh - runs bench_mpiio under Debian's Open MPI with the pfs OMPIO
# components against the cluster in $PFS_CONFIG (pfs_bench's); prints its
# "row GiB/s" lines. Usage: bench_mpiio.sh NPROCS BYTES_PER_RANK. Exit 77
# when Open MPI or the components are missing.
set -u
# shellcheck source-path=SCRIPTDIR source=../lib/cluster.sh
. "$(dirname "$0")/../lib/cluster.sh" || exit 1
B=${PFS_BUILDDIR:?PFS_BUILDDIR not set}
NP=${1:?NPROCS}
BYTES=${2:?BYTES_PER_RANK}
command -v mpirun.openmpi >/dev/null 2>&1 && command -v ompi_info >/dev/null 2>&1 || exit 77
[[ -x $B/tests/bench/bench_mpiio ]] || exit 77
pfs_ompio_built || exit 77
# Open MPI loads the pfs components from copies in a temporary directory.
comp=$(mktemp -d "${TMPDIR:-/tmp}/pfs-bench-ompi.XXXXXX")
trap 'rm -rf "$comp"' EXIT
pfs_ompio_env "$comp"
timeout 600 mpirun.openmpi --allow-run-as-root --oversubscribe -np "$NP" \
	"$B/tests/bench/bench_mpiio" "$BYTES"
