#!/usr/bin/env bash
# vCPU hot add and remove (docs/vmm-api.md "set-vcpus"): guests/cpuhp
# starts with 1 of 2 vCPUs, checks the ACPI tables and the hotplug
# registers, enables the hotplug GPE and waits; three times over, the
# control socket adds vCPU 1 (the guest sees it present and added, the
# GPE raised, acknowledges and starts it with INIT/SIPI), then asks for
# its removal (the guest sees it marked, acknowledges and ejects it: the
# count drops and a subscribed client gets "vcpu-removed"). Counts out of
# range are refused by name; a VM without --max-cpus has no hotplug; a
# save taken with a removal pending keeps it.
. "$(dirname "$0")/lib.sh"
need_kvm

sock=$tmp/api.sock
# start_hp OUT [options]: guests/cpuhp with 1 of 2 vCPUs, in the background.
start_hp()
{
	local out=$1
	shift
	rm -f "$sock"
	timeout -s KILL 60 "$vmm" --kernel "$guests/guest-cpuhp" --memory 64 \
		--cpus 1 --max-cpus 2 --api "unix:$sock" "$@" </dev/null \
		>"$out" 2>"$out.err" &
	pid=$!
}
# wait_for FILE PATTERN: up to 20 s.
wait_for()
{
	for _ in $(seq 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# answer REQUEST PATTERN...: the control socket's answer has each PATTERN.
answer()
{
	local req=$1 p
	shift
	r=$(api "$req")
	for p; do grep -q -- "$p" <<<"$r" || return 1; done
}

start_hp "$tmp/out"
wait_for "$tmp/out" 'waiting for a vCPU'
ok $? "the guest waits for a vCPU"
answer '{"command": "status"}' '"vcpus":1,' '"max_vcpus":2'
ok $? "status: 1 vCPU of at most 2 ($r)"
answer '{"command": "set-vcpus", "count": 3}' '"ok":false' '1 to 2'
ok $? "3 vCPUs is refused: the maximum is 2 ($r)"
answer '{"command": "set-vcpus", "count": "two"}' '"ok":false' 'count'
ok $? "a count that is not a number is refused ($r)"
answer '{"command": "set-vcpus", "count": 1}' '"ok":true'
ok $? "set-vcpus to the current count changes nothing ($r)"
# A subscribed client, for the "vcpu-removed" events.
python3 - "$sock" >"$tmp/events" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"command": "subscribe"}\n')
s.settimeout(50)
f = s.makefile()
try:
    for line in f:
        print(line.strip(), flush=True)
except OSError:
    pass
PY
events_pid=$!
# add ROUND OUT: set-vcpus 2, and the guest started vCPU 1.
add()
{
	wait_for "$2" "round $1: waiting for a vCPU"
	answer '{"command": "set-vcpus", "count": 2}' '"ok":true' '"vcpus":2,'
	ok $? "round $1: set-vcpus 2 adds vCPU 1 ($r)"
	wait_for "$2" "round $1: waiting for the removal"
	ok $? "round $1: vCPU 1 ran its start-up code"
}
# removed ROUND OUT: the guest ejected vCPU 1, and the count dropped.
removed()
{
	wait_for "$2" "round $1: vCPU 1 ejected"
	ok $? "round $1: the guest ejected vCPU 1"
	for _ in $(seq 100); do
		answer '{"command": "status"}' '"vcpus":1,' && break
		sleep 0.1
	done
	answer '{"command": "status"}' '"vcpus":1,'
	ok $? "round $1: status: 1 vCPU once ejected ($r)"
}
reply_gens=
for round in 0 1 2; do
	add $round "$tmp/out"
	answer '{"command": "set-vcpus", "count": 1}' '"ok":true' '"vcpus":2,'
	ok $? "round $round: set-vcpus 1 asks the guest; vCPU 1 stays until it ejects ($r)"
	reply_gens+=" $(sed -n 's/.*"vcpus_gen":\([0-9]*\).*/\1/p' <<<"$r")"
	removed $round "$tmp/out"
done
wait_for "$tmp/events" '"event":"vcpu-removed","id":1,"vcpus":1'
ok $? "a subscribed client got vcpu-removed ($(head -c 300 "$tmp/events"))"
[ "$(grep -c vcpu-removed "$tmp/events")" -eq 3 ]
ok $? "one vcpu-removed event per removal"
# each change of the vCPUs present counts: an add, then the eject; so
# each removal's event is one change newer than the answer that asked
# for it, whichever of the two a client reads first
event_gens=$(grep -o '"event":"vcpu-removed"[^}]*"gen":[0-9]*' "$tmp/events" |
	sed 's/.*"gen"://' | tr '\n' ' ')
[ "$(echo $reply_gens)" = "1 3 5" ] && [ "$(echo $event_gens)" = "2 4 6" ]
ok $? "set-vcpus answers vcpus_gen 1 3 5, the events gen 2 4 6 (got: $reply_gens / $event_gens)"
wait_for "$tmp/out" 'waiting for the power button'
r=$(api '{"command": "stats"}')
python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r["vcpus"]) == 1' <<<"$r"
ok $? "stats lists 1 vCPU once vCPU 1 is removed"
api '{"command": "power-button"}' >/dev/null
wait "$pid"
status=$?
kill "$events_pid" 2>/dev/null
wait "$events_pid" 2>/dev/null
out=$(tr -d '\r' <"$tmp/out")
guest_tap cpuhp
[ "$status" -eq 0 ]
ok $? "the guest powered off: status 0 (got $status; $(cat "$tmp/out.err"))"

# A hot-added vCPU is in a save (section 'cpuhp'), and a restore has it;
# a removal asked while paused is kept too, and the restored guest ejects.
start_hp "$tmp/out1" --no-sandbox
add 0 "$tmp/out1"
api '{"command": "pause"}' >/dev/null
answer '{"command": "set-vcpus", "count": 1}' '"ok":true' '"vcpus":2,'
ok $? "second VM, paused: the removal of vCPU 1 is asked ($r)"
answer "{\"command\": \"save\", \"path\": \"$tmp/st\", \"memory\": \"$tmp/mem\"}" '"ok":true'
ok $? "save with a hot-added vCPU and its removal pending ($r)"
api '{"command": "power-off"}' >/dev/null
wait "$pid"
d=$("$vmm" --describe-state "$tmp/st" 2>&1)
grep -q '^  cpuhp .*required' <<<"$d" && grep -q '2 vCPUs present' <<<"$d" &&
	grep -q 'removal asked 0x2 (not yet notified 0x2)' <<<"$d" &&
	grep -q '^  vcpu1 ' <<<"$d" && grep -q '^valid' <<<"$d"
ok $? "the state file has sections cpuhp (2 vCPUs present, removal of vCPU 1 pending) and vcpu1"
rm -f "$sock"
timeout -s KILL 60 "$vmm" --restore "$tmp/st" --api "unix:$sock" \
	--console stdio --no-sandbox </dev/null >"$tmp/out2" 2>"$tmp/out2.err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && answer '{"command": "status"}' '"ok":true' && break
	sleep 0.1
done
# the restored guest sees the removal at once: vCPU 1 goes
removed 0 "$tmp/out2"
for round in 1 2; do
	add $round "$tmp/out2"
	api '{"command": "set-vcpus", "count": 1}' >/dev/null
	removed $round "$tmp/out2"
done
wait_for "$tmp/out2" 'waiting for the power button'
api '{"command": "power-button"}' >/dev/null
wait "$pid"
status=$?
out=$(cat "$tmp/out1" "$tmp/out2" | tr -d '\r')
guest_tap cpuhp
[ "$status" -eq 0 ]
ok $? "the restored guest powered off (status $status; $(cat "$tmp/out2.err"))"

run_guest hello --cpus 1 --max-cpus 0
grep -q 'max-cpus' <<<"$err" && [ "$status" -eq 2 ]
ok $? "--max-cpus 0 is refused ($err)"
run_guest hello --cpus 2 --max-cpus 1
grep -q 'max-cpus 1' <<<"$err" && [ "$status" -ne 0 ]
ok $? "--max-cpus below --cpus is refused ($err)"
done_testing
