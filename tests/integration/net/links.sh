#!/usr/bin/env bash
# src/net's links (net/link.h, net/tap.h) against the kernel, in a network
# namespace of the test's own, observed with `ip -j`: a bridge with STP,
# forward delay, MTU and MAC; addresses; taps as nido-vmm opens them;
# ports attached and detached; a veth pair whose far end lives in another
# namespace, its state and counters; bad names refused before the kernel.
. "$(dirname "$0")/lib.sh"

# link_json NAME PYEXPR: `ip -j -d link show NAME` satisfies PYEXPR on d.
link_json() {
	ip -j -d link show "$1" | json_check "$2"
}

t "bridge br0 created (stp, delay 0, mtu 1400, mac)" \
	"$NT" bridge br0 stp delay=0 mtu=1400 mac=52:54:00:aa:bb:cc
t "the kernel has br0 as a bridge with STP on" link_json br0 \
	'd[0]["linkinfo"]["info_kind"] == "bridge" and d[0]["linkinfo"]["info_data"]["stp_state"] == 1'
# With STP on, the kernel raises a forward delay below 2 s to 2 s.
t "its forward delay is STP's minimum (2 s)" link_json br0 \
	'd[0]["linkinfo"]["info_data"]["forward_delay"] == 200'
t "its MTU and MAC are the ones asked for" link_json br0 \
	'd[0]["mtu"] == 1400 and d[0]["address"] == "52:54:00:aa:bb:cc"'
t "bridge br1 without STP keeps a 5 s forward delay" "$NT" bridge br1 delay=5
t "the kernel says so" link_json br1 \
	'd[0]["linkinfo"]["info_data"]["stp_state"] == 0 and d[0]["linkinfo"]["info_data"]["forward_delay"] == 500'
t_err "a second br0 is refused" "creating bridge 'br0': File exists" \
	"$NT" bridge br0
t_err "a forward delay above 30 s is refused" "above 30" "$NT" bridge br2 delay=31
t "addresses added to br0 (IPv4, IPv6)" \
	bash -c "'$NT' addr br0 192.168.50.1/24 && '$NT' addr br0 fd00:50::1/64"
t "br0 has both, with the IPv4 broadcast" bash -c \
	"ip -j addr show br0 | python3 -c 'import json,sys; a=json.load(sys.stdin)[0][\"addr_info\"]; l=[(x[\"local\"],x[\"prefixlen\"],x.get(\"broadcast\")) for x in a]; sys.exit(0 if (\"192.168.50.1\",24,\"192.168.50.255\") in l and (\"fd00:50::1\",64,None) in l else 1)'"
t "br0 set up" "$NT" up br0
t "br0 is up" link_json br0 '"UP" in d[0]["flags"]'

tap=$("$NT" tap 'vnet%d' 2>&1)
[ "$tap" = vnet0 ] && ok "a tap from the template vnet%d is vnet0" ||
	not_ok "a tap from the template vnet%d is vnet0" "$tap"
t "it is a persistent tap with vnet_hdr and no packet info" link_json vnet0 \
	'd[0]["linkinfo"]["info_kind"] == "tun" and d[0]["linkinfo"]["info_data"]["type"] == "tap" and d[0]["linkinfo"]["info_data"]["pi"] is False and d[0]["linkinfo"]["info_data"]["vnet_hdr"] is True and d[0]["linkinfo"]["info_data"]["persist"] is True'
t_out "the next one is vnet1, owned by uid 4242" vnet1 "$NT" tap 'vnet%d' 4242
t "vnet1's owner is 4242" link_json vnet1 'd[0]["linkinfo"]["info_data"]["user"] in (4242, "4242")'
t_err "creating a tap over an existing name is refused" "'vnet0': it exists" \
	"$NT" tap vnet0
t "an existing tap opens as nido-vmm opens it" "$NT" tap-open vnet0
t_err "a missing tap is not created by opening it" "tap 'nosuch' does not exist" \
	"$NT" tap-open nosuch
t "no tap 'nosuch' appeared" bash -c '! ip link show nosuch'
t "vnet0 attached to br0" "$NT" master vnet0 br0
t "the kernel has br0 as vnet0's master" link_json vnet0 'd[0]["master"] == "br0"'
t "vnet0 detached" "$NT" master vnet0 -
t "vnet0 has no master" link_json vnet0 '"master" not in d[0]'
t "vnet0 deleted" "$NT" tap-del vnet0
t "vnet0 is gone" bash -c '! ip link show vnet0'

t "veth pair ve0/ve1 created" "$NT" veth ve0 ve1
t "the kernel has ve0 as a veth" link_json ve0 \
	'd[0]["linkinfo"]["info_kind"] == "veth"'
new_ns client
t "ve1 moved into the client's namespace" "$NT" netns ve1 "$client"
t "ve1 left this namespace" bash -c '! ip link show ve1'
t "the client's namespace has it" in_ns "$client" ip link show ve1
t "ve0 attached to br0 and set up" bash -c "'$NT' master ve0 br0 && '$NT' up ve0"
in_ns "$client" ip addr add 192.168.50.2/24 dev ve1
in_ns "$client" ip link set ve1 up
# STP: the port listens and learns for two forward delays first.
t "ve0 reaches STP's forwarding state" wait_for 30 link_json ve0 \
	'd[0]["linkinfo"]["info_slave_data"]["state"] == "forwarding"'
t "the client pings the host across the bridge" \
	in_ns "$client" busybox ping -c 3 -W 5 192.168.50.1
q=$("$NT" query ve0)
rx=$(sed -n 's/^rx_packets=//p' <<<"$q")
tx=$(sed -n 's/^tx_packets=//p' <<<"$q")
[ "${rx:-0}" -ge 3 ] && [ "${tx:-0}" -ge 3 ]
ok_or=$?
[ $ok_or = 0 ] && ok "ve0's counters saw the pings (rx $rx, tx $tx)" ||
	not_ok "ve0's counters saw the pings" "$q"
t_out "query names ve0's bridge and state" "up=1" "$NT" query ve0
t "ve0 set down (domif-setlink)" "$NT" down ve0
t_out "query says it is down" "up=0" "$NT" query ve0
t "the kernel agrees" link_json ve0 '"UP" not in d[0]["flags"]'
t "the client no longer reaches the host" \
	bash -c "! nsenter -t $client -n busybox ping -c 1 -W 1 192.168.50.1"
t "ve0's MTU and MAC changed" \
	bash -c "'$NT' mtu ve0 1300 && '$NT' mac ve0 52:54:00:11:22:33"
t "the kernel has them" link_json ve0 \
	'd[0]["mtu"] == 1300 and d[0]["address"] == "52:54:00:11:22:33"'
t_err "an MTU of 20 is refused" "out of range" "$NT" mtu ve0 20
t_err "a multicast MAC is refused" "multicast" "$NT" mac ve0 01:00:5e:00:00:01

t_err "a bridge named 'a;b' is refused" "invalid character" "$NT" bridge 'a;b'
t_err "a 16-character name is refused" "1 to 15 characters" \
	"$NT" bridge 0123456789abcdef
t_err "a name with a space is refused" "invalid character" "$NT" veth 'a b' c
t_err "'%d' is only for taps" "'%d' in a template" "$NT" bridge 'br%d'
t "br0 deleted" "$NT" del br0
t_err "deleting it again says it is gone" "interface 'br0': No such device" \
	"$NT" del br0
t "ve0 stays, without a master" link_json ve0 '"master" not in d[0]'
done_testing
