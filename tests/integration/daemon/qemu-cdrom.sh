#!/usr/bin/env bash
# CD-ROMs on the qemu driver with TCG (docs/drivers.md): an ISO the test
# makes (qemu/make-cdrom.sh: El Torito boot code that says NIDO-CD-BOOT
# on the serial console, and installs a system saying NIDO-DISK-BOOT on
# a blank disk) boots by <boot dev> order and by per-device <boot
# order>; `nido install --cdrom` makes a domain whose new disk the ISO
# installs, and which then boots from that disk. SeaBIOS and a boot
# sector: each boot takes seconds.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "cdroms on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
iso=$tmp/install.iso
"$(dirname "$0")/qemu/make-cdrom.sh" "$iso" "$tmp/installed.img" 2>"$tmp/iso.err"
rc=$?
if [ $rc -eq 77 ]; then
	skip "cdroms on the qemu driver" "$(cat "$tmp/iso.err")"
	done_testing
	exit
fi
t "the test makes an ISO and a disk it installed" test $rc -eq 0

# hear DOMAIN WORD: listens on the console until WORD comes (the boot
# code repeats it about once a second); prints what it heard.
hear() {
	local deadline=$((SECONDS + 120)) out=
	while [ $SECONDS -lt $deadline ]; do
		out+=$(sleep 5 | timeout 4 "$NIDO" console "$1" 2>&1)
		[[ $out == *"$2"* || $out == *"not running"* ]] && break
	done
	printf '%s' "$out"
}

# cd_xml NAME OS DISKBOOT CDBOOT: the installed disk and the ISO.
cd_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type>$2</os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/installed.img'/><target dev='vda' bus='virtio'/>${3:-}</disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file='$iso'/><target dev='sdb' bus='sata'/>${4:-}</disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
}

# boots_to NAME WORD: starts NAME, hears WORD, destroys it.
boots_to() {
	local out
	"$NIDO" start "$1" >/dev/null || return 1
	out=$(hear "$1" "$2")
	"$NIDO" destroy "$1" >/dev/null
	[[ $out == *"$2"* ]] || { echo "heard: $out"; return 1; }
}

start_daemon
cd_xml order "<boot dev='cdrom'/><boot dev='hd'/>" >"$tmp/order.xml"
t_out "a cdrom first in <boot dev> order" "Domain 'order' defined" "$NIDO" define "$tmp/order.xml"
t "... boots the ISO (on a SATA cdrom)" boots_to order NIDO-CD-BOOT
cd_xml order "<boot dev='hd'/><boot dev='cdrom'/>" >"$tmp/order.xml"
"$NIDO" define "$tmp/order.xml" >/dev/null
t "the disk first boots the disk" boots_to order NIDO-DISK-BOOT

cd_xml perdev "" "<boot order='2'/>" "<boot order='1'/>" >"$tmp/perdev.xml"
t_out "per-device <boot order>" "Domain 'perdev' defined" "$NIDO" define "$tmp/perdev.xml"
t_out "... dumpxml keeps it" "<boot order='1'/>" "$NIDO" dumpxml perdev
t "... the cdrom with order 1 boots" boots_to perdev NIDO-CD-BOOT
cd_xml perdev "" "<boot order='1'/>" "<boot order='2'/>" >"$tmp/perdev.xml"
"$NIDO" define "$tmp/perdev.xml" >/dev/null
t "... the disk with order 1 boots" boots_to perdev NIDO-DISK-BOOT
cd_xml bad "<boot dev='hd'/>" "<boot order='1'/>" >"$tmp/bad.xml"
t_err "per-device order and <os><boot> together are refused" \
	"disk 'vda': per-device <boot order> cannot be used together with <os><boot dev>" \
	"$NIDO" define "$tmp/bad.xml"
cd_xml bad "" "<boot order='1'/>" "<boot order='1'/>" >"$tmp/bad.xml"
t_err "one order for two disks is refused" "boot order 1 used for disks 'vda' and 'sdb'" \
	"$NIDO" define "$tmp/bad.xml"

# nido install --cdrom: a new blank disk first, then the ISO.
cd "$tmp" || exit 1
t_out "install --cdrom writes the firmware's boot order" "<boot dev='hd'/>
    <boot dev='cdrom'/>" "$NIDO" install --name inst --virt-type qemu --cdrom install.iso \
	--disk "$tmp/inst.qcow2,size=16M" --print-xml
t_out "... the ISO by its absolute path, read-only" "<source file='$iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>" "$NIDO" install --name inst --virt-type qemu --cdrom install.iso --print-xml
out=$("$NIDO" install --name inst --virt-type qemu --memory 64 --cdrom install.iso \
	--disk "$tmp/inst.qcow2,size=16M" 2>&1)
if [[ $out == *"Created disk '$tmp/inst.qcow2'"* && $out == *"Domain 'inst' started"* ]]; then
	ok "install --cdrom creates the disk, defines and starts the domain"
else
	not_ok "install --cdrom creates the disk, defines and starts the domain" "$out"
fi
pid=$(vm_pid inst)
t_out "... the cdrom is read-only to QEMU" '"filename":"/dev/fdset/2","node-name":"f1-0","read-only":true' \
	tr '\0' ' ' </proc/"$pid"/cmdline
out=$(hear inst NIDO-DISK-BOOT)
if [[ $out == *NIDO-DISK-BOOT* ]]; then
	ok "the blank disk passes to the ISO, which installs; the machine resets and boots the disk"
else
	not_ok "the blank disk passes to the ISO, which installs; the machine resets and boots the disk" \
		"$out" "$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/inst.log")"
fi
t "... in the same QEMU (a reset, not a new start)" test "$(vm_pid inst)" = "$pid"
"$NIDO" destroy inst >/dev/null
t "the next start boots the installed disk" boots_to inst NIDO-DISK-BOOT
done_testing
