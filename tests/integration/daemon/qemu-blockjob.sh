#!/usr/bin/env bash
# External disk-only snapshots and block jobs of a running guest on the
# qemu driver, with TCG, in one boot (docs/snapshots.md): the guest
# writes its virtio disk; snapshot-create-as --disk-only puts an overlay
# over it (blockdev-add, blockdev-snapshot) and the guest's next write
# lands there, the base unchanged; blockcommit --active --pivot brings
# it down to the base, which the domain then runs on (live and
# persistent definitions); a second snapshot's chain is pulled into its
# overlay (blockpull, slowed down so that blockjob --info shows it under
# way); hostile requests refused by name; a nidod killed and restarted
# mid-life reads the chains from QEMU's block nodes; snapshot-delete
# merges external snapshots' overlays while the guest runs;
# snapshot-revert to one stops the domain (and --paused starts it).
. "$(dirname "$0")/lib.sh"

command -v qemu-io >/dev/null || {
	skip "block jobs on the qemu driver" "qemu-io is not installed (qemu-utils)"
	done_testing
	exit
}
# the virtio PCI and block drivers, loaded by /etc/nido-extra
guest_extra "$tmp/extra" drivers/virtio/virtio_ring drivers/virtio/virtio \
	drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev \
	drivers/virtio/virtio_pci drivers/block/virtio_blk || {
	skip "block jobs on the qemu driver" "no guest material (scripts/lib/guest-material.sh)"
	done_testing
	exit
}
NIDO_BIOS_EXTRA=$tmp/extra qemu_bios_disk "block jobs on the qemu driver"

mkdir -p "$tmp/img"
data=$tmp/img/data.qcow2
qemu-img create -q -f qcow2 "$data" 16M
# 4 MiB the pull copies, at 1 MiB/s: long enough to be seen under way
qemu-io -f qcow2 -c "write -q -P 0x11 0 4M" "$data" >/dev/null
cat >"$tmp/bj.xml" <<XML
<domain type='qemu'>
  <name>bj</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='hda' bus='ide'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='$data'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML

# holds IMAGE WORD: the image (shared with the running QEMU) starts with
# WORD.
holds() {
	qemu-io -U -r -f qcow2 -c "read -v 0 16" "$1" | grep -q "  $2"
}
# wr WORD: the guest writes WORD at the start of its virtio disk (once
# its driver found it: /etc/nido-extra loads it as the guest boots).
wr() {
	local out deadline=$((SECONDS + 120))
	while [ $SECONDS -lt $deadline ]; do
		out=$(qemu_ask bj "wr vda $1" "WROTE:$1:")
		[[ $out == *"WROTE:$1:0"* ]] && return 0
		[[ $out == *"WROTE:$1:no-device"* ]] || return 1
		sleep 1
	done
	return 1
}

start_daemon
"$NIDO" define "$tmp/bj.xml" >/dev/null
"$NIDO" start bj >/dev/null
t "the guest boots and writes its disk" wr one
t "... the image holds it" holds "$data" one

over=$tmp/img/data.s1
t_out "snapshot-create-as --disk-only while it runs" \
	"Domain snapshot s1 created" \
	"$NIDO" snapshot-create-as bj s1 --disk-only --diskspec hda,snapshot=no
t "... still running" state_starts bj "running"
t "... the overlay, named as libvirt names it, over the image" sh -c \
	"qemu-img info -U '$over' | grep -q 'backing file: $data'"
t "the guest writes again" wr two
t "... into the overlay" holds "$over" two
t "... the base unchanged" holds "$data" one
t "nido img info --backing-chain: the overlay, then the base" sh -c \
	"'$NIDO' img info -U --backing-chain '$over' | grep -c '^image:' | grep -qx 2"
t_out "blkdeviotune reads the disk's limits on its new top" "total_bytes_sec: 0" \
	"$NIDO" blkdeviotune bj vda
t "the live definition names the overlay" sh -c \
	"'$NIDO' dumpxml bj | grep -q \"<source file='$over'/>\""
t "... and so does the persistent one" sh -c \
	"'$NIDO' dumpxml --inactive bj | grep -q \"<source file='$over'/>\""

# nidod killed while the guest runs over the overlay: the new one reads
# the chain from QEMU's block nodes, and the jobs below work on it
pid=$(vm_pid bj)
stop_daemon KILL
start_daemon
t "a restarted nidod re-attaches to the same QEMU" test "$(vm_pid bj)" = "$pid"
wait_for 30 sh -c "'$NIDO' blockjob bj vda --info 2>&1 | grep -q 'No current block job'"
t_out "... and knows the disk's chain again (blockjob --info)" \
	"No current block job for vda" "$NIDO" blockjob bj vda --info
t "... the live definition still names the overlay over the image" sh -c \
	"'$NIDO' dumpxml bj | grep -q \"<source file='$over'/>\" && '$NIDO' dumpxml bj | grep -q \"<source file='$data'/>\""

# hostile requests
t_err "blockcommit of an unknown disk" "no disk 'vdz' in the running domain" \
	"$NIDO" blockcommit bj vdz --active
t_err "blockcommit of the active layer without --active" "needs --active" \
	"$NIDO" blockcommit bj vda
t_err "a base not in the chain" "'/nope.qcow2' is not in the disk's backing chain" \
	"$NIDO" blockcommit bj vda --active --base /nope.qcow2
t_err "a disk with no backing image" "disk 'hda' has no backing image" \
	"$NIDO" blockpull bj hda
t_err "an overlay that exists, without --reuse-external" "already exists" \
	"$NIDO" snapshot-create-as bj s9 --disk-only --diskspec hda,snapshot=no \
	--diskspec "vda,file=$data"
t_err "blockjob --pivot with no job" "no active block job on disk 'vda'" \
	"$NIDO" blockjob bj vda --pivot
t_out "blockjob --info with no job" "No current block job for vda" \
	"$NIDO" blockjob bj vda --info

t_out "blockcommit --active --pivot --wait" "Successfully pivoted" \
	"$NIDO" blockcommit bj vda --active --pivot --wait --verbose
t "... the guest's write is in the base now" holds "$data" two
t "... the domain runs on the base (live definition)" sh -c \
	"'$NIDO' dumpxml bj | grep -q \"<source file='$data'/>\" && ! '$NIDO' dumpxml bj | grep -q '$over'"
t "... and persistent" sh -c \
	"'$NIDO' dumpxml --inactive bj | grep -q \"<source file='$data'/>\" && ! '$NIDO' dumpxml --inactive bj | grep -q '$over'"
t "the guest writes on" wr three
t "... into the base" holds "$data" three

t_out "another external snapshot" "Domain snapshot s2 created" \
	"$NIDO" snapshot-create-as bj s2 --disk-only --diskspec hda,snapshot=no \
	--diskspec "vda,file=$tmp/img/top.qcow2"
t_out "blockcommit --active --wait: synchronized, not pivoted" \
	"Now in synchronized phase" "$NIDO" blockcommit bj vda --active --wait
t_out "blockjob --info: ready" "Active Block Commit: [100 %]" \
	"$NIDO" blockjob bj vda --info
t_out "blockjob --abort" "" "$NIDO" blockjob bj vda --abort
wait_for 30 sh -c "'$NIDO' blockjob bj vda --info | grep -q 'No current block job'"
t "... the job ends, the overlay still the top" sh -c \
	"'$NIDO' dumpxml bj | grep -q \"<source file='$tmp/img/top.qcow2'/>\""
t_out "blockpull, at 1 MiB/s" "Block Pull started" \
	"$NIDO" blockpull bj vda --bandwidth 1
t_out "blockjob --info shows it under way" "Block Pull: [" \
	"$NIDO" blockjob bj vda --info
t_err "a second job on the disk is refused" "already has a block job" \
	"$NIDO" blockcommit bj vda --active
t_err "blockjob --pivot of a pull is refused" "no active commit" \
	"$NIDO" blockjob bj vda --pivot
t_out "blockjob --bandwidth 0 lifts its limit" "" \
	"$NIDO" blockjob bj vda --bandwidth 0
wait_for 60 sh -c "'$NIDO' blockjob bj vda --info | grep -q 'No current block job'"
t "the pull ends" sh -c "'$NIDO' blockjob bj vda --info | grep -q 'No current block job'"
t "... the overlay stands alone" sh -c \
	"! qemu-img info -U '$tmp/img/top.qcow2' | grep -q 'backing file'"
t "... and the definition has no backing store" sh -c \
	"! '$NIDO' dumpxml --inactive bj | grep -q \"<source file='$data'/>\""
# (its write flushes what QEMU keeps of the image's tables)
t "the guest writes on" wr four
t "... into the pulled image" holds "$tmp/img/top.qcow2" four
t "... which has the base's data" sh -c \
	"qemu-io -U -r -f qcow2 -c 'read -q -P 0x11 1M 3M' '$tmp/img/top.qcow2' | grep -q . && exit 1; exit 0"

# snapshot-delete of external snapshots while the guest runs: their
# overlays merged by commit jobs (libvirt 9.x's)
x3=$tmp/img/top.s3
x4=$tmp/img/top.s4
t_out "s3 over the pulled image" "Domain snapshot s3 created" \
	"$NIDO" snapshot-create-as bj s3 --disk-only --diskspec hda,snapshot=no
wr five
t "the guest writes into s3's overlay" holds "$x3" five
t_out "s4 over it" "Domain snapshot s4 created" \
	"$NIDO" snapshot-create-as bj s4 --disk-only --diskspec hda,snapshot=no
wr six
t "the guest writes into s4's overlay" holds "$x4" six
t_out "a commit left synchronized" "Now in synchronized phase" \
	"$NIDO" blockcommit bj vda --active --wait
t_err "snapshot-delete while the disk has a block job is refused by name" \
	"disk 'vda' already has a block job" "$NIDO" snapshot-delete bj s3
"$NIDO" blockjob bj vda --abort >/dev/null
wait_for 30 sh -c "'$NIDO' blockjob bj vda --info | grep -q 'No current block job'"
t_out "snapshot-delete s3 while it runs: merged" "Domain snapshot s3 deleted" \
	"$NIDO" snapshot-delete bj s3
t "... s3's overlay is in the image below, and gone" sh -c \
	"qemu-io -U -r -f qcow2 -c 'read -v 0 16' '$tmp/img/top.qcow2' | grep -q '  five' && test ! -e '$x3'"
t "... s4's overlay now over the image (chain of 2)" sh -c \
	"qemu-img info -U '$x4' | grep -q 'backing file: $tmp/img/top.qcow2' && '$NIDO' dumpxml bj | grep -c '<source file=' | grep -qx 3"
t "... s4's definition follows" sh -c \
	"'$NIDO' snapshot-dumpxml bj s4 | grep -q \"<source file='$tmp/img/top.qcow2'/>\" && ! '$NIDO' snapshot-dumpxml bj s4 | grep -q '$x3'"
t_out "snapshot-delete s4 (the active layer) while it runs" \
	"Domain snapshot s4 deleted" "$NIDO" snapshot-delete bj s4
t "... the guest runs on the image (live and persistent)" sh -c \
	"'$NIDO' dumpxml bj | grep -q \"<source file='$tmp/img/top.qcow2'/>\" && '$NIDO' dumpxml --inactive bj | grep -q \"<source file='$tmp/img/top.qcow2'/>\" && test ! -e '$x4'"
t "... which holds s4's overlay's write" holds "$tmp/img/top.qcow2" six
t "the guest writes on" wr seven
t "... into the image" holds "$tmp/img/top.qcow2" seven

# snapshot-revert of the running domain to a disk-only snapshot (libvirt
# 9.9's): it stops, shut off "from snapshot"; the disk a new overlay over
# the snapshot's image; --paused starts QEMU again (paused: no boot)
x5=$tmp/img/top.s5
t_out "s5 over the image" "Domain snapshot s5 created" \
	"$NIDO" snapshot-create-as bj s5 --disk-only --diskspec hda,snapshot=no
t "the guest writes into s5's overlay" wr eight
t "... there" holds "$x5" eight
t_out "snapshot-revert to s5 while it runs" "" "$NIDO" snapshot-revert bj s5
t_out "... shut off, from snapshot" "shut off (from snapshot)" \
	"$NIDO" domstate bj --reason
t "... s5's overlay, the state since, is removed" test ! -e "$x5"
n5=$("$NIDO" domblklist bj | awk '$1 == "vda" {print $2}')
t "... the disk is a new overlay ($n5) over s5's image" sh -c \
	"case '$n5' in '$tmp'/img/top.s5-*) ;; *) exit 1;; esac && qemu-img info '$n5' | grep -q 'backing file: $tmp/img/top.qcow2'"
t "... which reads s5's state" sh -c \
	"qemu-io -r -f qcow2 -c 'read -v 0 16' '$n5' | grep -q '  seven'"
t_out "start --paused" "started" "$NIDO" start bj --paused
t_out "snapshot-revert --paused while it runs" "" \
	"$NIDO" snapshot-revert bj s5 --paused
t_out "... paused again" "paused" "$NIDO" domstate bj
n6=$("$NIDO" domblklist bj | awk '$1 == "vda" {print $2}')
t "... on another new overlay ($n6), the last one removed" sh -c \
	"test '$n6' != '$n5' && test -e '$n6' && test ! -e '$n5'"

"$NIDO" destroy bj >/dev/null
t "qemu-img check: the images are clean" sh -c \
	"qemu-img check -q '$data' && qemu-img check -q '$tmp/img/top.qcow2' && qemu-img check -q '$n6'"
done_testing
