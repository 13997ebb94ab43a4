# The guest agent on nido-vmm (issue 15): nidod's kvm driver runs a real
# Linux guest whose initramfs starts Debian's qemu-ga (the host's
# /usr/sbin/qemu-ga with its libraries) on the virtio-console port
# named org.qemu.guest_agent.0, found by /sys/class/virtio-ports/*/name
# (no udev to make /dev/virtio-ports/NAME). Linux's virtio_console sets
# the multiport device up; nido talks to the agent through the socket
# nidod bound and passed: qemu-agent-command guest-ping and guest-info,
# guestinfo --hostname --os, domifaddr --source agent. Then, with
# commands run in the guest through the agent (guest-exec): the balloon
# inflated by setmem --live shrinks the guest's free memory, and gives it
# back; a managedsave, then start, brings the guest back with a process
# started before it still running under the same pid. Snapshots of the
# running guest: an internal one (its memory and its qcow2 disk), then a
# file written in the guest's RAM-backed root and a block written to its
# disk; snapshot-revert brings both back to before (the file is gone);
# a --disk-only --quiesce snapshot has the agent freeze and thaw the
# guest's file systems around the overlay (qemu-ga's own log says so);
# an active blockcommit then merges the overlay back while the guest
# runs and pivots the disk onto its image.
# Then shutdown
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
exec /usr/sbin/qemu-ga -m virtio-serial -p "$dev" -t /run -f /run/qemu-ga.pid -v -l /run/qga.log
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
    <memballoon model='virtio'/>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$NIDO_WORK/data.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <channel type='unix'><source mode='bind'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/></channel>
  </devices>
</domain>
XML
nido img create -f qcow2 "$NIDO_WORK/data.qcow2" 16M >/dev/null || fail "nido img create"
show nido define "$NIDO_WORK/ga.xml" || fail "define"
nido dumpxml ga | grep -q '<emulator>' && fail "the domain went to the qemu driver"
show nido start ga || fail "start"
# What layer 2 says on its console stays in the results (l2-console.log).
(sleep 100000 | "$nido" console ga >"$NIDO_RESULTS/l2-console.log" 2>&1) &

t0=$SECONDS
deadline=$((SECONDS + 240))
until timeout 30 "$nido" qemu-agent-command ga '{"execute":"guest-ping"}' >"$NIDO_WORK/ping.out" 2>&1; do
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

# gexec PROGRAM [ARG...]: runs PROGRAM in the guest through the agent
# (guest-exec, then guest-exec-status until it ended), prints its
# standard output, returns its exit code.
gexec()
{
	local req pid st
	req=$(python3 -c 'import json, sys
print(json.dumps({"execute": "guest-exec", "arguments": {
    "path": sys.argv[1], "arg": sys.argv[2:], "capture-output": True}}))' "$@")
	pid=$(nido qemu-agent-command ga "$req" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["return"]["pid"])') ||
		return 1
	for _ in $(seq 150); do
		st=$(nido qemu-agent-command ga \
			"{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") ||
			return 1
		python3 -c 'import base64, json, sys
r = json.loads(sys.argv[1])["return"]
if not r["exited"]:
    sys.exit(100)
sys.stdout.write(base64.b64decode(r.get("out-data", "")).decode(errors="replace"))
sys.exit(r.get("exitcode", 1))' "$st" && return 0
		[ $? = 100 ] || return 1
		sleep 0.2
	done
	return 1
}

# meminfo FIELD: the guest's /proc/meminfo FIELD, in KiB
meminfo() { gexec /bin/cat /proc/meminfo | awk -v f="$1:" '$1 == f { print $2 }'; }

# The balloon: setmem --live below the guest's memory takes pages from
# it (Linux's virtio_balloon gives them), and gives them back.
free0=$(meminfo MemFree)
[ -n "$free0" ] || fail "could not read the guest's /proc/meminfo through the agent"
say "guest MemFree before the balloon: $free0 KiB"
show nido setmem ga 131072 --live || fail "setmem --live 128 MiB"
deadline=$((SECONDS + 90))
until free1=$(meminfo MemFree) && [ "$free1" -lt $((free0 - 65536)) ]; do
	[ $SECONDS -lt $deadline ] || fail "the balloon did not shrink the guest's free memory ($free0 -> ${free1:-?} KiB)"
	sleep 1
done
say "guest MemFree with the balloon at 128 MiB: $free1 KiB"
metric balloon.free_before "$free0" KiB
metric balloon.free_inflated "$free1" KiB
show nido dommemstat ga | tee "$NIDO_WORK/memstat.out"
grep -q '^actual 131072' "$NIDO_WORK/memstat.out" || fail "dommemstat: the balloon's actual is not 131072"
show nido setmem ga 262144 --live || fail "setmem --live 256 MiB"
deadline=$((SECONDS + 90))
until free2=$(meminfo MemFree) && [ "$free2" -gt $((free1 + 65536)) ]; do
	[ $SECONDS -lt $deadline ] || fail "the deflated balloon did not give the memory back ($free1 -> ${free2:-?} KiB)"
	sleep 1
done
say "guest MemFree after deflating: $free2 KiB"

# managedsave with a running process: a loop writing the time every
# second (renamed into place: a reader never sees it half written),
# started through the agent; after managedsave and start, the
# same pid runs the same program and the time it writes moves on.
req='{"execute":"guest-exec","arguments":{"path":"/bin/sh","arg":["-c","while :; do date +%s >/run/tick.new; mv /run/tick.new /run/tick; sleep 1; done"]}}'
ticker=$(nido qemu-agent-command ga "$req" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["return"]["pid"])') ||
	fail "starting a process in the guest"
sleep 2
cmd0=$(gexec /bin/cat "/proc/$ticker/cmdline" | tr '\0' ' ')
case $cmd0 in *"date +%s"*) ;; *) fail "the ticker (pid $ticker) is not running: '$cmd0'" ;; esac
show nido managedsave ga || fail "managedsave"
[ "$(nido domstate ga)" = "shut off" ] || fail "not shut off after managedsave"
show nido dominfo ga | grep -i 'managed save' | tee "$NIDO_WORK/ms.out"
grep -qi 'yes' "$NIDO_WORK/ms.out" || fail "dominfo does not show the managed save"
show nido start ga || fail "start from the managed save"
deadline=$((SECONDS + 60))
until nido qemu-agent-command ga '{"execute":"guest-ping"}' >/dev/null 2>&1; do
	[ $SECONDS -lt $deadline ] || fail "the agent does not answer after the restore"
	sleep 1
done
cmd1=$(gexec /bin/cat "/proc/$ticker/cmdline" | tr '\0' ' ')
[ "$cmd1" = "$cmd0" ] || fail "pid $ticker after the restore runs '$cmd1', not '$cmd0'"
t1=$(gexec /bin/cat /run/tick)
sleep 3
t2=$(gexec /bin/cat /run/tick)
[ -n "$t1" ] && [ -n "$t2" ] && [ "$t2" -gt "$t1" ] ||
	fail "the process saved with the guest does not run on ($t1 -> $t2)"
say "pid $ticker runs on after managedsave and start (tick $t1 -> $t2)"

# An internal snapshot of the running guest (its memory and its disk):
# what the guest wrote after it, to its root file system (in RAM) and to
# its disk, is gone after snapshot-revert.
# block8: the 5 bytes at sector 8 of the guest's disk
block8() { gexec /bin/sh -c 'dd if=/dev/vda bs=512 skip=8 count=1 2>/dev/null | head -c 5'; }
gexec /bin/sh -c 'echo before >/run/keep; printf SNAP1 | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null' ||
	fail "writing in the guest before the snapshot"
[ "$(block8)" = SNAP1 ] || fail "the guest's disk does not read back SNAP1"
show nido snapshot-create-as ga s1 --description "before the late file" || fail "snapshot-create-as of the running guest"
show nido snapshot-info ga s1 | tee "$NIDO_WORK/s1.info"
grep -q '^State: *running' "$NIDO_WORK/s1.info" || fail "snapshot s1 does not hold a running state"
gexec /bin/sh -c 'echo after >/run/late; printf SNAP2 | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null' ||
	fail "writing in the guest after the snapshot"
gexec /bin/cat /run/late | grep -qx after || fail "the guest's late file is not there before the revert"
[ "$(block8)" = SNAP2 ] || fail "the guest's disk does not read back SNAP2"
show nido snapshot-revert ga s1 || fail "snapshot-revert to s1"
[ "$(nido domstate ga)" = running ] || fail "not running after the revert"
deadline=$((SECONDS + 60))
until nido qemu-agent-command ga '{"execute":"guest-ping"}' >/dev/null 2>&1; do
	[ $SECONDS -lt $deadline ] || fail "the agent does not answer after the revert"
	sleep 1
done
gexec /bin/cat /run/keep | grep -qx before || fail "the file written before the snapshot is gone after the revert"
if gexec /bin/cat /run/late >/dev/null 2>&1; then
	fail "the file written after the snapshot is still there after the revert"
fi
[ "$(block8)" = SNAP1 ] || fail "the guest's disk reads '$(block8)' after the revert, not SNAP1"
say "snapshot-revert: the late file is gone, the disk reads SNAP1 again"

# A quiesced disk-only snapshot: qemu-ga freezes and thaws the guest's
# file systems around the overlay (its log, read through the agent).
show nido snapshot-create-as ga q1 --disk-only --quiesce || fail "snapshot-create-as --disk-only --quiesce"
show nido domblklist ga | tee "$NIDO_WORK/blk.out"
grep -q 'data.q1' "$NIDO_WORK/blk.out" || fail "the disk is not on its overlay after the external snapshot"
qga=$(gexec /bin/cat /run/qga.log)
echo "$qga" | grep -q 'guest-fsfreeze-freeze' || fail "qemu-ga's log shows no freeze"
echo "$qga" | grep -q 'guest-fsfreeze-thaw' || fail "qemu-ga's log shows no thaw"
nido qemu-agent-command ga '{"execute":"guest-fsfreeze-status"}' | grep -q thawed ||
	fail "the guest's file systems are not thawed after the snapshot"
say "quiesced snapshot: qemu-ga froze and thawed around the overlay"

# An active blockcommit while the guest runs: what it wrote to the
# overlay goes down into the image below, and the disk pivots back onto
# it; the guest reads its block the same afterwards.
gexec /bin/sh -c 'printf SNAP3 | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null' ||
	fail "writing in the guest on the overlay"
show nido blockcommit ga vda --active --pivot --wait --verbose || fail "blockcommit --active --pivot"
show nido domblklist ga | tee "$NIDO_WORK/blk2.out"
grep -q 'data.qcow2' "$NIDO_WORK/blk2.out" || fail "the disk is not back on data.qcow2 after the pivot"
[ "$(block8)" = SNAP3 ] || fail "the guest reads '$(block8)' after the commit, not SNAP3"
say "active blockcommit: the guest's write went down, the disk pivoted back"

show nido shutdown ga --mode agent || fail "shutdown --mode agent"
deadline=$((SECONDS + 120))
until [ "$(nido domstate ga)" = "shut off" ]; do
	[ $SECONDS -lt $deadline ] || fail "the guest did not shut down"
	sleep 1
done
show nido domstate --reason ga
nido domstate --reason ga | grep -q shutdown || fail "not shut off by a shutdown"
cp "$NIDO_RUNTIME_DIR/domains/ga.log" "$NIDO_RESULTS/ga-vmm.log" 2>/dev/null || true
# The image under the committed overlay holds the guest's last write.
nido img convert -O raw "$NIDO_WORK/data.qcow2" "$NIDO_WORK/data.raw" || fail "nido img convert of the committed image"
[ "$(dd if="$NIDO_WORK/data.raw" bs=512 skip=8 count=1 2>/dev/null | head -c 5)" = SNAP3 ] ||
	fail "data.qcow2 does not hold the guest's SNAP3 after the commit"
