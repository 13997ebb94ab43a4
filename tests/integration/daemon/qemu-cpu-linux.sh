#!/usr/bin/env bash
# vCPU hot add and remove on the qemu driver with a Linux guest (TCG,
# Debian's kernel booted directly, the busybox init of qemu-bios.sh): the
# guest starts with 1 of 3 vCPUs and onlines every CPU that appears, as
# a udev rule would, printing its count on the serial port (a file).
# setvcpus 3 --live plugs vCPUs 1 and 2 (device_add) and the guest runs
# 3; setvcpus 2 --live removes vCPU 2 (device_del: an ACPI eject request
# the guest's kernel answers by offlining and ejecting the CPU; QEMU's
# DEVICE_DELETED): the guest runs 2 and vcpucount follows. Then the
# guest turns its ACPI processor hotplug off (it ejects nothing more):
# vCPU 1 cannot be removed, and setvcpus 1 fails after libvirt's 5 s
# with its "vcpu unplug request timed out", the vCPU still counted.
# (No vCPU is plugged again after a removal: QEMU 7.2's TCG crashes on
# that. qemu-cpu.sh: the same without a guest OS.)
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
QEMU=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU" ]; then
	skip "vCPU hot remove from a Linux guest on QEMU" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi

# The guest's side: every CPU that appears is onlined; the count goes
# to the serial port whenever it changes; once it has been 3 and is 2
# again, ACPI processor hotplug is turned off (eject requests refused).
mkdir -p "$tmp/extra/etc"
cat >"$tmp/extra/etc/nido-extra" <<'SH'
#!/bin/sh
last= seen3= off=
while :; do
	for c in /sys/devices/system/cpu/cpu[1-9]*; do
		[ "$(cat "$c/online" 2>/dev/null)" = 0 ] &&
			echo 1 >"$c/online" 2>/dev/null
	done
	now=$(nproc)
	[ "$now" = "$last" ] || echo "nido-cpus: $now"
	last=$now
	[ "$now" = 3 ] && seen3=1
	if [ "$now" = 2 ] && [ -n "$seen3" ] && [ -z "$off" ]; then
		echo 0 >/sys/firmware/acpi/hotplug/processor/enabled &&
			echo "nido-cpus: ejects refused from now on"
		off=1
	fi
	sleep 0.3
done
SH
chmod 755 "$tmp/extra/etc/nido-extra"
NIDO_BIOS_EXTRA=$tmp/extra NIDO_BIOS_INITRD=$tmp/initrd.gz \
	"$here/qemu/make-bios-disk.sh" "$tmp/boot.img" 2>"$tmp/disk.err"
rc=$?
if [ "$rc" -eq 77 ]; then
	skip "vCPU hot remove from a Linux guest on QEMU" "$(cat "$tmp/disk.err")"
	done_testing
	exit
fi
t "the test makes the guest's initramfs" test "$rc" -eq 0
material=$("$here/../../../scripts/lib/guest-material.sh" --quiet)
# shellcheck disable=SC1091
. "$material/env.sh"
start_daemon

cat >"$tmp/hp.xml" <<XML
<domain type='qemu'>
  <name>hp</name>
  <memory unit='MiB'>256</memory>
  <vcpu current='1'>3</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$L2_KERNEL</kernel>
    <initrd>$tmp/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <features><acpi/></features>
  <devices>
    <emulator>$QEMU</emulator>
    <serial type='file'><source path='$tmp/serial.log'/></serial>
  </devices>
</domain>
XML
t_out "define" "defined" "$NIDO" define "$tmp/hp.xml"
t_out "start" "started" "$NIDO" start hp
# count N [TIMES]: the guest said it runs N CPUs (the TIMES-th time)
count() {
	[ "$(grep -c "^nido-cpus: $1" "$tmp/serial.log" 2>/dev/null)" -ge "${2:-1}" ]
}
t "the guest boots and runs 1 CPU" wait_for 240 count 1
t "setvcpus 3 --live" "$NIDO" setvcpus hp 3 --live
t "... the guest onlines them: 3 CPUs" wait_for 180 count 3
# The guest's kernel offlines and ejects the CPU; under TCG that can
# take longer than the 5 s setvcpus waits: then it says so, and the
# count follows when the guest is done.
out=$("$NIDO" setvcpus hp 2 --live 2>&1)
rc=$?
if [ "$rc" -eq 0 ] || [[ $out == *"vcpu unplug request timed out"* ]]; then
	ok "setvcpus 2 --live: removed, or the guest still at it after 5 s ($out)"
else
	not_ok "setvcpus 2 --live: removed, or the guest still at it after 5 s" "$out"
fi
# said_since N M: the guest said it ran M CPUs since it said N
said_since() {
	tr -d '\r' <"$tmp/serial.log" | sed -n "/^nido-cpus: $1\$/,\$p" |
		grep -qx "nido-cpus: $2"
}
t "... the guest ejects vCPU 2: 2 CPUs" wait_for 120 said_since 3 2
t "... vcpucount: 2 live" wait_for 30 sh -c "'$NIDO' vcpucount hp --active --live | grep -qx 2"
t_out "... the live definition: 2 of 3" "current='2'>3</vcpu>" \
	sh -c "'$NIDO' dumpxml hp | grep -o \"current='2'>3</vcpu>\""
t_out "... domstats: QEMU runs 2" "vcpu.current=2" "$NIDO" domstats hp
t "the guest turns its ACPI processor hotplug off" \
	wait_for 60 grep -q 'ejects refused from now on' "$tmp/serial.log"
t_err "setvcpus 1 --live: the guest does not eject, the call times out as libvirt's" \
	"vcpu unplug request timed out. Unplug result must be manually inspected in the domain" \
	"$NIDO" setvcpus hp 1 --live
t_out "... vcpucount: still 2 live" "2" "$NIDO" vcpucount hp --active --live
sleep 2
said_since 3 1
t "... and the guest still runs 2 CPUs" test $? -ne 0
"$NIDO" destroy hp >/dev/null
done_testing
