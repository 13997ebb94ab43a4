#!/usr/bin/env bash
# virtio-blk on src/block: a guest writes patterns to a qcow2 disk, reads
# them back, flushes, zeroes, discards, and finds a read-only raw disk
# refusing writes. Afterwards the host checks the images.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v qemu-img >/dev/null || skip_all "qemu-img is not installed"

qemu-img create -q -f qcow2 "$tmp/d0.qcow2" 1M
head -c 65536 /dev/urandom >"$tmp/d1.raw"
sum_before=$(sha256sum <"$tmp/d1.raw")

run_guest blk --disk "$tmp/d0.qcow2,serial=blk-test-0,format=qcow2" \
	--disk "$tmp/d1.raw,readonly,format=raw"
guest_tap blk
[ "$status" -eq 0 ]
ok $? "virtio-blk guest powers off with status 0 (got $status)"

qemu-img check -q "$tmp/d0.qcow2"
ok $? "qemu-img check passes on the qcow2 image the guest wrote"
qemu-img convert -O raw "$tmp/d0.qcow2" "$tmp/d0.raw"
python3 - "$tmp/d0.raw" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
pat = lambda n, seed: bytes((i * 7 + seed) & 0xff for i in range(n))
checks = [
    d[0:4096] == pat(4096, 3),
    d[len(d) - 512:] == pat(512, 5),
    d[16 * 512:32 * 512] == bytes(8192),
]
sys.exit(0 if all(checks) else 1)
PY
ok $? "the image holds the guest's patterns, last sector and zeroed range"
[ "$(sha256sum <"$tmp/d1.raw")" = "$sum_before" ]
ok $? "the read-only raw image is unchanged"

# A raw disk works the same way.
truncate -s 1M "$tmp/r0.raw"
run_guest blk --disk "$tmp/r0.raw,serial=blk-test-0,format=raw" --disk "$tmp/d1.raw,readonly,format=raw"
guest_tap "blk on raw"
cmp -s -n 4096 "$tmp/r0.raw" <(python3 -c 'import sys; sys.stdout.buffer.write(bytes((i*7+3)&0xff for i in range(4096)))')
ok $? "the raw image holds the guest's pattern"
done_testing
