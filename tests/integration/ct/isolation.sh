#!/usr/bin/env bash
# What a container sees and cannot do (docs/containers.md, "Security"):
# its init is PID 1 with its own host name; root inside is a high uid
# outside; no mknod, no host device, LXC's capability bound, the seccomp
# profile, /proc and /sys read-only with masks; bind mounts (read-only
# where asked), <initenv>, <initdir>, <idmap>; memory and pids limits on
# its cgroup; definitions the ct driver cannot run are refused by name.
. "$(dirname "$0")/lib.sh"

if ! ct_usable; then
	echo "1..0 # SKIP containers need root, busybox-static and user namespaces"
	exit 0
fi
PROBE=$build/tests/integration/ct/ct-probe
root=$tmp/root
make_rootfs "$root"
cp "$PROBE" "$root/bin/ct-probe"
chown "$CT_BASE:$CT_BASE" "$root/bin/ct-probe"
mkdir -p "$root/mnt/ro" "$root/data" "$tmp/ro" "$tmp/data"
echo host-file >"$tmp/ro/f"
chown "$CT_BASE:$CT_BASE" "$tmp/data"
chmod 755 "$tmp"

# The container reports on its own file system, then waits.
script='
exec >/out/log 2>&1
echo "pid=$$"
echo "host=$(hostname)"
mknod /tmp/null c 1 3 && echo mknod=ok || echo mknod=failed
[ -e /dev/kvm ] && echo kvm=present || echo kvm=absent
ls /dev >/out/dev
touch /out/made-by-root
/bin/ct-probe >/out/probe
grep CapBnd /proc/self/status >/out/capbnd
cat /proc/self/uid_map >/out/uid_map
wc -c </proc/timer_list >/out/timer_list
echo 1 >/proc/sys/kernel/domainname && echo procsys=rw || echo procsys=ro
grep -E " /sys | /proc/sys " /proc/mounts >/out/mounts
touch /mnt/ro/x && echo robind=rw || echo robind=ro
cat /mnt/ro/f >/out/robind-read
touch /data/x && echo databind=rw || echo databind=ro
echo "foo=$FOO cwd=$(pwd)"
dd if=/dev/zero of=/dev/null bs=200M count=1 2>/dev/null; echo "dd=$?"
echo done >/out/done
exec sleep 100000'
CT_DEVICES="<filesystem type='mount'><source dir='$tmp/ro'/><target dir='/mnt/ro'/><readonly/></filesystem>
    <filesystem type='mount'><source dir='$tmp/data'/><target dir='/data'/></filesystem>" \
	ct_xml iso "$root" /bin/sh -c "$script" >"$tmp/iso.xml"
sed -i "s|</os>|<initenv name='FOO'>bar baz</initenv><initdir>/tmp</initdir></os>|" "$tmp/iso.xml"

start_daemon
t "define a container" "$NIDO" define "$tmp/iso.xml"
t_out "dumpxml keeps <init>, <initarg>, <initenv>, <initdir>" \
	"<initenv name='FOO'>bar baz</initenv>" "$NIDO" dumpxml iso
t_out "dumpxml keeps the read-only bind mount" \
	"<target dir='/mnt/ro'/>
      <readonly/>" "$NIDO" dumpxml iso
t_out "start it" "Domain 'iso' started" "$NIDO" start iso
wait_for 30 test -e "$root/out/done"
log=$(cat "$root/out/log" 2>&1)
t_out "its init runs as PID 1" "pid=1" echo "$log"
t_out "it sees its own host name (the domain's name)" "host=iso" echo "$log"
t_out "mknod fails" "mknod=failed" echo "$log"
t_out "/dev/kvm is absent" "kvm=absent" echo "$log"
t_out "/dev has only the minimal devices" \
	"console fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero" \
	echo $(cat "$root/out/dev")
t_out "a file root made inside is owned by a high uid on the host" \
	"$CT_BASE" stat -c %u "$root/out/made-by-root"
t_out "its uid map is the containers' range" "0 $CT_BASE 65536" \
	echo $(cat "$root/out/uid_map")
t_out "keyctl fails with EPERM (seccomp profile)" "keyctl: EPERM" cat "$root/out/probe"
t_out "add_key fails with EPERM (seccomp profile)" "add_key: EPERM" cat "$root/out/probe"
t_out "a call outside the profile works" "getpid: ok" cat "$root/out/probe"

# CapBnd: sys_module (16), sys_rawio (17), sys_time (25), mac_override
# (32), mac_admin (33) dropped; sys_admin (21), sys_boot (22) kept.
bnd=$((16#$(awk '{print $2}' "$root/out/capbnd")))
dropped=1
for b in 16 17 25 32 33; do
	[ $(((bnd >> b) & 1)) -eq 0 ] || dropped=0
done
t "the capability bound lacks LXC's dropped ones" test "$dropped" -eq 1
t "the capability bound keeps sys_admin and sys_boot" \
	test $(((bnd >> 21) & 1)) -eq 1 -a $(((bnd >> 22) & 1)) -eq 1
t_out "/proc/timer_list is masked (empty, readable)" "0" cat "$root/out/timer_list"
t_out "/proc/sys is read-only" "procsys=ro" echo "$log"
t_out "/sys is mounted read-only" "sysfs /sys sysfs ro," cat "$root/out/mounts"
t_out "a read-only bind mount cannot be written" "robind=ro" echo "$log"
t_out "... and can be read" "host-file" cat "$root/out/robind-read"
t_out "a bind mount can be written" "databind=rw" echo "$log"
t_out "<initenv> and <initdir> reach the init" "foo=bar baz cwd=/tmp" echo "$log"
t_out "<memory> is the memory cgroup's limit" "134217728" ct_mem_limit iso
t_out "a process allocating past the memory limit is OOM-killed (SIGKILL)" \
	"dd=137" echo "$log"
t_out "... inside the container only: it runs on" "running" "$NIDO" domstate iso
t "the default container has a user namespace of its own" \
	test "$(readlink /proc/self/ns/user)" != "$(readlink "/proc/$(ct_pid iso)/ns/user")"
"$NIDO" destroy iso >/dev/null

# pids.max: a loop that starts 40 sleeps stops at the limit.
# (a shell whose fork fails ends: the loop runs in a shell of its own)
CT_EXTRA="<pids max='12'/><memtune><hard_limit unit='MiB'>64</hard_limit></memtune>" ct_xml pids "$root" /bin/sh -c '
exec >/out/pids 2>&1
sh -c "i=0; while [ \$i -lt 40 ]; do sleep 100000 & i=\$((i + 1)); done"
echo done >/out/pids-done
exec sleep 100000' >"$tmp/pids.xml"
rm -f "$root/out/pids-done"
"$NIDO" define "$tmp/pids.xml" >/dev/null
t_out "a container with <pids max='12'/> starts" "started" "$NIDO" start pids
wait_for 30 test -e "$root/out/pids-done"
t_out "dumpxml keeps <pids max>" "<pids max='12'/>" "$NIDO" dumpxml pids
pcg=$(ct_cg pids pids)
t_out "its pids cgroup has pids.max 12" "12" cat "$pcg/pids.max"
t "forks past the limit failed inside" grep -q "fork" "$root/out/pids"
t_out "<memtune><hard_limit> is the memory cgroup's limit" "67108864" ct_mem_limit pids
t "no more than 12 processes ran in it" \
	test "$(wc -l <"$pcg/cgroup.procs")" -le 12
"$NIDO" destroy pids >/dev/null

# <idmap>: another range; the root file system is owned by it.
root2=$tmp/root2
make_rootfs "$root2"
chown -R 3000000:3000000 "$root2"
CT_EXTRA="<idmap><uid start='0' target='3000000' count='65536'/><gid start='0' target='3000000' count='65536'/></idmap>" \
	ct_xml mapped "$root2" /bin/sh -c 'touch /out/mine; echo done >/out/done; exec sleep 100000' >"$tmp/mapped.xml"
"$NIDO" define "$tmp/mapped.xml" >/dev/null
t_out "a container with an <idmap> starts" "started" "$NIDO" start mapped
wait_for 30 test -e "$root2/out/done"
t_out "its root is the <idmap>'s target on the host" "3000000" \
	stat -c %u "$root2/out/mine"
"$NIDO" destroy mapped >/dev/null

# <blkiotune> and <vcpu cpuset>: the blkio (v1) or io (v2) and cpuset
# cgroups. The device: a loop device of the test's.
truncate -s 1M "$tmp/blk"
bdev=$(losetup --find --show "$tmp/blk")
trap 'losetup -d "$bdev" 2>/dev/null; cleanup' EXIT
majmin=$(cat "/sys/block/${bdev#/dev/}/dev" 2>/dev/null)
CT_EXTRA="<vcpu cpuset='0'>1</vcpu><blkiotune><weight>300</weight><device><path>$bdev</path><read_bytes_sec>1048576</read_bytes_sec><write_iops_sec>50</write_iops_sec></device></blkiotune>" \
	ct_xml io "$root" /bin/sh -c 'exec sleep 100000' >"$tmp/io.xml"
t "define a container with <blkiotune> and <vcpu cpuset> ($bdev, $majmin)" \
	"$NIDO" define "$tmp/io.xml"
t_out "dumpxml keeps <blkiotune>" "<blkiotune>
    <weight>300</weight>
    <device>
      <path>$bdev</path>
      <read_bytes_sec>1048576</read_bytes_sec>
      <write_iops_sec>50</write_iops_sec>
    </device>
  </blkiotune>" "$NIDO" dumpxml io
t_out "blkiotune shows them as virsh does" "weight         : 300
device_weight  : 
device_read_iops_sec: 
device_write_iops_sec: $bdev,50
device_read_bytes_sec: $bdev,1048576
device_write_bytes_sec: " "$NIDO" blkiotune io
# A weight needs BFQ (CFQ before 5.0), which a host may lack: then the
# start fails naming it, and the device limits alone are tried.
weights=yes
if out=$("$NIDO" start io 2>&1); then
	ok "start it"
elif [[ $out == *"<blkiotune> weight: the host's block I/O scheduler has no weights"* ]]; then
	ok "without BFQ on the host, a <blkiotune> weight fails the start, naming it"
	weights=
	sed "s|<weight>300</weight>||" "$tmp/io.xml" >"$tmp/io-nw.xml"
	"$NIDO" define "$tmp/io-nw.xml" >/dev/null
	t_out "without the weight, it starts" "started" "$NIDO" start io
else
	not_ok "start it" "$out"
fi
iocg=$(ct_cg io blkio)
if [ -e "$iocg/io.max" ]; then
	t_out "io.max has the device's limits (v2)" \
		"$majmin rbps=1048576 wbps=max riops=max wiops=50" cat "$iocg/io.max"
else
	t_out "the read bytes limit is blkio.throttle.read_bps_device (v1)" \
		"$majmin 1048576" cat "$iocg/blkio.throttle.read_bps_device"
	t_out "the write iops limit is blkio.throttle.write_iops_device (v1)" \
		"$majmin 50" cat "$iocg/blkio.throttle.write_iops_device"
fi
if [ -n "$weights" ]; then
	t_out "domstats: the weight in force" "blkio.weight=300" "$NIDO" domstats io
else
	skip "domstats: the weight in force" "no BFQ I/O scheduler on this host"
fi
t_out "domstats: the CPUs of its cpuset" "cpuset.cpus=0" "$NIDO" domstats io
t_out "its init may run on CPU 0 only" "0" \
	awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$(ct_pid io)/status"
iocgs=$(ct_cgroups io)
t "its cgroups include blkio and cpuset ones (v1), or v2's" \
	sh -c "echo '$iocgs' | grep -Eq '/(blkio|cpuset)/nido/|/nido/io' "
t_out "destroy it" "destroyed" "$NIDO" destroy io
left=
for d in $iocgs; do [ -d "$d" ] && left="$left $d"; done
t "no cgroup of it is left (blkio and cpuset included)" test -z "$left"
sed "s|<path>$bdev</path>|<path>/dev/null</path>|; s|<name>io</name>|<name>io2</name>|" "$tmp/io.xml" >"$tmp/bad.xml"
"$NIDO" define "$tmp/bad.xml" >/dev/null
t_err "a <blkiotune> device that is no block device fails the start, naming it" \
	"<blkiotune> device '/dev/null': not a block device" "$NIDO" start io2
sed "s|<weight>300</weight>|<weight>5</weight>|" "$tmp/io.xml" >"$tmp/bad.xml"
t_err "a weight below 10 is refused" "weight" "$NIDO" define "$tmp/bad.xml"
losetup -d "$bdev"

# dominfo says how a container is isolated: the default one in a user
# namespace, its root a high uid.
t_out "dominfo: the default container's security model is a user namespace" \
	"Security model: userns" "$NIDO" dominfo iso
t_out "dominfo: ... its root is an unprivileged host uid" \
	"Security label: root is host uid $CT_BASE, gid $CT_BASE (unprivileged)" \
	"$NIDO" dominfo iso

# <privileged/>: no user namespace, root is host root (libvirt's lxc
# driver without <idmap>; nido only when asked). Its root file system
# is owned by host root.
root3=$tmp/root3
make_rootfs "$root3"
chown -R 0:0 "$root3"
CT_EXTRA="<privileged/>" ct_xml priv "$root3" /bin/sh -c \
	'touch /out/mine; cat /proc/self/uid_map >/out/uid_map; echo done >/out/done; exec sleep 100000' \
	>"$tmp/priv.xml"
t "define a <privileged/> container" "$NIDO" define "$tmp/priv.xml"
t_out "dumpxml keeps <privileged/>" "<privileged/>" "$NIDO" dumpxml priv
t_out "dominfo says it is privileged" \
	"Security model: none
Security DOI:   0
Security label: privileged: root is host root (no user namespace)" \
	"$NIDO" dominfo priv
t_out "start it" "started" "$NIDO" start priv
wait_for 30 test -e "$root3/out/done"
t_out "a file its root made is owned by host uid 0" "0" stat -c %u "$root3/out/mine"
t_out "its uid map is the host's (no user namespace)" "0 0 4294967295" \
	echo $(cat "$root3/out/uid_map")
t_out "it shares the host's user namespace" "$(readlink /proc/self/ns/user)" \
	readlink "/proc/$(ct_pid priv)/ns/user"
t_out "exec in a privileged container runs as host root" "0" \
	"$NIDO" exec priv -- sh -c 'stat -c %u /out/mine'
# its root may make a device node, the devices cgroup (v1) keeps it
# from using one /dev has not: /dev/kmsg (1:11) here
if [ -d /sys/fs/cgroup/devices ]; then
	t_out "its root makes a node of a host device, but cannot use it (devices cgroup)" \
		"made; Operation not permitted" "$NIDO" exec priv -- sh -c \
		'mknod /tmp/kmsg c 1 11 && printf "made; "; dd if=/tmp/kmsg of=/dev/null bs=4096 count=1 2>&1 | grep -o "Operation not permitted"; rm -f /tmp/kmsg'
	t_out "... and uses those of its /dev" "1+0 records in" \
		"$NIDO" exec priv -- dd if=/dev/zero of=/dev/null bs=1 count=1
else
	t "no v1 devices cgroup (v2): nidod's log says every host device is usable" \
		grep -q "domain 'priv': privileged, with every host device usable" "$tmp/nidod.log"
fi
"$NIDO" destroy priv >/dev/null
CT_EXTRA="<privileged/><idmap><uid start='0' target='3000000' count='10'/><gid start='0' target='3000000' count='10'/></idmap>" \
	ct_xml bad "$root3" /bin/sh >"$tmp/bad.xml"
t_err "<privileged/> with an <idmap> is refused" \
	"<privileged/> and <idmap> exclude each other" "$NIDO" define "$tmp/bad.xml"

# What the ct driver refuses, by name.
ct_xml bad "$root" /bin/sh >"$tmp/bad.xml"
sed -i "s|<init>/bin/sh</init>||" "$tmp/bad.xml"
t_err "a container without <init> is refused" "missing <init>" \
	"$NIDO" define "$tmp/bad.xml"
CT_DEVICES="<disk type='file'><source file='/x.img'/><target dev='vda'/></disk>" \
	ct_xml bad "$root" /bin/sh >"$tmp/bad.xml"
t_err "a <disk> is refused" "<disk> not supported by the ct driver" \
	"$NIDO" define "$tmp/bad.xml"
ct_xml bad "$root" /bin/sh >"$tmp/bad.xml"
sed -i "s|<target dir='/'/>|<target dir='/srv'/>|" "$tmp/bad.xml"
t_err "a container without a root file system is refused" \
	"no root file system" "$NIDO" define "$tmp/bad.xml"
CT_EXTRA="<idmap><uid start='1' target='3000000' count='10'/><gid start='0' target='3000000' count='10'/></idmap>" \
	ct_xml bad "$root" /bin/sh >"$tmp/bad.xml"
t_err "an <idmap> without root is refused" "id 0 (root) is not mapped" \
	"$NIDO" define "$tmp/bad.xml"
ct_xml bad "$tmp/no-such-dir" /bin/sh >"$tmp/bad.xml"
"$NIDO" define "$tmp/bad.xml" >/dev/null
t_err "a missing root file system fails the start, naming it" \
	"$tmp/no-such-dir" "$NIDO" start bad
t_out "... and leaves it shut off" "shut off" "$NIDO" domstate bad

done_testing
