#!/usr/bin/env bash
# External disk-only snapshots of a running nido-vmm guest, deleted and
# reverted to while it runs (docs/snapshots.md, "Reverting to and
# deleting external snapshots"). guests/count.c counts, checks its memory
# and keeps a table of what it wrote to each disk sector, checked on
# every read (BAD on any disagreement).
# - snapshot-delete while it counts: s1's overlay (below s2's) merged by
#   a commit, then s2's (the guest's top) by an active commit pivoted to
#   the image below; the guest counts on without disagreement, the
#   overlays are gone, the live and persistent definitions name the base
#   again, the image is clean.
# - snapshot-revert of the running domain to a disk-only snapshot taken
#   of its blank disk: the guest stops (shut off "from snapshot"); with
#   --running it boots again on a new overlay over the blank image (a
#   guest still on its old disk would read sectors its table does not
#   know, and say BAD); events Stopped Snapshot, then Started Booted;
#   a transient domain's is refused (the stop would undefine it).
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
no_bad() { ! grep -q BAD "$1"; }
# on DOMAIN OPT PATH: dumpxml [OPT]'s disk source is PATH
on() {
	"$NIDO" dumpxml $2 "$1" | grep -q "<source file='$3'/>"
}
img_check() {
	if command -v qemu-img >/dev/null; then
		qemu-img check -q "$1"
	else
		"$NIDO" img check "$1" >/dev/null
	fi
}

t_out "start" "Domain 'cnt' started" "$NIDO" start cnt
t "the guest counts" counting_past 64 "$tmp/c0"
t_out "snapshot-create-as s1 --disk-only while it counts" \
	"Domain snapshot s1 created" "$NIDO" snapshot-create-as cnt s1 --disk-only
t "... it counts on" counting_past "$(last_count "$tmp/c0")" "$tmp/c1"
t_out "snapshot-create-as s2 --disk-only over it" "Domain snapshot s2 created" \
	"$NIDO" snapshot-create-as cnt s2 --disk-only
t "... it counts on, into s2's overlay" counting_past "$(last_count "$tmp/c1")" "$tmp/c2"
t "... without disagreement" no_bad "$tmp/c2"

t_out "snapshot-delete s1 while it runs (a commit below the top)" \
	"Domain snapshot s1 deleted" "$NIDO" snapshot-delete cnt s1
t "... s1's overlay is gone" test ! -e "$tmp/disk.s1"
t_out "... s2's overlay lies over the base" "backing file: $disk" \
	"$NIDO" img info -U "$tmp/disk.s2"
t "... the definitions: s2's overlay over the base" sh -c \
	"'$NIDO' dumpxml cnt | grep -c '<source file=' | grep -qx 2 && '$NIDO' dumpxml --inactive cnt | grep -c '<source file=' | grep -qx 2"
t "... s2's <domain> no longer names s1's overlay" sh -c \
	"! '$NIDO' snapshot-dumpxml cnt s2 | grep -q '$tmp/disk.s1'"
t "... the guest counts on" counting_past "$(last_count "$tmp/c2")" "$tmp/c3"
t "... without disagreement" no_bad "$tmp/c3"

t_out "snapshot-delete s2 while it runs (an active commit, pivoted)" \
	"Domain snapshot s2 deleted" "$NIDO" snapshot-delete cnt s2
t "... s2's overlay is gone" test ! -e "$tmp/disk.s2"
t_out "... the disk is the base again" "$disk" "$NIDO" domblklist cnt
t "... in the live definition, with no backing store" sh -c \
	"'$NIDO' dumpxml cnt | grep -c '<source file=' | grep -qx 1"
t "... and in the persistent one" on cnt --inactive "$disk"
t_out "... no snapshot left" "" sh -c "'$NIDO' snapshot-list cnt --name | grep -v '^$' || true"
t_out "... still running" "running" "$NIDO" domstate cnt
t "... the guest counts on" counting_past "$(last_count "$tmp/c3")" "$tmp/c4"
t "... without disagreement" no_bad "$tmp/c4"
t_out "destroy" "destroyed" "$NIDO" destroy cnt
t "qemu-img check: the base is clean" img_check "$disk"

# revert a running domain to an external disk-only snapshot
rv=$tmp/rv.qcow2
"$NIDO" img create -f qcow2 "$rv" 1M >/dev/null
count_xml rv "$rv" qcow2 >"$tmp/rv.xml"
"$NIDO" define "$tmp/rv.xml" >/dev/null
t_out "a disk-only snapshot b0 of the blank disk (shut off)" \
	"Domain snapshot b0 created" "$NIDO" snapshot-create-as rv b0 --disk-only
"$NIDO" event rv --event lifecycle --loop >"$tmp/ev.out" 2>&1 &
ev_pid=$!
extra_pids="${extra_pids:-} $ev_pid"
sleep 0.5
t_out "start" "Domain 'rv' started" "$NIDO" start rv
t "the watcher sees it start" wait_for 30 grep -q "Started Booted" "$tmp/ev.out"
t "the guest counts into b0's overlay" counting_past 128 "$tmp/r0" rv
sum=$(md5sum <"$rv")
t_out "snapshot-revert to b0 while it runs" "" "$NIDO" snapshot-revert rv b0
t_out "... it is shut off, from snapshot (libvirt's rule for disk-snapshot)" \
	"shut off (from snapshot)" "$NIDO" domstate rv --reason
t "... b0's overlay (the state since) is removed" test ! -e "$tmp/rv.b0"
new=$("$NIDO" domblklist rv | awk '$1 == "vda" {print $2}')
t "... the disk is a new overlay ($new)" sh -c "case '$new' in '$tmp'/rv.b0-*) test -e '$new';; *) false;; esac"
t_out "... over b0's image" "backing file: $rv" "$NIDO" img info "$new"
t_out "... which reads as the blank image" "Images are identical" \
	"$NIDO" img compare "$new" "$rv"
t_out "start" "Domain 'rv' started" "$NIDO" start rv
t "the fresh guest counts on the blank disk" counting_past 128 "$tmp/r1" rv
t "... without disagreement" no_bad "$tmp/r1"
t_out "snapshot-revert --running while it runs" "" \
	"$NIDO" snapshot-revert rv b0 --running
t_out "... running again" "running (booted)" "$NIDO" domstate rv --reason
new2=$("$NIDO" domblklist rv | awk '$1 == "vda" {print $2}')
t "... on another new overlay ($new2), the last one removed" sh -c \
	"test '$new2' != '$new' && test -e '$new2' && test ! -e '$new'"
t_out "... over b0's image" "backing file: $rv" "$NIDO" img info -U "$new2"
t "... the fresh guest counts on the blank disk" counting_past 128 "$tmp/r2" rv
t "... without disagreement" no_bad "$tmp/r2"
t "events: Stopped Snapshot, then Started Booted" sh -c \
	"grep -o 'Stopped Snapshot\|Started Booted' '$tmp/ev.out' | tr '\n' ' ' | grep -q 'Started Booted Stopped Snapshot Started Booted Stopped Snapshot Started Booted'"
t "b0's image never changed" test "$(md5sum <"$rv")" = "$sum"
t_out "snapshot-revert --paused while it runs" "" \
	"$NIDO" snapshot-revert rv b0 --paused
t_out "... paused" "paused" "$NIDO" domstate rv
t_out "destroy" "destroyed" "$NIDO" destroy rv
t "qemu-img check: the images are clean" sh -c \
	"for f in '$rv' '$tmp'/rv.b0-*; do qemu-img check -q \"\$f\" || exit 1; done"

# a transient domain would be undefined by the stop: refused by name,
# before anything stops
tr=$tmp/tr.qcow2
"$NIDO" img create -f qcow2 "$tr" 1M >/dev/null
count_xml tr "$tr" qcow2 >"$tmp/tr.xml"
t_out "create a transient guest" "created" "$NIDO" create "$tmp/tr.xml"
t_out "... a disk-only snapshot of it" "Domain snapshot t1 created" \
	"$NIDO" snapshot-create-as tr t1 --disk-only
t_err "... its revert while it runs is refused by name" "transient domain 'tr'" \
	"$NIDO" snapshot-revert tr t1 --running
t_out "... it runs on" "running" "$NIDO" domstate tr
t_out "... on t1's overlay" "$tmp/tr.t1" "$NIDO" domblklist tr
"$NIDO" destroy tr >/dev/null
kill "$ev_pid" 2>/dev/null
finish_daemon
done_testing
