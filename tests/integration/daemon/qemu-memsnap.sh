#!/usr/bin/env bash
# External snapshots with the guest's memory on the qemu driver, with
# TCG (docs/snapshots.md): snapshot-create-as --memspec while the guest
# runs writes its state to the memory file (nido's save header, QEMU's
# migration stream) and puts its disk on an overlay, the guest going on;
# snapshot-revert, the domain running or shut off, brings the guest back
# to that point (its init's memory holds the word it held then) on a new
# overlay over the snapshot's image; a truncated or foreign memory file
# is refused by name with the guest left running as it was; --live; a
# paused guest's snapshot; delete merges the disk and removes the
# memory file. One boot.
. "$(dirname "$0")/lib.sh"

qemu_bios_disk "external snapshots with memory on the qemu driver"

qemu_bios_xml mm "$disk" raw >"$tmp/mm.xml"
mark_of() { qemu_mark mm; }
# source_of: the file hda runs on.
source_of() {
	"$NIDO" domblklist mm | awk '$1 == "hda" { print $2 }'
}

mem=$tmp/s1.mem
start_daemon
"$NIDO" define "$tmp/mm.xml" >/dev/null
"$NIDO" start mm >/dev/null
out=$(qemu_ask mm before)
[[ $out == *"GOT:before on "* ]] && ok "the guest boots to its init" ||
	not_ok "the guest boots to its init" "$out" "$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/mm.log")"
out=$(qemu_ask mm "mark before" "MARKED:before")
[[ $out == *"MARKED:before"* ]] && ok "the guest keeps a word in its memory" ||
	not_ok "the guest keeps a word in its memory" "$out"

# ---- create ----
t_out "snapshot-create-as --memspec while it runs" "Domain snapshot s1 created" \
	"$NIDO" snapshot-create-as mm s1 --memspec "file=$mem,snapshot=external"
t "... it goes on running" state_starts mm "running"
t_out "... a running snapshot" "<state>running</state>" \
	"$NIDO" snapshot-dumpxml mm s1
t_out "... <memory snapshot='external' file=...>" \
	"<memory snapshot='external' file='$mem'/>" "$NIDO" snapshot-dumpxml mm s1
t_out "the memory file: nido's header" "NidoSave" head -c 8 "$mem"
t_out "... driver qemu" "qemu" sh -c "dd if='$mem' bs=1 skip=24 count=4 2>/dev/null"
t_out "... QEMU's migration stream from 4096 on" "5145564d" \
	sh -c "od -An -tx1 -j 4096 -N 4 '$mem' | tr -d ' '"
t "... readable by root only" test "$(stat -c %a "$mem")" = 600
over=$(source_of)
t "the disk is on an overlay over its image" sh -c \
	"[ '$over' != '$disk' ] && qemu-img info -U '$over' | grep -q 'backing file: $disk'"
out=$(qemu_ask mm "mark after" "MARKED:after")
[[ $out == *"MARKED:after"* ]] && ok "the guest answers after the snapshot" ||
	not_ok "the guest answers after the snapshot" "$out"
t_out "... and keeps its new word" "after" mark_of
t_err "a second --memspec to the same file is refused" "exists" \
	"$NIDO" snapshot-create-as mm s2 --memspec "file=$mem"

# ---- hostile memory files: refused before the guest stops ----
cp "$mem" "$tmp/good.mem"
truncate -s -4096 "$mem"
t_err "revert: a truncated memory file is refused by name" \
	"memory snapshot file '$mem' is truncated" "$NIDO" snapshot-revert mm s1
t "... the guest still runs" state_starts mm "running"
t_out "... as it was" "after" mark_of
head -c 65536 /dev/urandom >"$mem"
t_err "revert: a file that is not a save file is refused by name" \
	"$mem" "$NIDO" snapshot-revert mm s1
t "... the guest still runs" state_starts mm "running"
t_out "... on the same overlay" "$over" source_of
cp "$tmp/good.mem" "$mem"

# ---- revert, running ----
t_out "snapshot-revert s1 while it runs" "" "$NIDO" snapshot-revert mm s1
t "... running (restored)" state_is mm "running (restored)"
t_out "... its memory is the snapshot's: the word marked before it" \
	"before" mark_of
new=$(source_of)
t "... on a new overlay over the snapshot's image" sh -c \
	"[ '$new' != '$over' ] && qemu-img info -U '$new' | grep -q 'backing file: $disk'"
t "... the old overlay gone (the current state, lost)" test ! -e "$over"
t_out "... named in <revertDisks>" "<revertDisks>" \
	"$NIDO" snapshot-dumpxml mm s1
out=$(qemu_ask mm reverted)
[[ $out == *"GOT:reverted on "* ]] && ok "... and the guest answers" ||
	not_ok "... and the guest answers" "$out"

# ---- revert, shut off ----
out=$(qemu_ask mm "mark later" "MARKED:later")
"$NIDO" destroy mm >/dev/null
t_out "snapshot-revert --paused of the shut off domain" "" \
	"$NIDO" snapshot-revert mm s1 --paused
t_out "... paused" "paused" "$NIDO" domstate mm
"$NIDO" resume mm >/dev/null
t_out "... resumed: the word marked before it" "before" mark_of

# ---- --live: the guest runs while its memory is copied ----
t_out "snapshot-create-as --memspec --live" "Domain snapshot s2 created" \
	"$NIDO" snapshot-create-as mm s2 --memspec "$tmp/s2.mem" --live
t "... it goes on running" state_starts mm "running"
t_out "... its parent is s1" "s1" "$NIDO" snapshot-parent mm s2
t_out "... the memory file holds QEMU's stream" "5145564d" \
	sh -c "od -An -tx1 -j 4096 -N 4 '$tmp/s2.mem' | tr -d ' '"

# ---- a paused guest: it stays paused, and runs on once resumed ----
"$NIDO" suspend mm >/dev/null
t_out "snapshot-create-as --memspec of the paused guest" \
	"Domain snapshot s3 created" \
	"$NIDO" snapshot-create-as mm s3 --memspec "$tmp/s3.mem"
t_out "... a paused snapshot" "<state>paused</state>" \
	"$NIDO" snapshot-dumpxml mm s3
t_out "... the guest still paused" "paused" "$NIDO" domstate mm
"$NIDO" resume mm >/dev/null
out=$(qemu_ask mm "mark resumed" "MARKED:resumed")
[[ $out == *"MARKED:resumed"* ]] && ok "... resumed, it runs on its overlay" ||
	not_ok "... resumed, it runs on its overlay" "$out"

# ---- delete (shut off: the images merged as for a disk-only one) ----
"$NIDO" destroy mm >/dev/null
t_out "snapshot-delete s3" "Domain snapshot s3 deleted" \
	"$NIDO" snapshot-delete mm s3
t "... its memory file removed" test ! -e "$tmp/s3.mem"
t_out "snapshot-delete s2" "Domain snapshot s2 deleted" \
	"$NIDO" snapshot-delete mm s2
t "... its memory file removed" test ! -e "$tmp/s2.mem"
t_out "snapshot-delete s1" "Domain snapshot s1 deleted" \
	"$NIDO" snapshot-delete mm s1
t "... its memory file removed" test ! -e "$mem"
t_out "... the disk merged back into its image" "$disk" source_of
done_testing
