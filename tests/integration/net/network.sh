#!/usr/bin/env bash
# A network from its XML to working guests, as net-start will do it but
# for supervising dnsmasq (net-tool xml-up: network_conf parses and checks
# the definition, network_conf_net turns it into src/net's bridge options,
# firewall and dnsmasq files). In namespaces of the test's own: a client
# with the static host's MAC gets its fixed address by DHCP, resolves the
# network's names, reaches an outside server through NAT and is reached
# through the port forward; xml-down leaves no bridge and no table.
. "$(dirname "$0")/lib.sh"

if ! command -v dnsmasq >/dev/null; then
	echo "1..0 # SKIP dnsmasq is not installed (dnsmasq-base)"
	exit 0
fi
dir=$tmp/lab
mkdir -p "$dir"
chmod 755 "$tmp" "$dir"
xml=$tmp/lab.xml
cat >"$xml" <<'XML'
<network>
  <name>lab</name>
  <forward mode='nat'/>
  <bridge name='nidobr0' stp='off' delay='0'/>
  <mac address='52:54:00:0a:0b:0c'/>
  <domain name='lab.example'/>
  <dns>
    <host ip='192.168.80.99'><hostname>printer</hostname></host>
  </dns>
  <ip address='192.168.80.1' prefix='24'>
    <dhcp>
      <range start='192.168.80.100' end='192.168.80.110'/>
      <host mac='52:54:00:00:00:42' name='web' ip='192.168.80.10'/>
    </dhcp>
  </ip>
  <portForward proto='tcp' guest='192.168.80.10'>
    <range start='8080' to='9000'/>
  </portForward>
</network>
XML

server() { # PORT: answers each connection with the peer's address
	exec python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    c.sendall((a[0] + "\n").encode())
    c.close()
' "$1"
}
ask() { # NS HOST PORT
	in_ns "$1" timeout 10 busybox nc -w 3 "$2" "$3" </dev/null 2>/dev/null
}

t_out "the definition reads back as libvirt writes it" \
	"<bridge name='nidobr0' stp='off' delay='0'/>" "$NT" xml-check "$xml"
sysctl -qw net.ipv4.ip_forward=1
t "xml-up: bridge, addresses, firewall, dnsmasq files" "$NT" xml-up "$xml" "$dir"
t "the bridge has the definition's MAC and address" bash -c \
	"ip -j addr show nidobr0 | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; sys.exit(0 if d[\"address\"] == \"52:54:00:0a:0b:0c\" and any(a[\"local\"] == \"192.168.80.1\" and a[\"prefixlen\"] == 24 for a in d[\"addr_info\"]) else 1)'"
t_out "its firewall table is installed" "table inet nido-nidobr0" nft list tables
t_out "dnsmasq gets the static host" "52:54:00:00:00:42,192.168.80.10,web" \
	cat "$dir/dhcp-hosts"

dnsmasq --conf-file="$dir/dnsmasq.conf" >"$tmp/dnsmasq.log" 2>&1 &
dnsmasq_pid=$!
extra_pids=$dnsmasq_pid
t "dnsmasq runs" wait_for 20 test -s "$dir/pid"

new_ns web
new_ns outside
"$NT" veth web0 web0in && "$NT" netns web0in "$web" &&
	"$NT" master web0 nidobr0 && "$NT" up web0
in_ns "$web" ip link set web0in address 52:54:00:00:00:42
in_ns "$web" ip link set web0in up
"$NT" veth up0 up0in && "$NT" netns up0in "$outside" && "$NT" up up0 &&
	"$NT" addr up0 10.98.0.1/24
in_ns "$outside" sh -c 'ip addr add 10.98.0.2/24 dev up0in && ip link set up0in up'

t_out "the static host gets its fixed address by DHCP" \
	"lease of 192.168.80.10 obtained" \
	in_ns "$web" timeout 60 busybox udhcpc -i web0in -n -q -t 10 -T 2 -s /bin/true
in_ns "$web" sh -c 'ip addr add 192.168.80.10/24 dev web0in && ip route add default via 192.168.80.1'
in_ns "$outside" bash -c "$(declare -f server); server 9000" >/dev/null 2>&1 &
extra_pids="$extra_pids $!"
in_ns "$web" bash -c "$(declare -f server); server 9000" >/dev/null 2>&1 &
extra_pids="$extra_pids $!"
t "the servers listen" wait_for 20 bash -c \
	"[ -n \"\$(nsenter -t $outside -n busybox nc -w 1 127.0.0.1 9000 </dev/null)\" ] && [ -n \"\$(nsenter -t $web -n busybox nc -w 1 127.0.0.1 9000 </dev/null)\" ]"

dns() { # NAME: the network's answer (IPv4)
	in_ns "$web" busybox nslookup -type=a "$1" 192.168.80.1 2>&1 |
		sed -n '/^Name:/,$ s/^Address: *//p' | tr '\n' ' '
}
t_out "the network's DNS answers its <dns><host>" 192.168.80.99 dns printer
t_out "and the static host's name in the domain" 192.168.80.10 dns web.lab.example
t_out "NAT: the outside sees the host's address" 10.98.0.1 ask "$web" 10.98.0.2 9000
t_out "port forward: the outside reaches the guest through 10.98.0.1:8080" \
	10.98.0.2 ask "$outside" 10.98.0.1 8080
t_out "the lease reads back" "52:54:00:00:00:42 192.168.80.10 web" \
	"$NT" leases "$dir/leases"

t_err "the same network cannot come up twice" \
	"creating bridge 'nidobr0': File exists" "$NT" xml-up "$xml" "$dir"
kill "$dnsmasq_pid"
t "xml-down" "$NT" xml-down "$xml"
t "no bridge is left" bash -c '! ip link show nidobr0'
[ -z "$(nft list tables | grep nido)" ] && ok "no table of nido's is left" ||
	not_ok "no table of nido's is left" "$(nft list tables)"

sed 's/192.168.80.110/192.168.80.200/; s#</dhcp>#<range start="192.168.80.150" end="192.168.80.160"/></dhcp>#' \
	"$xml" >"$tmp/bad.xml"
t_err "overlapping ranges are refused by name" \
	"network 'lab': DHCP ranges 192.168.80.100-192.168.80.200 and 192.168.80.150-192.168.80.160 overlap" \
	"$NT" xml-up "$tmp/bad.xml" "$dir"
t "and nothing was made" bash -c '! ip link show nidobr0'
done_testing
