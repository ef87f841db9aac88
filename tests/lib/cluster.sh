# cluster.sh - what the shell tests share, sourced by them: the time bound, skips, a free base
# port, a pfs-cluster started and stopped under timeout, the Open MPI OMPIO component setup.
# shellcheck shell=bash
#
# Sourced (never run) by bash scripts under tests/, which find it beside themselves:
#   . "$(dirname "$0")/../lib/cluster.sh" || exit 1
# The functions need PFS_BUILDDIR (the build tree) where they use built files.

# pfs_bound VAR SECONDS ARGS...: bounds the whole calling script: unless VAR is set
# (this is the bounded run already), sets it and re-executes the script as
# `timeout -k 30 SECONDS bash SCRIPT ARGS...`. The script's EXIT trap still runs when
# time runs out (timeout sends TERM first). Call it before starting anything.
pfs_bound() {
	local var=$1 secs=$2
	shift 2
	[[ -n ${!var:-} ]] && return 0
	export "$var=1"
	exec timeout -k 30 "$secs" bash "$0" "$@"
}

# pfs_skip MESSAGE...: prints "SKIP: MESSAGE" and exits 77 (automake's skip).
pfs_skip() {
	echo "SKIP: $*"
	exit 77
}

# pfs_traps CLEANUP [NAME]: runs the function CLEANUP on exit; with NAME, INT and
# TERM also print "NAME: interrupted" on stderr and exit 1 (through CLEANUP).
# Without NAME those signals keep bash's default (exit 128+N, CLEANUP still runs).
pfs_traps() {
	# shellcheck disable=SC2064   # expanded now on purpose: the names are fixed
	trap "$1" EXIT
	if [[ -n ${2:-} ]]; then
		# shellcheck disable=SC2064
		trap "echo '$2: interrupted' >&2; exit 1" INT TERM
	fi
}

# pfs_port_busy PORT: true when something listens on 127.0.0.1:PORT. The same
# probe as pfs-cluster's own check before it starts servers (no iproute2 needed).
pfs_port_busy() {
	timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# pfs_free_port [N]: prints a base port BASE with BASE..BASE+N-1 all free (N
# defaults to 5: the MDS and pfs-cluster's 4 OSSes), or returns 1 after 50 tries.
# The range is the C tests' (tests/integration/cluster.c), 12000-31999 plus N:
# below Linux's ephemeral range (32768-60999), so no client's outgoing connection
# can take the port of a server that is down for a restart.
pfs_free_port() {
	local n=${1:-5} base p i busy
	for ((i = 0; i < 50; i++)); do
		base=$((12000 + RANDOM % 20000))
		busy=0
		for ((p = base; p < base + n; p++)); do
			if pfs_port_busy "$p"; then
				busy=1
				break
			fi
		done
		(( busy == 0 )) && { echo "$base"; return 0; }
	done
	return 1
}

# pfs_cluster_start DIR OUT ERR [ARGS...]: `pfs-cluster start --dir DIR
# --no-default-config ARGS...` from $PFS_BUILDDIR, bounded to 60 s, stdout to OUT,
# stderr to ERR (the same file when ERR is OUT); returns its exit status. DIR is
# remembered for pfs_cluster_stop even when the start fails (servers it had
# started are stopped too). Runs in the background and waits, so a trapped
# INT/TERM is handled at once (pfs_cluster_stop then ends the start first).
PFS_CLUSTER_STARTED_DIR=
PFS_CLUSTER_START_PID=
pfs_cluster_start() {
	local dir=$1 out=$2 err=$3 rc
	local cluster=${PFS_BUILDDIR:?PFS_BUILDDIR not set}/servers/pfs-cluster
	shift 3
	PFS_CLUSTER_STARTED_DIR=$dir
	if [[ $err == "$out" ]]; then
		timeout 60 "$cluster" start --dir "$dir" --no-default-config "$@" >"$out" 2>&1 &
	else
		timeout 60 "$cluster" start --dir "$dir" --no-default-config "$@" >"$out" 2>"$err" &
	fi
	PFS_CLUSTER_START_PID=$!
	wait "$PFS_CLUSTER_START_PID"
	rc=$?
	PFS_CLUSTER_START_PID=
	return "$rc"
}

# pfs_cluster_stop [SECONDS]: stops the cluster of the last pfs_cluster_start (if
# any), bounded to SECONDS (default 60), quietly; for the scripts' EXIT traps. A
# start still running (the script was interrupted) is ended first, by its pid.
pfs_cluster_stop() {
	local secs=${1:-60}
	[[ -n $PFS_CLUSTER_STARTED_DIR ]] || return 0
	if [[ -n $PFS_CLUSTER_START_PID ]]; then
		kill -TERM "$PFS_CLUSTER_START_PID" 2>/dev/null
		wait "$PFS_CLUSTER_START_PID" 2>/dev/null
		PFS_CLUSTER_START_PID=
	fi
	timeout "$secs" "$PFS_BUILDDIR/servers/pfs-cluster" stop --dir "$PFS_CLUSTER_STARTED_DIR" \
		>/dev/null 2>&1
}

# pfs_ompio_built: true when the three OMPIO pfs components (fs, fbtl, fcoll) are
# built in $PFS_BUILDDIR.
pfs_ompio_built() {
	local c
	for c in fs fbtl fcoll; do
		[[ -f ${PFS_BUILDDIR:?PFS_BUILDDIR not set}/mpiio/ompio/.libs/mca_${c}_pfs.so ]] ||
			return 1
	done
}

# pfs_ompio_env DIR: makes Open MPI (mpirun.openmpi) load the pfs components:
# copies them into DIR (created; the component loader skips .so symlinks) and
# exports OMPI_MCA_mca_base_component_path as Open MPI's own directories that
# exist (the loader stops at the first missing one), then DIR. Also allows runs
# as root and keeps MPI's own traffic on shared memory/loopback, quietly.
pfs_ompio_env() {
	local comp=$1 def path="" d
	local -a dirs
	mkdir -p "$comp"
	cp "$PFS_BUILDDIR"/mpiio/ompio/.libs/mca_{fs,fbtl,fcoll}_pfs.so "$comp/"
	def=$(ompi_info --parsable --param mca base --level 9 |
		sed -n 's/^mca:mca:base:param:mca_base_component_path:value:"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p')
	IFS=: read -r -a dirs <<<"$def"
	for d in "${dirs[@]}"; do
		[[ -d $d ]] && path=${path:+$path:}$d
	done
	export OMPI_MCA_mca_base_component_path=$path:$comp
	export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
	export OMPI_MCA_btl=self,vader OMPI_MCA_btl_base_warn_component_unused=0
}
