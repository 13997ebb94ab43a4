#!/usr/bin/env bash
# src/net's firewall (net/fw.h) in a network namespace of the test's own:
# a host with a bridge, a client namespace on the bridge and an "outside"
# namespace with a server that answers each connection with the address
# it saw. NAT: the outside sees the host; port forwarding: the outside
# reaches the client through the host's port; routed: the outside sees the
# client and reaches back; isolated: no way out, clients still reach each
# other; open: no rules. Rules re-applied are not duplicated; removal and
# cleanup leave no table of nido's and every other table as it was.
. "$(dirname "$0")/lib.sh"

# Replies "ADDRESS\n" with the peer's address to each connection on $1.
server() {
	exec python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(16)
while True:
    c, a = s.accept()
    c.sendall((a[0].removeprefix("::ffff:") + "\n").encode())
    c.close()
' "$1"
}

# ask NS HOST PORT: what the server at HOST:PORT saw of us, or nothing.
ask() {
	in_ns "$1" timeout 10 busybox nc -w 3 "$2" "$3" </dev/null 2>/dev/null
}

# table_rules TABLE: the number of rules in inet TABLE.
table_rules() {
	nft -j list table inet "$1" |
		python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin)["nftables"] if "rule" in x))'
}

nido_tables() {
	nft -j list tables | python3 -c '
import json, sys
print(" ".join(sorted(x["table"]["family"] + " " + x["table"]["name"]
    for x in json.load(sys.stdin)["nftables"] if "table" in x)))'
}

sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
"$NT" bridge br0 >/dev/null && "$NT" addr br0 192.168.60.1/24 &&
	"$NT" up br0
new_ns client
new_ns client2
new_ns outside
"$NT" veth c1 c1in && "$NT" netns c1in "$client" && "$NT" master c1 br0 &&
	"$NT" up c1
"$NT" veth c2 c2in && "$NT" netns c2in "$client2" && "$NT" master c2 br0 &&
	"$NT" up c2
in_ns "$client" sh -c 'ip addr add 192.168.60.10/24 dev c1in && ip link set c1in up && ip route add default via 192.168.60.1'
in_ns "$client2" sh -c 'ip addr add 192.168.60.11/24 dev c2in && ip link set c2in up && ip route add default via 192.168.60.1'
"$NT" veth up0 up0in && "$NT" netns up0in "$outside" && "$NT" up up0 &&
	"$NT" addr up0 10.99.0.1/24
in_ns "$outside" sh -c 'ip addr add 10.99.0.2/24 dev up0in && ip link set up0in up'
in_ns "$outside" bash -c "$(declare -f server); server 9000" >/dev/null 2>&1 &
extra_pids="$!"
in_ns "$client" bash -c "$(declare -f server); server 9000" >/dev/null 2>&1 &
extra_pids="$extra_pids $!"
t "the outside's server answers the host" wait_for 20 bash -c \
	"[ \"\$(busybox nc -w 2 10.99.0.2 9000 </dev/null)\" = 10.99.0.1 ]"
t "the client's server answers its neighbour" wait_for 20 bash -c \
	"[ \"\$(nsenter -t $client2 -n busybox nc -w 2 192.168.60.10 9000 </dev/null)\" = 192.168.60.11 ]"

out=$(ask "$client" 10.99.0.2 9000)
[ -z "$out" ] && ok "without rules the outside cannot answer the client" ||
	not_ok "without rules the outside cannot answer the client" "$out"

nat_args=(nat br0 192.168.60.1/24 fwd=tcp:8080:192.168.60.10:9000)
t "a NAT network's rules installed" "$NT" fw "${nat_args[@]}"
t_out "nft lists its table" "table inet nido-br0" nft list table inet nido-br0
t "its postrouting chain masquerades, its prerouting chain forwards 8080" \
	bash -c 'nft -j list table inet nido-br0 | grep -q "\"masquerade\"" && nft list chain inet nido-br0 guest_dnat | grep -q "tcp dport 8080 dnat ip to 192.168.60.10:9000"'
t_out "NAT: the outside sees the host's address" 10.99.0.1 \
	ask "$client" 10.99.0.2 9000
t_out "port forward: the outside reaches the client through 10.99.0.1:8080" \
	10.99.0.2 ask "$outside" 10.99.0.1 8080
n1=$(table_rules nido-br0)
t "the same rules installed again" "$NT" fw "${nat_args[@]}"
n2=$(table_rules nido-br0)
[ "$n1" -gt 0 ] && [ "$n1" = "$n2" ] &&
	ok "no rule duplicated ($n1 rules, then $n2)" ||
	not_ok "no rule duplicated" "$n1 then $n2"
t_out "fw-list names br0" br0 "$NT" fw-list

t_err "a forward to a guest outside the subnet is refused" \
	"guest address 10.5.5.5 is not in the network's subnets" \
	"$NT" fw nat br0 192.168.60.1/24 fwd=tcp:8081:10.5.5.5:80
t "the installed rules are untouched" \
	bash -c "[ \$(nft -j list table inet nido-br0 | md5sum | cut -c1-32) = $(nft -j list table inet nido-br0 | md5sum | cut -c1-32) ] && [ $n1 = \$(nft -j list table inet nido-br0 | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin)[\"nftables\"] if \"rule\" in x))') ]"
t_err "a bridge named 'br0\";' is refused" "invalid character" \
	"$NT" fw nat 'br0";' 192.168.60.1/24
t_err "a NAT address range the wrong way round is refused" "bad range" \
	"$NT" fw nat br0 192.168.60.1/24 nat=10.99.0.9-10.99.0.1

t "a routed network's rules replace them" "$NT" fw route br0 192.168.60.1/24
t "there is no NAT chain left" bash -c '! nft list chain inet nido-br0 guest_nat'
in_ns "$outside" ip route add 192.168.60.0/24 via 10.99.0.1
t_out "routed: the outside sees the client's own address" 192.168.60.10 \
	ask "$client" 10.99.0.2 9000
t_out "routed: the outside reaches the client" 10.99.0.2 \
	ask "$outside" 192.168.60.10 9000

t "an isolated network's rules replace them" "$NT" fw isolated br0 192.168.60.1/24
out=$(ask "$client" 10.99.0.2 9000)
[ -z "$out" ] && ok "isolated: the client cannot reach the outside" ||
	not_ok "isolated: the client cannot reach the outside" "$out"
out=$(ask "$outside" 192.168.60.10 9000)
[ -z "$out" ] && ok "isolated: the outside cannot reach the client" ||
	not_ok "isolated: the outside cannot reach the client" "$out"
t_out "isolated: clients of the network still reach each other" \
	192.168.60.11 ask "$client2" 192.168.60.10 9000
t_out "isolated: the host still reaches its clients" 192.168.60.1 \
	bash -c "busybox nc -w 3 192.168.60.10 9000 </dev/null"

t "an open network has no rules" "$NT" fw open br0 192.168.60.1/24
t "its table is gone" bash -c '! nft list table inet nido-br0'
t_out "open: the outside reaches the client" 10.99.0.2 \
	ask "$outside" 192.168.60.10 9000

# Tables of others: nido must leave them as they are.
nft -f - <<'NFT'
table ip filter {
	chain FORWARD { type filter hook forward priority filter; policy accept; }
}
table inet other {
	chain x {
		counter
	}
}
table inet nido {
	chain x {
		counter
	}
}
NFT
before=$(nido_tables)
[ "$before" = "inet nido inet other ip filter" ] &&
	ok "other tables made (one named 'nido', which is not nido's)" ||
	not_ok "other tables made" "$before"
t "two networks' rules installed" bash -c \
	"'$NT' fw nat br0 192.168.60.1/24 && '$NT' fw route br9 10.9.0.0/24"
t_out "fw-list names both" "$(printf 'br0\nbr9')" "$NT" fw-list
t "one removed" "$NT" fw-remove br9
t "removing it again is not an error" "$NT" fw-remove br9
t "the other stays" nft list table inet nido-br0
t "cleanup" "$NT" fw-cleanup
after=$(nido_tables)
[ "$after" = "$before" ] &&
	ok "after cleanup exactly the other tables remain ($after)" ||
	not_ok "after cleanup exactly the other tables remain" \
		"before: $before" "after: $after"
[ -z "$("$NT" fw-list)" ] && ok "no nido table listed" ||
	not_ok "no nido table listed" "$("$NT" fw-list)"
# Docker's set-up, made as Docker makes it (iptables-nft): FORWARD's
# policy drop, a DOCKER-USER chain jumped to first.
nido_rules() { # FAMILY CHAIN: rules commented nido:* there
	nft -j list chain "$1" filter "$2" 2>/dev/null | python3 -c '
import json, sys
print(sum(1 for x in json.load(sys.stdin)["nftables"]
    if "rule" in x and x["rule"].get("comment", "").startswith("nido:")))'
}
if command -v iptables >/dev/null; then
	iptables -N DOCKER-USER && iptables -A DOCKER-USER -j RETURN &&
		iptables -I FORWARD -j DOCKER-USER && iptables -P FORWARD DROP
else
	nft -f - <<'NFT'
table ip filter {
	chain DOCKER-USER {
		return
	}
	chain FORWARD {
		type filter hook forward priority filter; policy drop;
		jump DOCKER-USER
	}
}
NFT
fi
docker_before=$(nft -s list table ip filter)
"$NT" fw-script nat br0 192.168.60.1/24 | nft -f -
out=$(ask "$client" 10.99.0.2 9000)
[ -z "$out" ] &&
	ok "Docker's FORWARD drop beats an accept in nido's own table alone" ||
	not_ok "Docker's FORWARD drop beats nido's own table alone" "$out"
t "a NAT network's rules installed next to Docker" \
	"$NT" fw nat br0 192.168.60.1/24
t_out "two rules of nido's at the top of DOCKER-USER" 2 nido_rules ip DOCKER-USER
if command -v iptables >/dev/null; then
	t_out "iptables (Docker's tool) still reads its table, with nido's rules" \
		'-A DOCKER-USER -i br0 -m comment --comment "nido:br0" -j ACCEPT' \
		iptables -S DOCKER-USER
fi
t_out "NAT works again: the outside sees the host" 10.99.0.1 \
	ask "$client" 10.99.0.2 9000
t "installed again" "$NT" fw nat br0 192.168.60.1/24
t_out "still two rules in DOCKER-USER" 2 nido_rules ip DOCKER-USER
t "an isolated network's rules replace them" "$NT" fw isolated br0 192.168.60.1/24
out=$(ask "$client" 10.99.0.2 9000)
[ -z "$out" ] && ok "nido's own table still decides: isolated stays isolated" ||
	not_ok "nido's own table still decides: isolated stays isolated" "$out"
t_out "the client's neighbour still reaches it" 192.168.60.11 \
	ask "$client2" 192.168.60.10 9000
t "removed" "$NT" fw-remove br0
t_out "no rule of nido's in DOCKER-USER" 0 nido_rules ip DOCKER-USER
[ "$(nft -s list table ip filter)" = "$docker_before" ] &&
	ok "Docker's table is as it was" ||
	not_ok "Docker's table is as it was" "$(nft list table ip filter)"
# A plain iptables firewall: FORWARD drops, no DOCKER-USER.
nft flush chain ip filter FORWARD && nft delete chain ip filter DOCKER-USER
t "installed next to a plain FORWARD drop" "$NT" fw nat br0 192.168.60.1/24
t_out "two rules of nido's in FORWARD" 2 nido_rules ip FORWARD
t_out "NAT works there too" 10.99.0.1 ask "$client" 10.99.0.2 9000
t "cleanup" "$NT" fw-cleanup
t_out "no rule of nido's in FORWARD" 0 nido_rules ip FORWARD
t_out "FORWARD's policy is still drop" "policy drop" nft list chain ip filter FORWARD
[ -z "$(nft list tables | grep nido-)" ] && ok "no table of nido's" ||
	not_ok "no table of nido's" "$(nft list tables)"
done_testing
