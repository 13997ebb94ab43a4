#!/usr/bin/env bash
# IPv6 of a network through nidod and the nido CLI (ipv6.sh does the same
# with the library alone): net-start of a NAT network with a DHCPv6 subnet
# and an advertised (SLAAC) one; a client makes its address from the
# router advertisement, another gets one from the range by DHCPv6, a
# static host its fixed address by its DUID; net-dhcp-leases shows the
# DHCPv6 leases; the bridge takes no advertisement itself; net-destroy
# leaves no bridge, table or dnsmasq.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

if ! command -v dhclient >/dev/null; then
	echo "1..0 # SKIP dhclient is not installed (isc-dhcp-client)"
	exit 0
fi
cat >"$tmp/v6.xml" <<'XML'
<network>
  <name>v6</name>
  <forward mode='nat'>
    <nat ipv6='yes'/>
  </forward>
  <bridge name='nidod6'/>
  <ip address='192.168.86.1' prefix='24'/>
  <ip family='ipv6' address='fd00:86::1' prefix='64'>
    <dhcp>
      <range start='fd00:86::100' end='fd00:86::1ff'/>
      <host id='0:3:0:1:52:54:0:0:0:86' name='fixed6' ip='fd00:86::86'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00:87::1' prefix='64'/>
</network>
XML
start_daemon
t_out "net-define" "Network 'v6' defined" "$NIDO" net-define "$tmp/v6.xml"
t_out "net-start" "Network 'v6' started" "$NIDO" net-start v6
for k in accept_ra autoconf; do
	t_out "the bridge's $k is 0" 0 cat /proc/sys/net/ipv6/conf/nidod6/$k
done
t_out "the bridge has its IPv6 addresses" "inet6 fd00:86::1/64" ip -6 addr show dev nidod6

plug slaac_ns c61 nidod6 52:54:00:00:00:61
plug dyn_ns c62 nidod6 52:54:00:00:00:62
plug fix_ns c86 nidod6 52:54:00:00:00:86

t "a client makes an address from the advertised prefix (SLAAC)" wait_for 60 \
	bash -c "nsenter -t $slaac_ns -n ip -6 addr show dev c61 | grep -q 'inet6 fd00:87::5054:ff:fe00:61/64 scope global'"
t "... and its default route is the host (the advertisement)" \
	bash -c "nsenter -t $slaac_ns -n ip -6 route show default | grep -q 'via fe80::.* dev c61 proto ra'"

addr=$(dhcp6 "$dyn_ns" c62 -)
case $addr in
fd00:86::1[0-9a-f][0-9a-f]) ok "a client gets an address from the range by DHCPv6 ($addr)" ;;
*) not_ok "a client gets an address from the range by DHCPv6" "got: '$addr'" "$(cat "$tmp/c62.log")" ;;
esac
# DUID-LL (type 3, hardware type 1, the MAC) as octal escapes for dhclient
t_out "the static host gets its fixed address by its DUID" fd00:86::86 \
	dhcp6 "$fix_ns" c86 '\000\003\000\001\122\124\000\000\000\206'
t_out "net-dhcp-leases shows the static DHCPv6 lease" "ipv6       fd00:86::86/64" \
	"$NIDO" net-dhcp-leases v6
t_out "... and the other" "${addr:-none}/64" "$NIDO" net-dhcp-leases v6
t_out "net-destroy" "Network 'v6' destroyed" "$NIDO" net-destroy v6
! ip link show nidod6 >/dev/null 2>&1 && ! nft list tables | grep -q nidod6 &&
	[ -z "$(our_dnsmasqs)" ] && ok "no bridge, table or dnsmasq is left" ||
	not_ok "no bridge, table or dnsmasq is left" "$(ip -o link; nft list tables; our_dnsmasqs)"
finish_daemon
done_testing
