#!/usr/bin/env bash
# Issue 14: `nido img convert --bitmaps` beside qemu-img 7.2's: the
# persistent bitmaps of a qcow2 copied into a new (or, with -n, an
# existing) qcow2 of any cluster size, compressed or not; qemu-img
# info shows the same bitmaps, qemu-img check is clean, and the bits
# are the same read by our reader and by QEMU's (qemu-nbd exporting each
# bitmap). An inconsistent bitmap fails by name unless
# --skip-broken-bitmaps; what cannot hold bitmaps is refused by name.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }
DUMP="python3 $HERE/bitmapdump.py"

# the bitmaps of IMG as qemu-img info --output=json lists them
bitmaps_json() {
	qemu-img info --output=json "$1" | python3 -c '
import json, sys
print(json.load(sys.stdin)["format-specific"]["data"].get("bitmaps"))'
}

# QEMU's own reading of bitmap NAME of IMG: qemu-nbd exports it, and
# qemu-img map shows its dirty ranges ("data": false).
qemu_bits() {
	local img=$1 name=$2 sock=$T/nbd.sock pid r
	rm -f "$sock"
	qemu-nbd -r -t -f qcow2 --socket="$sock" -B "$name" "$img" &
	pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	qemu-img map --output=json --image-opts \
		"driver=nbd,server.type=unix,server.path=$sock,x-dirty-bitmap=qemu:dirty-bitmap:$name" |
		sed 's/, "offset": [0-9]*//'
	r=$?
	kill "$pid"
	wait "$pid" 2>/dev/null
	return $r
}

# conv DESC ARGS...: both tools run "convert --bitmaps ARGS SRC OUT" to
# q.out and n.out; the same status and messages, and when it succeeded
# the same bitmaps (info, our bits, QEMU's bits), the same data and a
# clean check. PRE (a command run on both outputs first) may set up -n;
# QEMU_READS=1 has QEMU read each bitmap too (qemu-nbd: slower).
conv() {
	local desc=$1 want got rcq rcn bad='' b
	shift
	rm -f q.out n.out
	[ -n "${PRE:-}" ] && { $PRE q.out; $PRE n.out; }
	want=$(qemu-img convert --bitmaps "$@" q.out 2>&1)
	rcq=$?
	got=$("$N" img convert --bitmaps "$@" n.out 2>&1)
	rcn=$?
	want=${want//qemu-img: /nido img: }
	want=${want//qemu-img bitmap/nido img bitmap}
	[ "$rcq/$want" = "$rcn/$got" ] || bad="qemu-img $rcq '$want', nido $rcn '$got'"
	if [ -e q.out ] && [ ! -e n.out ]; then bad="$bad; nido made no output"; fi
	if [ ! -e q.out ] && [ -e n.out ]; then bad="$bad; nido made an output qemu-img does not"; fi
	if [ -e q.out ] && qemu-img info q.out 2>/dev/null | grep -q 'file format: qcow2'; then
		qcheck n.out || bad="$bad; qemu-img check fails"
		[ "$(bitmaps_json q.out)" = "$(bitmaps_json n.out)" ] ||
			bad="$bad; qemu-img info: $(bitmaps_json q.out) vs $(bitmaps_json n.out)"
		[ "$($DUMP q.out)" = "$($DUMP n.out)" ] || bad="$bad; the bits differ"
		[ -n "${QEMU_READS:-}" ] && for b in $(qemu-img info --output=json q.out | python3 -c '
import json, sys
for b in json.load(sys.stdin)["format-specific"]["data"].get("bitmaps", []):
    print(b["name"])'); do
			[ "$(qemu_bits q.out "$b")" = "$(qemu_bits n.out "$b")" ] ||
				bad="$bad; QEMU reads bitmap $b differently"
		done
		qemu-img compare -q q.out n.out || bad="$bad; the data differ"
	fi
	if [ -z "$bad" ]; then ok "$desc"; else not_ok "$desc: $bad"; fi
}

# a source with recording and disabled bitmaps of three granularities,
# written as a guest would
qemu-img create -q -f qcow2 src.qcow2 10M
qemu-img bitmap --add src.qcow2 b1
qemu-img bitmap --add -g 4k --disable src.qcow2 b2
qemu-img bitmap --add -g 512 src.qcow2 b3
qemu-img bitmap --add src.qcow2 empty
qemu-io -c 'write -P 1 0 1M' -c 'write -P 2 5M 3k' -c 'write -P 3 10481664 4096' \
	src.qcow2 >/dev/null
qemu-img bitmap --merge b1 src.qcow2 b2
qemu-img bitmap --disable src.qcow2 empty
qemu-img bitmap --clear src.qcow2 empty
qemu-io -c 'write -P 4 7M 64k' src.qcow2 >/dev/null
t "the source's bitmaps hold bits" bash -c "$DUMP src.qcow2 | grep -q '^b2 flags=0 granularity=4096 \[0, 4096'"

QEMU_READS=1 conv "qcow2 to qcow2" -O qcow2 src.qcow2
conv "compressed target" -c -O qcow2 src.qcow2
conv "target of 4k clusters" -O qcow2 -o cluster_size=4k src.qcow2
conv "target of 512-byte clusters" -O qcow2 -o cluster_size=512 src.qcow2
QEMU_READS=1 conv "compressed target of 2M clusters" -c -O qcow2 -o cluster_size=2M src.qcow2
conv "-S 0" -S 0 -O qcow2 src.qcow2
qemu-img create -q -f qcow2 plain.qcow2 10M
conv "a source without bitmaps" -O qcow2 plain.qcow2

# refusals, in qemu-img's words and at its moment (before or after the
# target is made)
conv "a raw target: refused" -O raw src.qcow2
conv "a qcow2 v2 target: refused" -O qcow2 -o compat=0.10 src.qcow2
qemu-img create -q -f raw src.raw 10M
conv "a raw source: refused" -O qcow2 src.raw
qemu-img create -q -f qcow2 -o compat=0.10 v2.qcow2 10M
conv "a qcow2 v2 source: refused" -O qcow2 v2.qcow2
conv "two sources: refused" -O qcow2 src.qcow2 src.qcow2
t "--skip-broken-bitmaps without --bitmaps: refused as qemu-img" bash -c "
	[ \"\$($N img convert --skip-broken-bitmaps -O qcow2 src.qcow2 x.qcow2 2>&1; echo \$?)\" = \
	  \"nido img: Use of --skip-broken-bitmaps requires --bitmaps
1\" ] && [ ! -e x.qcow2 ]"

# an inconsistent bitmap (marked in use, as a writer killed leaves it)
python3 - src.qcow2 broken.qcow2 b3 <<'EOF'
import struct, sys
img = bytearray(open(sys.argv[1], 'rb').read())
pos = struct.unpack_from('>I', img, 100)[0]
while struct.unpack_from('>I', img, pos)[0] != 0x23852875:
    pos += 8 + (struct.unpack_from('>I', img, pos + 4)[0] + 7) // 8 * 8
count, _, _, d = struct.unpack_from('>IIQQ', img, pos + 8)
for _ in range(count):
    extra, nsize = struct.unpack_from('>I', img, d + 20)[0], struct.unpack_from('>H', img, d + 18)[0]
    if img[d + 24 + extra:d + 24 + extra + nsize].decode() in sys.argv[3:]:
        struct.pack_into('>I', img, d + 12, struct.unpack_from('>I', img, d + 12)[0] | 1)
    d += (24 + extra + nsize + 7) // 8 * 8
open(sys.argv[2], 'wb').write(img)
EOF
t "the crafted bitmap reads as in use" bash -c "qemu-img info broken.qcow2 | grep -q in-use"
conv "an inconsistent bitmap: refused by name, nothing made" -O qcow2 broken.qcow2
conv "--skip-broken-bitmaps: the others copied, a warning names it" \
	--skip-broken-bitmaps -O qcow2 broken.qcow2
t "nido's warning names the bitmap left out" bash -c "
	$N img convert --bitmaps --skip-broken-bitmaps -O qcow2 broken.qcow2 sk.qcow2 2>&1 |
	grep -qx \"nido img: warning: Skipping inconsistent bitmap 'b3'\" &&
	! qemu-img info sk.qcow2 | grep -q 'name: b3'"

# -n: an existing target
mkpre0() { qemu-img create -q -f qcow2 "$1" 10M; }
PRE=mkpre0 conv "-n into an empty qcow2 of the size" -n -O qcow2 src.qcow2
PRE=mkpre0 conv "-n -O raw into a qcow2: opened as raw, refused" -n -O raw src.qcow2
mkpre() { qemu-img create -q -f qcow2 "$1" 10M && qemu-img bitmap --add "$1" mine; }
PRE=mkpre conv "-n into a qcow2 with a bitmap: kept, the source's after it" -n -O qcow2 src.qcow2
mkpre2() { qemu-img create -q -f qcow2 "$1" 10M && qemu-img bitmap --add "$1" b2; }
PRE=mkpre2 conv "-n: a name already there fails, what was added stays" -n -O qcow2 src.qcow2
mkpre3() { qemu-img create -q -f qcow2 "$1" 20M; }
PRE=mkpre3 conv "-n into a larger qcow2: refused, nothing added" -n -O qcow2 src.qcow2
mkpre4() { qemu-img create -q -f raw "$1" 10M; }
PRE=mkpre4 conv "-n into a raw image: refused" -n -O raw src.qcow2
unset PRE

# both ways: a source whose bitmaps nido made and nido's writes recorded
"$N" img create -q -f qcow2 -o cluster_size=4k nsrc.qcow2 3M
"$N" img bitmap --add -g 8k nsrc.qcow2 n1
"$N" img bitmap --add --disable nsrc.qcow2 n2
"$IO" nsrc.qcow2 'write -P 5 12k 100k' >/dev/null
"$IO" nsrc.qcow2 'write -P 6 2M 4k' >/dev/null
"$N" img bitmap --merge n1 nsrc.qcow2 n2
t "nido's writes recorded in its bitmap" bash -c "$DUMP nsrc.qcow2 | grep -q '^n1 flags=2 granularity=8192 \[8192'"
conv "a source nido wrote, converted by both" -O qcow2 nsrc.qcow2
QEMU_READS=1 conv "the same, compressed into 64k clusters" -c -O qcow2 nsrc.qcow2

# hostile bitmap directories and tables (bitmap.sh's variants): the
# same verdict as qemu-img's, a clean target when it succeeds, no crash
hostile_bitmaps v
for f in v/*.qcow2; do
	n=$(basename "$f" .qcow2)
	rm -f q.out n.out
	rcq=$(qemu-img convert --bitmaps -O qcow2 "$f" q.out >/dev/null 2>&1; echo $?)
	out=$(timeout 20 "$N" img convert --bitmaps -O qcow2 "$f" n.out 2>&1)
	rcn=$?
	if [ "$rcq" != "$rcn" ]; then
		not_ok "$n: convert --bitmaps exits $rcn, qemu-img $rcq: $out"
	elif [ "$rcn" = 0 ] && ! { qcheck n.out && [ "$($DUMP q.out)" = "$($DUMP n.out)" ]; }; then
		not_ok "$n: the copy differs from qemu-img's or is not clean"
	else
		ok "$n: convert --bitmaps exits $rcn as qemu-img${out:+ (${out#*: })}"
	fi
done

done_testing
