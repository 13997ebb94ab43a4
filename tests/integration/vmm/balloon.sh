#!/usr/bin/env bash
# virtio-balloon (docs/vmm.md, "Balloon"): guests/balloon.c touches
# 16 MiB, the control socket's "balloon" asks it to keep 48 of its
# 64 MiB, the guest gives 4096 pages and nido-vmm hands them back to the
# host (its resident memory falls); "balloon-info" reports the target,
# what the guest keeps and its statistics, and each call asks for
# fresh ones. Bad requests are refused by name.
. "$(dirname "$0")/lib.sh"
need_kvm

sock=$tmp/api.sock
wait_for()
{
	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# The resident memory of the VM's process (under timeout, nido-vmm runs
# the VM in a child of its own: the largest of the processes).
rss_kib()
{
	local p max=0 v
	for p in $(pgrep -f "guest-balloon"); do
		v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		[ -n "$v" ] && [ "$v" -gt "$max" ] && max=$v
	done
	echo "$max"
}

timeout -s KILL 120 "$vmm" --kernel "$guests/guest-balloon" --memory 64 \
	--balloon --api "unix:$sock" --console stdio </dev/null \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_for "$tmp/out" '^touched 16 MiB'
ok $? "the guest touched 16 MiB"
before=$(rss_kib)
r=$(api '{"command": "balloon", "target": 50331648}')
grep -q '"target":50331648' <<<"$r" && grep -q '"ram":67108864' <<<"$r" &&
	grep -q '"unused":19088743' <<<"$r" && grep -q '"available":67108864' <<<"$r"
ok $? "balloon: the guest is asked to keep 48 MiB; its statistics ($r)"
wait_for "$tmp/out" '^inflated 4096'
ok $? "the guest gives the 4096 pages asked for"
after=$(rss_kib)
[ -n "$before" ] && [ -n "$after" ] && [ $((before - after)) -ge 12288 ]
ok $? "nido-vmm's resident memory falls by at least 12 MiB ($before -> $after KiB)"
r=$(api '{"command": "balloon-info"}')
grep -q '"actual":50331648' <<<"$r"
ok $? "balloon-info: what the guest keeps ($r)"
wait_for "$tmp/out" '^stats lent again'
ok $? "the host asked the guest for fresh statistics"
for _ in $(seq 50); do
	r=$(api '{"command": "balloon-info"}')
	grep -q '"unused":777' <<<"$r" && break
	sleep 0.1
done
grep -q '"unused":777' <<<"$r"
ok $? "... which the next balloon-info reports ($r)"
r=$(api '{"command": "balloon", "target": 134217728}')
grep -q '"ok":false' <<<"$r" && grep -q "more than the guest's" <<<"$r"
ok $? "a target above the guest's RAM is refused ($r)"
r=$(api '{"command": "balloon", "target": "x"}')
grep -q 'positive number of bytes' <<<"$r"
ok $? "a target that is not a number is refused ($r)"
api '{"command": "shutdown"}' >/dev/null
wait "$pid"
status=$?
out=$(tr -d "\r" <"$tmp/out")
guest_tap balloon
[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
ok $? "the guest ends cleanly (status $status)"

timeout -s KILL 60 "$vmm" --kernel "$guests/guest-hello" --memory 64 --paused \
	--api "unix:$sock" --console stdio </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
r=$(api '{"command": "balloon-info"}')
grep -q 'no balloon device' <<<"$r"
ok $? "a VM without --balloon says it has none ($r)"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
done_testing
