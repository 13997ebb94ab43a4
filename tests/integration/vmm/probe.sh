#!/usr/bin/env bash
# nido-vmm --probe: the host check runs, says whether KVM is usable and
# whether unmodified guest kernels can run, and does not crash.
. "$(dirname "$0")/lib.sh"

timeout -s KILL 30 "$vmm" --probe >"$tmp/out" 2>"$tmp/err"
status=$?
if [ -c /dev/kvm ]; then
	[ "$status" -eq 0 ]
	ok $? "--probe exits 0 where KVM is usable (got $status)"
	grep -q '^KVM is usable by nido-vmm' "$tmp/out"
	ok $? "--probe says KVM is usable"
else
	[ "$status" -eq 1 ]
	ok $? "--probe exits 1 without KVM"
fi
for item in "kvm device" "KVM_CAP_IRQCHIP" "cpu virtualization" \
	"unmodified guest kernels" "nested" "hugepages" "ksm"; do
	grep -q "^$item " "$tmp/out"
	ok $? "--probe reports '$item'"
done
if [ -d /sys/module/kvm_pvm ]; then
	grep -q '^unmodified guest kernels .*no: this KVM is PVM-based' "$tmp/out"
	ok $? "--probe says plainly that this PVM KVM cannot run stock kernels"
fi
done_testing
