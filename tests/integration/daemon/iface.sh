#!/usr/bin/env bash
# Guest interfaces through nidod (docs/xml.md, "Interfaces"): in network
# namespaces of this test's own, nidod makes a VM's tap, plugs it into a
# bridge the test made, and the guest (guests/net.c) exchanges frames
# with a veth in another namespace; the tap is gone after destroy, and
# after a SIGKILL of nidod, a restart and a destroy; a bandwidth limit
# holds (a lower bound on the time N bytes take); domiflist, domifstat,
# domif-setlink/getlink, domifaddr, attach- and detach-interface print as
# virsh does; hostile XML is refused, naming the part.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
	echo "1..0 # SKIP needs root, iproute2 and /dev/net/tun"
	exit 0
fi
GUEST_NET=$build/guests/guest-net
ns=nido-if-$$
peer=nido-ifp-$$
ip netns add "$ns" || { echo "1..0 # SKIP cannot create a network namespace"; exit 0; }
ip netns add "$peer"
extra_cleanup() { ip netns del "$ns" 2>/dev/null; ip netns del "$peer" 2>/dev/null; }
trap 'cleanup; extra_cleanup' EXIT

in_ns() { ip netns exec "$ns" "$@"; }
# The daemon runs in the host-side namespace: its VMs' taps are made there.
start_daemon() {
	ip netns exec "$ns" "$NIDOD" --session --log-level debug >>"$tmp/nidod.log" 2>&1 &
	wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"
}

# br0 in the host-side namespace; the peer's veth (10.0.2.1) on it.
in_ns ip link set lo up
in_ns ip link add br0 type bridge
in_ns ip link set br0 up
in_ns ip link add v0 type veth peer name v1
in_ns ip link set v0 master br0
in_ns ip link set v0 up
in_ns ip link set v1 netns "$peer"
ip -n "$peer" addr add 10.0.2.1/24 dev v1
ip -n "$peer" link set v1 up
ip -n "$peer" link set lo up

start_daemon
mac=52:54:00:12:34:56
domain_xml g "$GUEST_NET" "<interface type='bridge'><mac address='$mac'/><source bridge='br0'/><model type='virtio'/></interface>" >"$tmp/g.xml"
t "define a domain on bridge br0" "$NIDO" define "$tmp/g.xml"
t_exact() { # desc expected cmd...
	local desc=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1)
	if [ "$out" = "$want" ]; then ok "$desc"; else not_ok "$desc" "expected: $want" "got: $out"; fi
}
t_exact "domiflist of a shut-off domain: no tap yet" \
" Interface   Type     Source   Model    MAC
-----------------------------------------------------------
 -           bridge   br0      virtio   $mac" "$NIDO" domiflist g

# Paused first, so that the console is attached before the guest speaks.
t_out "start --paused" "Domain 'g' started" "$NIDO" start --paused g
tap=$(sed -n "s/.*<target dev='\(vnet[0-9]*\)'.*/\1/p" <(("$NIDO" dumpxml g)))
[ -n "$tap" ] && ok "the live XML names the tap nidod made ($tap)" ||
	not_ok "the live XML names the tap nidod made" "$("$NIDO" dumpxml g)"
t_out "it is a port of br0" "master br0" in_ns ip link show "$tap"
t_out "its MAC is the guest's with fe first, as libvirt's" "link/ether fe:54:00:12:34:56" \
	in_ns ip link show "$tap"
owner=$(cat "/proc/$(vm_pid g)/status" | awk '/^Uid:/ { print $2 }')
t_out "it belongs to the VM's identity (uid $owner)" "$owner" \
	in_ns cat "/sys/class/net/$tap/owner"
! "$NIDO" dumpxml --inactive g | grep -q "<target dev=" &&
	ok "the inactive XML has no tap name" || not_ok "the inactive XML has no tap name"
row() { "$NIDO" domiflist "$1" | awk -v m="$2" '$5 == m { print $1, $2, $3, $4, $5 }'; }
t_exact "domiflist shows the tap" "$tap bridge br0 virtio $mac" row g "$mac"
t "nido-vmm opened no tap: it got an fd (tap=fd:N in its configuration)" \
	grep -Eq '"tap": ?"fd:[0-9]+"' "$NIDO_RUNTIME_DIR/domains/g.log"

timeout 60 "$NIDO" console g >"$tmp/console.out" 2>&1 &
cpid=$!
wait_for 20 grep -q "console of domain 'g' opened" "$tmp/nidod.log"
"$NIDO" resume g >/dev/null
wait_for 60 state_starts g "shut off"
kill "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
out=$(tr -d '\r' <"$tmp/console.out")
[[ $out == *"ok"*"ARP: the host end answers with its MAC"* ]] &&
	ok "the guest's ARP reached the peer's veth and its answer came back" ||
	not_ok "the guest's ARP reached the peer's veth and its answer came back" "$out"
[[ $out == *"ok"*"ICMP echo: the host end answers the ping"* ]] &&
	ok "the peer answered the guest's ping" || not_ok "the peer answered the guest's ping" "$out"
t_out "the peer saw the guest's MAC" "lladdr $mac" ip -n "$peer" neigh show 10.0.2.15
t_out "the guest powered off" "shut off (shutdown)" "$NIDO" domstate --reason g
! in_ns ip link show "$tap" >/dev/null 2>&1 &&
	ok "its tap is gone once it stopped" || not_ok "its tap is gone once it stopped"

# An idle guest keeps running: destroy, then SIGKILL of nidod.
domain_xml idle "$GUEST_IDLE" "<interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/></interface>" >"$tmp/idle.xml"
"$NIDO" define "$tmp/idle.xml" >/dev/null
t_out "start an idle guest on br0" "Domain 'idle' started" "$NIDO" start idle
tap=$("$NIDO" domiflist idle | awk '/52:54:00:00:00:02/ { print $1 }')
t "its tap $tap exists" in_ns ip link show "$tap"
t_out "destroy" "Domain 'idle' destroyed" "$NIDO" destroy idle
! in_ns ip link show "$tap" >/dev/null 2>&1 &&
	ok "destroy removed the tap" || not_ok "destroy removed the tap" "$(in_ns ip link)"

"$NIDO" start idle >/dev/null
tap=$("$NIDO" domiflist idle | awk '/52:54:00:00:00:02/ { print $1 }')
stop_daemon KILL
t "after a SIGKILL of nidod, the running guest's tap stays" in_ns ip link show "$tap"
start_daemon
t_out "the restarted daemon re-attached; domiflist still names the tap" " $tap " \
	"$NIDO" domiflist idle
t "... and its tap stays" in_ns ip link show "$tap"
t_out "destroy after the restart" "Domain 'idle' destroyed" "$NIDO" destroy idle
! in_ns ip link show "$tap" >/dev/null 2>&1 &&
	ok "the re-attached daemon removed the tap at destroy" ||
	not_ok "the re-attached daemon removed the tap at destroy"

# A guest that dies while no daemon runs: its tap goes at the next start.
"$NIDO" start idle >/dev/null
tap=$("$NIDO" domiflist idle | awk '/52:54:00:00:00:02/ { print $1 }')
pid=$(vm_pid idle)
stop_daemon KILL
kill -9 "$pid"
wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
start_daemon
wait_for 10 state_starts idle "shut off"
! in_ns ip link show "$tap" >/dev/null 2>&1 &&
	ok "a guest gone while no daemon ran: its tap is removed at the restart" ||
	not_ok "a guest gone while no daemon ran: its tap is removed at the restart" "$(in_ns ip link)"

# Counters and link state of a running guest.
"$NIDO" start idle >/dev/null
tap=$("$NIDO" domiflist idle | awk '/52:54:00:00:00:02/ { print $1 }')
# Frames from the host to the guest leave through the tap. guest-idle
# posts no receive buffers, so they fill the tap's queue, and the rest
# are dropped: the tap's transmit drops, the guest's receive drops.
in_ns ip addr add 10.0.2.2/24 dev br0
send_udp() { # address count size
	in_ns python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    while True:
        try:
            s.sendto(b'x' * int(sys.argv[3]), (sys.argv[1], 9))
            break
        except (BlockingIOError, OSError):
            pass
" "$@"
}
in_ns ip neigh replace 10.0.2.66 lladdr 52:54:00:00:00:02 dev br0 nud permanent
send_udp 10.0.2.66 3000 64
# the host may still drop a late frame while the counters are read: the
# guest's rx_drop is the tap's tx_dropped between a read before and after
before=$(in_ns cat "/sys/class/net/$tap/statistics/tx_dropped")
out=$("$NIDO" domifstat idle "$tap")
drops=$(in_ns cat "/sys/class/net/$tap/statistics/tx_dropped")
rx_drop=$(awk -v t="$tap" '$1 == t && $2 == "rx_drop" { print $3 }' <<<"$out")
if [[ $out == "$tap rx_bytes "* ]] && [ "$(grep -c "^$tap " <<<"$out")" = 8 ] &&
	[ "$drops" -ge 1 ] && [ -n "$rx_drop" ] &&
	[ "$rx_drop" -ge "$before" ] && [ "$rx_drop" -le "$drops" ]; then
	ok "domifstat: eight counters as virsh prints them, from the guest's side ($drops frames the guest did not take: rx_drop)"
else
	not_ok "domifstat: eight counters as virsh prints them" "$out" "tap tx_dropped: $drops"
fi
t_out "domifstat by MAC" "52:54:00:00:00:02 tx_drop" "$NIDO" domifstat idle 52:54:00:00:00:02
t_err "domifstat of an interface it does not have" "has no interface 'eth7'" \
	"$NIDO" domifstat idle eth7
t_exact "domif-getlink: up by default" "$tap up" "$NIDO" -q domif-getlink idle "$tap"
t_out "domif-setlink down" "Device updated successfully" "$NIDO" domif-setlink idle "$tap" down
t_exact "domif-getlink: down" "$tap down" "$NIDO" -q domif-getlink idle "$tap"
t_out "the live XML says so" "<link state='down'/>" "$NIDO" dumpxml idle
vmm_cmd() { # domain json
	python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + '\n').encode())
print(s.makefile().readline().strip())" "$NIDO_RUNTIME_DIR/domains/$1.sock" "$2"
}
t_out "nido-vmm's device has its link down (its status bit)" '"state":"down"' \
	vmm_cmd idle '{"command":"set-link","mac":"52:54:00:00:00:02","state":"down"}'
t_out "domif-setlink up" "Device updated successfully" "$NIDO" domif-setlink idle 52:54:00:00:00:02 up
t_exact "domif-getlink: up again" "$tap up" "$NIDO" -q domif-getlink idle "$tap"
t_err "domif-setlink sideways" "invalid link state 'sideways'" \
	"$NIDO" domif-setlink idle "$tap" sideways
in_ns ping -c 1 -W 1 -I br0 10.0.2.99 >/dev/null 2>&1
t_out "domifaddr --source arp: the neighbour table by MAC" \
	"$(printf ' %-10s %-17s    %-12s %s' "$tap" 52:54:00:00:00:02 ipv4 '')" \
	sh -c "ip netns exec $ns ip neigh replace 10.0.2.77 lladdr 52:54:00:00:00:02 dev br0 nud reachable && '$NIDO' domifaddr idle --source arp"
t_out "domifaddr --source lease: its network's leases" "Protocol" \
	"$NIDO" domifaddr idle
t_err "domifaddr --source agent: no guest agent channel" \
	"domain 'idle' has no guest agent channel" \
	"$NIDO" domifaddr idle --source agent
t_err "domifaddr --source of another kind" "unsupported address source 'dhcp' (lease, arp, agent)" \
	"$NIDO" domifaddr idle --source dhcp

# attach- and detach-interface: the persistent definition only.
t_err "attach-interface on a running domain: no live hot-plug" \
	"live hot-plug is not supported yet" \
	"$NIDO" attach-interface idle bridge br0 --mac 52:54:00:00:00:03
t_out "attach-interface --config on a running domain" "Interface attached successfully" \
	"$NIDO" attach-interface idle bridge br0 --mac 52:54:00:00:00:03 --model virtio --config
t_out "... is in the next start's definition" "52:54:00:00:00:03" \
	"$NIDO" dumpxml --inactive idle
"$NIDO" destroy idle >/dev/null
t_out "attach-interface on a stopped domain" "Interface attached successfully" \
	"$NIDO" attach-interface idle network default --mac 52:54:00:00:00:04
t_exact "domiflist after attaching" "- network default virtio 52:54:00:00:00:04" \
	row idle 52:54:00:00:00:04
t_err "a network that does not exist fails the start, naming it" "network 'default' not found" \
	"$NIDO" start idle
t_err "detach-interface bridge: two match, --mac needed" "has 2 interfaces of type 'bridge'" \
	"$NIDO" detach-interface idle bridge
t_out "detach-interface network" "Interface detached successfully" \
	"$NIDO" detach-interface idle network --mac 52:54:00:00:00:04
t_out "detach-interface bridge --mac" "Interface detached successfully" \
	"$NIDO" detach-interface idle bridge --mac 52:54:00:00:00:03 --config
t_err "detach-interface of a MAC it does not have" \
	"no interface of type 'bridge' with MAC 52:54:00:00:00:09 found" \
	"$NIDO" detach-interface idle bridge --mac 52:54:00:00:00:09
t_err "attach-interface with a multicast MAC" "is a multicast address" \
	"$NIDO" attach-interface idle bridge br0 --mac 01:00:5e:00:00:01
t_err "attach-interface with a quote in the source" "has an invalid character" \
	"$NIDO" attach-interface idle bridge "br0'/><x a='"
t_err "attach-interface with a reserved target" "names starting with 'vnet' are reserved" \
	"$NIDO" attach-interface idle bridge br0 --target vnet9

# Hostile definitions and start-time refusals.
bad() { # desc expected devices-xml
	domain_xml bad "$GUEST_IDLE" "$3" >"$tmp/bad.xml"
	t_err "$1" "$2" "$NIDO" define "$tmp/bad.xml"
}
bad "a bad MAC" "'52:54:00:xx:00:01' is not a MAC address" \
	"<interface type='bridge'><mac address='52:54:00:xx:00:01'/><source bridge='br0'/></interface>"
bad "a multicast MAC" "'33:33:00:00:00:01' is a multicast address" \
	"<interface type='bridge'><mac address='33:33:00:00:00:01'/><source bridge='br0'/></interface>"
bad "a bridge name with a space" "interface name 'br 0' has an invalid character" \
	"<interface type='bridge'><source bridge='br 0'/></interface>"
bad "a bridge name with a slash" "interface name '../x' has an invalid character" \
	"<interface type='bridge'><source bridge='../x'/></interface>"
bad "a target dev with a newline" "has an invalid character" \
	"<interface type='ethernet'><target dev='t&#10;x'/></interface>"
domain_xml nobr "$GUEST_IDLE" "<interface type='bridge'><source bridge='nosuchbr'/></interface>" >"$tmp/nobr.xml"
"$NIDO" define "$tmp/nobr.xml" >/dev/null
t_err "a bridge that does not exist fails the start, naming it" "bridge 'nosuchbr' does not exist" \
	"$NIDO" start nobr
domain_xml notbr "$GUEST_IDLE" "<interface type='bridge'><source bridge='lo'/></interface>" >"$tmp/notbr.xml"
"$NIDO" define "$tmp/notbr.xml" >/dev/null
t_err "a link that is not a bridge is refused, naming it" "'lo' is not a bridge" \
	"$NIDO" start notbr
[ "$(in_ns ip -o link show type tun | wc -l)" = 0 ] &&
	ok "the failed starts left no tap behind" || not_ok "the failed starts left no tap behind" "$(in_ns ip link)"

# Bandwidth: 200 KiB through a 100 kB/s inbound limit take >= 1.5 s.
domain_xml bw "$GUEST_IDLE" "<interface type='bridge'><mac address='52:54:00:00:00:05'/><source bridge='br0'/><bandwidth><inbound average='100' burst='16'/><outbound average='100' burst='16'/></bandwidth></interface>" >"$tmp/bw.xml"
"$NIDO" define "$tmp/bw.xml" >/dev/null
t_out "start a guest with <bandwidth>" "Domain 'bw' started" "$NIDO" start bw
kill -0 "$(daemon_pid)" 2>/dev/null && ok "nidod runs on" ||
	not_ok "nidod runs on" "$(tail -n 80 "$tmp/nidod.log")"
tap=$("$NIDO" domiflist bw | awk '/52:54:00:00:00:05/ { print $1 }')
t_out "inbound: an htb qdisc on the tap's egress" "qdisc htb 1: root" in_ns tc qdisc show dev "$tap"
t_out "outbound: an ingress qdisc redirecting to an ifb" "ingress" in_ns tc qdisc show dev "$tap"
ifindex=$(in_ns cat "/sys/class/net/$tap/ifindex")
t_out "... whose egress is shaped" "qdisc htb 1: root" in_ns tc qdisc show dev "nifb$ifindex"
# Frames the host sends to the guest leave through the tap's egress,
# where htb lets them out at the rate: its "Sent" bytes are what passed.
sent_bytes() {
	in_ns tc -s qdisc show dev "$tap" | awk '/^qdisc htb/ { getline; print $2; exit }'
}
in_ns ip neigh replace 10.0.2.88 lladdr 52:54:00:00:00:05 dev br0 nud permanent
before=$(sent_bytes)
start_ns=$(date +%s%N)
send_udp 10.0.2.88 200 1000
target=$((before + 200 * 1000))
wait_for 60 sh -c "[ \$(ip netns exec $ns tc -s qdisc show dev $tap | awk '/^qdisc htb/ { getline; print \$2; exit }') -ge $target ]"
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
sent=$(($(sent_bytes) - before))
# 100 kB/s with a 16 KiB burst: at least (sent - burst) / rate seconds.
min_ms=$(((sent - 16384) / 100))
[ "$sent" -ge 200000 ] && [ "$elapsed_ms" -ge "$min_ms" ] &&
	ok "$sent bytes through the limited tap took $elapsed_ms ms (at least $min_ms)" ||
	not_ok "$sent bytes through the limited tap took $elapsed_ms ms (at least $min_ms)"
"$NIDO" destroy bw >/dev/null
! in_ns ip link show "nifb$ifindex" >/dev/null 2>&1 &&
	ok "destroy removed the ifb too" || not_ok "destroy removed the ifb too"

# The qemu driver gets the same taps: -netdev tap,fd=N and a -device.
if command -v qemu-system-x86_64 >/dev/null; then
	truncate -s 1M "$tmp/empty.img"
	cat >"$tmp/q.xml" <<XML
<domain type='qemu'>
  <name>q</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/empty.img'/><target dev='hda' bus='ide'/></disk>
    <interface type='bridge'><mac address='52:54:00:00:00:07'/><source bridge='br0'/><model type='e1000'/></interface>
  </devices>
</domain>
XML
	"$NIDO" define "$tmp/q.xml" >/dev/null
	t_out "qemu: start a domain with an interface on br0" "Domain 'q' started" "$NIDO" start q
	tap=$("$NIDO" domiflist q | awk '/52:54:00:00:00:07/ { print $1 }')
	t_out "qemu: its tap $tap is a port of br0" "master br0" in_ns ip link show "$tap"
	qpid=$(grep -o '"pid":[0-9]*' "$NIDO_RUNTIME_DIR/domains/q.json" | cut -d: -f2)
	t_out "qemu: QEMU got the open tap (-netdev tap,id=hostnet0,fd=N)" "tap,id=hostnet0,fd=" \
		sh -c "tr '\\0' ' ' </proc/$qpid/cmdline"
	t_out "qemu: ... and an e1000 with the MAC" '"driver":"e1000","netdev":"hostnet0","id":"net0","mac":"52:54:00:00:00:07"' \
		sh -c "tr '\\0' ' ' </proc/$qpid/cmdline"
	# The empty disk does not boot: SeaBIOS goes on to the card's iPXE,
	# whose DHCP requests QEMU writes to the tap.
	if wait_for 240 sh -c "[ \$(ip netns exec $ns cat /sys/class/net/$tap/statistics/rx_packets) -gt 0 ]"; then
		ok "qemu: the guest's frames (iPXE's) come out of the tap"
	else
		not_ok "qemu: the guest's frames (iPXE's) come out of the tap"
	fi
	t_out "qemu: domif-setlink down (QMP's set_link on the card)" "Device updated successfully" \
		"$NIDO" domif-setlink q 52:54:00:00:00:07 down
	t_exact "qemu: domif-getlink: down" "$tap down" "$NIDO" -q domif-getlink q "$tap"
	t_out "qemu: the live XML says so" "<link state='down'/>" "$NIDO" dumpxml q
	t_out "qemu: domif-setlink up" "Device updated successfully" \
		"$NIDO" domif-setlink q "$tap" up
	t_exact "qemu: domif-getlink: up" "$tap up" "$NIDO" -q domif-getlink q "$tap"
	t_out "qemu: destroy" "Domain 'q' destroyed" "$NIDO" destroy q
	! in_ns ip link show "$tap" >/dev/null 2>&1 &&
		ok "qemu: destroy removed the tap" || not_ok "qemu: destroy removed the tap"
else
	skip "the qemu driver's interfaces" "qemu-system-x86_64 is not installed"
fi

done_testing
