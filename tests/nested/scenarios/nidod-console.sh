# The README's main job, and issue 6's nested check: nidod with the kvm
# driver runs a real Linux guest on layer 1's KVM. The system daemon's
# first start defines and starts the `default` network (NAT, DHCP), as
# libvirt's does. A qcow2 disk made with `nido img`, a domain defined
# from XML with an interface on `default`, started through the daemon;
# the guest gets its address from the network's DHCP (net-dhcp-leases,
# domifaddr); its console reaches its shell and runs commands, one of
# them a ping of the host's side of the network; `nido shutdown` (the
# ACPI power button, as virsh's default) ends it cleanly and the domain
# is shut off. The guest starts with 1 of its 2 vCPUs (<vcpu current>):
# `nido setvcpus --live` adds the other through ACPI CPU hotplug, the
# guest's kernel makes it present, the shell onlines it and nproc says 2
# (its TSC in step: no warp); `nido vcpucount` shows both counts. Then
# `setvcpus 1` removes it (an ACPI eject request: the guest's kernel
# offlines and ejects it), it is added and onlined again, and removed
# again: nproc 1. Layer 2's console is kept in l2-console.log.
# nested-timeout: 600

vmm=$(nido_vmm)
[ -c /dev/kvm ] || fail "layer 1 has no /dev/kvm"
build=$NIDO_BUILD_DIR
nido=$build/src/cli/nido
[ -x "$nido" ] && [ -x "$build/src/daemon/nidod" ] || skip "nido or nidod is not built"

export NIDO_VMM=$vmm NIDO_DAEMON=$build/src/daemon/nidod
export NIDO_STATE_DIR=$NIDO_WORK/state NIDO_RUNTIME_DIR=$NIDO_WORK/run
export NIDO_DEFAULT_URI=nido:///system

# Guests' taps: the tun module, and its node (layer 1's devtmpfs makes it
# only once the module is in).
modprobe tun 2>/dev/null || true
if [ ! -c /dev/net/tun ] && [ -e /sys/class/misc/tun/dev ]; then
	mkdir -p /dev/net
	mknod /dev/net/tun c 10 200
fi
[ -c /dev/net/tun ] || fail "layer 1 has no /dev/net/tun"

# The daemon, in system mode, as a host would run it from its unit.
"$build/src/daemon/nidod" --system --log-file "$NIDO_RESULTS/nidod.log" &
nidod_pid=$!
# Networks outlive their daemon (as libvirt's): the demo's is taken down
# before its daemon ends, so that a host running the demo keeps nothing.
# What layer 2 said on its console, and its engine's log, stay in the
# results whatever the outcome.
guest_console=$NIDO_RESULTS/l2-console.log
: >"$guest_console"
keep_logs()
{
	for f in "$NIDO_RUNTIME_DIR"/*/demo.log; do
		[ -f "$f" ] && cp "$f" "$NIDO_RESULTS/l2-nido-vmm.log"
	done
	return 0
}
trap 'keep_logs; "$nido" net-destroy default >/dev/null 2>&1 || true; kill $nidod_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] && break
	sleep 0.1
done
[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] || fail "nidod did not start (see nidod.log)"

nido() { "$build/src/cli/nido" "$@"; }
show() { echo "\$ $*"; "$@"; }

show nido net-list --all
"$nido" net-list --name | grep -qx default || fail "the system daemon did not define the default network"
show nido net-dumpxml default

# Layer 2: DHCP on its network card (busybox's udhcpc, with a script that
# sets what the lease says), then an interactive shell on the console.
cat >"$NIDO_WORK/udhcpc.script" <<'SCRIPT'
#!/bin/sh
case $1 in
bound | renew)
	ip addr add "$ip/$mask" dev "$interface"
	[ -n "$router" ] && ip route add default via "${router%% *}" ;;
esac
exit 0
SCRIPT
chmod 755 "$NIDO_WORK/udhcpc.script"
l2_initrd "$NIDO_WORK/initrd" - "$NIDO_WORK/udhcpc.script" <<'SCRIPT'
echo "guest: Linux $(uname -r), $(nproc) CPUs, $(grep MemTotal /proc/meminfo | tr -s ' ')"
ip link set lo up; ip link set eth0 up
udhcpc -i eth0 -q -t 30 -s /test/udhcpc.script >/tmp/udhcpc.log 2>&1 &
PS1='guest# ' exec setsid cttyhack sh -i
SCRIPT


show nido img create -f qcow2 "$NIDO_WORK/demo.qcow2" 64M
cat >"$NIDO_WORK/demo.xml" <<XML
<domain type='kvm'>
  <name>demo</name>
  <memory unit='MiB'>256</memory>
  <vcpu current='1'>2</vcpu>
  <os>
    <kernel>$L2_VMLINUX</kernel>
    <initrd>$NIDO_WORK/initrd</initrd>
    <cmdline>$(l2_cmdline pci=off i8042.noaux i8042.nomux i8042.dumbkbd nido.cad=poweroff nido.button=poweroff)</cmdline>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$NIDO_WORK/demo.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <console type='pty'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>
XML
show nido define "$NIDO_WORK/demo.xml" || fail "define"
show nido start demo || fail "start"
show nido list --all

# Wait for the guest's prompt, then type into its console.
deadline=$((SECONDS + 240))
log=$NIDO_WORK/console.out
until grep -q 'guest# ' "$log" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "the guest's shell did not appear on the console"
	{ sleep 3; printf '\n'; } | "$nido" console demo >"$log" 2>&1 || true
	cat "$log" >>"$guest_console"
done
# What a failed DHCP exchange leaves to look at, in the results.
network_diag()
{
	{
		ip -d link show
		ip addr
		bridge link
		nft list ruleset
		ps -ef | grep '[d]nsmasq'
		cat "$NIDO_RUNTIME_DIR"/dnsmasq/default/*
		ip -s link show master virbr0
		printf '%s\n' 'cat /tmp/udhcpc.log' 'ip addr' 'ip -s link' |
			"$nido" console demo
	} >"$NIDO_RESULTS/network-diag.txt" 2>&1
}

# A guest that stopped answering: what its console still says (kernel
# messages: a CPU that did not boot, a stall), its vCPUs as the engine
# and layer 1's kernel see them.
guest_diag()
{
	{
		echo "== the console, 20 s more"
		{ sleep 20; printf '\n'; } | timeout 30 "$nido" console demo
		echo "== vcpuinfo"
		timeout 10 "$nido" vcpuinfo demo
		echo "== nido-vmm's threads (name state wchan)"
		for t in /proc/$(pgrep -o -x nido-vmm)/task/*; do
			echo "$(cat "$t/comm") $(awk '{print $3}' "$t/stat") $(cat "$t/wchan")"
		done
	} >"$NIDO_RESULTS/l2-diag.txt" 2>&1
	sed 's/^/  /' "$NIDO_RESULTS/l2-diag.txt"
}

# The guest's DHCP client asks the network's dnsmasq for an address.
deadline=$((SECONDS + 120))
until "$nido" net-dhcp-leases default | grep -q ipv4; do
	[ $SECONDS -lt $deadline ] || { network_diag; fail "the guest got no DHCP lease on the default network"; }
	sleep 1
done
show nido net-dhcp-leases default
show nido domiflist demo
show nido domifaddr demo
addr=$("$nido" domifaddr demo | awk '$3 == "ipv4" { sub("/.*", "", $4); print $4 }')
case $addr in 192.168.*) ;; *) fail "domifaddr shows no IPv4 address of the network: '$addr'" ;; esac
gw=$("$nido" net-dumpxml default | sed -n "s/.*<ip address='\([0-9.]*\)'.*/\1/p")

# vCPU hot add: 1 of 2 runs; setvcpus --live adds the second.
show nido vcpucount demo
"$nido" dumpxml demo | grep -q "<vcpu placement='static' current='1'>2</vcpu>" ||
	fail "dumpxml does not show 1 of 2 vCPUs"
show nido setvcpus demo 3 --live && fail "setvcpus above the maximum was accepted"
show nido setvcpus demo 2 --live || fail "setvcpus --live 2"
show nido vcpucount demo
"$nido" vcpucount demo | grep -q '^current *live *2$' || fail "vcpucount: not 2 live vCPUs"
"$nido" vcpucount demo | grep -q '^current *config *1$' || fail "vcpucount: the configuration's count changed"

# session NAME COMMAND...: types the commands into the guest's console,
# then a marker command, and waits for the marker's answer (120 s);
# what came back is in $NIDO_WORK/NAME.out and the results' console log.
# The console's input stays open (a FIFO opened read-write) until the
# last command's answer is back: at the end of its input, nido console
# waits only until the guest is quiet for a moment, and under TCG the
# guest can be slower than that.
session()
{
	local name=$1 in=$NIDO_WORK/$1.in raw=$NIDO_WORK/$1.raw cpid deadline
	shift
	echo "\$ nido console demo    (typing the commands after the prompts)"
	mkfifo "$in"
	"$nido" console demo <>"$in" >"$raw" 2>&1 &
	cpid=$!
	printf '%s\n' "$@" 'echo session-$((40 + 2))' >"$in"
	deadline=$((SECONDS + 120))
	until grep -q 'session-42' "$raw"; do
		[ $SECONDS -lt $deadline ] || break
		sleep 1
	done
	kill "$cpid" 2>/dev/null || true
	wait "$cpid" 2>/dev/null || true
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$raw" | tee "$NIDO_WORK/$name.out"
	cat "$NIDO_WORK/$name.out" >>"$guest_console"
	grep -q 'session-42' "$NIDO_WORK/$name.out" || {
		guest_diag
		fail "the guest's shell stopped answering (its console: l2-console.log, l2-diag.txt)"
	}
}

session session 'uname -a' 'ls /sys/block' 'ip -4 -o addr show dev eth0' "ping -c 1 -W 5 $gw" \
	'echo written-by-the-guest | dd of=/dev/vda bs=512 conv=sync,fsync' \
	'for i in $(seq 30); do [ -e /sys/devices/system/cpu/cpu1/online ] && break; sleep 1; done' \
	'echo cpu1-before=$(cat /sys/devices/system/cpu/cpu1/online)' \
	'echo 1 >/sys/devices/system/cpu/cpu1/online' \
	'echo cpu1-online=$(cat /sys/devices/system/cpu/cpu1/online) nproc=$(nproc)' \
	'dmesg | grep -e "CPU1 has been hot-added" -e "Booting Node 0 Processor 1"' \
	'dmesg | grep -i -e "tsc.*unstable" -e "tsc warp" -e "tsc.*sync" -e "tsc adjust"' \
	'echo tsc-warnings=$(dmesg | grep -c -i -e "tsc warp" -e "check_tsc_sync_source failed" -e "tsc adjust")'
grep -q "vda" "$NIDO_WORK/session.out" || fail "the guest does not see its disk"
grep -q "inet $addr/" "$NIDO_WORK/session.out" || fail "the guest does not have the address of its lease ($addr)"
grep -q " 0% packet loss" "$NIDO_WORK/session.out" || fail "the guest does not reach the network's host side ($gw)"
grep -q "cpu1-before=[01]" "$NIDO_WORK/session.out" || fail "the hot-added vCPU did not appear in the guest"
grep -q "cpu1-online=1 nproc=2" "$NIDO_WORK/session.out" || fail "the hot-added vCPU is not online in the guest"
grep -q "CPU1 has been hot-added" "$NIDO_WORK/session.out" || fail "the guest's kernel did not hot-add CPU 1 through ACPI"
# A warp the guest measured when it brought CPU 1 up. (Without an
# invariant TSC, which nido-vmm offers only when layer 1's clocksource
# is the TSC, a guest on AMD with 2 possible CPUs marks its TSC unstable
# at boot, "TSCs unsynchronized", and measures nothing: not a warp.)
grep -q "tsc-warnings=0" "$NIDO_WORK/session.out" || fail "the hot-added vCPU's TSC is not in step (see the session)"

# vCPU hot remove: the guest's kernel gets an eject request for CPU 1,
# offlines it and ejects it (_EJ0). setvcpus waits 5 s for that, as
# libvirt does, and says so when the guest takes longer (under TCG it
# may): the request stays with the guest, and the count follows.
if ! show nido setvcpus demo 1 --live; then
	"$nido" setvcpus demo 1 --live 2>&1 | grep -q 'vcpu unplug request timed out' ||
		fail "setvcpus 1 failed otherwise than by the guest's slowness"
fi
deadline=$((SECONDS + 120))
until "$nido" vcpucount demo | grep -q '^current *live *1$'; do
	[ $SECONDS -lt $deadline ] || fail "the guest did not eject vCPU 1"
	sleep 1
done
show nido vcpucount demo
show nido vcpuinfo demo
[ "$("$nido" vcpuinfo demo | grep -c '^VCPU:')" = 1 ] || fail "vcpuinfo does not show 1 vCPU"
# ... and added again: the same KVM vCPU, started again by the guest.
show nido setvcpus demo 2 --live || fail "setvcpus 2 after the removal"
session session2 'echo nproc-after-eject=$(nproc)' \
	'for i in $(seq 30); do [ -e /sys/devices/system/cpu/cpu1/online ] && break; sleep 1; done' \
	'echo 1 >/sys/devices/system/cpu/cpu1/online' \
	'echo cpu1-again=$(cat /sys/devices/system/cpu/cpu1/online) nproc=$(nproc)'
grep -q "nproc-after-eject=1" "$NIDO_WORK/session2.out" || fail "the guest still has 2 CPUs after the eject"
grep -q "cpu1-again=1 nproc=2" "$NIDO_WORK/session2.out" || fail "vCPU 1 added again is not online in the guest"
show nido setvcpus demo 1 --live || true
deadline=$((SECONDS + 120))
until "$nido" vcpucount demo | grep -q '^current *live *1$'; do
	[ $SECONDS -lt $deadline ] || fail "the guest did not eject vCPU 1 the second time"
	sleep 1
done
session session3 'echo nproc-end=$(nproc)'
grep -q "nproc-end=1" "$NIDO_WORK/session3.out" || fail "nproc is not 1 after the second eject"

show nido shutdown demo || fail "shutdown"
deadline=$((SECONDS + 120))
until [ "$("$nido" domstate demo)" = "shut off" ]; do
	[ $SECONDS -lt $deadline ] || fail "the guest did not shut down"
	sleep 1
done
show nido domstate --reason demo
"$nido" domstate --reason demo | grep -q shutdown || fail "not shut off by a shutdown"
show nido list --all
show nido img check "$NIDO_WORK/demo.qcow2" || fail "the disk does not check clean"
"$nido" img convert -O raw "$NIDO_WORK/demo.qcow2" "$NIDO_WORK/demo.raw"
got=$(head -c 20 "$NIDO_WORK/demo.raw")
echo "first bytes of the disk, read on the host: $got"
[ "$got" = written-by-the-guest ] || fail "the guest's write is not in the image"
show nido net-destroy default || fail "net-destroy"
