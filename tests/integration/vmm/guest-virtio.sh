#!/usr/bin/env bash
# virtio-mmio devices driven by guests: virtio-rng and virtio-console
# (output through the transmit queue, host input through the receive
# queue), with ioeventfd notifications and irqfd interrupts.
. "$(dirname "$0")/lib.sh"
need_kvm

run_guest rng --rng
guest_tap rng
[ "$status" -eq 0 ]
ok $? "virtio-rng guest powers off with status 0 (got $status)"

# Input arrives after the guest started: it waits in the device.
(sleep 0.3; echo ping) | timeout -s KILL 60 "$vmm" --kernel "$guests/guest-console" \
	--memory 64 --virtio-console >"$tmp/out" 2>"$tmp/err"
status=$?
out=$(tr -d '\r' <"$tmp/out")
guest_tap console
grep -q '^hello from virtio-console$' <<<"$out"
ok $? "the guest's virtio-console output reaches stdout"
[ "$status" -eq 0 ]
ok $? "virtio-console guest powers off with status 0 (got $status)"

# Both devices at once get distinct windows and interrupt lines.
run_guest rng --rng --virtio-console
guest_tap "rng next to a console"
done_testing
