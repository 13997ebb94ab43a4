#!/usr/bin/env bash
# The netfs pool (NFS) through nidod and the nido CLI, against an NFS
# server this script runs (the kernel's nfsd, NFSv4 only, exporting a
# tmpfs to localhost): pool-build makes the target, pool-start mounts
# the export, volumes of both formats are files there, a refresh sees
# files added and removed outside nido, pool-destroy unmounts, delete and
# undefine leave nothing, and an unmount behind nido's back makes the
# pool inactive with an event. Needs nfsd, which this host's kernel
# lacks: tests/nested/scenarios/storage.sh runs it in layer 1.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v rpc.nfsd >/dev/null ||
	! command -v mount.nfs >/dev/null; then
	echo "1..0 # SKIP needs root and nfs-kernel-server"
	exit 0
fi
if ! modprobe nfsd 2>/dev/null || ! modprobe nfsv4 2>/dev/null; then
	echo "1..0 # SKIP no nfsd or NFSv4 client in this kernel (tests/nested runs it)"
	exit 0
fi
# The server: an export on a tmpfs (an overlay cannot be exported),
# NFSv4 only (no rpcbind, no statd; Debian's kernel has no NFSv2), a grace period of 10 s rather
# than 90 s (a new server refuses opens during it).
ip link set lo up 2>/dev/null # layer 1 brings up no interface
export_dir=$tmp/export
mnt=$tmp/mnt
mkdir -p "$export_dir" /var/lib/nfs/v4recovery
mount -t tmpfs -o size=64M tmpfs "$export_dir"
mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd
echo 10 >/proc/fs/nfsd/nfsv4gracetime
echo 10 >/proc/fs/nfsd/nfsv4leasetime
: >/etc/exports
# the export is NFSv4's root (fsid=0): the path to it from / crosses
# layer 1's overlay, which nfsd cannot walk; the pool's <dir> is '/'
exportfs -o rw,no_root_squash,insecure,no_subtree_check,fsid=0 "localhost:$export_dir"
nfs_cleanup() {
	umount "$mnt" 2>/dev/null
	exportfs -ua 2>/dev/null
	rpc.nfsd 0 2>/dev/null
	[ -n "${mountd_pid:-}" ] && kill "$mountd_pid" 2>/dev/null
	umount "$export_dir" 2>/dev/null
}
trap 'nfs_cleanup; cleanup' EXIT
rpc.mountd -F -N 3 -u >"$tmp/mountd.log" 2>&1 &
mountd_pid=$!
if ! out=$(rpc.nfsd -N 3 -U 4 2>&1); then
	echo "1..0 # SKIP rpc.nfsd did not start: $out"
	exit 0
fi
start=$SECONDS

mounted() {
	findmnt -n -o SOURCE "$mnt"
}

start_daemon
cat >"$tmp/nfs.xml" <<XML
<pool type='netfs'>
  <name>np</name>
  <source>
    <host name='localhost'/>
    <dir path='/'/>
    <format type='nfs'/>
    <protocol ver='4'/>
  </source>
  <target>
    <path>$mnt</path>
  </target>
</pool>
XML
t_exact "pool-define of a netfs pool" "Pool 'np' defined from $tmp/nfs.xml" "$NIDO" pool-define "$tmp/nfs.xml"
t_out "pool-dumpxml: its host, export, format and version" "<host name='localhost'/>
    <dir path='/'/>
    <format type='nfs'/>
    <protocol ver='4'/>" "$NIDO" pool-dumpxml np
t_err "pool-build --format: nothing to format" "a netfs pool has no file system to format" \
	"$NIDO" pool-build np --format ext4
t_exact "pool-build: the target" "Pool 'np' built" "$NIDO" pool-build np
t "the target exists" test -d "$mnt"
t_exact "pool-start" "Pool 'np' started" "$NIDO" pool-start np
t_exact "the export is mounted on the target" "localhost:/" mounted
t_out "nosuid,nodev" "nosuid,nodev" findmnt -n -o OPTIONS "$mnt"
t_out "NFS version 4, as <protocol> asks" "vers=4" findmnt -n -o OPTIONS "$mnt"
t_out "pool-list --details --type netfs" " np     running   no          yes " "$NIDO" pool-list --details --type netfs
# the server's grace period: a new NFSv4 server refuses opens during it
while [ $((SECONDS - start)) -lt 12 ]; do sleep 1; done
t_exact "a qcow2 volume" "Vol 'v.qcow2' created" "$NIDO" vol-create-as np v.qcow2 64M --format qcow2
t_exact "a raw volume" "Vol 'r.raw' created" "$NIDO" vol-create-as np r.raw 8M
t_exact "the server has the qcow2" "qcow2" qinfo "$export_dir/v.qcow2" format
t "qemu-img check of it" qcheck "$export_dir/v.qcow2"
t_exact "and the raw one, 8 MiB" "8388608" stat -c %s "$export_dir/r.raw"

qemu-img create -q -f qcow2 "$mnt/outside.qcow2" 16M
rm -f "$mnt/r.raw"
t_exact "pool-refresh" "Pool 'np' refreshed" "$NIDO" pool-refresh np
t_out "after it, vol-list shows the file made outside" "outside.qcow2" "$NIDO" vol-list np
t_not "and not the one removed outside" "r.raw" "$NIDO" vol-list np
t_exact "vol-delete" "Vol 'outside.qcow2' deleted" "$NIDO" vol-delete outside.qcow2 --pool np
t "gone from the server" test ! -e "$export_dir/outside.qcow2"

t_exact "pool-destroy" "Pool 'np' destroyed" "$NIDO" pool-destroy np
t_exact "it is unmounted" "" mounted
t "pool-start again" "$NIDO" pool-start np
t_out "the volume is back" "v.qcow2" "$NIDO" vol-list np

# storage that vanished: unmounted behind nido's back
"$NIDO" pool-event --pool np --timeout 60 >"$tmp/events" 2>&1 &
extra_pids="${extra_pids:-} $!"
t "pool-event subscribes" wait_for 10 grep -q "events subscribed.* of np" "$tmp/nidod.log"
umount "$mnt"
t_err "pool-refresh after an unmount behind nido's back" "is no longer mounted" "$NIDO" pool-refresh np
t_out "the pool is inactive" "State:          inactive" "$NIDO" pool-info np
t "its event" wait_for 10 grep -q "event 'lifecycle' for storage pool np: Stopped" "$tmp/events"

t "the volume's file stays on the server" test -f "$export_dir/v.qcow2"
rm -f "$export_dir/v.qcow2"
t_exact "pool-delete" "Pool 'np' deleted" "$NIDO" pool-delete np
t "the target is gone" test ! -e "$mnt"
t_exact "pool-undefine" "Pool 'np' has been undefined" "$NIDO" pool-undefine np
t_exact "nothing of it is left in the state directory" "" sh -c "ls '$NIDO_STATE_DIR/pools' | grep np"
done_testing
