#!/usr/bin/env bash
# vCPU hot add (docs/vmm-api.md "set-vcpus"): guests/cpuhp starts with 1
# of 2 vCPUs, checks the ACPI tables and the hotplug registers, enables
# the hotplug GPE and waits; the control socket adds vCPU 1; the guest
# sees it present and added, the GPE and the SCI raised, acknowledges
# them and starts vCPU 1 with INIT/SIPI. Counts out of range and removal
# are refused by name; a VM without --max-cpus has no hotplug.
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
answer '{"command": "set-vcpus", "count": 2}' '"ok":true' '"vcpus":2,'
ok $? "set-vcpus 2 adds vCPU 1 ($r)"
answer '{"command": "set-vcpus", "count": 1}' '"ok":false' 'hot unplug'
ok $? "removing a vCPU is refused by name ($r)"
wait_for "$tmp/out" 'waiting for the power button'
r=$(api '{"command": "stats"}')
python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r["vcpus"]) == 2' <<<"$r"
ok $? "stats lists 2 vCPUs"
api '{"command": "power-button"}' >/dev/null
wait "$pid"
status=$?
out=$(tr -d '\r' <"$tmp/out")
guest_tap cpuhp
[ "$status" -eq 0 ]
ok $? "the guest powered off: status 0 (got $status; $(cat "$tmp/out.err"))"

# A hot-added vCPU is in a save (section 'cpuhp'), and a restore has it.
start_hp "$tmp/out1" --no-sandbox
wait_for "$tmp/out1" 'waiting for a vCPU'
api '{"command": "set-vcpus", "count": 2}' >/dev/null
wait_for "$tmp/out1" 'waiting for the power button'
ok $? "second VM: vCPU 1 added and started"
api '{"command": "pause"}' >/dev/null
answer "{\"command\": \"save\", \"path\": \"$tmp/st\", \"memory\": \"$tmp/mem\"}" '"ok":true'
ok $? "save with a hot-added vCPU ($r)"
api '{"command": "power-off"}' >/dev/null
wait "$pid"
d=$("$vmm" --describe-state "$tmp/st" 2>&1)
grep -q '^  cpuhp .*required' <<<"$d" && grep -q '2 vCPUs present' <<<"$d" &&
	grep -q '^  vcpu1 ' <<<"$d" && grep -q '^valid' <<<"$d"
ok $? "the state file has sections cpuhp (2 vCPUs present) and vcpu1"
rm -f "$sock"
timeout -s KILL 60 "$vmm" --restore "$tmp/st" --api "unix:$sock" \
	--console stdio --no-sandbox </dev/null >"$tmp/out2" 2>"$tmp/out2.err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && answer '{"command": "status"}' '"ok":true' && break
	sleep 0.1
done
answer '{"command": "status"}' '"vcpus":2,' '"max_vcpus":2'
ok $? "the restored VM has 2 vCPUs of 2 ($r)"
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
