#!/usr/bin/env bash
# The control socket (docs/vmm-api.md): status, pause, resume, stats, a
# guest-cooperative shutdown through Ctrl-Alt-Del, power-off, bad
# requests (snapshot requests without disks among them); the socket file is removed at exit.
. "$(dirname "$0")/lib.sh"
need_kvm

sock=$tmp/api.sock
field() # json key
{
	python3 -c 'import json,sys; v=json.loads(sys.stdin.read()); print(v.get(sys.argv[1]))' "$1"
}
start_vm()
{
	timeout -s KILL 120 "$vmm" --kernel "$guests/guest-api" --memory 64 \
		--cpus 2 --api "unix:$sock" --rng </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		[ -S "$sock" ] && grep -q 'waiting for ctrl-alt-del' "$tmp/out" && break
		sleep 0.1
	done
}

start_vm
r=$(api '{"command": "status"}')
[ "$(field ok <<<"$r")" = True ] && [ "$(field state <<<"$r")" = running ] &&
	[ "$(field vcpus <<<"$r")" = 2 ]
ok $? "status: running, 2 vCPUs ($r)"
[ "$(field boot_time_us <<<"$r")" != None ]
ok $? "status reports the boot time"

r=$(api '{"command": "pause"}')
[ "$(field ok <<<"$r")" = True ] &&
	[ "$(api '{"command": "status"}' | field state)" = paused ]
ok $? "pause: the state is paused"
e1=$(api '{"command": "stats"}' | python3 -c 'import json,sys; print(sum(v["exits"] for v in json.load(sys.stdin)["vcpus"]))')
sleep 0.5
e2=$(api '{"command": "stats"}' | python3 -c 'import json,sys; print(sum(v["exits"] for v in json.load(sys.stdin)["vcpus"]))')
[ "$e1" = "$e2" ]
ok $? "paused vCPUs do not run (exits $e1 then $e2)"
r=$(api '{"command": "shutdown"}')
[ "$(field ok <<<"$r")" = False ]
ok $? "shutdown is refused while paused ($r)"
api '{"command": "resume"}' >/dev/null
sleep 0.3
e3=$(api '{"command": "stats"}' | python3 -c 'import json,sys; print(sum(v["exits"] for v in json.load(sys.stdin)["vcpus"]))')
[ "$e3" -gt "$e2" ]
ok $? "resume: the vCPUs run again (exits $e3)"

r=$(api '{"command": "stats"}')
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
names = [d["name"] for d in r["devices"]]
assert r["ok"] and len(r["vcpus"]) == 2
assert "serial" in names and "virtio-rng" in names
assert r["devices"][0]["bytes_out"] > 0
' "$r"
ok $? "stats: per-vCPU exits and per-device counters"

# the snapshot requests refuse what they cannot use, the VM left running
for req in '{"command": "snapshot-save", "tag": "s", "disks": [0]}' \
	'{"command": "snapshot-save", "tag": "", "disks": [0]}' \
	'{"command": "snapshot-delete", "tag": "s", "disks": "vda"}' \
	'{"command": "snapshot-delete", "tag": "s", "disks": [-1]}' \
	'{"command": "snapshot-external", "disks": [0], "paths": ["/o"]}' \
	'{"command": "snapshot-external", "disks": [0], "paths": ["/o"], "offset": 4096, "memory_offset": 0}' \
	'{"command": "snapshot-external", "disks": [0], "paths": ["/o"], "offset": 100, "memory_offset": 0}' \
	'{"command": "snapshot-external", "disks": [0], "paths": ["/o"], "offset": "x"}'; do
	r=$(api "$req")
	[ "$(field ok <<<"$r")" = False ] && [ "$(field error <<<"$r")" != None ]
	ok $? "refused: $req ($r)"
done
[ "$(api '{"command": "status"}' | field state)" = running ]
ok $? "... and the VM runs on"

r=$(api '{"command": "reboot"}')
[ "$(field ok <<<"$r")" = False ] && grep -q 'unknown command' <<<"$r"
ok $? "an unknown command is an error reply"
r=$(api 'this is not json')
[ "$(field ok <<<"$r")" = False ]
ok $? "a request that is not JSON is an error reply"

r=$(api '{"command": "shutdown"}')
[ "$(field ok <<<"$r")" = True ]
ok $? "shutdown sends Ctrl-Alt-Del"
wait "$pid"
status=$?
out=$(tr -d '\r' <"$tmp/out")
guest_tap api
[ "$status" -eq 0 ]
ok $? "the guest powered off after Ctrl-Alt-Del: status 0 (got $status)"
[ ! -e "$sock" ]
ok $? "the socket file is removed at exit"

# --paused (QEMU's -S): the vCPUs are held before their first
# instruction until "resume".
timeout -s KILL 120 "$vmm" --kernel "$guests/guest-api" --memory 64 \
	--cpus 2 --api "unix:$sock" --paused </dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
sleep 0.5
r=$(api '{"command": "status"}')
[ "$(field state <<<"$r")" = paused ]
ok $? "--paused: the state is paused ($r)"
exits=$(api '{"command": "stats"}' | python3 -c 'import json,sys; print(sum(v["exits"] for v in json.load(sys.stdin)["vcpus"]))')
[ "$exits" = 0 ] && ! grep -q . "$tmp/out"
ok $? "--paused: no vCPU has run, the guest wrote nothing (exits $exits)"
api '{"command": "resume"}' >/dev/null
for _ in $(seq 100); do
	grep -q 'waiting for ctrl-alt-del' "$tmp/out" && break
	sleep 0.1
done
grep -q 'waiting for ctrl-alt-del' "$tmp/out"
ok $? "--paused: after resume the guest boots"
api '{"command": "shutdown"}' >/dev/null
wait "$pid"
ok $? "--paused: the guest powered off as usual"

# The console on a unix socket: a client reads the guest's output.
csock=$tmp/console.sock
timeout -s KILL 120 "$vmm" --kernel "$guests/guest-api" --memory 64 \
	--api "unix:$sock" --console "unix:$csock" </dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [ -S "$csock" ] && [ -S "$sock" ] && break; sleep 0.1; done
python3 - "$csock" "$sock" >"$tmp/console" <<'PY'
import socket, sys
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1])
c.settimeout(60)
buf = b""
a = socket.socket(socket.AF_UNIX)
a.connect(sys.argv[2])
a.sendall(b'{"command": "shutdown"}\n')
a.recv(4096)
while True:
    chunk = c.recv(4096)
    if not chunk:
        break
    buf += chunk
print(buf.decode(errors="replace").replace("\r", ""))
PY
wait "$pid"
status=$?
grep -q 'ctrl-alt-del arrived' "$tmp/console" && [ "$status" -eq 0 ]
ok $? "--console unix: a client sees the guest's output (status $status)"
[ ! -e "$csock" ]
ok $? "the console socket file is removed at exit"

start_vm
r=$(api '{"command": "power-off"}')
wait "$pid"
status=$?
[ "$(field ok <<<"$r")" = True ] && [ "$status" -eq 0 ]
ok $? "power-off ends nido-vmm with status 0 (got $status)"
# a guest that floods its serial port, a pty console nobody reads: the
# output the pty cannot take is dropped, and the vCPU is never stuck in
# write(), so a pause (what save, snapshots and pivots begin with) ends
timeout -s KILL 120 "$vmm" --kernel "$guests/guest-flood" --memory 64 \
	--api "unix:$sock" --console pty </dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
dropped=0
for _ in $(seq 300); do
	dropped=$(api '{"command": "stats"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0]["dropped_out"])')
	[ "$dropped" -gt 0 ] && break
	sleep 0.1
done
[ "$dropped" -gt 0 ]
ok $? "a pty nobody reads fills and its output is dropped ($dropped bytes)"
r=$(timeout 20 bash -c "$(declare -f api); sock=$sock api '{\"command\": \"pause\"}'")
[ "$(field ok <<<"$r")" = True ] &&
	[ "$(api '{"command": "status"}' | field state)" = paused ]
ok $? "... and the flooding guest still pauses ($r)"
api '{"command": "resume"}' >/dev/null
r=$(api '{"command": "power-off"}')
wait "$pid"
[ "$(field ok <<<"$r")" = True ]
ok $? "... then resumes and powers off"
done_testing
