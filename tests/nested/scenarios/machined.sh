# Issue 13's systemd-machined placement, with systemd as PID 1: layer 1
# boots the host's systemd (nested-init below; its units: only D-Bus and
# machined besides this scenario's, see initramfs/layer1-init), and
# tests/integration/daemon/machined-systemd.sh runs there: a container,
# a nido-vmm guest and a QEMU guest become machines in scopes under
# machine.slice (`machinectl list`), the container's and the guest's
# limits in nido's cgroup inside the scope; destroy ends them.
# nested-init: systemd
# nested-timeout: 400

build=${NIDO_BUILD_DIR:-}
[ -n "$build" ] || skip "no build directory (set NIDO_BUILD_DIR)"
for f in src/cli/nido src/daemon/nidod; do
	[ -x "$build/$f" ] || skip "$f is not built in $build"
done
[ -x /bin/busybox ] || skip "busybox-static is not installed on the host"
command -v machinectl >/dev/null || skip "systemd-container is not installed on the host"
[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm), not systemd"
say "PID 1: systemd $(systemctl --version | sed -n '1s/^systemd //p'); $(systemctl is-system-running 2>&1)"

out=$NIDO_RESULTS/machined-systemd.tap
rc=0
NIDO_BUILD_DIR=$build bash "$NIDO_SRC_DIR/tests/integration/daemon/machined-systemd.sh" >"$out" 2>&1 || rc=$?
sed "s/^/  /" "$out"
if [ $rc -ne 0 ] || grep -q "^not ok" "$out" || ! grep -q "^ok" "$out"; then
	fail "guests are not machines in scopes under systemd (see machined-systemd.tap)"
fi
grep -q "^1\.\.0 # SKIP" "$out" && fail "skipped under systemd: $(head -n1 "$out")"
say "guests are machines in machine.slice under systemd"
