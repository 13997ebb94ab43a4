#!/usr/bin/env bash
# A container's interfaces (docs/containers.md, "Interfaces"): on a nido
# NAT network (in a network namespace of this test's own), its veth's
# host end is a port of the network's bridge under the <target dev>
# name, its other end is the <guest dev> inside with the interface's
# MAC; busybox udhcpc inside gets an address from the network's dnsmasq
# and the gateway answers a ping; domifaddr shows the lease; destroy
# removes the host end. A type='bridge' interface on a plain bridge gets
# eth0 and a vnetN host end.
if [ -z "${NIDO_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		echo "1..0 # SKIP needs root and unshare for a network namespace"
		exit 0
	fi
	export NIDO_IN_NETNS=1
	exec unshare --net -- bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"

if ! ct_usable || ! command -v dnsmasq >/dev/null; then
	echo "1..0 # SKIP containers need root, busybox-static, user namespaces and dnsmasq"
	exit 0
fi
# the network's dnsmasq outlives nidod: killed with this namespace's
# processes at exit
kill_dnsmasqs() {
	local f p
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		{ tr '\0' ' ' <"$f"; } 2>/dev/null |
			grep -q -- "--conf-file=$NIDO_RUNTIME_DIR/dnsmasq/" && kill -9 "$p"
	done
}
trap 'kill_dnsmasqs; cleanup' EXIT

root=$tmp/root
make_rootfs "$root"
chmod 755 "$tmp"
cat >"$root/udhcpc.sh" <<'SH'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/${mask:-24}" dev "$interface"
echo "$ip" >/out/ip
echo "${router%% *}" >/out/router
SH
# the init: DHCP on its eth0, a ping to the router, then it waits
cat >"$root/net.sh" <<'SH'
ip link set lo up
ip -o link show >/out/links
udhcpc -i eth0 -n -q -t 10 -T 2 -s /udhcpc.sh >/out/udhcpc.log 2>&1
ping -c 1 -W 5 "$(cat /out/router)" >/out/ping.log 2>&1 && echo ok >/out/ping
while :; do sleep 1; done
SH
chmod 755 "$root/udhcpc.sh"
chown "$CT_BASE:$CT_BASE" "$root/udhcpc.sh" "$root/net.sh"

cat >"$tmp/cnet.xml" <<'XML'
<network>
  <name>cnet</name>
  <forward mode='nat'/>
  <bridge name='ncnet0' stp='off' delay='0'/>
  <ip address='10.0.7.1' prefix='24'>
    <dhcp><range start='10.0.7.100' end='10.0.7.120'/></dhcp>
  </ip>
</network>
XML
start_daemon
"$NIDO" net-define "$tmp/cnet.xml" >/dev/null
"$NIDO" net-start cnet >/dev/null

mac=52:54:00:7c:00:01
CT_DEVICES="<interface type='network'><mac address='$mac'/><source network='cnet'/><target dev='ctveth0'/><guest dev='net0'/></interface><interface type='network'><source network='cnet'/></interface>" \
	ct_xml named "$root" /bin/sh -c 'ip -o link show >/out/links; while :; do sleep 1; done' >"$tmp/named.xml"
CT_DEVICES="<interface type='network'><mac address='$mac'/><source network='cnet'/></interface>" \
	ct_xml dhcp "$root" /bin/sh /net.sh >"$tmp/dhcp.xml"

t "define a container with two interfaces on network cnet" "$NIDO" define "$tmp/named.xml"
t_out "dumpxml keeps <guest dev>" "<guest dev='net0'/>" "$NIDO" dumpxml named
t_out "start it" "Domain 'named' started" "$NIDO" start named
t_out "the host end is named by <target dev>, a port of the network's bridge" \
	"master ncnet0" ip link show ctveth0
t_out "... a veth" "veth" ip -d link show ctveth0
t "the container's end is net0 with the XML's MAC, the second one eth0" \
	wait_for 20 sh -c "grep -q 'net0.*link/ether $mac' '$root/out/links' &&
		grep -q ' eth0@' '$root/out/links'"
second=$("$NIDO" domiflist named | awk '$2 == "network" && $1 != "ctveth0" { print $1 }')
t_out "domiflist names the second host end ($second), a vnetN" "vnet" echo "$second"
t_out "... a port of the bridge too" "master ncnet0" ip link show "$second"
t_out "domiflist gives a veth no model (virsh's '-')" "-" \
	sh -c "'$NIDO' domiflist named | awk '\$1 == \"ctveth0\" { print \$4 }'"
t_out "destroy" "Domain 'named' destroyed" "$NIDO" destroy named
t "destroy removes both host ends" wait_for 20 sh -c \
	"! ip link show ctveth0 && ! ip link show '$second'"
rm -f "$root/out/links"

t "define a container on cnet running udhcpc" "$NIDO" define "$tmp/dhcp.xml"
t_out "start it" "Domain 'dhcp' started" "$NIDO" start dhcp
t "udhcpc inside gets an address of the network" \
	wait_for 60 grep -q '^10\.0\.7\.' "$root/out/ip"
addr=$(cat "$root/out/ip" 2>/dev/null)
t "its gateway answers a ping from inside" wait_for 30 test -e "$root/out/ping"
t_out "domifaddr shows the lease" "$addr/24" "$NIDO" domifaddr dhcp
t_out "the host reaches the container" "1 packets received" \
	busybox ping -c 1 -W 5 "$addr"
host=$("$NIDO" domiflist dhcp | awk -v m="$mac" '$5 == m { print $1 }')
t_out "domifstat counts the container's traffic on its host end" "$host rx_bytes" \
	"$NIDO" domifstat dhcp "$host"
t_out "domstats has the interface's counters" "net.0.name=$host" "$NIDO" domstats dhcp
t "a daemon restart keeps the container and its interface" \
	sh -c "kill -TERM $(daemon_pid) && sleep 1 && ip link show '$host'"
rm -f "$NIDO_RUNTIME_DIR/nidod.sock"
start_daemon
t_out "... the next daemon lists it on the same host end" "$host" "$NIDO" domiflist dhcp
t_out "destroy" "Domain 'dhcp' destroyed" "$NIDO" destroy dhcp
t "destroy removes the host end $host" wait_for 20 sh -c "! ip link show '$host'"

# type='bridge' on a bridge that is not a nido network's
ip link add ctbr0 type bridge
ip link set ctbr0 up
CT_DEVICES="<interface type='bridge'><source bridge='ctbr0'/></interface>" \
	ct_xml br "$root" /bin/sh -c 'ip -o link show >/out/links; while :; do sleep 1; done' >"$tmp/br.xml"
"$NIDO" define "$tmp/br.xml" >/dev/null
t_out "a container on a plain bridge starts" "Domain 'br' started" "$NIDO" start br
t "it has eth0" wait_for 20 grep -q ' eth0@' "$root/out/links"
brhost=$("$NIDO" domiflist br | awk '$2 == "bridge" { print $1 }')
t_out "its host end $brhost is a port of ctbr0" "master ctbr0" ip link show "$brhost"
"$NIDO" destroy br >/dev/null
CT_DEVICES="<interface type='bridge'><source bridge='nosuchbr'/></interface>" \
	ct_xml nobr "$root" /bin/true >"$tmp/nobr.xml"
"$NIDO" define "$tmp/nobr.xml" >/dev/null
t_err "a bridge that does not exist fails the start, naming it" \
	"bridge 'nosuchbr' does not exist" "$NIDO" start nobr
t "... and leaves no veth behind" sh -c '[ -z "$(ip -o link show type veth)" ]'
CT_DEVICES="<interface type='user'/>" ct_xml usr "$root" /bin/true >"$tmp/usr.xml"
t_err "type='user' is refused by name" "<interface type='user'> not supported" \
	"$NIDO" define "$tmp/usr.xml"
done_testing
