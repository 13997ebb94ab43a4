#!/usr/bin/env bash
# A guest's whole state to a file and back on the qemu driver, with TCG
# (docs/snapshots.md, "Save and restore"): save stops the guest (shut
# off, saved) into a file made of nido's header (the definition) and
# QEMU's migration stream; restore brings the same guest back (its clock
# goes on from where it was, its init answers without booting again);
# managedsave and start; managedsave-remove and a fresh boot; --paused;
# and save files that are not ours, truncated or altered are refused
# by name with nothing started.
. "$(dirname "$0")/lib.sh"

qemu_bios_disk "save and restore on the qemu driver"

cat >"$tmp/sv.xml" <<XML
<domain type='qemu'>
  <name>sv</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='hda' bus='ide'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML

# uptime_of: the guest's /proc/uptime, as its init answers "uptime".
uptime_of() {
	local v= deadline=$((SECONDS + 60))
	while [ -z "$v" ] && [ $SECONDS -lt $deadline ]; do
		v=$(printf 'uptime\r' | timeout 20 "$NIDO" console sv 2>&1 |
			sed -n 's/.*UPTIME:\([0-9.]*\).*/\1/p' | tail -n 1)
	done
	echo "${v:-0}"
}

# ge A B: A >= B, as decimals.
ge() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'
}

start_daemon
"$NIDO" define "$tmp/sv.xml" >/dev/null
"$NIDO" start sv >/dev/null
out=$(qemu_ask sv before)
[[ $out == *"GOT:before on "* ]] && ok "the guest boots to its init" ||
	not_ok "the guest boots to its init" "$out" "$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/sv.log")"
up1=$(uptime_of)
log_lines=$(grep -c "init up" "$NIDO_RUNTIME_DIR/domains/sv.log")

# ---- save and restore ----
t_out "save" "Domain 'sv' saved to $tmp/sv.save" "$NIDO" save sv "$tmp/sv.save"
t "the domain is shut off (saved)" state_is sv "shut off (saved)"
t_out "the file starts with nido's header" "NidoSave" head -c 8 "$tmp/sv.save"
t_out "... and holds QEMU's migration stream from 4096 on" "5145564d" \
	sh -c "od -An -tx1 -j 4096 -N 4 '$tmp/sv.save' | tr -d ' '"
t "... readable by root only" test "$(stat -c %a "$tmp/sv.save")" = 600
t_out "domjobinfo --completed: the save's figures" "Job type:         Completed   
Operation:        Save" "$NIDO" domjobinfo --completed sv
t_out "... the memory it wrote" "Memory processed:" "$NIDO" domjobinfo --completed sv
t_out "domjobinfo without a job" "Job type:         None" "$NIDO" domjobinfo sv
t_out "save-image-dumpxml shows the definition it holds" "<name>sv</name>" \
	"$NIDO" save-image-dumpxml "$tmp/sv.save"
t_out "restore" "Domain restored from $tmp/sv.save" "$NIDO" restore "$tmp/sv.save"
t "the domain is running (restored)" state_is sv "running (restored)"
out=$(qemu_ask sv after)
[[ $out == *"GOT:after on "* ]] && ok "the restored guest answers" ||
	not_ok "the restored guest answers" "$out" "$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/sv.log")"
up2=$(uptime_of)
t "... its clock went on from before the save ($up1 -> $up2 s)" ge "$up2" "$up1"
t "... and it did not boot again" test "$(grep -c "init up" "$NIDO_RUNTIME_DIR/domains/sv.log")" = "$log_lines"
t_err "restore of a running domain is refused" "domain is already running" \
	"$NIDO" restore "$tmp/sv.save"

# ---- managedsave ----
t_out "managedsave" "Domain 'sv' state saved by nido" "$NIDO" managedsave sv
t_out "dominfo says it has a managed save" "Managed save:   yes" "$NIDO" dominfo sv
t_out "start resumes it" "Domain 'sv' started" "$NIDO" start sv
t "... running (restored)" state_is sv "running (restored)"
t_out "... and the managed save is gone" "Managed save:   no" "$NIDO" dominfo sv
out=$(qemu_ask sv again)
[[ $out == *"GOT:again on "* ]] && ok "the guest answers after managedsave and start" ||
	not_ok "the guest answers after managedsave and start" "$out"
"$NIDO" managedsave sv >/dev/null
t_out "managedsave-remove" "Removed managedsave image for domain 'sv'" "$NIDO" managedsave-remove sv
t_out "... a second time has nothing to remove" "has no manage save image; removal skipped" \
	"$NIDO" managedsave-remove sv
t_out "start then boots afresh" "Domain 'sv' started" "$NIDO" start sv
t "... running (booted)" state_is sv "running (booted)"
"$NIDO" destroy sv >/dev/null

# ---- restore --paused ----
t_out "restore --paused" "Domain restored from" "$NIDO" restore --paused "$tmp/sv.save"
t "... the domain is paused" state_is sv "paused (user)"
"$NIDO" resume sv >/dev/null
out=$(qemu_ask sv resumed)
[[ $out == *"GOT:resumed on "* ]] && ok "... and answers once resumed" || not_ok "... and answers once resumed" "$out"
"$NIDO" destroy sv >/dev/null

# ---- hostile files ----
head -c 100000 /dev/urandom >"$tmp/random.save"
t_err "save-image-dumpxml of another file says so" "not a nido save file" \
	"$NIDO" save-image-dumpxml "$tmp/random.save"
t_err "a file that is not a save is refused by name" \
	"save file '$tmp/random.save': not a nido save file" "$NIDO" restore "$tmp/random.save"
head -c 20 "$tmp/sv.save" >"$tmp/short.save"
t_err "a truncated header is refused" "truncated" "$NIDO" restore "$tmp/short.save"
cp "$tmp/sv.save" "$tmp/altered.save"
printf 'X' | dd of="$tmp/altered.save" bs=1 seek=60 conv=notrunc status=none
t_err "an altered definition is refused" "definition checksum mismatch" "$NIDO" restore "$tmp/altered.save"
head -c 300000 "$tmp/sv.save" >"$tmp/cut.save"
t_err "a cut stream fails the restore" "QEMU could not load the saved state" "$NIDO" restore "$tmp/cut.save"
t_out "... and nothing runs" "shut off" "$NIDO" domstate sv
t_err "save of a stopped domain is refused" "domain is not running" "$NIDO" save sv "$tmp/x.save"

# ---- undefine keeps a managed save from being lost by accident ----
"$NIDO" start sv >/dev/null
"$NIDO" managedsave sv >/dev/null
t_err "undefine with a managed save is refused" \
	"Refusing to undefine while domain managed save image exists" "$NIDO" undefine sv
t_out "undefine --managed-save removes both" "Domain 'sv' has been undefined" \
	"$NIDO" undefine --managed-save sv
t "... the save file is gone" test ! -e "$NIDO_STATE_DIR/save/sv.save"
done_testing
