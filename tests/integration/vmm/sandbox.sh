#!/usr/bin/env bash
# The sandbox of a standalone nido-vmm started as root (docs/security.md):
# the VM runs in a new pid namespace behind a relay, as an unprivileged
# identity, with no capabilities, no_new_privs and its seccomp filter;
# the relay passes SIGTERM on and removes the control socket. With
# --no-sandbox it runs as root and says so.
. "$(dirname "$0")/lib.sh"
need_kvm
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the sandbox's identity and namespaces need root"
	exit 0
fi

sock=$tmp/api.sock
field() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
start_vm() # extra options
{
	rm -f "$sock"
	timeout -s KILL 120 "$vmm" --kernel "$guests/guest-api" --memory 64 \
		--api "unix:$sock" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && grep -q 'waiting for ctrl-alt-del' "$tmp/out" && break
		sleep 0.1
	done
	# the VM: the one process of the tree whose NSpid ends in 1
	vm=$pid
	for p in $(pgrep -P "$pid") $(pgrep -P "$(pgrep -P "$pid" | head -n1)" 2>/dev/null); do
		awk '$1 == "NSpid:" && $NF == 1 { found = 1 } END { exit !found }' "/proc/$p/status" 2>/dev/null && vm=$p
	done
}

start_vm
[ "$vm" != "$pid" ]
ok $? "the VM runs in a child, pid 1 of a new pid namespace"
uid=$(field "$vm" Uid)
[ -n "$uid" ] && [ "$uid" -ne 0 ]
ok $? "as an unprivileged uid ($uid)"
[ "$(field "$vm" CapEff)" = 0000000000000000 ] && [ "$(field "$vm" CapBnd)" = 0000000000000000 ]
ok $? "without capabilities"
[ "$(field "$vm" Seccomp)" = 2 ] && [ "$(field "$vm" NoNewPrivs)" = 1 ]
ok $? "under its seccomp filter, with no_new_privs"
[ -z "$(ls -A "/proc/$vm/root/")" ]
ok $? "with none of the host's files in sight"
r=$(api '{"command": "status"}')
grep -q '"state":"running"' <<<"$r"
ok $? "its control socket answers ($r)"
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 4 ]
ok $? "SIGTERM to the relay stops the VM: status 4 (got $status)"
[ ! -e "$sock" ]
ok $? "the relay removed the control socket"

start_vm --no-sandbox
[ "$(field "$pid" Uid)" = 0 ] && [ "$vm" = "$pid" ]
ok $? "--no-sandbox: one process, as root"
grep -q 'running without the sandbox' "$tmp/err"
ok $? "... and it says so"
kill -TERM "$pid"
wait "$pid"

start_vm --sandbox-id 4000123:4000124
[ "$(field "$vm" Uid)" = 4000123 ] && [ "$(field "$vm" Gid)" = 4000124 ]
ok $? "--sandbox-id picks the identity"
kill -TERM "$pid"
wait "$pid"
expect_status=$(
	"$vmm" --kernel "$guests/guest-api" --sandbox-id 0 </dev/null >/dev/null 2>"$tmp/err"
	echo $?
)
[ "$expect_status" -eq 2 ] && grep -q "sandbox-id '0'" "$tmp/err"
ok $? "--sandbox-id 0 is refused ($(cat "$tmp/err"))"
done_testing
