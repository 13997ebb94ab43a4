#!/usr/bin/env bash
# The first guest: boot path, serial output, command line, e820, CMOS,
# boot timer, power off with status 0.
. "$(dirname "$0")/lib.sh"
need_kvm

run_guest hello --cmdline "console=ttyS0 hello-guest"
guest_tap hello
[ "$status" -eq 0 ]
ok $? "power off ends nido-vmm with status 0 (got $status)"
grep -q 'guest boot time: [0-9]* us' <<<"$err"
ok $? "the boot timer reports the guest's boot time"
grep -q 'guest powered off' <<<"$err"
ok $? "nido-vmm says the guest powered off"

run_guest hello --cpus 2 --memory 256M --cmdline "hello-guest"
guest_tap "hello, 2 vCPUs, 256M"
[ "$status" -eq 0 ]
ok $? "2 vCPUs and 256 MiB: status 0 (got $status)"

cfg=$tmp/vm.json
cat >"$cfg" <<JSON
{ "kernel": "$guests/guest-hello", "cmdline": "hello-guest",
  "cpus": 1, "memory": "32M", "console": "stdio" }
JSON
timeout -s KILL 60 "$vmm" --config "$cfg" </dev/null >"$tmp/out" 2>&1
status=$?
[ "$status" -eq 0 ] && grep -q '^1\.\.' "$tmp/out"
ok $? "the same guest from a JSON config file (status $status)"
done_testing
