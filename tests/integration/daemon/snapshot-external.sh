#!/usr/bin/env bash
# Reverting to and deleting external snapshots of a shut off domain
# (docs/snapshots.md, libvirt 9.7's semantics): qemu-io writes a
# pattern between the snapshots, and qemu-img (QEMU's own tools) reads
# what the domain's disk shows after each revert and delete, compares
# the images and checks them; a raw disk's overlays merge into it too.
# Hostile metadata is refused by name with nothing changed.
. "$(dirname "$0")/lib.sh"

command -v qemu-io >/dev/null || {
	echo "1..0 # SKIP qemu-io (qemu-utils) not installed"
	exit 0
}
mkdir -p "$tmp/img"
base=$tmp/img/d.qcow2
qemu-img create -q -f qcow2 "$base" 16M
raw=$tmp/img/r.img
truncate -s 4M "$raw"
write() { qemu-io -f qcow2 -c "write -q -P $2 $3 64k" "$1" >/dev/null; }
# shows FILE PATTERN@OFFSET...: each 64k at OFFSET reads PATTERN
shows() {
	local f=$1 out n=0 args=()
	shift
	for p in "$@"; do
		args+=(-c "read -P ${p%@*} ${p#*@} 64k")
		n=$((n + 1))
	done
	out=$(qemu-io -f qcow2 -r "${args[@]}" "$f" 2>&1)
	[ "$(grep -c '^read 65536/65536' <<<"$out")" -eq "$n" ] &&
		! grep -q failed <<<"$out"
}
top() { "$NIDO" domblklist ext | awk '$1 == "vda" { print $2 }'; }
depth() { qemu-img info --backing-chain "$(top)" | grep -c '^image:'; }
start_daemon
cat >"$tmp/ext.xml" <<XML
<domain type='qemu'>
  <name>ext</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$base'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$raw'/><target dev='vdb' bus='virtio'/></disk>
  </devices>
</domain>
XML
"$NIDO" define "$tmp/ext.xml" >/dev/null

# s1 over A (0x41 at 0), s2 over B (0x42 at 64k), then C (0x43 at 128k)
write "$base" 0x41 0
t_out "snapshot-create-as s1 --disk-only" "Domain snapshot s1 created" \
	"$NIDO" snapshot-create-as ext s1 --disk-only
write "$(top)" 0x42 64k
write "$tmp/img/r.s1" 0x62 0
t_out "snapshot-create-as s2 --disk-only" "Domain snapshot s2 created" \
	"$NIDO" snapshot-create-as ext s2 --disk-only
write "$(top)" 0x43 128k
t "three images: d.s2 over d.s1 over d.qcow2" test "$(depth)" -eq 3

t_out "snapshot-revert s1" "" "$NIDO" snapshot-revert ext s1
r1=$(top)
t "the disk is a new overlay over d.qcow2 (not s1's own)" sh -c \
	"test '$r1' != '$tmp/img/d.s1' && qemu-img info '$r1' | grep -q 'backing file: $base'"
t "... it shows s1's content: A, and not B" shows "$r1" 0x41@0 0@64k 0@128k
t "the current state after s2 (d.s2) is gone, d.s1 (s2's) kept" sh -c \
	"test ! -e '$tmp/img/d.s2' && test -f '$tmp/img/d.s1'"
t_out "s1 is current" "s1" "$NIDO" snapshot-current ext --name
t "snapshot-dumpxml s1: its revert overlay in <revertDisks>" sh -c \
	"'$NIDO' snapshot-dumpxml ext s1 | grep -q \"<source file='$r1'/>\""
write "$r1" 0x44 192k

t_out "snapshot-revert s2: still revertable" "" \
	"$NIDO" snapshot-revert ext s2
r2=$(top)
t "the disk is a new overlay over d.s1" sh -c \
	"qemu-img info '$r2' | grep -q 'backing file: $tmp/img/d.s1'"
t "... it shows s2's content: A and B, not C nor D" \
	shows "$r2" 0x41@0 0x42@64k 0@128k 0@192k
t "s1's revert overlay (the state left) is gone" test ! -e "$r1"
write "$r2" 0x45 192k
qemu-img convert -O raw "$r2" "$tmp/before.raw"

t_out "snapshot-delete s1: merged" "Domain snapshot s1 deleted" \
	"$NIDO" snapshot-delete ext s1
t "the chain is shorter: the overlay over d.qcow2" sh -c \
	"test '$(top)' = '$r2' && qemu-img info '$r2' | grep -q 'backing file: $base' && test $(depth) -eq 2"
t "d.s1 merged into d.qcow2 and removed" test ! -e "$tmp/img/d.s1"
t "the disk's data is intact (qemu-img compare)" \
	qemu-img compare -q -F raw "$r2" "$tmp/before.raw"
t "qemu-img check: clean" sh -c "qemu-img check -q '$base' && qemu-img check -q '$r2'"
t "s2's definition now names d.qcow2, and s2 has no parent" sh -c \
	"'$NIDO' snapshot-dumpxml ext s2 | grep -q \"<source file='$base'/>\" && ! '$NIDO' snapshot-parent ext s2 2>/dev/null"
t_out "s2 is current" "s2" "$NIDO" snapshot-current ext --name

t_out "snapshot-delete s2 (reverted to: its revert overlay merged)" \
	"Domain snapshot s2 deleted" "$NIDO" snapshot-delete ext s2
t "the disk is d.qcow2 alone, with the data" sh -c \
	"test '$(top)' = '$base' && test $(depth) -eq 1 && qemu-img compare -q -F raw '$base' '$tmp/before.raw'"
t "qemu-img check: clean" qemu-img check -q "$base"
t "the raw disk too: its image alone, with what its overlay had" sh -c \
	"'$NIDO' domblklist ext | grep -q ' vdb *$raw\$' && qemu-io -f raw -r -c 'read -P 0x62 0 64k' '$raw' | grep -q '^read 65536' && ! qemu-io -f raw -r -c 'read -P 0x62 0 64k' '$raw' | grep -q failed"
t "no overlay left: d.qcow2 and r.img alone" \
	test "$(ls "$tmp/img" | tr '\n' ' ')" = "d.qcow2 r.img "
t "no snapshot left" sh -c "test -z \"\$('$NIDO' snapshot-list ext --name)\""

# Branches: libvirt refuses what would need a pull
t_out "b1" "created" "$NIDO" snapshot-create-as ext b1 --disk-only
t_out "b2" "created" "$NIDO" snapshot-create-as ext b2 --disk-only
t_out "revert b1" "" "$NIDO" snapshot-revert ext b1
t_out "b3 (a second child of b1)" "created" \
	"$NIDO" snapshot-create-as ext b3 --disk-only
t_err "deleting b1 with two branches is refused by name" \
	"snapshot 'b2' uses '$base' (disk 'vda') on another branch" \
	"$NIDO" snapshot-delete ext b1
t_err "--children with external snapshots is refused by name" \
	"--children and --children-only with external snapshots" \
	"$NIDO" snapshot-delete ext b1 --children
t_out "deleting the leaf b2 off the chain: its metadata" "deleted" \
	"$NIDO" snapshot-delete ext b2
t_out "deleting b1 now merges" "deleted" "$NIDO" snapshot-delete ext b1
t "... the chain: b3's overlay over d.qcow2" sh -c \
	"qemu-img info '$(top)' | grep -q 'backing file: $base' && test $(depth) -eq 2"

# Hostile metadata: a snapshot redefined to name files elsewhere
"$NIDO" snapshot-dumpxml ext b3 >"$tmp/b3.xml"
printf 'precious\n' >"$tmp/precious"
sed "0,/<source file='[^']*'\/>/s||<source file='$tmp/precious'/>|" \
	"$tmp/b3.xml" >"$tmp/evil.xml"
t_out "snapshot-create --redefine b3 naming another file" "created" \
	"$NIDO" snapshot-create ext "$tmp/evil.xml" --redefine
t_err "its delete is refused by name" "neither its overlay nor its revert overlay" \
	"$NIDO" snapshot-delete ext b3
t "... the file is untouched" grep -qx precious "$tmp/precious"
"$NIDO" snapshot-create ext "$tmp/b3.xml" --redefine >/dev/null
cur=$(top)
qemu-img rebase -u -f qcow2 -F qcow2 -b "$cur" "$cur"
t_err "an overlay whose backing file is itself (a loop) is refused by name" \
	"'$cur': backing chain loops back" "$NIDO" snapshot-delete ext b3
qemu-img rebase -u -f qcow2 -F qcow2 -b "$base" "$cur"
t_out "... once repaired, b3 deletes" "deleted" "$NIDO" snapshot-delete ext b3
t "qemu-img check: clean at the end" qemu-img check -q "$base"
done_testing
