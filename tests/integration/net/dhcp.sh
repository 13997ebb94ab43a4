#!/usr/bin/env bash
# dnsmasq on a bridge with the configuration src/net writes
# (net/dnsmasq.h), in a network namespace of the test's own: busybox
# udhcpc in client namespaces (on veths attached to the bridge) gets an
# address from the range, the static host its fixed address; the DNS
# answers the configured and the leased names; the lease file reads back
# through the library's parser; a client sees the router advertisement.
. "$(dirname "$0")/lib.sh"

if ! command -v dnsmasq >/dev/null; then
	echo "1..0 # SKIP dnsmasq is not installed (dnsmasq-base)"
	exit 0
fi
dir=$tmp/dnsmasq
mkdir -p "$dir"
# dnsmasq drops to its own user: it must reach its files.
chmod 755 "$tmp" "$dir"

"$NT" bridge br0 >/dev/null && "$NT" addr br0 192.168.70.1/24 &&
	"$NT" addr br0 fd00:70::1/64 && "$NT" up br0
t "dnsmasq files written for br0" "$NT" dnsmasq "$dir" br0 192.168.70.1/24 \
	range=192.168.70.10-192.168.70.20 \
	host=52:54:00:00:00:42,192.168.70.5,fixed \
	dns=192.168.70.99,printer domain=lab.example \
	ip6=fd00:70::1/64 range6=fd00:70::10-fd00:70::ff
t_out "dnsmasq finds its configuration valid" "syntax check OK" \
	dnsmasq --test --conf-file="$dir/dnsmasq.conf"
t_out "the static host is in the DHCP hosts file" \
	"52:54:00:00:00:42,192.168.70.5,fixed" cat "$dir/dhcp-hosts"

dnsmasq --conf-file="$dir/dnsmasq.conf" >"$tmp/dnsmasq.log" 2>&1 &
extra_pids=$!
t "dnsmasq runs and writes its pid file" wait_for 20 test -s "$dir/pid"

# client NAME MAC: a namespace with a veth end on br0, MAC set; NAME_ns
# gets the namespace's pid.
client() {
	local ns
	new_ns ns
	"$NT" veth "$1" "$1in" && "$NT" netns "$1in" "$ns" &&
		"$NT" master "$1" br0 && "$NT" up "$1" || return 1
	in_ns "$ns" ip link set "$1in" address "$2"
	in_ns "$ns" ip link set "$1in" up
	printf -v "$1_ns" '%s' "$ns"
}
client fix 52:54:00:00:00:42
client dyn 52:54:00:00:00:77

# udhcpc without a script: it asks, prints the lease, and leaves.
lease() { # NS IFACE [HOSTNAME]
	in_ns "$1" timeout 60 busybox udhcpc -i "$2" -n -q -t 10 -T 2 \
		-s /bin/true ${3:+-x hostname:$3} 2>&1
}
t_out "the static host gets its fixed address" \
	"lease of 192.168.70.5 obtained" lease "$fix_ns" fixin
out=$(lease "$dyn_ns" dynin dynbox)
addr=$(sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p' <<<"$out")
last=${addr##*.}
[[ $addr == 192.168.70.* ]] && [ "$last" -ge 10 ] && [ "$last" -le 20 ] &&
	ok "another client gets an address from the range ($addr)" ||
	not_ok "another client gets an address from the range" "$out"

t "the lease file has both leases" wait_for 20 bash -c \
	"grep -q 192.168.70.5 '$dir/leases' && grep -q '$addr' '$dir/leases'"
leases=$("$NT" leases "$dir/leases" 2>&1)
t_out "the parser reads the static host's lease" \
	"52:54:00:00:00:42 192.168.70.5 fixed" echo "$leases"
t_out "and the other one, with the name the client sent" \
	"52:54:00:00:00:77 $addr dynbox" echo "$leases"
exp=$(awk '$3 == "192.168.70.5" { print $1 }' <<<"$leases")
[ "${exp:-0}" -gt "$(date +%s)" ] &&
	ok "the lease expires in the future ($exp)" ||
	not_ok "the lease expires in the future" "$leases"

in_ns "$fix_ns" ip addr add 192.168.70.5/24 dev fixin
# NAME: the IPv4 addresses the network's DNS gives for NAME (busybox
# nslookup also asks for AAAA, which has no upstream here: its status
# does not count).
dns() {
	in_ns "$fix_ns" busybox nslookup -type=a "$1" 192.168.70.1 2>&1 |
		sed -n '/^Name:/,$ s/^Address: *//p' | tr '\n' ' '
}
t_out "DNS answers a configured host name" 192.168.70.99 dns printer
t_out "DNS answers a leased client's name" "$addr" dns dynbox.lab.example
t_out "DNS answers the static host's name" 192.168.70.5 dns fixed.lab.example
[ -z "$(dns nosuchhost.lab.example)" ] &&
	ok "DNS has no address for an unknown name" ||
	not_ok "DNS has no address for an unknown name" "$(dns nosuchhost.lab.example)"

# Router advertisements (DHCPv6 is stateful here, as libvirt's: the RA
# gives the route and the on-link prefix, not an address).
# (The client has no address of its own in fd00:70::/64: the on-link
# route can only come from the RA's prefix.)
t "a client learns the IPv6 prefix from dnsmasq's RA" wait_for 60 \
	bash -c "nsenter -t $dyn_ns -n ip -6 route show dev dynin | grep -q '^fd00:70::/64 '"
t "and its default route through the host" \
	bash -c "nsenter -t $dyn_ns -n ip -6 route show default | grep -q 'via fe80::.* dev dynin proto ra'"

printf 'garbage line\n' >"$tmp/bad-leases"
t_err "a broken lease file is refused, naming the line" \
	"lease file line 1: 2 fields, expected 5" "$NT" leases "$tmp/bad-leases"
t "a missing lease file has no leases" "$NT" leases "$tmp/none"
done_testing
