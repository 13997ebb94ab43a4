#!/usr/bin/env bash
# IPv6 of a network from its XML (net-tool xml-up: the bridge, its
# addresses and firewall, dnsmasq's files as network_conf_net writes them),
# in namespaces of the test's own:
#   - a subnet without <dhcp>: dnsmasq's router advertisements carry its
#     prefix and a client makes its own address (SLAAC);
#   - a subnet with a <dhcp><range>: a client gets an address from the
#     range by DHCPv6 (dhclient -6), a static host its fixed address;
#   - <nat ipv6='yes'>: an outside server sees the host's IPv6 address;
#   - the host's bridge takes no advertisement (accept_ra=0, autoconf=0);
#   - <network ipv6='yes'> without an IPv6 <ip>: the bridge has no IPv6
#     of its own, and guests reach each other over IPv6 all the same;
#   - a routed network with only an ra-only subnet: no DHCP, no
#     enable-ra, SLAAC all the same.
. "$(dirname "$0")/lib.sh"

for tool in dnsmasq dhclient; do
	if ! command -v $tool >/dev/null; then
		echo "1..0 # SKIP $tool is not installed (dnsmasq-base, isc-dhcp-client)"
		exit 0
	fi
done
dir=$tmp/v6
mkdir -p "$dir"
chmod 755 "$tmp" "$dir"
xml=$tmp/v6.xml
cat >"$xml" <<'XML'
<network>
  <name>v6</name>
  <forward mode='nat'>
    <nat ipv6='yes'/>
  </forward>
  <bridge name='nidobr6' stp='off' delay='0'/>
  <ip address='192.168.96.1' prefix='24'/>
  <ip family='ipv6' address='fd00:96::1' prefix='64'>
    <dhcp>
      <range start='fd00:96::100' end='fd00:96::1ff'/>
      <host id='0:3:0:1:52:54:0:0:0:66' name='fixed6' ip='fd00:96::66'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='fd00:97::1' prefix='64'/>
</network>
XML

sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
t "xml-up: an IPv6 NAT network with a DHCPv6 and a SLAAC subnet" \
	"$NT" xml-up "$xml" "$dir"
t_out "the DHCPv6 subnet has its range (stateful)" \
	"dhcp-range=fd00:96::100,fd00:96::1ff,64" cat "$dir/dnsmasq.conf"
t_out "the other subnet is advertised for SLAAC" \
	"dhcp-range=fd00:97::,ra-only,64" cat "$dir/dnsmasq.conf"
t_out "router advertisements are on" "enable-ra" cat "$dir/dnsmasq.conf"
t_out "the static DHCPv6 host is known by its DUID" \
	"id:0:3:0:1:52:54:0:0:0:66,[fd00:96::66],fixed6" cat "$dir/dhcp-hosts"
t_out "dnsmasq finds its configuration valid" "syntax check OK" \
	dnsmasq --test --conf-file="$dir/dnsmasq.conf"
for k in accept_ra autoconf disable_ipv6; do
	t_out "the bridge's $k is 0" 0 cat /proc/sys/net/ipv6/conf/nidobr6/$k
done

dnsmasq --conf-file="$dir/dnsmasq.conf" >"$tmp/dnsmasq.log" 2>&1 &
extra_pids=$!
t "dnsmasq runs" wait_for 20 test -s "$dir/pid"

# client NAME MAC: a namespace with a veth end on nidobr6; NAME_ns.
client() {
	local ns
	new_ns ns
	"$NT" veth "$1" "$1in" && "$NT" netns "$1in" "$ns" &&
		"$NT" master "$1" nidobr6 && "$NT" up "$1" || return 1
	in_ns "$ns" ip link set "$1in" address "$2"
	in_ns "$ns" ip link set "$1in" up
	printf -v "$1_ns" '%s' "$ns"
}
client slaac 52:54:00:00:00:61
client dyn 52:54:00:00:00:62
client fix 52:54:00:00:00:66

# SLAAC: the kernel of the client makes fd00:97::/64 + its EUI-64.
t "a client makes an address from the advertised prefix (SLAAC)" wait_for 60 \
	bash -c "nsenter -t $slaac_ns -n ip -6 addr show dev slaacin | grep -q 'inet6 fd00:97::5054:ff:fe00:61/64 scope global'"
t "and no address in the DHCPv6 subnet (its prefix is not for SLAAC)" \
	bash -c "! nsenter -t $slaac_ns -n ip -6 addr show dev slaacin | grep -q 'fd00:96:'"
t "its default route is the host (the advertisement)" \
	bash -c "nsenter -t $slaac_ns -n ip -6 route show default | grep -q 'via fe80::.* dev slaacin proto ra'"

# DHCPv6: dhclient's lease (lib.sh, dhcp6).
addr=$(dhcp6 "$dyn_ns" dynin -)
case $addr in
fd00:96::1[0-9a-f][0-9a-f]) ok "a client gets an address from the range by DHCPv6 ($addr)" ;;
*) not_ok "a client gets an address from the range by DHCPv6" "got: '$addr'" "$(cat "$tmp/dynin.log")" ;;
esac
# DUID-LL (type 3, hardware type 1, the MAC) as octal escapes for dhclient.
duid='\000\003\000\001\122\124\000\000\000\146'
t_out "the static host gets its fixed address by its DUID" fd00:96::66 \
	dhcp6 "$fix_ns" fixin "$duid"
t_out "the lease file of dnsmasq reads back (DHCPv6 lease)" "fd00:96::66 fixed6" \
	"$NT" leases "$dir/leases"

# <nat ipv6='yes'>: the outside sees the host's address, not the client's.
new_ns outside
"$NT" veth up6 up6in && "$NT" netns up6in "$outside" && "$NT" up up6 &&
	"$NT" addr up6 fd00:98::1/64
in_ns "$outside" sh -c 'ip addr add fd00:98::2/64 dev up6in nodad && ip link set up6in up'
in_ns "$outside" python3 -c '
import socket
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 9000))
s.listen(16)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()
' >/dev/null 2>&1 &
extra_pids="$extra_pids $!"
t "the outside server listens" wait_for 20 bash -c \
	"nsenter -t $outside -n ss -ltn | grep -q ':9000 '"
t "the host's own address on the outside link is ready" wait_for 20 bash -c \
	"! ip -6 addr show dev up6 | grep -q tentative"
t "the client's SLAAC address is past duplicate address detection" wait_for 20 bash -c \
	"! nsenter -t $slaac_ns -n ip -6 addr show dev slaacin | grep -q tentative"
# The outside's answer: its peer's address. Three tries of 10 s: a loaded
# machine has been seen to lose the first connection (once in many
# runs); what is checked is whose address the outside sees.
ask6() {
	in_ns "$slaac_ns" python3 -c '
import socket
for attempt in range(3):
    try:
        s = socket.create_connection(("fd00:98::2", 9000), timeout=10)
        break
    except OSError:
        if attempt == 2:
            raise
print(s.recv(100).decode().strip())
'
}
t_out "NAT ipv6='yes': the outside sees the host's address" fd00:98::1 ask6

# <network ipv6='yes'>, no IPv6 <ip>: guests reach each other over IPv6.
iso=$tmp/iso.xml
cat >"$iso" <<'XML'
<network ipv6='yes'>
  <name>iso6</name>
  <bridge name='nidobr7'/>
</network>
XML
t "xml-up: an isolated network with ipv6='yes' and no IPv6 <ip>" \
	"$NT" xml-up "$iso" "$tmp"
t_out "its bridge has no IPv6 of its own (disable_ipv6=1)" 1 \
	cat /proc/sys/net/ipv6/conf/nidobr7/disable_ipv6
for c in a7 b7; do
	new_ns ns
	"$NT" veth $c ${c}in && "$NT" netns ${c}in "$ns" &&
		"$NT" master $c nidobr7 && "$NT" up $c &&
		in_ns "$ns" ip link set ${c}in up
	printf -v "${c}_ns" '%s' "$ns"
done
in_ns "$a7_ns" ip addr add fd00:77::a/64 dev a7in nodad
in_ns "$b7_ns" ip addr add fd00:77::b/64 dev b7in nodad
t_out "its firewall table is installed" "table inet nido-nidobr7" nft list tables
t "guests of the network reach each other over IPv6" wait_for 30 \
	nsenter -t "$a7_ns" -n busybox ping -6 -c 1 -W 2 fd00:77::b

# A routed network with one IPv6 subnet and no DHCP at all: ra-only
# advertises without enable-ra (libvirt's form), clients use SLAAC.
ra=$tmp/ra.xml
mkdir -p "$tmp/ra" && chmod 755 "$tmp/ra"
cat >"$ra" <<'XML'
<network>
  <name>ra</name>
  <forward mode='route'/>
  <bridge name='nidobr8' stp='off'/>
  <ip family='ipv6' address='fd00:88::1' prefix='64'/>
</network>
XML
t "xml-up: a routed network with an ra-only subnet" "$NT" xml-up "$ra" "$tmp/ra"
t "its dnsmasq has no DHCP and no enable-ra" bash -c \
	"grep -q '^dhcp-range=fd00:88::,ra-only,64\$' '$tmp/ra/dnsmasq.conf' && ! grep -q 'enable-ra\|dhcp-leasefile' '$tmp/ra/dnsmasq.conf'"
dnsmasq --conf-file="$tmp/ra/dnsmasq.conf" >"$tmp/dnsmasq-ra.log" 2>&1 &
extra_pids="$extra_pids $!"
new_ns c8_ns
"$NT" veth c8 c8in && "$NT" netns c8in "$c8_ns" && "$NT" master c8 nidobr8 &&
	"$NT" up c8 && in_ns "$c8_ns" ip link set c8in up
t "a client of it makes an address by SLAAC" wait_for 60 bash -c \
	"nsenter -t $c8_ns -n ip -6 addr show dev c8in | grep -q 'inet6 fd00:88::.*/64 scope global'"

kill $extra_pids 2>/dev/null
t "xml-down" "$NT" xml-down "$xml"
t "xml-down of the isolated network" "$NT" xml-down "$iso"
t "xml-down of the routed network" "$NT" xml-down "$ra"
[ -z "$(nft list tables | grep nido)" ] && ok "no table of nido's is left" ||
	not_ok "no table of nido's is left" "$(nft list tables)"
done_testing
