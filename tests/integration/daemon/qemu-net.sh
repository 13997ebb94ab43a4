#!/usr/bin/env bash
# A full machine on a nido network (issue 12's test): in a network
# namespace of the test's own, nidod starts a NAT network with DHCP; a
# `type='qemu'` domain (TCG) boots the qemu driver's BIOS disk with an
# e1000 card on that network; its init asks DHCP for an address, gets the
# static host's, and says so on the console; net-dhcp-leases and
# domifaddr show it; the host side reaches the guest.
. "$(dirname "$0")/lib.sh"

QEMU=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU" ] || ! command -v dnsmasq >/dev/null; then
	skip "a full machine on a nido network" "needs qemu-system-x86_64 and dnsmasq"
	done_testing
	exit
fi
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
	skip "a full machine on a nido network" "needs root, iproute2 and /dev/net/tun"
	done_testing
	exit
fi
qemu_bios_disk "a full machine on a nido network"
chmod 755 "$tmp"

ns=nido-qn-$$
ip netns add "$ns" || { skip "a full machine on a nido network" "cannot create a network namespace"; done_testing; exit; }
trap 'cleanup; ip netns del "$ns" 2>/dev/null' EXIT
ip -n "$ns" link set lo up
ip netns exec "$ns" "$NIDOD" --session --log-level debug >>"$tmp/nidod.log" 2>&1 &
wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"

mac=52:54:00:4e:49:44
cat >"$tmp/lab.xml" <<XML
<network>
  <name>lab</name>
  <forward mode='nat'/>
  <bridge name='nidoqn0'/>
  <ip address='192.168.91.1' prefix='24'>
    <dhcp>
      <range start='192.168.91.100' end='192.168.91.199'/>
      <host mac='$mac' name='full' ip='192.168.91.7'/>
    </dhcp>
  </ip>
</network>
XML
t_out "net-define" "Network 'lab' defined" "$NIDO" net-define "$tmp/lab.xml"
t_out "net-start" "Network 'lab' started" "$NIDO" net-start lab
cat >"$tmp/full.xml" <<XML
<domain type='qemu'>
  <name>full</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$disk'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <interface type='network'>
      <source network='lab'/>
      <mac address='$mac'/>
      <model type='e1000'/>
    </interface>
    <serial type='pty'/>
    <console type='pty'/>
  </devices>
</domain>
XML
t_out "define the machine, an e1000 on 'lab'" "Domain 'full' defined" "$NIDO" define "$tmp/full.xml"
t_out "start it (QEMU, TCG)" "Domain 'full' started" "$NIDO" start full
tap=$("$NIDO" domiflist full | awk -v m="$mac" '$5 == m { print $1 }')
t_out "its tap is a port of the network's bridge" "master nidoqn0" ip -n "$ns" link show "$tap"

# The init answers "addr" with its card's address (empty until DHCP has
# answered); asked until it has one.
deadline=$((SECONDS + 400))
out=
while [ $SECONDS -lt $deadline ]; do
	out=$(printf 'addr\r' | timeout 20 "$NIDO" console full 2>&1)
	[[ $out == *"ADDR:1"* ]] && break
	sleep 2
done
if [[ $out == *"ADDR:192.168.91.7/24"* ]]; then
	ok "the guest got its static host's address from the network's DHCP"
else
	not_ok "the guest got its static host's address from the network's DHCP" \
		"$(printf '%s' "$out" | tail -n 5)" "$(tail -n 5 "$NIDO_RUNTIME_DIR/dnsmasq/lab/dnsmasq.log" 2>/dev/null)"
fi
t_out "net-dhcp-leases shows the lease" "192.168.91.7/24" "$NIDO" net-dhcp-leases lab
t_out "domifaddr shows it" "192.168.91.7" "$NIDO" domifaddr full
t "the host side reaches the guest" ip netns exec "$ns" busybox ping -c 1 -W 10 192.168.91.7
t_out "domstats: the card's tap" "net.0.name=$tap" "$NIDO" domstats full
rx=$("$NIDO" domstats full | sed -n 's/^ *net\.0\.rx\.pkts=//p')
tx=$("$NIDO" domstats full | sed -n 's/^ *net\.0\.tx\.pkts=//p')
[ "${rx:-0}" -gt 0 ] && [ "${tx:-0}" -gt 0 ] &&
	ok "domstats: the guest received and sent packets (rx $rx, tx $tx)" ||
	not_ok "domstats: the guest received and sent packets" "$("$NIDO" domstats full)"
t_out "destroy" "Domain 'full' destroyed" "$NIDO" destroy full
! ip -n "$ns" link show "$tap" >/dev/null 2>&1 &&
	ok "the tap is gone" || not_ok "the tap is gone"
t_out "net-destroy" "Network 'lab' destroyed" "$NIDO" net-destroy lab
done_testing
