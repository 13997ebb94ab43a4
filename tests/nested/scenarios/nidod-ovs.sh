# Issue 11's Open vSwitch test: the host kernel has no openvswitch
# module, layer 1 (Debian's kernel) has. ovsdb-server and ovs-vswitchd
# from Debian's openvswitch-switch are started by hand (layer 1's PID 1
# is the busybox init of its initramfs: no systemd), with a bridge
# ovsbr0; nidod runs a network `ovs` on it (<forward mode='bridge'/>,
# <virtualport type='openvswitch'/>, portgroups on VLANs 10 and 20).
# Guests (guests/net.c on layer 1's KVM: ARP and ping 10.0.2.1) are
# attached to each portgroup, and one with type='bridge', a virtualport
# and its own <vlan>. Each guest's tap must be an OVS port with libvirt's
# external-ids and its VLAN's tag; the guest reaches the peer of its VLAN
# (a veth in a netns, 10.0.2.1, an access port of that VLAN) and the
# peer of the other VLAN (the same address) sees none of its frames; the
# port is gone from OVS once the guest stops or is destroyed.
# nested-timeout: 600
# Two vCPUs: Debian's ovs-vswitchd 3.1.0 dispatches upcalls per CPU,
# with a handler thread per CPU.
# nested-smp: 2

[ -c /dev/kvm ] || fail "layer 1 has no /dev/kvm"
build=${NIDO_BUILD_DIR:-}
[ -n "$build" ] || skip "no build directory (set NIDO_BUILD_DIR)"
guest=$build/guests/guest-net
for f in src/cli/nido src/daemon/nidod src/vmm/nido-vmm guests/guest-net; do
	[ -x "$build/$f" ] || skip "$f is not built in $build"
done
command -v ovsdb-server >/dev/null && [ -x /usr/lib/openvswitch-switch/ovs-vswitchd ] ||
	skip "Open vSwitch is not installed on the host (openvswitch-switch)"
t_start=$EPOCHREALTIME
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

modprobe openvswitch || fail "cannot load the openvswitch module of layer 1's kernel"
# /dev/net/tun is made when tun loads (a host makes it at boot).
modprobe tun
if [ ! -c /dev/net/tun ] && [ -e /sys/class/misc/tun/dev ]; then
	mkdir -p /dev/net
	mknod /dev/net/tun c 10 200
fi

# Open vSwitch by hand, where its tools look by default (/run/openvswitch).
ovs=$NIDO_WORK/ovs
mkdir -p "$ovs" /run/openvswitch
ovsdb-tool create "$ovs/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ovsdb-server "$ovs/conf.db" --remote=punix:/run/openvswitch/db.sock \
	--pidfile=/run/openvswitch/ovsdb-server.pid --detach -vconsole:off \
	--log-file="$NIDO_RESULTS/ovsdb-server.log" ||
	fail "ovsdb-server did not start (see ovsdb-server.log)"
ovs-vsctl --no-wait init
# ovs-vswitchd 3.1.0 counts the CPUs at most every 10 s of monotonic
# time, starting from 0: in a system up for less than 10 s it counts
# none, starts no handler thread ("Overriding n-handler-threads to 0")
# and the datapath loses every upcall (dpctl/show: "lost" equals
# "missed"), so nothing is forwarded. Layer 1 is up in 4 s: wait.
while awk '{ exit !($1 < 10.5) }' /proc/uptime; do
	sleep 0.5
done
/usr/lib/openvswitch-switch/ovs-vswitchd --pidfile=/run/openvswitch/ovs-vswitchd.pid \
	--detach -vconsole:off --log-file="$NIDO_RESULTS/ovs-vswitchd.log" ||
	fail "ovs-vswitchd did not start (see ovs-vswitchd.log)"
stop_ovs()
{
	local p
	for p in ovs-vswitchd ovsdb-server; do
		[ -f "/run/openvswitch/$p.pid" ] && kill "$(cat "/run/openvswitch/$p.pid")" 2>/dev/null
	done
	return 0
}
trap stop_ovs EXIT
ovs-vsctl --timeout=30 add-br ovsbr0 || fail "ovs-vsctl add-br ovsbr0"
! grep -q "n-handler-threads to 0," "$NIDO_RESULTS/ovs-vswitchd.log" ||
	fail "ovs-vswitchd started no upcall handler thread (see ovs-vswitchd.log)"
say "Open vSwitch $(ovs-vsctl --version | head -n 1 | awk '{ print $NF }') runs; bridge ovsbr0: $(ip -d link show ovsbr0 | grep -o openvswitch | head -n 1)"
metric ovs.setup "$(since "$t_start")" s

# The peers: one netns per VLAN, a veth whose outer end is an access
# port of that VLAN, the same address in each. No IPv6: nothing but the
# guests' frames reaches a peer, so its counters tell who talked to it.
for v in 10 20; do
	ip netns add "peer$v"
	ip link add "o$v" type veth peer name eth0 netns "peer$v"
	sysctl -qw "net.ipv6.conf.o$v.disable_ipv6=1"
	ip netns exec "peer$v" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "peer$v" addr add 10.0.2.1/24 dev eth0
	ip -n "peer$v" link set eth0 up
	ip -n "peer$v" link set lo up
	ip link set "o$v" up
	ovs-vsctl add-port ovsbr0 "o$v" tag=$v
done
# Frames OVS sent to the peer of VLAN $1 (out of o$1).
to_peer() { cat "/sys/class/net/o$1/statistics/tx_packets"; }

export NIDO_VMM=$build/src/vmm/nido-vmm NIDO_DAEMON=$build/src/daemon/nidod
export NIDO_STATE_DIR=$NIDO_WORK/state NIDO_RUNTIME_DIR=$NIDO_WORK/run
export NIDO_DEFAULT_URI=nido:///system
"$build/src/daemon/nidod" --system --log-file "$NIDO_RESULTS/nidod.log" &
nidod_pid=$!
# The VMs' logs are kept with the results.
trap 'cp "$NIDO_RUNTIME_DIR"/domains/*.log "$NIDO_RESULTS/" 2>/dev/null
	kill $nidod_pid 2>/dev/null; stop_ovs' EXIT
for _ in $(seq 100); do
	[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] && break
	sleep 0.1
done
[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] || fail "nidod did not start (see nidod.log)"
nido() { "$build/src/cli/nido" "$@"; }
show() { echo "\$ $*"; "$@"; }

cat >"$NIDO_WORK/ovs-net.xml" <<'XML'
<network>
  <name>ovs</name>
  <forward mode='bridge'/>
  <bridge name='ovsbr0'/>
  <virtualport type='openvswitch'/>
  <portgroup name='vlan10'>
    <vlan><tag id='10'/></vlan>
  </portgroup>
  <portgroup name='vlan20'>
    <vlan><tag id='20'/></vlan>
  </portgroup>
</network>
XML
show nido net-define "$NIDO_WORK/ovs-net.xml" || fail "net-define"
show nido net-start ovs || fail "net-start"

# define NAME MAC INTERFACE-XML
define()
{
	cat >"$NIDO_WORK/$1.xml" <<-XML
		<domain type='kvm'>
		  <name>$1</name>
		  <memory unit='MiB'>32</memory>
		  <vcpu>1</vcpu>
		  <os><kernel>$guest</kernel></os>
		  <devices>
		    <serial type='pty'/>
		    $3
		  </devices>
		</domain>
	XML
	nido define "$NIDO_WORK/$1.xml" >/dev/null || fail "define $1"
}
define g10 52:54:00:00:10:01 "<interface type='network'><mac address='52:54:00:00:10:01'/><source network='ovs' portgroup='vlan10'/><model type='virtio'/></interface>"
define g20 52:54:00:00:20:01 "<interface type='network'><mac address='52:54:00:00:20:01'/><source network='ovs' portgroup='vlan20'/><model type='virtio'/></interface>"
define gb 52:54:00:00:20:02 "<interface type='bridge'><mac address='52:54:00:00:20:02'/><source bridge='ovsbr0'/><virtualport type='openvswitch'/><vlan><tag id='20'/></vlan><model type='virtio'/></interface>"

tap_of() { nido domiflist "$1" | awk -v m="$2" '$5 == m { print $1 }'; }

# check_port DOMAIN MAC TAG: the running domain's tap is an OVS port
# with libvirt's external-ids and the tag; sets $tap.
check_port()
{
	local dom=$1 mac=$2 tag=$3 ids uuid got id n own=0
	[ "$dom" != gb ] || own=1
	tap=$(tap_of "$dom" "$mac")
	[ -n "$tap" ] || fail "$dom: domiflist names no tap: $(nido domiflist "$dom")"
	ovs-vsctl list-ports ovsbr0 | grep -qx "$tap" ||
		fail "$dom: its tap $tap is not a port of ovsbr0: $(ovs-vsctl list-ports ovsbr0 | tr '\n' ' ')"
	ids=$(ovs-vsctl get Interface "$tap" external_ids)
	echo "  $dom: $tap external_ids $ids"
	uuid=$(nido domuuid "$dom")
	[[ $ids == *"attached-mac=\"$mac\""* ]] || fail "$dom: attached-mac is not $mac: $ids"
	[[ $ids == *"vm-id=\"$uuid\""* ]] || fail "$dom: vm-id is not the domain's UUID $uuid: $ids"
	[[ $ids == *"iface-status=active"* ]] || fail "$dom: no iface-status=active: $ids"
	[[ $ids =~ iface-id=\"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\" ]] ||
		fail "$dom: iface-id is not a UUID: $ids"
	id=${BASH_REMATCH[0]:10:36}
	nido dumpxml "$dom" | grep -q "<parameters interfaceid='$id'/>" ||
		fail "$dom: its live XML has not the interfaceid of its port: $(nido dumpxml "$dom")"
	# A network's port: nidod made it for this run. A <virtualport>'s own
	# (type='bridge' here): made at define, kept in the definition.
	n=$(nido dumpxml --inactive "$dom" | grep -c "interfaceid='$id'" || true)
	[ "$n" = "$own" ] ||
		fail "$dom: its inactive XML has the port's interfaceid $n times, not $own"
	got=$(ovs-vsctl get Port "$tap" tag)
	[ "$got" = "$tag" ] || fail "$dom: the tag of port $tap is $got, not $tag"
	echo "  $dom: port $tap tag $got"
}

# What OVS and the peers saw, when a guest did not get through.
diagnose() # vlan
{
	{
		ovs-vsctl show
		ovs-ofctl dump-ports ovsbr0
		ovs-appctl fdb/show ovsbr0
		ovs-dpctl dump-flows
		ip -s link show "$tap"
		ip -n "peer$1" -s link show eth0
		ip -n "peer$1" neigh
	} 2>&1 | sed 's/^/  [diagnose] /'
}

# run_guest DOMAIN MAC VLAN OTHER-VLAN: started paused, its port checked,
# run to its end; it reached the peer of VLAN and sent nothing to the
# peer of OTHER-VLAN; its port is gone once it stopped.
run_guest()
{
	local dom=$1 mac=$2 vlan=$3 other=$4 before out cpid t0=$EPOCHREALTIME
	show nido start --paused "$dom" || fail "start $dom"
	check_port "$dom" "$mac" "$vlan"
	say "$dom: tap $tap is a port of ovsbr0 with libvirt's external-ids, tag $vlan"
	before=$(to_peer "$other")
	# Its input a FIFO opened read-write: no end of file to close it.
	[ -p "$NIDO_WORK/hold" ] || mkfifo "$NIDO_WORK/hold"
	timeout 120 "$build/src/cli/nido" console "$dom" <>"$NIDO_WORK/hold" \
		>"$NIDO_WORK/$dom.console" 2>&1 &
	cpid=$!
	sleep 1
	nido resume "$dom" >/dev/null || fail "resume $dom"
	for _ in $(seq 60); do
		[ "$(nido domstate "$dom")" = "shut off" ] && break
		sleep 1
	done
	kill "$cpid" 2>/dev/null || true
	wait "$cpid" 2>/dev/null || true
	out=$(tr -d '\r' <"$NIDO_WORK/$dom.console")
	sed 's/^/  ['"$dom"'] /' <<<"$out"
	[ "$(nido domstate "$dom")" = "shut off" ] || {
		diagnose "$vlan"
		fail "$dom did not end"
	}
	[[ $out == *"ok"*"ICMP echo: the host end answers the ping"* ]] &&
		[[ $out != *"not ok"* ]] ||
		fail "$dom did not reach the peer of VLAN $vlan"
	ip -n "peer$vlan" neigh show 10.0.2.15 | grep -q "lladdr $mac" ||
		fail "the peer of VLAN $vlan did not see $dom's MAC"
	say "$dom reached the peer of VLAN $vlan (ARP, ping)"
	[ "$(to_peer "$other")" = "$before" ] ||
		fail "$dom's frames reached the peer of VLAN $other ($before then $(to_peer "$other") packets)"
	! ip -n "peer$other" neigh show 10.0.2.15 | grep -q "lladdr $mac" ||
		fail "the peer of VLAN $other knows $dom's MAC"
	say "the peer of VLAN $other got none of $dom's frames"
	! ovs-vsctl list-ports ovsbr0 | grep -qx "$tap" ||
		fail "$dom stopped but its port $tap is still on ovsbr0"
	! ip link show "$tap" >/dev/null 2>&1 || fail "$dom stopped but its tap $tap is still there"
	say "$dom stopped: port $tap is gone from ovsbr0"
	metric "ovs.guest.$dom" "$(since "$t0")" s
}

run_guest g10 52:54:00:00:10:01 10 20
run_guest g20 52:54:00:00:20:01 20 10
run_guest gb 52:54:00:00:20:02 20 10

# Destroy: the port goes too.
show nido start --paused g10 || fail "start g10 again"
check_port g10 52:54:00:00:10:01 10
show nido destroy g10 || fail "destroy g10"
! ovs-vsctl list-ports ovsbr0 | grep -qx "$tap" ||
	fail "g10 destroyed but its port $tap is still on ovsbr0"
say "g10 destroyed: port $tap is gone from ovsbr0"
show ovs-vsctl show
show nido net-destroy ovs || fail "net-destroy"
ip link show ovsbr0 >/dev/null 2>&1 || fail "net-destroy removed the host's bridge ovsbr0"
metric ovs.total "$(since "$t_start")" s
