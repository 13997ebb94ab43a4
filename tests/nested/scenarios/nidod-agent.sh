# The guest agent on nido-vmm (issue 15): nidod's kvm driver runs a real
# Linux guest whose initramfs starts Debian's qemu-ga (the host's
# /usr/sbin/qemu-ga with its libraries) on the virtio-console port
# named org.qemu.guest_agent.0, found by /sys/class/virtio-ports/*/name
# (no udev to make /dev/virtio-ports/NAME). Linux's virtio_console sets
# the multiport device up; nido talks to the agent through the socket
# nidod bound and passed: qemu-agent-command guest-ping and guest-info,
# guestinfo --hostname --os, domifaddr --source agent, then shutdown
# --mode agent (qemu-ga runs the initramfs's shutdown: power off) and
# the domain is shut off.
# nested-timeout: 600

vmm=$(nido_vmm)
[ -c /dev/kvm ] || fail "layer 1 has no /dev/kvm"
build=$NIDO_BUILD_DIR
nido=$build/src/cli/nido
QGA=/usr/sbin/qemu-ga
[ -x "$nido" ] && [ -x "$build/src/daemon/nidod" ] || skip "nido or nidod is not built"
[ -x "$QGA" ] || skip "no $QGA on the host (qemu-guest-agent, scripts/lib/deps.sh)"

export NIDO_VMM=$vmm NIDO_DAEMON=$build/src/daemon/nidod
export NIDO_STATE_DIR=$NIDO_WORK/state NIDO_RUNTIME_DIR=$NIDO_WORK/run
export NIDO_DEFAULT_URI=nido:///session

"$build/src/daemon/nidod" --session --log-file "$NIDO_RESULTS/nidod.log" &
nidod_pid=$!
trap 'kill $nidod_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] && break
	sleep 0.1
done
[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] || fail "nidod did not start (see nidod.log)"

nido() { "$nido" "$@"; }
show() { echo "\$ $*"; "$@"; }

# Layer 2: qemu-ga on the agent's port; guest-shutdown runs shutdown,
# which powers off.
l2_initrd "$NIDO_WORK/initrd" - <<'SCRIPT'
hostname agentguest
ip link set lo up
ip addr add 192.0.2.7/24 dev lo
mkdir -p /var/run /run /tmp
dev=
for _ in $(seq 60); do
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] &&
			dev=/dev/${p##*/}
	done
	[ -n "$dev" ] && break
	sleep 1
done
[ -n "$dev" ] || { echo "guest: no port named org.qemu.guest_agent.0"; ls -l /sys/class/virtio-ports; exit 1; }
echo "guest: qemu-ga on $dev"
export PATH=/bin:/sbin
exec /usr/sbin/qemu-ga -m virtio-serial -p "$dev" -t /run -f /run/qemu-ga.pid
SCRIPT
extra=$NIDO_WORK/extra
mkdir -p "$extra/usr/sbin" "$extra/sbin" "$extra/etc"
cp "$QGA" "$extra/usr/sbin/qemu-ga"
for lib in $(ldd "$QGA" | grep -o '/[^ ]*'); do
	mkdir -p "$extra$(dirname "$lib")"
	cp -L "$lib" "$extra$lib"
done
printf '#!/bin/sh\necho "guest: shutdown $*"\nsync\nexec /bin/poweroff -f\n' >"$extra/sbin/shutdown"
chmod 755 "$extra/sbin/shutdown"
printf 'root:x:0:0:root:/:/bin/sh\n' >"$extra/etc/passwd"
printf 'ID=nidotest\nNAME="nido agent test"\nPRETTY_NAME="nido agent test 1"\nVERSION_ID=1\n' \
	>"$extra/etc/os-release"
# a second archive after the first: the kernel unpacks both
(cd "$extra" && find . -mindepth 1 | cpio -o -H newc --quiet | gzip -1) >>"$NIDO_WORK/initrd"

cat >"$NIDO_WORK/ga.xml" <<XML
<domain type='kvm'>
  <name>ga</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <kernel>$L2_VMLINUX</kernel>
    <initrd>$NIDO_WORK/initrd</initrd>
    <cmdline>$(l2_cmdline pci=off)</cmdline>
  </os>
  <devices>
    <console type='pty'/>
    <channel type='unix'><source mode='bind'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/></channel>
  </devices>
</domain>
XML
show nido define "$NIDO_WORK/ga.xml" || fail "define"
nido dumpxml ga | grep -q '<emulator>' && fail "the domain went to the qemu driver"
show nido start ga || fail "start"

t0=$SECONDS
deadline=$((SECONDS + 240))
until nido qemu-agent-command ga '{"execute":"guest-ping"}' >"$NIDO_WORK/ping.out" 2>&1; do
	if [ $SECONDS -ge $deadline ]; then
		cat "$NIDO_WORK/ping.out"
		cp "$NIDO_RUNTIME_DIR/domains/ga.log" "$NIDO_RESULTS/ga-vmm.log" 2>/dev/null || true
		fail "qemu-ga in the guest never answered guest-ping"
	fi
	sleep 2
done
metric agent.first_ping $((SECONDS - t0)) s
show nido qemu-agent-command ga '{"execute":"guest-ping"}' | tee "$NIDO_WORK/ping.out"
grep -qx '{"return":{}}' "$NIDO_WORK/ping.out" || fail "guest-ping: $(cat "$NIDO_WORK/ping.out")"
show nido qemu-agent-command ga '{"execute":"guest-info"}' >"$NIDO_WORK/info.out" || fail "guest-info"
head -c 200 "$NIDO_WORK/info.out"; echo
grep -q '"version":"' "$NIDO_WORK/info.out" || fail "guest-info has no version"
show nido guestinfo ga --hostname --os | tee "$NIDO_WORK/guestinfo.out"
grep -q 'hostname *: agentguest' "$NIDO_WORK/guestinfo.out" || fail "guestinfo --hostname"
grep -q 'nidotest' "$NIDO_WORK/guestinfo.out" || fail "guestinfo --os"
show nido domifaddr ga --source agent | tee "$NIDO_WORK/ifaddr.out"
grep -q '192.0.2.7' "$NIDO_WORK/ifaddr.out" || fail "domifaddr --source agent"
show nido dumpxml ga | grep "state='connected'" || fail "the live XML does not say the port is open"

show nido shutdown ga --mode agent || fail "shutdown --mode agent"
deadline=$((SECONDS + 120))
until [ "$(nido domstate ga)" = "shut off" ]; do
	[ $SECONDS -lt $deadline ] || fail "the guest did not shut down"
	sleep 1
done
show nido domstate --reason ga
nido domstate --reason ga | grep -q shutdown || fail "not shut off by a shutdown"
cp "$NIDO_RUNTIME_DIR/domains/ga.log" "$NIDO_RESULTS/ga-vmm.log" 2>/dev/null || true
