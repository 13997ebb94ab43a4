#!/usr/bin/env bash
# Internal snapshots of a running nido-vmm guest through nidod
# (docs/snapshots.md, "A running nido-vmm guest"): guests/count.c counts,
# keeps a table in memory of what it wrote to each disk sector and checks
# it on every read. snapshot-create-as takes its state and its qcow2
# disk's snapshot while it is paused; snapshot-revert (running, paused,
# from shut off) brings it back counting from the snapshot's count with
# memory and disk in step (a disk not reverted with the memory, or
# reverted without it, makes the guest print BAD); a tampered or
# truncated state file is refused by name with the domain left running
# as it was; snapshot-delete removes the state file and the image's
# snapshot; a raw disk is refused by name. An external disk-only
# snapshot of a running guest puts it on a new overlay at once.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
count=$build/guests/guest-count
disk=$tmp/disk.qcow2
"$NIDO" img create -f qcow2 "$disk" 1M >/dev/null
start_daemon
cat >"$tmp/cnt.xml" <<XML
<domain type='kvm'>
  <name>cnt</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><kernel>$count</kernel></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$disk'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
"$NIDO" define "$tmp/cnt.xml" >/dev/null
state=$NIDO_STATE_DIR/snapshot/cnt/s1.state

# lacks_snapshot OPT TAG: the image lists its snapshots, TAG not one.
lacks_snapshot()
{
	local out
	out=$("$NIDO" img snapshot "$1" -l "$disk") && ! grep -qw "$2" <<<"$out"
}

t_out "start" "Domain 'cnt' started" "$NIDO" start cnt
t "the guest counts" counting_past 64 "$tmp/c0"
lo=$(last_count "$tmp/c0")
t_out "snapshot-create-as of the running guest" "Domain snapshot s1 created" \
	"$NIDO" snapshot-create-as cnt s1
t_out "... it goes on running" "running" "$NIDO" domstate cnt
t "... and counting" counting_past "$lo" "$tmp/c1"
t_out "snapshot-info: State running" "running" "$NIDO" snapshot-info cnt s1
t_out "dumpxml: <state>running</state>" "<state>running</state>" \
	"$NIDO" snapshot-dumpxml cnt s1
t_out "dumpxml: <memory snapshot='internal'/>" "<memory snapshot='internal'/>" \
	"$NIDO" snapshot-dumpxml cnt s1
t "the state is in nidod's snapshot directory" test -s "$state"
t_out "the image has the snapshot s1" "s1" "$NIDO" img snapshot -U -l "$disk"
t "the guest counts well past the snapshot" counting_past $(($(last_count "$tmp/c1") + 256)) "$tmp/c2"
hi=$(last_count "$tmp/c2")

t_out "snapshot-revert while it runs" "" "$NIDO" snapshot-revert cnt s1
t_out "... running again" "running" "$NIDO" domstate cnt
t "... from the snapshot's count ($lo.., below $hi), memory and disk agree" \
	back_between "$lo" "$hi" "$tmp/r1"
t "... and goes on counting" counting_past "$(last_count "$tmp/r1")" "$tmp/r1b"
t "... without disagreement" no_bad "$tmp/r1b"
t_out "s1 is the current snapshot" "s1" "$NIDO" snapshot-current cnt --name

t_out "snapshot-revert --paused" "" "$NIDO" snapshot-revert cnt s1 --paused
t_out "... paused" "paused" "$NIDO" domstate cnt
t_out "resume" "resumed" "$NIDO" resume cnt
t "... from the snapshot's count again" back_between "$lo" "$hi" "$tmp/r2"

# hostile: the state file altered, then cut; the domain runs on as it was
t "the guest counts on" counting_past $(($(last_count "$tmp/r2") + 64)) "$tmp/c3"
cur=$(last_count "$tmp/c3")
cp --sparse=always "$state" "$tmp/good.state"
size=$(stat -c %s "$state")
printf '\x5a\x5a\x5a\x5a' | dd of="$state" bs=1 seek=$((size - 2000)) conv=notrunc 2>/dev/null
t_err "a tampered state is refused by name" "checksum mismatch" \
	"$NIDO" snapshot-revert cnt s1
t_out "... the domain still runs" "running" "$NIDO" domstate cnt
t "... where it was (past $cur, not back to the snapshot)" past "$cur" "$tmp/c4"
truncate -s $((size - 4096)) "$state"
t_err "a truncated state is refused by name" "truncated" \
	"$NIDO" snapshot-revert cnt s1
t_out "... the domain still runs" "running" "$NIDO" domstate cnt
cp --sparse=always "$tmp/good.state" "$state"

t_out "destroy" "destroyed" "$NIDO" destroy cnt
t_out "snapshot-revert of the shut off domain to s1" "" \
	"$NIDO" snapshot-revert cnt s1
t_out "... runs" "running" "$NIDO" domstate cnt
t "... from the snapshot's count" back_between "$lo" "$hi" "$tmp/r3"

t_out "suspend" "suspended" "$NIDO" suspend cnt
t_out "a snapshot of the paused guest" "Domain snapshot p1 created" \
	"$NIDO" snapshot-create-as cnt p1
t_out "... State paused" "paused" "$NIDO" snapshot-info cnt p1
t_out "... still paused" "paused" "$NIDO" domstate cnt
t_out "resume" "resumed" "$NIDO" resume cnt
t_out "revert to it comes back paused" "" "$NIDO" snapshot-revert cnt p1
t_out "... paused" "paused" "$NIDO" domstate cnt
t_out "... --running runs it" "" "$NIDO" snapshot-revert cnt p1 --running
t_out "... running" "running" "$NIDO" domstate cnt
t "... counting, without disagreement" counting_past 64 "$tmp/r4"
t "... no BAD" no_bad "$tmp/r4"

t_out "snapshot-delete s1 while it runs" "Domain snapshot s1 deleted" \
	"$NIDO" snapshot-delete cnt s1
t "... its state file is gone" test ! -e "$state"
t_out "the image keeps p1" "p1" "$NIDO" img snapshot -U -l "$disk"
t "... not s1" lacks_snapshot -U s1
t_out "destroy" "destroyed" "$NIDO" destroy cnt
t_out "snapshot-delete p1, shut off" "Domain snapshot p1 deleted" \
	"$NIDO" snapshot-delete cnt p1
t "... its state file is gone" test ! -e "$NIDO_STATE_DIR/snapshot/cnt/p1.state"
t "... and the image's snapshot" lacks_snapshot -q p1
t "the image is sound" "$NIDO" img check "$disk"

# a raw disk has no internal snapshots: refused by name
raw=$tmp/raw.img
truncate -s 1M "$raw"
sed -e "s|<name>cnt</name>|<name>raw</name>|" -e "s|type='qcow2'|type='raw'|" \
	-e "s|$disk|$raw|" "$tmp/cnt.xml" >"$tmp/raw.xml"
"$NIDO" define "$tmp/raw.xml" >/dev/null
t_out "start a guest on a raw disk" "started" "$NIDO" start raw
t_err "its running snapshot is refused, naming the disk" "vda" \
	"$NIDO" snapshot-create-as raw r1
t_out "... it runs on" "running" "$NIDO" domstate raw

# an external disk-only snapshot of the running guest: nido-vmm switches
# the disk to the overlay nidod made; the raw image below stops changing
t "the raw guest counts" counting_past 64 "$tmp/x0" raw
t_out "snapshot-create-as --disk-only while it runs" "Domain snapshot x1 created" \
	"$NIDO" snapshot-create-as raw x1 --disk-only
t_out "... the disk is the overlay now" "$tmp/raw.x1" "$NIDO" domblklist raw
t_out "... State disk-snapshot" "disk-snapshot" "$NIDO" snapshot-info raw x1
t_out "... the overlay lies over the raw image" "backing file: $raw" \
	"$NIDO" img info -U "$tmp/raw.x1"
sum0=$(md5sum <"$raw")
t "... the guest counts on" counting_past "$(last_count "$tmp/x0")" "$tmp/x1" raw
t "... memory and disk agree through the overlay" no_bad "$tmp/x1"
t "... the raw image below no longer changes" test "$(md5sum <"$raw")" = "$sum0"
t_out "save after the snapshot" "saved" "$NIDO" save raw "$tmp/raw.save"
t_out "restore onto the overlay" "restored" "$NIDO" restore "$tmp/raw.save"
t "... it counts on" counting_past "$(last_count "$tmp/x1")" "$tmp/x2" raw
t "... without disagreement" no_bad "$tmp/x2"
t "... the raw image still unchanged" test "$(md5sum <"$raw")" = "$sum0"
t_err "--live without --memspec is refused by name" "live snapshot creation is supported only" \
	"$NIDO" snapshot-create-as raw x2 --disk-only --live
# a second overlay, then an active commit into the first: the image it
# commits into is the one nido-vmm had open for writing until the
# snapshot (its locks give way to the job's writer, docs/snapshots.md)
t_out "a second --disk-only snapshot" "Domain snapshot x3 created" \
	"$NIDO" snapshot-create-as raw x3 --disk-only
t_out "... the disk is its overlay" "$tmp/raw.x3" "$NIDO" domblklist raw
t_out "blockcommit --active --pivot into the image under it" "Successfully pivoted" \
	"$NIDO" blockcommit raw vda --active --pivot --wait --base "$tmp/raw.x1"
t_out "... the disk is the first overlay again" "$tmp/raw.x1" "$NIDO" domblklist raw
t "... the guest counts on" counting_past "$(last_count "$tmp/x2")" "$tmp/x2" raw
t "... without disagreement" no_bad "$tmp/x2"
# and down into the raw image: the pivot gives nido-vmm a raw disk it did
# not start with (its I/O then on threads: the sandbox forbids new rings)
t_out "blockcommit --active --pivot into the raw image at the bottom" "Successfully pivoted" \
	"$NIDO" blockcommit raw vda --active --pivot --wait
t_out "... the disk is the raw image again" "$raw" "$NIDO" domblklist raw
t "... the guest counts on" counting_past "$(last_count "$tmp/x2")" "$tmp/x2" raw
t "... without disagreement" no_bad "$tmp/x2"
t_out "destroy" "destroyed" "$NIDO" destroy raw
finish_daemon
done_testing
