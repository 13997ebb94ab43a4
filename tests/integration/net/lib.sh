# shellcheck shell=bash
# Helpers of the src/net integration tests: a private network namespace
# (the script re-executes itself under `unshare --net`), TAP output, and
# namespaces for clients (a process holding each one) killed at exit.
if [ -z "${NIDO_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		echo "1..0 # SKIP needs root and unshare for a network namespace"
		exit 0
	fi
	export NIDO_IN_NETNS=1
	exec unshare --net -- bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
set -u

build=${NIDO_BUILD_DIR:?NIDO_BUILD_DIR is not set (run through meson test)}
NT=$build/tests/integration/net/net-tool
tmp=$(mktemp -d /tmp/nido-ntest.XXXXXX)
ns_pids=()
tap_n=0
tap_failed=0

cleanup() {
	local p
	for p in "${ns_pids[@]}" ${extra_pids:-}; do
		kill -9 "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() { # description, details...
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/# /'
}

# t DESC CMD...: passes when CMD succeeds.
t() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# t_out DESC EXPECTED CMD...: CMD succeeds and prints EXPECTED.
t_out() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1) && [[ $out == *"$want"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "expected: $want" "got: $out"
	fi
}

# t_err DESC EXPECTED CMD...: CMD fails and says EXPECTED.
t_err() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		not_ok "$desc" "succeeded but should have failed" "$out"
	elif [[ $out == *"$want"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "expected: $want" "got: $out"
	fi
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# new_ns VAR: a network namespace held by a sleeping process; VAR gets
# its pid (for net-tool netns and in_ns).
new_ns() {
	local pid
	unshare --net sleep 3600 &
	pid=$!
	ns_pids+=("$pid")
	wait_for 10 test "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)"
	nsenter -t "$pid" -n ip link set lo up
	printf -v "$1" '%s' "$pid"
}

in_ns() { # PID CMD...
	local pid=$1
	shift
	nsenter -t "$pid" -n "$@"
}

# jq-like checks on JSON with python3: json_check 'PYTHON EXPR' < JSON,
# where the document is `d`; succeeds when the expression is true.
json_check() {
	python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if ('"$1"') else 1)'
}

# dhcp6 NS IFACE DUID|-: the IPv6 address dhclient -6 gets on IFACE in
# namespace NS (it needs a link-local address first), with DUID (octal
# escapes, or - for dhclient's own); no script: only the lease is read.
dhcp6() {
	local lf=$tmp/$2.lease
	wait_for 30 bash -c "nsenter -t $1 -n ip -6 addr show dev $2 | grep -q 'fe80::.*scope link' && ! nsenter -t $1 -n ip -6 addr show dev $2 | grep -q tentative" || return 1
	[ "$3" != - ] && printf 'default-duid "%s";\n' "$3" >"$lf"
	in_ns "$1" timeout 60 dhclient -6 -1 -v -sf /bin/true -lf "$lf" \
		-pf "$tmp/$2.pid" "$2" >"$tmp/$2.log" 2>&1
	sed -n 's/.*iaaddr \([0-9a-f:]*\) .*/\1/p' "$lf" | tail -n 1
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit
}
