#!/usr/bin/env bash
# <serial><log file= append=> on the kvm driver: what the guest sends
# to its serial port is in the file whether or not a console is
# attached, truncated at each start unless append='on'; a log that is a
# symbolic link fails the start by name; of <serial> and <console>
# naming two files for the one port, the serial port's is written and
# the console's warned about (as the qemu driver does).
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon
log=$tmp/serial.log
# serial_xml NAME LOG-ELEMENT: the idle guest, its port logged.
serial_xml() {
	domain_xml "$1" "$GUEST_IDLE" | sed "s|<serial type='pty'/>|<serial type='pty'><target port='0'/>$2</serial>|"
}
# logged WORD [FILE]: within 30 s the log has WORD.
logged() {
	for _ in $(seq 150); do
		grep -q -- "$1" "${2:-$log}" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

serial_xml lg "<log file='$log'/>" >"$tmp/lg.xml"
t_out "define a guest whose serial port is logged" "Domain 'lg' defined" \
	"$NIDO" define "$tmp/lg.xml"
t_out "dumpxml keeps the <log>" "<log file='$log'" "$NIDO" dumpxml lg
t_out "start" "Domain 'lg' started" "$NIDO" start lg
t "the guest's first words are in the log, no console attached" logged "idle guest up"
t "the log is 0600" test "$(stat -c %a "$log")" = 600
console_send lg "ping-into-log" >/dev/null
t "what the guest echoes on the console is logged too" logged "ping-into-log"
t_out "destroy" "destroyed" "$NIDO" destroy lg
t_out "start again" "started" "$NIDO" start lg
logged "idle guest up"
t "without append='on' the log starts afresh" \
	test "$(grep -c 'idle guest up' "$log")" = 1
t "... and lost the echo of the last run" bash -c "! grep -q ping-into-log '$log'"
t_out "destroy" "destroyed" "$NIDO" destroy lg

sed "s|<log file='$log'/>|<log file='$log' append='on'/>|" "$tmp/lg.xml" >"$tmp/lga.xml"
"$NIDO" define "$tmp/lga.xml" >/dev/null
t_out "append='on': start" "started" "$NIDO" start lg
for _ in $(seq 150); do
	[ "$(grep -c 'idle guest up' "$log")" = 2 ] && break
	sleep 0.2
done
t "... the log goes on after the last run's" test "$(grep -c 'idle guest up' "$log")" = 2
t_out "destroy" "destroyed" "$NIDO" destroy lg

# hostile: the log a symbolic link (to a file nidod must not write)
echo keep >"$tmp/victim"
ln -s "$tmp/victim" "$tmp/link.log"
serial_xml sl "<log file='$tmp/link.log'/>" >"$tmp/sl.xml"
"$NIDO" define "$tmp/sl.xml" >/dev/null
t_err "a log that is a symbolic link fails the start by name" "console log '$tmp/link.log'" \
	"$NIDO" start sl
t "... the file it points to is untouched" test "$(cat "$tmp/victim")" = keep
t_out "... and the domain is shut off" "shut off" "$NIDO" domstate sl

domain_xml two "$GUEST_IDLE" "<console type='pty'><target type='serial' port='0'/><log file='$tmp/b.log'/></console>" |
	sed "s|<serial type='pty'/>|<serial type='pty'><log file='$tmp/a.log'/></serial>|" >"$tmp/two.xml"
t_out "<serial> and <console> logging the port to two files: the console's is warned about" \
	"<console> <log file='$tmp/b.log'>: not acted on, the serial port's <log> is" \
	"$NIDO" define "$tmp/two.xml"
t_out "... the domain stays on nido-vmm" "" bash -c "! '$NIDO' dumpxml two | grep -q '<emulator>'"
"$NIDO" start two >/dev/null
t "... the serial port's log is the one written" logged "idle guest up" "$tmp/a.log"
t "... not the console's" test ! -e "$tmp/b.log"
"$NIDO" destroy two >/dev/null
finish_daemon
done_testing
