#!/usr/bin/env bash
# systemd-machined registration (docs/drivers.md, "systemd-machined"):
# on a private dbus-daemon, a mock machined (mock-machined.c) records the
# calls nidod makes. A container and a nido-vmm guest are registered when
# they start (name, class, leader = the real process, UUID, root,
# interfaces) and unregistered when destroyed; a re-attaching daemon asks
# GetMachine and registers again only what machined forgot; a refused
# registration fails no start and dominfo says why; without the test bus
# on a host where systemd is not PID 1, nidod says so once and registers
# nothing; register_machines = 0 turns it off.
. "$(dirname "$0")/../ct/lib.sh"

MOCK=$build/tests/integration/daemon/mock-machined
if ! command -v dbus-daemon >/dev/null || [ ! -x "$MOCK" ]; then
	echo "1..0 # SKIP dbus-daemon or mock-machined missing"
	exit 0
fi
if ! ct_usable; then
	echo "1..0 # SKIP containers need root, busybox-static and user namespaces"
	exit 0
fi

trap 'ip link del mdbr0 2>/dev/null; cleanup' EXIT
calls=$tmp/calls
touch "$calls"

cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path=$tmp/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$tmp/bus.conf" --nofork --print-address=3 \
	3>"$tmp/bus.addr" 2>"$tmp/dbus.log" &
extra_pids="$!"
disown # (killed by cleanup, quietly)
wait_for 10 test -s "$tmp/bus.addr"
addr=$(head -n1 "$tmp/bus.addr")

mock_pid=
start_mock() { # [--fail-register]
	: >"$tmp/mock.out"
	"$MOCK" "$addr" "$calls" "$@" >"$tmp/mock.out" 2>&1 &
	mock_pid=$!
	disown
	extra_pids="$extra_pids $mock_pid"
	wait_for 10 grep -q ready "$tmp/mock.out"
}
stop_mock() {
	kill "$mock_pid" 2>/dev/null
	wait_for 10 sh -c "! kill -0 $mock_pid 2>/dev/null"
}
start_mock
export NIDO_TEST_MACHINED_BUS=$addr

# calls_of PATTERN: the recorded calls matching PATTERN
calls_of() { grep -- "$1" "$calls"; }
has_call() { grep -q -- "$1" "$calls"; }
hex_uuid() { "$NIDO" domuuid "$1" | tr -d -- '-\n'; }
ifindex() { cat "/sys/class/net/$1/ifindex"; }

ip link add mdbr0 type bridge && ip link set mdbr0 up
root=$tmp/root
make_rootfs "$root"
chmod 755 "$tmp"
CT_DEVICES="<interface type='bridge'><source bridge='mdbr0'/><target dev='mdveth0'/></interface>" \
	ct_xml box "$root" /bin/sleep 100000 >"$tmp/box.xml"

start_daemon
t_out "the daemon says which bus it uses" "using the test bus" cat "$tmp/nidod.log"
"$NIDO" define "$tmp/box.xml" >/dev/null
t_out "a container starts" "Domain 'box' started" "$NIDO" start box
pid=$(ct_pid box)
t "it is registered (RegisterMachineWithNetwork)" \
	wait_for 10 has_call "RegisterMachineWithNetwork name=lxc-1-box "
line=$(calls_of "name=lxc-1-box ")
t_out "... as a container of service nido" "service=nido class=container" echo "$line"
t_out "... led by its init" "leader=$pid " echo "$line"
t_out "... with the domain's UUID" "uuid=$(hex_uuid box) " echo "$line"
t_out "... its root directory" "root=$root " echo "$line"
t_out "... and its veth's host end" "ifindices=$(ifindex mdveth0)" echo "$line"
t_out "dominfo names the machine" "lxc-1-box" "$NIDO" dominfo box

if kvm_usable; then
	domain_xml vm "$GUEST_IDLE" \
		"<interface type='bridge'><source bridge='mdbr0'/><target dev='mdtap0'/></interface>" \
		>"$tmp/vm.xml"
	"$NIDO" define "$tmp/vm.xml" >/dev/null
	t_out "a nido-vmm guest starts" "Domain 'vm' started" "$NIDO" start vm
	vpid=$(vm_pid vm)
	t "it is registered" wait_for 10 has_call "name=qemu-2-vm "
	line=$(calls_of "name=qemu-2-vm ")
	t_out "... as a vm led by nido-vmm" "class=vm leader=$vpid root= " echo "$line"
	t "... which is nido-vmm" grep -q nido-vmm "/proc/$vpid/cmdline"
	t_out "... with its UUID and tap" \
		"uuid=$(hex_uuid vm) service=nido class=vm leader=$vpid root= ifindices=$(ifindex mdtap0)" \
		echo "$line"
	t_out "the guest is destroyed" "destroyed" "$NIDO" destroy vm
	t "it is unregistered" wait_for 10 has_call "UnregisterMachine name=qemu-2-vm found=yes"
else
	skip "a nido-vmm guest is registered" "/dev/kvm or nido-vmm not usable here"
fi

# A full machine on the qemu driver (TCG, no disk: SeaBIOS finds nothing
# to boot, which is enough to have a QEMU running).
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
	t "it is registered as $qname" wait_for 10 has_call "name=$qname "
	t_out "... as a vm led by QEMU" \
		"uuid=$(hex_uuid q) service=nido class=vm leader=$qpid root= ifindices=" \
		calls_of "name=$qname "
	t "... which is QEMU" grep -q qemu-system "/proc/$qpid/cmdline"
	t_out "the QEMU guest is destroyed" "destroyed" "$NIDO" destroy q
	t "it is unregistered" wait_for 10 has_call "UnregisterMachine name=$qname found=yes"
else
	skip "a QEMU guest is registered" "qemu-system-x86_64 is not installed"
fi

t_out "the container is destroyed" "destroyed" "$NIDO" destroy box
t "it is unregistered" wait_for 10 has_call "UnregisterMachine name=lxc-1-box found=yes"
t "nothing is terminated (the leader's unit is not the machine's)" \
	sh -c "! grep -q TerminateMachine '$calls'"

# A daemon restart: the registration machined still has is kept; one it
# lost is made again, with the same leader.
"$NIDO" start box >/dev/null
pid=$(ct_pid box)
wait_for 10 sh -c "[ \$(grep -c RegisterMachineWithNetwork '$calls') -ge 2 ]"
name=$(sed -n 's/.*RegisterMachineWithNetwork name=\(lxc-[0-9]*-box\) .*/\1/p' "$calls" | tail -n1)
t "the container is registered again on its next start" test -n "$name"
n=$(grep -c RegisterMachineWithNetwork "$calls")
stop_daemon TERM
start_daemon
t "a re-attaching daemon asks machined (GetMachine)" \
	wait_for 10 has_call "GetMachine name=$name found=yes"
sleep 0.5
t "... and does not register it again" \
	test "$(grep -c RegisterMachineWithNetwork "$calls")" -eq "$n"
t_out "dominfo still names the machine" "$name" "$NIDO" dominfo box

stop_daemon TERM
stop_mock
start_mock
start_daemon
t "a machine machined forgot is looked up" \
	wait_for 10 has_call "GetMachine name=$name found=no"
t "... and registered again" \
	wait_for 10 sh -c "[ \$(grep -c 'RegisterMachineWithNetwork name=$name ' '$calls') -ge 2 ]"
t_out "... with the same leader" "leader=$pid " \
	sh -c "grep 'RegisterMachineWithNetwork name=$name ' '$calls' | tail -n1"

# A leader that dies (no stop asked for): unregistered too.
kill -9 "$pid"
t "a container whose init was killed is shut off" wait_for 10 state_starts box "shut off"
t "... and unregistered" wait_for 10 has_call "UnregisterMachine name=$name found=yes"

# A registration machined refuses fails no start.
stop_mock
start_mock --fail-register
t_out "with registrations refused, the container still starts" \
	"Domain 'box' started" "$NIDO" start box
t "the registration was tried" \
	wait_for 10 sh -c "grep 'RegisterMachineWithNetwork name=lxc-' '$calls' | tail -n1 | grep -q leader=\$(grep -o '\"pid\":[0-9]*' '$NIDO_RUNTIME_DIR/domains/box.json' | cut -d: -f2)"
wait_for 10 grep -q "is not registered" "$tmp/nidod.log"
t_out "the log warns, naming machined's word" \
	"is not registered: RegisterMachineWithNetwork: refused by the test" \
	cat "$tmp/nidod.log"
t_out "dominfo says it is not registered" \
	"not registered: RegisterMachineWithNetwork: refused by the test" \
	"$NIDO" dominfo box
t_out "it runs" "running" "$NIDO" domstate box
"$NIDO" destroy box >/dev/null
t "the refused machine's unregistration finds nothing, quietly" \
	wait_for 10 sh -c "tail -n1 '$calls' | grep -q 'UnregisterMachine name=lxc-.*-box found=no'"
t "... no warning about it" sh -c "! grep -q 'unregistering machine' '$tmp/nidod.log'"

# machined's words are untrusted text: bounded, no forged log line.
stop_mock
start_mock --hostile
"$NIDO" start box >/dev/null
t "a hostile refusal is logged, its newline a ?" \
	wait_for 10 grep -q "RegisterMachineWithNetwork: hostile?nidod: error: forged" "$tmp/nidod.log"
t "... forges no log line" sh -c "! grep -q '^nidod: error: forged' '$tmp/nidod.log'"
t "... and is cut short" sh -c "[ \$('$NIDO' dominfo box | grep Machine: | wc -c) -lt 700 ]"
"$NIDO" destroy box >/dev/null

# A machined that does not answer holds up nothing; the call times out.
stop_mock
start_mock
kill -STOP "$mock_pid"
t_out "with machined not answering, the container starts at once" \
	"Domain 'box' started" timeout 5 "$NIDO" start box
t_out "... the daemon answers meanwhile" "box" timeout 2 "$NIDO" list
t "... and the registration times out (5 s)" \
	wait_for 15 grep -q "RegisterMachineWithNetwork: Method call timed out" "$tmp/nidod.log"
t_out "... as dominfo says" "not registered: RegisterMachineWithNetwork: Method call timed out" \
	"$NIDO" dominfo box
lname=lxc-$("$NIDO" domid box)-box
kill -CONT "$mock_pid"
t "machined registers it late" wait_for 10 has_call "RegisterMachineWithNetwork name=$lname "
"$NIDO" destroy box >/dev/null
t "... and the stop undoes that" wait_for 10 has_call "UnregisterMachine name=$lname found=yes"

# Without the test bus: where systemd is not PID 1, one line and nothing
# registered.
stop_daemon TERM
unset NIDO_TEST_MACHINED_BUS
log_from=$(($(wc -l <"$tmp/nidod.log") + 1))
new_log() { tail -n +"$log_from" "$tmp/nidod.log"; }
n=$(wc -l <"$calls")
start_daemon
if [ -d /run/systemd/system ]; then
	skip "without systemd as PID 1, nidod says so" "systemd is PID 1 here"
else
	t_out "without systemd as PID 1, nidod says so once" \
		"systemd-machined: not running (systemd is not PID 1); machines are not registered" \
		new_log
	t_out "the container starts" "Domain 'box' started" "$NIDO" start box
	t_out "dominfo has no machine line" "Security" "$NIDO" dominfo box
	t "... and no machine line" sh -c "! '$NIDO' dominfo box | grep -q Machine"
	"$NIDO" destroy box >/dev/null
	t "no call reached the bus" test "$(wc -l <"$calls")" -eq "$n"
	t "the line is said once" test "$(new_log | grep -c 'systemd-machined:')" -eq 1
fi

# register_machines = 0 in nidod.conf, even with a bus to use.
stop_daemon TERM
export NIDO_TEST_MACHINED_BUS=$addr
echo "register_machines = 0" >"$tmp/nidod.conf"
log_from=$(($(wc -l <"$tmp/nidod.log") + 1))
"$NIDOD" --session --log-level debug --config "$tmp/nidod.conf" >>"$tmp/nidod.log" 2>&1 &
wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"
t_out "register_machines = 0 turns it off" \
	"register_machines = 0 (nidod.conf); machines are not registered" \
	new_log
"$NIDO" start box >/dev/null
t "... nothing is registered" test "$(wc -l <"$calls")" -eq "$n"
"$NIDO" destroy box >/dev/null
echo "register_machines = 2" >"$tmp/bad.conf"
t_err "a bad value is refused by name" "register_machines" \
	"$NIDOD" --session --config "$tmp/bad.conf" --state-dir "$tmp/s2" --runtime-dir "$tmp/r2"
t "no daemon of this test reported a sanitizer error" \
	sh -c "! grep -q 'Sanitizer\|runtime error' '$tmp/nidod.log'"

done_testing
