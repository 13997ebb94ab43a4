#!/usr/bin/env bash
# The main job's second guest: a full machine on the qemu driver, under the
# same CLI. A BIOS disk (an MBR, ext2, extlinux, Debian's kernel and a
# busybox init that echoes what is typed on its serial console) is defined
# as libvirt would write it, `<domain type='kvm'>` without a `<kernel>`:
# nido-vmm cannot run it, so it goes to QEMU (docs/drivers.md). Where this
# host's KVM cannot run an unmodified guest, the start says so, and the
# same machine is started with `type='qemu'` (TCG). SeaBIOS boots the
# disk; the init answers on `nido console`; `nido shutdown` presses the
# ACPI power button and the domain is shut off.
#
# Usage: demo-qemu.sh BUILD_DIR (as root, from scripts/demo).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
. "$(dirname "$0")/demo-daemon.sh"
# A daemon of the demo's own (session mode, its own directories).
demo_daemon qemu full

"$top/tests/integration/daemon/qemu/make-bios-disk.sh" "$work/boot.img" ||
	die "could not make the BIOS disk (see above)"

domain_xml() { # TYPE
	cat <<XML
<domain type='$1'>
  <name>full</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$work/boot.img'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <serial type='pty'/>
    <console type='pty'/>
  </devices>
</domain>
XML
}
domain_xml kvm >"$work/full.xml"
show define "$work/full.xml"
echo "\$ nido dumpxml full | grep emulator"
nido dumpxml full | grep '<emulator>'
if ! out=$(nido start full 2>&1); then
	echo "\$ nido start full"
	echo "$out"
	echo "   (this host's KVM cannot run an unmodified guest: the same machine"
	echo "    is defined again with type='qemu', QEMU's emulation, TCG)"
	domain_xml qemu >"$work/full.xml"
	show define "$work/full.xml"
	show start full || die "start"
else
	echo "\$ nido start full"
	echo "$out"
fi
show list

# The init answers "GOT:WORD on KERNEL" to each line on its console; the
# firmware and the kernel take a few seconds (more under TCG).
deadline=$((SECONDS + 240))
answer=
while [ $SECONDS -lt $deadline ]; do
	answer=$(printf 'hello-from-nido\r' | timeout 20 "$build/src/cli/nido" console full 2>&1 || true)
	[[ $answer == *"GOT:hello-from-nido on "* ]] && break
	sleep 1
done
echo "\$ nido console full    (typing 'hello-from-nido')"
# (earlier tries, typed while it booted, are answered too: the last one)
printf '%s\n' "$answer" | tr -d '\r' | grep "GOT:hello-from-nido on " | tail -n 1 ||
	die "the guest did not answer on its console"

# The running guest's whole state to disk and back: it goes on from the
# same instruction, without booting again.
show managedsave full
show domstate --reason full
show start full
show domstate --reason full
answer=
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ]; do
	answer=$(printf 'still-here\r' | timeout 20 "$build/src/cli/nido" console full 2>&1 || true)
	[[ $answer == *"GOT:still-here on "* ]] && break
	sleep 1
done
echo "\$ nido console full    (typing 'still-here')"
printf '%s\n' "$answer" | tr -d '\r' | grep "GOT:still-here on " | tail -n 1 ||
	die "the restored guest did not answer on its console"

show shutdown full
deadline=$((SECONDS + 120))
until [ "$(nido domstate full)" = "shut off" ]; do
	[ $SECONDS -lt $deadline ] || die "the guest did not shut down"
	sleep 1
done
show domstate --reason full
show undefine full
