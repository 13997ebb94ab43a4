#!/usr/bin/env bash
# A container on an image file (docs/containers.md, "Root file systems
# on images"): <filesystem type='file'> with <driver type='loop'
# format='raw'/>, an ext4 image made with mke2fs -d from the busybox
# tree, on a loop device only the container's mount namespace sees; the
# loop device released when the container stops and after a failed
# start; read-only where asked; qcow2 refused by name; type='block'.
. "$(dirname "$0")/lib.sh"

if ! images_usable; then
	echo "1..0 # SKIP containers on images need root, busybox-static, e2fsprogs and loop devices"
	exit 0
fi
root=$tmp/root
make_rootfs "$root"
mkdir -p "$root/srv" "$tmp/out" "$tmp/data"
chown "$CT_BASE:$CT_BASE" "$root/srv" "$tmp/out"
chmod 755 "$tmp"
img=$tmp/root.img
t "mke2fs -d makes an ext4 image of the busybox tree" \
	mke2fs -q -t ext4 -E root_owner=$CT_BASE:$CT_BASE -d "$root" "$img" 32M
echo from-data-image >"$tmp/data/hello"
chown -R "$CT_BASE:$CT_BASE" "$tmp/data"
mke2fs -q -t ext4 -E root_owner=$CT_BASE:$CT_BASE -d "$tmp/data" "$tmp/data.img" 8M

# image_xml NAME SOURCE-XML INIT-SCRIPT [READONLY]: a container whose
# root is SOURCE-XML (a <filesystem> body), /out a host directory.
image_xml() {
	ct_xml "$1" /unused /bin/sh -c "$3" |
		sed "s|<filesystem type='mount'><source dir='/unused'/><target dir='/'/></filesystem>|$2<target dir='/'/>${4:-}</filesystem>\n    <filesystem type='mount'><source dir='$tmp/out'/><target dir='/out'/></filesystem>|"
}
file_fs="<filesystem type='file' accessmode='passthrough'><driver type='loop' format='raw'/><source file='$img'/>"

script='exec >/out/log 2>&1
grep " / " /proc/mounts
cat /srv/hello
touch /made-inside && echo write=ok || echo write=failed
echo done >/out/done
exec sleep 100000'
CT_DEVICES="<filesystem type='file'><driver type='loop' format='raw'/><source file='$tmp/data.img'/><target dir='/srv'/><readonly/></filesystem>" \
	image_xml img "$file_fs" "$script" >"$tmp/img.xml"

start_daemon
t "define a container on an image file" "$NIDO" define "$tmp/img.xml"
t_out "dumpxml keeps the image, its driver and format" \
	"<filesystem type='file' accessmode='passthrough'>
      <driver type='loop' format='raw'/>
      <source file='$img'/>
      <target dir='/'/>" "$NIDO" dumpxml img
t_out "start it" "Domain 'img' started" "$NIDO" start img
t "its init ran" wait_for 30 test -e "$tmp/out/done"
t_out "its root is the image's ext4, on a loop device" "/dev/loop" grep " / " "$tmp/out/log"
t_out "... read-write" "ext4 rw," grep " / " "$tmp/out/log"
t_out "a second image is mounted at its target (read-only)" "from-data-image" cat "$tmp/out/log"
t_out "the root can be written" "write=ok" cat "$tmp/out/log"
t "the image is on a loop device while it runs" attached "$img"
t "the host's mount namespace does not see the image's mount" \
	sh -c "! grep -q '/dev/loop.* /.*ct-roots' /proc/self/mountinfo && ! grep -q '$(losetup -n -O NAME -j "$img")' /proc/self/mounts"
t_out "destroy it" "destroyed" "$NIDO" destroy img
t "the loop devices are released once it is gone" \
	wait_for 30 sh -c "! losetup -n -O NAME -j '$img' | grep -q . && ! losetup -n -O NAME -j '$tmp/data.img' | grep -q ."
t_out "the file made inside is in the image, owned by the container's root" \
	"$CT_BASE" sh -c "debugfs -R 'stat /made-inside' '$img' 2>/dev/null | grep -o 'User: *[0-9]*' | grep -o '[0-9]*$'"

# read-only: the file system and the loop device
rm -f "$tmp/out/done"
image_xml ro "$file_fs" "$script" "<readonly/>" >"$tmp/ro.xml"
"$NIDO" define "$tmp/ro.xml" >/dev/null
t_out "a read-only image root starts" "started" "$NIDO" start ro
t "its init ran" wait_for 30 test -e "$tmp/out/done"
t_out "its root is mounted read-only" "ext4 ro," grep " / " "$tmp/out/log"
t_out "... and cannot be written" "write=failed" cat "$tmp/out/log"
t_out "its loop device is read-only" "1" losetup -n -O RO -j "$img"
"$NIDO" destroy ro >/dev/null
t "released after destroy" wait_for 30 released "$img"

# a failed start leaves no loop device
image_xml bad "$file_fs" "true" | sed "s|<init>/bin/sh</init>|<init>/bin/no-such-init</init>|" >"$tmp/bad.xml"
"$NIDO" define "$tmp/bad.xml" >/dev/null
t_err "a start whose init is missing fails, naming it" "/bin/no-such-init" "$NIDO" start bad
t "... and releases the loop device" wait_for 30 released "$img"
t_out "... and the domain is shut off" "shut off" "$NIDO" domstate bad

# what is not a raw image of a file system is refused by name
image_xml q "<filesystem type='file' accessmode='passthrough'><driver type='loop' format='qcow2'/><source file='$img'/>" true >"$tmp/q.xml"
t_err "format 'qcow2' is refused by name" "image format 'qcow2' not supported by the ct driver" \
	"$NIDO" define "$tmp/q.xml"
image_xml n "<filesystem type='file' accessmode='passthrough'><driver type='nbd' format='raw'/><source file='$img'/>" true >"$tmp/n.xml"
t_err "driver 'nbd' is refused by name" "<driver type='nbd'> not supported by the ct driver" \
	"$NIDO" define "$tmp/n.xml"
"$NIDO" img create -f qcow2 "$tmp/disk.qcow2" 16M >/dev/null
image_xml qc "<filesystem type='file'><source file='$tmp/disk.qcow2'/>" true >"$tmp/qc.xml"
"$NIDO" define "$tmp/qc.xml" >/dev/null
t_err "a qcow2 file given as raw fails the start, saying what it is" \
	"is a qcow2 image, not an ext2/3/4, xfs or btrfs file system" "$NIDO" start qc
t "... and leaves no loop device" released "$tmp/disk.qcow2"

# type='block': the file system of a block device (here a loop device
# the test attaches)
dev=$(losetup --find --show "$img")
trap 'losetup -d "$dev" 2>/dev/null; cleanup' EXIT
rm -f "$tmp/out/done"
image_xml blk "<filesystem type='block' accessmode='passthrough'><source dev='$dev'/>" "$script" >"$tmp/blk.xml"
t "define a container on a block device" "$NIDO" define "$tmp/blk.xml"
t_out "dumpxml keeps it" "<source dev='$dev'/>" "$NIDO" dumpxml blk
t_out "start it" "started" "$NIDO" start blk
t "its init ran" wait_for 30 test -e "$tmp/out/done"
t_out "its root is the device's file system" "$dev / ext4 rw," grep " / " "$tmp/out/log"
"$NIDO" destroy blk >/dev/null
wait_for 30 sh -c "! grep -q '^$dev ' /proc/*/mounts 2>/dev/null" || true
losetup -d "$dev"
image_xml nb "<filesystem type='block'><source dev='$img'/>" true >"$tmp/nb.xml"
"$NIDO" define "$tmp/nb.xml" >/dev/null
t_err "a block filesystem that is no block device fails the start" \
	"is not a block device" "$NIDO" start nb

done_testing
