#!/usr/bin/env bash
# Acceptance 1: interoperability with qemu-img / qemu-io, both ways.
# Images nido creates and writes pass `qemu-img check` and read back
# byte-identical through qemu-img; images qemu creates and writes read
# byte-identical through nido and pass `nido img check`.
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

# The same writes, at awkward offsets, for img-io and for qemu-io.
ops_a=('write -P 0x11 0 70000' 'write -P 0x22 65000 5000' 'write -P 0x33 1M 3M'
	'write -P 0x44 33554431 1' 'zero 1500000 600000' 'discard 2M 64k')
ops_b=('write -P 0x55 4096 8192' 'write -P 0x66 10M 2M' 'zero 10485761 1000'
	'write -P 0x77 67108000 864')
ops_c=('write -P 0x88 0 512' 'write -P 0x99 3M 1M' 'discard 10M 1M'
	'write -P 0xaa 40M 1234567')

io_nido() { local f=$1; shift; "$IO" "$f" "$@"; }
io_raw() { local f=$1; shift; "$IO" -f raw "$f" "$@"; }
io_qemu() {
	local f=$1 c args=()
	shift
	for c; do
		case $c in
		zero*) args+=(-c "write -z ${c#zero }") ;;
		*) args+=(-c "$c") ;;
		esac
	done
	qemu-io "${args[@]}" "$f" >/dev/null
}

# ---- nido writes, qemu reads ----
for cs in 512 65536 2M; do
	d=n$cs
	mkdir -p $d
	"$N" img create -q -f raw $d/ref.raw 64M
	"$N" img create -q -f qcow2 -o cluster_size=$cs $d/base.qcow2 64M
	io_nido $d/base.qcow2 "${ops_a[@]}" && io_raw $d/ref.raw "${ops_a[@]}"
	"$N" img create -q -f qcow2 -o cluster_size=$cs -b base.qcow2 -F qcow2 $d/mid.qcow2
	io_nido $d/mid.qcow2 "${ops_b[@]}" && io_raw $d/ref.raw "${ops_b[@]}"
	"$N" img create -q -f qcow2 -o cluster_size=$cs -b mid.qcow2 -F qcow2 $d/top.qcow2
	io_nido $d/top.qcow2 "${ops_c[@]}" && io_raw $d/ref.raw "${ops_c[@]}"
	t "nido chain of 3 (cluster $cs) passes qemu-img check" qcheck $d/base.qcow2 $d/mid.qcow2 $d/top.qcow2
	t "qemu-img reads nido's chain (cluster $cs) byte-identical" bash -c "qemu-img convert -O raw $d/top.qcow2 $d/q.raw && cmp $d/q.raw $d/ref.raw"
	t "nido reads its own chain (cluster $cs) byte-identical" bash -c "$N img convert -O raw $d/top.qcow2 $d/n.raw && cmp $d/n.raw $d/ref.raw"

	cp $d/ref.raw $d/ref-s1.raw
	t "nido snapshot -c (cluster $cs) passes check" bash -c "$N img snapshot -c s1 $d/top.qcow2 && qcheck $d/top.qcow2"
	io_nido $d/top.qcow2 'write -P 0xbb 0 100k' 'discard 3M 1M' && io_raw $d/ref.raw 'write -P 0xbb 0 100k' 'discard 3M 1M'
	t "writes after a snapshot pass check and read back" bash -c "qcheck $d/top.qcow2 && qemu-img convert -O raw $d/top.qcow2 $d/q2.raw && cmp $d/q2.raw $d/ref.raw"
	cp $d/top.qcow2 $d/qapply.qcow2
	t "qemu-img applies nido's snapshot (cluster $cs)" bash -c "cd $d && qemu-img snapshot -a s1 qapply.qcow2 && qcheck qapply.qcow2 && qemu-img convert -O raw qapply.qcow2 qa.raw && cmp qa.raw ref-s1.raw"
	t "nido applies its snapshot (cluster $cs)" bash -c "$N img snapshot -a s1 $d/top.qcow2 && qcheck $d/top.qcow2 && qemu-img convert -O raw $d/top.qcow2 $d/na.raw && cmp $d/na.raw $d/ref-s1.raw"
	t "nido deletes the snapshot (cluster $cs)" bash -c "$N img snapshot -d s1 $d/top.qcow2 && qcheck $d/top.qcow2 && [ -z \"\$(qemu-img snapshot -l $d/top.qcow2)\" ]"
	t "nido -c compressed (cluster $cs) passes check, identical" bash -c "$N img convert -c -O qcow2 -o cluster_size=$cs $d/ref.raw $d/c.qcow2 && qcheck $d/c.qcow2 && qemu-img convert -O raw $d/c.qcow2 $d/cq.raw && cmp $d/cq.raw $d/ref.raw"
done

"$N" img create -q -f raw rb.raw 8M
io_raw rb.raw 'write -P 0x12 0 8M'
"$N" img create -q -f qcow2 -b rb.raw -F raw rc.qcow2
io_nido rc.qcow2 'write -P 0x34 1000 3000' 'discard 4M 1M'
cp rb.raw rref.raw && io_raw rref.raw 'write -P 0x34 1000 3000' 'zero 4M 1M'
t "raw backing file: qemu-img reads nido's child identical" bash -c "qcheck rc.qcow2 && qemu-img convert -O raw rc.qcow2 rcq.raw && cmp rcq.raw rref.raw"

"$N" img create -q -f qcow2 aio.qcow2 16M
t "asynchronous writes (thread pool) pass check" bash -c "$IO aio.qcow2 'aio-write -P 0x5e 12345 65536 100' && qcheck aio.qcow2 && $IO -r aio.qcow2 'read -P 0x5e 12345 6553600'"
"$N" img create -q -f raw aio.raw 16M
t "asynchronous writes (io_uring) read back" bash -c "$IO -f raw aio.raw 'aio-write -P 0x6f 4096 4096 64' && $IO -f raw -r aio.raw 'read -P 0x6f 4096 262144'"

# ---- qemu writes, nido reads ----
for cs in 512 65536 2M; do
	d=q$cs
	mkdir -p $d
	qemu-img create -q -f qcow2 -o cluster_size=$cs $d/base.qcow2 64M
	io_qemu $d/base.qcow2 "${ops_a[@]}"
	qemu-img create -q -f qcow2 -o cluster_size=$cs -b base.qcow2 -F qcow2 $d/mid.qcow2
	io_qemu $d/mid.qcow2 "${ops_b[@]}"
	qemu-img create -q -f qcow2 -o cluster_size=$cs -b mid.qcow2 -F qcow2 $d/top.qcow2
	io_qemu $d/top.qcow2 "${ops_c[@]}"
	t "nido img check passes qemu's chain (cluster $cs)" bash -c "$N img check -q $d/base.qcow2 && $N img check -q $d/mid.qcow2 && $N img check -q $d/top.qcow2"
	t "nido reads qemu's chain of 3 (cluster $cs) byte-identical" same_content $d/top.qcow2 $d/top.qcow2
	qemu-img convert -O raw $d/top.qcow2 $d/s1.raw
	qemu-img snapshot -c s1 $d/top.qcow2
	io_qemu $d/top.qcow2 'write -P 0xcc 0 1M' 'write -z 5M 2M'
	t "nido reads qemu's image with a snapshot (cluster $cs)" bash -c "$N img check -q $d/top.qcow2 && same_content $d/top.qcow2 $d/top.qcow2"
	t "nido lists qemu's snapshot like qemu-img" diff <(qemu-img snapshot -l $d/top.qcow2) <("$N" img snapshot -l $d/top.qcow2)
	t "nido applies qemu's snapshot (cluster $cs)" bash -c "$N img snapshot -a s1 $d/top.qcow2 && qcheck $d/top.qcow2 && $N img convert -O raw $d/top.qcow2 $d/a.raw && cmp $d/a.raw $d/s1.raw"
	for ct in zlib zstd; do
		t "nido reads qemu's compressed image ($ct, cluster $cs)" bash -c "qemu-img convert -c -O qcow2 -o cluster_size=$cs,compression_type=$ct $d/s1.raw $d/c$ct.qcow2 && $N img check -q $d/c$ct.qcow2 && $N img convert -O raw $d/c$ct.qcow2 $d/c$ct.raw && cmp $d/c$ct.raw $d/s1.raw"
	done
	t "nido writes into qemu's image (cluster $cs); qemu-img agrees" bash -c "$IO $d/top.qcow2 'write -P 0xdd 7M 3M' 'discard 0 64k' && qcheck $d/top.qcow2 && same_content $d/top.qcow2 $d/top.qcow2"
done

qemu-img create -q -f qcow2 -o compat=0.10 v2.qcow2 32M
io_qemu v2.qcow2 "${ops_a[@]}"
t "nido reads a version 2 image" bash -c "$N img check -q v2.qcow2 && same_content v2.qcow2 v2.qcow2"
qemu-img create -q -f qcow2 -o refcount_bits=1 rc1.qcow2 32M
io_qemu rc1.qcow2 "${ops_a[@]}"
t "nido reads refcount_bits=1" bash -c "$N img check -q rc1.qcow2 && same_content rc1.qcow2 rc1.qcow2"
qemu-img create -q -f qcow2 -o refcount_bits=64 rc64.qcow2 32M
io_qemu rc64.qcow2 "${ops_a[@]}"
t "nido reads and writes refcount_bits=64" bash -c "$N img check -q rc64.qcow2 && $IO rc64.qcow2 'write -P 3 20M 1M' && qcheck rc64.qcow2"
qemu-img create -q -f qcow2 -o lazy_refcounts=on lazy.qcow2 32M
io_qemu lazy.qcow2 "${ops_a[@]}"
t "nido reads lazy_refcounts images" bash -c "$N img check -q lazy.qcow2 && same_content lazy.qcow2 lazy.qcow2"

# Extended L2 entries (subclusters): written by qemu-io at subcluster
# granularity over a backing file, read by nido (read-only support).
qemu-img create -q -f qcow2 xbase.qcow2 4M
io_qemu xbase.qcow2 'write -P 1 0 4M'
qemu-img create -q -f qcow2 -o extended_l2=on -b xbase.qcow2 -F qcow2 xl2.qcow2
io_qemu xl2.qcow2 'write -P 2 4k 4k' 'write -P 3 66k 10k' 'write -z 200k 8k' \
	'write -P 4 1M 128k' 'discard 1M 2k' 'write -z -u 2M 64k' 'write -P 5 3M 6k'
t "extended L2: nido reads what qemu wrote, through the backing file" same_content xl2.qcow2 xl2.qcow2
t "extended L2: map --output=json equals qemu-img's" diff <(qemu-img map --output=json xl2.qcow2) <("$N" img map --output=json xl2.qcow2)
t "extended L2: check equals qemu-img's" diff <(qemu-img check xl2.qcow2) <("$N" img check xl2.qcow2)
t "extended L2: info says so" bash -c "$N img info xl2.qcow2 | grep -q 'extended l2: true'"
qemu-img convert -q -c -O qcow2 -o extended_l2=on xl2.qcow2 xl2c.qcow2
t "extended L2: compressed clusters read the same" same_content xl2c.qcow2 xl2c.qcow2
out=$("$IO" xl2.qcow2 'write 0 4k' 2>&1)
t "extended L2: writing is refused, clearly" grep -q "extended L2 entries (subclusters) are read-only here" <<<"$out"
t "extended L2: convert makes a writable copy" bash -c "$N img convert -O qcow2 xl2.qcow2 xl2w.qcow2 && $IO xl2w.qcow2 'write -P 9 0 4k' && qcheck xl2w.qcow2"

# QEMU dies while writing a lazy_refcounts image: the dirty flag stays
# set and the refcounts are behind. nido reads it as it is, and repairs
# it before writing, as QEMU does on open.
qemu-img create -q -f qcow2 -o lazy_refcounts=on dirty.qcow2 8M
(ulimit -c 0; qemu-io -c 'write -P 5 0 1M' -c 'write -P 6 4M 64k' -c abort dirty.qcow2 >/dev/null 2>&1)
t "a writer killed on a lazy_refcounts image leaves it dirty" bash -c "qemu-img info --output=json dirty.qcow2 | grep -q '\"dirty-flag\": true' && ! qemu-img check dirty.qcow2 >/dev/null 2>&1"
t "nido reads the dirty image without touching it" bash -c "$IO -r dirty.qcow2 'read -P 5 0 1M' && qemu-img info --output=json dirty.qcow2 | grep -q '\"dirty-flag\": true'"
t "a read-write open repairs it, then writes" "$IO" dirty.qcow2 'write -P 7 1M 64k'
t "... and qemu-img finds it clean, flag cleared, data whole" bash -c "qcheck dirty.qcow2 && qemu-img info --output=json dirty.qcow2 | grep -q '\"dirty-flag\": false' && qemu-io -r -c 'read -P 5 0 1M' -c 'read -P 7 1M 64k' -c 'read -P 6 4M 64k' dirty.qcow2 >/dev/null"
done_testing
