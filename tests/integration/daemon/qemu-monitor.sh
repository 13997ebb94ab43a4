#!/usr/bin/env bash
# The qemu driver against a QEMU as hostile as its guest (a fake one,
# qemu/hostile/qemu-system-x86_64, on the monitor nidod passes), and
# against XML whose values would be options on QEMU's command line. No
# guest boots: it runs in seconds.
. "$(dirname "$0")/lib.sh"

hostile=$(cd "$(dirname "$0")/qemu/hostile" && pwd)/qemu-system-x86_64

# hostile_xml NAME [DEVICES]: a domain on the fake QEMU.
hostile_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$hostile</emulator>
    ${2:-}
  </devices>
</domain>
XML
}

start_daemon
truncate -s 1M "$tmp/d.img"
disk="<disk type='file' device='disk'><source file='$tmp/d.img'/><target dev='hda' bus='ide'/></disk>"

# SHUTDOWN with a reason that is a forged log line, 100 kB long: the
# domain's state says QEMU stopped, for no reason of QEMU's words.
hostile_xml hostile-shutdown >"$tmp/s.xml"
"$NIDO" define "$tmp/s.xml" >/dev/null
t_out "a QEMU that starts" "Domain 'hostile-shutdown' started" "$NIDO" start hostile-shutdown
t "... then stops for a forged reason: shut off, QEMU stopped (unknown)" \
	wait_for 30 state_is hostile-shutdown "shut off (destroyed: QEMU stopped (unknown))"
t "... nothing of its reason reached nidod's log" \
	sh -c "! grep -q forged '$tmp/nidod.log'"

# query-blockstats lists a pflash and a node of no disk first: each disk
# is found by its node's name, not by its place.
hostile_xml hostile-stats "$disk" >"$tmp/st.xml"
"$NIDO" define "$tmp/st.xml" >/dev/null
t_out "a QEMU that lists other nodes before the disk" "Domain 'hostile-stats' started" \
	"$NIDO" start hostile-stats
out=$("$NIDO" domstats hostile-stats 2>&1)
if [[ $out == *"block.count=1"* && $out == *"block.0.name=hda"* &&
	$out == *"block.0.rd.bytes=777"* && $out != *"rd.bytes=1"$'\n'* &&
	$out != *"block.9"* ]]; then
	ok "domstats: the disk's statistics are its own node's"
else
	not_ok "domstats: the disk's statistics are its own node's" "$out"
fi
"$NIDO" destroy hostile-stats >/dev/null

# A start that fails after the monitor socket was made (the disk is
# opened after it) leaves no socket.
{ printf 'QFI\xfb\0\0\0\x09'; head -c 504 /dev/zero; } >"$tmp/bad.qcow2"
hostile_xml hostile-baddisk "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
    <source file='$tmp/bad.qcow2'/><target dev='hda' bus='ide'/></disk>" >"$tmp/u.xml"
"$NIDO" define "$tmp/u.xml" >/dev/null
t_err "a disk that is not a qcow2 image: the start fails, naming it" \
	"failed to start domain 'hostile-baddisk': disk 'hda': '$tmp/bad.qcow2': unsupported qcow2 version 9" "$NIDO" start hostile-baddisk
t "... and leaves no monitor socket behind" \
	test ! -e "$NIDO_RUNTIME_DIR/domains/hostile-baddisk.monitor"

done_testing
