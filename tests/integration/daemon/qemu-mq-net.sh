#!/usr/bin/env bash
# Interfaces beyond one tap (issue 12): in a network namespace of the
# test's own, a `type='qemu'` guest (TCG) with a virtio NIC of four
# queues on a bridge (<driver queues='4'> and offloads), and a socket
# netdev to a second guest (type='server' / type='client'). The tap is
# multi-queue with four queues held by QEMU; the two QEMUs are connected
# over TCP; the definitions come back as written.
. "$(dirname "$0")/lib.sh"

QEMU=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU" ]; then
	skip "a multi-queue NIC and a socket pair" "needs qemu-system-x86_64"
	done_testing
	exit
fi
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v ss >/dev/null ||
	[ ! -c /dev/net/tun ]; then
	skip "a multi-queue NIC and a socket pair" "needs root, iproute2 (ip, ss) and /dev/net/tun"
	done_testing
	exit
fi
chmod 755 "$tmp"
ns=nido-mq-$$
ip netns add "$ns" || { skip "a multi-queue NIC and a socket pair" "cannot create a network namespace"; done_testing; exit; }
trap 'cleanup; ip netns del "$ns" 2>/dev/null' EXIT
ip -n "$ns" link set lo up
ip -n "$ns" link add nidomq0 type bridge
ip -n "$ns" link set nidomq0 up
ip netns exec "$ns" "$NIDOD" --session --log-level debug >>"$tmp/nidod.log" 2>&1 &
wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"

guest() { # name, interfaces
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
$2
  </devices>
</domain>
XML
}
printf '#!/bin/sh\necho "up $1" >>%s/script.out\n' "$tmp" >"$tmp/ifup"
printf '#!/bin/sh\necho "down $1" >>%s/script.out\n' "$tmp" >"$tmp/ifdown"
chmod 755 "$tmp/ifup" "$tmp/ifdown"
guest mq "    <interface type='ethernet'>
      <mac address='52:54:00:6d:71:06'/>
      <source>
        <ip address='192.168.125.1' family='ipv4' prefix='24' peer='192.168.125.2'/>
        <route family='ipv4' address='10.20.0.0' prefix='16' gateway='192.168.125.2'/>
      </source>
      <script path='$tmp/ifup'/>
      <downscript path='$tmp/ifdown'/>
      <model type='rtl8139'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:6d:71:01'/>
      <source bridge='nidomq0'/>
      <model type='virtio'/>
      <driver queues='4' rx_queue_size='512' txmode='iothread'>
        <host tso4='off' mrg_rxbuf='off'/>
        <guest csum='off'/>
      </driver>
      <rom bar='off'/>
    </interface>
    <interface type='bridge'>
      <mac address='52:54:00:6d:71:04'/>
      <source bridge='nidomq0'/>
      <port isolated='yes'/>
      <model type='e1000'/>
    </interface>
    <interface type='server'>
      <mac address='52:54:00:6d:71:02'/>
      <source address='127.0.0.1' port='47001'/>
      <model type='e1000'/>
    </interface>" >"$tmp/mq.xml"
guest peer "    <interface type='client'>
      <mac address='52:54:00:6d:71:03'/>
      <source address='127.0.0.1' port='47001'/>
      <model type='e1000'/>
    </interface>" >"$tmp/peer.xml"

t_out "define a guest with a 4-queue virtio NIC and a socket server" \
	"Domain 'mq' defined" "$NIDO" define "$tmp/mq.xml"
t_out "define its peer, the socket's client" "Domain 'peer' defined" "$NIDO" define "$tmp/peer.xml"
out=$("$NIDO" dumpxml mq)
for want in "queues='4'" "rx_queue_size='512'" "txmode='iothread'" \
	"<host tso4='off' mrg_rxbuf='off'/>" "<guest csum='off'/>" "<rom bar='off'/>" \
	"<interface type='server'>" "<source address='127.0.0.1' port='47001'/>" \
	"<port isolated='yes'/>"; do
	[[ $out == *"$want"* ]] && ok "dumpxml keeps $want" ||
		not_ok "dumpxml keeps $want" "$out"
done
t_out "start it (QEMU, TCG)" "Domain 'mq' started" "$NIDO" start mq
tap=$("$NIDO" domiflist mq | awk '$5 == "52:54:00:6d:71:01" { print $1 }')
t_out "its tap is multi-queue" "multi_queue" ip -n "$ns" -d link show "$tap"
t_out "... a port of the bridge" "master nidomq0" ip -n "$ns" link show "$tap"
iso=$("$NIDO" domiflist mq | awk '$5 == "52:54:00:6d:71:04" { print $1 }')
t_out "<port isolated='yes'>: the bridge isolates that port" "1" \
	ip netns exec "$ns" cat "/sys/class/net/$iso/brport/isolated"
t_out "... and not the other" "0" \
	ip netns exec "$ns" cat "/sys/class/net/$tap/brport/isolated"
eth=$("$NIDO" domiflist mq | awk '$5 == "52:54:00:6d:71:06" { print $1 }')
t_out "<source><ip peer=>: the host side's address on the tap" \
	"inet 192.168.125.1 peer 192.168.125.2/24" ip -n "$ns" addr show "$eth"
t_out "<route>: the route through the tap" "10.20.0.0/16 via 192.168.125.2 dev $eth" \
	ip -n "$ns" route show
t_out "<script>: run with the tap's name" "up $eth" cat "$tmp/script.out"
pid=$(vm_pids | head -n1)
# each queue of a multi-queue tap is one attachment of /dev/net/tun,
# whose fdinfo names the tap
queues=$(grep -lx "iff:[[:space:]]*$tap" /proc/"$pid"/fdinfo/* 2>/dev/null | wc -l)
[ "$queues" -eq 4 ] && ok "QEMU holds the tap's four queues" ||
	not_ok "QEMU holds the tap's four queues" "$queues"
cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
for want in 'tap,id=hostnet1,fds=' '"mq":true,"vectors":10' '"host_tso4":false' \
	'"tx":"bh"' '"rombar":0' '"driver":"rtl8139"' '"type":"socket","listen":"127.0.0.1:47001"'; do
	[[ $cmd == *"$want"* ]] && ok "QEMU runs with $want" ||
		not_ok "QEMU runs with $want" "$cmd"
done
t_out "start the peer" "Domain 'peer' started" "$NIDO" start peer
wait_for 30 sh -c "ip netns exec $ns ss -tn state established '( sport = :47001 )' | grep -q 127.0.0.1"
t_out "the two QEMUs are connected over the socket" "127.0.0.1:47001" \
	ip netns exec "$ns" ss -tn state established "( sport = :47001 )"
t_out "domiflist lists the server's interface" "server" "$NIDO" domiflist mq
t_out "destroy the peer" "Domain 'peer' destroyed" "$NIDO" destroy peer
t_out "destroy" "Domain 'mq' destroyed" "$NIDO" destroy mq
! ip -n "$ns" link show "$tap" >/dev/null 2>&1 &&
	ok "the tap is gone" || not_ok "the tap is gone"
t_out "<downscript>: run when it goes" "down $eth" cat "$tmp/script.out"

# What this host cannot run is refused at start by name.
guest vh "    <interface type='vhostuser'>
      <source type='unix' path='$tmp/vhost.sock' mode='client'/>
      <model type='virtio'/>
    </interface>" >"$tmp/vh.xml"
t_out "a vhost-user interface is defined" "Domain 'vh' defined" "$NIDO" define "$tmp/vh.xml"
t_err "... and refused at start without shared memory" \
	"needs <memoryBacking><access mode='shared'/>" "$NIDO" start vh
guest vd "    <interface type='vdpa'>
      <source dev='/dev/vhost-vdpa-nido-none'/>
    </interface>" >"$tmp/vd.xml"
t_out "a vdpa interface is defined" "Domain 'vd' defined" "$NIDO" define "$tmp/vd.xml"
t_err "... and refused at start naming its device" \
	"vdpa device '/dev/vhost-vdpa-nido-none'" "$NIDO" start vd
guest vf "    <interface type='hostdev' managed='yes'>
      <mac address='52:54:00:6d:71:05'/>
      <source><address type='pci' domain='0x0000' bus='0xfe' slot='0x1f' function='0x7'/></source>
    </interface>" >"$tmp/vf.xml"
t_out "an SR-IOV VF interface is defined" "Domain 'vf' defined" "$NIDO" define "$tmp/vf.xml"
t_out "... written back as the interface, no <hostdev>" "<interface type='hostdev' managed='yes'>" \
	"$NIDO" dumpxml vf
t_err "... and refused at start naming the function" "0000:fe:1f.7" "$NIDO" start vf
t_out "... the domain is shut off" "shut off" "$NIDO" domstate vf
done_testing
