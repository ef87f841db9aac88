#!/bin/bash
# bench_mpiio.sh - runs bench_mpiio under Debian's Open MPI with the pfs OMPIO
# components against the cluster in $PFS_CONFIG (pfs_bench's); prints its
# "row GiB/s" lines. Usage: bench_mpiio.sh NPROCS BYTES_PER_RANK. Exit 77
# when Open MPI or the components are missing.
set -u
B=${PFS_BUILDDIR:?PFS_BUILDDIR not set}
NP=${1:?NPROCS}
BYTES=${2:?BYTES_PER_RANK}
command -v mpirun.openmpi >/dev/null 2>&1 && command -v ompi_info >/dev/null 2>&1 || exit 77
[[ -x $B/tests/bench/bench_mpiio ]] || exit 77
for c in fs fbtl fcoll; do
	[[ -f $B/mpiio/ompio/.libs/mca_${c}_pfs.so ]] || exit 77
done
# The loader skips symlinks and stops at the first missing directory: copy
# the components and keep Open MPI's own existing directories first.
comp=$(mktemp -d "${TMPDIR:-/tmp}/pfs-bench-ompi.XXXXXX")
trap 'rm -rf "$comp"' EXIT
cp "$B"/mpiio/ompio/.libs/mca_{fs,fbtl,fcoll}_pfs.so "$comp/"
def=$(ompi_info --parsable --param mca base --level 9 |
	sed -n 's/^mca:mca:base:param:mca_base_component_path:value:"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p')
path=""
IFS=: read -r -a dirs <<<"$def"
for d in "${dirs[@]}"; do
	[[ -d $d ]] && path=${path:+$path:}$d
done
export OMPI_MCA_mca_base_component_path=$path:$comp
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_btl_base_warn_component_unused=0
timeout 600 mpirun.openmpi --allow-run-as-root --oversubscribe -np "$NP" \
	"$B/tests/bench/bench_mpiio" "$BYTES"
