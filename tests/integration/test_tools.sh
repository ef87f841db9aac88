#!/bin/bash
# test_tools.sh - integration test of the pfs command and the pfs-cluster launcher: starts
# a real cluster on loopback in a temporary directory, exercises every subcommand, restarts it.

set -u
# shellcheck source-path=SCRIPTDIR source=../lib/cluster.sh
. "$(dirname "$0")/../lib/cluster.sh" || exit 1
pfs_bound PFS_TEST_TOOLS_BOUNDED 300 "$@"

B=${PFS_BUILDDIR:?PFS_BUILDDIR must name the build tree}
PFS=$B/tools/pfs
CLUSTER=$B/servers/pfs-cluster
T=60                    # bound on every single command

PASS=0
FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pfs-test-tools.XXXXXX") || exit 1
DIR=$WORK/cluster
OUT=$WORK/out
ERR=$WORK/err
export XDG_CONFIG_HOME=$WORK/xdg     # keep the user's own config out of it
export PFS_CONFIG=$DIR/client.conf

cleanup() {
	pfs_cluster_stop $T
	rm -rf "$WORK"
}
pfs_traps cleanup test_tools

ok() {
	PASS=$((PASS + 1))
	echo "ok   - $1"
}

fail() {
	FAIL=$((FAIL + 1))
	echo "FAIL - $1"
	if [[ -s $ERR ]]; then
		sed 's/^/       stderr: /' "$ERR" | head -n 20
	fi
}

# run CMD...: runs with the bound, stdout to $OUT, stderr to $ERR; sets RC.
run() {
	# in the background, so a signal to the test is handled at once
	timeout $T "$@" >"$OUT" 2>"$ERR" &
	wait $!
	RC=$?
}

# expect RC DESC CMD...: the command exits with RC.
expect() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if (( RC == want )); then
		ok "$desc"
	else
		fail "$desc (exit $RC, wanted $want)"
	fi
}

# expect_out DESC REGEX CMD...: exit 0 and stdout matches the extended REGEX.
expect_out() {
	local desc=$1 re=$2
	shift 2
	run "$@"
	if (( RC == 0 )) && grep -Eq -- "$re" "$OUT"; then
		ok "$desc"
	else
		fail "$desc (exit $RC; stdout lacks /$re/)"
		sed 's/^/       stdout: /' "$OUT" | head -n 20
	fi
}

# expect_err DESC CMD...: exit 1 with a "pfs: <cmd>: <path>: <message>" line.
expect_err() {
	local desc=$1
	shift
	run "$@"
	if (( RC == 1 )) && grep -Eq '^pfs: [a-z]+: .+: .+' "$ERR"; then
		ok "$desc"
	else
		fail "$desc (exit $RC; wanted 1 and a 'pfs: cmd: path: error' message)"
	fi
}

# Waits (bounded) until df lists N targets up.
wait_targets_up() {
	local n=$1 deadline=$((SECONDS + 20)) up
	while (( SECONDS < deadline )); do
		up=$(timeout 10 "$PFS" df 2>/dev/null | grep -c '^OST[0-9]* .* up ')
		(( up >= n )) && return 0
		sleep 0.5
	done
	return 1
}

start_cluster() {
	pfs_cluster_start "$DIR" "$OUT" "$ERR" "$@"
	RC=$?
	if (( RC == 0 )); then
		ok "pfs-cluster start $*"
		return 0
	fi
	fail "pfs-cluster start $* (exit $RC)"
	sed 's/^/       stdout: /' "$OUT"
	return 1
}

# ---------------------------------------------------------------- launcher
test_launcher_usage() {
	expect 0 "pfs-cluster --help" "$CLUSTER" --help
	expect 2 "pfs-cluster without a command" "$CLUSTER"
	expect 2 "pfs-cluster bogus command" "$CLUSTER" bogus
	expect 2 "pfs-cluster start --oss abc" "$CLUSTER" start --oss abc --dir "$WORK/x"
	expect 2 "pfs-cluster start --port 99999" "$CLUSTER" start --port 99999 --dir "$WORK/x"
	expect 2 "pfs-cluster start --provider sockets" "$CLUSTER" start --provider sockets \
		--dir "$WORK/x"
	expect 2 "pfs-cluster stop --bogus" "$CLUSTER" stop --bogus
}

# ---------------------------------------------------------------- pfs usage
test_usage() {
	expect 0 "pfs --help" "$PFS" --help
	expect 0 "pfs cp --help" "$PFS" cp --help
	expect 0 "pfs setstripe --help" "$PFS" setstripe --help
	expect 2 "pfs without a command" "$PFS"
	expect 2 "pfs unknown command" "$PFS" frobnicate
	expect 2 "setstripe -c abc" "$PFS" setstripe -c abc pfs:/x
	expect 2 "setstripe -c 65 (too many)" "$PFS" setstripe -c 65 pfs:/x
	expect 2 "setstripe -S 5K (not 4K multiple)" "$PFS" setstripe -S 5K pfs:/x
	expect 2 "setstripe -S 1X (bad suffix)" "$PFS" setstripe -S 1X pfs:/x
	expect 2 "setstripe -i -5" "$PFS" setstripe -i -5 pfs:/x
	expect 2 "setstripe without a path" "$PFS" setstripe -c 2
	expect 2 "setstripe on a local path" "$PFS" setstripe -c 2 /tmp/x
	expect 2 "setstripe -c without a value" "$PFS" setstripe -c
	expect 2 "setstripe --ec 4 (no parity)" "$PFS" setstripe --ec 4 pfs:/x
	expect 2 "setstripe --ec 0+2" "$PFS" setstripe --ec 0+2 pfs:/x
	expect 2 "setstripe --ec 4+9 (too much parity)" "$PFS" setstripe --ec 4+9 pfs:/x
	expect 2 "setstripe --compress gzip" "$PFS" setstripe --compress gzip pfs:/x
	expect 2 "setstripe --compress zstd:20" "$PFS" setstripe --compress zstd:20 pfs:/x
	expect 2 "setstripe --compress lz4:3" "$PFS" setstripe --compress lz4:3 pfs:/x
	expect 2 "setstripe --chunk-size 5K" "$PFS" setstripe --chunk-size 5K pfs:/x
	expect 2 "health without a path" "$PFS" health
	expect 2 "health on a local path" "$PFS" health /tmp/x
	expect 2 "rebuild without --target" "$PFS" rebuild pfs:/x
	expect 2 "rebuild --target abc" "$PFS" rebuild --target abc pfs:/x
	expect 2 "rebuild --to 999" "$PFS" rebuild --target 1 --to 999 pfs:/x
	expect 2 "rebuild without a path" "$PFS" rebuild --target 1
	expect 2 "ls -z (bad option)" "$PFS" ls -z
	expect 2 "ls on pfs:relative" "$PFS" ls pfs:relative
	expect 2 "stat without a path" "$PFS" stat
	expect 2 "mkdir -m 99" "$PFS" mkdir -m 99 pfs:/x
	expect 2 "mv with one operand" "$PFS" mv pfs:/a
	expect 2 "mv with a local operand" "$PFS" mv pfs:/a /tmp/b
	expect 2 "cp local to local" "$PFS" cp /etc/hostname "$WORK/h"
	expect 2 "cp with three operands" "$PFS" cp a b c
	expect 2 "cp -c to a local destination" "$PFS" cp -c 2 pfs:/a "$WORK/h"
	expect 2 "cat of a local path" "$PFS" cat /etc/hostname
	expect 2 "df with an operand" "$PFS" df pfs:/
}

# ---------------------------------------------------------------- subcommands
test_df() {
	if wait_targets_up 4; then
		ok "df shows 4 targets up"
	else
		fail "df shows 4 targets up"
	fi
	expect_out "df summary line" '^summary .*4 of 4 targets up' "$PFS" df
	expect_out "df -h" '^OST0000 ' "$PFS" df -h
}

test_stripe() {
	expect 0 "mkdir pfs:/d" "$PFS" mkdir pfs:/d
	expect 0 "setstripe -c 4 -S 1M on a dir" "$PFS" setstripe -c 4 -S 1M pfs:/d
	expect_out "getstripe on the dir shows 4" 'stripe_count: +4$' "$PFS" getstripe pfs:/d
	expect 0 "setstripe -c 4 creates a file" "$PFS" setstripe -c 4 -S 64K pfs:/d/empty
	expect_out "getstripe shows stripe_count 4" 'stripe_count: +4$' "$PFS" getstripe pfs:/d/empty
	expect_out "getstripe shows stripe_size 64K" 'stripe_size: +65536 ' "$PFS" getstripe pfs:/d/empty
	expect_out "getstripe lists 4 stripe targets" '^ +3 +[0-9]+$' "$PFS" getstripe pfs:/d/empty
	expect_out "getstripe shows the fid" 'fid: +[0-9]+$' "$PFS" getstripe pfs:/d/empty
	expect_err "setstripe on an existing file fails" "$PFS" setstripe -c 2 pfs:/d/empty
	expect 0 "rm the empty file" "$PFS" rm pfs:/d/empty

	expect 0 "mkdir pfs:/ec" "$PFS" mkdir pfs:/ec
	expect 0 "setstripe --ec 2+1 on a dir" "$PFS" setstripe --ec 2+1 -S 64K pfs:/ec
	expect_out "getstripe on the dir shows ec 2+1" 'pattern: +ec 2\+1$' "$PFS" getstripe pfs:/ec
	expect 0 "setstripe -S 128K inside an EC dir" "$PFS" setstripe -S 128K pfs:/ec/f
	expect_out "the file inherits ec 2+1" 'pattern: +ec 2\+1$' "$PFS" getstripe pfs:/ec/f
	expect_out "an EC file has k+m stripes" 'stripe_count: +3$' "$PFS" getstripe pfs:/ec/f
	expect_err "EC 8+3 needs 11 targets" "$PFS" setstripe --ec 8+3 pfs:/ec/g
	expect_err "EC with -c other than k+m fails" "$PFS" setstripe --ec 2+1 -c 2 pfs:/ec/g
	expect_err "EC with compression is refused" "$PFS" setstripe --ec 2+1 --compress lz4 pfs:/ec/g
	head -c 300000 /dev/urandom >"$WORK/ecdata" || fail "make the EC test file"
	expect 0 "cp into an EC directory" "$PFS" cp "$WORK/ecdata" pfs:/ec/data
	run "$PFS" cat pfs:/ec/data
	if (( RC == 0 )) && cmp -s "$WORK/ecdata" "$OUT"; then ok "cat of an EC file"; else fail "cat of an EC file"; fi
	expect_out "health of an EC file" 'healthy \(0 of 3 stripes lost, 1 tolerated\)' \
		"$PFS" health pfs:/ec/data
	expect_out "rebuild skips files not on the target" '0 file\(s\) rebuilt, 0 failed' \
		"$PFS" rebuild --target 250 pfs:/ec
	expect_err "-c 4 in a 2+1 directory fails" "$PFS" setstripe -c 4 pfs:/ec/plain
	expect 0 "a RAID0 file in an EC directory" "$PFS" setstripe --ec none -c 4 pfs:/ec/plain
	expect_err "rebuild of a RAID0 file fails" "$PFS" rebuild --target "$(
		"$PFS" getstripe pfs:/ec/plain | awk '$1 == "0" { print $2 }')" pfs:/ec/plain
	expect 0 "rm the EC test files" "$PFS" rm pfs:/ec/data pfs:/ec/plain
	expect 0 "mkdir pfs:/z" "$PFS" mkdir pfs:/z
	expect 0 "setstripe --compress zstd:5 --chunk-size 128K on a dir" \
		"$PFS" setstripe --compress zstd:5 --chunk-size 128K pfs:/z
	expect 0 "a file in the compressed dir" "$PFS" setstripe pfs:/z/z
	expect_out "the file inherits zstd:5" 'compress: +zstd:5$' "$PFS" getstripe pfs:/z/z
	expect_out "and the chunk size" 'chunk_size: +131072 ' "$PFS" getstripe pfs:/z/z
	expect 0 "setstripe --compress none on a file" "$PFS" setstripe --compress none pfs:/z/raw
	expect_out "compress none overrides the dir" 'compress: +none$' "$PFS" getstripe pfs:/z/raw
	expect 0 "setstripe --compress lz4 -S 64K" "$PFS" setstripe --compress lz4 -S 64K pfs:/z/l
	expect_out "lz4 with the default chunk" 'chunk_size: +65536 ' "$PFS" getstripe pfs:/z/l
	expect_err "a chunk larger than the stripe fails" \
		"$PFS" setstripe --compress lz4 --chunk-size 1M -S 64K pfs:/z/bad
	expect 0 "rm the layout test files" "$PFS" rm pfs:/z/z pfs:/z/raw pfs:/z/l pfs:/ec/f
}

test_cp() {
	head -c $((20 << 20)) /dev/urandom >"$WORK/big" || fail "make the 20 MiB file"
	expect 0 "cp local -> pfs dir (20 MiB)" "$PFS" cp "$WORK/big" pfs:/d/
	expect_out "the copy inherits stripe_count 4" 'stripe_count: +4$' \
		"$PFS" getstripe pfs:/d/big
	expect 0 "cp pfs -> local" "$PFS" cp pfs:/d/big "$WORK/big.out"
	if cmp -s "$WORK/big" "$WORK/big.out"; then ok "cp out is identical"; else fail "cp out is identical"; fi
	expect 0 "cp -c 2 -S 64K local -> pfs" "$PFS" cp -c 2 -S 64K "$WORK/big" pfs:/big2
	expect_out "cp -c 2 sets the layout" 'stripe_count: +2$' "$PFS" getstripe pfs:/big2
	expect 0 "cp pfs -> pfs" "$PFS" cp pfs:/big2 pfs:/d/big3
	expect 0 "cp pfs -> local dir" "$PFS" cp pfs:/d/big3 "$WORK/"
	if cmp -s "$WORK/big" "$WORK/big3"; then ok "pfs -> pfs copy is identical"; else fail "pfs -> pfs copy is identical"; fi
	expect 0 "cp again over an existing file" "$PFS" cp "$WORK/big" pfs:/d/big3
	run "$PFS" cat pfs:/d/big
	if (( RC == 0 )) && cmp -s "$WORK/big" "$OUT"; then ok "cat of the 20 MiB file"; else fail "cat of the 20 MiB file"; fi
	printf 'hello pfs\n' >"$WORK/small"
	expect 0 "cp a small file in" "$PFS" cp "$WORK/small" pfs:/small
	expect_out "cat a small file" '^hello pfs$' "$PFS" cat pfs:/small
	expect 0 "cp an empty file in" "$PFS" cp /dev/null pfs:/emptyfile
	expect_out "stat of the empty file" 'Size: 0$' "$PFS" stat pfs:/emptyfile
	expect 0 "cp from stdin" bash -c "'$PFS' cp - pfs:/fromstdin <'$WORK/small'"
	expect_out "cat of the stdin copy" '^hello pfs$' "$PFS" cat pfs:/fromstdin
}

test_ls_stat() {
	expect_out "ls pfs:/d lists big" '^big$' "$PFS" ls pfs:/d
	expect_out "ls pfs:/ lists d" '^d$' "$PFS" ls
	expect_out "ls -l shows mode, size, name" '^-rw.* 20971520 .* big$' "$PFS" ls -l pfs:/d
	expect_out "ls -l shows a directory" '^drwx.* d$' "$PFS" ls -l pfs:/
	expect_out "stat size" 'Size: 20971520$' "$PFS" stat pfs:/d/big
	expect_out "stat of a dir" 'Type: directory$' "$PFS" stat pfs:/d
	expect_out "path normalisation" 'Size: 20971520$' "$PFS" stat pfs://d/./x/../big/
}

test_namespace() {
	expect 0 "mv a file" "$PFS" mv pfs:/d/big3 pfs:/d/moved
	expect_out "ls shows the new name" '^moved$' "$PFS" ls pfs:/d
	expect_err "the old name is gone" "$PFS" stat pfs:/d/big3
	expect 0 "mkdir pfs:/e" "$PFS" mkdir pfs:/e
	expect 0 "mv a file into a dir" "$PFS" mv pfs:/d/moved pfs:/e
	expect_out "it landed in the dir" 'Size: 20971520$' "$PFS" stat pfs:/e/moved
	expect 0 "rm a file" "$PFS" rm pfs:/e/moved
	expect_err "rm'd file is gone" "$PFS" stat pfs:/e/moved
	expect 0 "rmdir an empty dir" "$PFS" rmdir pfs:/e
	expect 0 "mkdir -p" "$PFS" mkdir -p pfs:/a/b/c
	expect 0 "mkdir -p on an existing dir" "$PFS" mkdir -p pfs:/a/b
	expect_err "mkdir of an existing dir fails" "$PFS" mkdir pfs:/a
	expect_err "rmdir of a non-empty dir fails" "$PFS" rmdir pfs:/a
	expect_err "rm of a dir without -r fails" "$PFS" rm pfs:/a
	expect 0 "cp a file into the tree" "$PFS" cp "$WORK/small" pfs:/a/b/f
	expect 0 "rm -r a tree" "$PFS" rm -r pfs:/a
	expect_err "the tree is gone" "$PFS" stat pfs:/a
	expect 0 "rm -f of a missing file" "$PFS" rm -f pfs:/nope
	run "$PFS" rm -rf pfs:/nope
	(( RC == 0 )) && [[ ! -s $ERR ]] && ok "rm -rf of a missing path is silent" ||
		fail "rm -rf of a missing path is silent"
}

test_missing() {
	expect_err "stat of a missing file" "$PFS" stat pfs:/nope
	expect_err "cat of a missing file" "$PFS" cat pfs:/nope
	expect_err "cp of a missing pfs file" "$PFS" cp pfs:/nope "$WORK/nope"
	expect_err "cp of a missing local file" "$PFS" cp "$WORK/nope" pfs:/nope
	expect_err "rm of a missing file" "$PFS" rm pfs:/nope
	expect_err "rmdir of a missing dir" "$PFS" rmdir pfs:/nope
	expect_err "getstripe of a missing file" "$PFS" getstripe pfs:/nope
	expect_err "ls of a missing dir" "$PFS" ls pfs:/nope
	expect_err "mv of a missing file" "$PFS" mv pfs:/nope pfs:/nope2
	expect_err "cp into a missing dir" "$PFS" cp "$WORK/small" pfs:/nodir/x
	expect 1 "connecting with a missing config fails" env PFS_CONFIG=$WORK/none.conf "$PFS" ls
}

test_restart() {
	expect 0 "pfs-cluster stop" "$CLUSTER" stop --dir "$DIR"
	expect 1 "status after stop says dead" "$CLUSTER" status --dir "$DIR"
	grep -q dead "$OUT" && ok "status lists dead servers" || fail "status lists dead servers"
	start_cluster || return
	expect_out "status after restart" 'pfs-oss 3 .* alive' "$CLUSTER" status --dir "$DIR"
	expect_out "restart keeps the ports" "pfs-mds .* 127\.0\.0\.1:$PORT " \
		"$CLUSTER" status --dir "$DIR"
	wait_targets_up 4 && ok "4 targets up after restart" || fail "4 targets up after restart"
	expect 0 "cp out after restart" "$PFS" cp pfs:/d/big "$WORK/big.after"
	if cmp -s "$WORK/big" "$WORK/big.after"; then ok "file identical after restart"; else fail "file identical after restart"; fi
	expect_out "layout kept after restart" 'stripe_count: +4$' "$PFS" getstripe pfs:/d/big
	expect 1 "start while running is refused" "$CLUSTER" start --dir "$DIR" --no-default-config
}

PORT=
main() {
	[[ -x $PFS && -x $CLUSTER ]] || { echo "test_tools: build $PFS and $CLUSTER first"; exit 1; }
	test_launcher_usage
	test_usage
	PORT=$(pfs_free_port 6) || { echo "test_tools: no free port"; exit 1; }
	if start_cluster --port "$PORT"; then
		[[ -f $PFS_CONFIG ]] && ok "client.conf written" || fail "client.conf written"
		[[ ! -e $XDG_CONFIG_HOME/pfs/client.conf ]] && ok "--no-default-config honoured" ||
			fail "--no-default-config honoured"
		expect_out "pfs-cluster status" 'pfs-mds .* alive' "$CLUSTER" status --dir "$DIR"
		test_df
		test_stripe
		test_cp
		test_ls_stat
		test_namespace
		test_missing
		test_restart
	fi
	echo "$PASS passed, $FAIL failed"
	(( FAIL == 0 && PASS > 0 ))
}

main
