# shellcheck shell=bash
# Helpers of the daemon's integration tests: a private nidod on temporary
# directories, TAP output, and a trap that kills every daemon and VM the
# script started.
set -u

build=${NIDO_BUILD_DIR:?NIDO_BUILD_DIR is not set (run through meson test)}
NIDO=$build/src/cli/nido
NIDOD=$build/src/daemon/nidod
GUEST_IDLE=$build/tests/integration/daemon/guest-idle
GUEST_HELLO=$build/guests/guest-hello
export NIDO_VMM=$build/src/vmm/nido-vmm
export NIDO_DAEMON=$NIDOD

tmp=$(mktemp -d /tmp/nido-dtest.XXXXXX)
export NIDO_STATE_DIR=$tmp/state
export NIDO_RUNTIME_DIR=$tmp/run
export NIDO_DEFAULT_URI=nido:///session
export NIDO_START_TIMEOUT_MS=30000

tap_n=0
tap_failed=0

# VMM pids recorded by any daemon of this test, killed at exit.
vm_pids() {
	cat "$NIDO_RUNTIME_DIR"/domains/*.json 2>/dev/null |
		grep -o '"pid":[0-9]*' | cut -d: -f2
}

daemon_pid() {
	cat "$NIDO_STATE_DIR/nidod.pid" 2>/dev/null | head -n1
}

cleanup() {
	local p
	p=$(daemon_pid)
	[ -n "$p" ] && kill "$p" 2>/dev/null
	for p in $(vm_pids) ${extra_pids:-}; do
		kill -9 "$p" 2>/dev/null
	done
	sleep 0.2
	[ -n "${NIDO_KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

ok() { # description
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() { # description, details...
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/# /'
}

skip() { # description, reason
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# t DESC CMD...: passes when CMD succeeds.
t() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# t_out DESC EXPECTED CMD...: passes when CMD succeeds and prints EXPECTED
# (a substring of its stdout and stderr).
t_out() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1) && [[ $out == *"$want"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "expected: $want" "got: $out"
	fi
}

# t_err DESC EXPECTED CMD...: passes when CMD fails and says EXPECTED.
t_err() {
	local desc=$1 want=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		not_ok "$desc" "succeeded but should have failed" "$out"
	elif [[ $out == *"$want"* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "expected: $want" "got: $out"
	fi
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

state_is() { # domain, expected "domstate --reason" output
	[ "$("$NIDO" domstate --reason "$1" 2>&1 | head -n1)" = "$2" ]
}

state_starts() { # domain, expected prefix
	[[ "$("$NIDO" domstate --reason "$1" 2>&1 | head -n1)" == "$2"* ]]
}

start_daemon() {
	"$NIDOD" --session --log-level debug >>"$tmp/nidod.log" 2>&1 &
	wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"
}

stop_daemon() { # signal (default TERM)
	local p
	p=$(daemon_pid)
	kill -"${1:-TERM}" "$p" 2>/dev/null
	wait_for 30 sh -c "! kill -0 $p 2>/dev/null"
	rm -f "$NIDO_RUNTIME_DIR/nidod.sock"
}

# domain_xml NAME KERNEL [extra devices]
domain_xml() {
	cat <<XML
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os>
    <kernel>$2</kernel>
  </os>
  <devices>
    <serial type='pty'/>
    ${3:-}
  </devices>
</domain>
XML
}

# qemu_xml NAME DEVICES [TOP]: a type 'qemu' pc domain of 64 MiB, no
# disk (SeaBIOS waits), with DEVICES and the top-level elements TOP.
qemu_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    $2
  </devices>
  ${3:-}
</domain>
XML
}

vm_pid() { # domain
	grep -o '"pid":[0-9]*' "$NIDO_RUNTIME_DIR/domains/$1.json" 2>/dev/null |
		cut -d: -f2
}

# console_send DOMAIN TEXT: types TEXT on the console, prints what came back.
console_send() {
	printf '%s' "$2" | timeout 20 "$NIDO" console "$1"
}

# hear DOMAIN WORD: listens on the console until WORD comes (at most two
# minutes, or until the domain stops); prints what it heard.
hear() {
	local deadline=$((SECONDS + 120)) out=
	while [ $SECONDS -lt $deadline ]; do
		out+=$(sleep 5 | timeout 4 "$NIDO" console "$1" 2>&1)
		[[ $out == *"$2"* || $out == *"not running"* ]] && break
	done
	printf '%s' "$out"
}

# guests/count.c's console, for the tests that count on it (domain cnt
# unless named). watch_console OUT SECONDS [DOMAIN]: its output for a
# while. last_count FILE, first_count FILE: a number it printed.
# counting_past N OUT [DOMAIN]: within a minute it prints a count above N.
watch_console() {
	timeout "$2" "$NIDO" console "${3:-cnt}" </dev/null >"$1" 2>&1
	true
}
last_count() {
	grep -ao 'count [0-9]*' "$1" | tail -1 | cut -d' ' -f2
}
first_count() {
	grep -ao 'count [0-9]*' "$1" | head -1 | cut -d' ' -f2
}
counting_past() {
	local n=$1 out=$2 c
	for _ in $(seq 30); do
		watch_console "$out" 2 "${3:-cnt}"
		c=$(last_count "$out")
		[ -n "$c" ] && [ "$c" -gt "$n" ] && return 0
	done
	return 1
}

# count_xml NAME DISK FORMAT: a nido-vmm domain running guests/count.c
# (64 MiB, one vCPU) on DISK (FORMAT raw or qcow2) with a serial console.
count_xml() {
	cat <<XML
<domain type='kvm'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><kernel>$build/guests/guest-count</kernel></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='$3'/>
      <source file='$2'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
}

# count_domain DISK FORMAT: defines 'cnt' (count_xml); its XML in
# $tmp/cnt.xml.
count_domain() {
	count_xml cnt "$1" "$2" >"$tmp/cnt.xml"
	"$NIDO" define "$tmp/cnt.xml" >/dev/null
}

# guests/count.c brought back to a snapshot (kvm-snapshot, kvm-memsnap).
# first_seen OUT: the first count the console shows (within a minute).
first_seen()
{
	local f
	for _ in $(seq 20); do
		watch_console "$1" 3
		f=$(first_count "$1")
		[ -n "$f" ] && echo "$f" && return 0
	done
	return 1
}
# back_between LO HI OUT: the guest counts again from a snapshot's
# count: its first count at least LO (the last seen before the
# snapshot) and below HI (the last seen before the revert); no BAD.
back_between()
{
	local f
	f=$(first_seen "$3")
	[ -n "$f" ] && [ "$f" -ge "$1" ] && [ "$f" -lt "$2" ] &&
		! grep -q BAD "$3" || { echo "first count '$f', not in [$1, $2)"; cat "$3"; false; }
}
# past N OUT: the guest counts on from above N (it was not reverted).
past()
{
	local f
	f=$(first_seen "$2")
	[ -n "$f" ] && [ "$f" -gt "$1" ] || { echo "first count '$f'"; false; }
}
no_bad() { ! grep -q BAD "$1"; }

# Stops the daemon this script started and checks its exit status: under
# ASan, LeakSanitizer makes a leak an exit status.
finish_daemon() {
	local p rc
	p=$(daemon_pid)
	[ -n "$p" ] && jobs -p | grep -qx "$p" || return 0
	kill -TERM "$p"
	wait "$p"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "nidod exits with status 0 on SIGTERM"
	else
		not_ok "nidod exits with status 0 on SIGTERM" "status $rc" \
			"$(tail -n 60 "$tmp/nidod.log")"
	fi
}

done_testing() {
	finish_daemon
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

kvm_usable() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -x "$NIDO_VMM" ]
}

# qemu_bios_disk WHAT: the BIOS disk of a qemu driver test, $disk
# ($tmp/boot.img, made by qemu/make-bios-disk.sh, which reads
# NIDO_BIOS_EXTRA and NIDO_BIOS_INITRD), reported as a check; $QEMU the
# emulator. Without QEMU, or where the disk cannot be made (status 77),
# the whole test is skipped, saying WHAT and why.
qemu_bios_disk() {
	local rc
	QEMU=$(command -v qemu-system-x86_64 || true)
	if [ -z "$QEMU" ]; then
		skip "$1" "qemu-system-x86_64 is not installed (qemu-system-x86)"
		done_testing
		exit
	fi
	disk=$tmp/boot.img
	"$(dirname "$0")/qemu/make-bios-disk.sh" "$disk" 2>"$tmp/disk.err"
	rc=$?
	if [ $rc -eq 77 ]; then
		skip "$1" "$(cat "$tmp/disk.err")"
		done_testing
		exit
	fi
	t "the test makes a BIOS disk" test $rc -eq 0
}

# guest_extra DIR MODULE...: the start of a qemu driver test's initramfs
# additions (qemu/make-bios-disk.sh's NIDO_BIOS_EXTRA) in DIR: the
# guest kernel's MODULEs (paths under its kernel/, without .ko) and an
# /etc/nido-extra that loads them in that order; the caller appends what
# the guest does next. Fails when the guest material cannot be had.
guest_extra() {
	local d=$1 m material
	shift
	material=$("$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lib/guest-material.sh" --quiet) || return 1
	# shellcheck disable=SC1091
	. "$material/env.sh"
	mkdir -p "$d/etc" "$d/lib/modules/$NIDO_GUEST_KVER"
	for m in "$@"; do
		cp "$NIDO_GUEST_MODULES/$NIDO_GUEST_KVER/kernel/$m.ko" \
			"$d/lib/modules/$NIDO_GUEST_KVER/" || return 1
	done
	{
		echo '#!/bin/sh'
		echo 'kver=$(cat /etc/kernel-release)'
		for m in "$@"; do echo "insmod /lib/modules/\$kver/${m##*/}.ko"; done
	} >"$d/etc/nido-extra"
	chmod 755 "$d/etc/nido-extra"
}

# qemu_bios_xml NAME DISK FORMAT: the type 'qemu' pc domain of 192 MiB
# that boots qemu_bios_disk's DISK (in FORMAT) on hda, its console a pty.
qemu_bios_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='$3'/>
      <source file='$2'/><target dev='hda' bus='ide'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
}

# qemu_mark DOMAIN: the word the test init keeps in its memory ("mark
# WORD" sets it), as it answers "mark"; "?" when it does not within 60 s.
qemu_mark() {
	local v= deadline=$((SECONDS + 60))
	while [ -z "$v" ] && [ $SECONDS -lt $deadline ]; do
		v=$(printf 'mark\r' | timeout 20 "$NIDO" console "$1" 2>&1 |
			sed -n 's/.*MARK:\([a-z0-9]*\).*/\1/p' | tail -n 1)
	done
	echo "${v:-?}"
}

# qemu_ask DOMAIN LINE [WANT]: types LINE on DOMAIN's console until what
# comes back holds WANT (by default the test init's "GOT:LINE on ") or
# says the domain is not running, for 300 s at most (the guest may still
# be booting, emulated); prints it all.
qemu_ask() {
	local want=${3:-"GOT:$2 on "} deadline=$((SECONDS + 300)) out=
	while [ $SECONDS -lt $deadline ]; do
		out+=$(printf '%s\r' "$2" | timeout 20 "$NIDO" console "$1" 2>&1)
		[[ $out == *"$want"* || $out == *"not running"* ]] && break
		sleep 1
	done
	printf '%s' "$out"
}
