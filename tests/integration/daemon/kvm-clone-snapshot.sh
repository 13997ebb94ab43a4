#!/usr/bin/env bash
# nido clone --snapshot (docs/snapshots.md, "Clones"): a running
# nido-vmm guest (guests/count.c, which writes its count to its disk)
# cloned from an internal snapshot taken while it ran, while it still
# runs and writes: the clone's image is the original's image at the
# snapshot (as qemu-img convert -l extracts it), not its current one;
# the clone starts and its guest finds on its disk a count between the
# snapshot's and the original's last. The same from an external
# disk-only snapshot (the image below its overlay). A missing snapshot,
# --linked with it, and an image that lacks the internal snapshot are
# refused by name.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
disk=$tmp/disk.qcow2
"$NIDO" img create -f qcow2 "$disk" 1M >/dev/null
start_daemon
count_xml cnt "$disk" qcow2 >"$tmp/cnt.xml"
"$NIDO" define "$tmp/cnt.xml" >/dev/null

# holds OUT LO HI: the guest's "disk holds N" in OUT, LO <= N < HI
holds() {
	local n
	for _ in $(seq 20); do
		watch_console "$1" 3 "${4:-cl}"
		n=$(grep -ao 'disk holds [0-9]*' "$1" | head -1 | cut -d' ' -f3)
		[ -n "$n" ] && break
	done
	[ -n "$n" ] && [ "$n" -ge "$2" ] && [ "$n" -lt "$3" ] ||
		{ echo "disk holds '$n', not in [$2, $3)"; cat "$1"; false; }
}

t_out "start" "Domain 'cnt' started" "$NIDO" start cnt
t "the guest counts" counting_past 64 "$tmp/c0"
lo=$(last_count "$tmp/c0")
t_out "an internal snapshot while it runs" "Domain snapshot s1 created" \
	"$NIDO" snapshot-create-as cnt s1
t "the guest counts well past it" counting_past $((lo + 256)) "$tmp/c1"
t_err "clone without --snapshot: the original must be shut off" \
	"must be shut off" "$NIDO" clone --original cnt --name no --file "$tmp/no.qcow2"
t_err "--snapshot of no such snapshot: refused by name" \
	"no domain snapshot with matching name 'nosuch'" \
	"$NIDO" clone --original cnt --snapshot nosuch --name no --file "$tmp/no.qcow2"
t_err "--linked with --snapshot: refused" "--linked and --snapshot" \
	"$NIDO" clone --original cnt --snapshot s1 --linked --name no --file "$tmp/no.qcow2"
t "... nothing made" test ! -e "$tmp/no.qcow2"
t_out "clone --snapshot s1 while it runs" "Clone 'cl' created successfully." \
	"$NIDO" clone --original cnt --snapshot s1 --name cl --file "$tmp/cl.qcow2"
t_out "... the original runs on" "running" "$NIDO" domstate cnt
t "... and counts on" counting_past "$(last_count "$tmp/c1")" "$tmp/c2"
hi=$(last_count "$tmp/c2")
t "the clone's image is the original's at s1 (qemu-img convert -l)" sh -c \
	"qemu-img convert -U -O raw -l s1 '$disk' '$tmp/at-s1.raw' && '$NIDO' img compare '$tmp/cl.qcow2' '$tmp/at-s1.raw'"
# what a running guest wrote reaches the file at a flush, which a
# snapshot makes: a later one shows the image moved on
t_out "a later snapshot s2" "Domain snapshot s2 created" \
	"$NIDO" snapshot-create-as cnt s2
t "... the clone's image is not the original's at s2" sh -c \
	"qemu-img convert -U -O raw -l s2 '$disk' '$tmp/at-s2.raw' && ! '$NIDO' img compare -q '$tmp/cl.qcow2' '$tmp/at-s2.raw'"
t "... a new UUID" sh -c \
	"[ \"\$('$NIDO' domuuid cl)\" != \"\$('$NIDO' domuuid cnt)\" ]"
t_out "the clone starts" "Domain 'cl' started" "$NIDO" start cl
t "... its guest finds the snapshot's count on its disk ($lo.., below $hi)" \
	holds "$tmp/k0" "$lo" "$hi"
t "... and counts" counting_past 64 "$tmp/k1" cl
t "... without disagreement" sh -c "! grep -q BAD '$tmp/k1'"
t_out "destroy the clone" "destroyed" "$NIDO" destroy cl

# an external disk-only snapshot: the image below the new overlay
t "the original counts" counting_past "$hi" "$tmp/c3"
lo=$(last_count "$tmp/c3")
t_out "an external disk-only snapshot while it runs" "Domain snapshot x1 created" \
	"$NIDO" snapshot-create-as cnt x1 --disk-only
t "the guest counts well past it" counting_past $((lo + 256)) "$tmp/c4"
t_out "clone --snapshot x1 while it runs" "Clone 'cx' created successfully." \
	"$NIDO" clone --original cnt --snapshot x1 --name cx --file "$tmp/cx.qcow2"
hi=$(last_count "$tmp/c4")
t "the clone's image is the one x1 names (below the overlay)" \
	"$NIDO" img compare -U "$tmp/cx.qcow2" "$disk"
t_out "the clone starts" "Domain 'cx' started" "$NIDO" start cx
t "... its guest finds x1's count on its disk ($lo.., below $hi)" \
	holds "$tmp/k2" "$lo" "$hi" cx
t_out "destroy" "destroyed" "$NIDO" destroy cx
t_out "destroy the original" "destroyed" "$NIDO" destroy cnt

# shut off: an image that lost its internal snapshot behind nido's back
"$NIDO" img create -f qcow2 "$tmp/d2.qcow2" 1M >/dev/null
count_xml two "$tmp/d2.qcow2" qcow2 >"$tmp/two.xml"
"$NIDO" define "$tmp/two.xml" >/dev/null
t_out "an internal snapshot of a shut off domain" "Domain snapshot t1 created" \
	"$NIDO" snapshot-create-as two t1
t "... removed from the image by qemu-img" qemu-img snapshot -d t1 "$tmp/d2.qcow2"
t_err "clone --snapshot t1: the disk's image lacks it, by name" \
	"disk 'vda': image '$tmp/d2.qcow2' has no internal snapshot 't1'" \
	"$NIDO" clone --original two --snapshot t1 --name no --file "$tmp/no.qcow2"
t "... nothing made" test ! -e "$tmp/no.qcow2"

# a snapshot is not deleted under a clone reading at it: 192 MiB of data
# to copy keep the clone busy while the delete is asked
"$NIDO" img create -f qcow2 "$tmp/d3.qcow2" 192M >/dev/null
qemu-io -c 'write -P 0x5a 0 192M' "$tmp/d3.qcow2" >/dev/null
count_xml three "$tmp/d3.qcow2" qcow2 >"$tmp/three.xml"
"$NIDO" define "$tmp/three.xml" >/dev/null
"$NIDO" snapshot-create-as three u1 >/dev/null
"$NIDO" clone --original three --snapshot u1 --name big --file "$tmp/big.qcow2" \
	>"$tmp/big.out" 2>&1 &
clone_pid=$!
for _ in $(seq 200); do
	grep -q "domain 'three': cloning as 'big'" "$tmp/nidod.log" && break
	sleep 0.05
done
t_err "snapshot-delete while a clone reads at the snapshot is refused by name" \
	"domain 'three' is being cloned" "$NIDO" snapshot-delete three u1
wait "$clone_pid"
t_out "... the clone is made" "Clone 'big' created successfully." cat "$tmp/big.out"
t_out "... and the snapshot is still there" "u1" "$NIDO" snapshot-list three --name
t_out "... to delete once the clone is made" "Domain snapshot u1 deleted" \
	"$NIDO" snapshot-delete three u1
done_testing
