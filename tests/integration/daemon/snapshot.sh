#!/usr/bin/env bash
# Internal snapshots of a shut off domain (docs/snapshots.md): virsh's
# snapshot verbs through nidod on qcow2 images that qemu-img and
# qemu-io (QEMU's own tools) read and write: the tags they see, the data
# a revert brings back, the tree of parents, deletion that reparents,
# and refusals by name with nothing changed.
. "$(dirname "$0")/lib.sh"

command -v qemu-io >/dev/null || {
	echo "1..0 # SKIP qemu-io (qemu-utils) not installed"
	exit 0
}
mkdir -p "$tmp/img"
a=$tmp/img/a.qcow2
b=$tmp/img/b.qcow2
qemu-img create -q -f qcow2 "$a" 16M
qemu-img create -q -f qcow2 "$b" 16M
truncate -s 1M "$tmp/img/raw.img"
truncate -s 1M "$tmp/img/ro.img"
write() { qemu-io -f qcow2 -c "write -q -P $2 0 64k" "$1" >/dev/null; }
reads() { qemu-io -f qcow2 -c "read -q -P $2 0 64k" "$1"; }
start_daemon
xml() { # name, extra disks
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$a'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$b'/><target dev='vdb' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/img/ro.img'/><target dev='vdc' bus='virtio'/>
      <readonly/></disk>
    $2
  </devices>
</domain>
XML
}
xml web "" >"$tmp/web.xml"
"$NIDO" define "$tmp/web.xml" >/dev/null

write "$a" 0x41
write "$b" 0x61
t_out "snapshot-create-as s1" "Domain snapshot s1 created" \
	"$NIDO" snapshot-create-as web s1
write "$a" 0x42
write "$b" 0x62
t_out "snapshot-create-as s2 with a description" \
	"Domain snapshot s2 created" \
	"$NIDO" snapshot-create-as web --name s2 --description "after B"
write "$a" 0x43
t "qemu-img sees both tags on each qcow2 disk" sh -c \
	"qemu-img snapshot -l '$a' | grep -qw s1 && qemu-img snapshot -l '$a' | grep -qw s2 && qemu-img snapshot -l '$b' | grep -qw s2"
t "the read-only raw disk is left alone" \
	test "$(stat -c %s "$tmp/img/ro.img")" -eq 1048576
list=$("$NIDO" snapshot-list web --parent)
t "snapshot-list: both, s2's parent s1" \
	grep -Eq '^ *s2 +[0-9-]+ [0-9:]+ [+-][0-9]+ +shutoff +s1' <<<"$list"
t_out "snapshot-current --name: s2" "s2" "$NIDO" snapshot-current web --name
t_out "snapshot-parent s2: s1" "s1" "$NIDO" snapshot-parent web s2
t_err "snapshot-parent s1: none" "snapshot 's1' has no parent" \
	"$NIDO" snapshot-parent web s1
info=$("$NIDO" snapshot-info web s1)
t "snapshot-info s1: not current, one child" sh -c \
	"grep -q 'Current: *no' <<'E' && grep -q 'Children: *1' <<'E'
$info
E
$info
E"
dx=$("$NIDO" snapshot-dumpxml web s2)
t "snapshot-dumpxml: libvirt's <domainsnapshot>" sh -c \
	"grep -q '<description>after B</description>' <<'E' && grep -q \"<disk name='vdc' snapshot='no'/>\" <<'E' && grep -q '<domain type=' <<'E'
$dx
E
$dx
E
$dx
E"

t "before the revert, vda holds what was written after s2" reads "$a" 0x43
t_out "snapshot-revert s1" "" "$NIDO" snapshot-revert web s1
t "disk vda holds s1's data again" reads "$a" 0x41
t "disk vdb too" reads "$b" 0x61
t_out "s1 is current" "s1" "$NIDO" snapshot-current web --name
t "qemu-img check: the images are clean" sh -c \
	"qemu-img check -q '$a' && qemu-img check -q '$b'"
write "$a" 0x44
t_out "a snapshot taken after the revert" "Domain snapshot s3 created" \
	"$NIDO" snapshot-create-as web s3
t_out "its parent is s1" "s1" "$NIDO" snapshot-parent web s3
tree=$("$NIDO" snapshot-list web --tree)
t "snapshot-list --tree: s1 with children s2 and s3" sh -c \
	"grep -q '^s1' <<'E' && grep -q '+- s2' <<'E' && grep -q '+- s3' <<'E'
$tree
E
$tree
E
$tree
E"
t_out "--leaves: s2 and s3" "s2" "$NIDO" snapshot-list web --leaves --name

# refusals, nothing changed
t_err "a name given twice" "domain snapshot 's1' already exists" \
	"$NIDO" snapshot-create-as web s1
t_err "a name with a slash" "no '/' and no leading '.'" \
	"$NIDO" snapshot-create-as web ../x
t_err "--memspec of a shut off domain is refused as libvirt" \
	"memory state cannot be saved with offline or disk-only snapshot" \
	"$NIDO" snapshot-create-as web x --memspec file=$tmp/m.mem
t_err "--memspec with a relative file is refused by name" \
	"memory snapshot file path 'm.mem' must be absolute" \
	"$NIDO" snapshot-create-as web x --memspec file=m.mem
t_err "--memspec snapshot=no with a file is refused as libvirt" \
	"requires external snapshot" \
	"$NIDO" snapshot-create-as web x --memspec $tmp/m.mem,snapshot=no
t_err "--live without --memspec is refused as libvirt" \
	"live snapshot creation is supported only during full system" \
	"$NIDO" snapshot-create-as web x --disk-only --live
t_out "--memspec in --print-xml" "<memory snapshot='external' file='$tmp/m.mem'/>" \
	"$NIDO" snapshot-create-as web x --memspec $tmp/m.mem,snapshot=external --print-xml
t_err "an unknown snapshot" "no domain snapshot with matching name 'nope'" \
	"$NIDO" snapshot-revert web nope
xml raw "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$tmp/img/raw.img'/><target dev='vdd' bus='virtio'/></disk>" \
	| sed "s|$a|$tmp/img/c.qcow2|; s|$b|$tmp/img/d.qcow2|" >"$tmp/raw.xml"
qemu-img create -q -f qcow2 "$tmp/img/c.qcow2" 1M
qemu-img create -q -f qcow2 "$tmp/img/d.qcow2" 1M
"$NIDO" define "$tmp/raw.xml" >/dev/null
t_err "a writable raw disk is refused by name" \
	"disk 'vdd' is raw: an internal snapshot needs a qcow2 image" \
	"$NIDO" snapshot-create-as raw r1
t "... and no image got a snapshot" sh -c \
	"! qemu-img snapshot -l '$tmp/img/c.qcow2' | grep -qw r1"
t_out "--diskspec vdd,snapshot=no leaves it out" \
	"Domain snapshot r1 created" \
	"$NIDO" snapshot-create-as raw r1 --diskspec vdd,snapshot=no
t_err "undefine with snapshots is refused" \
	"cannot delete inactive domain with 1 snapshots" "$NIDO" undefine raw
t_out "undefine --snapshots-metadata" "undefined" \
	"$NIDO" undefine raw --snapshots-metadata

# delete: children reparented, current moves to the parent
t_out "snapshot-delete s1" "Domain snapshot s1 deleted" \
	"$NIDO" snapshot-delete web s1
t "qemu-img: s1 gone from both images" sh -c \
	"! qemu-img snapshot -l '$a' | grep -qw s1 && ! qemu-img snapshot -l '$b' | grep -qw s1"
t_err "s2 is a root now" "snapshot 's2' has no parent" \
	"$NIDO" snapshot-parent web s2
t_out "s3 still current" "s3" "$NIDO" snapshot-current web --name
t_out "--roots: s2 and s3" "s3" "$NIDO" snapshot-list web --roots --name

# the metadata outlives the daemon
stop_daemon
start_daemon
t_out "after a daemon restart the list is the same" "s2" \
	"$NIDO" snapshot-list web --name
t_out "and s3 is current" "s3" "$NIDO" snapshot-current web --name
t_out "snapshot-delete --current" "Domain snapshot s3 deleted" \
	"$NIDO" snapshot-delete web --current
t_out "snapshot-delete --metadata keeps the image's snapshot" \
	"Domain snapshot s2 deleted" "$NIDO" snapshot-delete web s2 --metadata
t "qemu-img still sees s2" sh -c "qemu-img snapshot -l '$a' | grep -qw s2"
t "qemu-img check: clean at the end" sh -c \
	"qemu-img check -q '$a' && qemu-img check -q '$b'"
t_out "no snapshot left: undefine works" "undefined" "$NIDO" undefine web

# External disk-only snapshots of a shut off domain: overlays over the
# images, the definition switched to them.
e=$tmp/img/e.qcow2
r=$tmp/img/r.img
qemu-img create -q -f qcow2 "$e" 16M
truncate -s 4M "$r"
write "$e" 0x51
cat >"$tmp/ext.xml" <<XML
<domain type='qemu'>
  <name>ext</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$e'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$r'/><target dev='vdb' bus='virtio'/></disk>
  </devices>
</domain>
XML
"$NIDO" define "$tmp/ext.xml" >/dev/null
t_err "internal and external mixed are refused" "mixed" \
	"$NIDO" snapshot-create-as ext m --diskspec vda,snapshot=internal \
	--diskspec vdb,snapshot=external
t_err "a relative overlay path is refused" "must be an absolute path" \
	"$NIDO" snapshot-create-as ext m --diskspec vda,file=rel.qcow2
touch "$tmp/img/there.qcow2"
t_err "an overlay that exists, without --reuse-external" \
	"'$tmp/img/there.qcow2' already exists (--reuse-external" \
	"$NIDO" snapshot-create-as ext m --disk-only \
	--diskspec vda,file=$tmp/img/there.qcow2
t "... the file is untouched, no other overlay left" sh -c \
	"test ! -s '$tmp/img/there.qcow2' && test ! -e '$tmp/img/r.m'"
t_out "snapshot-create-as --disk-only" "Domain snapshot x1 created" \
	"$NIDO" snapshot-create-as ext x1 --disk-only
t "overlays named as libvirt names them: e.x1, r.x1" \
	test -f "$tmp/img/e.x1" -a -f "$tmp/img/r.x1"
t "qemu-img: e.x1 is qcow2 over e.qcow2" sh -c \
	"qemu-img info '$tmp/img/e.x1' | grep -q 'backing file: $e'"
t "... r.x1 over the raw image, its format recorded" sh -c \
	"qemu-img info '$tmp/img/r.x1' | grep -q 'backing file format: raw'"
dx=$("$NIDO" dumpxml ext)
t "the definition names the overlays, the old images in <backingStore>" \
	sh -c "grep -q \"<source file='$tmp/img/e.x1'/>\" <<'E' && grep -q \"<source file='$e'/>\" <<'E'
$dx
E
$dx
E"
sx=$("$NIDO" snapshot-dumpxml ext x1)
t "snapshot-dumpxml: disk-snapshot, external disks with their files" \
	sh -c "grep -q '<state>disk-snapshot</state>' <<'E' && grep -q \"<source file='$tmp/img/e.x1'/>\" <<'E' && grep -q \"snapshot='external'\" <<'E'
$sx
E
$sx
E
$sx
E"
write "$tmp/img/e.x1" 0x52
t "a write to the overlay leaves the base as it was" reads "$e" 0x51
t "nido img info --backing-chain: the overlay, then the base" sh -c \
	"'$NIDO' img info --backing-chain '$tmp/img/e.x1' | grep -c '^image:' | grep -qx 2"
t_out "--diskspec FILE, the raw disk left out" "Domain snapshot x2 created" \
	"$NIDO" snapshot-create-as ext x2 --diskspec vda,file=$tmp/img/x2.qcow2 \
	--diskspec vdb,snapshot=no
t "... x2.qcow2 over e.x1" sh -c \
	"qemu-img info '$tmp/img/x2.qcow2' | grep -q 'backing file: $tmp/img/e.x1'"
t_out "... x2's parent is x1" "x1" "$NIDO" snapshot-parent ext x2
qemu-img create -q -f qcow2 -F qcow2 -b "$e" "$tmp/img/wrong.qcow2"
t_err "--reuse-external of a file over another image" \
	"does not have the image '$tmp/img/x2.qcow2' as its backing file" \
	"$NIDO" snapshot-create-as ext x3 --reuse-external \
	--diskspec vda,file=$tmp/img/wrong.qcow2 --diskspec vdb,snapshot=no
qemu-img create -q -f qcow2 -F qcow2 -b "$tmp/img/x2.qcow2" "$tmp/img/mine.qcow2"
t_out "--reuse-external of a right one, --no-metadata" \
	"Domain snapshot x3 created" \
	"$NIDO" snapshot-create-as ext x3 --reuse-external --no-metadata \
	--diskspec vda,file=$tmp/img/mine.qcow2 --diskspec vdb,snapshot=no
t "... the definition names it" sh -c \
	"'$NIDO' dumpxml ext | grep -q \"<source file='$tmp/img/mine.qcow2'/>\""
t_err "... no metadata kept" "no domain snapshot with matching name 'x3'" \
	"$NIDO" snapshot-dumpxml ext x3
t_err "snapshot-delete --children of one is refused by name" \
	"--children and --children-only with external snapshots" \
	"$NIDO" snapshot-delete ext x1 --children
t_err "blockcommit on a shut off domain is refused by name" \
	"is not running: block jobs run on a running domain" \
	"$NIDO" blockcommit ext vda --active --pivot

# --redefine and snapshot-edit: the metadata alone
"$NIDO" snapshot-dumpxml ext x2 >"$tmp/x2.xml"
t_out "snapshot-delete --metadata" "deleted" \
	"$NIDO" snapshot-delete ext x2 --metadata
t_out "snapshot-create --redefine brings it back" "Domain snapshot x2 created" \
	"$NIDO" snapshot-create ext "$tmp/x2.xml" --redefine --current
t_out "... with its parent" "x1" "$NIDO" snapshot-parent ext x2
t_out "... current (--current)" "x2" "$NIDO" snapshot-current ext --name
sed 's|<name>x1</name>|<name>nope</name>|' "$tmp/x2.xml" >"$tmp/bad.xml"
t_err "a parent that is not there is refused" \
	"parent 'nope' for snapshot 'x2' not found" \
	"$NIDO" snapshot-create ext "$tmp/bad.xml" --redefine
"$NIDO" snapshot-dumpxml ext x1 |
	sed 's|</creationTime>|</creationTime><parent><name>x2</name></parent>|' >"$tmp/cycle.xml"
t_err "a parent below it is refused" "its own ancestor" \
	"$NIDO" snapshot-create ext "$tmp/cycle.xml" --redefine
sed 's|<uuid>[^<]*</uuid>|<uuid>00000000-0000-0000-0000-000000000001</uuid>|' \
	"$tmp/x2.xml" >"$tmp/other.xml"
t_err "another domain's definition is refused" "must use the domain's uuid" \
	"$NIDO" snapshot-create ext "$tmp/other.xml" --redefine
t_err "--current without --redefine" "--current needs --redefine" \
	"$NIDO" snapshot-create ext "$tmp/x2.xml" --current
t_out "snapshot-edit" "Snapshot 'x2' XML configuration edited." \
	env EDITOR="sed -i 's|</name>|</name><description>edited</description>|'" \
	"$NIDO" snapshot-edit ext x2
t_out "... its description changed" "<description>edited</description>" \
	"$NIDO" snapshot-dumpxml ext x2
t_err "snapshot-edit may not rename" "cannot change the name of snapshot 'x2'" \
	env EDITOR="sed -i 's|<name>x2</name>|<name>x9</name>|'" \
	"$NIDO" snapshot-edit ext x2 </dev/null
t_out "snapshot-delete --metadata" "deleted" \
	"$NIDO" snapshot-delete ext x2 --metadata
t_out "..." "deleted" "$NIDO" snapshot-delete ext x1 --metadata
t "qemu-img check: the chain is clean" qemu-img check -q "$tmp/img/mine.qcow2"
done_testing
