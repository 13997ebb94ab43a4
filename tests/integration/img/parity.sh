#!/usr/bin/env bash
# Issue 14, nido img beside qemu-img 7.2: each case runs both tools on
# the same input and compares what they print and how they exit.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

# same DESC VERB ARGS...: qemu-img and nido img print the same (stdout
# and stderr, "qemu-img: " read as "nido img: ") and exit the same. The
# word Q in ARGS is q.img for qemu-img and n.img for nido; both are
# removed first, and compared with qemu-img info afterwards when made.
same() {
	rm -f q.img n.img
	same_run "$@"
}
# same_run: what same() checks, on q.img and n.img as they are (copies
# of one image to work on, or none); returns 1 when it reported a failure.
same_run() {
	local desc=$1 want got rcq rcn qa=() na=() a
	shift
	for a; do qa+=("${a//Q/q.img}") na+=("${a//Q/n.img}"); done
	want=$(qemu-img "${qa[@]}" 2>&1)
	rcq=$?
	got=$("$N" img "${na[@]}" 2>&1)
	rcn=$?
	want=${want//qemu-img: /nido img: }
	want=${want//\'qemu-img /\'nido img }
	want=${want//q.img/n.img}
	if [ "$rcq" != "$rcn" ] || [ "$got" != "$want" ]; then
		not_ok "$desc (qemu-img $rcq, nido $rcn)"
		diff <(echo "$want") <(echo "$got") | head -20 | sed 's/^/# /'
		return 1
	elif [ "$(test -e q.img; echo $?)" != "$(test -e n.img; echo $?)" ]; then
		not_ok "$desc (one tool left an image, the other not)"
	elif [ -e q.img ] && ! diff <(qemu-img info -U q.img | grep -v '^image:\|^disk size:') \
		<(qemu-img info -U n.img | grep -v '^image:\|^disk size:') >/dev/null; then
		not_ok "$desc (the images differ)"
	else
		ok "$desc"
	fi
}

# ---- create -u ----
qemu-img create -q -f qcow2 base.qcow2 2M
qemu-img create -q -f raw base.raw 3M
same "create -u -b MISSING -F, no size: refused, name first" \
	create -f qcow2 -u -b none.qcow2 -F qcow2 Q
same "create -u -b EXISTING -F, no size: refused (not opened)" \
	create -f qcow2 -u -b base.qcow2 -F qcow2 Q
same "create -u -b MISSING -F with a size: made, not opened" \
	create -f qcow2 -u -b none.qcow2 -F qcow2 Q 1M
same "create -u, size from -o size=" \
	create -f qcow2 -u -o size=1M -b none -F raw Q
same "create -u -b with a format nido cannot read (vmdk): recorded" \
	create -f qcow2 -u -b none -F vmdk Q 1M
same "create -u -b with an unknown format: refused after Formatting" \
	create -f qcow2 -u -b none -F bogus Q 1M
same "create -b MISSING (no -u): could not open backing image" \
	create -f qcow2 -b none.qcow2 -F qcow2 Q 1M
same "create -b RAW -F qcow2: not in qcow2 format" \
	create -f qcow2 -b base.raw -F qcow2 Q
same "create -b RAW -F raw: the size taken from it, printed" \
	create -f qcow2 -b base.raw -F raw Q
same "create -f raw -u -b: raw takes no backing file" \
	create -f raw -u -b none -F raw Q 1M

# ---- compare -s ----
qio() { qemu-io -f "$1" -c "$3" "$2" >/dev/null; }
mk() { qemu-img create -q -f "$1" "$2" "$3"; }
mk qcow2 a.qcow2 1M && qio qcow2 a.qcow2 'write -P 1 0 64k' && qio qcow2 a.qcow2 'write -P 1 512k 64k'
mk qcow2 b.qcow2 1M && qio qcow2 b.qcow2 'write -P 1 512k 64k' && qio qcow2 b.qcow2 'write -P 1 0 64k'
mk raw a.raw 1M && qio raw a.raw 'write -P 1 0 64k' && qio raw a.raw 'write -P 1 512k 64k'
cp a.qcow2 c.qcow2 && qio qcow2 c.qcow2 'write -P 0 960k 64k'
cp a.qcow2 d.qcow2 && qio qcow2 d.qcow2 'write -P 2 0 512'
mk qcow2 z.qcow2 1M && qio qcow2 z.qcow2 'write -z 0 64k'
mk qcow2 e.qcow2 1M
mk raw e.raw 1M
mk qcow2 big.qcow2 2M
qemu-img create -q -f qcow2 -b a.qcow2 -F qcow2 ov.qcow2
qemu-img create -q -f qcow2 -o preallocation=metadata pm.qcow2 1M
qemu-img create -q -f qcow2 -o preallocation=full pf.qcow2 1M
mk qcow2 fz.qcow2 1M && qio qcow2 fz.qcow2 'write -P 0 0 1M'
qemu-img convert -c -O qcow2 a.qcow2 comp.qcow2
mk qcow2 g1.qcow2 2G && qio qcow2 g1.qcow2 'write -P 3 1500M 64k'
mk qcow2 g2.qcow2 2G && qio qcow2 g2.qcow2 'write -P 3 2047M 64k'
mk qcow2 g3.qcow2 2G && qio qcow2 g3.qcow2 'write -z 1G 64k'
mk raw g.raw 2G
for pair in "a.qcow2 b.qcow2" "a.qcow2 a.raw" "a.qcow2 c.qcow2" "a.qcow2 d.qcow2" \
	"e.qcow2 z.qcow2" "e.qcow2 e.raw" "e.qcow2 big.qcow2" "a.qcow2 ov.qcow2" \
	"ov.qcow2 a.qcow2" "pm.qcow2 pf.qcow2" "pf.qcow2 fz.qcow2" "pm.qcow2 e.qcow2" \
	"a.qcow2 comp.qcow2" "g1.qcow2 g2.qcow2" "g1.qcow2 g3.qcow2" "g1.qcow2 g.raw" \
	"a.qcow2 missing.qcow2"; do
	# shellcheck disable=SC2086 # two names
	set -- $pair
	same "compare -s $pair" compare -s "$@"
	same "compare -s -q $pair: the exit status alone" compare -s -q "$@"
done

# ---- measure -o preallocation= ----
# qemu-img counts all the data as required when it is allocated at
# creation (falloc, full); metadata only adds the tables.
for fmt in qcow2 raw; do
	for pre in off metadata falloc full; do
		[ $fmt = raw ] && [ $pre = metadata ] && continue
		for sz in 0 1 70000 1M 100M 10G 1T; do
			same "measure -O $fmt -o preallocation=$pre --size $sz" \
				measure -O $fmt -o preallocation=$pre --size $sz
		done
		for src in a.qcow2 pm.qcow2 comp.qcow2 g2.qcow2 a.raw; do
			same "measure -O $fmt -o preallocation=$pre $src" \
				measure -O $fmt -o preallocation=$pre "$src"
		done
	done
done
for o in cluster_size=512 cluster_size=2M refcount_bits=1 refcount_bits=64 compat=0.10; do
	same "measure -o preallocation=full,$o --size 3G" \
		measure -O qcow2 -o preallocation=full,$o --size 3G
	same "measure --output=json -o preallocation=falloc,$o a.qcow2" \
		measure --output=json -O qcow2 -o preallocation=falloc,$o a.qcow2
done
# what measure says is what create makes
for pre in falloc full; do
	for sz in 1M 100M; do
		"$N" img create -q -f qcow2 -o preallocation=$pre m.qcow2 $sz
		want=$("$N" img measure -O qcow2 -o preallocation=$pre --size $sz | head -1)
		t "create -o preallocation=$pre $sz: the file is the size measure requires" \
			test "required size: $(stat -c %s m.qcow2)" = "$want"
	done
done

# ---- check: OFLAG_COPIED, repairs ----
# Images corrupted by hand (qcow2-poke.py writes the bits); each case
# is checked by both tools on copies of the same file, with and without
# repairs, and the repaired files must be the same bytes.
POKE="python3 $HERE/qcow2-poke.py"
mk128() { mk qcow2 "$1" 1M && qio qcow2 "$1" 'write -P 1 0 128k'; }
mk128 l2c.qcow2 && $POKE l2c.qcow2 copied l2 1 clear
mk128 l1c.qcow2 && $POKE l1c.qcow2 copied l1 0 clear
mk128 sn.qcow2 && qemu-img snapshot -c s1 sn.qcow2 &&
	$POKE sn.qcow2 copied l2 0 set && $POKE sn.qcow2 copied l1 0 set
mk128 lk.qcow2 && $POKE lk.qcow2 refcount 5 2
mk128 lkc.qcow2 && $POKE lkc.qcow2 refcount 5 2 && $POKE lkc.qcow2 copied l2 0 clear &&
	$POKE lkc.qcow2 refcount 9 1
mk128 er.qcow2 && $POKE er.qcow2 refcount 5 0
mk128 v2.qcow2 && qemu-img amend -o compat=0.10 v2.qcow2 && $POKE v2.qcow2 copied l2 1 clear
mk qcow2 all.qcow2 1M && qio qcow2 all.qcow2 'write -P 1 512k 64k' &&
	qio qcow2 all.qcow2 'write -P 2 0 64k' && qio qcow2 all.qcow2 'write -c -P 3 128k 64k' &&
	$POKE all.qcow2 refcount 5 2
for img in l2c l1c sn lk lkc er v2 all; do
	t_rc "$img.qcow2 as written by hand: qemu-img check finds it" 1 \
		bash -c "qemu-img check -q $img.qcow2 >/dev/null 2>&1; [ \$? -ge 2 ] && exit 1"
	for r in "" "-r leaks" "-r all"; do
		for out in human json; do
			[ "$img" = er ] && [ "$r" = "-r all" ] && continue # below
			cp $img.qcow2 q.img
			# shellcheck disable=SC2086 # -r and its value
			want=$(qemu-img check --output=$out $r q.img 2>&1; echo "exit $?")
			cp $img.qcow2 n.img
			# shellcheck disable=SC2086
			got=$("$N" img check --output=$out $r n.img 2>&1; echo "exit $?")
			want=${want//q.img/n.img}
			want=${want//qemu-img: /nido img: }
			if [ "$want" = "$got" ] && cmp -s q.img n.img; then
				ok "check $r --output=$out, $img: qemu-img's report, exit and repair"
			else
				not_ok "check $r --output=$out, $img"
				diff <(echo "$want") <(echo "$got") | head -20 | sed 's/^/# /'
				cmp q.img n.img | sed 's/^/# /'
			fi
		done
	done
done
# A refcount of 0 for a cluster in use: qemu-img rebuilds the refcount
# structures, nido repairs the entry; both leave a clean image.
cp er.qcow2 n.img
t_rc "check -r all, refcount 0 in use: repaired" 0 "$N" img check -r all n.img
t "check -r all, refcount 0 in use: qemu-img finds it clean, data kept" bash -c "
	qcheck n.img && qemu-io -c 'read -P 1 0 128k' n.img | grep -q 'read 131072'"

# ---- amend ----
# amend_same IMG ARGS...: both tools amend a copy of IMG; same output and
# status, qemu-img check clean, the same qemu-img info, the same data in
# the image and in each internal snapshot.
amend_same() {
	local img=$1 desc="amend ${*:2} $1" a b sn bad=
	shift
	cp "$img" q.img
	cp "$img" n.img
	same_run "$desc" amend "$@" Q || return
	qcheck n.img || bad="qemu-img check fails"
	a=$(qemu-img info q.img | grep -v '^image:\|^disk size:\|^ID\|^[0-9]')
	b=$(qemu-img info n.img | grep -v '^image:\|^disk size:\|^ID\|^[0-9]')
	[ "$a" = "$b" ] || bad="qemu-img info differs: $(diff <(echo "$a") <(echo "$b") | tr '\n' ' ')"
	qemu-img compare -q q.img n.img || bad="the data differs"
	for sn in $(qemu-img snapshot -l n.img | awk 'NR > 2 { print $2 }'); do
		qemu-img convert -l snapshot.name="$sn" -O raw q.img qs.raw &&
			qemu-img convert -l snapshot.name="$sn" -O raw n.img ns.raw &&
			cmp -s qs.raw ns.raw || bad="snapshot $sn differs"
	done
	if [ -z "$bad" ]; then ok "$desc: qemu-img check, info and data agree"; else
		not_ok "$desc: $bad"
	fi
}
mk qcow2 am.qcow2 1M && qio qcow2 am.qcow2 'write -P 1 0 128k' && qio qcow2 am.qcow2 'write -z 256k 64k'
cp am.qcow2 amsn.qcow2 && qemu-img snapshot -c s1 amsn.qcow2 &&
	qio qcow2 amsn.qcow2 'write -P 2 64k 64k' && qio qcow2 amsn.qcow2 'write -z 512k 64k'
mk qcow2 ambase.qcow2 1M && qio qcow2 ambase.qcow2 'write -P 7 0 1M'
qemu-img create -q -f qcow2 -b ambase.qcow2 -F qcow2 amov.qcow2 &&
	qio qcow2 amov.qcow2 'write -z 0 128k' && qio qcow2 amov.qcow2 'write -P 3 128k 64k'
qemu-img create -q -f qcow2 -o compat=0.10 amv2.qcow2 1M && qio qcow2 amv2.qcow2 'write -P 1 0 128k'
qemu-img create -q -f qcow2 -o cluster_size=512 ambig.qcow2 64M
for i in $(seq 0 40); do qio qcow2 ambig.qcow2 "write -P $i $((i * 1500))k 3k"; done
qemu-img create -q -f qcow2 -o refcount_bits=64 am64.qcow2 1M && qio qcow2 am64.qcow2 'write -P 1 0 128k'
qemu-img create -q -f qcow2 -o compression_type=zstd amzs.qcow2 1M
cp amzs.qcow2 amzc.qcow2 && qio qcow2 amzc.qcow2 'write -c -P 1 0 64k'
for o in compat=0.10 compat=v2 compat=1.1 lazy_refcounts=on lazy_refcounts=off \
	refcount_bits=1 refcount_bits=2 refcount_bits=8 refcount_bits=32 refcount_bits=64 \
	refcount_bits=3 refcount_bits=128 compat=0.10,refcount_bits=8 \
	compat=0.10,lazy_refcounts=on cluster_size=4096 preallocation=full \
	compression_type=zstd size=2M size=512k bogus=1 compat=0.9 lazy_refcounts=maybe \
	backing_file=x backing_fmt=raw; do
	amend_same am.qcow2 -o "$o"
done
for o in refcount_bits=1 refcount_bits=2 refcount_bits=64 compat=0.10; do
	amend_same amsn.qcow2 -o "$o"
done
amend_same amsn.qcow2 -o lazy_refcounts=on -o refcount_bits=8
amend_same amov.qcow2 -o compat=0.10
amend_same amv2.qcow2 -o compat=1.1
amend_same amv2.qcow2 -o lazy_refcounts=on
amend_same amv2.qcow2 -o compat=1.1,lazy_refcounts=on,refcount_bits=4
for o in refcount_bits=1 refcount_bits=64 compat=0.10; do amend_same ambig.qcow2 -o "$o"; done
amend_same am64.qcow2 -o compat=0.10
amend_same am64.qcow2 -o refcount_bits=16,compat=0.10
amend_same amzs.qcow2 -o compat=0.10
amend_same amzc.qcow2 -o compat=0.10
amend_same am.qcow2
same "amend of a raw image: refused" amend -f raw -o compat=1.1 base.raw
same "amend of a missing image" amend -o compat=1.1 missing.qcow2

# ---- resize with internal snapshots ----
# qemu-img 7.2 grows and shrinks a v3 image with snapshots (each keeps
# its size, restored when it is applied) and refuses a v2 one.
mk qcow2 rs.qcow2 1M && qio qcow2 rs.qcow2 'write -P 1 0 1M' && qemu-img snapshot -c s1 rs.qcow2
qemu-img create -q -f qcow2 -o compat=0.10 rs2.qcow2 1M && qio qcow2 rs2.qcow2 'write -P 1 0 1M' &&
	qemu-img snapshot -c s1 rs2.qcow2
resize_same() {
	local img=$1 desc="resize $1 ${*:2}"
	shift
	cp "$img" q.img && cp "$img" n.img
	same_run "$desc: qemu-img's output and status" resize Q "$@" || return
	if qcheck n.img && qemu-img compare -q q.img n.img &&
		[ "$(qemu-img info --output=json n.img | grep virtual-size)" = \
			"$(qemu-img info --output=json q.img | grep virtual-size)" ]; then
		ok "$desc: qemu-img check clean, the same size and data"
	else
		not_ok "$desc: the images differ"
	fi
	# the snapshot brings its size and data back, applied by either tool
	cp n.img n2.img
	qemu-img snapshot -a s1 n.img && "$N" img snapshot -a s1 n2.img
	t "$desc, then snapshot -a: its size and data back (qemu-img and nido)" bash -c "
		qcheck n.img n2.img && qemu-img compare -q rs.qcow2 n.img &&
		qemu-img compare -q rs.qcow2 n2.img &&
		qemu-img info n2.img | grep -q '^virtual size: 1 MiB'"
}
for a in +1M 3G "--shrink 512k" "--shrink -64k" 1M "--preallocation=falloc +1M" \
	"--preallocation=full +1M" "--preallocation=metadata +1M"; do
	# shellcheck disable=SC2086 # options and size
	resize_same rs.qcow2 $a
done
cp rs.qcow2 q.img && cp rs.qcow2 n.img
same_run "resize rs.qcow2 512k without --shrink: refused" resize Q 512k
cp rs2.qcow2 q.img && cp rs2.qcow2 n.img
same_run "resize of a v2 image with snapshots: refused" resize Q +1M
# a nido-grown image: written past the old end, a second snapshot, the first applied
cp rs.qcow2 g.img && "$N" img resize g.img +1G >/dev/null && qio qcow2 g.img 'write -P 5 1M 64k' &&
	"$N" img snapshot -c s2 g.img && "$N" img snapshot -a s1 g.img
t "grown by nido, written, s2 taken, s1 applied: 1 MiB and s1's data" bash -c "
	qcheck g.img && qemu-img compare -q rs.qcow2 g.img"
t "then s2 applied by qemu-img: 1 GiB + 1 MiB and the data written" bash -c "
	qemu-img snapshot -a s2 g.img && qcheck g.img &&
	qemu-img info g.img | grep -q '(1074790400 bytes)' && qemu-io -c 'read -P 5 1M 64k' g.img | grep -q 'read 65536'"

# ---- dd ----
mk qcow2 ddin.qcow2 1M && qio qcow2 ddin.qcow2 'write -P 1 0 300k' && qio qcow2 ddin.qcow2 'write -P 9 700k 5k'
mk raw ddodd.raw 1001 && qio raw ddodd.raw 'write -P 4 0 1001'
dd_same() {
	local desc="dd $*"
	same "$desc" dd "$@" || return
	if [ -e q.img ] && ! qemu-img compare -q q.img n.img; then
		not_ok "$desc: the outputs read differently"
	elif [ -e q.img ] && [ "$(qemu-img info q.img | grep format)" = "file format: raw" ] &&
		! cmp -s q.img n.img; then
		not_ok "$desc: the raw outputs differ"
	else
		ok "$desc: the same output"
	fi
}
for a in "" "bs=64k" "bs=64k count=3" "bs=64k count=3 skip=1" "bs=3000 count=2" \
	"bs=1k skip=1k" "bs=1k skip=5000" "count=0" "bs=1M count=1" "bs=1.5k" "bs=513" \
	"bs=4k skip=100 count=200" "count=3 count=5"; do
	# shellcheck disable=SC2086 # operands
	dd_same if=ddin.qcow2 of=Q $a
	# shellcheck disable=SC2086
	dd_same -O qcow2 if=ddin.qcow2 of=Q $a
done
dd_same -f raw if=ddodd.raw of=Q bs=512
dd_same -f raw -O qcow2 if=ddodd.raw of=Q bs=100 skip=3
dd_same -f raw if=ddin.qcow2 of=Q bs=4k count=1
for a in "if=ddin.qcow2" "of=Q" "if=ddin.qcow2 of=Q bs=0" "if=ddin.qcow2 of=Q bs=x" \
	"if=ddin.qcow2 of=Q count=x" "if=ddin.qcow2 of=Q skip=-1" "if=ddin.qcow2 of=Q foo=1" \
	"if=ddin.qcow2 of=Q bs" "if=missing of=Q" "-O bogus if=ddin.qcow2 of=Q" \
	"if=ddin.qcow2 of=Q bs=4G"; do
	# shellcheck disable=SC2086
	same "dd $a: refused" dd $a
done

done_testing
