#!/usr/bin/env bash
# The logical pool (LVM) through nidod and the nido CLI, on two loop
# devices: pool-build makes the volume group only with consent over a
# device holding a file system or a PV signature, volumes are logical
# volumes (created, resized, wiped, deleted), thin volumes in a thin
# pool nido makes and removes, vol-clone and vol-create-from (a dir
# pool's qcow2 into thick and thin logical volumes and back), a refresh
# sees an LV made outside with lvcreate (thin too), delete and undefine leave no VG and no PV
# label, and a physical volume that vanishes makes the pool inactive
# with an event. Needs device-mapper, which this host's kernel lacks:
# tests/nested/scenarios/storage.sh runs it in layer 1.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v lvcreate >/dev/null ||
	! command -v losetup >/dev/null || ! command -v mkfs.ext4 >/dev/null; then
	echo "1..0 # SKIP needs root, lvm2, losetup and mkfs.ext4"
	exit 0
fi
if ! grep -qw device-mapper /proc/devices && ! modprobe dm-mod 2>/dev/null; then
	echo "1..0 # SKIP no device-mapper in this kernel (tests/nested runs it)"
	exit 0
fi
vg=nidotestvg
devs=()
for i in 1 2; do
	truncate -s 64M "$tmp/pv$i.img"
	d=$(losetup -f --show "$tmp/pv$i.img") || {
		echo "1..0 # SKIP no loop device"
		exit 0
	}
	devs+=("$d")
done
lv_cleanup() {
	vgchange -an "$vg" >/dev/null 2>&1
	vgremove -ff "$vg" >/dev/null 2>&1
	for d in "${devs[@]}"; do
		pvremove -ff -y "$d" >/dev/null 2>&1
		losetup -d "$d" 2>/dev/null
	done
}
trap 'lv_cleanup; cleanup' EXIT

lvnames() {
	lvs --noheadings -o lv_name "$vg" 2>/dev/null | tr -d ' ' | sort | tr '\n' ' '
}
lvsize() {
	lvs --noheadings --nosuffix --units b -o lv_size "$vg/$1" | tr -d ' '
}
signature() {
	blkid -p -o value -s TYPE "$1"
}

start_daemon
cat >"$tmp/lv.xml" <<XML
<pool type='logical'>
  <name>lvp</name>
  <source>
    <device path='${devs[0]}'/>
    <device path='${devs[1]}'/>
    <name>$vg</name>
    <format type='lvm2'/>
  </source>
  <target>
    <path>/dev/$vg</path>
  </target>
</pool>
XML
t_exact "pool-define of a logical pool" "Pool 'lvp' defined from $tmp/lv.xml" "$NIDO" pool-define "$tmp/lv.xml"
t_out "pool-dumpxml: its devices, volume group and format" "<device path='${devs[1]}'/>
    <name>$vg</name>
    <format type='lvm2'/>" "$NIDO" pool-dumpxml lvp
t_err "pool-start before pool-build" "volume group '$vg' not found (pool-build makes it" "$NIDO" pool-start lvp

mkfs.ext4 -q "${devs[1]}"
t_err "pool-build over a device holding a file system" "device '${devs[1]}' already holds a file system 'ext4'" \
	"$NIDO" pool-build lvp
t_exact "no volume group was made" "" sh -c "vgs --noheadings $vg 2>/dev/null"
t_exact "the first device was left as it was" "" signature "${devs[0]}"
t_exact "the file system is still there" "ext4" signature "${devs[1]}"
pvcreate -q "${devs[1]}" >/dev/null 2>&1 || pvcreate -q -ff -y "${devs[1]}" >/dev/null
t_err "nor over a PV signature" "already holds an LVM signature 'LVM2_member'" "$NIDO" pool-build lvp
t_exact "pool-build --overwrite" "Pool 'lvp' built" "$NIDO" pool-build lvp --overwrite
t_exact "the volume group spans both devices" "2" sh -c "vgs --noheadings -o pv_count $vg | tr -d ' '"
t_err "pool-build of a group that exists" "volume group '$vg' exists already" "$NIDO" pool-build lvp

t_exact "pool-start" "Pool 'lvp' started" "$NIDO" pool-start lvp
t_out "pool-list --details --type logical" " lvp    running   no          yes " "$NIDO" pool-list --details --type logical
t_out "pool-info: its capacity is the group's" "Capacity:" "$NIDO" pool-info lvp
t_exact "vol-create-as: a logical volume" "Vol 'v1' created" "$NIDO" vol-create-as lvp v1 16M
t_exact "lvs sees it" "v1 " lvnames
t_exact "of 16 MiB" "16777216" lvsize v1
t "its device is /dev/$vg/v1" test -b "/dev/$vg/v1"
t_out "vol-info: a block volume" "Type:           block" "$NIDO" vol-info v1 --pool lvp
t_out "vol-path" "/dev/$vg/v1" "$NIDO" vol-path v1 --pool lvp
t_out "vol-dumpxml" "<volume type='block'>" "$NIDO" vol-dumpxml v1 --pool lvp
t_err "a qcow2 logical volume is refused by name" "a logical volume holds raw data" \
	"$NIDO" vol-create-as lvp q1 8M --format qcow2
t_exact "and not made" "v1 " lvnames
echo "<volume><name>-x</name><capacity unit='M'>8</capacity></volume>" >"$tmp/dash.xml"
t_err "a name LVM would read as an option" "is not an LVM name" "$NIDO" vol-create lvp "$tmp/dash.xml"
t_err "a second volume of the same name" "exists already" "$NIDO" vol-create-as lvp v1 8M

# a restart of the daemon keeps the active pool (its group is there)
stop_daemon
start_daemon
t_out "after a restart of nidod the pool is active" "State:          running" "$NIDO" pool-info lvp
t_out "with its volume" "v1" "$NIDO" vol-list lvp

lvcreate -q -y -n outside -L 8M "$vg" >/dev/null 2>&1
t_out "the volume made outside is not listed before a refresh" "v1" "$NIDO" vol-list lvp
t_exact "pool-refresh" "Pool 'lvp' refreshed" "$NIDO" pool-refresh lvp
t_out "after it, vol-list shows the LV made with lvcreate" "outside" "$NIDO" vol-list lvp

t_exact "vol-resize grows it" "Size of volume 'v1' successfully changed to 32M" "$NIDO" vol-resize v1 32M --pool lvp
t_exact "lvs: 32 MiB" "33554432" lvsize v1
t_err "shrinking without --shrink" "unless shrink flag" "$NIDO" vol-resize v1 8M --pool lvp
t "vol-resize --shrink" "$NIDO" vol-resize v1 8M --pool lvp --shrink
t_exact "lvs: 8 MiB" "8388608" lvsize v1

printf 'nido-data' | dd of="/dev/$vg/v1" bs=512 seek=3 conv=notrunc,fsync status=none
t_exact "vol-wipe" "Vol 'v1' wiped" "$NIDO" vol-wipe v1 --pool lvp
t_exact "the volume reads as zeroes" "" sh -c "tr -d '\\0' </dev/$vg/v1 | head -c 16"

# thin volumes: an allocation below the capacity (docs/storage-xml.md)
lvattr() {
	lvs --noheadings -o lv_attr "$vg/$1" 2>/dev/null | tr -d ' ' | cut -c1
}
t_exact "vol-create-as --allocation below the capacity" "Vol 'thin1' created" \
	"$NIDO" vol-create-as lvp thin1 64M --allocation 8M
t_exact "a thin volume (lv_attr V)" "V" lvattr thin1
t_exact "in the thin pool nido made" "thinpool" sh -c "lvs --noheadings -o pool_lv $vg/thin1 | tr -d ' '"
t_exact "which is a thin pool (t), tagged as nido's" "t nido-made" \
	sh -c "lvs --noheadings -o lv_attr,lv_tags $vg/thinpool | awk '{ print substr(\$1, 1, 1), \$2 }'"
t_exact "of the allocation's size" "8388608" lvsize thinpool
t_exact "the thin volume has the capacity" "67108864" lvsize thin1
t_not "the thin pool is no volume" "thinpool" "$NIDO" vol-list lvp
t_out "vol-info: nothing allocated yet" "Allocation:     0 bytes" "$NIDO" vol-info thin1 --pool lvp --bytes
dd if=/dev/urandom of="/dev/$vg/thin1" bs=1M count=4 oflag=direct status=none
t_out "vol-info after 4 MiB were written: the LV's data_percent" "Allocation:     4194304 bytes" \
	"$NIDO" vol-info thin1 --pool lvp --bytes
t_out "vol-list --details shows it" " thin1 " "$NIDO" vol-list lvp --details
t_exact "a second thin volume" "Vol 'thin2' created" "$NIDO" vol-create-as lvp thin2 32M --allocation 4M
t_exact "grows the thin pool by its allocation" "12582912" lvsize thinpool
t_exact "an allocation equal to the capacity: a thick volume" "Vol 'thick' created" \
	"$NIDO" vol-create-as lvp thick 8M --allocation 8M
t_exact "(lv_attr -)" "-" lvattr thick
lvcreate -q -y --type thin -V 16M -n outthin --thinpool thinpool "$vg" >/dev/null 2>&1
t "pool-refresh" "$NIDO" pool-refresh lvp
t_out "sees the thin volume made with lvcreate" "outthin" "$NIDO" vol-list lvp
t_out "as a block volume of its capacity" "Capacity:       16777216 bytes" \
	"$NIDO" vol-info outthin --pool lvp --bytes

# vol-clone: a thin volume's clone is thin, with the same contents
t_exact "vol-clone of the thin volume" "Vol 'thinclone' cloned from thin1" \
	"$NIDO" vol-clone thin1 thinclone --pool lvp
t_exact "the clone is thin" "V" lvattr thinclone
t "with the same contents" cmp "/dev/$vg/thin1" "/dev/$vg/thinclone"
t_out "and only the data allocated (zeroes not written)" "Allocation:     4194304 bytes" \
	"$NIDO" vol-info thinclone --pool lvp --bytes
t_exact "vol-clone --verbose of a thick volume" "Vol 'thickclone' cloned from thick" \
	sh -c "'$NIDO' vol-clone thick thickclone --pool lvp --verbose 2>'$tmp/progress'"
t_out "its progress" "Volume copy: [100.00 %]" cat "$tmp/progress"
t "the same contents" cmp "/dev/$vg/thick" "/dev/$vg/thickclone"

# vol-create-from across pools: a dir pool's qcow2 into logical volumes
mkdir -p "$tmp/dirp"
t "a dir pool" "$NIDO" pool-create-as dirp dir --target "$tmp/dirp"
qemu-img create -q -f qcow2 "$tmp/dirp/q.qcow2" 8M
qemu-io -c 'write -P 0x5a 1M 1M' -c 'write -P 0xa5 6M 512k' "$tmp/dirp/q.qcow2" >/dev/null
t "pool-refresh sees it" sh -c "'$NIDO' pool-refresh dirp && '$NIDO' vol-list dirp | grep -q q.qcow2"
# old data where the next thick volume lands: what the qcow2 reads as
# zeroes must be zeroed there
lvcreate -q -y -n junk -L 8M "$vg" >/dev/null 2>&1
tr '\0' 'J' </dev/zero | dd of="/dev/$vg/junk" bs=1M count=8 iflag=fullblock status=none
lvremove -q -f "$vg/junk" >/dev/null 2>&1
cat >"$tmp/fromq.xml" <<XML
<volume>
  <name>fromq</name>
  <capacity unit='M'>4</capacity>
</volume>
XML
t_exact "vol-create-from: qcow2 of a dir pool into a thick logical volume" \
	"Vol fromq created from input vol q.qcow2" \
	"$NIDO" vol-create-from lvp "$tmp/fromq.xml" q.qcow2 --inputpool dirp
t_exact "thick" "-" lvattr fromq
t_exact "of the input's capacity (the XML's was smaller)" "8388608" lvsize fromq
t_exact "it reads as the qcow2 does, zeroes and all" "Images are identical." \
	qemu-img compare -U -f raw -F qcow2 "/dev/$vg/fromq" "$tmp/dirp/q.qcow2"
sed 's/fromq/fromqthin/; s|</capacity>|</capacity><allocation>0</allocation>|' "$tmp/fromq.xml" >"$tmp/fromqthin.xml"
t_exact "into a thin one (allocation 0)" "Vol fromqthin created from input vol q.qcow2" \
	"$NIDO" vol-create-from lvp "$tmp/fromqthin.xml" "$tmp/dirp/q.qcow2"
t_exact "thin" "V" lvattr fromqthin
t_exact "reads as the qcow2" "Images are identical." \
	qemu-img compare -U -f raw -F qcow2 "/dev/$vg/fromqthin" "$tmp/dirp/q.qcow2"
t_out "only its data allocated" "Allocation:     1572864 bytes" \
	"$NIDO" vol-info fromqthin --pool lvp --bytes
echo "<volume><name>q2</name><capacity>1</capacity><target><format type='qcow2'/></target></volume>" >"$tmp/q2.xml"
t_err "a qcow2 logical volume is refused by name" "a logical pool's volumes hold raw data" \
	"$NIDO" vol-create-from lvp "$tmp/q2.xml" q.qcow2 --inputpool dirp
t_exact "vol-create-from: a logical volume into the dir pool's qcow2" \
	"Vol back.qcow2 created from input vol fromq" sh -c "
	echo \"<volume><name>back.qcow2</name><capacity>0</capacity><target><format type='qcow2'/></target></volume>\" >'$tmp/back.xml'
	'$NIDO' vol-create-from dirp '$tmp/back.xml' fromq --inputpool lvp"
t_exact "the same data" "Images are identical." \
	qemu-img compare -U "$tmp/dirp/back.qcow2" "$tmp/dirp/q.qcow2"
t "pool-destroy of the dir pool" "$NIDO" pool-destroy dirp

t "vol-delete of them all" sh -c "for v in thin1 thin2 thick outthin thinclone thickclone fromq fromqthin; do
	'$NIDO' vol-delete \$v --pool lvp >/dev/null || exit 1; done"
t_exact "once the thin volumes are deleted, the thin pool nido made is gone too" "outside v1 " lvnames

t_exact "vol-delete" "Vol 'v1' deleted" "$NIDO" vol-delete v1 --pool lvp
t_exact "lvs: only the outside one" "outside " lvnames
t_exact "vol-delete by path" "Vol '/dev/$vg/outside' deleted" "$NIDO" vol-delete "/dev/$vg/outside"
t_exact "no volume left" "" lvnames

t_exact "pool-destroy" "Pool 'lvp' destroyed" "$NIDO" pool-destroy lvp
t_exact "pool-delete" "Pool 'lvp' deleted" "$NIDO" pool-delete lvp
t_exact "no volume group is left" "" sh -c "vgs --noheadings $vg 2>/dev/null"
t_exact "no PV label on the first device" "" signature "${devs[0]}"
t_exact "nor on the second" "" signature "${devs[1]}"

# storage that vanishes: a physical volume's device detached
t "pool-build and pool-start again" sh -c "'$NIDO' pool-build lvp && '$NIDO' pool-start lvp"
"$NIDO" pool-event --pool lvp --timeout 60 >"$tmp/events" 2>&1 &
extra_pids="${extra_pids:-} $!"
t "pool-event subscribes" wait_for 10 grep -q "events subscribed.* of lvp" "$tmp/nidod.log"
losetup -d "${devs[1]}"
t_err "pool-refresh after a device vanished" "lost a physical volume" "$NIDO" pool-refresh lvp
t_out "the pool is inactive" "State:          inactive" "$NIDO" pool-info lvp
t "its event" wait_for 10 grep -q "event 'lifecycle' for storage pool lvp: Stopped" "$tmp/events"
t "the daemon still answers" "$NIDO" pool-list --all
losetup "${devs[1]}" "$tmp/pv2.img"
t_exact "pool-undefine" "Pool 'lvp' has been undefined" "$NIDO" pool-undefine lvp
t_exact "nothing of it is left in the state directory" "" sh -c "ls '$NIDO_STATE_DIR/pools' | grep lvp"
done_testing
