#!/usr/bin/env bash
# Image locking: nido and QEMU keep each other (and themselves) from
# writing an image another process uses, with qemu-img's messages and -U.
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

# hold [-r] IMG: img-io keeps IMG open (read-write, or -r read-only)
# until release; waits until it holds it.
hold() {
	local img=${*: -1}
	rm -f hold.in hold.out
	mkfifo hold.in
	"$IO" "$@" hold <hold.in >hold.out 2>&1 &
	holder=$!
	exec 3>hold.in
	for _ in $(seq 100); do grep -q held hold.out 2>/dev/null && return 0; sleep 0.1; done
	echo "# img-io did not hold $img: $(cat hold.out)"
	return 1
}
release() { exec 3>&-; wait "$holder"; }

# qhold IMG: qemu-io keeps IMG open read-write until release.
qhold() {
	rm -f qhold.in
	mkfifo qhold.in
	qemu-io "$1" <qhold.in >/dev/null 2>&1 &
	holder=$!
	exec 3>qhold.in
	for _ in $(seq 100); do
		grep -Eq ":$(stat -c %i "$1") 10[01] " /proc/locks && return 0
		sleep 0.1
	done
	echo "# qemu-io did not lock $1"
	return 1
}

"$N" img create -q -f qcow2 base.qcow2 4M
"$IO" base.qcow2 'write -P 1 0 1M'
"$N" img create -q -f qcow2 -b base.qcow2 -F qcow2 a.qcow2
"$N" img create -q -f qcow2 -b base.qcow2 -F qcow2 b.qcow2
"$N" img create -q -f raw r.raw 1M

# nido holds a.qcow2 read-write
hold a.qcow2
out=$(qemu-img info a.qcow2 2>&1)
t "qemu-img info refuses an image nido writes" bash -c "! qemu-img info a.qcow2 >/dev/null 2>&1"
t "... with its 'shared \"write\" lock' message" grep -q 'Failed to get shared "write" lock' <<<"$out"
t "qemu-img info -U reads it" qemu-img info -U a.qcow2
t "qemu-io cannot write it" bash -c "! qemu-io -c 'write 0 4k' a.qcow2 >/dev/null 2>&1"
t_rc "nido img info refuses it too" 1 "$N" img info a.qcow2
out=$("$N" img info a.qcow2 2>&1)
t "... naming the image and the lock" grep -q "a.qcow2.*failed to get shared \"write\" lock: is another process using the image?" <<<"$out"
t "nido img info -U reads it" "$N" img info -U a.qcow2
t "nido img info --force-share reads it" "$N" img info --force-share a.qcow2
t_rc "nido img check -r refuses it" 1 "$N" img check -r leaks a.qcow2
t_rc "nido img check -U -r is refused like qemu-img's" 1 "$N" img check -U -r leaks a.qcow2
out=$("$N" img check -U -r leaks a.qcow2 2>&1)
t "... with its message" grep -q "force-share=on can only be used with read-only images" <<<"$out"
t_rc "nido img snapshot -c refuses it" 1 "$N" img snapshot -c s a.qcow2
t_rc "nido img resize refuses it" 1 "$N" img resize a.qcow2 8M
t_rc "nido img convert refuses it as a source" 1 "$N" img convert -O raw a.qcow2 out.raw
t "nido img convert -U copies it" "$N" img convert -U -O raw a.qcow2 out.raw
t_rc "a second nido writer is refused" 1 "$IO" a.qcow2 'write 0 4k'
t_rc "nido img create over it is refused" 1 "$N" img create -q -f qcow2 a.qcow2 1M
t_rc "... as is nido img create -f raw" 1 "$N" img create -q -f raw a.qcow2 1M
t "... and the image is left whole" qemu-img check -U a.qcow2
t "the base, read by the holder, is shared with other readers" "$IO" -r b.qcow2 'read -P 1 0 1M'
t_rc "... but cannot be written" 1 "$IO" base.qcow2 'write 0 4k'
t "qemu-img check -U of the base works" qemu-img check -U base.qcow2
release
t "released: the image opens again" bash -c "qemu-img check a.qcow2 && $N img check a.qcow2"
t "released: no lock is left behind" bash -c "! grep -q ':$(stat -c %i a.qcow2) ' /proc/locks"

# nido holds a raw image read-only: readers share, writers wait
hold -r -f raw r.raw
t "a read-only nido holder lets qemu-img read" qemu-img info -f raw r.raw
t "... and nido read" "$N" img compare -f raw -F raw r.raw r.raw
t "... but not qemu-io write" bash -c "! qemu-io -f raw -c 'write 0 4k' r.raw >/dev/null 2>&1"
t_rc "... nor nido write" 1 "$IO" -f raw r.raw 'write 0 4k'
release

# QEMU holds b.qcow2 read-write (as a running VM would)
qhold b.qcow2
t_rc "nido img info refuses an image qemu writes" 1 "$N" img info b.qcow2
t "nido img info -U reads it" "$N" img info -U b.qcow2
t_rc "nido cannot write it" 1 "$IO" b.qcow2 'write 0 4k'
t_rc "nido img commit cannot write into its base" 1 "$N" img commit b.qcow2
t "nido img map -U reads it" "$N" img map -U b.qcow2
t "nido img measure -U reads it" "$N" img measure -U -O qcow2 b.qcow2
t "nido img compare --force-share reads it" "$N" img compare --force-share b.qcow2 b.qcow2
t "nido img snapshot --force-share -l reads it" "$N" img snapshot --force-share -l b.qcow2
t "an overlay can be created on it (external snapshot), as with qemu-img" \
	"$N" img create -q -f qcow2 -b b.qcow2 -F qcow2 over.qcow2
release

# one process, one image twice
t_rc "convert onto its own source is refused" 1 "$N" img convert -n -O qcow2 a.qcow2 a.qcow2
t "commit reopens the base it reads to write it" bash -c "$IO b.qcow2 'write -P 2 0 64k' && $N img commit b.qcow2 && $IO -r base.qcow2 'read -P 2 0 64k'"
t "rebase -U shares the backing files" "$N" img rebase -U -u -b base.qcow2 -F qcow2 a.qcow2
t_rc "resize has no -U, as in qemu-img" 1 "$N" img resize -U a.qcow2 8M
t "every image still checks clean" qcheck base.qcow2 a.qcow2 b.qcow2
done_testing
