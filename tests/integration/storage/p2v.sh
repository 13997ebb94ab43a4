#!/usr/bin/env bash
# P2V: a physical disk (here a loop device with known content, data and
# zeroes) into a qcow2 image, by `nido img convert -p` (its progress as
# qemu-img prints it) and by `nido vol-create-from` with the device as
# input (a volume of no pool; --verbose shows the daemon's progress),
# each compared with the device by `nido img compare` and qemu-img, and
# sparse where the disk reads as zeroes. Also vol-create-from across
# pools (a qcow2 volume of one dir pool into a raw one of another) and
# vol-clone --verbose.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v losetup >/dev/null; then
	echo "1..0 # SKIP needs root and losetup"
	exit 0
fi
# 160 MiB: 96 MiB of data, then zeroes (a disk's unused end), and a
# marker in the middle of the zeroes
truncate -s 160M "$tmp/disk.img"
head -c 96M /dev/urandom | dd of="$tmp/disk.img" conv=notrunc status=none
printf 'nido-p2v-marker' | dd of="$tmp/disk.img" bs=1M seek=128 conv=notrunc status=none
if ! dev=$(losetup -f --show "$tmp/disk.img" 2>/dev/null); then
	echo "1..0 # SKIP no loop device"
	exit 0
fi
trap 'losetup -d "$dev" 2>/dev/null; cleanup' EXIT
IMG="$NIDO img"

# the distinct percentages a progress output shows (\r-separated)
steps() {
	tr '\r' '\n' <"$1" | grep -c '%'
}
actual_size() {
	qinfo "$1" actual-size
}

# ---- nido img convert from a block device ---------------------------
$IMG convert -p -O qcow2 "$dev" "$tmp/p2v.qcow2" >"$tmp/convert.out" 2>&1
t "img convert -p -O qcow2 from the loop device" test $? -eq 0
qemu-img convert -p -O qcow2 "$dev" "$tmp/qemu.qcow2" >"$tmp/qemu.out" 2>&1
t_exact "its last progress line is qemu-img's" \
	"$(tr '\r' '\n' <"$tmp/qemu.out" | grep '%' | tail -1)" \
	sh -c "tr '\\r' '\\n' <'$tmp/convert.out' | grep '%' | tail -1"
t "it showed the copy going on (more than 10 steps)" test "$(steps "$tmp/convert.out")" -gt 10
t_exact "nido img compare: the device and the image are identical" "Images are identical." \
	$IMG compare "$dev" "$tmp/p2v.qcow2"
t_exact "qemu-img compare agrees" "Images are identical." qemu-img compare -U "$dev" "$tmp/p2v.qcow2"
t "qemu-img check finds no error" qcheck "$tmp/p2v.qcow2"
t_exact "its virtual size is the device's" "$(blockdev --getsize64 "$dev")" qinfo "$tmp/p2v.qcow2" virtual-size
t "the zeroes are not allocated (under 100 MiB on disk)" \
	test "$(actual_size "$tmp/p2v.qcow2")" -lt $((100 << 20))
t_exact "nido img compare sees a change" "Content mismatch at offset 134217728!" \
	sh -c "printf x | dd of='$tmp/disk.img' bs=1M seek=128 conv=notrunc status=none;
	       $IMG compare '$dev' '$tmp/p2v.qcow2'"
printf 'n' | dd of="$tmp/disk.img" bs=1M seek=128 conv=notrunc status=none
t_exact "and not once the byte is back" "Images are identical." $IMG compare "$dev" "$tmp/p2v.qcow2"

# ---- vol-create-from with the device as input -----------------------
start_daemon
mkdir -p "$tmp/pool" "$tmp/pool2"
t "a dir pool for the image" "$NIDO" pool-create-as p2v dir --target "$tmp/pool"
cat >"$tmp/disk.xml" <<XML
<volume>
  <name>disk.qcow2</name>
  <capacity>0</capacity>
  <target>
    <format type='qcow2'/>
  </target>
</volume>
XML
"$NIDO" vol-create-from p2v "$tmp/disk.xml" "$dev" --verbose >"$tmp/from.out" 2>"$tmp/from.err"
t_exact "vol-create-from with the block device as input" \
	"Vol disk.qcow2 created from input vol $dev" cat "$tmp/from.out"
t_exact "--verbose ends at 100 %" "Volume copy: [100.00 %]" \
	sh -c "tr '\\r' '\\n' <'$tmp/from.err' | grep . | tail -1"
t "and showed the daemon's progress on the way (several steps)" \
	test "$(tr '\r' '\n' <"$tmp/from.err" | grep -c 'Volume copy')" -gt 3
t_exact "the volume is identical to the device" "Images are identical." \
	$IMG compare "$dev" "$tmp/pool/disk.qcow2"
t_exact "a qcow2 volume" "qcow2" qinfo "$tmp/pool/disk.qcow2" format
t "qemu-img check finds no error" qcheck "$tmp/pool/disk.qcow2"
t "sparse where the device reads as zeroes" \
	test "$(actual_size "$tmp/pool/disk.qcow2")" -lt $((100 << 20))
t_out "vol-info: the device's capacity" "Capacity:       160.00 MiB" "$NIDO" vol-info disk.qcow2 --pool p2v
t_exact "without --verbose: no progress" "" \
	sh -c "sed 's/disk.qcow2/quiet.qcow2/' '$tmp/disk.xml' >'$tmp/quiet.xml' &&
	       '$NIDO' vol-create-from p2v '$tmp/quiet.xml' '$dev' 2>&1 >/dev/null"
t_err "a regular file of no pool is not an input" "storage volume '$tmp/disk.img' not found" \
	"$NIDO" vol-create-from p2v "$tmp/quiet.xml" "$tmp/disk.img"
t_err "--prealloc-metadata is refused by name" "metadata preallocation is not supported" \
	"$NIDO" vol-create-from p2v "$tmp/quiet.xml" "$dev" --prealloc-metadata
t_err "--reflink is refused by name" "--reflink is not supported" \
	"$NIDO" vol-create-from p2v "$tmp/quiet.xml" "$dev" --reflink
t_err "a backing store is refused" "it has no backing store" sh -c "
	printf '%s' \"<volume><name>b.qcow2</name><capacity>1</capacity><backingStore><path>$dev</path><format type='raw'/></backingStore></volume>\" >'$tmp/b.xml'
	'$NIDO' vol-create-from p2v '$tmp/b.xml' '$dev'"
t_exact "neither made a volume" "disk.qcow2 quiet.qcow2 " sh -c "ls '$tmp/pool' | tr '\\n' ' '"
t_out "the XML's warnings are shown" "warning: " sh -c "
	sed 's/disk.qcow2/warn.qcow2/; s|<format|<path>/elsewhere</path><format|' '$tmp/disk.xml' >'$tmp/warn.xml'
	'$NIDO' vol-create-from p2v '$tmp/warn.xml' '$dev'"

# ---- across pools, and vol-clone --verbose ----------------------------
t "a second dir pool" "$NIDO" pool-create-as other dir --target "$tmp/pool2"
cat >"$tmp/raw.xml" <<XML
<volume>
  <name>disk.raw</name>
  <capacity unit='M'>200</capacity>
</volume>
XML
t_exact "vol-create-from --inputpool: qcow2 of one pool into raw of another" \
	"Vol disk.raw created from input vol disk.qcow2" \
	"$NIDO" vol-create-from other "$tmp/raw.xml" disk.qcow2 --inputpool p2v
t_exact "a raw volume" "raw" qinfo "$tmp/pool2/disk.raw" format
t_exact "of the XML's capacity, larger than the input's" "209715200" stat -c %s "$tmp/pool2/disk.raw"
t_out "what the device holds, then zeroes" "Images are identical." \
	qemu-img compare -U -f raw -F raw "$dev" "$tmp/pool2/disk.raw"
t "holes where it reads as zeroes" test "$(du -k "$tmp/pool2/disk.raw" | cut -f1)" -lt $((100 << 10))
t_err "an input pool that does not exist" "storage pool 'nope' not found" \
	"$NIDO" vol-create-from other "$tmp/raw.xml" disk.qcow2 --inputpool nope
"$NIDO" vol-clone disk.qcow2 copy.qcow2 --pool p2v --verbose >"$tmp/clone.out" 2>"$tmp/clone.err"
t_exact "vol-clone --verbose" "Vol 'copy.qcow2' cloned from disk.qcow2" cat "$tmp/clone.out"
t_exact "ends at 100 %" "Volume copy: [100.00 %]" sh -c "tr '\\r' '\\n' <'$tmp/clone.err' | grep . | tail -1"
t_exact "the clone is identical" "Images are identical." $IMG compare "$dev" "$tmp/pool/copy.qcow2"
t_err "vol-clone --prealloc-metadata is refused by name" "metadata preallocation is not supported" \
	"$NIDO" vol-clone disk.qcow2 copy2.qcow2 --pool p2v --prealloc-metadata
t "pool-destroy" sh -c "'$NIDO' pool-destroy p2v && '$NIDO' pool-destroy other"
done_testing
