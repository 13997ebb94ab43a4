#!/usr/bin/env bash
# The disk pool (a partition table through libfdisk) through nidod and
# the nido CLI, on a loop device with partitions: pool-build writes a
# label only with consent over a file system or another label, volumes
# are partitions named as their devices (made by vol-create-as,
# vol-clone and vol-create-from from a dir pool's qcow2, zeroed where it
# reads as zeroes, and copied back into a qcow2), a refresh sees a partition
# added outside with sfdisk, delete and undefine leave no partition and
# no label, and a disk that vanishes makes the pool inactive with an
# event. Needs loop partitions (losetup -P), which this host's kernel
# does not give: tests/nested/scenarios/storage.sh runs it in layer 1.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v sfdisk >/dev/null ||
	! command -v losetup >/dev/null || ! command -v mkfs.ext4 >/dev/null; then
	echo "1..0 # SKIP needs root, sfdisk, losetup and mkfs.ext4"
	exit 0
fi
truncate -s 96M "$tmp/disk.img"
if ! dev=$(losetup -f --show -P "$tmp/disk.img" 2>/dev/null); then
	echo "1..0 # SKIP no loop device"
	exit 0
fi
trap 'losetup -d "$dev" 2>/dev/null; cleanup' EXIT
echo ',8M' | sfdisk -q --label dos "$dev" >/dev/null 2>&1
if ! wait_for 5 test -b "${dev}p1"; then
	echo "1..0 # SKIP loop devices get no partitions here (tests/nested runs it)"
	exit 0
fi
wipefs -a -q "$dev"
base=$(basename "$dev")

label() {
	blkid -p -o value -s PTTYPE "$dev"
}
parts() {
	sfdisk -d "$dev" 2>/dev/null | grep -c '^/dev/' || true
}

start_daemon
cat >"$tmp/disk.xml" <<XML
<pool type='disk'>
  <name>dp</name>
  <source>
    <device path='$dev'/>
    <format type='gpt'/>
  </source>
  <target>
    <path>/dev</path>
  </target>
</pool>
XML
t_exact "pool-define of a disk pool" "Pool 'dp' defined from $tmp/disk.xml" "$NIDO" pool-define "$tmp/disk.xml"
t_out "pool-dumpxml: its device and label" "<device path='$dev'/>
    <format type='gpt'/>" "$NIDO" pool-dumpxml dp
mkfs.ext4 -q "$dev"
t_err "pool-start on a disk without a label" "holds no partition table (pool-build writes one)" "$NIDO" pool-start dp
t_err "pool-build over a file system" "already holds a file system 'ext4'" "$NIDO" pool-build dp
t_exact "the file system is still there" "ext4" blkid -p -o value -s TYPE "$dev"
t_exact "pool-build --overwrite" "Pool 'dp' built" "$NIDO" pool-build dp --overwrite
t_exact "the disk has a gpt label" "gpt" label
t_exact "and no file system signature" "" blkid -p -o value -s TYPE "$dev"
t_err "pool-build over the label" "already holds a partition table 'gpt'" "$NIDO" pool-build dp

t_exact "pool-start" "Pool 'dp' started" "$NIDO" pool-start dp
t_out "pool-list --details --type disk" " dp     running   no          yes " "$NIDO" pool-list --details --type disk
t_exact "vol-create-as: a partition" "Vol '${base}p1' created" "$NIDO" vol-create-as dp "${base}p1" 16M
t "its device" wait_for 5 test -b "${dev}p1"
t_exact "of 16 MiB" "16777216" blockdev --getsize64 "${dev}p1"
t_out "vol-info: a block volume" "Type:           block" "$NIDO" vol-info "${base}p1" --pool dp
t_out "vol-path" "/dev/${base}p1" "$NIDO" vol-path "${base}p1" --pool dp
t_err "a volume not named by its partition" "the next one is '${base}p2', not 'data'" \
	"$NIDO" vol-create-as dp data 8M
t_err "a qcow2 partition is refused by name" "a partition holds raw data" \
	"$NIDO" vol-create-as dp "${base}p2" 8M --format qcow2
t_exact "neither made a partition" "1" parts
t_err "vol-resize is refused by name" "resizing partition '${base}p1' is not supported" \
	"$NIDO" vol-resize "${base}p1" 32M --pool dp

echo ',8M' | sfdisk -q --append "$dev" >/dev/null 2>&1
t_exact "pool-refresh" "Pool 'dp' refreshed" "$NIDO" pool-refresh dp
t_out "after it, vol-list shows the partition sfdisk added" "${base}p2" "$NIDO" vol-list dp

# vol-clone and vol-create-from make partitions: the next one
head -c 3M /dev/urandom | dd of="${dev}p1" conv=fsync status=none
t_exact "vol-clone of a partition" "Vol '${base}p3' cloned from ${base}p1" \
	"$NIDO" vol-clone "${base}p1" "${base}p3" --pool dp
t "its device" wait_for 5 test -b "${dev}p3"
t_exact "of the source's size" "16777216" blockdev --getsize64 "${dev}p3"
t "with the source's contents" cmp "${dev}p1" "${dev}p3"
# old data on the disk where the next partition lands: what the input
# reads as zeroes must be zeroed there
end3=$(($(cat /sys/class/block/"${base}p3"/start) * 512 + 16777216))
tr '\0' 'J' </dev/zero | dd of="$dev" bs=1M seek=$((end3 >> 20)) count=24 iflag=fullblock \
	conv=notrunc,fsync status=none
mkdir -p "$tmp/dirp"
t "a dir pool" "$NIDO" pool-create-as dirp dir --target "$tmp/dirp"
qemu-img create -q -f qcow2 "$tmp/dirp/q.qcow2" 8M
qemu-io -c 'write -P 0x5a 1M 1M' "$tmp/dirp/q.qcow2" >/dev/null
"$NIDO" pool-refresh dirp >/dev/null
echo "<volume><name>${base}p4</name><capacity unit='M'>8</capacity></volume>" >"$tmp/p4.xml"
t_exact "vol-create-from: a dir pool's qcow2 into a partition" \
	"Vol ${base}p4 created from input vol q.qcow2" \
	"$NIDO" vol-create-from dp "$tmp/p4.xml" q.qcow2 --inputpool dirp
t "its device" wait_for 5 test -b "${dev}p4"
t_exact "it reads as the qcow2 does, zeroes and all" "Images are identical." \
	qemu-img compare -U -f raw -F qcow2 "${dev}p4" "$tmp/dirp/q.qcow2"
echo "<volume><name>${base}p5</name><capacity>1</capacity><target><format type='qcow2'/></target></volume>" >"$tmp/p5.xml"
t_err "a qcow2 partition is refused by name" "a disk pool's volumes hold raw data" \
	"$NIDO" vol-create-from dp "$tmp/p5.xml" q.qcow2 --inputpool dirp
t_exact "vol-create-from: the partition back into a qcow2 (P2V)" \
	"Vol back.qcow2 created from input vol ${base}p4" sh -c "
	echo \"<volume><name>back.qcow2</name><capacity>0</capacity><target><format type='qcow2'/></target></volume>\" >'$tmp/back.xml'
	'$NIDO' vol-create-from dirp '$tmp/back.xml' ${base}p4 --inputpool dp"
t_exact "the same data" "Images are identical." qemu-img compare -U "$tmp/dirp/back.qcow2" "$tmp/dirp/q.qcow2"
t "pool-destroy of the dir pool" "$NIDO" pool-destroy dirp
t "vol-delete of the copies" sh -c "'$NIDO' vol-delete ${base}p4 --pool dp && '$NIDO' vol-delete ${base}p3 --pool dp"
t_exact "two partitions left" "2" parts

printf 'nido-data' | dd of="${dev}p1" bs=512 seek=3 conv=notrunc,fsync status=none
t_exact "vol-wipe" "Vol '${base}p1' wiped" "$NIDO" vol-wipe "${base}p1" --pool dp
t_exact "the partition reads as zeroes" "" sh -c "tr -d '\\0' <${dev}p1 | head -c 16"

t_exact "vol-delete" "Vol '${base}p1' deleted" "$NIDO" vol-delete "${base}p1" --pool dp
t_exact "sfdisk: one partition left" "1" parts
t "its device is gone" wait_for 5 test ! -e "${dev}p1"
t_err "pool-delete with a partition left" "still has 1 partition (delete them first)" \
	sh -c "'$NIDO' pool-destroy dp && '$NIDO' pool-delete dp"
t "pool-start again" "$NIDO" pool-start dp
t_exact "vol-delete by path" "Vol '/dev/${base}p2' deleted" "$NIDO" vol-delete "/dev/${base}p2"
t_exact "no partition left" "0" parts
t_exact "pool-destroy" "Pool 'dp' destroyed" "$NIDO" pool-destroy dp
t_exact "pool-delete" "Pool 'dp' deleted" "$NIDO" pool-delete dp
t_exact "no label left" "" label

# storage that vanishes: the disk detached
t "pool-build and pool-start again" sh -c "'$NIDO' pool-build dp && '$NIDO' pool-start dp"
"$NIDO" pool-event --pool dp --timeout 60 >"$tmp/events" 2>&1 &
extra_pids="${extra_pids:-} $!"
t "pool-event subscribes" wait_for 10 grep -q "events subscribed.* of dp" "$tmp/nidod.log"
losetup -d "$dev"
t_err "pool-refresh after the disk vanished" "$dev" "$NIDO" pool-refresh dp
t_out "the pool is inactive" "State:          inactive" "$NIDO" pool-info dp
t "its event" wait_for 10 grep -q "event 'lifecycle' for storage pool dp: Stopped" "$tmp/events"
t_exact "pool-undefine" "Pool 'dp' has been undefined" "$NIDO" pool-undefine dp
t_exact "nothing of it is left in the state directory" "" sh -c "ls '$NIDO_STATE_DIR/pools' | grep dp"
done_testing
