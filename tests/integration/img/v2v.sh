#!/usr/bin/env bash
# Import of other hypervisors' disks (the seeds' V2V case): VMware vmdk
# (monolithic sparse, flat, stream-optimized, split) and VirtualBox vdi
# (dynamic, static) read byte-identical through `nido img convert`;
# unsupported formats get a clear error instead of a raw copy.
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

head -c 3M /dev/urandom >d.raw
truncate -s 64M d.raw
dd if=/dev/urandom of=d.raw bs=1M seek=40 count=3 conv=notrunc status=none
printf 'hello' | dd of=d.raw bs=1 seek=67108859 conv=notrunc status=none

for sub in monolithicSparse monolithicFlat streamOptimized twoGbMaxExtentSparse; do
	qemu-img convert -O vmdk -o subformat=$sub d.raw $sub.vmdk
	t "vmdk $sub: info says vmdk" bash -c "$N img info $sub.vmdk | grep -q 'file format: vmdk'"
	t "vmdk $sub: convert to qcow2 passes check, identical" bash -c "$N img convert -O qcow2 $sub.vmdk $sub.qcow2 && qcheck $sub.qcow2 && qemu-img convert -O raw $sub.qcow2 $sub.raw && cmp $sub.raw d.raw"
	t "vmdk $sub: compare with the raw disk" "$N" img compare $sub.vmdk d.raw
done
for st in off on; do
	qemu-img convert -O vdi -o static=$st d.raw s$st.vdi
	t "vdi static=$st: convert to raw identical" bash -c "$N img convert -O raw s$st.vdi s$st.raw && cmp s$st.raw d.raw"
	t "vdi static=$st: convert -c to qcow2 passes check" bash -c "$N img convert -c -O qcow2 s$st.vdi s$st.qcow2 && qcheck s$st.qcow2 && $N img compare s$st.qcow2 d.raw"
done
databytes() { python3 -c 'import json,sys; print(sum(e["length"] for e in json.load(sys.stdin) if e["data"]))'; }
t "vdi map: as many data bytes as qemu-img sees" diff <(qemu-img map --output=json soff.vdi | databytes) <("$N" img map --output=json soff.vdi | databytes)
t_rc "vmdk images cannot be written" 1 "$IO" monolithicSparse.vmdk 'write 0 512'
for f in vhdx vpc qed; do
	qemu-img convert -O $f d.raw x.$f
	t "$f: a clear 'not supported' error, not a raw copy" bash -c "! $N img convert -O raw x.$f x.raw 2>err && grep -q '$f images are not supported' err && [ ! -s x.raw ]"
done
done_testing
