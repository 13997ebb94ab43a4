#!/usr/bin/env bash
# Containers across daemon restarts: a running container keeps running
# while nidod stops (SIGTERM or SIGKILL); the next nidod re-attaches to
# it (state, console through the keeper, suspend, resume, destroy); a
# container that ended while no daemon ran is shown shut off.
. "$(dirname "$0")/lib.sh"

if ! ct_usable; then
	echo "1..0 # SKIP containers need root, busybox-static and user namespaces"
	exit 0
fi
root=$tmp/root
make_rootfs "$root"
chmod 755 "$tmp"
cat >"$root/etc/inittab" <<'TAB'
::respawn:/bin/sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/out/count; usleep 100000; done'
console::respawn:/bin/sh
TAB
count() { cat "$root/out/count" 2>/dev/null; }
grows() {
	local c
	c=$(count)
	[ -n "$c" ] && [ "$c" -gt "$1" ]
}

ct_xml keep "$root" /sbin/init >"$tmp/keep.xml"
ct_xml gone "$root" /bin/sleep 100000 >"$tmp/gone.xml"
start_daemon
"$NIDO" define "$tmp/keep.xml" >/dev/null
"$NIDO" define "$tmp/gone.xml" >/dev/null
"$NIDO" start keep >/dev/null
"$NIDO" start gone >/dev/null
wait_for 30 grows 2
pid=$(ct_pid keep)
gpid=$(ct_pid gone)

stop_daemon TERM
t "the container outlives the daemon (SIGTERM)" kill -0 "$pid"
c=$(count)
t "it keeps running while no daemon runs" wait_for 30 grows "$c"
kill -9 "$gpid"
start_daemon
t_out "a restarted daemon re-attaches to it" "running (booted)" \
	"$NIDO" domstate --reason keep
t_out "the same init" "$pid" ct_pid keep
t_out "a container that ended meanwhile is shut off" "shut off" \
	"$NIDO" domstate gone
t_out "its console still answers (taken back from the keeper)" \
	"after-restart-7" console_send keep $'echo after-restart-$((3 + 4))\r'
t_out "suspend after re-attaching" "Domain 'keep' suspended" "$NIDO" suspend keep
t_out "resume after re-attaching" "Domain 'keep' resumed" "$NIDO" resume keep

stop_daemon KILL
t "the container outlives a killed daemon" kill -0 "$pid"
start_daemon
t_out "re-attached after SIGKILL too" "running" "$NIDO" domstate keep
cgs=$(ct_cgroups keep)
t_out "destroy after re-attaching" "Domain 'keep' destroyed" "$NIDO" destroy keep
# (no longer our child: its new parent reaps it, maybe a moment later)
t "its init is gone" wait_for 10 sh -c "! kill -0 $pid 2>/dev/null"
left=
for d in $cgs; do [ -d "$d" ] && left="$left $d"; done
t "its cgroups are removed" test -z "$left"
# keepers are forks of nidod with this test's environment
keepers() {
	local p
	for p in $(pgrep -f "$NIDOD"); do
		[ "$p" != "$(daemon_pid)" ] &&
			grep -qz "NIDO_STATE_DIR=$tmp/state" "/proc/$p/environ" 2>/dev/null &&
			echo "$p"
	done
}
no_keepers() { [ -z "$(keepers)" ]; }
t "no console keeper is left" wait_for 10 no_keepers

done_testing
