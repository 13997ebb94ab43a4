#!/usr/bin/env bash
# Acceptance 3: malformed images get clear errors, never a crash or a
# hang. Every image of the corpus goes through info, check, convert and
# a write; none may die of a signal or take more than 20 s.
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }
src=${NIDO_SOURCE_DIR:?}/tests/integration/img

"$N" img create -q -f qcow2 -o cluster_size=512 good.qcow2 1M
"$IO" good.qcow2 'write -P 1 0 4k' 'write -P 2 700k 3000'
mkdir corpus
python3 "$src/mkcorpus.py" good.qcow2 corpus

# run CMD...: fails only on a signal (exit > 128) or a timeout (124).
survives() {
	local rc
	timeout 20 "$@" >"$T/out" 2>&1
	rc=$?
	if [ $rc -ge 124 ]; then
		echo "# exit $rc: $*"
		head -5 "$T/out" | sed 's/^/# /'
		return 1
	fi
	return 0
}
for f in corpus/*; do
	n=$(basename "$f")
	t "$n: info, check, convert and a write survive" bash -c "
		$(declare -f survives); T=$T
		survives $N img info $f && survives $N img info --output=json $f &&
		survives $N img check $f && survives $N img map $f &&
		survives $N img convert -O raw $f $T/x.raw &&
		cp $f $T/w.qcow2 && survives $IO $T/w.qcow2 'write -P 9 0 64k' 'read 0 1M' &&
		cp $f $T/r.qcow2 && survives $N img check -r all $T/r.qcow2"
done

err_of() { "$N" img info "$1" 2>&1 >/dev/null; }
t "truncated header: clear error naming the file" bash -c "err_of() { $N img info \$1 2>&1 >/dev/null; }; err_of corpus/truncated-header.qcow2 | grep -q \"corpus/truncated-header.qcow2'.*truncated\""
t "L1 beyond the end of the file: clear error" bash -c "$N img info corpus/l1-beyond-eof.qcow2 2>&1 | grep -q 'L1 table lies beyond the end of the file'"
t "overlapping metadata: clear error" bash -c "$N img info corpus/overlap-l1-reftable.qcow2 2>&1 | grep -q 'overlap'"
t "unknown incompatible feature: refused" bash -c "$N img info corpus/unknown-incompat.qcow2 2>&1 | grep -q 'unknown incompatible features'"
t "external data file: not supported" bash -c "$N img info corpus/external-data-file.qcow2 2>&1 | grep -q 'external data files are not supported'"
t "extended L2 with small clusters: clear error" bash -c "$N img info corpus/extended-l2.qcow2 2>&1 | grep -q 'extended L2 entries need clusters of 16 KiB or more'"
t "absurd size: clear error" bash -c "$N img info corpus/size-absurd.qcow2 2>&1 | grep -qi 'size'"
t "backing chain loop: clear error" bash -c "$N img info --backing-chain corpus/loop-a.qcow2 2>&1 | grep -q 'loops'"
t "self-referencing backing file: clear error" bash -c "$N img convert -O raw corpus/loop-self.qcow2 x.raw 2>&1 | grep -q 'loops'"
cp corpus/dirty.qcow2 d.qcow2
t "dirty image: repaired by a read-write open, then written" bash -c "$IO d.qcow2 'write 0 512' && qcheck d.qcow2"
t_rc "corrupt-marked image: write refused" 1 "$IO" corpus/corrupt-bit.qcow2 'write 0 512'
t "corrupt-marked image: read-only access works" "$IO" -r corpus/corrupt-bit.qcow2 'read -P 1 0 4k'
cp corpus/l2-entry-beyond-eof.qcow2 c.qcow2
t "a read of a broken table marks the image corrupt" bash -c "! $IO c.qcow2 'write -P 3 0 1k' 2>/dev/null; $N img info c.qcow2 | grep -q 'corrupt: true'"
t "double reference: check reports corruption (2)" bash -c "$N img check corpus/double-reference.qcow2 >/dev/null 2>&1; [ \$? = 2 ]"
cp corpus/refcount-overflow.qcow2 o.qcow2
t "refcount overflow: check -r all fails cleanly" bash -c "$N img check -r all o.qcow2 >/dev/null 2>&1; [ \$? -lt 124 ]"
done_testing
