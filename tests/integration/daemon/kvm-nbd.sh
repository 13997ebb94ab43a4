#!/usr/bin/env bash
# A kvm-driver guest whose disk is <disk type='network'><source
# protocol='nbd'> stays on nido-vmm (docs/drivers.md, the pick rule):
# nidod connects to the qemu-nbd this test starts (a qcow2 served on a
# unix socket) and passes the socket to the sandboxed nido-vmm, whose
# nbd driver reads and writes the export. guests/blk.c writes, reads
# back, zeroes and discards; the host then finds the guest's data in the
# qcow2 (qemu-img), and dumpxml still shows the network disk.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
command -v qemu-nbd >/dev/null || { echo "1..0 # SKIP no qemu-nbd (qemu-utils)"; exit 0; }
blk=$build/guests/guest-blk
qemu-img create -q -f qcow2 "$tmp/d.qcow2" 1M
truncate -s 1M "$tmp/ro.raw"
qemu-nbd -t -k "$tmp/nbd.sock" -f qcow2 -x vol "$tmp/d.qcow2" 2>"$tmp/nbd.err" &
nbd_pid=$!
trap 'kill $nbd_pid 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do [ -S "$tmp/nbd.sock" ] && break; sleep 0.1; done
start_daemon
cat >"$tmp/nbd.xml" <<XML
<domain type='kvm'>
  <name>nbdvm</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><kernel>$blk</kernel></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='network' device='disk'><driver name='qemu' type='raw'/>
      <source protocol='nbd' name='vol'><host transport='unix' socket='$tmp/nbd.sock'/></source>
      <target dev='vda' bus='virtio'/><serial>blk-test-0</serial></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/ro.raw'/><target dev='vdb' bus='virtio'/><readonly/></disk>
    <serial type='pty'><log file='$tmp/console'/></serial>
  </devices>
</domain>
XML
t_out "define a kvm guest on an nbd disk" "Domain 'nbdvm' defined" "$NIDO" define "$tmp/nbd.xml"
t "it stays on nido-vmm (no <emulator> filled in)" bash -c "! '$NIDO' dumpxml nbdvm | grep -q '<emulator>'"
t "dumpxml keeps the network disk" bash -c "'$NIDO' dumpxml nbdvm | grep -q \"<source protocol='nbd' name='vol'>\""
"$NIDO" start nbdvm >"$tmp/start.out" 2>&1
t "start: nido-vmm on the NBD export" grep -q "Domain 'nbdvm' started" "$tmp/start.out"
# what the guest said is in its serial port's log: it may power off
# before a console could attach
for _ in $(seq 300); do "$NIDO" domstate nbdvm 2>/dev/null | grep -q "shut off" && break; sleep 0.2; done
t "the guest's virtio-blk tests pass on the export" bash -c "grep -q 'ok .* read 4 KiB back' '$tmp/console' && ! grep -q '^not ok' '$tmp/console'"
kill $nbd_pid; wait $nbd_pid 2>/dev/null
t "the qcow2 under qemu-nbd holds what the guest wrote" python3 -c "
import subprocess,sys
subprocess.run(['qemu-img','convert','-O','raw','$tmp/d.qcow2','$tmp/back.raw'],check=True)
d=open('$tmp/back.raw','rb').read()
sys.exit(0 if d[:16]==bytes((i*7+3)&255 for i in range(16)) and len(d)==1<<20 else 1)"
t "and passes qemu-img check" qemu-img check -q "$tmp/d.qcow2"

# Data written before the guest runs, read by it (guests/blkpre.c)
qemu-img create -q -f raw "$tmp/pre.raw" 1M
qemu-io -f raw -c 'write -P 0 0 1M' "$tmp/pre.raw" >/dev/null
printf 'NIDO-PRE-WRITTEN' | dd of="$tmp/pre.raw" bs=1 seek=51200 conv=notrunc 2>/dev/null
qemu-nbd -t -k "$tmp/pre.sock" -f raw -x '' "$tmp/pre.raw" 2>"$tmp/nbd2.err" &
nbd_pid=$!
for _ in $(seq 50); do [ -S "$tmp/pre.sock" ] && break; sleep 0.1; done
sed -e 's/nbdvm/prevm/' -e "s|$blk|$build/guests/guest-blkpre|" \
	-e "s|name='vol'><host transport='unix' socket='$tmp/nbd.sock'|><host transport='unix' socket='$tmp/pre.sock'|" "$tmp/nbd.xml" >"$tmp/pre.xml"
t_out "define a guest on the default export of another server" "Domain 'prevm' defined" "$NIDO" define "$tmp/pre.xml"
t_out "start it" "Domain 'prevm' started" "$NIDO" start prevm
for _ in $(seq 100); do "$NIDO" domstate prevm 2>/dev/null | grep -q "shut off" && break; sleep 0.2; done
kill $nbd_pid; wait $nbd_pid 2>/dev/null
# the guest's verdict is on its disk (it may have ended before a console
# client came): what it wrote, and what it read
t "the host reads what the guest wrote" bash -c "[ \"\$(dd if='$tmp/pre.raw' bs=512 skip=200 count=1 2>/dev/null | head -c 16)\" = NIDO-GUEST-WROTE ]"
t "the guest read the data written before it ran" bash -c "[ \"\$(dd if='$tmp/pre.raw' bs=512 skip=200 count=1 2>/dev/null | head -c 24 | tail -c 8)\" = ' READ-OK' ]"

# What nido-vmm does not take stays with QEMU, or is refused by name
sed -e 's/nbdvm/nbdq/' -e "0,/type='raw'/s//type='qcow2'/" \
	-e "s|<devices>|<devices><emulator>$NIDO_VMM</emulator>|" "$tmp/nbd.xml" >"$tmp/q.xml"
t_err "a qcow2 on an nbd export with <emulator> nido-vmm: refused by name" "<disk type='network'> not supported by the kvm driver" "$NIDO" define "$tmp/q.xml"
sed -e 's/nbdvm/nosrv/' -e "s|$tmp/nbd.sock|$tmp/none.sock|" "$tmp/nbd.xml" >"$tmp/nosrv.xml"
"$NIDO" define "$tmp/nosrv.xml" >/dev/null
t_err "no server at the socket: the start fails naming the disk" "disk 'vda': nbd: connecting to '$tmp/none.sock'" "$NIDO" start nosrv
t_out "... and nothing runs" "shut off" "$NIDO" domstate nosrv
t "no server started by nidod is left" bash -c "! pgrep -P '$(daemon_pid)' -x qemu-nbd"
done_testing
