#!/usr/bin/env bash
# VMs on this machine's /dev/kvm through the daemon: start, the console,
# suspend and resume, domstats, a guest that powers off or resets, a VMM
# killed (crashed, with its exit status), destroy, transient domains, a
# VMM that fails to start.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon
domain_xml idle "$GUEST_IDLE" >"$tmp/idle.xml"
"$NIDO" define "$tmp/idle.xml" >/dev/null

t_out "start" "Domain 'idle' started" "$NIDO" start idle
t_out "list shows it running with id 1" " 1    idle   running" "$NIDO" list
t_out "domstate --reason: running (booted)" "running (booted)" "$NIDO" domstate --reason idle
t_out "dominfo: id and state" "$(printf 'Id:             1\nName:           idle')" "$NIDO" dominfo idle
pid=$(vm_pid idle)
t "the VM is a nido-vmm process" grep -q nido-vmm "/proc/$pid/cmdline"
if [ -d /sys/fs/cgroup/pids ] || [ -e /sys/fs/cgroup/cgroup.controllers ]; then
	t "the VM has its own cgroup" grep -q "/nido/idle\\." "/proc/$pid/cgroup"
else
	skip "the VM has its own cgroup" "no cgroup hierarchy on this machine"
fi
t_err "starting it twice" "error: failed to start domain 'idle': domain is already running" \
	"$NIDO" start idle
t_out "the console echoes what is typed" "Escape character is ^] (Ctrl + ])" \
	console_send idle "hello-console"
out=$(console_send idle "ping-42")
if [[ $out == *ping-42* ]]; then ok "the guest answers through the console"; else
	not_ok "the guest answers through the console" "$out"; fi
if command -v script >/dev/null; then
	# On a terminal: raw mode, and Ctrl-] (octal 035) leaves.
	out=$( (sleep 0.5; printf 'tty-77'; sleep 1; printf '\035'; sleep 0.5) |
		timeout 20 script -qfec "$NIDO console idle" /dev/null 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [[ $out == *tty-77* ]]; then
		ok "on a terminal, the console echoes and Ctrl-] leaves"
	else
		not_ok "on a terminal, the console echoes and Ctrl-] leaves" "status $rc" "$out"
	fi
else
	skip "on a terminal, the console echoes and Ctrl-] leaves" "no script(1)"
fi
t_out "suspend" "Domain 'idle' suspended" "$NIDO" suspend idle
t_out "paused (user)" "paused (user)" "$NIDO" domstate --reason idle
t_out "list shows paused" " 1    idle   paused" "$NIDO" list
t_err "suspend twice" "domain is already paused" "$NIDO" suspend idle
t_out "resume" "Domain 'idle' resumed" "$NIDO" resume idle
t_out "running (unpaused)" "running (unpaused)" "$NIDO" domstate --reason idle
t_err "resume when running" "domain is not paused" "$NIDO" resume idle
t_out "domstats" "$(printf "Domain: 'idle'\n  state.state=1")" "$NIDO" domstats idle
t_out "domstats has the CPU time" "cpu.time=" "$NIDO" domstats idle
t_out "dominfo has the CPU time" "CPU time:" "$NIDO" dominfo idle

# The guest resets: on_reboot is restart, so a new nido-vmm runs it.
console_send idle "R" >/dev/null
t "a guest reset restarts the VM" \
	wait_for 20 sh -c "[ -n \"\$(grep -o '\"pid\":[0-9]*' '$NIDO_RUNTIME_DIR/domains/idle.json' | cut -d: -f2 | grep -vx $pid)\" ]"
t_out "it is running again, same id" " 1    idle   running" "$NIDO" list

# reboot is libvirt's "fake reboot": the power button, then a new start
# when the guest powers off (the idle guest powers off on the button).
pid=$(vm_pid idle)
out=$("$NIDO" reboot idle 2>&1)
if [[ $out == *"has no control socket"* ]]; then
	skip "reboot asks the guest" "nido-vmm has no control socket yet ($out)"
	skip "a guest that powers off after a reboot request starts again" "no control socket"
else
	t_out "reboot asks the guest" "Domain 'idle' is being rebooted" echo "$out"
	t "a guest that powers off after a reboot request starts again" \
		wait_for 20 sh -c "[ -n \"\$(grep -o '\"pid\":[0-9]*' '$NIDO_RUNTIME_DIR/domains/idle.json' | cut -d: -f2 | grep -vx $pid)\" ]"
	t_out "running, same id" " 1    idle   running" "$NIDO" list
fi

out=$("$NIDO" shutdown idle 2>&1)
if [[ $out == *"has no control socket"* ]]; then
	skip "shutdown asks the guest" "nido-vmm has no control socket yet ($out)"
else
	t_out "shutdown asks the guest" "Domain 'idle' is being shutdown" echo "$out"
	shutdown_sent=1
fi

# The default is the ACPI power button: the guest powers off on it.
[ -n "${shutdown_sent:-}" ] || console_send idle "Q" >/dev/null
t "the power button powers the guest off: shut off (shutdown)" \
	wait_for 20 state_is idle "shut off (shutdown)"
# Ctrl-Alt-Del makes many guests reboot: after a shutdown request the
# reboot is the power-off.
"$NIDO" start idle >/dev/null
t_out "shutdown --mode ctrl-alt-del" "Domain 'idle' is being shutdown" \
	"$NIDO" shutdown --mode ctrl-alt-del idle
console_send idle "R" >/dev/null
t "after a Ctrl-Alt-Del shutdown, the guest's reboot shuts it off" \
	wait_for 20 state_is idle "shut off (shutdown)"
t_err "an unknown mode is refused" "unknown shutdown mode 'initctl' (acpi, ctrl-alt-del, agent)" \
	"$NIDO" shutdown --mode initctl idle
t_out "list --all shows it shut off" " -    idle   shut off" "$NIDO" list --all
t "its run-time record is gone" test ! -e "$NIDO_RUNTIME_DIR/domains/idle.json"
"$NIDO" start idle >/dev/null
console_send idle "Q" >/dev/null
t "a guest that powers off is shut off (shutdown)" \
	wait_for 20 state_is idle "shut off (shutdown)"

"$NIDO" start idle >/dev/null
pid=$(vm_pid idle)
kill -9 "$pid"
t "a killed VMM is reported crashed, with its exit status" \
	wait_for 20 state_is idle "shut off (crashed: nido-vmm killed by SIGKILL)"
t_out "the next start gets a new id" "Domain 'idle' started" "$NIDO" start idle
t_out "id 5 (ids are not reused)" " 5    idle   running" "$NIDO" list
t_out "destroy" "Domain 'idle' destroyed" "$NIDO" destroy idle
t_out "shut off (destroyed)" "shut off (destroyed)" "$NIDO" domstate --reason idle
t_err "destroy when shut off" "failed to destroy domain 'idle': domain is not running" \
	"$NIDO" destroy idle
t_err "suspend when shut off" "domain is not running" "$NIDO" suspend idle

# Transient domains.
domain_xml tr "$GUEST_IDLE" >"$tmp/tr.xml"
t_out "create starts a transient domain" "Domain 'tr' created from $tmp/tr.xml" \
	"$NIDO" create "$tmp/tr.xml"
t_out "it is listed" "tr     running" "$NIDO" list
t_out "it is not persistent" "Persistent:     no" "$NIDO" dominfo tr
t_err "create with a name in use" "domain 'tr' already exists" "$NIDO" create "$tmp/tr.xml"
t_err "a transient domain cannot be autostarted" "transient" "$NIDO" autostart tr
"$NIDO" destroy tr >/dev/null
t_err "destroyed, it is gone" "failed to get domain 'tr'" "$NIDO" dominfo tr
t "no definition was written for it" test ! -e "$NIDO_STATE_DIR/domains/tr.xml"

# Undefine while running: transient until it stops.
"$NIDO" start idle >/dev/null
t_out "undefine a running domain" "has been undefined" "$NIDO" undefine idle
t_out "it keeps running, transient" "Persistent:     no" "$NIDO" dominfo idle
"$NIDO" destroy idle >/dev/null
t_err "once stopped it is gone" "failed to get domain 'idle'" "$NIDO" dominfo idle

# A VMM that refuses its kernel.
domain_xml badk /bin/true >"$tmp/badk.xml"
"$NIDO" define "$tmp/badk.xml" >/dev/null
t_err "nido-vmm's own error reaches the user" \
	"error: failed to start domain 'badk': nido-vmm exited with status 1:" "$NIDO" start badk
t_out "shut off (failed)" "shut off (failed)" "$NIDO" domstate --reason badk
t_out "the daemon still serves" "badk" "$NIDO" list --all
done_testing
