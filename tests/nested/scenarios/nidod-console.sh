# The README's main job, and issue 6's nested check: nidod with the kvm
# driver runs a real Linux guest on layer 1's KVM. A qcow2 disk made with
# `nido img`, a domain defined from XML, started through the daemon; the
# guest's console reaches its shell and runs commands; `nido shutdown`
# (the ACPI power button, as virsh's default) ends it cleanly and the
# domain is shut off.
# nested-timeout: 600

vmm=$(nido_vmm)
[ -c /dev/kvm ] || fail "layer 1 has no /dev/kvm"
build=$NIDO_BUILD_DIR
nido=$build/src/cli/nido
[ -x "$nido" ] && [ -x "$build/src/daemon/nidod" ] || skip "nido or nidod is not built"

export NIDO_VMM=$vmm NIDO_DAEMON=$build/src/daemon/nidod
export NIDO_STATE_DIR=$NIDO_WORK/state NIDO_RUNTIME_DIR=$NIDO_WORK/run
export NIDO_DEFAULT_URI=nido:///system

# The daemon, in system mode, as a host would run it from its unit.
"$build/src/daemon/nidod" --system --log-file "$NIDO_RESULTS/nidod.log" &
nidod_pid=$!
trap 'kill $nidod_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] && break
	sleep 0.1
done
[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] || fail "nidod did not start (see nidod.log)"

# Layer 2: an interactive shell on the console.
l2_initrd "$NIDO_WORK/initrd" - <<'SCRIPT'
echo "guest: Linux $(uname -r), $(nproc) CPUs, $(grep MemTotal /proc/meminfo | tr -s ' ')"
PS1='guest# ' exec setsid cttyhack sh -i
SCRIPT

nido() { "$build/src/cli/nido" "$@"; }
show() { echo "\$ $*"; "$@"; }

show nido img create -f qcow2 "$NIDO_WORK/demo.qcow2" 64M
cat >"$NIDO_WORK/demo.xml" <<XML
<domain type='kvm'>
  <name>demo</name>
  <memory unit='MiB'>256</memory>
  <vcpu>2</vcpu>
  <os>
    <kernel>$L2_VMLINUX</kernel>
    <initrd>$NIDO_WORK/initrd</initrd>
    <cmdline>$(l2_cmdline pci=off i8042.noaux i8042.nomux i8042.dumbkbd nido.cad=poweroff nido.button=poweroff)</cmdline>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$NIDO_WORK/demo.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <console type='pty'/>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
  </devices>
</domain>
XML
show nido define "$NIDO_WORK/demo.xml" || fail "define"
show nido start demo || fail "start"
show nido list --all

# Wait for the guest's prompt, then type into its console.
deadline=$((SECONDS + 240))
log=$NIDO_WORK/console.out
until grep -q 'guest# ' "$log" 2>/dev/null; do
	[ $SECONDS -lt $deadline ] || fail "the guest's shell did not appear on the console"
	{ sleep 3; printf '\n'; } | "$nido" console demo >"$log" 2>&1 || true
done
echo "\$ nido console demo    (typing the commands after the prompts)"
printf '%s\n' 'uname -a' 'ls /sys/block' \
	'echo written-by-the-guest | dd of=/dev/vda bs=512 conv=sync,fsync' |
	"$nido" console demo | sed 's/\x1b\[[0-9;]*[A-Za-z]//g' |
	tee "$NIDO_WORK/session.out"
grep -q "Linux" "$NIDO_WORK/session.out" || fail "no answer from the guest's shell"
grep -q "vda" "$NIDO_WORK/session.out" || fail "the guest does not see its disk"

show nido shutdown demo || fail "shutdown"
deadline=$((SECONDS + 120))
until [ "$("$nido" domstate demo)" = "shut off" ]; do
	[ $SECONDS -lt $deadline ] || fail "the guest did not shut down"
	sleep 1
done
show nido domstate --reason demo
"$nido" domstate --reason demo | grep -q shutdown || fail "not shut off by a shutdown"
show nido list --all
show nido img check "$NIDO_WORK/demo.qcow2" || fail "the disk does not check clean"
"$nido" img convert -O raw "$NIDO_WORK/demo.qcow2" "$NIDO_WORK/demo.raw"
got=$(head -c 20 "$NIDO_WORK/demo.raw")
echo "first bytes of the disk, read on the host: $got"
[ "$got" = written-by-the-guest ] || fail "the guest's write is not in the image"
