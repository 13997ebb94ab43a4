#!/usr/bin/env bash
# Guests in systemd-machined's scopes, where systemd is PID 1 (docs/drivers.md,
# "systemd-machined"): run by tests/nested/scenarios/machined.sh, whose
# layer 1 boots the host's systemd; skipped elsewhere. A container, a
# nido-vmm guest and a QEMU guest are created as machines
# (CreateMachineWithNetwork): `machinectl list` shows them, each lives in
# machine-NAME.scope under machine.slice with nido's cgroup "nido" inside
# it, where the limits of the domain's XML are; a daemon restart keeps
# them; destroy ends the machine and its scope.
. "$(dirname "$0")/../ct/lib.sh"

if [ ! -d /run/systemd/system ] || [ "$(cat /proc/1/comm)" != systemd ]; then
	echo "1..0 # SKIP systemd is not PID 1 here (tests/nested/scenarios/machined.sh runs this)"
	exit 0
fi
if ! command -v machinectl >/dev/null || ! ct_usable; then
	echo "1..0 # SKIP machinectl (systemd-container) or containers not usable"
	exit 0
fi

cg=/sys/fs/cgroup
# machine NAME: machinectl's one-line view of it ("NAME CLASS SERVICE ...")
machine() { machinectl list --no-legend --no-pager | awk -v n="$1" '$1 == n { print $1, $2, $3 }' | grep .; }
gone() { ! machinectl list --no-legend --no-pager | grep -q "^$1 "; }
# unified PID: its cgroup in the v2 hierarchy
unified() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
scope_of() { machinectl show "$1" -p Unit --value; }
# cmdlines DIR: the command lines of the processes of cgroup DIR
cmdlines() { for p in $(cat "$1/cgroup.procs"); do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null; echo; done; }
export -f cmdlines

# A root with the few programs used (make_rootfs's hundreds of links
# take minutes under the nested layer 1's TCG).
root=$tmp/root
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$root/bin/busybox"
for a in sh sleep cat; do ln -s busybox "$root/bin/$a"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
chown -R "$CT_BASE:$CT_BASE" "$root"
chmod 755 "$tmp"
CT_MEM=48 CT_EXTRA="<memtune><soft_limit unit='MiB'>40</soft_limit></memtune>" \
	ct_xml box "$root" /bin/sh -c 'trap "exit 0" TERM; while :; do sleep 1 & wait; done' \
	>"$tmp/box.xml"

echo "# ${SECONDS} s: a root file system made"
start_daemon
echo "# ${SECONDS} s: the daemon started"
t_out "the daemon places guests in machines' scopes" \
	"guests are placed in scopes of their own under machine.slice" cat "$tmp/nidod.log"
"$NIDO" define "$tmp/box.xml" >/dev/null
t_out "a container starts" "Domain 'box' started" "$NIDO" start box
pid=$(ct_pid box)
echo "# ${SECONDS} s: the container started"
t_out "machinectl list shows it as a container of nido" "lxc-1-box container nido" \
	machine lxc-1-box
scope=$(scope_of lxc-1-box)
t_out "its unit is the scope machine-lxc\\x2d1\\x2dbox.scope" \
	'machine-lxc\x2d1\x2dbox.scope' echo "$scope"
t_out "machinectl status: its leader is the init" \
	"Leader: $pid" machinectl status lxc-1-box --no-pager
t_out "... and its root directory" "Root: $root" machinectl status lxc-1-box --no-pager
t_out "the init is in nido's cgroup inside the scope, under machine.slice" \
	"/machine.slice/$scope/nido" unified "$pid"
t_out "the scope is delegated" "Delegate=yes" systemctl show "$scope" -p Delegate
t_out "the memory limit (<memory>) is on that cgroup" 50331648 \
	cat "$cg/machine.slice/$scope/nido/memory.max"
t_out "... and the soft limit" 41943040 cat "$cg/machine.slice/$scope/nido/memory.high"
t_out "the run-time record has that cgroup" "/machine.slice/$scope/nido" ct_cgroups box
t_out "dominfo names the machine" "lxc-1-box" "$NIDO" dominfo box
"$NIDO" exec box -- /bin/sleep 1000 >/dev/null 2>&1 &
t "nido exec runs its command in that cgroup" wait_for 10 \
	bash -c "cmdlines '$cg/machine.slice/$scope/nido' | grep -q 'sleep 1000'"
t "a suspend freezes it there" "$NIDO" suspend box
t_out "... (cgroup.freeze)" "frozen 1" cat "$cg/machine.slice/$scope/nido/cgroup.events"
t "and resume thaws it" "$NIDO" resume box
# A reboot (SIGTERM to the init, busybox's) ends the machine and makes it again at once, by the same name
# (machined drops the old one only once its scope is gone).
t "a reboot" "$NIDO" reboot box
t "... starts a new init" wait_for 30 sh -c "p=\$(grep -o '\"pid\":[0-9]*' '$NIDO_RUNTIME_DIR/domains/box.json' | cut -d: -f2); [ -n \"\$p\" ] && [ \"\$p\" != $pid ]"
pid=$(ct_pid box)
t_out "... the leader of the machine made again" "$pid" \
	machinectl show lxc-1-box -p Leader --value
t_out "... in nido's cgroup in its scope" "/machine.slice/$scope/nido" unified "$pid"
t_out "... with its limit" 50331648 cat "$cg/machine.slice/$scope/nido/memory.max"

echo "# ${SECONDS} s: the container checked"
if kvm_usable; then
	cat >"$tmp/vm.xml" <<XML
<domain type='kvm'>
  <name>vm</name>
  <memory unit='MiB'>32</memory>
  <memtune><hard_limit unit='MiB'>200</hard_limit></memtune>
  <vcpu>1</vcpu>
  <os><kernel>$GUEST_IDLE</kernel></os>
  <devices><serial type='pty'/></devices>
</domain>
XML
	"$NIDO" define "$tmp/vm.xml" >/dev/null
	t_out "a nido-vmm guest starts" "Domain 'vm' started" "$NIDO" start vm
	vpid=$(vm_pid vm)
	t_out "machinectl list shows it as a vm" "qemu-2-vm vm nido" machine qemu-2-vm
	vscope=$(scope_of qemu-2-vm)
	t_out "nido-vmm is in nido's cgroup in its scope" \
		"/machine.slice/$vscope/nido" unified "$vpid"
	t_out "its <memtune> hard_limit is there" 209715200 \
		cat "$cg/machine.slice/$vscope/nido/memory.max"
	t_out "the guest is destroyed" "destroyed" "$NIDO" destroy vm
	t "its machine is gone" wait_for 10 gone qemu-2-vm
	t "... and its scope" wait_for 10 test ! -e "$cg/machine.slice/$vscope"
else
	skip "a nido-vmm guest is a machine" "/dev/kvm or nido-vmm not usable here"
fi

echo "# ${SECONDS} s: the nido-vmm guest checked"
# The qemu driver (TCG, no disk: SeaBIOS finds nothing to boot, which is
# enough to have a QEMU running): QEMU moves into its scope.
if command -v qemu-system-x86_64 >/dev/null; then
	cat >"$tmp/q.xml" <<XML
<domain type='qemu'>
  <name>q</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>
XML
	"$NIDO" define "$tmp/q.xml" >/dev/null
	t_out "a QEMU guest starts" "Domain 'q' started" "$NIDO" start q
	qpid=$(vm_pid q)
	qname=qemu-$("$NIDO" domid q)-q
	t "machinectl list shows it ($qname)" wait_for 10 machine "$qname"
	t_out "QEMU is in its scope under machine.slice" \
		"/machine.slice/$(scope_of "$qname")" unified "$qpid"
	t_out "the QEMU guest is destroyed" "destroyed" "$NIDO" destroy q
	t "its machine is gone" wait_for 10 gone "$qname"
else
	skip "a QEMU guest is a machine" "qemu-system-x86_64 is not installed"
fi

echo "# ${SECONDS} s: the QEMU guest checked"
stop_daemon
t "the container outlives its daemon, a machine still" machine lxc-1-box
start_daemon
t "a new daemon re-attaches it" wait_for 10 grep -q "machine 'lxc-1-box' is still registered" "$tmp/nidod.log"
t_out "the container is destroyed" "destroyed" "$NIDO" destroy box
t "its machine is gone" wait_for 10 gone lxc-1-box
t "... and its scope" wait_for 10 test ! -e "$cg/machine.slice/$scope"
t "no daemon of this test reported a sanitizer error" \
	sh -c "! grep -q 'Sanitizer\|runtime error' '$tmp/nidod.log'"

done_testing
