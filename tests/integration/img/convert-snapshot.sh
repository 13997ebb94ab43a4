#!/usr/bin/env bash
# nido img convert -l: a qcow2 read at an internal snapshot gives what
# qemu-img convert -l gives, byte for byte; qemu-img's words for what is
# refused; a hostile snapshot table refused by name; the image in use by
# a writer read shared (-U).
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

# base <- a.qcow2 (512 B clusters): data in the backing file, in the
# image before s1, between s1 and s2 (compressed too), after s2, a resize
qemu-img create -q -f qcow2 -o cluster_size=512 base.qcow2 2M
qemu-io -c 'write -P 7 1M 64k' base.qcow2 >/dev/null
qemu-img create -q -f qcow2 -o cluster_size=512 -b base.qcow2 -F qcow2 a.qcow2 2M
qemu-io -c 'write -P 1 0 64k' -c 'write -P 1 1M 4k' a.qcow2 >/dev/null
qemu-img snapshot -c s1 a.qcow2
qemu-io -c 'write -P 2 32k 64k' -c 'write -c -P 3 512k 4k' -c 'write -z 0 4k' a.qcow2 >/dev/null
qemu-img snapshot -c s2 a.qcow2
qemu-io -c 'write -P 4 0 128k' -c 'discard 512k 4k' a.qcow2 >/dev/null
qemu-img resize -q a.qcow2 3M

same() { # PARAM: nido's and qemu-img's raw output identical
	rm -f n.raw q.raw
	"$N" img convert -O raw -l "$1" a.qcow2 n.raw &&
		qemu-img convert -O raw -l "$1" a.qcow2 q.raw && cmp n.raw q.raw
}
for p in snapshot.id=1 snapshot.name=s1 s1 1 snapshot.id=2,snapshot.name=s2 s2; do
	t "-l $p: as qemu-img convert -l" same "$p"
done
t "the snapshot is not the current content" bash -c \
	"$N img convert -O raw -l s1 a.qcow2 s1.raw && $N img convert -O raw a.qcow2 now.raw && ! cmp -s s1.raw now.raw"
t "-O qcow2 -l s2: reads as qemu-img's extract" bash -c \
	"$N img convert -O qcow2 -l s2 a.qcow2 n.qcow2 && qemu-img convert -O raw -l s2 a.qcow2 q2.raw && $N img compare n.qcow2 q2.raw && qcheck n.qcow2"

t "measure -l s1: as qemu-img measure -l" bash -c \
	"diff <($N img measure -O qcow2 -l s1 a.qcow2) <(qemu-img measure -O qcow2 -l s1 a.qcow2)"
t "measure -l s1 needs less than the image now" bash -c \
	"! diff -q <($N img measure -O qcow2 -l s1 a.qcow2) <($N img measure -O qcow2 a.qcow2)"
t_rc "measure --size with -l: refused as qemu-img" 1 \
	"$N" img measure --size 1M -l s1 -O qcow2

refused() { # WANT PARAM ARGS...: exit 1, the message, no output file
	local want=$1 out
	shift
	rm -f o.raw
	out=$("$N" img convert -O raw -l "$@" o.raw 2>&1)
	[ $? = 1 ] && [ ! -e o.raw ] && grep -qF -- "$want" <<<"$out" ||
		{ echo "$out"; return 1; }
}
t "a missing id: qemu-img's words" refused \
	"nido img: Failed to load snapshot: Can't find snapshot" snapshot.id=3 a.qcow2
t "a missing name: qemu-img's words" refused "Can't find snapshot" nosuch a.qcow2
t "id and name of two snapshots: not found" refused \
	"Can't find snapshot" snapshot.id=1,snapshot.name=s2 a.qcow2
t "an unknown key: qemu-img's words" refused \
	"Failed in parsing snapshot param 'snapshot.size=1'" snapshot.size=1 a.qcow2
t "several sources: refused" refused \
	"No support for concatenating multiple snapshot" s1 a.qcow2 a.qcow2
qemu-img create -q -f raw r.raw 64k
t "a raw source: no internal snapshots" refused \
	"does not support temporarily loading internal snapshots" s1 r.raw
t_rc "-s (gone from qemu-img 7.2): unknown option" 1 \
	"$N" img convert -O raw -s s1 a.qcow2 o.raw

# in use: a writer holds the image; -U reads the snapshot meanwhile
cp a.qcow2 busy.qcow2
qemu-io -c 'write -P 9 0 1M' -c 'sleep 20000' busy.qcow2 >/dev/null 2>&1 &
writer=$!
for _ in $(seq 50); do
	qemu-img info busy.qcow2 >/dev/null 2>&1 || break
	sleep 0.1
done
t_rc "in use, without -U: refused (locked)" 1 \
	"$N" img convert -O raw -l s1 busy.qcow2 o.raw
t "in use, with -U: the snapshot as qemu-img reads it" bash -c \
	"$N img convert -U -O raw -l s1 busy.qcow2 b.raw && qemu-img convert -U -O raw -l s1 busy.qcow2 qb.raw && cmp b.raw qb.raw"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null

# hostile snapshot tables: the L1 table of snapshot s1 out of the file
poke() { # OUT L1_OFFSET L1_SIZE: a copy of a.qcow2, s1's L1 entry set
	python3 - a.qcow2 "$@" <<'PY'
import struct, sys
src, out, off, size = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), int(sys.argv[4], 0)
b = bytearray(open(src, 'rb').read())
snaps = struct.unpack_from('>Q', b, 64)[0]
struct.pack_into('>QI', b, snaps, off, size)
open(out, 'wb').write(b)
PY
}
poke l1-beyond.qcow2 $((1 << 40)) 4
poke l1-long.qcow2 512 $((4 << 20))
poke l1-header.qcow2 0 4
for f in l1-beyond l1-long l1-header; do
	t "$f: refused naming the image and the snapshot" refused \
		"'$f.qcow2': snapshot 's1': L1 table offset" s1 $f.qcow2
	t "$f: the other snapshot still reads" same s2
done
done_testing
