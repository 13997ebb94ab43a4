#!/usr/bin/env bash
# The fs pool on a loop device through nidod and the nido CLI: pool-build
# makes the target and, when asked, the file system (never over one
# that is there without --overwrite), pool-start mounts it, pool-destroy
# unmounts it, volumes live on it, an unmount behind nido's back makes
# the pool inactive at the next refresh, delete and undefine leave
# nothing but the device's file system.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v losetup >/dev/null ||
	! command -v mkfs.ext4 >/dev/null || ! command -v blkid >/dev/null; then
	echo "1..0 # SKIP needs root, losetup, mkfs.ext4 and blkid"
	exit 0
fi
truncate -s 96M "$tmp/disk.img"
if ! dev=$(losetup -f --show "$tmp/disk.img" 2>/dev/null); then
	echo "1..0 # SKIP no loop device"
	exit 0
fi
mnt=$tmp/mnt
fs_cleanup() {
	umount "$mnt" 2>/dev/null
	losetup -d "$dev" 2>/dev/null
}
trap 'fs_cleanup; cleanup' EXIT

fstype() {
	blkid -p -o value -s TYPE "$dev"
}
mounted() {
	findmnt -n -o SOURCE "$mnt"
}

start_daemon
cat >"$tmp/fs.xml" <<XML
<pool type='fs'>
  <name>fsp</name>
  <source>
    <device path='$dev'/>
    <format type='ext4'/>
  </source>
  <target>
    <path>$mnt</path>
  </target>
</pool>
XML
t_exact "pool-define of an fs pool" "Pool 'fsp' defined from $tmp/fs.xml" "$NIDO" pool-define "$tmp/fs.xml"
t_out "pool-dumpxml: its device and format" "<device path='$dev'/>
    <format type='ext4'/>" "$NIDO" pool-dumpxml fsp
t_exact "pool-build without a format: the target only" "Pool 'fsp' built" "$NIDO" pool-build fsp
t "the target exists" test -d "$mnt"
t_exact "the device is untouched" "" fstype
t_err "pool-start on a device without a file system" "holds no file system" "$NIDO" pool-start fsp
t_exact "pool-build --format ext4" "Pool 'fsp' built" "$NIDO" pool-build fsp --format ext4
t_exact "the device holds ext4" "ext4" fstype
t_err "pool-build --format ext4 over it without --overwrite" "already holds a file system 'ext4'" \
	"$NIDO" pool-build fsp --format ext4
t_err "nor with --no-overwrite" "pool-build --overwrite" "$NIDO" pool-build fsp --no-overwrite
t_err "an unknown file system type" "cannot make a file system of type 'zz'" "$NIDO" pool-build fsp --format zz
t_exact "--overwrite formats it again" "Pool 'fsp' built" "$NIDO" pool-build fsp --format ext2 --overwrite
t_exact "now ext2" "ext2" fstype
t_exact "pool-start" "Pool 'fsp' started" "$NIDO" pool-start fsp
t_exact "it is mounted on the target" "$dev" mounted
t_out "pool-list --details --type fs" " fsp    running   no          yes " "$NIDO" pool-list --details --type fs
t_exact "a qcow2 volume on it" "Vol 'v.qcow2' created" "$NIDO" vol-create-as fsp v.qcow2 200M --format qcow2
t_exact "qemu-img: qcow2 on the mounted file system" "qcow2" qinfo "$mnt/v.qcow2" format
t_exact "a raw volume" "Vol 'r.raw' created" "$NIDO" vol-create-as fsp r.raw 8M
t_out "vol-list" "r.raw" "$NIDO" vol-list fsp
t_exact "pool-destroy" "Pool 'fsp' destroyed" "$NIDO" pool-destroy fsp
t_exact "it is unmounted" "" mounted
t "the volumes are not on the target while unmounted" test ! -e "$mnt/v.qcow2"
t "pool-start again" "$NIDO" pool-start fsp
t_out "the volumes are back" "v.qcow2" "$NIDO" vol-list fsp
t "qemu-img check of the volume" qcheck "$mnt/v.qcow2"

# a restart of the daemon keeps the mounted pool
stop_daemon
start_daemon
t_out "after a restart the pool is active" "State:          running" "$NIDO" pool-info fsp
t_exact "still mounted" "$dev" mounted

# storage that vanished: the pool goes inactive, with an event
"$NIDO" pool-event --pool fsp --timeout 60 >"$tmp/events" 2>&1 &
extra_pids="${extra_pids:-} $!"
t "pool-event subscribes" wait_for 10 grep -q "events subscribed.* of fsp" "$tmp/nidod.log"
umount "$mnt"
t_err "pool-refresh after an unmount behind nido's back" "no longer mounted" "$NIDO" pool-refresh fsp
t_out "the pool is inactive" "State:          inactive" "$NIDO" pool-info fsp
t "its event" wait_for 10 grep -q "event 'lifecycle' for storage pool fsp: Stopped" "$tmp/events"

t_err "pool-delete of a mounted pool is refused" "is mounted" sh -c "mount '$dev' '$mnt' && '$NIDO' pool-delete fsp"
umount "$mnt"
t_err "pool-delete while the target holds files" "delete its volumes first" sh -c "touch '$mnt/x'; '$NIDO' pool-delete fsp"
rm -f "$mnt/x"
t_exact "pool-delete" "Pool 'fsp' deleted" "$NIDO" pool-delete fsp
t "the target is gone" test ! -e "$mnt"
t_exact "the file system stays (pool-delete does not erase it)" "ext2" fstype
t_exact "pool-undefine" "Pool 'fsp' has been undefined" "$NIDO" pool-undefine fsp
t_exact "nothing of it is left in the state directory" "" sh -c "ls '$NIDO_STATE_DIR/pools' | grep fsp"
done_testing
