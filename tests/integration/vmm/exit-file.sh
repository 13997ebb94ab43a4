#!/usr/bin/env bash
# For a supervisor that is not nido-vmm's parent (docs/vmm-api.md): the
# status reply names the console (a pty's /dev/pts/N, a unix socket's
# path), and --exit-file records how the VM ended (power-off, signal,
# error; the reboot case is in guest-devices.sh), replaced atomically.
. "$(dirname "$0")/lib.sh"
need_kvm

sock=$tmp/api.sock
exitf=$tmp/exit.json
field() # json key: the value in the JSON on stdin
{
	python3 -c 'import json,sys; v=json.loads(sys.stdin.read()); print(v.get(sys.argv[1]))' "$1"
}
start_vm() # nido-vmm options...
{
	rm -f "$sock"
	timeout -s KILL 120 "$vmm" --kernel "$guests/guest-api" --memory 64 \
		--api "unix:$sock" --exit-file "$exitf" "$@" \
		</dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
}

# A pty console: status names it, and it is the one nido-vmm logged.
start_vm --console pty
r=$(api '{"command": "status"}')
pts=$(field console <<<"$r")
[[ $pts == /dev/pts/* ]] && [ -c "$pts" ] && grep -q "console on $pts" "$tmp/err"
ok $? "status names the pty console ($pts)"
echo '{"stale": true}' >"$exitf"
r=$(api '{"command": "power-off"}')
wait "$pid"
status=$?
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v == {"status": 0, "reason": "poweroff", "message": "guest powered off"}, v
' "$exitf"
ok $? "power-off: the exit file says status 0, poweroff (nido-vmm: $status)"
! ls -a "$tmp" | grep -q '\.tmp-'
ok $? "no temporary file is left next to the exit file"

# A unix console: status gives its path.
start_vm --console "unix:$tmp/console.sock"
r=$(api '{"command": "status"}')
[ "$(field console <<<"$r")" = "$tmp/console.sock" ]
ok $? "status names the unix console's path ($r)"
kill -TERM "$pid"
wait "$pid"
status=$?
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["status"] == 4 and v["reason"] == "signal" and v["message"], v
' "$exitf" && [ "$status" -eq 4 ]
ok $? "SIGTERM: the exit file says status 4, signal (nido-vmm: $status)"

# No console to name: no "console" key.
start_vm --console none
r=$(api '{"command": "status"}')
[ "$(field console <<<"$r")" = None ]
ok $? "--console none: status has no console"
api '{"command": "power-off"}' >/dev/null
wait "$pid"

# An error before the guest runs: the message is the one on stderr.
"$vmm" --kernel "$tmp/missing-kernel" --exit-file "$exitf" \
	</dev/null >/dev/null 2>"$tmp/err"
status=$?
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read()
assert v["status"] == 1 and v["reason"] == "error", v
assert "missing-kernel" in v["message"] and v["message"] in err, (v, err)
' "$exitf" "$tmp/err" && [ "$status" -eq 1 ]
ok $? "an error: the exit file says status 1, error, and why"

# Bad usage after --exit-file: status 2, an error.
"$vmm" --exit-file "$exitf" --kernel k stray </dev/null >/dev/null 2>&1
status=$?
[ "$status" -eq 2 ] && [ "$(field status <"$exitf")" = 2 ] &&
	grep -q "unexpected argument 'stray'" "$exitf"
ok $? "bad usage: the exit file says status 2, error (nido-vmm: $status)"

# The same from the JSON configuration.
rm -f "$exitf"
printf '{"kernel": "%s", "exit_file": "%s"}\n' "$tmp/missing-kernel" "$exitf" >"$tmp/vm.json"
"$vmm" --config "$tmp/vm.json" </dev/null >/dev/null 2>&1
[ "$(field reason <"$exitf")" = error ]
ok $? "\"exit_file\" in --config works like --exit-file"

# The exit file's directory must be writable: a warning, same status.
"$vmm" --kernel "$tmp/missing-kernel" --exit-file "$tmp/no/such/dir/x" \
	</dev/null >/dev/null 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] && grep -q 'exit file' "$tmp/err"
ok $? "an exit file that cannot be written is a warning (status $status)"
done_testing
