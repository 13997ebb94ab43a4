#!/usr/bin/env bash
# Bad input: each a one-line error naming the problem, a non-zero exit,
# nothing left behind.
. "$(dirname "$0")/lib.sh"

# expect_error DESCRIPTION PATTERN nido-vmm-args...
expect_error()
{
	local what=$1 pattern=$2
	shift 2
	timeout -s KILL 30 "$vmm" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	local st=$? lines
	lines=$(grep -c . "$tmp/err")
	if [ "$st" -ne 0 ] && [ "$lines" -eq 1 ] &&
		grep -q -- "$pattern" "$tmp/err"; then
		ok 0 "$what"
	else
		ok 1 "$what"
		echo "# status $st, stderr:"
		sed 's/^/#   /' "$tmp/err"
	fi
}

hello=$guests/guest-hello
expect_error "missing kernel" "opening kernel '/nonexistent/vmlinux': No such file" \
	--kernel /nonexistent/vmlinux
printf 'not a kernel at all' >"$tmp/junk"
expect_error "corrupt kernel" "neither an ELF vmlinux nor a bzImage" \
	--kernel "$tmp/junk"
: >"$tmp/empty"
expect_error "empty kernel" "empty or too short" --kernel "$tmp/empty"
head -c 100 "$hello" >"$tmp/trunc"
expect_error "truncated ELF kernel" "'$tmp/trunc'" --kernel "$tmp/trunc"
expect_error "no kernel" "no kernel given" --memory 64
expect_error "bad memory size" "--memory" --kernel "$hello" --memory lots
expect_error "memory too small" "at least 16 MiB" --kernel "$hello" --memory 1M
expect_error "bad vCPU count" "--cpus '0'" --kernel "$hello" --cpus 0
expect_error "too many vCPUs" "--cpus '999'" --kernel "$hello" --cpus 999
expect_error "unknown disk option" "unknown option 'bogus'" \
	--kernel "$hello" --disk "$tmp/x,bogus"
expect_error "net without tap" "no tap=NAME" --kernel "$hello" --net mac=52:54:00:00:00:01
expect_error "bad MAC" "bad unicast MAC" --kernel "$hello" --net tap=t0,mac=zz
expect_error "bad console" "expected stdio, pty, none" --kernel "$hello" --console tty
expect_error "unknown option" "unknown option.*--frobnicate" --frobnicate
echo '{ "kernel": 3 }' >"$tmp/bad.json"
expect_error "config with a wrong type" "key 'kernel' has the wrong type" \
	--config "$tmp/bad.json"
echo '{ "kernal": "x" }' >"$tmp/typo.json"
expect_error "config with an unknown key" "unknown key 'kernal'" \
	--config "$tmp/typo.json"
echo '{ nope' >"$tmp/nojson.json"
expect_error "config that is not JSON" "is not JSON" --config "$tmp/nojson.json"

if [ -c /dev/kvm ]; then
	head -c $((20 << 20)) /dev/zero >"$tmp/big.img"
	expect_error "initrd too large for memory" "initrd '$tmp/big.img'.*does not fit" \
		--kernel "$hello" --memory 16M --initrd "$tmp/big.img"
	if [ "$(cat /proc/sys/vm/nr_hugepages 2>/dev/null)" = 0 ]; then
		expect_error "--hugepages without reserved hugepages" \
			"are enough hugepages reserved" \
			--kernel "$hello" --memory 64M --hugepages
	fi
	expect_error "missing initrd" "opening initrd '/nonexistent'" \
		--kernel "$hello" --initrd /nonexistent
fi

echo precious >"$tmp/not-a-socket"
expect_error "--api on an existing regular file" "exists and is not a socket" \
	--kernel "$hello" --api "unix:$tmp/not-a-socket"
grep -q precious "$tmp/not-a-socket"
ok $? "  and the file is left alone"
expect_error "a disk without a format (never probed)" \
	"no format given (add format=raw or format=qcow2)" \
	--kernel "$hello" --disk "$tmp/x"
expect_error "missing disk image" "disk 0.*'/nonexistent.img'" \
	--kernel "$hello" --disk /nonexistent.img,format=raw

# A disk that another process writes (here qemu-io, as a QEMU VM would)
# is refused with the lock that could not be had; a shared read-only
# disk is not.
if command -v qemu-io >/dev/null && command -v qemu-img >/dev/null; then
	qemu-img create -q -f qcow2 "$tmp/used.qcow2" 1M
	expect_error "a shared qcow2 disk" \
		"only raw images can be written by several VMs at once" \
		--kernel "$hello" --disk "$tmp/used.qcow2,shared,format=qcow2"
	mkfifo "$tmp/hold"
	qemu-io "$tmp/used.qcow2" <"$tmp/hold" >/dev/null 2>&1 &
	holder=$!
	exec 3>"$tmp/hold"
	ino=$(stat -c %i "$tmp/used.qcow2")
	for _ in $(seq 100); do
		grep -Eq ":$ino 10[01] " /proc/locks && break
		sleep 0.1
	done
	expect_error "disk in use by another process" \
		"used.qcow2.*failed to get \"write\" lock: is another process using the image?" \
		--kernel "$hello" --disk "$tmp/used.qcow2,format=qcow2"
	exec 3>&-
	wait "$holder"
	qemu-io -r "$tmp/used.qcow2" <"$tmp/hold" >/dev/null 2>&1 &
	holder=$!
	exec 3>"$tmp/hold"
	for _ in $(seq 100); do
		grep -Eq ":$ino 100 " /proc/locks && break
		sleep 0.1
	done
	expect_error "disk read by another process cannot be written" \
		"used.qcow2.*failed to get \"write\" lock" \
		--kernel "$hello" --disk "$tmp/used.qcow2,format=qcow2"
	if [ -c /dev/kvm ]; then
		run_guest hello --disk "$tmp/used.qcow2,readonly,format=qcow2"
		[ "$status" -eq 0 ]
		ok $? "... but is shared read-only (status $status: ${err//$'\n'/; })"
	fi
	exec 3>&-
	wait "$holder"
fi

# An image on a read-only mount cannot be opened for writing.
if [ -c /dev/kvm ] && [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	mkdir -p "$tmp/ro"
	truncate -s 1M "$tmp/ro/disk.raw"
	timeout -s KILL 30 unshare -m sh -c \
		'mount --bind -o ro "$2" "$2" && exec "$0" --kernel "$1" --disk "$2/disk.raw,format=raw"' \
		"$vmm" "$hello" "$tmp/ro" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" -ne 0 ] && [ "$(grep -c . "$tmp/err")" -eq 1 ] &&
		grep -q "disk.raw" "$tmp/err"
	ok $? "unwritable image (status $st: $(cat "$tmp/err"))"
fi

# No /dev/kvm: hide it in a private mount namespace.
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
	unshare -m true 2>/dev/null; then
	timeout -s KILL 30 unshare -m sh -c \
		'mount -t tmpfs none /dev && exec "$0" --kernel "$1"' \
		"$vmm" "$hello" </dev/null >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" -ne 0 ] && [ "$(grep -c . "$tmp/err")" -eq 1 ] &&
		grep -q "'/dev/kvm' does not exist" "$tmp/err"
	ok $? "no /dev/kvm (status $st: $(cat "$tmp/err"))"
fi
done_testing
