# Issue 14's pool types the host kernel cannot run (no device-mapper,
# NFS or iSCSI there; Debian's kernel in layer 1 has them as modules):
# each is a TAP script of tests/integration/storage run here, against a
# nidod of its own, its output kept as NAME.tap in the results. One
# layer-1 boot for them all: the suite's time matters.
# nested-timeout: 900

build=${NIDO_BUILD_DIR:-}
[ -n "$build" ] || skip "no build directory (set NIDO_BUILD_DIR)"
for f in src/cli/nido src/daemon/nidod; do
	[ -x "$build/$f" ] || skip "$f is not built in $build"
done
command -v lvcreate >/dev/null || skip "lvm2 is not installed on the host"
command -v sfdisk >/dev/null || skip "fdisk (sfdisk) is not installed on the host"
command -v rpc.nfsd >/dev/null || skip "nfs-kernel-server is not installed on the host"

modprobe loop 2>/dev/null || true
modprobe dm-mod || fail "cannot load device-mapper (dm-mod) in layer 1"
# lvm2 without udev (layer 1 runs none): device-mapper makes the /dev
# nodes itself instead of waiting for udev's (nidod's lvm tools inherit it)
export DM_DISABLE_UDEV=1
mkdir -p /run/lock/lvm

failed=()
for s in logical disk netfs; do
	t0=$EPOCHREALTIME
	say "--- $s"
	if NIDO_BUILD_DIR=$build bash "$NIDO_SRC_DIR/tests/integration/storage/$s.sh" \
		>"$NIDO_RESULTS/$s.tap" 2>&1 &&
		! grep -q '^not ok' "$NIDO_RESULTS/$s.tap" &&
		grep -q '^1\.\.[1-9]' "$NIDO_RESULTS/$s.tap"; then
		say "$s: $(grep -c '^ok' "$NIDO_RESULTS/$s.tap") passed"
	else
		grep -A4 '^not ok\|SKIP' "$NIDO_RESULTS/$s.tap" | head -60 | sed "s/^/$s: /"
		failed+=("$s")
	fi
	metric "$s" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" s
done
# ---- iscsi: tgt (tgtd) on 127.0.0.1 as the target, open-iscsi
# (iscsid, iscsiadm) as the initiator; iscsi_tcp is a module of layer 1's
# kernel. Its own section, run after the others.
storage_iscsi() {
	local t0=$EPOCHREALTIME tap=$NIDO_RESULTS/iscsi.tap
	say "--- iscsi"
	if ! command -v tgtd >/dev/null || ! command -v iscsiadm >/dev/null; then
		say "iscsi: tgt or open-iscsi is not installed on the host"
		failed+=(iscsi)
		return
	fi
	modprobe iscsi_tcp || fail "cannot load iscsi_tcp in layer 1"
	# the guest on the LUNs: /dev/kvm as udev would make it (root:kvm
	# 0660) for the per-VM identity nidod runs QEMU as
	chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
	if NIDO_BUILD_DIR=$build L2_KERNEL=$L2_KERNEL L2_INITRD=$L2_INITRD \
		bash "$NIDO_SRC_DIR/tests/integration/storage/iscsi.sh" \
		>"$tap" 2>&1 && ! grep -q '^not ok' "$tap" && grep -q '^1\.\.[1-9]' "$tap"; then
		say "iscsi: $(grep -c '^ok' "$tap") passed"
	else
		grep -A4 '^not ok\|SKIP' "$tap" | head -60 | sed "s/^/iscsi: /" || true
		failed+=(iscsi)
	fi
	metric iscsi "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')" s
}
storage_iscsi

[ ${#failed[@]} -eq 0 ] || fail "failed: ${failed[*]} (see their .tap in the results)"
