#!/usr/bin/env bash
# A container whose root file system is a storage volume (docs/
# containers.md, "Root file systems on volumes"): <filesystem
# type='volume'><source pool= volume=/> as libvirt's lxc driver takes
# it, the volume of a dir pool an ext4 image made with mke2fs -d from
# the busybox tree; looked up at start, put on a loop device, mounted as
# the root; the container sees the files the image holds; nothing of it
# (loop device, mount) is left once it stops; a missing volume and a
# qcow2 one refused by name, leaving nothing behind.
. "$(dirname "$0")/lib.sh"

if ! images_usable; then
	echo "1..0 # SKIP containers on volumes need root, busybox-static, e2fsprogs and loop devices"
	exit 0
fi
root=$tmp/root
make_rootfs "$root"
echo "made for the volume test" >"$root/etc/volmark"
mkdir -p "$tmp/out" "$tmp/pool"
chown "$CT_BASE:$CT_BASE" "$tmp/out"
chmod 755 "$tmp"
img=$tmp/pool/root.img
mke2fs -q -t ext4 -E root_owner=$CT_BASE:$CT_BASE -d "$root" "$img" 32M >/dev/null

# vol_xml NAME SOURCE INIT-SCRIPT: a container on the <filesystem> body
# SOURCE as its root, /out a host directory.
vol_xml() {
	ct_xml "$1" /unused /bin/sh -c "$3" |
		sed "s|<filesystem type='mount'><source dir='/unused'/><target dir='/'/></filesystem>|<filesystem type='volume' accessmode='passthrough'>$2<target dir='/'/></filesystem>\n    <filesystem type='mount'><source dir='$tmp/out'/><target dir='/out'/></filesystem>|"
}
no_mount() { # name: no mount of its root stage in any namespace
	! grep -qs "ct-roots/$1" /proc/[0-9]*/mountinfo
}

script='exec >/out/log 2>&1
grep " / " /proc/mounts
cat /etc/volmark
echo done >/out/done
exec sleep 100000'

start_daemon
"$NIDO" pool-create-as vp dir --target "$tmp/pool" >/dev/null
t_out "the image is a volume of the pool" "root.img" "$NIDO" vol-list vp
vol_xml cv "<source pool='vp' volume='root.img'/>" "$script" >"$tmp/cv.xml"
t "define a container on a volume" "$NIDO" define "$tmp/cv.xml"
t_out "dumpxml keeps the pool and the volume" \
	"<filesystem type='volume' accessmode='passthrough'>
      <source pool='vp' volume='root.img'/>
      <target dir='/'/>" "$NIDO" dumpxml cv
t_out "start it" "Domain 'cv' started" "$NIDO" start cv
t "its init ran" wait_for 30 test -e "$tmp/out/done"
t_out "its root is the volume's ext4, on a loop device" "/dev/loop" grep " / " "$tmp/out/log"
t_out "... read-write" "ext4 rw," grep " / " "$tmp/out/log"
t_out "it sees the files the volume holds" "made for the volume test" cat "$tmp/out/log"
t "the volume is on a loop device while it runs" attached "$img"
t_out "the running domain's XML still names the volume" \
	"<source pool='vp' volume='root.img'/>" "$NIDO" dumpxml cv
t_out "destroy it" "destroyed" "$NIDO" destroy cv
t "its loop device is released" wait_for 30 released "$img"
t "no mount of its root is left" wait_for 30 no_mount cv
rm -f "$tmp/out/done"
t_out "a second start runs again" "started" "$NIDO" start cv
t "... its init ran" wait_for 30 test -e "$tmp/out/done"
"$NIDO" destroy cv >/dev/null
t "... and the loop device goes again" wait_for 30 released "$img"

# a volume that is not there: refused by name, nothing left
vol_xml cm "<source pool='vp' volume='gone.img'/>" true >"$tmp/cm.xml"
"$NIDO" define "$tmp/cm.xml" >/dev/null
t_err "a missing volume fails the start, naming it" "gone.img" "$NIDO" start cm
t_out "... and the domain is shut off" "shut off" "$NIDO" domstate cm
vol_xml cp "<source pool='nopool' volume='root.img'/>" true >"$tmp/cp.xml"
"$NIDO" define "$tmp/cp.xml" >/dev/null
t_err "a missing pool fails the start, naming it" "storage pool 'nopool' not found" "$NIDO" start cp
# a qcow2 volume: the ct driver mounts raw images only
"$NIDO" vol-create-as vp q.qcow2 16M --format qcow2 >/dev/null
vol_xml cq "<source pool='vp' volume='q.qcow2'/>" true >"$tmp/cq.xml"
"$NIDO" define "$tmp/cq.xml" >/dev/null
t_err "a qcow2 volume fails the start, saying what it is" "is a qcow2 image" "$NIDO" start cq
t "... and leaves no loop device" released "$tmp/pool/q.qcow2"
vol_xml cn "<source pool='vp'/>" true >"$tmp/cn.xml"
t_err "a volume filesystem without its volume is refused" \
	"<filesystem type='volume'>: missing <source volume='...'/>" "$NIDO" define "$tmp/cn.xml"

done_testing
