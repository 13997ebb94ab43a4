#!/usr/bin/env bash
# Issue 14: qcow2 persistent dirty bitmaps beside qemu-img 7.2: images
# with bitmaps made by qemu-img are described, checked and measured as
# qemu-img does, their clusters never taken for leaks; hostile bitmap
# directories and tables get a clear error, never a crash, and the same
# verdict as qemu-img's.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

# both CMD-ARGS...: the same output and status from both tools (names
# and the program's prefix aside).
both() {
	local desc=$1 want got rcq rcn
	shift
	want=$(qemu-img "$@" 2>&1)
	rcq=$?
	got=$("$N" img "$@" 2>&1)
	rcn=$?
	want=${want//qemu-img: /nido img: }
	if [ "$rcq" = "$rcn" ] && [ "$want" = "$got" ]; then ok "$desc"; else
		not_ok "$desc (qemu-img $rcq, nido $rcn)"
		diff <(echo "$want") <(echo "$got") | head -20 | sed 's/^/# /'
	fi
}

qemu-img create -q -f qcow2 bm.qcow2 10M
qemu-img bitmap --add bm.qcow2 b1
qemu-img bitmap --add -g 4k --disable bm.qcow2 b2
qemu-io -c 'write -P 1 0 1M' bm.qcow2 >/dev/null
both "info lists the bitmaps as qemu-img" info bm.qcow2
both "info --output=json lists the bitmaps as qemu-img" info --output=json bm.qcow2
both "check: the bitmaps' clusters are no leaks" check bm.qcow2
both "check --output=json" check --output=json bm.qcow2
for o in "" "-o cluster_size=4k" "--output=json"; do
	# shellcheck disable=SC2086
	both "measure $o: the bitmaps' size as qemu-img" measure -O qcow2 $o bm.qcow2
done
cp bm.qcow2 r.qcow2
t "check -r leaks leaves the bitmaps alone" bash -c "
	$N img check -r leaks r.qcow2 >/dev/null && qcheck r.qcow2 &&
	qemu-img info r.qcow2 | grep -q 'name: b2'"

# hostile directories and tables
hostile_bitmaps v
for f in v/*.qcow2; do
	n=$(basename "$f" .qcow2)
	q=$(qemu-img info "$f" >/dev/null 2>&1; echo $?)/$(qemu-img check "$f" >/dev/null 2>&1; echo $?)
	out=$(timeout 20 "$N" img info "$f" 2>&1 >/dev/null)
	ni=$?
	nc=$(timeout 20 "$N" img check "$f" >/dev/null 2>&1; echo $?)
	cp "$f" w.qcow2
	nr=$(timeout 20 "$N" img check -r all w.qcow2 >/dev/null 2>&1; echo $?)
	if [ "$ni/$nc" != "$q" ] || [ "$nr" -ge 124 ]; then
		not_ok "$n: info/check $ni/$nc (qemu-img $q), check -r all $nr"
		echo "# $out"
	elif [ "$ni" != 0 ] && ! grep -q "'v/$n.qcow2': bitmap" <<<"$out"; then
		not_ok "$n: refused without naming the file and the bitmaps: $out"
	else
		ok "$n: info/check $ni/$nc as qemu-img, no crash${out:+ (${out#*: })}"
	fi
done

# ---- nido img bitmap beside qemu-img bitmap ----
DUMP="python3 $HERE/bitmapdump.py"
qemu-img create -q -f qcow2 q.qcow2 10M
cp q.qcow2 n.qcow2
# op NAME ARGS...: both tools run "bitmap ARGS IMG NAME" on their copy:
# the same output and status, qemu-img check clean, the same bitmaps
# listed by qemu-img info and the same bits.
op() {
	local name=$1 want got rcq rcn bad=
	shift
	want=$(qemu-img bitmap "$@" q.qcow2 "$name" 2>&1)
	rcq=$?
	got=$("$N" img bitmap "$@" n.qcow2 "$name" 2>&1)
	rcn=$?
	want=${want//qemu-img: /nido img: }
	[ "$rcq/$want" = "$rcn/$got" ] || bad="qemu-img $rcq '$want', nido $rcn '$got'"
	qcheck n.qcow2 || bad="$bad; qemu-img check fails"
	[ "$(qemu-img info q.qcow2 | sed -n '/bitmaps:/,/refcount/p')" = \
		"$(qemu-img info n.qcow2 | sed -n '/bitmaps:/,/refcount/p')" ] || bad="$bad; qemu-img info differs"
	[ "$($DUMP q.qcow2)" = "$($DUMP n.qcow2)" ] || bad="$bad; the bits differ"
	if [ -z "$bad" ]; then ok "bitmap $* $name: as qemu-img"; else not_ok "bitmap $* $name: $bad"; fi
}
both_write() { qemu-io -c "$1" q.qcow2 >/dev/null; qemu-io -c "$1" n.qcow2 >/dev/null; }
op b1 --add
op b1 --add
op b2 --add -g 4k --disable
op b3 --add -g 512
op b1 --disable
op b1 --enable
op b4 --add --remove
op b5 --add -g 1000
op "" --add
op b5 --add -g 256
op nope --remove
op nope --clear
op nope --enable
op b1 --merge nope
op b1 -g 4k --remove
op b1
both_write 'write -P 1 0 1M'
both_write 'write -P 2 5M 3k'
op b2 --merge b1
op b3 --merge b2
op b1 --clear
op b3 --remove
op b2 --merge b2 --enable
qemu-img create -q -f qcow2 other.qcow2 10M
qemu-img bitmap --add other.qcow2 o1
qemu-io -c 'write -P 3 9M 4k' other.qcow2 >/dev/null
op b1 --merge o1 -b other.qcow2 -F qcow2
op b1 --merge o1 -b missing.qcow2
op b1 -b other.qcow2 --add
# QEMU's bound on a bitmap's size: nido adds nothing QEMU would refuse
qemu-img create -q -f qcow2 -o cluster_size=2M huge.qcow2 8P
t "bitmap --add -g 512 on 8 PiB: refused as qemu-img refuses it" bash -c "
	[ \"\$($N img bitmap --add -g 512 huge.qcow2 x 2>&1; echo \$?)\" = \
	  \"nido img: Operation add on bitmap x failed: Too much space will be occupied by the bitmap. Use larger granularity
1\" ]"
t "bitmap --add -g 64M on 8 PiB: made, and qemu-img opens it" bash -c "
	$N img bitmap --add -g 64M huge.qcow2 y && qemu-img info huge.qcow2 | grep -q 'name: y' &&
	qcheck huge.qcow2"
qemu-img create -q -f qcow2 -o compat=0.10 v2.qcow2 1M
t_rc "bitmap --add on a v2 image: refused" 1 "$N" img bitmap --add v2.qcow2 b
t "the refusal says why" bash -c "$N img bitmap --add v2.qcow2 b 2>&1 | grep -q 'Cannot store dirty bitmaps in qcow2 v2 files'"

# writes through nido's block layer set the bits of recording bitmaps as
# QEMU's do, and leave them consistent
qemu-img create -q -f qcow2 w.qcow2 10M
qemu-img bitmap --add w.qcow2 b1
qemu-img bitmap --add -g 4k w.qcow2 b2
qemu-img bitmap --add --disable w.qcow2 b3
cp w.qcow2 wq.qcow2
for w in 'write -P 1 0 1M' 'write -P 2 5M 3k' 'discard 9M 64k' 'write -P 3 10481664 4096'; do
	qemu-io -c "$w" wq.qcow2 >/dev/null
	"$IO" w.qcow2 "$w" >/dev/null
done
qemu-io -c 'write -z 8M 70k' wq.qcow2 >/dev/null
"$IO" w.qcow2 'zero 8M 70k' >/dev/null
t "writes through nido recorded as QEMU records them" diff <($DUMP wq.qcow2) <($DUMP w.qcow2)
t "after the writes: qemu-img check clean, no bitmap in use" bash -c "
	qcheck w.qcow2 && ! qemu-img info w.qcow2 | grep -q in-use"
t "convert -n into an image with bitmaps records the copy" bash -c "
	qemu-img create -q -f qcow2 cv.qcow2 10M && qemu-img bitmap --add cv.qcow2 c &&
	qemu-img create -q -f raw src.raw 10M && qemu-io -f raw -c 'write -P 7 2M 64k' src.raw >/dev/null &&
	$N img convert -n -f raw -O qcow2 src.raw cv.qcow2 && qcheck cv.qcow2 &&
	$DUMP cv.qcow2 | grep -q '2097152'"
# nido's bitmaps are QEMU's: qemu-io records into them
"$N" img create -q -f qcow2 nb.qcow2 10M
"$N" img bitmap --add nb.qcow2 b1
qemu-io -c 'write -P 1 3M 64k' nb.qcow2 >/dev/null
t "a bitmap added by nido records QEMU's writes" bash -c "
	qcheck nb.qcow2 && $DUMP nb.qcow2 | grep -q 'b1 flags=2 granularity=65536 \[3145728\]'"
# a writer killed while bitmaps record: they stay marked in use
cp w.qcow2 k.qcow2
coproc HOLD { exec "$IO" k.qcow2 'write -P 4 0 4k' hold; }
hold_pid=$HOLD_PID
read -r _ <&"${HOLD[0]}"
kill -9 "$hold_pid"
wait "$hold_pid" 2>/dev/null
t "a writer killed mid-way leaves the recording bitmaps in use" bash -c "
	qemu-img info k.qcow2 | grep -q 'in-use'"
cp k.qcow2 q.qcow2
cp k.qcow2 n.qcow2
both "check of an image whose writer was killed: as qemu-img" check k.qcow2
for o in --clear --enable --disable "--merge b3" --remove; do
	# shellcheck disable=SC2086
	op b1 $o
done
# resize: the bitmaps follow the size, as qemu-img resizes them
qemu-img create -q -f qcow2 r.qcow2 10M
qemu-img bitmap --add r.qcow2 b1
qemu-img bitmap --add -g 4k --disable r.qcow2 b2
qemu-io -c 'write -P 1 0 64k' -c 'write -P 1 9M 64k' r.qcow2 >/dev/null
qemu-img bitmap --merge b1 r.qcow2 b2
for a in +5M "--shrink 8M" "--shrink 9437185" 1G "--preallocation=full +1M"; do
	cp r.qcow2 q.qcow2
	cp r.qcow2 n.qcow2
	# shellcheck disable=SC2086
	want=$(qemu-img resize q.qcow2 $a 2>&1; echo $?)
	# shellcheck disable=SC2086
	got=$("$N" img resize n.qcow2 $a 2>&1; echo $?)
	t "resize $a with bitmaps: qemu-img's output, check clean, the same bits" bash -c "
		[ \"${want//qemu-img: /nido img: }\" = \"$got\" ] && qcheck n.qcow2 &&
		[ \"\$($DUMP q.qcow2)\" = \"\$($DUMP n.qcow2)\" ]"
done
cp r.qcow2 rs.qcow2
"$N" img bitmap --disable rs.qcow2 b1
"$N" img snapshot -c s1 rs.qcow2 && "$N" img resize rs.qcow2 +3M >/dev/null
t "snapshot -a back to a smaller size: the bitmaps follow, qemu-img opens it" bash -c "
	$N img snapshot -a s1 rs.qcow2 && qcheck rs.qcow2 &&
	qemu-img info rs.qcow2 | grep -q 'virtual size: 10 MiB' && $DUMP rs.qcow2 | grep -q '^b1 .*9437184'"
t_rc "amend compat=0.10 with bitmaps: refused" 1 "$N" img amend -o compat=0.10 w.qcow2
"$N" img snapshot -c s1 w.qcow2
t "snapshot -a with a recording bitmap: refused in qemu-img's words" bash -c "
	[ \"\$($N img snapshot -a s1 w.qcow2 2>&1; echo \$?)\" = \
	  \"nido img: Could not apply snapshot 's1': Device has active dirty bitmaps
1\" ]"
"$N" img bitmap --disable w.qcow2 b1 && "$N" img bitmap --disable w.qcow2 b2
t "snapshot -a once no bitmap records: applied" "$N" img snapshot -a s1 w.qcow2
t "after the refusals: qemu-img check clean, bitmaps kept" bash -c "
	qcheck w.qcow2 && qemu-img info w.qcow2 | grep -q 'name: b3'"

done_testing
