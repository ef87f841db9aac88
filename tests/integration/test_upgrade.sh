#!/bin/bash
# test_upgrade.sh - the servers of this build open directories written by commit
# e930b77 (tests/fixtures/store-v0.tar.xz, before format records): every file reads
# back with its recorded sha256 (and the MPI-IO checkpoint through MPI-IO when Open
# MPI is there), new files write and read, a restart keeps both; and
# a directory whose format record names an unknown version is refused, naming both.

set -u
# shellcheck source-path=SCRIPTDIR source=../lib/cluster.sh
. "$(dirname "$0")/../lib/cluster.sh" || exit 1
pfs_bound PFS_TEST_UPGRADE_BOUNDED 400 "$@"

B=${PFS_BUILDDIR:?PFS_BUILDDIR must name the build tree}
S=${PFS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PFS=$B/tools/pfs
FIX=$S/tests/fixtures
T=60                    # bound on every single command

PASS=0
FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pfs-test-upgrade.XXXXXX") || exit 1
DIR=$WORK/cluster
export XDG_CONFIG_HOME=$WORK/xdg     # keep the user's own config out of it
export PFS_CONFIG=$DIR/client.conf

cleanup() {
	pfs_cluster_stop $T
	rm -rf "$WORK"
}
pfs_traps cleanup test_upgrade

ok() {
	PASS=$((PASS + 1))
	echo "ok   - $1"
}

fail() {
	FAIL=$((FAIL + 1))
	echo "FAIL - $1"
}

# start: pfs-cluster on $DIR (the fixture's mds/ and oss0..3/), a fresh port.
start() {
	local port
	port=$(pfs_free_port 5) || { fail "no free port"; return 1; }
	rm -f "$DIR/cluster.conf"
	if pfs_cluster_start "$DIR" "$WORK/start.out" "$WORK/start.out" --oss 4 --port "$port"; then
		ok "cluster starts on the store ($1)"
		return 0
	fi
	fail "cluster starts on the store ($1)"
	sed 's/^/       /' "$WORK/start.out" | head -n 20
	return 1
}

# check_all WHEN: every fixture file reads back with its recorded sha256.
check_all() {
	local sum path got bad=0
	while read -r sum path; do
		got=$(timeout $T "$PFS" cat "pfs:$path" | sha256sum | cut -d' ' -f1)
		if [[ $got != "$sum" ]]; then
			echo "       $path: sha256 $got, want $sum"
			bad=1
		fi
	done <"$FIX/store-v0.sha256"
	if (( bad == 0 )); then
		ok "every e930b77 file reads back intact ($1)"
	else
		fail "every e930b77 file reads back intact ($1)"
	fi
}

# check_new WHEN: the files this build wrote read back.
check_new() {
	local f bad=0
	for f in new.dat ec/new.dat lz4/new.dat; do
		if ! timeout $T "$PFS" cat "pfs:/$f" | cmp -s - "$WORK/new.dat"; then
			echo "       /$f differs"
			bad=1
		fi
	done
	if (( bad == 0 )); then
		ok "files written by this build read back ($1)"
	else
		fail "files written by this build read back ($1)"
	fi
}

# mpi_restart: reads the checkpoint e930b77 wrote through MPI-IO with this
# build's OMPIO components (on 3 ranks: another decomposition than the 2 that
# wrote it), verifying every value; skipped without Open MPI or the components.
mpi_restart() {
	local run=mpirun.openmpi log=$WORK/mpi.log
	if ! command -v $run >/dev/null 2>&1 || ! command -v ompi_info >/dev/null 2>&1 ||
	   ! pfs_ompio_built || [[ ! -x $B/examples/mpi-checkpoint ]]; then
		echo "skip - MPI-IO read of /ckpt (Open MPI or the OMPIO components not built)"
		return 0
	fi
	(
		pfs_ompio_env "$WORK/components"
		timeout 120 $run --allow-run-as-root --oversubscribe -np 3 \
			"$B/examples/mpi-checkpoint" --file pfs:/ckpt --size 32 --phase restart
	) >"$log" 2>&1 &
	if wait $! && grep -q "every value verified" "$log"; then
		ok "MPI-IO restart from the e930b77 checkpoint verifies every value"
	else
		fail "MPI-IO restart from the e930b77 checkpoint"
		sed 's/^/       /' "$log" | tail -n 10
	fi
}

# refused NAME LOG PATTERN CMD...: CMD exits non-zero and LOG names both versions.
refused() {
	local name=$1 log=$2 pattern=$3
	shift 3
	timeout $T "$@" >"$log" 2>&1 &
	if wait $!; then
		fail "$name: started on an unknown format"
	elif grep -q "$pattern" "$log"; then
		ok "$name refuses an unknown format, naming both versions"
	else
		fail "$name: no message naming both versions"
		sed 's/^/       /' "$log" | head -n 5
	fi
}

mkdir -p "$DIR"
tar -C "$DIR" -xJf "$FIX/store-v0.tar.xz" || { echo "FAIL - cannot unpack the fixture"; exit 1; }
seq 1 40000 | head -c 200000 >"$WORK/new.dat"

if start "first start, upgrade"; then
	check_all "after the upgrade"
	mpi_restart
	for d in mds oss0 oss1 oss2 oss3; do
		grep -qi "format record" "$DIR/$d.log" || fail "$d logs no format upgrade"
	done
	if [[ -s $DIR/oss0/format ]]; then ok "oss format record added"; else fail "oss0/format"; fi
	timeout $T "$PFS" cp -q "$WORK/new.dat" pfs:/new.dat &&
		timeout $T "$PFS" cp -q "$WORK/new.dat" pfs:/ec/new.dat &&
		timeout $T "$PFS" cp -q "$WORK/new.dat" pfs:/lz4/new.dat ||
		fail "writing new files"
	check_new "before the restart"
	pfs_cluster_stop $T
	if start "restart"; then
		check_all "after the restart"
		check_new "after the restart"
	fi
	pfs_cluster_stop $T
fi

# Unknown versions, in a copy of the upgraded store (every directory has its
# format record now). LMDB stores a value's bytes as they are: the MDS's
# record is found by its magic. The servers check the format before they
# listen: they must exit at once.
BAD=$WORK/bad
cp -a "$DIR" "$BAD"
PORT=$(pfs_free_port 2) || PORT=$((12000 + RANDOM % 20000))
perl -0777 -pi -e 's/PFSM\x01\x00\x00\x00/PFSM\x07\x00\x00\x00/g' "$BAD/mds/mds.lmdb"
refused pfs-mds "$WORK/mds.log" "store format 7 in $BAD/mds, this pfs-mds reads 1\.\.1" \
	"$B/servers/pfs-mds" --dir "$BAD/mds" --listen "127.0.0.1:$PORT"
printf 'PFSO\x09\x00\x00\x00' | dd of="$BAD/oss0/format" conv=notrunc status=none ||
	fail "patching oss0/format"
refused pfs-oss "$WORK/oss.log" "store format 9 in $BAD/oss0, this pfs-oss reads 1\.\.1" \
	"$B/servers/pfs-oss" --dir "$BAD/oss0" --target 0 --listen "127.0.0.1:$((PORT + 1))" \
	--mds "127.0.0.1:$PORT"

echo "$PASS passed, $FAIL failed"
(( FAIL == 0 ))
