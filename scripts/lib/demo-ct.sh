#!/usr/bin/env bash
# The main job's third guest: a system container on the ct driver, and
# the storage pool beside it, under the same CLI. A busybox root file
# system (Debian's busybox-static) owned by the containers' id range is
# run as `<domain type='lxc'>` with busybox init: its root is an
# unprivileged host uid (its own user namespace), it sees its own
# hostname and pids, answers on `nido console`, is frozen and thawed,
# and `nido shutdown` has its init power it off. Before it, the
# `default` storage pool and a qcow2 volume made in it.
#
# Usage: demo-ct.sh BUILD_DIR (as root, from scripts/demo).
set -euo pipefail
build=$1
. "$(dirname "$0")/demo-daemon.sh"
demo_daemon ct box

echo "-- storage: the default pool nidod defined on its first start"
show pool-list --all --details
show vol-create-as default data.qcow2 1G --format qcow2
show vol-list default --details

echo "-- a container: busybox init on a root file system of its own"
# The containers' id range: the second range of user nido in
# /etc/subuid, else nido's default (docs/containers.md).
base=$(awk -F: '$1 == "nido" { n++; if (n == 2) { print $2; exit } }' /etc/subuid 2>/dev/null)
base=${base:-$((0x6e6a0000))}
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
ln -s ../bin/busybox "$root/sbin/init"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
# A console that answers each line with what the container sees.
cat >"$root/etc/inittab" <<'TAB'
console::respawn:/bin/sh -c 'while read -r l; do echo "GOT:$l in $(hostname): $(id -un) uid $(id -u), $(ls /proc | grep -c "^[0-9]") processes"; done'
TAB
chown -R "$base:$base" "$root"
chmod 1777 "$root/tmp"
cat >"$work/box.xml" <<XML
<domain type='lxc'>
  <name>box</name>
  <memory unit='MiB'>64</memory>
  <os><type>exe</type><init>/sbin/init</init></os>
  <devices>
    <filesystem type='mount'><source dir='$root'/><target dir='/'/></filesystem>
    <console type='pty'/>
  </devices>
</domain>
XML
show define "$work/box.xml"
show start box
show list
deadline=$((SECONDS + 60))
answer=
while [ $SECONDS -lt $deadline ]; do
	answer=$(printf 'hello-from-nido\r' | timeout 5 "$build/src/cli/nido" console box 2>&1 || true)
	[[ $answer == *"GOT:hello-from-nido in box"* ]] && break
	sleep 0.5
done
echo "\$ nido console box    (typing 'hello-from-nido')"
printf '%s\n' "$answer" | tr -d '\r' | grep "GOT:hello-from-nido in box" | tail -n 1 ||
	die "the container did not answer on its console"
pid=$(grep -o '"pid":[0-9]*' "$NIDO_RUNTIME_DIR/domains/box.json" | head -n 1 | cut -d: -f2)
[ -n "$pid" ] || die "no pid in the container's run-time record"
echo "   on the host, its init runs as uid $(stat -c %u "/proc/$pid") (an unprivileged id of its range), not root"
show suspend box
show domstate --reason box
echo "   (every process of the container is frozen by its cgroup's freezer)"
show resume box
show shutdown box
deadline=$((SECONDS + 60))
until [ "$(nido domstate box)" = "shut off" ]; do
	[ $SECONDS -lt $deadline ] || die "the container did not shut down"
	sleep 0.5
done
show domstate --reason box
show undefine box
