#!/usr/bin/env bash
# A hostile guest cannot crash, hang or escape the engine: bad rings are
# refused, the device asks for a reset, the VMM lives on and powers off
# normally at the end.
. "$(dirname "$0")/lib.sh"
need_kvm

run_guest hostile --rng --virtio-console
guest_tap hostile
[ "$status" -eq 0 ]
ok $? "nido-vmm survives and exits 0 (got $status)"
grep -q 'console still works' <<<"$out"
ok $? "the console's output still arrives"
n=$(grep -c 'the guest broke queue' <<<"$err")
[ "$n" -ge 10 ]
ok $? "each broken ring is logged as a warning ($n)"
done_testing
