# shellcheck shell=bash
# Helpers of the tests that drive the network kind through nidod and the
# nido CLI (daemon-*.sh), after lib.sh: the script's own network
# namespace is the "host" where nidod runs; nidod's state is under the
# test's tmp; clients are veth ends in namespaces of their own. Whatever
# the daemon started (its dnsmasqs, which outlive it) is killed at exit.
NIDO=$build/src/cli/nido
NIDOD=$build/src/daemon/nidod
export NIDO_STATE_DIR=$tmp/state
export NIDO_RUNTIME_DIR=$tmp/run
export NIDO_DEFAULT_URI=nido:///session
export NIDO_DAEMON=$NIDOD
# dnsmasq runs unprivileged and must reach its files under $tmp
chmod 755 "$tmp"

if ! command -v dnsmasq >/dev/null || ! command -v busybox >/dev/null; then
	echo "1..0 # SKIP needs dnsmasq and busybox"
	exit 0
fi

daemon_pid() {
	head -n1 "$NIDO_STATE_DIR/nidod.pid" 2>/dev/null
}

# The pids of the dnsmasqs a daemon of this test started.
our_dnsmasqs() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		{ tr '\0' ' ' <"$f"; } 2>/dev/null | grep -q -- "--conf-file=$NIDO_RUNTIME_DIR/dnsmasq/" &&
			echo "$pid"
	done
}

# alive PID: a process that runs (a zombie whose parent is gone does not).
alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

daemon_cleanup() {
	local p
	p=$(daemon_pid)
	[ -n "$p" ] && kill -9 "$p" 2>/dev/null
	for p in $(our_dnsmasqs); do
		kill -9 "$p" 2>/dev/null
	done
}
trap 'daemon_cleanup; cleanup' EXIT

start_daemon() { # [nidod options]
	"$NIDOD" "${@:---session}" --log-level debug >>"$tmp/nidod.log" 2>&1 &
	wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"
}

stop_daemon() { # signal (default TERM)
	local p
	p=$(daemon_pid)
	kill -"${1:-TERM}" "$p" 2>/dev/null
	wait_for 30 sh -c "! kill -0 $p 2>/dev/null"
	rm -f "$NIDO_RUNTIME_DIR/nidod.sock"
}

# Stops the daemon with SIGTERM and checks its status (a leak under ASan
# is one).
finish_daemon() {
	local p rc
	p=$(daemon_pid)
	[ -n "$p" ] && jobs -p | grep -qx "$p" || return 0
	kill -TERM "$p"
	wait "$p"
	rc=$?
	[ "$rc" -eq 0 ] && ok "nidod exits with status 0 on SIGTERM" ||
		not_ok "nidod exits with status 0 on SIGTERM" "status $rc" \
			"$(tail -n 40 "$tmp/nidod.log")"
	! grep -q "runtime error:\|AddressSanitizer" "$tmp/nidod.log" &&
		ok "no sanitizer report in nidod's log" ||
		not_ok "no sanitizer report in nidod's log" \
			"$(grep -A20 "runtime error:\|AddressSanitizer" "$tmp/nidod.log")"
}

# t_exact DESC EXPECTED CMD...: CMD prints exactly EXPECTED.
t_exact() {
	local desc=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1)
	[ "$out" = "$want" ] && ok "$desc" ||
		not_ok "$desc" "expected: $want" "got: $out"
}

# plug NS-VAR IFNAME BRIDGE [MAC]: a namespace whose IFNAME is a veth
# plugged into BRIDGE (in this namespace), up.
plug() {
	local var=$1 ifn=$2 br=$3 mac=${4:-} plug_ns
	new_ns plug_ns
	ip link add "$ifn" type veth peer name "${ifn}in"
	ip link set "${ifn}in" netns "$plug_ns"
	ip link set "$ifn" master "$br" up
	in_ns "$plug_ns" ip link set "${ifn}in" name "$ifn"
	[ -n "$mac" ] && in_ns "$plug_ns" ip link set "$ifn" address "$mac"
	in_ns "$plug_ns" ip link set "$ifn" up
	printf -v "$var" '%s' "$plug_ns"
}

# dhcp NS IFNAME: busybox udhcpc's lease, set on IFNAME (with the default
# route and resolv.conf left alone); prints the address it got.
cat >"$tmp/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr flush dev "$interface"
ip addr add "$ip/${mask:-24}" dev "$interface"
[ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
echo "bound $ip"
SH
chmod 755 "$tmp/udhcpc.sh"
dhcp() {
	in_ns "$1" timeout 60 busybox udhcpc -i "$2" -n -q -t 10 -T 2 \
		-s "$tmp/udhcpc.sh" 2>/dev/null | sed -n 's/^bound //p'
}

# server NS PORT: answers each TCP connection with the peer's address.
server() {
	in_ns "$1" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()
' "$2" >/dev/null 2>&1 &
	extra_pids="${extra_pids:-} $!"
	wait_for 20 sh -c "[ -n \"\$(nsenter -t $1 -n busybox nc -w 1 127.0.0.1 $2 </dev/null)\" ]"
}

ask() { # NS HOST PORT: what the server at HOST:PORT says
	in_ns "$1" timeout 10 busybox nc -w 3 "$2" "$3" </dev/null 2>/dev/null
}

dns() { # NS SERVER NAME: the IPv4 answers
	in_ns "$1" busybox nslookup -type=a "$3" "$2" 2>&1 |
		sed -n '/^Name:/,$ s/^Address: *//p' | tr '\n' ' '
}
