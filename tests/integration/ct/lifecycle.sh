#!/usr/bin/env bash
# A container's life cycle through the CLI: suspend freezes it and
# resume lets it go on (the cgroup freezer); the console in and out;
# shutdown reaches busybox init, which powers the container off; reboot
# starts it again; destroy leaves no process and no cgroup.
. "$(dirname "$0")/lib.sh"

if ! ct_usable; then
	echo "1..0 # SKIP containers need root, busybox-static and user namespaces"
	exit 0
fi
root=$tmp/root
make_rootfs "$root"
chmod 755 "$tmp"

# busybox init: a counter, a shell on the console, a mark at shutdown.
cat >"$root/etc/inittab" <<'TAB'
::sysinit:/bin/sh -c 'echo booted >>/out/boots'
::respawn:/bin/sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/out/count; usleep 100000; done'
console::respawn:/bin/sh
::shutdown:/bin/sh -c 'echo bye >/out/bye'
TAB
chown "$CT_BASE:$CT_BASE" "$root/etc/inittab"
count() { cat "$root/out/count" 2>/dev/null; }
grows() { # a value: true when the counter is past it
	local c
	c=$(count)
	[ -n "$c" ] && [ "$c" -gt "$1" ]
}

ct_xml life "$root" /sbin/init >"$tmp/life.xml"
start_daemon
"$NIDO" define "$tmp/life.xml" >/dev/null
t_out "start a container on busybox init" "Domain 'life' started" "$NIDO" start life
t "its counter runs" wait_for 30 grows 3
pid=$(ct_pid life)
t_out "dominfo names the container's OS type" "OS Type:        exe" "$NIDO" dominfo life

t_out "suspend" "Domain 'life' suspended" "$NIDO" suspend life
t_out "domstate says paused" "paused (user)" "$NIDO" domstate --reason life
sleep 0.5 # the freezer may take a moment to reach every task
c1=$(count)
sleep 1.5
c2=$(count)
t "the counter stands still while suspended ($c1, $c2)" test "$c1" = "$c2"
t_out "resume" "Domain 'life' resumed" "$NIDO" resume life
t "the counter goes on after resume" wait_for 30 grows "$c2"
t_out "domstate says running (unpaused)" "running (unpaused)" \
	"$NIDO" domstate --reason life

t_out "the console answers: input reaches the container's shell and its output comes back" \
	"console-ok-42" console_send life $'echo console-ok-$((40 + 2))\r'

t_out "shutdown" "Domain 'life' is being shutdown" "$NIDO" shutdown life
t "busybox init powers the container off" wait_for 60 state_is life "shut off (shutdown)"
t "it ran its shutdown actions" test -e "$root/out/bye"
t "its init is gone" sh -c "! kill -0 $pid 2>/dev/null"

"$NIDO" start life >/dev/null
wait_for 30 grows 3
pid=$(ct_pid life)
t_out "reboot" "Domain 'life' is being rebooted" "$NIDO" reboot life
t "busybox init restarts: a new init runs" \
	wait_for 60 sh -c "p=\$(grep -o '\"pid\":[0-9]*' '$NIDO_RUNTIME_DIR/domains/life.json' | cut -d: -f2); [ -n \"\$p\" ] && [ \"\$p\" != $pid ]"
t_out "... and the domain is running" "running" "$NIDO" domstate life
t "it booted twice" test "$(grep -c booted "$root/out/boots")" -ge 2

# destroy (of a suspended container, which must be thawed to die):
# every process of the container gone, its cgroups removed.
pid=$(ct_pid life)
t_err "destroy --graceful is refused, naming why" "does not end on SIGTERM" \
	"$NIDO" destroy --graceful life
t_out "... and the container runs on" "running" "$NIDO" domstate life
"$NIDO" suspend life >/dev/null
cgs=$(ct_cgroups life)
procs=$(for d in $cgs; do cat "$d/cgroup.procs"; done | sort -u)
t "the container has several processes" test "$(echo "$procs" | wc -l)" -ge 3
t_out "destroy a suspended container" "Domain 'life' destroyed" "$NIDO" destroy life
t_out "it is shut off (destroyed)" "shut off (destroyed)" "$NIDO" domstate --reason life
alive=
for p in $procs; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
t "no process of it is left (of: $(echo $procs))" test -z "$alive"
left=
for d in $cgs; do [ -d "$d" ] && left="$left $d"; done
t "its cgroups are removed" test -z "$left"
t "its console's keeper is gone" sh -c "! pgrep -P $(daemon_pid) >/dev/null"

# start --paused: frozen from its first steps until resume.
rm -f "$root/out/count"
t_out "start --paused" "Domain 'life' started" "$NIDO" start --paused life
t_out "it is paused" "paused (user)" "$NIDO" domstate --reason life
c1=$(count)
sleep 1.5
t "nothing runs in it (counter: '$c1', '$(count)')" test "$c1" = "$(count)"
"$NIDO" resume life >/dev/null
t "resume lets it run" wait_for 30 grows 3
"$NIDO" destroy life >/dev/null

done_testing
