#!/usr/bin/env bash
# The ACPI power button (docs/vmm-api.md "power-button"): guests/button
# enables it, routes the SCI through the IOAPIC and waits; the control
# socket presses the button; the guest sees the status bit and the SCI
# pending in its local APIC, clears it and powers off.
. "$(dirname "$0")/lib.sh"
need_kvm

sock=$tmp/api.sock
timeout -s KILL 60 "$vmm" --kernel "$guests/guest-button" --memory 64 \
	--api "unix:$sock" </dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && grep -q 'waiting for the power button' "$tmp/out" && break
	sleep 0.1
done
grep -q 'waiting for the power button' "$tmp/out"
ok $? "the guest waits for the power button"
api '{"command": "pause"}' >/dev/null
r=$(api '{"command": "power-button"}')
grep -q '"ok":false' <<<"$r" && grep -q 'paused' <<<"$r"
ok $? "the button is not pressed while paused ($r)"
api '{"command": "resume"}' >/dev/null
r=$(api '{"command": "power-button"}')
[ "$r" = '{"ok":true}' ]
ok $? "power-button answers ok ($r)"
wait "$pid"
status=$?
out=$(tr -d '\r' <"$tmp/out")
guest_tap button
[ "$status" -eq 0 ]
ok $? "the guest powered off: status 0 (got $status)"
done_testing
