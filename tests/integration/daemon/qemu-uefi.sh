#!/usr/bin/env bash
# UEFI on the qemu driver with TCG (docs/drivers.md): <os firmware='efi'>
# picks OVMF through QEMU's firmware descriptors when the domain is
# defined (dumpxml shows the loader, its NVRAM template and the domain's
# own NVRAM); the first start copies the NVRAM from the template; OVMF
# boots to its shell, whose startup.nsh (on a FAT disk the test makes
# with mtools) says on the serial console whether a variable it sets in
# NVRAM was there, so the second boot shows the store persists. What no
# descriptor fits is refused, saying what was looked for and where.
. "$(dirname "$0")/lib.sh"

fwdir=/usr/share/qemu/firmware
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "UEFI on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
if [ ! -e $fwdir/60-edk2-x86_64.json ] || ! command -v mformat >/dev/null; then
	skip "UEFI on the qemu driver" "no OVMF descriptors in $fwdir or no mtools (apt-get install ovmf mtools)"
	done_testing
	exit
fi

# The shell's script: NIDO-UEFI-NVRAM-NEW when its variable is not in
# NVRAM yet (it then sets it), NIDO-UEFI-NVRAM-KEPT when it is; said
# once a second so that a console attached at any time hears it.
guid=6e69646f-0000-4000-8000-000000000001
printf '%s\r\n' "echo -off" "setvar NidoMark -guid $guid" \
	"if %lasterror% eq 0 then" "  set M NIDO-UEFI-NVRAM-KEPT" "else" \
	"  set M NIDO-UEFI-NVRAM-NEW" "  setvar NidoMark -guid $guid -nv -bs -rt =4E49444F" \
	"endif" "for %a run (1 600)" "  echo %M%" "  stall 1000000" "endfor" >"$tmp/startup.nsh"
truncate -s 4M "$tmp/esp.img"
t "the test makes a FAT disk with startup.nsh" sh -c \
	"mformat -i '$tmp/esp.img' :: && mcopy -i '$tmp/esp.img' '$tmp/startup.nsh' ::/startup.nsh"

hear() { # DOMAIN WORD: as qemu-cdrom.sh
	local deadline=$((SECONDS + 240)) out=
	while [ $SECONDS -lt $deadline ]; do
		out+=$(sleep 5 | timeout 4 "$NIDO" console "$1" 2>&1)
		[[ $out == *"$2"* || $out == *"not running"* ]] && break
	done
	printf '%s' "$out"
}

# efi_xml NAME TYPE MACHINE OS: the FAT disk, UEFI.
efi_xml() {
	cat <<XML
<domain type='$2'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <os firmware='efi'><type arch='x86_64' machine='$3'>hvm</type>${4:-}</os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/esp.img'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
}

start_daemon
nvram=$NIDO_STATE_DIR/qemu/nvram/efi_VARS.fd
efi_xml efi qemu pc >"$tmp/efi.xml"
t_out "define <os firmware='efi'>" "Domain 'efi' defined" "$NIDO" define "$tmp/efi.xml"
t_out "dumpxml shows the firmware the descriptors gave" "<os firmware='efi'>
    <type arch='x86_64' machine='pc'>hvm</type>
    <firmware>
      <feature enabled='no' name='enrolled-keys'/>
      <feature enabled='no' name='secure-boot'/>
    </firmware>
    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>
    <nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>$nvram</nvram>" "$NIDO" dumpxml efi
t "no NVRAM before the first start" test ! -e "$nvram"
t_out "start" "Domain 'efi' started" "$NIDO" start efi
t "the NVRAM is copied from the template" cmp -s "$nvram" /usr/share/OVMF/OVMF_VARS_4M.fd
t_out "... the daemon's, mode 0600 (QEMU gets an fd)" "600 $(id -u)" stat -c '%a %u' "$nvram"
pid=$(vm_pid efi)
t_out "QEMU's flash: the code read-only, the variables on fds nidod opened" \
	'-machine pc,accel=tcg,pflash0=pflash0,pflash1=pflash1' tr '\0' ' ' </proc/"$pid"/cmdline
out=$(hear efi NIDO-UEFI-NVRAM-NEW)
if [[ $out == *NIDO-UEFI-NVRAM-NEW* ]]; then
	ok "OVMF boots to its shell, which runs startup.nsh: its variable is new"
else
	not_ok "OVMF boots to its shell, which runs startup.nsh: its variable is new" \
		"${out: -300}" "$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/efi.log")"
fi
t_out "domstats: the disk (by its node, beside the flash)" "block.0.name=vda" "$NIDO" domstats efi
"$NIDO" destroy efi >/dev/null
t "the variable is in the domain's NVRAM, not in the template" sh -c \
	"! cmp -s '$nvram' /usr/share/OVMF/OVMF_VARS_4M.fd"
"$NIDO" start efi >/dev/null
out=$(hear efi NIDO-UEFI-NVRAM-KEPT)
if [[ $out == *NIDO-UEFI-NVRAM-KEPT* ]]; then
	ok "the next boot finds the variable: the NVRAM persists"
else
	not_ok "the next boot finds the variable: the NVRAM persists" "${out: -300}"
fi
"$NIDO" destroy efi >/dev/null

# The choice by machine and features, as libvirt makes it.
efi_xml q35 qemu q35 "<firmware><feature enabled='no' name='secure-boot'/></firmware>" >"$tmp/q.xml"
"$NIDO" define "$tmp/q.xml" >/dev/null
t_out "q35 without secure boot: the plain OVMF" \
	"<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>" "$NIDO" dumpxml q35
efi_xml q35sb qemu q35 "<firmware><feature enabled='yes' name='secure-boot'/></firmware>" >"$tmp/q.xml"
"$NIDO" define "$tmp/q.xml" >/dev/null
t_out "q35 with secure boot: a secure loader (SMM)" "<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M" \
	"$NIDO" dumpxml q35sb
efi_xml pcsb qemu pc "<firmware><feature enabled='yes' name='secure-boot'/></firmware>" >"$tmp/p.xml"
t_err "pc with secure boot: none fits, and the error says what was looked for and where" \
	"domain 'pcsb': no UEFI firmware for x86_64 machine 'pc' with secure-boot: none of the $(ls $fwdir/*.json | wc -l) descriptors in /etc/qemu/firmware:/usr/share/qemu/firmware fits" \
	"$NIDO" define "$tmp/p.xml"
efi_xml given qemu pc "<loader type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>" >"$tmp/g.xml"
"$NIDO" define "$tmp/g.xml" >/dev/null
t_out "a loader given without a template: the template of the descriptor naming it" \
	"<nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'>$NIDO_STATE_DIR/qemu/nvram/given_VARS.fd</nvram>" \
	"$NIDO" dumpxml given
cp /usr/share/OVMF/OVMF_CODE_4M.fd "$tmp/own.fd"
efi_xml own qemu pc "<loader type='pflash'>$tmp/own.fd</loader>" >"$tmp/o.xml"
t_err "a loader no descriptor names, without a template: refused, saying so" \
	"no NVRAM template for loader '$tmp/own.fd': none of the" "$NIDO" define "$tmp/o.xml"
efi_xml own qemu pc "<loader type='pflash'>$tmp/own.fd</loader><nvram template='/usr/share/OVMF/OVMF_VARS_4M.fd'/>" >"$tmp/o.xml"
t_out "... with <nvram template> it is defined" "Domain 'own' defined" "$NIDO" define "$tmp/o.xml"
efi_xml kvmefi kvm pc >"$tmp/k.xml"
t_out "type 'kvm' with UEFI goes to QEMU (nido-vmm has no firmware)" "Domain 'kvmefi' defined" \
	"$NIDO" define "$tmp/k.xml"
t_out "... dumpxml says so" "<emulator>" "$NIDO" dumpxml kvmefi
done_testing
