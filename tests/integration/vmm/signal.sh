#!/usr/bin/env bash
# SIGTERM, SIGINT and SIGHUP stop nido-vmm cleanly whatever threads it
# runs: with a qcow2 disk (served by block worker threads) and a raw one
# (io_uring and workers), the process exits with status 4, writes its
# exit file with reason "signal" and removes its control socket. Every
# thread nido-vmm starts blocks the signals (lib/thread.h), so they
# reach the event loop's signalfd and not a worker's default action.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v qemu-img >/dev/null || skip_all "qemu-img is not installed"

sock=$tmp/api.sock
exitf=$tmp/exit.json
qemu-img create -q -f qcow2 "$tmp/d0.qcow2" 16M
truncate -s 16M "$tmp/d1.raw"

wait_socket()
{
	for _ in $(seq 300); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
}

# nido-vmm's pid: the child of the timeout(1) started as $pid.
vmm_pid()
{
	local c g
	read -r c <"/proc/$pid/task/$pid/children"
	# As root, nido-vmm's relay runs the VM in a child (sandbox).
	read -r g <"/proc/$c/task/$c/children" 2>/dev/null
	echo "${g:-$c}"
}

# stop_with SIGNAL DESCRIPTION [nido-vmm options...]
stop_with()
{
	local sig=$1 what=$2 status
	shift 2
	rm -f "$sock" "$exitf"
	timeout -s KILL 120 "$vmm" --kernel "$guests/guest-api" --memory 64 \
		--cpus 2 --console none --api "unix:$sock" \
		--exit-file "$exitf" "$@" </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_socket
	# The guest runs: the vCPU and I/O threads are all up.
	api '{"command": "status"}' | grep -q '"state":"running"'
	ok $? "$what: the VM runs"
	kill -s "$sig" "$(vmm_pid)"
	wait "$pid"
	status=$?
	[ "$status" -eq 4 ]
	ok $? "$what: SIG$sig ends nido-vmm with status 4 (got $status)"
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
assert v["status"] == 4 and v["reason"] == "signal", v
' "$exitf" 2>/dev/null
	ok $? "$what: SIG$sig: the exit file says status 4, reason signal"
	[ ! -e "$sock" ]
	ok $? "$what: SIG$sig: the control socket is removed"
}

stop_with TERM "qcow2 and raw disks" \
	--disk "$tmp/d0.qcow2,format=qcow2" --disk "$tmp/d1.raw,format=raw"
stop_with TERM "qcow2 disk" --disk "$tmp/d0.qcow2,format=qcow2"
stop_with INT "raw disk" --disk "$tmp/d1.raw,format=raw"
stop_with HUP "raw disk" --disk "$tmp/d1.raw,format=raw"
NIDO_BLOCK_NO_URING=1 stop_with TERM "raw disk without io_uring" \
	--disk "$tmp/d1.raw,format=raw"
stop_with TERM "no disk"

# The I/O and vCPU threads block every asynchronous signal.
rm -f "$sock"
timeout -s KILL 120 "$vmm" --kernel "$guests/guest-api" --memory 64 \
	--console none --api "unix:$sock" --disk "$tmp/d0.qcow2,format=qcow2" \
	</dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
wait_socket
api '{"command": "status"}' >/dev/null
bad=0 seen=0
for task in /proc/"$(vmm_pid)"/task/*; do
	comm=$(cat "$task/comm")
	mask=$(awk '/^SigBlk:/ { print $2 }' "$task/status")
	seen=$((seen + 1))
	# SIGHUP 1, SIGINT 2, SIGTERM 15: bits 0, 1, 14
	if (( (0x$mask & 0x4003) != 0x4003 )); then
		echo "# thread $comm: SigBlk $mask"
		bad=1
	fi
done
[ "$seen" -ge 3 ] && [ "$bad" -eq 0 ]
ok $? "every thread of nido-vmm ($seen) blocks SIGTERM, SIGINT and SIGHUP"
kill -TERM "$(vmm_pid)"
wait "$pid"
done_testing
