#!/usr/bin/env bash
# What libvirt's container XML asks, acted on (docs/containers.md):
# <inituser> and <initgroup> by name (from the container's /etc/passwd
# and /etc/group) and by number, the init then without capabilities;
# <filesystem type='ram'> a tmpfs of its size owned by the container's
# root; type='bind' as 'mount'; a name that is not in the container's
# files fails the start, naming it.
. "$(dirname "$0")/lib.sh"

if ! ct_usable; then
	echo "1..0 # SKIP containers need root, busybox-static and user namespaces"
	exit 0
fi
root=$tmp/root
make_rootfs "$root"
chmod 755 "$tmp"
echo "tester:x:1000:1000::/tmp:/bin/sh" >>"$root/etc/passwd"
echo "testers:x:1234:" >>"$root/etc/group"
mkdir -p "$root/mnt/ram" "$root/mnt/host"
mkdir -p "$tmp/shared" && echo from-host >"$tmp/shared/file"
chown -R "$CT_BASE:$CT_BASE" "$root"
chmod 777 "$root/out"
# the init writes what it is, then waits
probe='id -u >/out/uid; id -g >/out/gid; grep CapEff /proc/self/status >/out/caps
grep " /mnt/ram " /proc/mounts >/out/ram; stat -c "%u %a" /mnt/ram >/out/ramowner
cat /mnt/host/file >/out/bind; while :; do sleep 1; done'
CT_EXTRA="" CT_DEVICES="<filesystem type='ram'><source usage='2' units='MiB'/><target dir='/mnt/ram'/></filesystem><filesystem type='bind'><source dir='$tmp/shared'/><target dir='/mnt/host'/><readonly/></filesystem>" \
	ct_xml named "$root" /bin/sh -c "$probe" >"$tmp/named.xml"
sed -i "s|<init>/bin/sh</init>|<init>/bin/sh</init><inituser>tester</inituser><initgroup>testers</initgroup>|" "$tmp/named.xml"
ct_xml num "$root" /bin/sh -c 'id -u >/out/num; while :; do sleep 1; done' >"$tmp/num.xml"
sed -i "s|<init>/bin/sh</init>|<init>/bin/sh</init><inituser>4321</inituser>|" "$tmp/num.xml"
ct_xml nouser "$root" /bin/true >"$tmp/nouser.xml"
sed -i "s|<init>/bin/true</init>|<init>/bin/true</init><inituser>nobody-here</inituser>|" "$tmp/nouser.xml"

start_daemon
t "define a container with <inituser>, <initgroup>, a ram and a bind filesystem" \
	"$NIDO" define "$tmp/named.xml"
t_out "dumpxml keeps <inituser>" "<inituser>tester</inituser>" "$NIDO" dumpxml named
t_out "... and the ram filesystem's size" "<source usage='2048' units='KiB'/>" "$NIDO" dumpxml named
t_out "start it" "Domain 'named' started" "$NIDO" start named
t "its init wrote what it is" wait_for 30 test -s "$root/out/bind"
t_out "the init runs as tester (uid 1000 of the container's passwd)" "1000" cat "$root/out/uid"
t_out "... in group testers (gid 1234 of its group file)" "1234" cat "$root/out/gid"
t_out "... without capabilities" "CapEff:	0000000000000000" cat "$root/out/caps"
t_out "the ram filesystem is a tmpfs of 2 MiB" "tmpfs /mnt/ram tmpfs rw,nosuid,nodev,relatime,size=2048k" cat "$root/out/ram"
t_out "... owned by the container's root" "0 755" cat "$root/out/ramowner"
t_out "the bind filesystem shows the host's directory" "from-host" cat "$root/out/bind"
"$NIDO" destroy named >/dev/null
"$NIDO" define "$tmp/num.xml" >/dev/null
t_out "an <inituser> by number" "Domain 'num' started" "$NIDO" start num
t "... the init runs as uid 4321" wait_for 30 grep -qx 4321 "$root/out/num"
"$NIDO" destroy num >/dev/null
"$NIDO" define "$tmp/nouser.xml" >/dev/null
t_err "a user that is not in the container's /etc/passwd fails the start, naming it" \
	"'nobody-here' is not in the container's /etc/passwd" "$NIDO" start nouser
t_out "... and the domain is shut off" "shut off" "$NIDO" domstate nouser
done_testing
