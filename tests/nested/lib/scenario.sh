# shellcheck shell=bash
# Helpers for nested scenarios, loaded in layer 1 before the scenario
# (tests/nested/README.md is the guide). Layer 1 has the host's programs
# and libraries (its root, read-only, under a tmpfs overlay) and a real
# /dev/kvm.
#
# Variables:
#   NIDO_SRC_DIR     the source tree
#   NIDO_BUILD_DIR   the build under test (may be empty: see nido_vmm)
#   NIDO_WORK        scratch folder in layer 1 (tmpfs, lost at the end)
#   NIDO_RESULTS     folder shared with the host, kept after the run
#   L2_KERNEL        layer-2 kernel, bzImage
#   L2_VMLINUX       the same kernel, uncompressed ELF (PVH entry)
#   L2_INITRD        layer-2 initramfs (busybox, virtio modules, init)
#   NIDO_GUEST_KVER  that kernel's release
# Functions: say, fail, skip, metric, nido_vmm, l2_initrd, l2_cmdline,
# qemu_microvm, l2_boot (each described below).
set -euo pipefail

# shellcheck source=/dev/null
. "$NIDO_GUEST_DIR/env.sh"
NIDO_SCENARIO_NAME=$(basename "$NIDO_SCENARIO" .sh)

# say MESSAGE...: a line of the scenario's output, named.
say() { echo "$NIDO_SCENARIO_NAME: $*"; }

# fail MESSAGE...: says why and ends the scenario as failed.
fail()
{
	echo "$NIDO_SCENARIO_NAME: FAIL: $*"
	exit 1
}

# skip REASON...: ends the scenario as skipped; the host prints REASON.
skip()
{
	echo "$*" >"$NIDO_RESULTS/skip-reason"
	echo "$NIDO_SCENARIO_NAME: skipped: $*" >&2
	exit 77
}

# metric NAME VALUE [UNIT]: records a figure; the host prints it after
# the run (and it stays in $NIDO_RESULTS/metrics).
metric() { echo "$1 $2 ${3:-}" >>"$NIDO_RESULTS/metrics"; }

# nido_vmm: prints the path of the built nido-vmm; skips the scenario
# when there is none (no build given, or not built yet).
nido_vmm()
{
	local vmm=${NIDO_BUILD_DIR:-}/src/vmm/nido-vmm
	[ -n "${NIDO_BUILD_DIR:-}" ] ||
		skip "no build directory (set NIDO_BUILD_DIR)"
	[ -x "$vmm" ] || skip "nido-vmm is not built in $NIDO_BUILD_DIR"
	echo "$vmm"
}

# l2_initrd OUT SCRIPT [FILE...]: writes OUT, the layer-2 initramfs with
# SCRIPT as /test/run (run by its init, in /out) and the FILEs in /test/.
# SCRIPT may be "-" for standard input. Set NIDO_L2_BREAK_INIT=1 to get
# an initramfs whose /init cannot run (to see failures reported).
l2_initrd()
{
	local out=$1 script=$2 dir f
	shift 2
	dir=$(mktemp -d "$NIDO_WORK/l2-initrd.XXXXXX")
	mkdir -p "$dir/test"
	if [ "$script" = - ]; then cat >"$dir/test/run"; else cp "$script" "$dir/test/run"; fi
	chmod 755 "$dir/test/run"
	for f in "$@"; do cp -a "$f" "$dir/test/"; done
	if [ "${NIDO_L2_BREAK_INIT:-0}" = 1 ]; then
		printf '#!/nonexistent/interpreter\n' >"$dir/init"
		chmod 755 "$dir/init"
	fi
	# The kernel unpacks concatenated archives in order, later files
	# replacing earlier ones.
	(cd "$dir" && find . -mindepth 1 | cpio -o -H newc --quiet | gzip -1) |
		cat "$L2_INITRD" - >"$out"
	rm -rf "$dir"
}

# l2_cmdline [EXTRA...]: the layer-2 kernel command line: serial console,
# quiet, a panic or a reboot ends the VM (by triple fault), a broken
# /init panics (init=/init: no fallback to /bin/sh), EXTRA added.
l2_cmdline() { echo "console=ttyS0 quiet panic=-1 reboot=t init=/init $*"; }

# qemu_microvm INITRD CMDLINE [QEMU ARGS...]: runs QEMU's microvm on KVM
# with L2_VMLINUX (PVH entry), 256 MiB and one vCPU unless QEMU ARGS say
# otherwise, the console on standard output. The guest ends by ACPI
# power-off (nido.end=poweroff). The peer of nido-vmm.
qemu_microvm()
{
	local initrd=$1 cmdline=$2
	shift 2
	qemu-system-x86_64 -M microvm -accel kvm -cpu host -m 256 -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial stdio -kernel "$L2_VMLINUX" -initrd "$initrd" \
		-append "$cmdline nido.end=poweroff" "$@" </dev/null
}

# l2_boot NAME TIMEOUT COMMAND...: runs COMMAND (a VMM booting layer 2,
# its console on standard output; a program or an exported function) for at most TIMEOUT seconds, its
# console to $NIDO_RESULTS/NAME.log and, indented, to ours. Records the
# metrics NAME.init (seconds from start to layer-2 init) and NAME.total.
# Returns 0 when the layer-2 test script ran and exited 0; otherwise
# says what went wrong (init never reached, script status, timeout,
# VMM error) and returns 1.
l2_boot()
{
	local name=$1 limit=$2 log t0 rc line status
	shift 2
	log=$NIDO_RESULTS/$name.log
	: >"$log"
	t0=$EPOCHREALTIME
	set +e
	# A bash in between lets COMMAND be an exported function; timeout
	# signals its whole process group, so the VMM goes too.
	timeout --kill-after=5 "$limit" bash -c '"$@"' l2_boot "$@" 2>&1 | while IFS= read -r line; do
		line=${line%$'\r'}
		printf '%s\n' "$line" >>"$log"
		case $line in
		'nido-l2: init started'*)
			echo "$EPOCHREALTIME" >"$NIDO_WORK/.$name.init"
			;;
		esac
		printf '  [%s] %s\n' "$name" "$line"
	done
	rc=${PIPESTATUS[0]}
	set -e
	local total init=
	total=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	if [ -f "$NIDO_WORK/.$name.init" ]; then
		init=$(awk -v a="$t0" -v b="$(cat "$NIDO_WORK/.$name.init")" 'BEGIN { printf "%.1f", b - a }')
		rm -f "$NIDO_WORK/.$name.init"
		metric "$name.init" "$init" s
	fi
	metric "$name.total" "$total" s
	status=$(sed -n 's/^nido-l2: exit status \([0-9]*\).*/\1/p' "$log" | tail -n 1)
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		if [ -z "$init" ]; then
			say "layer 2 ($name) did not reach init within $limit s; killed it"
		else
			say "layer 2 ($name) reached init after $init s but did not finish within $limit s; killed it"
		fi
		return 1
	fi
	if [ -z "$init" ]; then
		say "layer 2 ($name) did not reach init (the VMM exited with $rc after $total s; see $log)"
		line=$(grep -m 1 -o 'Kernel panic - not syncing:.*' "$log" || true)
		[ -z "$line" ] || say "layer 2 ($name): $line"
		return 1
	fi
	if [ -z "$status" ]; then
		say "layer 2 ($name) reached init after $init s but its test script did not finish (VMM exit $rc)"
		return 1
	fi
	if [ "$status" != 0 ]; then
		say "layer 2 ($name): the test script exited with $status"
		return 1
	fi
	say "layer 2 ($name) reached init after $init s; test script passed; $total s in all"
}

export -f say fail skip metric qemu_microvm l2_cmdline
export L2_KERNEL L2_VMLINUX L2_INITRD NIDO_GUEST_KVER NIDO_SCENARIO_NAME
