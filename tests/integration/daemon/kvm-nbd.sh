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
    <serial type='pty'/>
  </devices>
</domain>
XML
t_out "define a kvm guest on an nbd disk" "Domain 'nbdvm' defined" "$NIDO" define "$tmp/nbd.xml"
t "it stays on nido-vmm (no <emulator> filled in)" bash -c "! '$NIDO' dumpxml nbdvm | grep -q '<emulator>'"
t "dumpxml keeps the network disk" bash -c "'$NIDO' dumpxml nbdvm | grep -q \"<source protocol='nbd' name='vol'>\""
"$NIDO" start nbdvm >"$tmp/start.out" 2>&1
t "start: nido-vmm on the NBD export" grep -q "Domain 'nbdvm' started" "$tmp/start.out"
timeout 30 "$NIDO" console nbdvm </dev/null >"$tmp/console" 2>&1
for _ in $(seq 100); do "$NIDO" domstate nbdvm 2>/dev/null | grep -q "shut off" && break; sleep 0.2; done
t "the guest's virtio-blk tests pass on the export" bash -c "grep -q 'ok .* read 4 KiB back' '$tmp/console' && ! grep -q '^not ok' '$tmp/console'"
kill $nbd_pid; wait $nbd_pid 2>/dev/null
t "the qcow2 under qemu-nbd holds what the guest wrote" python3 -c "
import subprocess,sys
subprocess.run(['qemu-img','convert','-O','raw','$tmp/d.qcow2','$tmp/back.raw'],check=True)
d=open('$tmp/back.raw','rb').read()
sys.exit(0 if d[:16]==bytes((i*7+3)&255 for i in range(16)) and len(d)==1<<20 else 1)"
t "and passes qemu-img check" qemu-img check -q "$tmp/d.qcow2"
t_err "a qcow2 on an nbd export is not nido-vmm's: with <emulator> nido-vmm, refused by name" \
	"not supported by the kvm driver" bash -c "sed -e 's/nbdvm/nbdq/' -e \"s/type='raw'\\/>\\n      <source protocol/X/\" '$tmp/nbd.xml' | sed \"0,/type='raw'/s//type='qcow2'/\" | sed 's|<devices>|<emulator>$NIDO_VMM</emulator><devices>|' >'$tmp/q.xml' && '$NIDO' define '$tmp/q.xml' && '$NIDO' start nbdq"
done_testing
