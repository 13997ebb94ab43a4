#!/usr/bin/env bash
# Floppies on the qemu driver with TCG (docs/xml.md): a floppy image the
# test makes (the boot sector qemu/make-cdrom.sh installs on disks: it
# says NIDO-DISK-BOOT on the serial console) boots by <boot dev='fd'>
# on a PC (its own FDC) and by per-device <boot order> as drive B on a
# Q35 (an FDC added); a hard disk first in the order boots instead.
# SeaBIOS and a boot sector: each boot takes seconds.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "floppies on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
"$(dirname "$0")/qemu/make-cdrom.sh" "$tmp/unused.iso" "$tmp/sector.img" 2>"$tmp/iso.err"
rc=$?
if [ $rc -eq 77 ]; then
	skip "floppies on the qemu driver" "$(cat "$tmp/iso.err")"
	done_testing
	exit
fi
# a 1.44 MB floppy whose boot sector is the installed system's
truncate -s 1440K "$tmp/boot.flp"
dd if="$tmp/sector.img" of="$tmp/boot.flp" bs=512 count=1 conv=notrunc status=none
truncate -s 1440K "$tmp/blank.flp"
t "the test makes a bootable floppy image" test -s "$tmp/boot.flp"

# hear DOMAIN WORD: listens on the console until WORD comes; prints
# what it heard.
hear() {
	local deadline=$((SECONDS + 120)) out=
	while [ $SECONDS -lt $deadline ]; do
		out+=$(sleep 5 | timeout 4 "$NIDO" console "$1" 2>&1)
		[[ $out == *"$2"* || $out == *"not running"* ]] && break
	done
	printf '%s' "$out"
}

# boots_to NAME WORD: starts NAME, hears WORD, destroys it.
boots_to() {
	local out
	"$NIDO" start "$1" >/dev/null || return 1
	out=$(hear "$1" "$2")
	"$NIDO" destroy "$1" >/dev/null
	[[ $out == *"$2"* ]] || { echo "heard: $out"; return 1; }
}

# fd_xml NAME MACHINE OS DEVICES
fd_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='$2'>hvm</type>$3</os>
  <devices>
    $4
    <serial type='pty'/>
  </devices>
</domain>
XML
}

start_daemon
floppy="<disk type='file' device='floppy'><source file='$tmp/boot.flp'/>
      <target dev='fda' bus='fdc'/></disk>
    <controller type='fdc' index='0'/>"
fd_xml pcfd pc "<boot dev='fd'/>" "$floppy" >"$tmp/pc.xml"
t_out "define a PC with a floppy, booting from it" "Domain 'pcfd' defined" \
	"$NIDO" define "$tmp/pc.xml"
t_out "dumpxml keeps the floppy and its controller" "<disk type='file' device='floppy'>
      <driver name='qemu' type='raw'/>
      <source file='$tmp/boot.flp'/>
      <target dev='fda' bus='fdc'/>
    </disk>
    <controller type='fdc' index='0'/>" "$NIDO" dumpxml pcfd
t_out "domxml-to-native: drive A boots first" "-global isa-fdc.bootindexA=1" \
	"$NIDO" domxml-to-native qemu-argv --domain pcfd
t "... and the guest boots from the floppy" boots_to pcfd NIDO-DISK-BOOT

# drive B with <boot order='1'> on a Q35 (which has no FDC of its own),
# a blank drive A beside it
fd_xml q35fd q35 "" "<disk type='file' device='floppy'><source file='$tmp/blank.flp'/>
      <target dev='fda' bus='fdc'/></disk>
    <disk type='file' device='floppy'><source file='$tmp/boot.flp'/>
      <target dev='fdb' bus='fdc'/><boot order='1'/></disk>" >"$tmp/q35.xml"
"$NIDO" define "$tmp/q35.xml" >/dev/null
t_out "domxml-to-native: a Q35 gets an FDC, drive B first" \
	'{"driver":"isa-fdc","bootindexB":1}' \
	"$NIDO" domxml-to-native qemu-argv --domain q35fd
t "... and the guest boots from drive B" boots_to q35fd NIDO-DISK-BOOT

# without fd in the boot order, the floppy is there but does not boot
fd_xml hdfirst pc "<boot dev='hd'/>" "<disk type='file' device='disk'><source file='$tmp/sector.img'/>
      <target dev='hda' bus='ide'/></disk>
    <disk type='file' device='floppy'><source file='$tmp/blank.flp'/>
      <target dev='fda' bus='fdc'/></disk>" >"$tmp/hd.xml"
"$NIDO" define "$tmp/hd.xml" >/dev/null
native=$("$NIDO" domxml-to-native qemu-argv --domain hdfirst 2>&1)
if [[ $native != *bootindexA* && $native == *'{"driver":"floppy","unit":0,'* ]]; then
	ok "without <boot dev='fd'> the floppy is given but not booted"
else
	not_ok "without <boot dev='fd'> the floppy is given but not booted" "$native"
fi

done_testing
