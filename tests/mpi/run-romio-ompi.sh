#!/bin/bash
# run-romio-ompi.sh - ROMIO's own test programs (plain MPI programs, from the MPICH
# source tree `make mpich` unpacks) compiled with Debian's mpicc.openmpi and run under
# mpirun.openmpi with the OMPIO pfs components, on pfs: files of a live cluster.
# Skips (77) without Open MPI, the built components or the ROMIO test sources.
#
# The program list and adjustments follow tests/romio/test_romio.sh (the same
# programs under the MPICH route); what differs under OMPIO is decided per program
# in the comments at ROMIO_TESTS below.

set -u
# shellcheck source-path=SCRIPTDIR source=../lib/cluster.sh
. "$(dirname "$0")/../lib/cluster.sh" || exit 1
# Bound the whole test; the EXIT trap still stops the cluster when time runs out.
pfs_bound PFS_ROMIO_OMPI_BOUNDED 600 "$@"

B=${PFS_BUILDDIR:?PFS_BUILDDIR not set}
RUN=${OMPI_RUN:-mpirun.openmpi}
MPICC=${OMPI_CC:-mpicc.openmpi}
ROMIO_TEST=${PFS_ROMIO_TEST_DIR:-$B/mpich/mpich-4.0.2/src/mpi/romio/test}
TMO=${PFS_MPI_TIMEOUT:-60}     # bound on every MPI run
PFS=$B/tools/pfs

if ! command -v "$RUN" >/dev/null 2>&1 || ! command -v "$MPICC" >/dev/null 2>&1 ||
	! command -v ompi_info >/dev/null 2>&1; then
	pfs_skip "Open MPI (mpirun.openmpi, mpicc.openmpi, ompi_info) not installed"
fi
pfs_ompio_built || pfs_skip "OMPIO components not built (configure found no Open MPI)"
if [[ ! -f $ROMIO_TEST/simple.c || ! -f $ROMIO_TEST/misc.c ]]; then
	pfs_skip "ROMIO test sources not found in $ROMIO_TEST (run 'make mpich'," \
		"or set PFS_ROMIO_TEST_DIR)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pfs-romio-ompi.XXXXXX") || exit 1
DIR=$WORK/cluster
BIN=$WORK/bin
OUT=$WORK/out
mkdir -p "$BIN"
export XDG_CONFIG_HOME=$WORK/xdg
passed=0
failed=0

cleanup() {
	pfs_cluster_stop 30
	if [[ ${PFS_KEEP_TEST_DIR:-0} == 1 ]] && (( failed > 0 )); then
		echo "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
pfs_traps cleanup run-romio-ompi

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
	[[ -s $OUT ]] && sed 's/^/       | /' "$OUT" | tail -n 25
}

# A base port with the MDS and 4 OSS ports free.
PORT=$(pfs_free_port 5) || { echo "FAIL: no free port"; exit 1; }
if ! pfs_cluster_start "$DIR" "$OUT" "$OUT" --port "$PORT"; then
	cat "$OUT"
	echo "FAIL: cluster did not start"
	exit 1
fi
export PFS_CONFIG=$DIR/client.conf
timeout 30 "$PFS" mkdir pfs:/romio >/dev/null 2>&1

# Open MPI loads the pfs components from copies in $WORK/components.
pfs_ompio_env "$WORK/components"
# The io framework picks ompio for every file; say so, so a missing component
# can never fall back to ROMIO (whose "pfs:" prefix is the old Paragon driver's).
export OMPI_MCA_io=ompio
echo "# cluster on 127.0.0.1:$PORT, ROMIO tests from $ROMIO_TEST"

# ---- the programs ----
# name  ranks  how the file name is given
ROMIO_TESTS=(
	"simple 4 -fname"        "async 4 -fname"         "async-multiple 4 -fname"
	"coll_test 4 -fname"     "excl 4 -fname"          "file_info 4 -fname"
	"i_noncontig 2 -fname"   "noncontig 2 -fname"     "noncontig_coll 2 -fname"
	"noncontig_coll2 4 -fname" "aggregation1 4 -fname" "aggregation2 4 pos"
	"hindexed 4 -fname"      "large_file 1 -fname"    "misc 4 -fname"
	"psimple 4 -fname"       "split_coll 4 -fname"    "status 1 -fname"
	"types_with_zeros 2 -fname" "error 1 -fname"      "darray_read 4 pos"
	"creat_excl 4 -fname"    "external32 2 -fname"    "perf 4 -fname"
	"coll_test 3 -fname"     "noncontig_coll2 3 -fname" "split_coll 3 -fname"
	"shared_fp 4 -fname"     "ordered_fp 4 -fname"
)
# Decided for OMPIO, program by program (the rest run unchanged, as under MPICH):
#   large_file     scaled as under MPICH (4 GiB -> 4 x 1 MiB per rank).
#   misc           its atomic-mode section: the pfs fs component refuses
#                  MPI_File_set_atomicity(fh, 1) with MPI_ERR_UNSUPPORTED_OPERATION
#                  (pfs has no locks and its writes are not atomic across stripes;
#                  the same answer as ad_pfs under MPICH): the same edit as
#                  test_romio.sh, expecting that refusal.
#   file_info      run with -v. OMPIO reports the keys the program passed plus
#                  what pfs has in effect; the checks on cb_buffer_size, cb_nodes,
#                  ind_*_buffer_size, striping_unit, cb_config_list pass. Expected,
#                  as under MPICH: "striping_factor is N; should be 0" (the program
#                  asks for 0, ROMIO's "default"; pfs reports the file's real stripe
#                  count) and "unexpected key" notes (not counted as errors). Any
#                  other line fails. There is no romio_ds_read line: OMPIO does not
#                  report ROMIO's data-sieving keys at all.
#   noncontig, noncontig_coll, noncontig_coll2, i_noncontig
#                  use MPI_LB/MPI_UB (removed in MPI-3.0): compiled with
#                  mpi1compat.h, which restores them from libmpi's own symbols.
#   shared_fp, ordered_fp
#                  shared file pointers (not run under MPICH, where ad_pfs refuses
#                  them) are OMPIO's sharedfp framework: lockedfile makes its lock
#                  file beside the data file with raw POSIX, which fails for pfs:
#                  names ("No shared file pointer component found"); individual
#                  implements neither seek_shared nor read_shared (both programs
#                  read back); sm keeps the pointer in shared memory of one node,
#                  as here, and is what Open MPI picks by itself: run with
#                  OMPI_MCA_sharedfp=sm to say so. Multi-node runs have no working
#                  sharedfp component for pfs: files.
#   error, external32
#                  fail under Open MPI 4.1.4 whatever the file system: OMPIO does
#                  not check MPI_File_set_view's displacement (error expects -1 to
#                  be refused) and has no external32 data representation
#                  (MPI_ERR_UNSUPPORTED_DATAREP). Run on a pfs: file AND on a local
#                  file: pass when both give the same exit status and the same
#                  error lines, i.e. pfs adds no difference of its own.
# Not run, and why:
#   atomicity      needs atomic mode, which pfs refuses (see misc).
#   big_extents, large_array   need 6+ GiB of memory on one node.
#   coll_perf      a 2176 x 1152 x 1408 int array (14 GiB).
#   syshints       tests ROMIO's system hint file (ROMIO_HINTS), which OMPIO
#                  does not read.
#   The Fortran programs (fcoll_test, fmisc, fperf, pfcoll_test): no Fortran.
# Ranks: noncontig, noncontig_coll, i_noncontig, types_with_zeros run at 2 ranks
# only and large_file at 1 (by the programs' own checks).
OMPIO_SAME=(error external32)

build_romio_test() {   # name -> $BIN/name
	local t=$1 src=$ROMIO_TEST/$1.c
	[[ -x $BIN/$t ]] && return 0
	case $t in
	large_file)   # 4 GiB in 128 x 32 MiB: scaled to 4 x 1 MiB per rank
		sed -e 's/^#define SIZE .*/#define SIZE 131072/' \
		    -e 's/^#define NTIMES .*/#define NTIMES 4/' "$src" > "$BIN/$t.c";;
	misc)         # atomic mode: refused by pfs; expect the refusal instead
		awk '
		/errcode = MPI_File_set_atomicity\(fh, 1\);/ {
			print "    errcode = MPI_File_set_atomicity(fh, 1); /* pfs: refused */"
			print "    {"
			print "        int cls;"
			print "        MPI_Error_class(errcode, &cls);"
			print "        if (cls != MPI_ERR_UNSUPPORTED_OPERATION) {"
			print "            errs++;"
			print "            fprintf(stderr, \"set_atomicity(1) not refused on pfs\\n\");"
			print "        }"
			print "    }"
			skip = 1; next
		}
		skip == 1 && /errcode = MPI_File_set_atomicity\(fh, 0\);/ { skip = 2; next }
		skip == 2 && /^    }/ { skip = 0; next }
		skip { next }
		{ print }' "$src" > "$BIN/$t.c"
		;;
	*) cp "$src" "$BIN/$t.c";;
	esac
	"$MPICC" -O1 -w -include "$BIN/mpi1compat.h" -o "$BIN/$t" "$BIN/$t.c" -lm >"$OUT" 2>&1
}

# MPI_LB and MPI_UB (removed in MPI-3.0; noncontig*, i_noncontig use them):
# Debian's Open MPI (no --enable-mpi1-compatibility) replaces them with a
# static assertion, but its libmpi still exports the datatypes.
cat >"$BIN/mpi1compat.h" <<'EOF_H'
#include <mpi.h>
#undef MPI_LB
#undef MPI_UB
OMPI_DECLSPEC extern struct ompi_predefined_datatype_t ompi_mpi_lb, ompi_mpi_ub;
#define MPI_LB OMPI_PREDEFINED_GLOBAL(MPI_Datatype, ompi_mpi_lb)
#define MPI_UB OMPI_PREDEFINED_GLOBAL(MPI_Datatype, ompi_mpi_ub)
EOF_H

# mpirun NP PROG ARGS...: one run under timeout; sets RC.
mpirun() {
	local np=$1
	shift
	timeout -k 10 "$TMO" "$RUN" --oversubscribe -np "$np" "$@" >"$OUT" 2>&1 &
	wait $!
	RC=$?
}

# The file_info -v lines expected on pfs (see above).
FILE_INFO_EXPECTED='^(striping_factor is [0-9]+; should be 0|unexpected key .*\(not counted as an error\)| No Errors|Found 1 errors\.)$|^$'

# The error lines of a run, rank-independent, for comparing two runs. Open
# MPI's "MPI_ABORT was invoked" banner is left out: whether it reaches the
# output before the job is torn down is a matter of timing, not of the file.
error_lines() {
	grep -Eo 'Found [0-9]+ errors|did not return an error|MPI_ERR_[A-Z_0-9]+' \
		"$OUT" | sort -u | paste -sd ';' -
}

for entry in "${ROMIO_TESTS[@]}"; do
	read -r t np how <<<"$entry"
	# PFS_ROMIO_ONLY="name ...": run only those (for debugging)
	[[ -n ${PFS_ROMIO_ONLY:-} && " $PFS_ROMIO_ONLY " != *" $t "* ]] && continue
	if [[ " ${OMPIO_SAME[*]} " == *" $t "* ]]; then
		continue        # below
	fi
	if ! build_romio_test "$t"; then
		fail "romio/$t: compile"
		continue
	fi
	f=pfs:/romio/$t.np$np
	case $t in
	file_info)
		mpirun "$np" "$BIN/$t" -v -fname "$f"
		if (( RC == 0 || RC == 1 )) && ! grep -v -E "$FILE_INFO_EXPECTED" "$OUT" | grep -q .; then
			pass "romio/$t ($np ranks; only differences from ROMIO-only keys)"
		else
			fail "romio/$t ($np ranks, rc $RC)"
		fi
		continue;;
	shared_fp|ordered_fp)
		OMPI_MCA_sharedfp=sm mpirun "$np" "$BIN/$t" -fname "$f";;
	*)
		if [[ $how == pos ]]; then
			mpirun "$np" "$BIN/$t" "$f"
		else
			mpirun "$np" "$BIN/$t" -fname "$f"
		fi;;
	esac
	# ROMIO's tests print "No Errors" (some print "found N errors")
	if (( RC == 0 )) && grep -Eq "No Errors|Data read back is correct" "$OUT" &&
		! grep -qi "found [1-9]" "$OUT"; then
		pass "romio/$t ($np ranks)"
	elif (( RC == 0 )) && [[ $t == perf || $t == external32 ]] &&
		! grep -qi "error\|fail" "$OUT"; then
		pass "romio/$t ($np ranks; no 'No Errors' line in this test)"
	else
		fail "romio/$t ($np ranks, rc $RC)"
	fi
done

# Open MPI's own failures: the same on pfs: as on a local file.
mkdir -p "$WORK/local"
for t in "${OMPIO_SAME[@]}"; do
	[[ -n ${PFS_ROMIO_ONLY:-} && " $PFS_ROMIO_ONLY " != *" $t "* ]] && continue
	np=$([[ $t == external32 ]] && echo 2 || echo 1)
	if ! build_romio_test "$t"; then
		fail "romio/$t: compile"
		continue
	fi
	mpirun "$np" "$BIN/$t" -fname "$WORK/local/$t"
	lrc=$RC
	lerr=$(error_lines)
	mpirun "$np" "$BIN/$t" -fname "pfs:/romio/$t.np$np"
	perr=$(error_lines)
	if (( RC == lrc )) && [[ $perr == "$lerr" ]]; then
		pass "romio/$t ($np ranks; as on a local file under OMPIO: rc $RC${perr:+; $perr})"
	else
		fail "romio/$t ($np ranks): rc $RC [$perr] on pfs:, rc $lrc [$lerr] on a local file"
	fi
done

echo "$passed passed, $failed failed"
(( failed == 0 ))
