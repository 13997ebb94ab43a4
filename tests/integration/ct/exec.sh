#!/usr/bin/env bash
# A command inside a running container (docs/containers.md, "Commands
# inside"): nido exec and lxc-enter-namespace run it in every namespace
# of the container (the same user, mnt, pid, uts, ipc, net and cgroup
# namespaces as its init, in its cgroup), as its root (uid 0 inside, the
# range's first uid on the host) with the init's capability bound and
# seccomp profile; stdin, stdout, stderr and the exit status carried
# back; a stopped, a paused or a missing command is a clear error.
. "$(dirname "$0")/lib.sh"

if ! ct_usable; then
	echo "1..0 # SKIP containers need root, busybox-static and user namespaces"
	exit 0
fi
root=$tmp/root
make_rootfs "$root"
chmod 755 "$tmp"
ct_xml ex "$root" /bin/sh -c 'echo init-marker >/dev/null; while :; do sleep 1; done' >"$tmp/ex.xml"
ct_xml off "$root" /bin/true >"$tmp/off.xml"
start_daemon
"$NIDO" define "$tmp/ex.xml" >/dev/null
"$NIDO" define "$tmp/off.xml" >/dev/null
t_out "start a container" "Domain 'ex' started" "$NIDO" start ex
init=$(ct_pid ex)

t_exact() { # DESC EXPECTED CMD...: CMD prints exactly EXPECTED
	local desc=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1)
	[ "$out" = "$want" ] && ok "$desc" || not_ok "$desc" "expected: $want" "got: $out"
}
t_exact "exec sees the container's host name" "ex" "$NIDO" exec ex -- hostname
t_out "pid 1 is the container's init" "init-marker" \
	"$NIDO" exec ex -- sh -c 'tr "\\0" " " </proc/1/cmdline'
t_exact "id -u is 0 inside" "0" "$NIDO" exec ex -- id -u
t_exact "every namespace is the init's" "same" "$NIDO" exec ex -- sh -c \
	'for n in user mnt pid uts ipc net cgroup; do [ "$(readlink /proc/self/ns/$n)" = "$(readlink /proc/1/ns/$n)" ] || echo "$n differs"; done; echo same'
t_exact "... and not the host's (net, as the host sees the init's)" \
	"$(readlink /proc/"$init"/ns/net)" "$NIDO" exec ex -- readlink /proc/self/ns/net
t_exact "its capability bound is the init's" \
	"$(grep CapBnd /proc/"$init"/status)" "$NIDO" exec ex -- grep CapBnd /proc/self/status
t_exact "the seccomp profile is loaded (mode 2, filter)" "Seccomp:	2" \
	"$NIDO" exec ex -- grep '^Seccomp:' /proc/self/status
t "mknod fails inside, as for the init" sh -c "! '$NIDO' exec ex -- mknod /tmp/null c 1 3"

# the command seen from the host: the range's first uid, in the
# container's cgroup
"$NIDO" exec ex -- sleep 3001 >"$tmp/bg.out" 2>&1 &
bg=$!
find_sleep() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		[ "$({ tr '\0' ' ' <"$f"; } 2>/dev/null)" = "sleep 3001 " ] && {
			f=${f#/proc/}
			echo "${f%/cmdline}"
			return 0
		}
	done
	return 1
}
t "the command runs" wait_for 20 find_sleep
sp=$(find_sleep)
t_out "on the host it is uid $CT_BASE, not root" "$CT_BASE" \
	awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$sp/status"
t "it is in the container's cgroup" grep -qx "$sp" "$(ct_cg ex pids)/cgroup.procs"
t "domstats counts the container's processes (its init, sleep, the command)" \
	sh -c "'$NIDO' domstats ex | grep -Eq 'pids.current=([3-9]|[1-9][0-9])'"

t_exact "stdin reaches the command, stdout comes back" "hello 42" \
	sh -c "echo 'hello 42' | '$NIDO' exec ex -- cat"
t_exact "stderr comes back on stderr" "to-err" \
	sh -c "'$NIDO' exec ex -- sh -c 'echo to-out; echo to-err >&2' 2>&1 >/dev/null"
"$NIDO" exec ex -- sh -c 'exit 7' >/dev/null 2>&1
t "the exit status comes back (7)" test $? -eq 7
t_exact "lxc-enter-namespace (virsh's verb, --noseclabel) does the same" "ex 0" \
	"$NIDO" lxc-enter-namespace ex --noseclabel -- sh -c 'echo $(hostname) $(id -u)'
t_err "a command that is not there: named" \
	"executing 'no-such-cmd' in the container: No such file or directory" \
	"$NIDO" exec ex -- no-such-cmd
t_err "no command: said" "requires <cmd>" "$NIDO" exec ex
t_err "exec on a stopped container is an error" "domain 'off' is not running" \
	"$NIDO" exec off -- true
t_err "... as on a missing one" "failed to get domain 'nope'" "$NIDO" exec nope -- true
domain_xml vm "$GUEST_IDLE" >"$tmp/vm.xml"
"$NIDO" define "$tmp/vm.xml" >/dev/null
t_err "... and on a machine" "domain 'vm' is not a container" "$NIDO" exec vm -- true
"$NIDO" suspend ex >/dev/null
t_err "... and on a paused one" "domain 'ex' is paused" "$NIDO" exec ex -- true
"$NIDO" resume ex >/dev/null
t_exact "exec works again after resume" "0" "$NIDO" exec ex -- id -u

# A client that leaves (killed, its connection gone) leaves its command
# running, as docker exec and lxc-attach do: it ends with the container.
chmod 777 "$root/out"
"$NIDO" exec ex -- sh -c 'echo $$ >/out/left-pid; while [ ! -e /out/go ]; do usleep 50000; done; echo survived >/out/after' &
client=$!
t "a command runs (its client still there)" wait_for 30 test -s "$root/out/left-pid"
kill -9 "$client"
wait "$client" 2>/dev/null
touch "$root/out/go"
t "its client killed, the command runs on to its end" \
	wait_for 30 grep -q survived "$root/out/after"
t_exact "the daemon serves the next exec" "0" "$NIDO" exec ex -- id -u

t_out "destroy the container" "Domain 'ex' destroyed" "$NIDO" destroy ex
wait "$bg"
rc=$?
t "the running command ended with it (killed: status $rc)" test "$rc" -ge 128
t "... no process of it is left" sh -c "! kill -0 $sp 2>/dev/null"
done_testing
