#!/usr/bin/env bash
# Clients of networks that nidod runs (docs/network-xml.md), each a veth
# end in a namespace of its own plugged into a network's bridge, with an
# "outside" namespace behind the host's uplink: DHCP (range and static
# host) and DNS (<dns><host> and the DHCP hosts' names), NAT (the
# outside sees the host's address), routed (it sees the client's own and
# reaches back), isolated (no way out, clients reach each other), open
# (no rules of nido's at all), a port forward, all with a Docker-like
# `ip filter` table whose FORWARD policy is drop (src/net/fw-coexist.c).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

# The host's uplink: up0 (10.98.0.1) to the outside namespace (10.98.0.2).
new_ns outside
ip link add up0 type veth peer name up0in
ip link set up0in netns "$outside"
ip addr add 10.98.0.1/24 dev up0
ip link set up0 up
in_ns "$outside" ip addr add 10.98.0.2/24 dev up0in
in_ns "$outside" ip link set up0in up
server "$outside" 9000

# Docker's set-up, as Docker makes it (iptables-nft if there is one).
if command -v iptables >/dev/null && iptables -V | grep -q nf_tables; then
	iptables -N DOCKER-USER && iptables -A DOCKER-USER -j RETURN &&
		iptables -I FORWARD -j DOCKER-USER && iptables -P FORWARD DROP
	docker_by="iptables-nft"
else
	nft -f - <<'NFT'
table ip filter {
	chain DOCKER-USER { counter return }
	chain FORWARD { type filter hook forward priority filter; policy drop; jump DOCKER-USER }
}
NFT
	docker_by="nft"
fi
t_out "a Docker-like FORWARD policy drop is in place ($docker_by)" "policy drop" nft list chain ip filter FORWARD
docker_table() { # without nido's rules and the counters' values
	nft list table ip filter | grep -v 'nido:' | grep -v '^\s*$' |
		sed 's/counter packets [0-9]* bytes [0-9]*/counter/'
}
docker_before=$(docker_table)

cat >"$tmp/nat.xml" <<'XML'
<network>
  <name>nat</name>
  <forward mode='nat'/>
  <bridge name='nnat0' stp='off' delay='0'/>
  <domain name='lab.example'/>
  <dns>
    <host ip='10.81.0.99'><hostname>printer</hostname></host>
  </dns>
  <ip address='10.81.0.1' prefix='24'>
    <dhcp>
      <range start='10.81.0.100' end='10.81.0.110'/>
      <host mac='52:54:00:00:81:10' name='web' ip='10.81.0.10'/>
    </dhcp>
  </ip>
  <portForward proto='tcp' guest='10.81.0.10'>
    <range start='8080' to='9000'/>
  </portForward>
</network>
XML
sysctl -qw net.ipv4.ip_forward=0
start_daemon
t_out "net-create a NAT network" "Network 'nat' created" "$NIDO" net-create "$tmp/nat.xml"
t_exact "net-start turned forwarding on" 1 cat /proc/sys/net/ipv4/ip_forward
plug web web nnat0 52:54:00:00:81:10
t_exact "the static host gets its fixed address" 10.81.0.10 dhcp "$web" web
plug dyn c0 nnat0 52:54:00:00:81:20
addr=$(dhcp "$dyn" c0)
[[ $addr =~ ^10\.81\.0\.1(0[0-9]|10)$ ]] && ok "a client gets an address of the range ($addr)" ||
	not_ok "a client gets an address of the range" "got '$addr'"
t_out "the network's DNS answers its <dns><host>" 10.81.0.99 dns "$dyn" 10.81.0.1 printer
t_out "... and the static host's name in the domain" 10.81.0.10 dns "$dyn" 10.81.0.1 web.lab.example
t_out "NAT: the outside sees the host's address" 10.98.0.1 ask "$web" 10.98.0.2 9000
t_out "NAT from the dynamic client too" 10.98.0.1 ask "$dyn" 10.98.0.2 9000
server "$web" 9000
t_out "port forward: the outside reaches the client through 10.98.0.1:8080" \
	10.98.0.2 ask "$outside" 10.98.0.1 8080
t_out "net-dhcp-leases lists both" "10.81.0.10/24" "$NIDO" net-dhcp-leases nat

cat >"$tmp/rt.xml" <<'XML'
<network>
  <name>rt</name>
  <forward mode='route'/>
  <bridge name='nrt0' stp='off' delay='0'/>
  <ip address='10.82.0.1' prefix='24'>
    <dhcp><range start='10.82.0.100' end='10.82.0.110'/></dhcp>
  </ip>
</network>
XML
t_out "net-create a routed network" "Network 'rt' created" "$NIDO" net-create "$tmp/rt.xml"
in_ns "$outside" ip route add 10.82.0.0/24 via 10.98.0.1
plug rc rc nrt0
raddr=$(dhcp "$rc" rc)
[ -n "$raddr" ] && ok "a client of the routed network gets $raddr" ||
	not_ok "a client of the routed network gets an address"
t_out "routed: the outside sees the client's own address" "$raddr" ask "$rc" 10.98.0.2 9000
server "$rc" 9001
t_out "routed: the outside reaches back" "10.98.0.2" ask "$outside" "$raddr" 9001

cat >"$tmp/iso.xml" <<'XML'
<network>
  <name>iso</name>
  <bridge name='niso0' stp='off' delay='0'/>
  <ip address='10.83.0.1' prefix='24'>
    <dhcp><range start='10.83.0.100' end='10.83.0.110'/></dhcp>
  </ip>
</network>
XML
t_out "net-create an isolated network" "Network 'iso' created" "$NIDO" net-create "$tmp/iso.xml"
plug i1 i1 niso0
plug i2 i2 niso0
a1=$(dhcp "$i1" i1)
a2=$(dhcp "$i2" i2)
[ -n "$a1" ] && [ -n "$a2" ] && ok "two clients of the isolated network get $a1 and $a2" ||
	not_ok "two clients of the isolated network get addresses" "'$a1' '$a2'"
in_ns "$i1" ip route replace default via 10.83.0.1
t_exact "isolated: no way out" "" ask "$i1" 10.98.0.2 9000
server "$i2" 9002
t_out "isolated: the clients reach each other" "$a1" ask "$i1" "$a2" 9002
t_out "isolated: the host answers DNS on it" "10.83.0.1" sh -c \
	"nsenter -t $i1 -n busybox nslookup localhost 10.83.0.1 2>&1 | head -n 3"

cat >"$tmp/open.xml" <<'XML'
<network>
  <name>open</name>
  <forward mode='open'/>
  <bridge name='nopen0' stp='off' delay='0'/>
  <ip address='10.84.0.1' prefix='24'/>
</network>
XML
t_out "net-create an open network" "Network 'open' created" "$NIDO" net-create "$tmp/open.xml"
! nft list ruleset | grep -q nopen0 && ok "open: no rule of nido's mentions its bridge" ||
	not_ok "open: no rule of nido's mentions its bridge" "$(nft list ruleset | grep -n nopen0)"
t_out "open: its bridge is up with its address" "10.84.0.1/24" ip addr show nopen0

t_out "Docker's chain has nido's rules for the NAT network" 'accept comment "nido:nnat0"' \
	nft list chain ip filter DOCKER-USER
for n in nat rt iso open; do
	"$NIDO" net-destroy "$n" >/dev/null
done
[ "$(docker_table)" = "$docker_before" ] &&
	! nft list table ip filter | grep -q 'nido:' &&
	ok "after net-destroy, Docker's table is as it was" ||
	not_ok "after net-destroy, Docker's table is as it was" "$(nft list table ip filter)"
[ -z "$(nft list tables | grep nido)" ] && [ -z "$(our_dnsmasqs)" ] &&
	[ -z "$(ip -br link show type bridge)" ] &&
	ok "no table, dnsmasq or bridge is left" ||
	not_ok "no table, dnsmasq or bridge is left" "$(nft list tables; our_dnsmasqs; ip -br link)"
finish_daemon
done_testing
