#!/usr/bin/env bash
# Block jobs on nido-vmm (docs/snapshots.md, "Block jobs on nido-vmm"),
# through the CLI, while guests/blkpat.c writes its disk's first MiB
# over and over and reads it back (it prints BAD if what it reads is not
# what it wrote): blockpull flattens the chain; blockcommit --top the
# middle image; blockcommit --active --pivot makes the base the disk;
# an active commit aborted leaves the chain; --bandwidth shows in the
# progress; nido-vmm killed in the middle of a job leaves images that
# check clean. After each, with the guest stopped, the image holds what
# the guest last wrote over what the chain had (nido img compare with
# an image this script builds) and qemu-img check finds nothing.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
	echo "1..0 # SKIP needs qemu-img and qemu-io"
	exit 0
fi
guest=$build/guests/guest-blkpat
start_daemon

# The chain: base.qcow2 (1-8 MiB of 0x11, the first MiB 0x22), mid.qcow2
# (2-3 MiB of 0x33), top.qcow2 empty, in directory $1.
make_chain() {
	mkdir -p "$1"
	(cd "$1" && qemu-img create -q -f qcow2 base.qcow2 16M &&
		qemu-io -c 'write -P 0x22 0 1M' -c 'write -P 0x11 1M 7M' \
			base.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 mid.qcow2 &&
		qemu-io -c 'write -P 0x33 2M 1M' mid.qcow2 >/dev/null &&
		qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2)
}

# What the disk reads once the guest is done: its last pass over the
# first MiB, the chain's data below it.
python3 - "$tmp/expected.raw" <<'PY'
import struct, sys
M = 1 << 20
img = bytearray(16 * M)
img[1 * M:8 * M] = b'\x11' * (7 * M)
img[2 * M:3 * M] = b'\x33' * M
p = 12
for s in range(2048):
    w = [0x6f64696e, p, s] + [((p * 2654435761) ^ (s * 40503) ^ k) & 0xffffffff
                              for k in range(3, 128)]
    img[s * 512:(s + 1) * 512] = struct.pack('<128I', *w)
open(sys.argv[1], 'wb').write(img)
PY

# define NAME DIR: the domain on DIR's top.qcow2.
define() {
	cat >"$tmp/$1.xml" <<XML
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><kernel>$guest</kernel></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$2/top.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
	"$NIDO" define "$tmp/$1.xml" >/dev/null
}

# writing NAME: the guest is under way (its first pass checked).
writing() {
	t_out "$1: the guest writes its disk" "pass 1 ok" hear "$1" "pass 1 ok"
}

# finished NAME: the guest wrote its last pass and read it back after
# the job, with nothing BAD on the way; then it is stopped.
finished() {
	local out
	out=$(hear "$1" "check ")
	if [[ $out =~ check\ [0-9]+\ ok && $out != *BAD* ]]; then
		ok "$1: the guest read back all it wrote"
	else
		not_ok "$1: the guest read back all it wrote" "$out"
	fi
	"$NIDO" destroy "$1" >/dev/null
}

# clean WHAT FILE...: qemu-img check finds nothing in each FILE.
clean() {
	local what=$1 f out bad=
	shift
	for f in "$@"; do
		out=$(qemu-img check "$f" 2>&1) || bad+="$f: $out"$'\n'
	done
	if [ -z "$bad" ]; then ok "$what: qemu-img check is clean"; else
		not_ok "$what: qemu-img check is clean" "$bad"; fi
}

# intact WHAT FILE...: qemu-img check finds no corruption in each FILE
# (a writer killed may leave leaked clusters: status 3, no harm to data).
intact() {
	local what=$1 f out rc bad=
	shift
	for f in "$@"; do
		out=$(qemu-img check "$f" 2>&1)
		rc=$?
		[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || bad+="$f: $out"$'\n'
	done
	if [ -z "$bad" ]; then ok "$what: qemu-img check finds no corruption"; else
		not_ok "$what: qemu-img check finds no corruption" "$bad"; fi
}

# ---- blockpull while the guest writes ----
d=$tmp/pull
make_chain "$d"
define bp "$d"
t_out "bp: started" "Domain 'bp' started" "$NIDO" start bp
writing bp
out=$("$NIDO" blockpull bp vda --wait --verbose --bandwidth 4 2>&1)
t_out "bp: blockpull --wait" "Pull complete" echo "$out"
t_out "bp: progress shown" "Block Pull: [" echo "$out"
t_out "bp: the live XML has no backing file left" \
	"<source file='$d/top.qcow2'/>
      <backingStore/>" "$NIDO" dumpxml bp
t_out "bp: the persistent XML too" "<backingStore/>" "$NIDO" dumpxml --inactive bp
t_err "bp: no job left to abort" "no active block job" "$NIDO" blockjob bp vda --abort
finished bp
t_out "bp: top.qcow2 stands alone" "image: $d/top.qcow2" \
	bash -c "qemu-img info --backing-chain '$d/top.qcow2' | grep -c '^image:' | grep -qx 1 && qemu-img info '$d/top.qcow2'"
clean bp "$d/top.qcow2"
t_out "bp: top.qcow2 holds what the guest and the chain wrote" \
	"Images are identical" "$NIDO" img compare "$tmp/expected.raw" "$d/top.qcow2"

# ---- blockcommit of the middle image while the guest writes ----
d=$tmp/commit
make_chain "$d"
define bc "$d"
t_out "bc: started" "Domain 'bc' started" "$NIDO" start bc
writing bc
t_out "bc: blockcommit --top mid.qcow2 --wait" "Commit complete" \
	"$NIDO" blockcommit bc vda --top "$d/mid.qcow2" --wait
out=$("$NIDO" dumpxml bc)
t_out "bc: the live chain is top, base" "<source file='$d/top.qcow2'/>
      <backingStore type='file' index='1'>
        <format type='qcow2'/>
        <source file='$d/base.qcow2'/>
        <backingStore/>" echo "$out"
finished bc
t_out "bc: top.qcow2 now names base.qcow2" "backing file: $d/base.qcow2" \
	qemu-img info "$d/top.qcow2"
clean bc "$d/top.qcow2" "$d/base.qcow2"
t_out "bc: the chain reads what the guest and the images wrote" \
	"Images are identical" "$NIDO" img compare "$tmp/expected.raw" "$d/top.qcow2"

# ---- active commit and pivot while the guest writes ----
d=$tmp/active
make_chain "$d"
define ac "$d"
t_out "ac: started" "Domain 'ac' started" "$NIDO" start ac
writing ac
out=$("$NIDO" blockcommit ac vda --active --pivot --verbose 2>&1)
t_out "ac: blockcommit --active --pivot" "Successfully pivoted" echo "$out"
t_out "ac: the disk is base.qcow2 now" "<source file='$d/base.qcow2'/>
      <backingStore/>" "$NIDO" dumpxml ac
t_out "ac: in the persistent XML too" "<source file='$d/base.qcow2'/>" \
	"$NIDO" dumpxml --inactive ac
finished ac
clean ac "$d/base.qcow2"
t_out "ac: base.qcow2 holds all the guest wrote" \
	"Images are identical" "$NIDO" img compare "$tmp/expected.raw" "$d/base.qcow2"

# ---- an active commit aborted; --bandwidth in the progress ----
d=$tmp/abort
make_chain "$d"
# 5 MiB more for the commit to copy (what base holds there already: the
# disk reads the same); at 128 KiB/s (--bytes) the job is under way for
# a minute, long past the checks below however loaded the machine is
qemu-io -c 'write -P 0x11 3M 5M' "$d/mid.qcow2" >/dev/null
define ab "$d"
t_out "ab: started" "Domain 'ab' started" "$NIDO" start ab
writing ab
t_out "ab: blockcommit --active --bandwidth 131072 --bytes" "Block Commit started" \
	"$NIDO" blockcommit ab vda --active --bandwidth 131072 --bytes
i1=$("$NIDO" blockjob ab vda --info --raw 2>&1)
sleep 0.5
i2=$("$NIDO" blockjob ab vda --info --raw 2>&1)
c1=$(sed -n 's/.*cur=\([0-9]*\).*/\1/p' <<<"$i1")
c2=$(sed -n 's/.*cur=\([0-9]*\).*/\1/p' <<<"$i2")
e2=$(sed -n 's/.*end=\([0-9]*\).*/\1/p' <<<"$i2")
if [ -n "$c1" ] && [ -n "$c2" ] && [ "$c1" -le "$c2" ] && [ "$c2" -lt "$e2" ]; then
	ok "ab: at 128 KiB/s the job is under way: cur $c1 <= $c2 < end $e2"
else
	not_ok "ab: at 128 KiB/s the job is under way" "$i1" "$i2"
fi
t_out "ab: blockjob --info" "Active Block Commit: [" "$NIDO" blockjob ab vda --info
t_out "ab: --info --raw --bytes gives the bandwidth in bytes/s" "bandwidth=131072" \
	"$NIDO" blockjob ab vda --info --raw --bytes
t_out "ab: --info --raw in MiB/s, as virsh (under 1 MiB/s is not 0, no limit)" \
	$'bandwidth=1\n' "$NIDO" blockjob ab vda --info --raw
t_err "ab: no pivot before it is ready" "not ready for pivot" \
	"$NIDO" blockjob ab vda --pivot
t "ab: blockjob --bandwidth 262144 --bytes" \
	"$NIDO" blockjob ab vda --bandwidth 262144 --bytes
t_out "ab: ... and --info --raw --bytes has it" "bandwidth=262144" \
	"$NIDO" blockjob ab vda --info --raw --bytes
t_err "ab: --bandwidth of no number" "a number of bytes/s" \
	"$NIDO" blockjob ab vda --bandwidth 1k --bytes
t "ab: blockjob --abort" "$NIDO" blockjob ab vda --abort
t_out "ab: no job left" "No current block job" "$NIDO" blockjob ab vda --info
t_out "ab: the chain is as it was" "<source file='$d/mid.qcow2'/>" "$NIDO" dumpxml ab
finished ab
clean ab "$d/top.qcow2" "$d/mid.qcow2" "$d/base.qcow2"
t_out "ab: the chain reads what the guest and the images wrote" \
	"Images are identical" "$NIDO" img compare "$tmp/expected.raw" "$d/top.qcow2"

# ---- hostile requests ----
d=$tmp/host
make_chain "$d"
define hs "$d"
"$NIDO" start hs >/dev/null
t_err "hs: a base outside the chain" "is not in the disk's backing chain" \
	"$NIDO" blockpull hs vda --base /etc/passwd
t_err "hs: commit of the active layer without --active" "needs --active" \
	"$NIDO" blockcommit hs vda
t_err "hs: no disk vdz" "no disk 'vdz'" "$NIDO" blockpull hs vdz

# ---- nido-vmm killed in the middle of a job ----
t_out "hs: blockpull --bandwidth 1" "Block Pull started" \
	"$NIDO" blockpull hs vda --bandwidth 1
sleep 1
kill -KILL "$(vm_pid hs)"
wait_for 30 state_starts hs "shut off"
intact "killed" "$d/top.qcow2" "$d/mid.qcow2" "$d/base.qcow2"
t_out "killed: the chain is whole" "image: $d/base.qcow2" \
	qemu-img info --backing-chain "$d/top.qcow2"
t_out "killed: the domain starts again on it" "Domain 'hs' started" \
	"$NIDO" start hs
"$NIDO" destroy hs >/dev/null

done_testing
