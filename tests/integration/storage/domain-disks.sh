#!/usr/bin/env bash
# A guest's disks from storage pools (docs/storage-xml.md, "Guest
# disks"): <disk type='volume'> looked up in its pool at each start and
# after a daemon restart, a refusal naming the pool or volume that is
# not there, and <transient/>: the guest (QEMU with TCG: the test ISO
# installs a boot sector on its first disk, then boots it) writes to an
# overlay in nidod's state directory, thrown away when it stops, so the
# volume below stays blank; without <transient/> the same run installs
# onto the volume itself. On nido-vmm too when /dev/kvm is usable.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "1..0 # SKIP needs qemu-system-x86_64 (qemu-system-x86)"
	exit 0
fi
iso=$tmp/install.iso
"$(dirname "$0")/../daemon/qemu/make-cdrom.sh" "$iso" 2>"$tmp/iso.err"
rc=$?
if [ $rc -eq 77 ]; then
	echo "1..0 # SKIP $(cat "$tmp/iso.err")"
	exit 0
fi
t "the test makes its install ISO" test $rc -eq 0

# vol_xml VOLUME [extra inside <disk>]: a disk of pool "lab", then the ISO.
vol_xml() {
	cat <<XML
<domain type='qemu'>
  <name>inst</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os>
  <devices>
    <disk type='volume' device='disk'><driver name='qemu' type='raw'/>
      <source pool='lab' volume='$1'/><target dev='vda' bus='virtio'/>${2:-}</disk>
    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/>
      <source file='$iso'/><target dev='sdb' bus='sata'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
}

# blank PATH: the file holds only zeros.
blank() {
	cmp -s -n "$(stat -c %s "$1")" "$1" /dev/zero
}

start_daemon
{ "$NIDO" pool-define-as lab dir --target "$tmp/lab" && "$NIDO" pool-build lab &&
	"$NIDO" pool-start lab; } >/dev/null
t_out "a dir pool for the guests" "running" "$NIDO" pool-info lab
"$NIDO" vol-create-as lab disk.img 1M --format raw >/dev/null
vol=$tmp/lab/disk.img
t "a blank raw volume" blank "$vol"

# ---- the volume, transient ----
vol_xml disk.img "<transient/>" >"$tmp/inst.xml"
t_out "a volume disk with <transient/> is defined" "Domain 'inst' defined" "$NIDO" define "$tmp/inst.xml"
t_out "dumpxml keeps the pool and volume" "<source pool='lab' volume='disk.img'/>" "$NIDO" dumpxml inst
t_out "... and <transient/>" "<transient/>" "$NIDO" dumpxml inst
t_out "domblklist names the volume" "vda      disk.img" "$NIDO" domblklist inst
t_out "it starts" "Domain 'inst' started" "$NIDO" start inst
overlay=$NIDO_STATE_DIR/transient/inst-vda.qcow2
t "its overlay is in nidod's state directory" test -f "$overlay"
t_out "... a qcow2 over the volume" "$vol" qinfo "$overlay" backing-filename
out=$(hear inst NIDO-DISK-BOOT)
[[ $out == *NIDO-DISK-BOOT* ]] &&
	ok "the ISO installs on the transient disk, which then boots" ||
	not_ok "the ISO installs on the transient disk, which then boots" "$out" \
		"$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/inst.log")"
t "... the volume itself stays blank while it runs" blank "$vol"
t_out "domstats gives the volume's path" "block.0.path=$vol" "$NIDO" domstats inst

# A daemon restart: the running guest keeps its overlay.
stop_daemon KILL
start_daemon
t_out "after a daemon restart the guest is re-attached" "running" "$NIDO" domstate inst
t_out "... with its volume looked up again" "block.0.path=$vol" "$NIDO" domstats inst
t "... and its overlay in place" test -f "$overlay"
"$NIDO" destroy inst >/dev/null
t "destroy throws the overlay away" test ! -e "$overlay"
t "the volume is still blank" blank "$vol"

# ---- the volume, persistent ----
vol_xml disk.img >"$tmp/inst.xml"
"$NIDO" define "$tmp/inst.xml" >/dev/null
"$NIDO" start inst >/dev/null
out=$(hear inst NIDO-DISK-BOOT)
"$NIDO" destroy inst >/dev/null
[[ $out == *NIDO-DISK-BOOT* ]] && ! blank "$vol" &&
	ok "without <transient/> the install lands on the volume" ||
	not_ok "without <transient/> the install lands on the volume" "$out"

# ---- refusals ----
vol_xml nosuch.img >"$tmp/nosuch.xml"
sed -i 's/<name>inst/<name>nosuch/' "$tmp/nosuch.xml"
"$NIDO" define "$tmp/nosuch.xml" >/dev/null
t_err "a missing volume is named at start" \
	"disk 'vda': storage volume 'nosuch.img' not found in pool 'lab'" "$NIDO" start nosuch
"$NIDO" pool-destroy lab >/dev/null
t_err "an inactive pool is named at start" \
	"disk 'vda': storage pool 'lab' is not active" "$NIDO" start inst
t_out "... and nothing runs" "shut off" "$NIDO" domstate inst
"$NIDO" pool-start lab >/dev/null
vol_xml disk.img "<readonly/><transient/>" >"$tmp/ro.xml"
t_err "<transient/> on a read-only disk is refused" \
	"<transient/> on a read-only disk" "$NIDO" define "$tmp/ro.xml"
vol_xml disk.img "<transient shareBacking='maybe'/>" >"$tmp/sb.xml"
t_err "a bad shareBacking is refused by name" \
	"<transient shareBacking='maybe'>: expected yes or no" "$NIDO" define "$tmp/sb.xml"
vol_xml "" >"$tmp/novol.xml"
t_err "a volume disk without its volume is refused" \
	"missing <source volume='...'/>" "$NIDO" define "$tmp/novol.xml"
t_out "domxml-to-native gives the volume's path" '"filename":"'"$vol"'"' \
	"$NIDO" domxml-to-native qemu-argv --domain inst

# ---- nido-vmm ----
if kvm_usable; then
	"$NIDO" vol-create-as lab vmm.qcow2 1M --format qcow2 >/dev/null
	domain_xml vmm "$GUEST_IDLE" "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='lab' volume='vmm.qcow2'/><target dev='vda' bus='virtio'/><transient/></disk>" >"$tmp/vmm.xml"
	"$NIDO" define "$tmp/vmm.xml" >/dev/null
	t_out "nido-vmm starts a transient qcow2 volume" "Domain 'vmm' started" "$NIDO" start vmm
	t "... its overlay is made" test -f "$NIDO_STATE_DIR/transient/vmm-vda.qcow2"
	t_out "... domstats gives the volume's path" "block.0.path=$tmp/lab/vmm.qcow2" "$NIDO" domstats vmm
	"$NIDO" destroy vmm >/dev/null
	t "... and destroy throws it away" test ! -e "$NIDO_STATE_DIR/transient/vmm-vda.qcow2"
else
	skip "volume disks on nido-vmm" "/dev/kvm or nido-vmm is not usable"
fi
done_testing
