#!/usr/bin/env bash
# <backingStore> in the live XML: a running domain's qcow2 disk shows
# the backing chain nidod opened, top down with libvirt's index and
# the empty <backingStore/> that ends it, for a volume disk and a file
# disk, on nido-vmm (type 'kvm') and QEMU (type 'qemu'); the inactive
# XML (dumpxml --inactive, and once the domain stops) keeps only what
# the definition declared, as libvirt's does.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-img >/dev/null; then
	echo "1..0 # SKIP needs qemu-img"
	exit 0
fi
start_daemon

# t_no DESC WORD CMD...: passes when CMD succeeds without printing WORD.
t_no() {
	local desc=$1 word=$2 out
	shift 2
	if out=$("$@" 2>&1) && [[ $out != *"$word"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "not expected: $word" "got: $out"
	fi
}

# A dir pool holding top.qcow2 -> mid.qcow2 -> base.raw (relative
# names, as qemu-img records them).
pool=$tmp/pool
mkdir -p "$pool"
"$NIDO" pool-create-as lc dir --target "$pool" >/dev/null
truncate -s 4M "$pool/base.raw"
(cd "$pool" && qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2 &&
	qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2 &&
	qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top2.qcow2)
"$NIDO" pool-refresh lc >/dev/null
chain="<backingStore type='file' index='1'>
        <format type='qcow2'/>
        <source file='$pool/mid.qcow2'/>
        <backingStore type='file' index='2'>
          <format type='raw'/>
          <source file='$pool/base.raw'/>
          <backingStore/>
        </backingStore>
      </backingStore>"
vol_disk="<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='lc' volume='top.qcow2'/><target dev='vda' bus='virtio'/></disk>"
file_disk="<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$pool/top2.qcow2'/><target dev='vdb' bus='virtio'/></disk>"
raw_disk="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$pool/base.raw'/><target dev='vdc' bus='virtio'/><readonly/></disk>"

# check DRIVER NAME: the chain while NAME runs, none once it stops.
check() {
	local out
	t_out "$1: started" "Domain '$2' started" "$NIDO" start "$2"
	out=$("$NIDO" dumpxml "$2")
	t_out "$1: the volume disk shows its chain" "<source pool='lc' volume='top.qcow2'/>
      $chain" echo "$out"
	t_out "$1: the file disk shows its chain" "<source file='$pool/top2.qcow2'/>
      $chain" echo "$out"
	t_out "$1: a raw disk ends at once" "<source file='$pool/base.raw'/>
      <backingStore/>" echo "$out"
	t_out "$1: the live XML defines again" "Domain '$2-copy' defined" \
		bash -c "\"\$1\" dumpxml \"\$2\" | sed 's/<name>$2</<name>$2-copy</; /<uuid>/d' >'$tmp/$2-copy.xml' && \"\$1\" define '$tmp/$2-copy.xml'" _ "$NIDO" "$2"
	t_out "$1: the copy declares the chain" "<source file='$pool/base.raw'/>" "$NIDO" dumpxml --inactive "$2-copy"
	"$NIDO" undefine "$2-copy" >/dev/null
	t_no "$1: dumpxml --inactive shows no chain" "backingStore" "$NIDO" dumpxml --inactive "$2"
	t "$1: destroyed" "$NIDO" destroy "$2"
	t_no "$1: once stopped, no chain" "backingStore" "$NIDO" dumpxml "$2"
}

if kvm_usable; then
	domain_xml lk "$GUEST_IDLE" "$vol_disk $file_disk $raw_disk" >"$tmp/lk.xml"
	"$NIDO" define "$tmp/lk.xml" >/dev/null
	check nido-vmm lk
	# a daemon restart finds the running domain with its chain (the
	# live definition saved after the start), the inactive one without
	"$NIDO" start lk >/dev/null
	stop_daemon TERM
	start_daemon
	t_out "after a daemon restart the chain is still shown" \
		"<source file='$pool/mid.qcow2'/>" "$NIDO" dumpxml lk
	t_no "... and the inactive XML still has none" "backingStore" \
		"$NIDO" dumpxml --inactive lk
	"$NIDO" destroy lk >/dev/null
else
	skip "the chain on nido-vmm" "no usable /dev/kvm"
fi
if command -v qemu-system-x86_64 >/dev/null; then
	qemu_xml lq "$vol_disk $file_disk $raw_disk" >"$tmp/lq.xml"
	"$NIDO" define "$tmp/lq.xml" >/dev/null
	check qemu lq
else
	skip "the chain on QEMU" "qemu-system-x86_64 is not installed"
fi
done_testing
