#!/usr/bin/env bash
# Issue 10, for nido img: a backing file's format is never guessed into
# an image (-b without -F refused as qemu-img 7.2 refuses it, with its
# words and status), what an image names cannot block the tool (a FIFO
# as backing file or vmdk extent), help and version as qemu-img shows
# them, and a read-only open that finds corruption says what it did.
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }

"$N" img create -q -f raw base.raw 1M
"$N" img create -q -f qcow2 base.qcow2 1M

# same_refusal DESC NIDO-ARGS...: nido img and qemu-img both exit 1 with
# the same message (qemu-img's "qemu-img: " prefix is "nido img: " here;
# qemu-img leaves out the last newline after a hint).
same_refusal() {
	local desc=$1 want got rcq rcn
	shift
	want=$(qemu-img "$@" 2>&1 >/dev/null)
	rcq=$?
	rm -f n.qcow2 q.qcow2
	got=$("$N" img "${@//q.qcow2/n.qcow2}" 2>&1 >/dev/null)
	rcn=$?
	want=${want//qemu-img: /nido img: }
	want=${want//q.qcow2/n.qcow2}
	if [ $rcq = 1 ] && [ $rcn = 1 ] && [ "$got" = "$want" ] && [ ! -e n.qcow2 ]; then
		ok "$desc"
	else
		not_ok "$desc (qemu-img $rcq, nido $rcn)"
		printf '# qemu-img: %s\n# nido:     %s\n' "$want" "$got"
	fi
	rm -f n.qcow2 q.qcow2
}
same_refusal "create -b RAW without -F: refused as qemu-img refuses it" \
	create -f qcow2 -b base.raw q.qcow2
same_refusal "create -b QCOW2 without -F, with a size: refused, format named" \
	create -f qcow2 -b base.qcow2 q.qcow2 1M
same_refusal "create -u -b without -F: refused without opening it" \
	create -f qcow2 -u -b missing.raw q.qcow2 1M
same_refusal "create -o backing_file= without backing_fmt: refused" \
	create -f qcow2 -o backing_file=base.raw q.qcow2
t "create -u -b MISSING -F raw: created without opening the backing file" \
	bash -c "$N img create -q -f qcow2 -u -b missing.raw -F raw u.qcow2 1M &&
		qemu-img info u.qcow2 | grep -q 'backing file format: raw'"

"$N" img create -q -f qcow2 -b base.raw -F raw top.qcow2
cp top.qcow2 qtop.qcow2
t_rc "rebase -u -b without -F: exit 1" 1 "$N" img rebase -u -b base.qcow2 top.qcow2
t "rebase -u -b without -F: qemu-img's message" bash -c "
	[ \"\$($N img rebase -u -b base.qcow2 top.qcow2 2>&1)\" = \
	  \"\$(qemu-img rebase -u -b base.qcow2 qtop.qcow2 2>&1 | sed 's/^qemu-img: /nido img: /')\" ]"
t_rc "rebase -b without -F (safe): exit 1" 1 "$N" img rebase -b base.qcow2 top.qcow2
t "refused rebases left the recorded backing file alone" bash -c "
	qemu-img info top.qcow2 | grep -qx 'backing file: base.raw' &&
	qemu-img info top.qcow2 | grep -qx 'backing file format: raw' && qcheck top.qcow2"
t "rebase -u -b with -F records it" bash -c "
	$N img rebase -u -b base.qcow2 -F qcow2 top.qcow2 &&
	qemu-img info top.qcow2 | grep -qx 'backing file format: qcow2'"
t "convert -B without -F: qemu-img's message, exit 1" bash -c "
	out=\$($N img convert -O qcow2 -B base.raw base.raw c.qcow2 2>&1); rc=\$?
	[ \$rc = 1 ] && [ \"\$out\" = 'nido img: Use of backing file requires explicit backing format' ]"

# A FIFO named as a backing file or extent fails the open at once.
mkfifo fifo
"$N" img create -q -f qcow2 -u -b fifo -F raw fifo.qcow2 1M
t "info --backing-chain on a FIFO backing file: refused, no hang" bash -c "
	out=\$(timeout 60 $N img info --backing-chain fifo.qcow2 2>&1); rc=\$?
	[ \$rc = 1 ] && grep -q \"'fifo' is a FIFO\" <<<\"\$out\""
printf '# Disk DescriptorFile\nversion=1\ncreateType="monolithicFlat"\nRW 8 FLAT "fifo" 0\n' >fifo.vmdk
t "convert of a vmdk whose extent is a FIFO: refused, no hang" bash -c "
	out=\$(timeout 60 $N img convert -O raw fifo.vmdk x.raw 2>&1); rc=\$?
	[ \$rc = 1 ] && grep -q 'FIFO' <<<\"\$out\""

# Help and version, as qemu-img gives them.
t "nido img --help: exit 0, qemu-img's layout" bash -c "
	$N img --help >h.txt && head -1 h.txt | grep -q '^nido img version ' &&
	grep -q '^usage: nido img \[standard options\] command \[command options\]' h.txt &&
	grep -q '^Command syntax:' h.txt && grep -q '^Supported formats:' h.txt"
for v in bench check commit compare convert create info map measure snapshot rebase resize; do
	t "nido img $v --help: exit 0, shows its syntax" bash -c "
		$N img $v --help | grep -q '^  $v ' && $N img $v -h | grep -q '^Command syntax:'"
done
t "nido img --version and -V: exit 0" bash -c "
	$N img --version | grep -q '^nido img version ' && $N img -V | grep -q '^nido img version '"
t_rc "nido img with no verb: exit 1, as qemu-img" 1 "$N" img

# A read-only open that finds a broken table says it left the image alone.
"$N" img create -q -f qcow2 -o cluster_size=512 c.qcow2 1M
"$IO" c.qcow2 'write -P 1 0 4k'
python3 -c "
import struct,sys
f=open('c.qcow2','r+b'); l1=struct.unpack('>Q',f.read(48)[40:48])[0]
f.seek(l1); l2=struct.unpack('>Q',f.read(8))[0]&0x00fffffffffffe00
f.seek(l2); f.write(struct.pack('>Q',(1<<63)|(1<<50)))"
t "a read-only open that finds corruption does not claim to mark it" bash -c "
	out=\$($N img convert -O raw c.qcow2 y.raw 2>&1); [ \$? = 1 ] &&
	grep -q 'image is corrupt' <<<\"\$out\" && grep -q 'left unchanged' <<<\"\$out\" &&
	! grep -q 'marked corrupt' <<<\"\$out\" && $N img info c.qcow2 | grep -q 'corrupt: false'"
t "a read-write open that finds it marks it, and says so" bash -c "
	out=\$($IO c.qcow2 'write -P 2 0 1k' 2>&1); [ \$? != 0 ] &&
	grep -q 'now marked corrupt' <<<\"\$out\" && $N img info c.qcow2 | grep -q 'corrupt: true'"
done_testing
