# Issue 13's containers on cgroup v2 alone: this host has cgroup v1
# controllers (with an empty v2 mount), layer 1 (Debian's 6.1 kernel)
# mounts the unified hierarchy only, as a systemd host does. The ct
# integration tests run there as they run in the suite: isolation
# (the memory and pids limits, an OOM kill inside the container only)
# and the life cycle (suspend and resume through cgroup.freeze, destroy
# leaving no cgroup); <blkiotune> on io.weight and io.max, <vcpu cpuset>
# on cpuset.cpus (isolation); a root file system on an ext4 image on a
# loop device (image).
# nested-timeout: 600

build=${NIDO_BUILD_DIR:-}
[ -n "$build" ] || skip "no build directory (set NIDO_BUILD_DIR)"
for f in src/cli/nido src/daemon/nidod tests/integration/ct/ct-probe; do
	[ -x "$build/$f" ] || skip "$f is not built in $build"
done
[ -x /bin/busybox ] || skip "busybox-static is not installed on the host"

if ! grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts; then
	mkdir -p /sys/fs/cgroup
	mount -t cgroup2 none /sys/fs/cgroup || fail "cannot mount cgroup2"
fi
grep -q " cgroup " /proc/mounts && fail "layer 1 has cgroup v1 hierarchies mounted"
say "cgroup v2 only; controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# Layer 1 runs a scenario chrooted into the host's tree, and the kernel
# refuses a user namespace to a chrooted process (EPERM). The tests run
# as on a host: in a mount namespace of their own where the tree is
# moved on top of the namespace's root, as switch_root does (from PID
# 1's root, with the initramfs's busybox).
in_root()
{
	nsenter --root=/proc/1/root --wd=/proc/1/root /bin/busybox unshare -m /bin/busybox sh -c \
		'mount --make-rprivate / && cd /newroot && mount --move . / && exec chroot . "$@"' sh "$@"
}

# the loop devices of the image test and of <blkiotune>'s
modprobe loop 2>/dev/null || true

failed=0
for t in isolation lifecycle image; do
	out=$NIDO_RESULTS/ct-$t.tap
	rc=0
	NIDO_BUILD_DIR=$build in_root /bin/bash "$NIDO_SRC_DIR/tests/integration/ct/$t.sh" >"$out" 2>&1 || rc=$?
	sed "s/^/  [$t] /" "$out"
	if [ $rc -ne 0 ] || grep -q "^not ok" "$out" || ! grep -q "^ok" "$out"; then
		failed=1
	fi
	grep -q "# SKIP" "$out" && fail "ct-$t skipped on layer 1: $(grep -m1 SKIP "$out")"
done
[ $failed = 0 ] || fail "container tests failed on cgroup v2 (see ct-*.tap)"
say "the container tests passed on cgroup v2"
