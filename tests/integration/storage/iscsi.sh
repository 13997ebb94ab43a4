#!/usr/bin/env bash
# The iscsi pool through nidod and the nido CLI, against tgt (tgtd, a
# userspace iSCSI target) on 127.0.0.1 with file-backed LUNs, and
# open-iscsi's initiator (iscsid, iscsiadm): find-storage-pool-sources-as
# lists the target (and a portal that never answers holds up only its
# caller), pool-start logs in as the pool's <initiator>, the
# LUNs are the volumes (unit:0:0:N, their devices found in sysfs: no
# udev needed), vol-create and vol-delete are refused by name, a refresh
# sees a LUN added on the target, data written with vol-upload is in the
# target's backing file and comes back with vol-download, a link of the
# target directory becomes a LUN's path, QEMU's command line names the
# LUNs' devices for a <disk type='volume'> of the pool and a <disk
# type='block'>, a guest (in tests/nested, on KVM) reads one and writes
# the other, pool-destroy logs out (no session left)
# and undefine leaves nothing. Needs the iscsi_tcp module, which this
# host's kernel lacks: tests/nested/scenarios/storage.sh runs it in
# layer 1.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v tgtd >/dev/null ||
	! command -v iscsiadm >/dev/null || ! command -v iscsid >/dev/null; then
	echo "1..0 # SKIP needs root, tgt (tgtd, tgtadm) and open-iscsi (iscsid, iscsiadm)"
	exit 0
fi
if [ ! -d /sys/module/iscsi_tcp ] && ! modprobe iscsi_tcp 2>/dev/null; then
	echo "1..0 # SKIP no iscsi_tcp module in this kernel (tests/nested runs it)"
	exit 0
fi
modprobe sd_mod 2>/dev/null || true
if iscsiadm -m session >/dev/null 2>&1; then
	echo "1..0 # SKIP this host has iSCSI sessions already"
	exit 0
fi

ip link set lo up 2>/dev/null # layer 1 brings up no interface
iqn=iqn.2026-12.org.nido:pool
init=iqn.2026-12.org.nido:initiator
portal=127.0.0.1:3260
tgtd -f --iscsi portal=$portal >"$tmp/tgtd.log" 2>&1 &
extra_pids="${extra_pids:-} $!"
# iscsid as open-iscsi's unit would start it (no systemd here)
mkdir -p /run/lock/iscsi /etc/iscsi/nodes /etc/iscsi/send_targets /etc/iscsi/ifaces
iscsid -f >"$tmp/iscsid.log" 2>&1 &
extra_pids="$extra_pids $!"
# status 20: iscsiadm cannot reach iscsid (yet)
wait_for 10 sh -c 'iscsiadm -m iface >/dev/null 2>&1; [ $? -ne 20 ]'
t "iscsid answers" iscsiadm -m iface
iscsi_cleanup() {
	iscsiadm -m node -T "$iqn" -p "$portal" --logout >/dev/null 2>&1
	iscsiadm -m node -o delete >/dev/null 2>&1
	rm -f /dev/disk/by-path/nido-test-lun-1
	cleanup
}
trap iscsi_cleanup EXIT
tgt() {
	tgtadm --lld iscsi "$@"
}
wait_for 10 tgt --op show --mode target
tgt --op new --mode target --tid 1 -T "$iqn"
truncate -s 32M "$tmp/lun1.img"
tgt --op new --mode logicalunit --tid 1 --lun 1 -b "$tmp/lun1.img"
tgt --op bind --mode target --tid 1 -I ALL
t "tgt serves the target" sh -c "tgtadm --lld iscsi --op show --mode target | grep -q '$iqn'"

start_daemon
t_out "find-storage-pool-sources-as iscsi lists the target" "<sources>
  <source>
    <host name='127.0.0.1' port='3260'/>
    <device path='$iqn'/>
  </source>
</sources>" "$NIDO" find-storage-pool-sources-as iscsi 127.0.0.1 3260
printf "<source><host name='127.0.0.1'/><initiator><iqn name='%s'/></initiator></source>\n" "$init" >"$tmp/spec.xml"
t_out "find-storage-pool-sources iscsi SPEC, as an initiator" "<device path='$iqn'/>" \
	"$NIDO" find-storage-pool-sources iscsi "$tmp/spec.xml"
t_err "... a port out of range" "port" "$NIDO" find-storage-pool-sources-as iscsi 127.0.0.1 65536
t_err "... a host that is an option is refused" "host '-p' is not a host name" \
	"$NIDO" find-storage-pool-sources-as iscsi -- -p
t_err "... another pool type by name" "pool type 'dir' does not support source discovery" \
	"$NIDO" find-storage-pool-sources-as dir
# a portal that accepts and never answers holds up only its caller
python3 -c 'import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
held = []
while True: held.append(s.accept()[0])' >"$tmp/silent.port" &
extra_pids="${extra_pids:-} $!"
wait_for 10 test -s "$tmp/silent.port"
silent=$(cat "$tmp/silent.port")
"$NIDO" find-storage-pool-sources-as iscsi 127.0.0.1 "$silent" >"$tmp/silent.out" 2>&1 &
find_pid=$!
t "discovery of a silent portal runs as a job" \
	wait_for 30 grep -q "find-storage-pool-sources started" "$tmp/nidod.log"
t "... while it waits, pool-list answers" "$NIDO" pool-list --all
kill -0 $find_pid 2>/dev/null && ok "... and the discovery was still pending then" ||
	not_ok "... and the discovery was still pending then" "$(cat "$tmp/silent.out")"
wait $find_pid && not_ok "the discovery of a silent portal fails" "$(cat "$tmp/silent.out")" ||
	t_out "the discovery of a silent portal fails, naming it" "127.0.0.1" cat "$tmp/silent.out"
t_exact "discovery recorded no node" "" find /etc/iscsi/nodes /etc/iscsi/send_targets -mindepth 1

cat >"$tmp/iscsi.xml" <<XML
<pool type='iscsi'>
  <name>ip</name>
  <source>
    <host name='127.0.0.1' port='3260'/>
    <device path='$iqn'/>
    <initiator>
      <iqn name='$init'/>
    </initiator>
  </source>
  <target>
    <path>/dev/disk/by-path</path>
  </target>
</pool>
XML
t_exact "pool-define of an iscsi pool" "Pool 'ip' defined from $tmp/iscsi.xml" "$NIDO" pool-define "$tmp/iscsi.xml"
t_out "pool-dumpxml: the portal, target and initiator" "    <host name='127.0.0.1' port='3260'/>
    <device path='$iqn'/>
    <initiator>
      <iqn name='$init'/>
    </initiator>" "$NIDO" pool-dumpxml ip
t_exact "pool-build has nothing to make" "Pool 'ip' built" "$NIDO" pool-build ip
t_exact "pool-start logs in" "Pool 'ip' started" "$NIDO" pool-start ip
t_out "iscsiadm -m session: one session to the target" "$portal,1 $iqn" iscsiadm -m session
t_out "... as the pool's initiator" "Iface Initiatorname: $init" iscsiadm -m session -P 3
t_out "pool-list --details --type iscsi" " ip     running   no          yes " "$NIDO" pool-list --details --type iscsi
t_out "vol-list: LUN 1 (tgt's LUN 0 is its controller, no disk)" " unit:0:0:1 " "$NIDO" vol-list ip
t_not "... and nothing else" "unit:0:0:0" "$NIDO" vol-list ip
t_out "vol-info: a block volume" "Type:           block" "$NIDO" vol-info unit:0:0:1 --pool ip
t_out "... of 32 MiB" "Capacity:       32.00 MiB" "$NIDO" vol-info unit:0:0:1 --pool ip
t_out "pool-info: the capacity is the LUNs'" "Capacity:       32.00 MiB" "$NIDO" pool-info ip
dev1=$("$NIDO" vol-path unit:0:0:1 --pool ip)
t "vol-path: the LUN's device (no udev here: no /dev/disk/by-path link)" test -b "$dev1"
t_exact "... whose size is the LUN's" "33554432" blockdev --getsize64 "$dev1"
t_out "vol-dumpxml: raw, block" "<volume type='block'>
  <name>unit:0:0:1</name>
  <key>$dev1</key>" "$NIDO" vol-dumpxml unit:0:0:1 --pool ip
t_err "vol-create-as is refused by name" "storage pool does not support volume creation" \
	"$NIDO" vol-create-as ip new 1M
t_err "vol-delete is refused by name" "storage pool does not support vol deletion" \
	"$NIDO" vol-delete unit:0:0:1 --pool ip
t_err "vol-resize is refused by name" "resizing LUN 'unit:0:0:1' is not supported" \
	"$NIDO" vol-resize unit:0:0:1 64M --pool ip
t "the LUN is still there" test -b "$dev1"

# a LUN added on the target: a refresh rescans the session
truncate -s 1M "$tmp/lun2.img"
tgt --op new --mode logicalunit --tid 1 --lun 2 -b "$tmp/lun2.img"
t_exact "pool-refresh" "Pool 'ip' refreshed" "$NIDO" pool-refresh ip
t_out "after it, vol-list shows LUN 2" " unit:0:0:2 " "$NIDO" vol-list ip
t_out "pool-info: 33 MiB now" "Capacity:       33.00 MiB" "$NIDO" pool-info ip

# data through the initiator, read on the target's side
head -c 3M /dev/urandom >"$tmp/data"
t_exact "vol-upload to LUN 1" "" "$NIDO" vol-upload unit:0:0:1 "$tmp/data" --pool ip
t "the target's backing file holds it" cmp -n 3145728 "$tmp/data" "$tmp/lun1.img"
t_exact "vol-download of the LUN" "" "$NIDO" vol-download unit:0:0:1 "$tmp/back" --pool ip
t_exact "... all 32 MiB of it" "33554432" stat -c %s "$tmp/back"
t "... the same bytes as the backing file" cmp "$tmp/back" "$tmp/lun1.img"
printf 'nido-wipe' | dd of="$tmp/lun2.img" conv=notrunc status=none
t_exact "vol-wipe of LUN 2" "Vol 'unit:0:0:2' wiped" "$NIDO" vol-wipe unit:0:0:2 --pool ip
t "... zeroes in its backing file" cmp -n 1048576 "$tmp/lun2.img" /dev/zero

# a stable link in the target directory (what udev makes) is the path
mkdir -p /dev/disk/by-path
ln -sf "$dev1" /dev/disk/by-path/nido-test-lun-1
t "pool-refresh with a link to LUN 1" "$NIDO" pool-refresh ip
t_exact "vol-path is the link" "/dev/disk/by-path/nido-test-lun-1" "$NIDO" vol-path unit:0:0:1 --pool ip
t_exact "vol-upload through the link" "" "$NIDO" vol-upload unit:0:0:1 "$tmp/data" --pool ip --offset 4194304
t "... lands on the LUN" cmp -n 3145728 "$tmp/data" "$tmp/lun1.img" 0 4194304
rm -f /dev/disk/by-path/nido-test-lun-1
"$NIDO" pool-refresh ip >/dev/null

# guests: QEMU's command line names the LUNs' devices
dev2=$("$NIDO" vol-path unit:0:0:2 --pool ip)
qemu_xml q "<disk type='volume' device='disk'><driver name='qemu' type='raw'/>
      <source pool='ip' volume='unit:0:0:1'/><target dev='vda' bus='virtio'/></disk>
    <disk type='block' device='disk'><driver name='qemu' type='raw'/>
      <source dev='$dev2'/><target dev='vdb' bus='virtio'/></disk>" >"$tmp/q.xml"
t "a qemu domain with a volume of the pool and the other LUN as a block disk" "$NIDO" define "$tmp/q.xml"
t_out "domxml-to-native: the volume is the LUN's device" "\"driver\":\"host_device\",\"filename\":\"$dev1\"" \
	"$NIDO" domxml-to-native qemu-argv --domain q
t_out "... and the block disk the other LUN" "\"driver\":\"host_device\",\"filename\":\"$dev2\"" \
	"$NIDO" domxml-to-native qemu-argv --domain q
"$NIDO" undefine q >/dev/null
# A guest (QEMU on KVM: nido-vmm has no block disks, and a LUN is one)
# copies its block disk (LUN 1) onto its volume disk (LUN 2). Needs the
# layer-2 kernel and initramfs of tests/nested (L2_KERNEL, L2_INITRD).
if [ -n "${L2_KERNEL:-}" ] && [ -n "${L2_INITRD:-}" ] && [ -w /dev/kvm ] &&
	command -v qemu-system-x86_64 >/dev/null; then
	cmd=$(printf '%s\n' 'dd if=/dev/vdb of=/dev/vda bs=4096 count=1 conv=fsync' \
		'echo NIDO-ISCSI-GUEST-$?' | base64 -w0)
	cat >"$tmp/g.xml" <<XML
<domain type='kvm'>
  <name>g</name>
  <memory unit='MiB'>256</memory>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$L2_KERNEL</kernel>
    <initrd>$L2_INITRD</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 init=/init nido.end=poweroff nido.cmd=$cmd</cmdline>
  </os>
  <devices>
    <disk type='volume' device='disk'><driver name='qemu' type='raw'/>
      <source pool='ip' volume='unit:0:0:2'/><target dev='vda' bus='virtio'/></disk>
    <disk type='block' device='disk'><driver name='qemu' type='raw'/>
      <source dev='$dev1'/><target dev='vdb' bus='virtio'/><readonly/></disk>
    <serial type='file'><source path='$tmp/g.console'/></serial>
  </devices>
</domain>
XML
	t_out "a guest on the pool's LUNs (a volume and a block disk) starts" "Domain 'g' created" \
		"$NIDO" create "$tmp/g.xml"
	wait_for 300 grep -q NIDO-ISCSI-GUEST "$tmp/g.console"
	t_out "... runs its script: dd succeeded" "NIDO-ISCSI-GUEST-0" cat "$tmp/g.console"
	"$NIDO" destroy g >/dev/null 2>&1
	t "what it read from LUN 1 it wrote to LUN 2: in the target's backing files" \
		cmp -n 4096 "$tmp/lun1.img" "$tmp/lun2.img"
else
	skip "a guest on the pool's LUNs" "no layer-2 kernel (tests/nested runs it) or no usable /dev/kvm"
fi

t_exact "pool-destroy logs out" "Pool 'ip' destroyed" "$NIDO" pool-destroy ip
t_err "no session is left" "No active sessions" iscsiadm -m session
t "the LUN's device is gone" wait_for 10 test ! -e "$dev1"
t_exact "no node record and no interface of nido's left" "" sh -c "find /etc/iscsi/nodes /etc/iscsi/send_targets -mindepth 1; ls /etc/iscsi/ifaces | grep nido"
t_err "vol-list of the stopped pool" "is not active" "$NIDO" vol-list ip

# a session logged out behind nido's back makes the pool inactive
t_exact "pool-start again" "Pool 'ip' started" "$NIDO" pool-start ip
"$NIDO" pool-event --pool ip --timeout 60 >"$tmp/events" 2>&1 &
extra_pids="$extra_pids $!"
t "pool-event subscribes" wait_for 10 grep -q "events subscribed.* of ip" "$tmp/nidod.log"
iscsiadm -m node -T "$iqn" -p "$portal" --logout >/dev/null 2>&1
t_err "pool-refresh after a logout behind nido's back" "no iSCSI session to target '$iqn'" "$NIDO" pool-refresh ip
t_out "the pool is inactive" "State:          inactive" "$NIDO" pool-info ip
t "its event" wait_for 10 grep -q "event 'lifecycle' for storage pool ip: Stopped" "$tmp/events"

t_exact "pool-undefine" "Pool 'ip' has been undefined" "$NIDO" pool-undefine ip
t_exact "nothing of it is left in the state directory" "" sh -c "ls '$NIDO_STATE_DIR/pools' | grep ip"
t_err "still no session" "No active sessions" iscsiadm -m session

# an <auth> pool is refused by name
cat >"$tmp/auth.xml" <<XML
<pool type='iscsi'><name>a</name><source><host name='127.0.0.1'/>
<device path='$iqn'/><auth type='chap' username='u'><secret usage='s'/></auth>
</source></pool>
XML
t_err "<auth type='chap'> is refused by name" "<auth type='chap'> is not supported: nido keeps no secrets" \
	"$NIDO" pool-define "$tmp/auth.xml"
done_testing
