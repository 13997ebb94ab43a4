#!/usr/bin/env bash
# A nido-vmm guest's whole state to a file and back through nidod
# (docs/snapshots.md, "Save and restore"): guests/count.c counts,
# checksums its memory and writes its disk; `nido save` stops it (shut
# off, saved) into one file (nido's header, RAM, nido-vmm's state);
# `nido restore` goes on counting from where it was, memory and disk
# consistent; managedsave and start (RAM mapped from the file the
# daemon owns); --paused; domjobinfo --completed; a save file whose
# state was altered is refused with nothing started.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
count=$build/guests/guest-count
disk=$tmp/disk.img
truncate -s 1M "$disk"
start_daemon
cat >"$tmp/cnt.xml" <<XML
<domain type='kvm'>
  <name>cnt</name>
  <memory unit='MiB'>64</memory>
  <vcpu>2</vcpu>
  <os><kernel>$count</kernel></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
"$NIDO" define "$tmp/cnt.xml" >/dev/null

t_out "start" "Domain 'cnt' started" "$NIDO" start cnt
t "the guest counts" counting_past 0 "$tmp/c0"

t_out "save" "Domain 'cnt' saved to $tmp/cnt.save" "$NIDO" save cnt "$tmp/cnt.save"
t_out "shut off (saved)" "shut off (saved)" "$NIDO" domstate --reason cnt
t "no nido-vmm left" test -z "$(vm_pid cnt)"
t "the save file begins with nido's header" \
	test "$(head -c 8 "$tmp/cnt.save")" = NidoSave
t_out "domjobinfo --completed: a save" "Save" "$NIDO" domjobinfo --completed cnt
t_out "domjobinfo --completed: the memory's size" "64.000 MiB" "$NIDO" domjobinfo --completed cnt
t_out "save-image-dumpxml shows the definition" "<kernel>$count</kernel>" \
	"$NIDO" save-image-dumpxml "$tmp/cnt.save"
saved=$(last_count "$tmp/c0")

t_out "restore" "Domain restored from $tmp/cnt.save" "$NIDO" restore "$tmp/cnt.save"
t_out "running (restored)" "running (restored)" "$NIDO" domstate --reason cnt
# not_from_start N OUT: the first count the console shows is past N (a
# guest that booted again would start from 64).
not_from_start()
{
	local first
	watch_console "$2" 3
	first=$(grep -ao 'count [0-9]*' "$2" | head -1 | cut -d' ' -f2)
	[ -n "$first" ] && [ "$first" -gt "$1" ]
}
t "the restored guest counts on from $saved, not from the start" \
	not_from_start "$saved" "$tmp/c1a"
t "the restored guest goes on counting past $saved" counting_past "$saved" "$tmp/c1"
pid=$(vm_pid cnt)
t "the restore read RAM in (a user's file: copy)" \
	grep -q -- '--restore-mode=copy' "/proc/$pid/cmdline"
sleep 1
t "memory and disk stay consistent (the guest checks)" \
	sh -c "! grep -q BAD '$tmp/c1'"

t_out "managedsave" "Domain 'cnt' state saved by nido" "$NIDO" managedsave cnt
t_out "dominfo says it has a managed save" "Managed save:   yes" "$NIDO" dominfo cnt
t_out "start resumes the managed save" "Domain 'cnt' started" "$NIDO" start cnt
pid=$(vm_pid cnt)
t "the managed save is mapped (lazy)" \
	grep -q -- '--restore-mode=lazy' "/proc/$pid/cmdline"
t_out "the managed save is gone once restored" "Managed save:   no" "$NIDO" dominfo cnt
t "after managedsave and start the guest goes on counting" \
	counting_past "$(last_count "$tmp/c1")" "$tmp/c2"
t "no disagreement after the managed save (the guest checks)" \
	sh -c "! grep -q BAD '$tmp/c2'"

t_out "save --paused" "Domain 'cnt' saved" "$NIDO" save cnt "$tmp/p.save" --paused
t_out "restore of a --paused save" "Domain restored" "$NIDO" restore "$tmp/p.save"
t_out "comes back paused" "paused" "$NIDO" domstate cnt
t_out "resume" "Domain 'cnt' resumed" "$NIDO" resume cnt
t "the resumed guest goes on counting" \
	counting_past "$(last_count "$tmp/c2")" "$tmp/c4"
t_out "destroy" "Domain 'cnt' destroyed" "$NIDO" destroy cnt

# A save file whose nido-vmm state was altered: its checksum fails in
# nido-vmm, the restore fails naming it, nothing runs.
cp --sparse=always "$tmp/cnt.save" "$tmp/bad.save"
size=$(stat -c %s "$tmp/bad.save")
printf '\x5a\x5a\x5a\x5a' | dd of="$tmp/bad.save" bs=1 seek=$((size - 2000)) conv=notrunc 2>/dev/null
t_err "an altered state is refused" "checksum mismatch" "$NIDO" restore "$tmp/bad.save"
t_out "and nothing runs" "shut off" "$NIDO" domstate cnt
t "no nido-vmm runs" test -z "$(pgrep -f "nido-vmm.*$tmp" 2>/dev/null)"
finish_daemon
done_testing
