#!/bin/bash
# run-mpi-tests.sh - runs the MPI-IO tests on pfs: files under Debian's Open MPI
# with the OMPIO pfs components: a live cluster on 127.0.0.1, every program at
# 1, 3 and 4 ranks (nonblocking I/O, collective open and its errors, atomic mode
# refused both ways included),
# pfs getstripe on the hinted file, the checkpoint/restart examples (MPI-IO and
# HDF5), HDF5 and PnetCDF when their Open MPI builds are installed. Exit 77
# (skip) without Open MPI.

set -u
# shellcheck source-path=SCRIPTDIR source=../lib/cluster.sh
. "$(dirname "$0")/../lib/cluster.sh" || exit 1
B=${PFS_BUILDDIR:?PFS_BUILDDIR not set}
S=${PFS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUN=${OMPI_RUN:-mpirun.openmpi}
MPICC=${OMPI_CC:-mpicc.openmpi}
NPS=${PFS_MPI_NPS:-1 3 4}
TMO=${PFS_MPI_TIMEOUT:-60}

if ! command -v "$RUN" >/dev/null 2>&1 || ! command -v ompi_info >/dev/null 2>&1; then
	pfs_skip "Open MPI (mpirun.openmpi, ompi_info) not installed"
fi
pfs_ompio_built || pfs_skip "OMPIO components not built (configure found no Open MPI)"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/pfs-mpi.XXXXXX")
cleanup() {
	pfs_cluster_stop 30
	if [[ ${PFS_KEEP_TEST_DIR:-0} == 1 && $failed -gt 0 ]]; then
		echo "kept $DIR"
	else
		rm -rf "$DIR"
	fi
}
passed=0
failed=0
pfs_traps cleanup

# A base port with the MDS and 4 OSS ports free.
PORT=$(pfs_free_port 5) || { echo "FAIL: no free port"; exit 1; }
if ! pfs_cluster_start "$DIR" "$DIR/cluster.out" "$DIR/cluster.out" --port "$PORT"; then
	cat "$DIR/cluster.out"
	echo "FAIL: cluster did not start"
	failed=1
	exit 1
fi
export PFS_CONFIG=$DIR/client.conf

# Open MPI loads the pfs components from copies in $DIR/components.
pfs_ompio_env "$DIR/components"

PFS=$B/tools/pfs

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# run NAME NP PROG ARGS...: one MPI program under timeout.
run() {
	local name=$1 np=$2 log
	shift 2
	log=$DIR/$name.np$np.log
	if timeout "$TMO" "$RUN" --allow-run-as-root --oversubscribe -np "$np" "$@" \
		>"$log" 2>&1; then
		pass "$name -np $np"
	else
		fail "$name -np $np (exit $?)"
		tail -n 20 "$log"
	fi
}

for np in $NPS; do
	"$PFS" mkdir "pfs:/np$np" >/dev/null 2>&1
	for t in mpi_views mpi_misc mpi_hints mpi_async mpi_open mpi_atomic; do
		run "$t" "$np" "$B/tests/mpi/$t" "pfs:/np$np"
	done
	# atomic mode: refused at set_atomicity by the fs component; with that
	# hook off (as stock io/ompio would allow it), refused by the fbtl at I/O.
	# Either way once, on stderr, with the reason.
	OMPI_MCA_fs_pfs_atomicity_hook=0 run mpi_atomic-fbtl "$np" "$B/tests/mpi/mpi_atomic" \
		"pfs:/np$np" fbtl
	for l in mpi_atomic mpi_atomic-fbtl; do
		n=$(grep -c 'refused .*not atomic across stripes' "$DIR/$l.np$np.log" 2>/dev/null)
		if [[ $l == mpi_atomic && $n == 1 ]] || [[ $l == mpi_atomic-fbtl && $n -ge 1 && $n -le $np ]]; then
			pass "$l -np $np: the refusal said once (per process) on stderr"
		else
			fail "$l -np $np: $n refusal messages on stderr"
		fi
	done
	# what the nonblocking test saw (reported, not asserted)
	grep -h '^overlap:' "$DIR/mpi_async.np$np.log" 2>/dev/null
	# vulcan's aggregators writing through the fbtl's nonblocking path
	if [[ $np -gt 1 ]]; then
		OMPI_MCA_fcoll_vulcan_async_io=1 run mpi_views-vulcan-async "$np" \
			"$B/tests/mpi/mpi_views" "pfs:/np$np"
	fi
	out=$("$PFS" getstripe "pfs:/np$np/hints.dat" 2>&1)
	if grep -Eq 'stripe_count:[[:space:]]+3' <<<"$out" &&
		grep -Eq 'stripe_size:[[:space:]]+131072' <<<"$out"; then
		pass "pfs getstripe shows the hinted layout (np $np)"
	else
		fail "pfs getstripe after hints (np $np)"
		echo "$out"
	fi
	half=$(( np > 1 ? np - 1 : 1 ))
	if [[ -x $B/examples/mpi-checkpoint ]]; then
		run mpi-checkpoint "$np" "$B/examples/mpi-checkpoint" --file "pfs:/np$np/ckpt" \
			--size 48 --restart-ranks "$half"
	fi
	# the HDF5 variant (built as a stub without parallel HDF5, as the make
	# rule asks pkg-config the same question)
	if [[ -x $B/examples/hdf5-checkpoint ]] && pkg-config --exists hdf5-openmpi 2>/dev/null; then
		run hdf5-checkpoint "$np" "$B/examples/hdf5-checkpoint" \
			--file "pfs:/np$np/ckpt.h5" --size 40 --chunk 16 --restart-ranks "$half" \
			--striping-unit 65536
		grep -h '^hdf5 ' "$DIR/hdf5-checkpoint.np$np.log" 2>/dev/null
	else
		echo "SKIP: hdf5-checkpoint -np $np (no parallel HDF5 for Open MPI)"
	fi
done

# HDF5 and PnetCDF (Debian's Open MPI builds), unmodified, on pfs: files.
build_extra() {
	local src=$1 out=$2 pc=$3
	pkg-config --exists "$pc" 2>/dev/null || return 1
	# shellcheck disable=SC2046
	# with the harness its assertions use
	"$MPICC" -O1 -o "$out" "$src" "$S/tests/lib/pfs_test.c" \
		$(pkg-config --cflags --libs "$pc") >"$out.build.log" 2>&1
}
if build_extra "$S/tests/mpi/hdf5_pfs.c" "$DIR/hdf5_pfs" hdf5-openmpi; then
	for np in $NPS; do run hdf5 "$np" "$DIR/hdf5_pfs" "pfs:/np$np/h5.h5"; done
else
	echo "SKIP: HDF5 (libhdf5-openmpi-dev) not installed"
fi
if build_extra "$S/tests/mpi/pnetcdf_pfs.c" "$DIR/pnetcdf_pfs" pnetcdf; then
	for np in $NPS; do run pnetcdf "$np" "$DIR/pnetcdf_pfs" "pfs:/np$np/nc.nc"; done
else
	echo "SKIP: PnetCDF (libpnetcdf-dev) not installed"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
