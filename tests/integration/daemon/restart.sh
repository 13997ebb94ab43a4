#!/usr/bin/env bash
# State across daemon restarts: a running VM survives the daemon (SIGTERM
# or SIGKILL) and the next daemon re-attaches to it; how a re-attached VM
# ended comes from nido-vmm's exit file; a VM that died while no daemon
# ran is shown shut off; autostart; ids are kept.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon
domain_xml idle "$GUEST_IDLE" >"$tmp/idle.xml"
domain_xml other "$GUEST_IDLE" >"$tmp/other.xml"
"$NIDO" define "$tmp/idle.xml" >/dev/null
"$NIDO" define "$tmp/other.xml" >/dev/null
"$NIDO" start other >/dev/null
"$NIDO" start idle >/dev/null
pid=$(vm_pid idle)
t_out "two domains running" " 2    idle    running" "$NIDO" list
"$NIDO" suspend other >/dev/null

stop_daemon TERM
t "the VM outlives the daemon (SIGTERM)" kill -0 "$pid"
start_daemon
t_out "a restarted daemon re-attaches, same id" " 2    idle    running" "$NIDO" list
t_out "the state and reason are kept" "running (booted)" "$NIDO" domstate --reason idle
t_out "a paused domain stays paused" " 1    other   paused" "$NIDO" list
t_out "the console still works" "Connected to domain 'idle'" console_send idle "x"
t "the re-attached daemon took back each VM's console master (pidfd_getfd)" \
	sh -c "[ \$(ls -l /proc/$(daemon_pid)/fd | grep -c /dev/ptmx) = 2 ]"
t_out "resume after re-attaching" "Domain 'other' resumed" "$NIDO" resume other
t_out "suspend after re-attaching" "Domain 'idle' suspended" "$NIDO" suspend idle
t_out "resume" "Domain 'idle' resumed" "$NIDO" resume idle
t_out "domstats after re-attaching" "state.state=1" "$NIDO" domstats idle

stop_daemon KILL
t "the VM outlives a killed daemon" kill -0 "$pid"
start_daemon
t_out "re-attached after SIGKILL too" " 2    idle    running" "$NIDO" list
t_out "the next id continues after the re-attached ones" "Domain 'other' destroyed" \
	"$NIDO" destroy other
"$NIDO" start other >/dev/null
t_out "other gets id 3" " 3    other   running" "$NIDO" list

vmm_command() { # domain command: sends a command to nido-vmm's control socket
	python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(('{\"command\":\"%s\"}\n' % sys.argv[2]).encode())
s.makefile().readline()" "$NIDO_RUNTIME_DIR/domains/$1.sock" "$2"
}

# A VM that ends while no daemon runs: its exit file says how.
opid=$(vm_pid other)
stop_daemon TERM
kill -9 "$opid"
wait_for 10 sh -c "! kill -0 $opid 2>/dev/null"
start_daemon
t_out "a VM killed meanwhile is shown shut off (crashed), and why" \
	"shut off (crashed: nido-vmm ended without writing its exit file" \
	"$NIDO" domstate --reason other
t "its run-time record is gone" test ! -e "$NIDO_RUNTIME_DIR/domains/other.json"
"$NIDO" start other >/dev/null
opid=$(vm_pid other)
stop_daemon TERM
vmm_command other power-off
wait_for 10 sh -c "! kill -0 $opid 2>/dev/null"
start_daemon
t_out "a VM that powered off meanwhile is shut off (shutdown)" "shut off (shutdown)" \
	"$NIDO" domstate --reason other
t "its exit file and record are gone" sh -c "test ! -e '$NIDO_RUNTIME_DIR/domains/other.exit' && test ! -e '$NIDO_RUNTIME_DIR/domains/other.json'"

# A re-attached VM is not the daemon's child: nido-vmm's exit file
# (--exit-file) says how it ended.
kill -9 "$pid"
t "a re-attached VM that is killed is seen" wait_for 20 state_starts idle "shut off (crashed"
t_out "it says why (no exit file)" "without writing its exit file" "$NIDO" domstate --reason idle

"$NIDO" start idle >/dev/null
stop_daemon TERM
start_daemon
t_out "re-attached again" "running (booted)" "$NIDO" domstate --reason idle
vmm_command idle power-off
t "a re-attached VM that powers off is shut off (shutdown)" \
	wait_for 20 state_is idle "shut off (shutdown)"
t "its exit file is removed" test ! -e "$NIDO_RUNTIME_DIR/domains/idle.exit"
"$NIDO" start idle >/dev/null
pid=$(vm_pid idle)
stop_daemon TERM
start_daemon
kill -TERM "$pid"
t "a re-attached VM stopped by SIGTERM is shut off (destroyed)" \
	wait_for 20 state_is idle "shut off (destroyed: nido-vmm was stopped by a signal)"

# Destroy after re-attaching.
"$NIDO" start idle >/dev/null
pid=$(vm_pid idle)
stop_daemon TERM
start_daemon
t_out "destroy a re-attached VM" "Domain 'idle' destroyed" "$NIDO" destroy idle
t "its process is gone" wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
t_out "shut off (destroyed)" "shut off (destroyed)" "$NIDO" domstate --reason idle

# Autostart.
"$NIDO" autostart idle >/dev/null
stop_daemon TERM
start_daemon
t_out "an autostarted domain starts with the daemon" "running (booted)" \
	"$NIDO" domstate --reason idle
t_out "one that is not stays off" "shut off" "$NIDO" domstate other

# A transient domain survives a restart too.
domain_xml tr "$GUEST_IDLE" >"$tmp/tr.xml"
"$NIDO" create "$tmp/tr.xml" >/dev/null
stop_daemon TERM
start_daemon
t_out "a running transient domain is re-attached" "Persistent:     no" "$NIDO" dominfo tr
"$NIDO" destroy tr >/dev/null
t_err "and is gone once destroyed" "failed to get domain 'tr'" "$NIDO" dominfo tr
"$NIDO" destroy idle >/dev/null

# A definition changed while the domain runs applies at the next start.
"$NIDO" start idle >/dev/null
sed 's|<memory unit=.MiB.>32</memory>|<memory unit="MiB">48</memory>|' "$tmp/idle.xml" >"$tmp/idle2.xml"
"$NIDO" define "$tmp/idle2.xml" >/dev/null
t_out "the live definition is unchanged" "Max memory:     32768 KiB" "$NIDO" dominfo idle
t_out "dumpxml --inactive shows the next one" "49152" "$NIDO" dumpxml --inactive idle
stop_daemon TERM
start_daemon
t_out "still the live one after a restart" "Max memory:     32768 KiB" "$NIDO" dominfo idle
"$NIDO" destroy idle >/dev/null
t_out "the new one after it stops" "Max memory:     49152 KiB" "$NIDO" dominfo idle
done_testing
