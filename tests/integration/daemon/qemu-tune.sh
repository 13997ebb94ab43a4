#!/usr/bin/env bash
# A qemu domain's resource controls through QMP, in one TCG boot
# (docs/drivers.md): an interface that starts with its link down; a disk's <iotune> applied before the vCPUs run
# (block_set_io_throttle), read back from QEMU (query-block) by `nido
# blkdeviotune`, changed with --live and --config, and felt by the
# guest (a throttled read takes its time); the balloon's statistics in
# `nido domstats --balloon` (query-balloon, the guest driver's report
# through qom-get guest-stats, QEMU's resident memory); setmem --live
# through QMP's balloon and dommemstat. Then, with no
# boot, a limit QEMU refuses fails the start by name.
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
QEMU=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU" ]; then
	skip "the qemu driver's resource controls" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi

# The initramfs's additions: the virtio PCI, block and balloon drivers,
# the panic device's, loaded by /etc/nido-extra.
extra=$tmp/extra
material=yes
guest_extra "$extra" drivers/virtio/virtio_ring drivers/virtio/virtio \
	drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev \
	drivers/virtio/virtio_pci drivers/virtio/virtio_balloon \
	drivers/block/virtio_blk drivers/misc/pvpanic/pvpanic \
	drivers/misc/pvpanic/pvpanic-mmio || material=
disk=$tmp/boot.img
NIDO_BIOS_EXTRA=$extra NIDO_BIOS_INITRD=$tmp/initrd.gz \
	"$here/qemu/make-bios-disk.sh" "$disk" 2>"$tmp/disk.err"
rc=$?
if [ $rc -eq 77 ] || [ -z "$material" ]; then
	skip "the qemu driver's resource controls" "$(cat "$tmp/disk.err")"
	done_testing
	exit
fi
t "the test makes a BIOS disk with the virtio drivers" test $rc -eq 0
data=$tmp/data.raw
head -c 4M /dev/urandom >"$data"

# tune_xml NAME READ_BYTES_SEC: the boot disk, a data disk on virtio
# with a read limit, a card whose link starts down, a balloon that
# reports every second.
tune_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='hda' bus='ide'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$data'/><target dev='vdb' bus='virtio'/><readonly/>
      <iotune>
        <read_bytes_sec>$2</read_bytes_sec>
        <total_iops_sec>400</total_iops_sec>
      </iotune>
    </disk>
    <interface type='ethernet'><model type='e1000'/><link state='down'/></interface>
    <memballoon model='virtio'><stats period='1'/></memballoon>
    <serial type='pty'/>
  </devices>
</domain>
XML
}

# ask DOMAIN LINE PATTERN: types LINE on the console until a line
# matching PATTERN comes back (the guest may still be booting); prints it.
ask() {
	local deadline=$((SECONDS + 240)) out= got=
	while [ $SECONDS -lt $deadline ]; do
		out=$(printf '%s\r' "$2" | timeout 20 "$NIDO" console "$1" 2>&1)
		got=$(grep -o "$3" <<<"$out" | tail -n 1)
		[ -n "$got" ] && break
		[[ $out == *"not running"* ]] && break
		sleep 1
	done
	printf '%s' "$got"
}

start_daemon
tune_xml tune 1048576 >"$tmp/tune.xml"
t_out "define: a disk's <iotune> and <stats period> on the qemu driver" \
	"Domain 'tune' defined" "$NIDO" define "$tmp/tune.xml"
t "... with no warning (both are acted on)" \
	sh -c "! '$NIDO' define '$tmp/tune.xml' 2>&1 | grep -q warning"
t_out "dumpxml keeps <stats period>" "<memballoon model='virtio'>
      <stats period='1'/>" "$NIDO" dumpxml tune
t_out "start" "Domain 'tune' started" "$NIDO" start tune
ans=$(ask tune ping-1 "GOT:ping-1")
t "the guest boots to its init" test -n "$ans"

# <link state='down'>: set before the vCPUs run, so the guest's card
# never saw its link up; domif-setlink brings it up.
t_out "the card's link starts down (the guest's carrier)" "CARRIER:0" \
	ask tune carrier "CARRIER:[0-9]"
tap=$("$NIDO" domiflist tune | awk '$2 == "ethernet" { print $1 }')
t_out "domif-getlink: down" "$tap down" "$NIDO" domif-getlink tune "$tap"
t_out "domif-setlink up" "Device updated successfully" \
	"$NIDO" domif-setlink tune "$tap" up
t_out "... the guest's carrier comes up" "CARRIER:1" ask tune carrier "CARRIER:1"
t_out "... the next start's definition still starts it down" "<link state='down'/>" \
	"$NIDO" dumpxml --inactive tune

# QEMU's own answer: the throttle group QEMU made for the disk's
# device is QEMU's, the definition has none
io=$("$NIDO" blkdeviotune tune vdb 2>&1)
t_out "blkdeviotune: the read limit QEMU applies (query-block)" \
	"read_bytes_sec : 1048576" echo "$io"
t_out "... the I/O operations limit" "total_iops_sec : 400" echo "$io"
t_out "... read back from QEMU (its throttle group)" \
	"group_name     : /machine/peripheral/disk1/virtio-backend" echo "$io"
t_out "... an unthrottled disk has none" "read_bytes_sec : 0" \
	"$NIDO" blkdeviotune tune hda

# 4 MiB at 1 MiB/s: QEMU lets a tenth of a second through at once, so
# more than 3 s (the guest's clock; a lower bound only)
rd=$(ask tune "rd vda" "RD:[0-9.]*:[0-9.]*:0")
if [ -n "$rd" ] && awk -F: '{ exit !($3 - $2 >= 3) }' <<<"$rd"; then
	ok "the guest's read of the throttled disk takes 3 s at least"
else
	not_ok "the guest's read of the throttled disk takes 3 s at least" "$rd"
fi

t_out "blkdeviotune --live sets a limit (a total clears read)" "" \
	"$NIDO" blkdeviotune tune vdb --live --total-bytes-sec 2M
io=$("$NIDO" blkdeviotune tune vdb 2>&1)
t_out "... QEMU applies it" "total_bytes_sec: 2097152" echo "$io"
t_out "... read cleared" "read_bytes_sec : 0" echo "$io"
t_out "... the other group is kept" "total_iops_sec : 400" echo "$io"
t_out "... the live definition says so" "<total_bytes_sec>2097152</total_bytes_sec>" \
	"$NIDO" dumpxml tune
t_out "... the next start's does not" "<read_bytes_sec>1048576</read_bytes_sec>" \
	"$NIDO" dumpxml --inactive tune
t_out "blkdeviotune --live --config" "" \
	"$NIDO" blkdeviotune tune vdb --live --config --write-iops-sec 50
t_out "... QEMU applies it" "write_iops_sec : 50" "$NIDO" blkdeviotune tune vdb
t_out "... the next start's has it" "<write_iops_sec>50</write_iops_sec>" \
	"$NIDO" dumpxml --inactive tune
t_out "... blkdeviotune --config reads it" "write_iops_sec : 50" \
	"$NIDO" blkdeviotune tune vdb --config
t_err "a limit QEMU refuses: its error, named" \
	"failed to set block I/O limits of domain 'tune': block_set_io_throttle: " \
	"$NIDO" blkdeviotune tune vdb --live --read-iops-sec 2000000000000000
t_out "... nothing changed" "write_iops_sec : 50" "$NIDO" blkdeviotune tune vdb
t_err "reading needs one of --live and --config" \
	"--live and --config cannot both be given to read the limits" \
	"$NIDO" blkdeviotune tune vdb --live --config

# The balloon: its size from QEMU, the guest's report once its driver
# has sent one (every second), QEMU's resident memory.
st=$("$NIDO" domstats --balloon tune 2>&1)
t_out "domstats --balloon: balloon.current from QEMU" "balloon.current=262144" echo "$st"
t_out "... balloon.maximum" "balloon.maximum=262144" echo "$st"
t "... balloon.rss: QEMU's resident memory" \
	sh -c "echo '$st' | grep -q 'balloon.rss=[1-9]'"
reported() { "$NIDO" domstats --balloon tune 2>&1 | grep -q 'balloon.last-update=[1-9]'; }
if wait_for 120 reported; then
	ok "the guest's balloon driver reports (balloon.last-update)"
else
	not_ok "the guest's balloon driver reports (balloon.last-update)" \
		"$("$NIDO" domstats --balloon tune 2>&1)"
fi
st=$("$NIDO" domstats --balloon tune 2>&1)
# what the guest has and has free, in KiB: below its 256 MiB
if awk -F= '/balloon.available=/ { a = $2 } /balloon.unused=/ { u = $2 }
	END { exit !(a > 100000 && a <= 262144 && u > 0 && u < a) }' <<<"$st"; then
	ok "... balloon.available and balloon.unused: the guest's memory, in KiB"
else
	not_ok "... balloon.available and balloon.unused: the guest's memory, in KiB" "$st"
fi
t_out "... balloon.minor_fault" "balloon.minor_fault=" echo "$st"
# setmem --live: QMP's balloon; the guest's driver gives the pages back
t "setmem 200M --live" "$NIDO" setmem tune 200M --live
inflated() { "$NIDO" dommemstat tune 2>&1 | grep -q '^actual 204800$'; }
if wait_for 120 inflated; then
	ok "dommemstat: the guest keeps 200 MiB (actual), its driver gave the rest"
else
	not_ok "dommemstat: the guest keeps 200 MiB (actual), its driver gave the rest" \
		"$("$NIDO" dommemstat tune 2>&1)"
fi
t_out "dommemstat: the guest's figures and QEMU's rss" "rss " "$NIDO" dommemstat tune
t_out "the live <currentMemory> follows" "<currentMemory unit='KiB'>204800</currentMemory>" \
	"$NIDO" dumpxml tune
"$NIDO" destroy tune >/dev/null

# Direct kernel boot on QEMU (a type 'qemu' domain with a <kernel> runs
# there), with a CPU quota on its cgroup and a card on QEMU's user-mode
# network: Debian's kernel and the same initramfs, no disk.
# <vcpu cpuset>: QEMU's threads on the host's last CPU
last_cpu=$(($(nproc) - 1))
cat >"$tmp/direct.xml" <<XML
<domain type='qemu'>
  <name>direct</name>
  <memory unit='MiB'>256</memory>
  <vcpu cpuset='$last_cpu'>2</vcpu>
  <cputune><period>100000</period><quota>30000</quota></cputune>
  <on_crash>preserve</on_crash>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$L2_KERNEL</kernel>
    <initrd>$tmp/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 nido.direct=1</cmdline>
  </os>
  <features><acpi/><smm state='on'/></features>
  <pm><suspend-to-mem enabled='no'/></pm>
  <clock offset='utc'><timer name='rtc' track='guest' tickpolicy='catchup'/><timer name='pit' tickpolicy='delay'/><timer name='hpet' present='no'/></clock>
  <devices>
    <interface type='user'><model type='e1000'/></interface>
    <serial type='pty'/>
    <panic model='isa'/>
    <audio id='1' type='none' timerPeriod='50'><output voices='1'/></audio>
  </devices>
</domain>
XML
t_out "define a type 'qemu' domain with <kernel>" "Domain 'direct' defined" \
	"$NIDO" define "$tmp/direct.xml"
t "... with no warning (<cputune> quota acted on)" \
	sh -c "! '$NIDO' define '$tmp/direct.xml' 2>&1 | grep -q warning"
t_out "... it runs on QEMU" "<emulator>$QEMU</emulator>" "$NIDO" dumpxml direct
t_out "domxml-to-native: -kernel, -initrd, -append" \
	"-kernel $L2_KERNEL -initrd $tmp/initrd.gz -append 'console=ttyS0 quiet panic=-1 nido.direct=1'" \
	"$NIDO" domxml-to-native qemu-argv --domain direct
t_out "start" "Domain 'direct' started" "$NIDO" start direct
pid=$(vm_pid direct)
args=$(tr '\0' ' ' </proc/"$pid"/cmdline)
t_out "QEMU reads the kernel and initrd from fds nidod passed" \
	"-kernel /proc/self/fd/5 -initrd /proc/self/fd/6 -append console=ttyS0 quiet panic=-1 nido.direct=1" \
	echo "$args"
t_out "<timer>s: the RTC on guest time with catch-up, the PIT's policy, no HPET" \
	"-rtc base=utc,clock=vm,driftfix=slew -global kvm-pit.lost_tick_policy=delay -machine hpet=off -machine smm=on -global PIIX4_PM.disable_s3=1" echo "$args"
t_out "<audio>: its -audiodev, with its options" \
	'-audiodev {"driver":"none","id":"audio1","timer-period":50,"out":{"voices":1}}' echo "$args"
cpus=$(cat /proc/"$pid"/task/*/status | awk '/^Cpus_allowed_list/ { print $2 }' | sort -u)
t_out "<vcpu cpuset>: each of QEMU's threads runs on those CPUs alone" "$last_cpu" echo "$cpus"
t "... its vCPU threads among them" test "$(ls /proc/"$pid"/task | wc -l)" -gt 2
t "... and gets no path of the host's" sh -c "! echo '$args' | grep -q -e '$L2_KERNEL' -e initrd.gz"
ans=$(ask direct ping-d "GOT:ping-d on [^ ]*")
t "the kernel boots to the init" test -n "$ans"
t_out "... with the domain's command line" "CMDLINE:console=ttyS0 quiet panic=-1 nido.direct=1" \
	ask direct cmdline "CMDLINE:.*direct=1"
t_out "-netdev user: the card gets its address from QEMU's own DHCP" \
	"ADDR:10.0.2.15/24" ask direct addr "ADDR:10.0.2.15/24"
t_out "domiflist: type user, no tap" " -           user   -        e1000" "$NIDO" domiflist direct
t_err "domifstat: no tap, no counters" "has no tap (a user-mode network inside QEMU)" \
	"$NIDO" domifstat direct "$(awk '/<mac address/ { print $2 }' FS="'" <<<"$("$NIDO" dumpxml direct)")"
# 30 ms per 100 ms for each of its 2 vCPUs: 60 ms on QEMU's cgroup
quota=$(python3 -c "
import json, os, sys
for d in json.load(open(sys.argv[1]))['cgroups']:
    for f in ('cpu.cfs_quota_us', 'cpu.max'):
        if os.path.exists(os.path.join(d, f)):
            print(open(os.path.join(d, f)).read().split()[0]); sys.exit()" \
	"$NIDO_RUNTIME_DIR/domains/direct.json" 2>&1)
if [ -z "$quota" ]; then
	skip "<cputune> quota on QEMU's cgroup" "no cgroup with a CPU controller here"
else
	t_out "<cputune> quota: on QEMU's cgroup (per vCPU, summed)" 60000 echo "$quota"
fi

# <on_crash>preserve: the panicked guest stays, paused (crashed)
t_out "QEMU pauses a panicked guest (-action panic=pause)" "-action panic=pause" echo "$args"
# panic_now: types "panic" (again: a line may lose its first letters)
panic_now() {
	printf 'panic\r' | timeout 5 "$NIDO" console direct >/dev/null 2>&1
	state_is direct "paused (crashed)"
}
if wait_for 90 panic_now; then
	ok "the guest panics: the domain stays, paused (crashed)"
else
	not_ok "the guest panics: the domain stays, paused (crashed)" \
		"$("$NIDO" domstate --reason direct 2>&1)" \
		"$(grep -i -e panic -e direct "$tmp/nidod.log" | tail -n 20)" \
		"$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/direct.log")"
fi
t "... the same QEMU" test "$(vm_pid direct)" = "$pid"
t_out "... domstats: libvirt's paused, crashed" "state.reason=10" "$NIDO" domstats --state direct
t_out "destroy" "Domain 'direct' destroyed" "$NIDO" destroy direct

# A user-mode network is QEMU's: nido-vmm refuses it by name, and a type
# 'kvm' domain with one runs on QEMU (the pick rule).
sed -e "s|<domain type='qemu'>|<domain type='kvm'>|" -e 's|<name>direct</name>|<name>kvmuser</name>|' \
	-e "s|<panic model='isa'/>||" -e "s|<smm state='on'/>||" -e '/<pm>/d' -e '/<clock /d' -e '/<audio /d' \
	-e "s|<devices>|<devices><emulator>/usr/bin/nido-vmm</emulator>|" \
	"$tmp/direct.xml" >"$tmp/kvmuser.xml"
t_err "the kvm driver refuses <interface type='user'> by name" \
	"interface 0: type 'user' not supported by the kvm driver" \
	"$NIDO" define "$tmp/kvmuser.xml"
sed -i 's|<emulator>/usr/bin/nido-vmm</emulator>||' "$tmp/kvmuser.xml"
t_out "... without <emulator>, type 'kvm' goes to QEMU" "<emulator>$QEMU</emulator>" \
	sh -c "'$NIDO' define '$tmp/kvmuser.xml' >/dev/null && '$NIDO' dumpxml kvmuser"

# An audio backend whose QEMU module is not installed: the start fails
# naming it, before QEMU runs.
if [ ! -e /usr/lib/x86_64-linux-gnu/qemu/audio-pa.so ]; then
	sed -e 's|<name>direct</name>|<name>noaudio</name>|' \
		-e "s|type='none' timerPeriod='50'|type='pulseaudio'|" "$tmp/direct.xml" >"$tmp/noaudio.xml"
	"$NIDO" define "$tmp/noaudio.xml" >/dev/null
	t_err "a start with an audio backend QEMU lacks here fails, naming it" \
		"failed to start domain 'noaudio': <audio id='1' type='pulseaudio'>: QEMU's 'pa' audio backend is not installed" \
		"$NIDO" start noaudio
fi

# A cpuset with no CPU of this host's: the start fails naming it.
sed -e 's|<name>direct</name>|<name>nocpu</name>|' \
	-e "s|cpuset='$last_cpu'|cpuset='4000-4001'|" "$tmp/direct.xml" >"$tmp/nocpu.xml"
"$NIDO" define "$tmp/nocpu.xml" >/dev/null
t_err "a start whose cpuset has none of this host's CPUs fails, naming it" \
	"failed to start domain 'nocpu': <vcpu cpuset='4000-4001'>: none of these CPUs" \
	"$NIDO" start nocpu

# <numa> cells and <memoryBacking>, started paused (nothing to boot):
# QEMU holds guest RAM as said, from one memfd per cell; then locked.
sed -e 's|<name>direct</name>|<name>mem</name>|' \
	-e "s|<memory unit='MiB'>256</memory>|<memory unit='MiB'>64</memory><memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking><numatune><memnode cellid='1' mode='strict' nodeset='0'/></numatune>|" \
	-e "s|<on_crash>|<cpu><numa><cell id='0' cpus='0' memory='32' unit='MiB'/><cell id='1' cpus='1' memory='32' unit='MiB'><distances><sibling id='0' value='21'/></distances></cell></numa></cpu><on_crash>|" \
	"$tmp/direct.xml" >"$tmp/mem.xml"
t_out "define a domain with <numa> cells and <memoryBacking>" "Domain 'mem' defined" \
	"$NIDO" define "$tmp/mem.xml"
t "... with no warning" sh -c "! '$NIDO' define '$tmp/mem.xml' 2>&1 | grep -q warning"
t_out "start it paused" "Domain 'mem' started" "$NIDO" start --paused mem
pid=$(vm_pid mem)
margs=$(tr '\0' ' ' </proc/"$pid"/cmdline)
t_out "<numa>: a node per cell, its vCPUs, its memory backend" \
	"-numa node,nodeid=1,cpus=1,memdev=ram-node1 -numa dist,src=1,dst=0,val=21" echo "$margs"
t_out "<numatune><memnode>: cell 1's RAM bound to host node 0" \
	'"id":"ram-node1","size":33554432,"share":true,"host-nodes":[0],"policy":"bind"}' echo "$margs"
t "<source type='memfd'>: the cells' RAM is in memfds of QEMU's" \
	grep -q "/memfd:memory-backend-memfd" /proc/"$pid"/maps
t_out "destroy" "Domain 'mem' destroyed" "$NIDO" destroy mem

# A host NUMA node this host has not: the start fails naming it.
sed -e 's|<name>mem</name>|<name>nonode</name>|' -e "s|nodeset='0'|nodeset='63'|" \
	"$tmp/mem.xml" >"$tmp/nonode.xml"
"$NIDO" define "$tmp/nonode.xml" >/dev/null
t_err "a start binding RAM to a host node not here fails, naming it" \
	"failed to start domain 'nonode': <numatune><memnode> nodeset='63': host NUMA node 63 is not on this host" \
	"$NIDO" start nonode

# <locked/>: QEMU's memory locked, its limit raised by nidod; where
# nidod may not raise it (no CAP_SYS_RESOURCE, a low hard limit), the
# start fails saying so.
sed -e 's|<name>mem</name>|<name>lock</name>|' \
	-e "s|<source type='memfd'/>|<locked/>|" "$tmp/mem.xml" >"$tmp/lock.xml"
"$NIDO" define "$tmp/lock.xml" >/dev/null
hard=$(ulimit -Hl)
caps=$(awk '/^CapEff/ { print $2 }' /proc/self/status)
if [ "$hard" = unlimited ] || [ $((0x$caps >> 24 & 1)) -eq 1 ]; then
	t_out "start a domain with <locked/> paused" "Domain 'lock' started" "$NIDO" start --paused lock
	locked=$(awk '/^VmLck/ { print $2 }' /proc/"$(vm_pid lock)"/status)
	t "<locked/>: QEMU's memory is locked, guest RAM with it (${locked:-?} KiB)" \
		test "${locked:-0}" -ge 65536
	t_out "destroy" "Domain 'lock' destroyed" "$NIDO" destroy lock
else
	t_err "<locked/> where nidod may not raise QEMU's limit: the start fails, saying so" \
		"failed to start domain 'lock': <memoryBacking><locked/>: QEMU's locked memory limit cannot be raised above its hard limit ($hard KiB) here: nidod lacks CAP_SYS_RESOURCE" \
		"$NIDO" start lock
fi

# Huge pages the host has not reserved: the start fails naming them.
free2m=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if [ "$free2m" -lt 32 ]; then
	sed -e 's|<name>mem</name>|<name>huge</name>|' \
		-e "s|<source type='memfd'/>|<hugepages><page size='2048' unit='KiB'/></hugepages>|" \
		"$tmp/mem.xml" >"$tmp/huge.xml"
	"$NIDO" define "$tmp/huge.xml" >/dev/null
	t_err "a start needing huge pages the host has not reserved fails, naming them" \
		"failed to start domain 'huge': <hugepages>: the guest needs 32 huge pages of 2048 KiB, $free2m are free" \
		"$NIDO" start huge
fi

# A limit QEMU refuses fails the start (before the first instruction).
tune_xml toobig 2000000000000000 >"$tmp/toobig.xml"
"$NIDO" define "$tmp/toobig.xml" >/dev/null
t_err "a start whose <iotune> QEMU refuses fails, naming the disk" \
	"failed to start domain 'toobig': disk I/O limits: disk 'vdb': block_set_io_throttle: " \
	"$NIDO" start toobig
t "... the domain is shut off (failed)" state_starts toobig "shut off (failed"

done_testing
