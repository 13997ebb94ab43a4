#!/usr/bin/env bash
# The vCPUs and the platform on the qemu driver, on a real QEMU with
# TCG and no guest to boot (it sits in SeaBIOS): a domain with fewer
# vCPUs than its maximum runs that many (QEMU's own count, through
# domstats), with the vCPU features, VT-d, the split irqchip, SMBIOS
# tables and fw_cfg strings QEMU accepted at start; its <metadata> and
# <sysinfo> come back in dumpxml; what TCG lacks is warned about at
# define, by name; setvcpus --live plugs the other (device_add of the slot
# query-hotpluggable-cpus offers), and asks for it back (device_del,
# which QEMU refuses while no guest OS switched its CPU hotplug to the
# mode that ejects; qemu-cpu-linux.sh removes from a Linux guest). Then <vcpupin>, <iothreadpin>, <emulatorpin>,
# <vcpusched> and <iothreadsched>: each vCPU thread and iothread
# QEMU names runs where its pin says, with its policy, QEMU's own
# thread where the emulator's does (the kernel's word: /proc/PID/task).
. "$(dirname "$0")/lib.sh"

QEMU=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU" ]; then
	skip "the qemu driver's vCPUs" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
start_daemon

cat >"$tmp/cpus.xml" <<XML
<domain type='qemu'>
  <name>cpus</name>
  <metadata>
    <app:tags xmlns:app='http://example.org/app'><tag>blue, green</tag></app:tags>
  </metadata>
  <memory unit='MiB'>64</memory>
  <vcpu current='1'>2</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <smbios mode='sysinfo'/>
  </os>
  <sysinfo type='smbios'>
    <system><entry name='manufacturer'>Nido, Test</entry></system>
    <oemStrings><entry>hello</entry></oemStrings>
  </sysinfo>
  <sysinfo type='fwcfg'><entry name='opt/org.nido/x'>a value</entry></sysinfo>
  <features><acpi/><ioapic driver='qemu'/><pmu state='off'/><pvspinlock/></features>
  <cpu mode='maximum'>
    <cache level='3' mode='emulate'/>
    <maxphysaddr mode='emulate' bits='40'/>
  </cpu>
  <devices>
    <emulator>$QEMU</emulator>
    <iommu model='intel'><driver intremap='on' caching_mode='on' aw_bits='48'/></iommu>
  </devices>
</domain>
XML
out=$("$NIDO" define "$tmp/cpus.xml" 2>&1)
t "define names what TCG does not do (<pvspinlock state='on'>), nothing else" \
	test "$(printf '%s\n' "$out" | grep -c 'warning')" -eq 1 -a \
	"$(printf '%s\n' "$out" | grep -c "warning: <pvspinlock state='on'>: not acted on with TCG")" -eq 1
t_out "QEMU starts with the features, VT-d, SMBIOS and fw_cfg" \
	"Domain 'cpus' started" "$NIDO" start cpus
pid=$(vm_pid cpus)
args=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null)
t "... on its command line: -smp 1,maxcpus=2 and the -cpu properties" \
	sh -c "printf '%s\n' \"\$1\" | grep -qx '1,maxcpus=2' &&
		printf '%s\n' \"\$1\" | grep -qx 'max,kvm-pv-unhalt=on,pmu=off,l3-cache=on,host-cache-info=off,phys-bits=40'" \
	sh "$args"
t "... -smbios and -fw_cfg with their commas doubled" \
	sh -c "printf '%s\n' \"\$1\" | grep -qx 'type=1,manufacturer=Nido,, Test' &&
		printf '%s\n' \"\$1\" | grep -qx 'name=opt/org.nido/x,string=a value'" \
	sh "$args"
stats=$("$NIDO" domstats cpus 2>&1)
if [[ $stats == *"vcpu.current=1"* && $stats == *"vcpu.maximum=2"* &&
	$stats == *"vcpu.0.thread-id="* && $stats != *"vcpu.1.thread-id"* ]]; then
	ok "domstats: QEMU runs one vCPU of two"
else
	not_ok "domstats: QEMU runs one vCPU of two" "$stats"
fi
t_out "dominfo counts the vCPUs that run" "CPU(s):         1" \
	sh -c "'$NIDO' dominfo cpus | grep '^CPU(s):'"
xml=$("$NIDO" dumpxml cpus 2>&1)
if [[ $xml == *"<app:tags xmlns:app=\"http://example.org/app\"><tag>blue, green</tag></app:tags>"* &&
	$xml == *"<entry name='manufacturer'>Nido, Test</entry>"* &&
	$xml == *"<iommu model='intel'>"* && $xml == *"current='1'>2</vcpu>"* ]]; then
	ok "dumpxml gives back the metadata, sysinfo, iommu and vCPU counts"
else
	not_ok "dumpxml gives back the metadata, sysinfo, iommu and vCPU counts" "$xml"
fi
# setvcpus --live: device_add of the empty slot query-hotpluggable-cpus names
t "setvcpus cpus 2 --live (QEMU's CPU hotplug)" "$NIDO" setvcpus cpus 2 --live
stats=$("$NIDO" domstats cpus 2>&1)
if [[ $stats == *"vcpu.current=2"* && $stats == *"vcpu.1.thread-id="* ]]; then
	ok "domstats: QEMU runs two vCPUs"
else
	not_ok "domstats: QEMU runs two vCPUs" "$stats"
fi
t_out "vcpucount: 2 live" "current      live           2" \
	sh -c "'$NIDO' vcpucount cpus | grep 'current *live'"
# setvcpus 1: device_del of the vCPU we plugged. With no guest OS,
# QEMU's ACPI CPU hotplug is still in its legacy mode (the guest's
# tables switch it), which cannot eject: QEMU's refusal is passed on.
t_err "removing one: QEMU's refusal, with no guest OS, is passed on" \
	"QMP 'device_del': acpi: device unplug request for not supported device type" \
	"$NIDO" setvcpus cpus 1 --live
t_out "... and the vCPU is still there: 2 live" "current      live           2" \
	sh -c "'$NIDO' vcpucount cpus | grep 'current *live'"
t_out "vcpuinfo: QEMU's two vCPU threads" "2 2" \
	sh -c "'$NIDO' vcpuinfo cpus >'$tmp/info' && echo \$(grep -c '^VCPU:' '$tmp/info') \$(grep -c '^State:          running' '$tmp/info')"
t "vcpupin --vcpu 1 --cpulist 0 --live" "$NIDO" vcpupin cpus --vcpu 1 --cpulist 0 --live
t_out "... vcpupin --vcpu 1 --live says so" " 1      0" \
	sh -c "'$NIDO' vcpupin cpus --vcpu 1 --live | tail -n +3"
t "vcpupin --config and emulatorpin --config" \
	sh -c "'$NIDO' vcpupin cpus --vcpu 1 --cpulist 0 --config && '$NIDO' emulatorpin cpus --cpulist 0 --config"
t_out "... the persistent <cputune>" "<emulatorpin cpuset='0'/>" \
	sh -c "'$NIDO' dumpxml --inactive cpus | grep -e \"<vcpupin vcpu='1' cpuset='0'/>\" -A1 | grep emulatorpin"
"$NIDO" destroy cpus >/dev/null

# What QEMU would refuse at start is refused at define, by name.
sed "s/intremap='on' caching_mode/intremap='on' eim='on' caching_mode/" \
	"$tmp/cpus.xml" >"$tmp/eim.xml"
t_err "eim with TCG: refused at define" \
	"<iommu><driver eim='on'> needs KVM" "$NIDO" define "$tmp/eim.xml"

# allowed TID: a thread's Cpus_allowed_list.
allowed() {
	awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$pid/task/$1/status"
}
if [ "$(nproc)" -lt 2 ]; then
	skip "vCPU pinning" "one CPU here: nothing to pin apart"
else
	cat >"$tmp/pins.xml" <<XML
<domain type='qemu'>
  <name>pins</name>
  <maxMemory slots='4' unit='MiB'>512</maxMemory>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <iothreads>1</iothreads>
  <cputune>
    <vcpupin vcpu='0' cpuset='1'/>
    <vcpupin vcpu='1' cpuset='0'/>
    <emulatorpin cpuset='0'/>
    <iothreadpin iothread='1' cpuset='1'/>
    <vcpusched vcpus='1' scheduler='batch'/>
    <iothreadsched iothreads='1' scheduler='idle'/>
  </cputune>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu><numa><cell id='0' cpus='0-1' memory='64' unit='MiB'/></numa></cpu>
  <devices>
    <emulator>$QEMU</emulator>
    <disk type='file' device='disk'><driver name='qemu' type='raw' iothread='1'/>
      <source file='$tmp/io.raw'/><target dev='vda' bus='virtio'/></disk>
  </devices>
</domain>
XML
	truncate -s 1M "$tmp/io.raw"
	"$NIDO" define "$tmp/pins.xml" >/dev/null
	t_out "a pinned domain with room for hot-plugged memory starts" \
		"Domain 'pins' started" "$NIDO" start pins
	pid=$(vm_pid pins)
	t "... its virtio disk's I/O in iothread1 (<driver iothread='1'>)" \
		sh -c "tr '\\0' '\\n' </proc/$pid/cmdline | grep -q '\"virtio-blk-pci\",\"iothread\":\"iothread1\"'"
	t "... QEMU has 4 memory slots up to 512 MiB (<maxMemory>)" \
		sh -c "tr '\\0' '\\n' </proc/$pid/cmdline | grep -qx 'size=65536k,slots=4,maxmem=524288k'"
	stats=$("$NIDO" domstats pins 2>&1)
	t0=$(printf '%s\n' "$stats" | sed -n 's/.*vcpu\.0\.thread-id=//p')
	t1=$(printf '%s\n' "$stats" | sed -n 's/.*vcpu\.1\.thread-id=//p')
	t_out "vCPU 0's thread runs on CPU 1 (<vcpupin vcpu='0' cpuset='1'>)" 1 allowed "$t0"
	t_out "vCPU 1's thread runs on CPU 0" 0 allowed "$t1"
	t_out "QEMU's main thread runs on CPU 0 (<emulatorpin>)" 0 allowed "$pid"
	on1=0
	for task in /proc/"$pid"/task/*; do
		[ "$(allowed "${task##*/}")" = 1 ] && on1=$((on1 + 1))
	done
	# (QEMU's I/O workers that the iothread starts inherit its CPUs and
	# its policy: there may be more than the iothread)
	t "the iothread runs on CPU 1 beside vCPU 0 (<iothreadpin>): two threads there or more" \
		test "$on1" -ge 2
	# policy TID: the kernel's scheduling policy of a thread (stat's
	# 41st field; the name before it may hold spaces)
	policy() { sed 's/.*) //' "/proc/$pid/task/$1/stat" | awk '{print $39}'; }
	t_out "vCPU 1's thread is SCHED_BATCH (<vcpusched>)" 3 policy "$t1"
	t_out "vCPU 0's keeps SCHED_OTHER" 0 policy "$t0"
	idle=0
	for task in /proc/"$pid"/task/*; do
		[ "$(policy "${task##*/}")" = 5 ] && idle=$((idle + 1))
	done
	t "the iothread is SCHED_IDLE (<iothreadsched>), the main thread not" \
		test "$idle" -ge 1 -a "$(policy "$pid")" = 0
	"$NIDO" destroy pins >/dev/null
	# a pin on no CPU this host has: the start fails, naming it
	sed "s/vcpu='1' cpuset='0'/vcpu='1' cpuset='4000'/" "$tmp/pins.xml" >"$tmp/p2.xml"
	"$NIDO" define "$tmp/p2.xml" >/dev/null
	t_err "a pin on CPUs this host lacks fails the start, by name" \
		"<vcpupin vcpu='1' cpuset='4000'>: none of these CPUs" "$NIDO" start pins
fi
done_testing
