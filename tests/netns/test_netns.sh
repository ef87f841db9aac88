#!/usr/bin/env bash
# test_netns.sh - pfs across hosts: the MDS and two OSSes run in their own
# network namespaces, the client in a third, all joined through a router
# namespace by veth pairs; links are cut mid-transfer and restored while
# netns_client writes, and it checks the guarantees (see netns_client.c).
#
#   ns S1 (10.213.1.1): pfs-mds, pfs-oss 0 ─┐
#   ns S2 (10.213.2.1): pfs-oss 1 ──────────┼── ns R (router, forwards)
#   ns C  (10.213.3.1): netns_client ───────┘
#
# Addresses exist only inside these namespaces (routes cover 10.213.0.0/16
# only; nothing reaches the host's network). Phases:
#   warm        everything up
#   oss1-cut    S2's link down (ip link set down): writes to oss1 fail within
#               the RPC budget, files on oss0 keep working
#   oss1-back   link up again: oss1 writes succeed again
#   client-cut  the router drops every packet to the client (tc netem loss
#               100%; where the kernel has no netem, an iptables DROP rule,
#               or else blackhole routes both ways): every call fails
#               within the budget
#   client-back restored
#   lossy       20% loss to the client (+ 5 ms delay with netem; iptables
#               random drops without it; skipped with blackhole routes),
#               then clean again
#   final       no failure allowed; then every acknowledged block is verified
# Skips (exit 77) when not root, without iproute2, or when the kernel or a
# sandbox refuses namespaces or veth pairs. Every namespace (and with it
# every veth and process in it) is removed on exit, failure included.
set -uo pipefail

build=${PFS_BUILDDIR:-$(pwd)}
client=$build/tests/netns/netns_client
timeout_ms=2000

skip() { echo "SKIP: test_netns: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null 2>&1 || skip "ip not found (install iproute2)"
[ -x "$client" ] || { echo "FAIL: $client not built"; exit 1; }
[ -x "$build/servers/pfs-mds" ] || { echo "FAIL: servers not built in $build"; exit 1; }

tag=pfs$$
R=$tag-r S1=$tag-s1 S2=$tag-s2 C=$tag-c
nss=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfs-netns-XXXXXX")
status=1

cleanup() {
	local ns pid
	for ns in "${nss[@]}"; do
		# processes this test started inside its namespaces, by pid
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$pid" 2>/dev/null; done
	done
	sleep 0.5
	for ns in "${nss[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
	done
	for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null; done
	if [ "$status" -ne 0 ] && [ -n "${PFS_KEEP_TEST_DIR:-}" ]; then
		echo "test_netns: logs kept in $tmp"
	else
		if [ "$status" -ne 0 ]; then
			# the client's verdict last: CI shows the end of this log
			for f in mds oss0 oss1 client; do
				[ -f "$tmp/$f.log" ] && { echo "== $f.log"; tail -n 25 "$tmp/$f.log"; }
			done
		fi
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- the namespaces and links ----
ip netns add "$R" 2>"$tmp/err" || skip "ip netns add refused: $(cat "$tmp/err")"
nss+=("$R")
for ns in "$S1" "$S2" "$C"; do
	ip netns add "$ns" || { echo "FAIL: ip netns add $ns"; exit 1; }
	nss+=("$ns")
done
i=0
for ns in "$S1" "$S2" "$C"; do
	i=$((i + 1))
	# veth names: short (IFNAMSIZ), created directly inside the namespaces
	if ! ip link add "v$i" netns "$ns" type veth peer name "r$i" netns "$R" 2>"$tmp/err"; then
		skip "cannot create veth pairs: $(cat "$tmp/err")"
	fi
	in_ns "$ns" ip addr add "10.213.$i.1/24" dev "v$i"
	in_ns "$ns" ip link set lo up
	in_ns "$ns" ip link set "v$i" up
	in_ns "$ns" ip route add 10.213.0.0/16 via "10.213.$i.254" dev "v$i"
	in_ns "$R" ip addr add "10.213.$i.254/24" dev "r$i"
	in_ns "$R" ip link set "r$i" up
done
in_ns "$R" ip link set lo up
in_ns "$R" sysctl -qw net.ipv4.ip_forward=1 || { echo "FAIL: forwarding in $R"; exit 1; }
if command -v ping >/dev/null 2>&1; then
	in_ns "$C" ping -c 1 -W 2 10.213.1.1 >/dev/null 2>&1 ||
		{ echo "FAIL: no route from $C to $S1 through $R"; exit 1; }
fi

# How the router degrades the client's link: tc netem, else iptables, else
# blackhole routes (no loss emulation: the lossy phase is skipped).
cut=blackhole
if command -v tc >/dev/null 2>&1 && in_ns "$R" tc qdisc add dev r3 root netem loss 0% 2>/dev/null; then
	in_ns "$R" tc qdisc del dev r3 root
	cut=netem
elif command -v iptables >/dev/null 2>&1 &&
	in_ns "$R" iptables -A FORWARD -o r3 -m statistic --mode random --probability 0 -j DROP 2>/dev/null; then
	in_ns "$R" iptables -F FORWARD
	cut=iptables
fi
echo "test_netns: the client's link is degraded with $cut"

client_cut() {
	case $cut in
	netem) in_ns "$R" tc qdisc add dev r3 root netem loss 100% ;;
	iptables) in_ns "$R" iptables -A FORWARD -o r3 -j DROP ;;
	*)	# silent loss both ways, carrier kept: replies to the client
		# and requests from it vanish in the router
		in_ns "$R" ip route add blackhole 10.213.3.1/32
		in_ns "$R" ip rule add from 10.213.3.0/24 iif r3 blackhole ;;
	esac
}
client_lossy() {
	case $cut in
	netem) in_ns "$R" tc qdisc add dev r3 root netem loss 20% delay 5ms ;;
	iptables) in_ns "$R" iptables -A FORWARD -o r3 -m statistic --mode random \
		--probability 0.2 -j DROP ;;
	esac
}
client_clean() {
	case $cut in
	netem) in_ns "$R" tc qdisc del dev r3 root 2>/dev/null ;;
	iptables) in_ns "$R" iptables -F FORWARD ;;
	*)	in_ns "$R" ip rule del from 10.213.3.0/24 iif r3 blackhole 2>/dev/null
		in_ns "$R" ip route del blackhole 10.213.3.1/32 2>/dev/null ;;
	esac
	return 0
}

# ---- the servers ----
mds_addr=10.213.1.1:7700
mkdir -p "$tmp/mds" "$tmp/oss0" "$tmp/oss1"
in_ns "$S1" timeout 300 "$build/servers/pfs-mds" --dir "$tmp/mds" --listen "$mds_addr" \
	--provider tcp >"$tmp/mds.log" 2>&1 &
in_ns "$S1" timeout 300 "$build/servers/pfs-oss" --dir "$tmp/oss0" --target 0 \
	--listen 10.213.1.1:7701 --mds "$mds_addr" --provider tcp >"$tmp/oss0.log" 2>&1 &
in_ns "$S2" timeout 300 "$build/servers/pfs-oss" --dir "$tmp/oss1" --target 1 \
	--listen 10.213.2.1:7701 --mds "$mds_addr" --provider tcp >"$tmp/oss1.log" 2>&1 &
for i in $(seq 200); do
	[ -f "$tmp/mds/mds.pid" ] && [ -f "$tmp/oss0/oss.pid" ] && [ -f "$tmp/oss1/oss.pid" ] && break
	sleep 0.1
done
for f in mds/mds.pid oss0/oss.pid oss1/oss.pid; do
	[ -f "$tmp/$f" ] || { echo "FAIL: server $f not ready"; exit 1; }
done
cat >"$tmp/client.conf" <<EOF
provider = tcp
mds_host = 10.213.1.1
mds_port = 7700
bind_host = 10.213.3.1
timeout_ms = $timeout_ms
EOF
# both targets registered (heartbeats cross the router)
sleep 0.5
echo "test_netns: servers up in $S1 and $S2; client in $C"

phase() { echo "$1" >"$tmp/phase.tmp" && mv "$tmp/phase.tmp" "$tmp/phase"; echo "test_netns: phase $1"; }
phase warm
PFS_CONFIG=$tmp/client.conf NETNS_TIMEOUT_MS=$timeout_ms \
	in_ns "$C" timeout 240 "$client" "$tmp/phase" 120 >"$tmp/client.log" 2>&1 &
cpid=$!
for i in $(seq 100); do grep -q "connected" "$tmp/client.log" 2>/dev/null && break; sleep 0.1; done
sleep 2

phase oss1-cut
in_ns "$R" ip link set r2 down
sleep 5
in_ns "$R" ip link set r2 up
phase oss1-back
sleep 3

# Each phase is announced before the link changes: a call that starts
# after the announcement meets the change.
phase client-cut
client_cut
sleep 4
client_clean
phase client-back
sleep 3

phase lossy
client_lossy
sleep 4
client_clean
sleep 3
phase final
sleep 3
phase stop

wait "$cpid"
rc=$?
cat "$tmp/client.log"
for f in mds/mds.pid oss0/oss.pid oss1/oss.pid; do
	[ -f "$tmp/$f" ] || { echo "FAIL: a server died ($f gone)"; rc=1; }
done
if [ $rc -eq 0 ]; then
	status=0
	echo "PASS: test_netns"
else
	echo "FAIL: test_netns (client exit $rc)"
fi
exit $rc
