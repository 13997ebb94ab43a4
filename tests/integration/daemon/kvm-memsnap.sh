#!/usr/bin/env bash
# External snapshots with memory (--memspec) of a running nido-vmm guest
# through nidod (docs/snapshots.md, "External snapshots with memory"):
# guests/count.c counts, keeps a table in memory of what it wrote to
# each disk sector and checks it on every read. snapshot-create-as
# --memspec writes its state and RAM to the memory file and puts its raw
# disk under a new overlay, the guest paused meanwhile; it counts on.
# snapshot-revert (running, paused, from shut off) puts a new overlay
# over the snapshot's image and restores the memory over it: the guest
# counts again from the snapshot's count with memory and disk in step
# (a disk not reverted with the memory makes it print BAD). A truncated
# or altered memory file is refused by name with the domain left
# running as it was; snapshot-delete (the guest running, then shut off)
# merges the overlays and removes the memory file.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
disk=$tmp/disk.img
truncate -s 1M "$disk"
start_daemon
count_domain "$disk" raw
mem=$tmp/m1.mem
sum=$NIDO_STATE_DIR/snapshot/cnt/m1.memsum

mode_of() { stat -c %a "$1"; }

t_out "start on a raw disk" "Domain 'cnt' started" "$NIDO" start cnt
t "the guest counts" counting_past 64 "$tmp/c0"
lo=$(last_count "$tmp/c0")
t_out "snapshot-create-as --memspec --live while it counts" "Domain snapshot m1 created" \
	"$NIDO" snapshot-create-as cnt m1 --memspec "file=$mem,snapshot=external" --live
t_out "... it goes on running" "running" "$NIDO" domstate cnt
t "... and counting" counting_past "$lo" "$tmp/c1"
t "... memory and disk agree through the overlay" no_bad "$tmp/c1"
t_out "... the disk is the overlay" "$tmp/disk.m1" "$NIDO" domblklist cnt
t_out "snapshot-info: State running" "running" "$NIDO" snapshot-info cnt m1
t_out "snapshot-info: Location external" "external" "$NIDO" snapshot-info cnt m1
t_out "dumpxml: <memory snapshot='external' file=...>" \
	"<memory snapshot='external' file='$mem'/>" "$NIDO" snapshot-dumpxml cnt m1
t_out "the memory file is a save file, mode 600" "600" mode_of "$mem"
t_out "... holding the definition" "<name>cnt</name>" "$NIDO" save-image-dumpxml "$mem"
t "... its checksum recorded beside the metadata" test -s "$sum"
t_err "a second --memspec onto the same file is refused by name" \
	"memory snapshot file '$mem' already exists" \
	"$NIDO" snapshot-create-as cnt m0 --memspec "$mem"
qemu-img create -q -f qcow2 -b "$tmp/disk.m1" -F qcow2 "$tmp/disk.m0" 1M
t_err "--reuse-external does not write the memory over a disk image" \
	"one of the domain's images" \
	"$NIDO" snapshot-create-as cnt m0 --memspec "$disk" --reuse-external
t_out "... it runs on" "running" "$NIDO" domstate cnt
rm -f "$tmp/disk.m0"
t_err "a memory file nidod cannot create is refused by name" \
	"memory snapshot file '$tmp/none/m.mem'" \
	"$NIDO" snapshot-create-as cnt m9 --memspec "$tmp/none/m.mem"
t "... its overlay removed again" test ! -e "$tmp/disk.m9"
t_err "--memspec with an internal disk is refused by name" \
	"internal and external disk snapshots mixed" \
	"$NIDO" snapshot-create-as cnt m8 --memspec "$tmp/m8.mem" --diskspec vda,snapshot=internal
t "... no memory file made" test ! -e "$tmp/m8.mem"
t_out "... the disk still the first overlay" "$tmp/disk.m1" "$NIDO" domblklist cnt
t "the guest counts well past the snapshot" counting_past $(($(last_count "$tmp/c1") + 256)) "$tmp/c2"
hi=$(last_count "$tmp/c2")

t_out "snapshot-revert while it runs" "" "$NIDO" snapshot-revert cnt m1
t_out "... running again" "running" "$NIDO" domstate cnt
t "... from the snapshot's count ($lo.., below $hi), memory and disk agree" \
	back_between "$lo" "$hi" "$tmp/r1"
t_out "... on a new overlay over the raw image" "$tmp/disk.m1-" "$NIDO" domblklist cnt
t_out "... recorded in <revertDisks>" "<revertDisks>" "$NIDO" snapshot-dumpxml cnt m1
t "... and goes on counting" counting_past "$(last_count "$tmp/r1")" "$tmp/r1b"
t "... without disagreement" no_bad "$tmp/r1b"
t_out "m1 is the current snapshot" "m1" "$NIDO" snapshot-current cnt --name

t_out "snapshot-revert --paused" "" "$NIDO" snapshot-revert cnt m1 --paused
t_out "... paused" "paused" "$NIDO" domstate cnt
t_out "resume" "resumed" "$NIDO" resume cnt
t "... from the snapshot's count again" back_between "$lo" "$hi" "$tmp/r2"

# hostile: the memory file altered in the guest's RAM, then cut; the
# domain runs on as it was
t "the guest counts on" counting_past $(($(last_count "$tmp/r2") + 64)) "$tmp/c3"
cur=$(last_count "$tmp/c3")
cp --sparse=always "$mem" "$tmp/good.mem"
size=$(stat -c %s "$mem")
printf '\x5a\x5a\x5a\x5a' | dd of="$mem" bs=1 seek=$((2 * 1024 * 1024)) conv=notrunc 2>/dev/null
t_err "a memory file altered in its RAM is refused by name" \
	"memory snapshot file '$mem' was changed since the snapshot" \
	"$NIDO" snapshot-revert cnt m1
t_out "... the domain still runs" "running" "$NIDO" domstate cnt
t "... where it was (past $cur, not back to the snapshot)" past "$cur" "$tmp/c4"
cp --sparse=always "$tmp/good.mem" "$mem"
truncate -s $((size - 4096)) "$mem"
t_err "a truncated memory file is refused by name" \
	"memory snapshot file '$mem' is truncated" \
	"$NIDO" snapshot-revert cnt m1
t_out "... the domain still runs" "running" "$NIDO" domstate cnt
cp --sparse=always "$tmp/good.mem" "$mem"

t_out "destroy" "destroyed" "$NIDO" destroy cnt
t_out "snapshot-revert of the shut off domain to m1" "" \
	"$NIDO" snapshot-revert cnt m1
t_out "... runs" "running" "$NIDO" domstate cnt
t "... from the snapshot's count" back_between "$lo" "$hi" "$tmp/r3"

t_out "suspend" "suspended" "$NIDO" suspend cnt
t_out "a --memspec snapshot of the paused guest" "Domain snapshot m2 created" \
	"$NIDO" snapshot-create-as cnt m2 --memspec "$tmp/m2.mem"
t_out "... State paused" "paused" "$NIDO" snapshot-info cnt m2
t_out "... still paused" "paused" "$NIDO" domstate cnt
t_out "resume" "resumed" "$NIDO" resume cnt
t "... counting" counting_past 64 "$tmp/c5"
t_out "revert to it comes back paused" "" "$NIDO" snapshot-revert cnt m2
t_out "... paused" "paused" "$NIDO" domstate cnt
t_out "... --running runs it" "" "$NIDO" snapshot-revert cnt m2 --running
t_out "... running" "running" "$NIDO" domstate cnt
t "... counting, without disagreement" counting_past 64 "$tmp/r4"
t "... no BAD" no_bad "$tmp/r4"

# deleted while the guest runs: its revert overlay merged into the
# image below by a commit job, the memory file removed
t_out "snapshot-delete m2 while it runs" "Domain snapshot m2 deleted" \
	"$NIDO" snapshot-delete cnt m2
t "... its memory file is gone" test ! -e "$tmp/m2.mem"
t "... and its checksum record" test ! -e "$NIDO_STATE_DIR/snapshot/cnt/m2.memsum"
t "... the guest counts on" counting_past "$(last_count "$tmp/r4")" "$tmp/r5"
t "... without disagreement" no_bad "$tmp/r5"

t_out "destroy" "destroyed" "$NIDO" destroy cnt
"$NIDO" snapshot-dumpxml cnt m1 >"$tmp/m1.xml"
top=$("$NIDO" domblklist cnt | awk '$1 == "vda" {print $2}')
t "what the guest sees, kept" qemu-img convert -O raw "$top" "$tmp/expected.raw"
t_out "snapshot-delete m1, shut off" "Domain snapshot m1 deleted" \
	"$NIDO" snapshot-delete cnt m1
t "... its memory file is gone" test ! -e "$mem"
t "... and its checksum record" test ! -e "$sum"
t_out "... the disk is the raw image again" "$disk" "$NIDO" domblklist cnt
t_out "... holding what the guest last saw" \
	"Images are identical" "$NIDO" img compare "$tmp/expected.raw" "$disk"
t "... no overlay is left" sh -c "! ls '$tmp'/disk.m* 2>/dev/null"

# a transient domain: the revert restarts the engine, whose stop would
# undefine it: refused by name (on both drivers, in nidod)
truncate -s 1M "$tmp/t.img"
count_xml tm "$tmp/t.img" raw >"$tmp/tm.xml"
"$NIDO" create "$tmp/tm.xml" >/dev/null
t_out "a transient guest's --memspec snapshot" "Domain snapshot t1 created" \
	"$NIDO" snapshot-create-as tm t1 --memspec "$tmp/t1.mem"
t_err "... its revert while it runs is refused by name" \
	"reverting the transient domain 'tm' to a snapshot with memory" \
	"$NIDO" snapshot-revert tm t1
t_out "... it still runs" "running" "$NIDO" domstate tm
"$NIDO" destroy tm >/dev/null

# hostile metadata: a snapshot redefined to name another file as its
# memory; its delete leaves that file (nidod removes only what the
# snapshot wrote, by its recorded size and CRC-32)
printf 'precious\n' >"$tmp/victim"
sed -e "s|<name>m1</name>|<name>evil</name>|" \
	-e "s|<memory snapshot='external' file='[^']*'/>|<memory snapshot='external' file='$tmp/victim'/>|" \
	"$tmp/m1.xml" >"$tmp/evil.xml"
t_out "snapshot-create --redefine of one naming another file as its memory" "created" \
	"$NIDO" snapshot-create cnt "$tmp/evil.xml" --redefine
t_out "... its delete" "deleted" "$NIDO" snapshot-delete cnt evil
t "... leaves that file as it was" grep -qx precious "$tmp/victim"
finish_daemon
done_testing
