#!/usr/bin/env bash
# The qemu driver end to end, with TCG (docs/drivers.md): a BIOS disk the
# test makes (MBR, ext2, extlinux, Debian's kernel, a busybox init that
# answers on ttyS0 and powers off on the ACPI power button) boots through
# `nido start` under QEMU's SeaBIOS; its init answers on `nido console`;
# suspend holds it (its clock stops), resume lets it go on; shutdown goes through ACPI;
# destroy; a daemon killed with SIGKILL re-attaches to the running QEMU;
# a cdrom before the disk in the boot order; the disk on virtio-scsi;
# type 'kvm' on a host whose KVM cannot run an unmodified guest says so.
. "$(dirname "$0")/lib.sh"

qemu_bios_disk "the qemu driver"

# qemu_xml NAME TYPE DEVICES [OS]: a domain booting from its disks.
qemu_xml() {
	cat <<XML
<domain type='$2'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    ${4:-}
  </os>
  <features><acpi/></features>
  <devices>
    $3
    <serial type='pty'/>
    <console type='pty'/>
  </devices>
</domain>
XML
}
ide_disk="<disk type='file' device='disk'><driver name='qemu' type='raw'/>
    <source file='$disk'/><target dev='hda' bus='ide'/></disk>"

# gone PID: the process ended (a zombie left to an init that does not
# reap, after its daemon was killed, counts).
gone() {
	! kill -0 "$1" 2>/dev/null ||
		[ "$(sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | cut -c1)" = Z ]
}

start_daemon
qemu_xml bios qemu "$ide_disk" >"$tmp/bios.xml"
t_out "define a type 'qemu' domain" "Domain 'bios' defined" "$NIDO" define "$tmp/bios.xml"
t_out "dumpxml names the QEMU it runs on" "<emulator>$QEMU</emulator>" \
	"$NIDO" dumpxml bios
native=$("$NIDO" domxml-to-native qemu-argv --domain bios 2>&1)
t_out "domxml-to-native qemu-argv: QEMU's command line" "-machine pc,accel=tcg" echo "$native"
t_out "... the disk by its path, not an fd set" "\"filename\":\"$disk\"" echo "$native"
t "... no fd set left" sh -c "! echo '$native' | grep -q -e -add-fd -e /dev/fdset"
# the line runs: QEMU parses it, opens the disk and waits on -S
rm -rf "$tmp/native" && mkdir -p "$tmp/native"
(cd "$tmp/native" && eval "timeout 3 ${native//$NIDO_RUNTIME_DIR\/domains\/bios.monitor/$tmp\/native\/mon}" >"$tmp/native/out" 2>&1)
t "... and QEMU runs it (ended by the timeout, not by an error)" test $? -eq 124
t_out "... --xml FILE gives the same line (but its new UUID)" "$(echo "$native" | sed 's/-uuid [^ ]*//')" \
	sh -c "'$NIDO' domxml-to-native qemu-argv '$tmp/bios.xml' | sed 's/-uuid [^ ]*//'"
t_err "... another format" "unsupported native format 'xen-xm'" \
	"$NIDO" domxml-to-native xen-xm --domain bios
t_err "... neither --xml nor --domain" "exactly one of --xml and --domain" \
	"$NIDO" domxml-to-native qemu-argv
t_out "start: QEMU with TCG" "Domain 'bios' started" "$NIDO" start bios
t "the domain is running (booted)" state_is bios "running (booted)"
pid=$(vm_pid bios)
t_out "QEMU runs as libvirt starts it" "-S -no-user-config -nodefaults -machine pc,accel=tcg" \
	tr '\0' ' ' </proc/"$pid"/cmdline
t_out "... in QEMU's sandbox" "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny" \
	tr '\0' ' ' </proc/"$pid"/cmdline
t_out "... its disk on a file nidod opened" "\"filename\":\"/dev/fdset/1\"" \
	tr '\0' ' ' </proc/"$pid"/cmdline
if [ "$(id -u)" -eq 0 ]; then
	t "... as an unprivileged identity of its own, without capabilities" \
		sh -c "grep -q '^Uid:[[:space:]]*[1-9]' /proc/$pid/status &&
			grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$pid/status &&
			grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$pid/status"
fi
out=$(qemu_ask bios ping-1)
if [[ $out == *"GOT:ping-1 on "* ]]; then
	ok "the guest boots from its BIOS disk to its init, which answers on the console"
else
	not_ok "the guest boots from its BIOS disk to its init, which answers on the console" \
		"$out" "$(tail -n 20 "$NIDO_RUNTIME_DIR/domains/bios.log")"
fi
t_out "domstats: QEMU's block statistics" "block.0.name=hda" "$NIDO" domstats bios
t_out "domstats: QEMU's vCPUs" "vcpu.current=1" "$NIDO" domstats bios

# guest_uptime: the guest's /proc/uptime (its init answers "uptime").
guest_uptime() {
	local v= deadline=$((SECONDS + 60))
	while [ -z "$v" ] && [ $SECONDS -lt $deadline ]; do
		v=$(printf 'uptime\r' | timeout 20 "$NIDO" console bios 2>&1 |
			sed -n 's/.*UPTIME:\([0-9.]*\).*/\1/p' | tail -n 1)
	done
	echo "$v"
}
h1=$(date +%s.%N)
g1=$(guest_uptime)
t_out "suspend" "Domain 'bios' suspended" "$NIDO" suspend bios
t "the domain is paused (user)" state_is bios "paused (user)"
out=$(printf 'held-2\r' | timeout 20 "$NIDO" console bios 2>&1)
if [[ $out != *"GOT:held-2"* ]]; then
	ok "a paused guest does not answer"
else
	not_ok "a paused guest does not answer" "$out"
fi
sleep 8 # paused for that long at least
t_out "resume" "Domain 'bios' resumed" "$NIDO" resume bios
t "the domain is running (unpaused)" state_is bios "running (unpaused)"
t_out "the resumed guest answers" "GOT:ping-3 on " qemu_ask bios ping-3
g2=$(guest_uptime)
h2=$(date +%s.%N)
# paused for 8 s at least: the guest's clock stood still meanwhile, so
# it advanced 5 s less than the host's at least
if [ -n "$g1" ] && [ -n "$g2" ] &&
	awk -v g1="$g1" -v g2="$g2" -v h1="$h1" -v h2="$h2" \
		'BEGIN { exit !(g2 - g1 < h2 - h1 - 5) }'; then
	ok "the guest's clock stopped while it was suspended"
else
	not_ok "the guest's clock stopped while it was suspended" "guest: $g1 -> $g2, host: $h1 -> $h2"
fi

# The daemon dies; QEMU does not; a new daemon re-attaches.
stop_daemon KILL
t "QEMU outlives a daemon killed with SIGKILL" kill -0 "$pid"
start_daemon
t "a new daemon re-attaches: running" state_starts bios "running"
t "... the same QEMU" test "$(vm_pid bios)" = "$pid"
t_out "... and talks to it (QMP): suspend" "Domain 'bios' suspended" "$NIDO" suspend bios
t_out "... resume" "Domain 'bios' resumed" "$NIDO" resume bios
t_out "... the console" "GOT:ping-4 on " qemu_ask bios ping-4

rebooted() { # a new QEMU runs, not $pid
	local p
	p=$(vm_pid bios)
	[ -n "$p" ] && [ "$p" != "$pid" ] && state_is bios "running (booted)"
}
t_out "reboot" "Domain 'bios' is being rebooted" "$NIDO" reboot bios
t "reboot: the guest powers off (ACPI) and the domain starts again" \
	wait_for 120 rebooted
pid=$(vm_pid bios)
t_out "... and its init answers" "GOT:ping-6 on " qemu_ask bios ping-6

t_out "shutdown: the ACPI power button" "Domain 'bios' is being shutdown" \
	"$NIDO" shutdown bios
if wait_for 120 state_is bios "shut off (shutdown)"; then
	ok "the guest powers off: shut off (shutdown)"
else
	not_ok "the guest powers off: shut off (shutdown)" \
		"$("$NIDO" domstate --reason bios 2>&1)"
fi
t "QEMU is gone" gone "$pid"

t_out "start again" "Domain 'bios' started" "$NIDO" start bios
pid=$(vm_pid bios)
t_out "destroy" "Domain 'bios' destroyed" "$NIDO" destroy bios
t "destroyed: shut off (destroyed)" state_is bios "shut off (destroyed)"
t "QEMU is gone" gone "$pid"

# A cdrom first in the boot order: the same image as an IDE cdrom is not
# bootable (no El Torito), so SeaBIOS goes on to the disk; the cdrom is
# read-only to the guest.
qemu_xml order qemu "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
    <source file='$disk'/><target dev='hdc' bus='ide'/><readonly/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
    <source file='$disk'/><target dev='vda' bus='virtio'/><readonly/></disk>" \
	"<boot dev='cdrom'/><boot dev='hd'/>" >"$tmp/order.xml"
t_out "define with a cdrom and a boot order" "Domain 'order' defined" "$NIDO" define "$tmp/order.xml"
t_out "dumpxml keeps the boot order" "<boot dev='cdrom'/>
    <boot dev='hd'/>" "$NIDO" dumpxml order
t_out "start" "Domain 'order' started" "$NIDO" start order
pid=$(vm_pid order)
t_out "the cdrom is an ide-cd, first to boot" '"driver":"ide-cd","unit":0,"bus":"ide.1","drive":"d0-0","id":"disk0","bootindex":1' \
	tr '\0' ' ' </proc/"$pid"/cmdline
t_out "the guest boots on past the cdrom" "GOT:ping-5 on " qemu_ask order ping-5
kill -9 "$pid"
t "QEMU killed: the domain is shut off (crashed)" \
	wait_for 60 state_starts order "shut off (crashed"

# The disk on a virtio-scsi controller (SeaBIOS boots from it), with
# the machine's other devices libvirt's files name: a watchdog, the
# panic device, the balloon, no boot menu.
qemu_xml scsi qemu "<controller type='scsi' index='0' model='virtio-scsi'/>
    <disk type='file' device='disk'><driver name='qemu' type='raw' cache='writeback'/>
    <source file='$disk'/><target dev='sda' bus='scsi'/><readonly/></disk>
    <watchdog model='i6300esb' action='poweroff'/><panic model='isa'/>
    <memballoon model='virtio'/>" "<boot dev='hd'/><bootmenu enable='no'/>" >"$tmp/scsi.xml"
t_out "define a disk on virtio-scsi" "Domain 'scsi' defined" "$NIDO" define "$tmp/scsi.xml"
t_out "start" "Domain 'scsi' started" "$NIDO" start scsi
pid=$(vm_pid scsi)
t_out "QEMU gets the controller and an scsi-hd on it, first to boot" \
	'{"driver":"virtio-scsi-pci","id":"scsi0","bus":"pci.0","addr":"0x2"} -device {"driver":"scsi-hd","bus":"scsi0.0","channel":0,"scsi-id":0,"lun":0,"drive":"d0-0","id":"disk0","bootindex":1,"write-cache":"on"}' \
	tr '\0' ' ' </proc/"$pid"/cmdline
t_out "... the watchdog, the panic device, the balloon" \
	'{"driver":"virtio-balloon-pci","id":"balloon0","bus":"pci.0","addr":"0x3"} -device {"driver":"i6300esb","id":"watchdog0","bus":"pci.0","addr":"0x4"} -device {"driver":"pvpanic","ioport":1285}' \
	tr '\0' ' ' </proc/"$pid"/cmdline
t_out "the guest boots from its SCSI disk to its init" "GOT:ping-7 on " qemu_ask scsi ping-7
t_out "domstats: the SCSI disk" "block.0.name=sda" "$NIDO" domstats scsi
"$NIDO" destroy scsi >/dev/null

# QEMU is as hostile as its guest: a monitor that sends what is not QMP
# fails the start with the reason, QEMU is killed, nidod goes on.
hostile=$(cd "$(dirname "$0")/qemu/hostile" && pwd)/qemu-system-x86_64
for m in "garbage:query-chardev: QMP line with a NUL byte" \
	"long:query-chardev: QMP: a line longer than 1048576 bytes" \
	"pty:QEMU named '/dev/pts/ptmx' as its console: not a pseudo-terminal of its own"; do
	name=hostile-${m%%:*}
	qemu_xml "$name" qemu "<emulator>$hostile</emulator>" >"$tmp/$name.xml"
	"$NIDO" define "$tmp/$name.xml" >/dev/null
	t_err "a monitor that sends ${m%%:*}: the start fails, naming it" \
		"failed to start domain '$name': ${m#*:}" "$NIDO" start "$name"
	t "... the domain is shut off (failed)" state_starts "$name" "shut off (failed"
done
t_out "... and nidod goes on" "bios" "$NIDO" list --all --name

# type 'kvm' that nido-vmm cannot run (no <kernel>) goes to QEMU with KVM.
qemu_xml full kvm "$ide_disk" >"$tmp/full.xml"
t_out "a type 'kvm' domain without <kernel> is defined on QEMU" "Domain 'full' defined" \
	"$NIDO" define "$tmp/full.xml"
t_out "... dumpxml says so" "<emulator>$QEMU</emulator>" "$NIDO" dumpxml full
mkdir -p "$tmp/modules/kvm" "$tmp/modules/kvm_pvm"
NIDO_TEST_SYS_MODULE=$tmp/modules
export NIDO_TEST_SYS_MODULE
stop_daemon
start_daemon
t_err "on a PVM host, its start says so and suggests type 'qemu'" \
	"this host's KVM is PVM-based (kvm_pvm): it cannot run an unmodified guest (a stock kernel stops early with an emulation failure); use <domain type='qemu'> to run it with TCG (emulation)" \
	"$NIDO" start full
t "... and it is shut off" state_starts full "shut off"
rm -r "$tmp/modules/kvm_pvm"
mkdir "$tmp/modules/kvm_intel"
stop_daemon
start_daemon
if [ "$(id -u)" -eq 0 ] && [ "$(stat -c %a /dev/kvm 2>/dev/null)" = 600 ]; then
	t_err "with VT-x KVM, QEMU needs /dev/kvm open to its identity" \
		"'/dev/kvm' (mode 0600, group 0) is not open to the VM's identity" \
		"$NIDO" start full
elif [ -e /dev/kvm ]; then
	t_out "with VT-x KVM, type 'kvm' starts QEMU with accel=kvm" \
		"Domain 'full' started" "$NIDO" start full
	t_out "... -machine pc,accel=kvm" "-machine pc,accel=kvm" \
		tr '\0' ' ' </proc/"$(vm_pid full)"/cmdline
	"$NIDO" destroy full >/dev/null 2>&1
fi
unset NIDO_TEST_SYS_MODULE

done_testing
