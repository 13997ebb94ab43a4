#!/usr/bin/env bash
# Internal snapshots of a running guest on the qemu driver, with TCG
# (docs/snapshots.md): snapshot-create-as takes the guest's memory and
# devices into its qcow2 disk (QEMU's snapshot-save job), snapshot-revert
# brings the running guest back to that point (its init's memory holds
# again the word it held then, not the one given after), and
# snapshot-delete removes it from the image; a running snapshot cannot
# be reverted to on the shut off domain, nor a shut off one on the
# running domain, said by name.
. "$(dirname "$0")/lib.sh"

qemu_bios_disk "snapshots on the qemu driver"
raw=$disk
disk=$tmp/boot.qcow2
qemu-img convert -O qcow2 "$raw" "$disk"
rm -f "$raw"

cat >"$tmp/sn.xml" <<XML
<domain type='qemu'>
  <name>sn</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$disk'/><target dev='hda' bus='ide'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML

mark_of() { qemu_mark sn; }

start_daemon
"$NIDO" define "$tmp/sn.xml" >/dev/null
"$NIDO" start sn >/dev/null
out=$(qemu_ask sn before)
[[ $out == *"GOT:before on "* ]] && ok "the guest boots to its init" ||
	not_ok "the guest boots to its init" "$out" "$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/sn.log")"
out=$(qemu_ask sn "mark before" "MARKED:before")
[[ $out == *"MARKED:before"* ]] && ok "the guest keeps a word in its memory" ||
	not_ok "the guest keeps a word in its memory" "$out"

t_out "snapshot-create-as of the running guest" "Domain snapshot s1 created" \
	"$NIDO" snapshot-create-as sn s1 "the guest up"
t "... it is still running" state_starts sn "running"
t_out "... a running snapshot with its memory" "<state>running</state>
  <creationTime>" "$NIDO" snapshot-dumpxml sn s1
t_out "... <memory snapshot='internal'/>" "<memory snapshot='internal'/>" \
	"$NIDO" snapshot-dumpxml sn s1
snaps=$(qemu-img snapshot -U -l "$disk")
t "qemu-img: s1 in the image, with the VM state" \
	awk '$2 == "s1" && $3 != "0" && $3 != "0 B" { found = 1 } END { exit !found }' <<<"$snaps"
out=$(qemu_ask sn "mark after" "MARKED:after")
[[ $out == *"MARKED:after"* ]] && ok "the guest answers after the snapshot" ||
	not_ok "the guest answers after the snapshot" "$out"
t_out "... and keeps its new word" "after" mark_of

t_out "snapshot-revert s1 while it runs" "" "$NIDO" snapshot-revert sn s1
t "... still running" state_starts sn "running"
t_out "... its memory is the snapshot's: the word marked before it" \
	"before" mark_of
out=$(qemu_ask sn reverted)
[[ $out == *"GOT:reverted on "* ]] && ok "... and the guest answers" ||
	not_ok "... and the guest answers" "$out"
t_out "s1 is current" "s1" "$NIDO" snapshot-current sn --name

t_err "a second snapshot of the same name is refused" \
	"domain snapshot 's1' already exists" "$NIDO" snapshot-create-as sn s1
t_err "--running on a running revert is refused by name" "not supported yet" \
	"$NIDO" snapshot-revert sn s1 --running
t_out "a second running snapshot" "Domain snapshot s2 created" \
	"$NIDO" snapshot-create-as sn s2
t_out "... its parent is s1" "s1" "$NIDO" snapshot-parent sn s2
t_out "snapshot-delete s1 while it runs" "Domain snapshot s1 deleted" \
	"$NIDO" snapshot-delete sn s1
t "qemu-img: s1 gone, s2 there" sh -c \
	"qemu-img snapshot -U -l '$disk' | grep -qw s2 && ! qemu-img snapshot -U -l '$disk' | grep -qw s1"
t_err "... s2 is a root now" "snapshot 's2' has no parent" \
	"$NIDO" snapshot-parent sn s2

"$NIDO" destroy sn >/dev/null
t_err "a running snapshot is not reverted to on the shut off domain" \
	"holds the running guest's memory" "$NIDO" snapshot-revert sn s2
t_out "a snapshot of the shut off domain" "Domain snapshot off created" \
	"$NIDO" snapshot-create-as sn off
"$NIDO" start sn >/dev/null
t_err "... is not reverted to while it runs" "shut it off to revert to it" \
	"$NIDO" snapshot-revert sn off
"$NIDO" destroy sn >/dev/null
t "qemu-img check: the image is clean" qemu-img check -q "$disk"
t_out "snapshot-delete of the others, shut off" "deleted" \
	"$NIDO" snapshot-delete sn s2
t_out "..." "deleted" "$NIDO" snapshot-delete sn off
t "qemu-img: no snapshot left" sh -c \
	"! qemu-img snapshot -l '$disk' | grep -q '^[0-9]'"
done_testing
