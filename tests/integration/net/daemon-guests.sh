#!/usr/bin/env bash
# Guests and the system daemon's default network, through nidod and the
# nido CLI: a kvm guest (guests/net.c) on `<interface type='network'>`
# with a portgroup exchanges frames with a client of the network; the
# portgroup's <bandwidth> holds (a lower bound on the time N bytes take);
# domifaddr shows a lease with the network's prefix; a network that does
# not run fails the start, naming it. nidod --system defines `default`
# (192.168.122.0/24, or the next free /24) on its first start only, and
# autostarts it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"
export NIDO_VMM=$build/src/vmm/nido-vmm
export NIDO_START_TIMEOUT_MS=30000
GUEST_NET=$build/guests/guest-net
GUEST_IDLE=$build/tests/integration/daemon/guest-idle

# ---- the default network of the system daemon ----
state_run() { # DIR: the system daemon's directories under $tmp/DIR
	mkdir -p -m 755 "$tmp/$1"
	export NIDO_STATE_DIR=$tmp/$1/state NIDO_RUNTIME_DIR=$tmp/$1/run
	export NIDO_DEFAULT_URI=nido:///system
}
state_run sys1
# 192.168.122.0/24 is a route here: default takes the next free /24.
ip link add taken0 type veth peer name taken1
ip addr add 192.168.122.1/24 dev taken0
ip link set taken0 up
t "nidod --system starts (state and runtime under the test's tmp)" start_daemon --system
t_exact "it defined default and started it" " Name      State    Autostart   Persistent
--------------------------------------------
 default   active   yes         yes" "$NIDO" net-list --all
t_out "on the next free /24, since 192.168.122.0/24 is taken" \
	"<ip address='192.168.123.1' netmask='255.255.255.0'>" "$NIDO" net-dumpxml default
t_out "its bridge virbr0 has the address" "inet 192.168.123.1/24" ip addr show virbr0
t_exact "net-undefine default (it keeps running, transient)" "Network 'default' has been undefined" \
	"$NIDO" net-undefine default
t_exact "net-destroy default" "Network 'default' destroyed" "$NIDO" net-destroy default
stop_daemon
start_daemon --system
t_exact "after a restart, default is not defined again" "" "$NIDO" net-list --all --name
stop_daemon
ip link del taken0
state_run sys2
start_daemon --system
t_out "a first start where 192.168.122.0/24 is free takes it" \
	"<ip address='192.168.122.1' netmask='255.255.255.0'>" "$NIDO" net-dumpxml default
t_out "... on virbr0, autostarted" "Autostart:      yes" "$NIDO" net-info default
"$NIDO" net-destroy default >/dev/null
finish_daemon
export NIDO_DEFAULT_URI=nido:///session

# ---- a kvm guest on a network ----
if ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ] || ! [ -x "$NIDO_VMM" ] || [ ! -c /dev/net/tun ]; then
	echo "ok $((tap_n + 1)) - a kvm guest on a network # SKIP /dev/kvm, nido-vmm or /dev/net/tun not usable"
	tap_n=$((tap_n + 1))
	done_testing
fi
state_run guests
start_daemon
# guests/net.c is 10.0.2.15 and talks to 10.0.2.1: a client of the network.
cat >"$tmp/gnet.xml" <<'XML'
<network>
  <name>gnet</name>
  <forward mode='nat'/>
  <bridge name='ngnet0' stp='off' delay='0'/>
  <portgroup name='slow'>
    <bandwidth>
      <inbound average='100' burst='16'/>
      <outbound average='100' burst='16'/>
    </bandwidth>
  </portgroup>
  <ip address='10.0.2.254' prefix='24'>
    <dhcp><range start='10.0.2.100' end='10.0.2.110'/></dhcp>
  </ip>
</network>
XML
"$NIDO" net-define "$tmp/gnet.xml" >/dev/null
domain_xml() { # NAME KERNEL DEVICES
	cat <<XML
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><kernel>$2</kernel></os>
  <devices>
    <serial type='pty'/>
    $3
  </devices>
</domain>
XML
}
mac=52:54:00:12:34:56
domain_xml g "$GUEST_NET" "<interface type='network'><mac address='$mac'/><source network='gnet' portgroup='slow'/><model type='virtio'/></interface>" >"$tmp/g.xml"
t "define a guest on network gnet, portgroup slow" "$NIDO" define "$tmp/g.xml"
t_err "a network that is not running fails the start, naming it" "network 'gnet' is not active" \
	"$NIDO" start g
t_out "net-start gnet" "Network 'gnet' started" "$NIDO" net-start gnet
plug peer p0 ngnet0
in_ns "$peer" ip addr add 10.0.2.1/24 dev p0
t_out "start the guest, paused" "Domain 'g' started" "$NIDO" start --paused g
tap=$("$NIDO" domiflist g | awk -v m="$mac" '$5 == m { print $1 }')
t_out "its tap $tap is a port of the network's bridge" "master ngnet0" ip link show "$tap"
t_exact "domiflist says network gnet" "$tap network gnet virtio" sh -c \
	"'$NIDO' domiflist g | awk '\$5 == \"$mac\" { print \$1, \$2, \$3, \$4 }'"
# stdin kept open (a FIFO this script holds): at its end, nido console
# leaves once the guest has been quiet for 500 ms, which a paused one is
mkfifo "$tmp/console.in"
exec 7<>"$tmp/console.in"
timeout 150 "$NIDO" console g <&7 >"$tmp/console.out" 2>&1 &
cpid=$!
t "the console is attached" wait_for 30 grep -q "console of domain 'g' opened" "$tmp/nidod.log"
t_out "resume" "Domain 'g' resumed" "$NIDO" resume g
t "the guest ran to its end" wait_for 120 sh -c "'$NIDO' domstate g | grep -q 'shut off'"
kill "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
exec 7>&-
out=$(tr -d '\r' <"$tmp/console.out"
	echo "--- domstate: $("$NIDO" domstate --reason g 2>&1)"
	echo "--- its log:"
	tail -n 20 "$NIDO_RUNTIME_DIR/domains/g.log" 2>&1)
[[ $out == *"ok"*"ARP: the host end answers with its MAC"* ]] &&
	ok "the guest's ARP reached the network's client and its answer came back" ||
	not_ok "the guest's ARP reached the network's client and its answer came back" "$out"
[[ $out == *"ok"*"ICMP echo: the host end answers the ping"* ]] &&
	ok "the client answered the guest's ping" || not_ok "the client answered the guest's ping" "$out"
t_out "the client saw the guest's MAC" "lladdr $mac" in_ns "$peer" ip neigh show 10.0.2.15

# A lease for the guest's MAC (taken by a veth with its MAC before the
# guest runs: guests/idle.c does no DHCP), then domifaddr.
imac=52:54:00:00:02:02
plug lc l0 ngnet0 "$imac"
laddr=$(dhcp "$lc" l0)
ip link del l0
domain_xml idle "$GUEST_IDLE" "<interface type='network'><mac address='$imac'/><source network='gnet' portgroup='slow'/></interface>" >"$tmp/idle.xml"
"$NIDO" define "$tmp/idle.xml" >/dev/null
t_out "start an idle guest on gnet" "Domain 'idle' started" "$NIDO" start idle
tap=$("$NIDO" domiflist idle | awk -v m="$imac" '$5 == m { print $1 }')
t_out "domifaddr: its lease with the network's prefix" "$laddr/24" "$NIDO" domifaddr idle

# The portgroup's bandwidth: 200 kB through 100 kB/s take >= 1.8 s.
t_out "the portgroup's inbound limit: an htb qdisc on the tap" "qdisc htb 1: root" tc qdisc show dev "$tap"
send_udp() { # address count size
	python3 -c "
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
sent_bytes() {
	tc -s qdisc show dev "$tap" | awk '/^qdisc htb/ { getline; print $2; exit }'
}
ip neigh replace 10.0.2.88 lladdr "$imac" dev ngnet0 nud permanent
before=$(sent_bytes)
start_ns=$(date +%s%N)
send_udp 10.0.2.88 200 1000
target=$((before + 200 * 1000))
wait_for 60 sh -c "[ \$(tc -s qdisc show dev $tap | awk '/^qdisc htb/ { getline; print \$2; exit }') -ge $target ]"
elapsed_ms=$((($(date +%s%N) - start_ns) / 1000000))
sent=$(($(sent_bytes) - before))
min_ms=$(((sent - 16384) / 100))
[ "$sent" -ge 200000 ] && [ "$elapsed_ms" -ge "$min_ms" ] &&
	ok "$sent bytes to the guest took $elapsed_ms ms (at least $min_ms)" ||
	not_ok "$sent bytes to the guest took $elapsed_ms ms (at least $min_ms)"
t_out "domifaddr --source arp: the neighbour the host has for its MAC" "10.0.2.88/0" \
	"$NIDO" domifaddr idle --source arp
t_out "destroy" "Domain 'idle' destroyed" "$NIDO" destroy idle
t_out "net-destroy gnet" "Network 'gnet' destroyed" "$NIDO" net-destroy gnet
finish_daemon
done_testing
