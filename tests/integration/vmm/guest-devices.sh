#!/usr/bin/env bash
# Legacy devices from a guest: 8250 registers and host input, i8042
# commands, and a guest reset, which ends nido-vmm with status 3 (and
# says so in --exit-file).
. "$(dirname "$0")/lib.sh"
need_kvm

# Input is written when the guest asks for it, not before its loopback test.
mkfifo "$tmp/in"
timeout -s KILL 60 "$vmm" --kernel "$guests/guest-devices" --memory 64 \
	--exit-file "$tmp/exit.json" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/in"
for _ in $(seq 300); do
	grep -q 'waiting for serial input' "$tmp/out" && break
	sleep 0.1
done
printf 'serial-in' >&3
wait "$pid"
status=$?
exec 3>&-
out=$(tr -d '\r' <"$tmp/out")
guest_tap devices
[ "$status" -eq 3 ]
ok $? "a guest reset ends nido-vmm with status 3 (got $status)"
grep -q 'guest rebooted' "$tmp/err"
ok $? "nido-vmm says the guest rebooted"
python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["status"] == 3 and v["reason"] == "reboot", v
' "$tmp/exit.json"
ok $? "--exit-file: status 3, reboot"
done_testing
