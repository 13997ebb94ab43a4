#!/usr/bin/env bash
# nido img create / info / check / convert / resize: outcomes checked
# with qemu-img.
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

# create: qcow2 and raw, sizes and options
t "create qcow2 1G passes qemu-img check" bash -c "$N img create -q -f qcow2 a.qcow2 1G && qcheck a.qcow2"
t "qemu-img sees 1 GiB and 64 KiB clusters" bash -c "qemu-img info --output=json a.qcow2 | grep -q '\"virtual-size\": 1073741824' && qemu-img info --output=json a.qcow2 | grep -q '\"cluster-size\": 65536'"
for cs in 512 4096 2M; do
	t "create -o cluster_size=$cs passes check" bash -c "$N img create -q -f qcow2 -o cluster_size=$cs c$cs.qcow2 100M && qcheck c$cs.qcow2"
done
t "create compat=0.10 is version 2" bash -c "$N img create -q -f qcow2 -o compat=0.10 v2.qcow2 10M && qcheck v2.qcow2 && qemu-img info v2.qcow2 | grep -q 'compat: 0.10'"
t "create refcount_bits=8 and zstd" bash -c "$N img create -q -f qcow2 -o refcount_bits=8,compression_type=zstd z.qcow2 10M && qcheck z.qcow2 && qemu-img info z.qcow2 | grep -q 'compression type: zstd' && qemu-img info z.qcow2 | grep -q 'refcount bits: 8'"
for p in metadata falloc full; do
	t "create preallocation=$p passes check" bash -c "$N img create -q -f qcow2 -o preallocation=$p p$p.qcow2 64M && qcheck p$p.qcow2 && qemu-img map --output=json p$p.qcow2 | grep -q '\"data\": true'"
done
t "create raw 10M is a 10 MiB sparse file" bash -c "$N img create -q -f raw r.raw 10M && [ \$(stat -c %s r.raw) = 10485760 ]"
t "create raw preallocation=full" bash -c "$N img create -q -f raw -o preallocation=falloc rf.raw 4M && [ \$(stat -c %b rf.raw) -ge 8192 ]"
t_rc "create without a size fails" 1 "$N" img create -f qcow2 nosize.qcow2
t_rc "create with a bad size fails" 1 "$N" img create -f qcow2 bad.qcow2 12Q
t "create prints qemu-img's Formatting line" bash -c "[ \"\$($N img create -f qcow2 f.qcow2 1G)\" = \"\$(qemu-img create -f qcow2 g.qcow2 1G | sed s/g.qcow2/f.qcow2/)\" ]"
t "create -b -F makes a child" bash -c "$N img create -q -f qcow2 -b a.qcow2 -F qcow2 child.qcow2 && qcheck child.qcow2 && qemu-img info child.qcow2 | grep -q 'backing file: a.qcow2'"

# info: the same text and JSON as qemu-img
qemu-img create -q -f qcow2 qb.qcow2 64M
qemu-img create -q -f qcow2 -b qb.qcow2 -F qcow2 qt.qcow2
qemu-io -c 'write -P 0x5a 0 300k' qt.qcow2 >/dev/null
qemu-img snapshot -c snap1 qt.qcow2
for f in a.qcow2 r.raw qt.qcow2 v2.qcow2 z.qcow2; do
	t "info $f equals qemu-img's" diff <(qemu-img info "$f") <("$N" img info "$f")
	t "info --output=json $f equals qemu-img's" diff <(qemu-img info --output=json "$f") <("$N" img info --output=json "$f")
done
t "info --backing-chain equals qemu-img's" diff <(qemu-img info --backing-chain qt.qcow2) <("$N" img info --backing-chain qt.qcow2)
t "info --backing-chain json equals qemu-img's" diff <(qemu-img info --backing-chain --output=json qt.qcow2) <("$N" img info --backing-chain --output=json qt.qcow2)
t_rc "info of a missing file fails" 1 "$N" img info nothere.qcow2

# check: exit codes as qemu-img's
t_rc "check clean image: 0" 0 "$N" img check qt.qcow2
t "check --output=json equals qemu-img's" diff <(qemu-img check --output=json qt.qcow2) <("$N" img check --output=json qt.qcow2)
t_rc "check raw: 63" 63 "$N" img check -f raw r.raw
# a leak: refcount 1 on a cluster nothing uses (cluster 20 of a 64 KiB image)
cp a.qcow2 leak.qcow2
truncate -s 2M leak.qcow2
python3 - leak.qcow2 <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
f.seek(48); rt = struct.unpack('>Q', f.read(8))[0]
f.seek(rt); rb = struct.unpack('>Q', f.read(8))[0]
f.seek(rb + 2 * 20); f.write(struct.pack('>H', 1))
PY
t_rc "qemu-img sees the leak (3)" 3 qemu-img check leak.qcow2
t_rc "check leaked image: 3" 3 "$N" img check leak.qcow2
t_rc "check -r leaks repairs: 0" 0 "$N" img check -r leaks leak.qcow2
t "qemu-img agrees the leak is gone" qcheck leak.qcow2
# a corruption: the L1 table's refcount dropped to 0
cp a.qcow2 bad.qcow2
python3 - bad.qcow2 <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b')
f.seek(40); l1 = struct.unpack('>Q', f.read(8))[0]
f.seek(48); rt = struct.unpack('>Q', f.read(8))[0]
f.seek(rt); rb = struct.unpack('>Q', f.read(8))[0]
f.seek(rb + 2 * (l1 // 65536)); f.write(struct.pack('>H', 0))
PY
t_rc "qemu-img sees the corruption (2)" 2 qemu-img check bad.qcow2
t_rc "check corrupted image: 2" 2 "$N" img check bad.qcow2
t_rc "check -r leaks with a refcount of 0 in use: 1, as qemu-img (needs a rebuild)" 1 "$N" img check -r leaks bad.qcow2
t_rc "check -r all repairs: 0" 0 "$N" img check -r all bad.qcow2
t "qemu-img agrees it is repaired" qcheck bad.qcow2

# convert
head -c 3M /dev/urandom >rand.bin
cp r.raw src.raw
dd if=rand.bin of=src.raw bs=1M seek=2 conv=notrunc status=none
dd if=rand.bin of=src.raw bs=1k count=5 seek=9000 conv=notrunc status=none
t "convert raw->qcow2 passes check" bash -c "$N img convert -O qcow2 src.raw out.qcow2 && qcheck out.qcow2"
t "qemu-img reads it byte-identical" bash -c "qemu-img convert -O raw out.qcow2 back.raw && cmp src.raw back.raw"
t "convert qcow2->raw byte-identical" bash -c "$N img convert -f qcow2 -O raw out.qcow2 back2.raw && cmp src.raw back2.raw"
t "convert output stays sparse" bash -c "[ \$(stat -c %b back2.raw) -lt 12000 ]"
t "convert -c (zlib) passes check, reads identical" bash -c "$N img convert -c -O qcow2 src.raw comp.qcow2 && qcheck comp.qcow2 && qemu-img convert -O raw comp.qcow2 c.raw && cmp src.raw c.raw"
t "convert -c zstd passes check, reads identical" bash -c "$N img convert -c -O qcow2 -o compression_type=zstd src.raw compz.qcow2 && qcheck compz.qcow2 && qemu-img convert -O raw compz.qcow2 cz.raw && cmp src.raw cz.raw"
t "qemu-img check counts compressed clusters" bash -c "qemu-img check comp.qcow2 | grep -q '[1-9][0-9.]*% compressed'"
t "convert -p prints progress" bash -c "$N img convert -p -O raw out.qcow2 p.raw | tr '\r' '\n' | grep -q '(100.00/100%)'"
t "convert -o cluster_size=512" bash -c "$N img convert -O qcow2 -o cluster_size=512 src.raw small.qcow2 && qcheck small.qcow2 && same_content small.qcow2 src.raw"
t "convert -S 0 writes everything" bash -c "$N img convert -S 0 -O raw src.raw full.raw && cmp src.raw full.raw && [ \$(stat -c %b full.raw) -ge 20000 ]"
t "convert two sources concatenates" bash -c "$N img convert -O raw rand.bin rand.bin cat.raw && cat rand.bin rand.bin | cmp - cat.raw"
t "convert -c of an odd-sized source: qemu-img reads all of it" bash -c "head -c 3000000 rand.bin >odd.raw && $N img convert -c -O qcow2 odd.raw odd.qcow2 && qcheck odd.qcow2 && qemu-img compare -f raw -F qcow2 odd.raw odd.qcow2"
t_rc "convert of a missing file fails" 1 "$N" img convert -O raw nothere x.raw

# resize
t "resize qcow2 grow" bash -c "$N img resize a.qcow2 2G && qcheck a.qcow2 && qemu-img info a.qcow2 | grep -q 'virtual size: 2 GiB'"
t "resize +1G relative" bash -c "$N img resize a.qcow2 +1G && qemu-img info a.qcow2 | grep -q 'virtual size: 3 GiB'"
t_rc "resize shrink without --shrink fails" 1 "$N" img resize out.qcow2 1M
t "resize --shrink qcow2 keeps the head" bash -c "$N img resize --shrink out.qcow2 3M && qcheck out.qcow2 && head -c 3M src.raw >h.raw && same_content h.raw out.qcow2"
t "resize raw grow and shrink" bash -c "$N img resize -f raw r.raw 20M && [ \$(stat -c %s r.raw) = 20971520 ] && $N img resize -f raw --shrink r.raw 5M && [ \$(stat -c %s r.raw) = 5242880 ]"
t "resize a qcow2 with data past 4 GiB (L1 grows)" bash -c "$N img create -q -f qcow2 -o cluster_size=4096 g.qcow2 1M && $IO g.qcow2 'write -P 7 0 64k' && $N img resize g.qcow2 8G && $IO g.qcow2 'write -P 9 7G 1M' 'read -P 7 0 64k' 'read -P 9 7G 1M' && qcheck g.qcow2"
done_testing
