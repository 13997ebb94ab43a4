#!/usr/bin/env bash
# Benchmark: the qemu driver's overhead. The same full machine (a BIOS
# disk: SeaBIOS, extlinux, Debian's kernel, a busybox init that says
# "init up" on its serial port; tests/integration/daemon/qemu/
# make-bios-disk.sh) is started BENCH_ROUNDS times (default 5) each way,
# in turn:
#
#  - nido: `nido start` of a `type='qemu'` domain (TCG) through nidod, to
#    the init's line on the console (read through `nido console`);
#  - by hand: qemu-system-x86_64 with the arguments nidod gave it (read
#    from the running QEMU's /proc/PID/cmdline), except what only a
#    parent that passes fds can give: the disk's fd set becomes its path,
#    the monitor's listening fd a socket path, the pty serial port
#    standard output, and -S (nidod lets the vCPUs go with QMP's `cont`
#    once it is attached) is dropped; it runs as root, without nidod's
#    sandbox identity and cgroup.
#
# Two times per round: "running", from the command's start to vCPUs that
# run (nido: `nido start` returns once QMP's `cont` is answered; by hand:
# a QMP client starts QEMU with -S as nidod starts it, then sends
# qmp_capabilities and cont, timed from inside the client), which holds nidod's whole overhead and
# little of the machine's noise; and "init", to the init's line on the
# serial port (by hand without -S). Prints each round, the medians and
# nido's overhead (the difference of the medians; goal: at most 50 ms).
# Usage, as root: bench/vmm/qemu-driver.sh [BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
rounds=${BENCH_ROUNDS:-5}
QEMU=$(command -v qemu-system-x86_64) || { echo "qemu-system-x86_64 is not installed"; exit 77; }
work=$(mktemp -d /tmp/nido-bench-qemu.XXXXXX)
chmod 755 "$work"
export NIDO_STATE_DIR=$work/state NIDO_RUNTIME_DIR=$work/run
nido() { "$build/src/cli/nido" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

nidod_pid=
cleanup() {
	nido destroy bench >/dev/null 2>&1 || true
	[ -z "$nidod_pid" ] || { kill "$nidod_pid" 2>/dev/null; wait "$nidod_pid" 2>/dev/null || true; }
	rm -rf "$work"
}
trap cleanup EXIT

"$top/tests/integration/daemon/qemu/make-bios-disk.sh" "$work/boot.img"
"$build/src/daemon/nidod" --session --log-file "$work/nidod.log" &
nidod_pid=$!
for _ in $(seq 100); do
	[ -S "$NIDO_RUNTIME_DIR/nidod.sock" ] && break
	sleep 0.1
done
cat >"$work/bench.xml" <<XML
<domain type='qemu'>
  <name>bench</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$work/boot.img'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <serial type='pty'/>
    <console type='pty'/>
  </devices>
</domain>
XML
nido define "$work/bench.xml" >/dev/null
mkfifo "$work/hold"
exec 9<>"$work/hold"

# wait_line FILE PID: until FILE has the init's line (or PID ends, or 300 s).
wait_line() {
	local deadline=$((SECONDS + 300))
	until grep -q "nido-qemu-test: init up" "$1" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null && [ $SECONDS -lt $deadline ] || return 1
		sleep 0.02
	done
}

run_nido() { # prints "RUNNING_MS INIT_MS"
	local t0 t1 con
	rm -f "$work/con.out"
	t0=$(now_ms)
	nido start bench >/dev/null
	t1=$(now_ms)
	# the console at once (the firmware and the kernel take seconds
	# before the init speaks); its input a FIFO held open, never written
	"$build/src/cli/nido" console bench <"$work/hold" >"$work/con.out" 2>&1 &
	con=$!
	wait_line "$work/con.out" "$con" || { echo "nido: no init line" >&2; exit 1; }
	echo $((t1 - t0)) $(($(now_ms) - t0))
	cp /proc/"$(grep -o '"pid":[0-9]*' "$NIDO_RUNTIME_DIR/domains/bench.json" | cut -d: -f2)"/cmdline "$work/cmdline"
	nido destroy bench >/dev/null
	kill "$con" 2>/dev/null || true
	wait "$con" 2>/dev/null || true
}

# hand_args: nidod's arguments, rewritten as the comment above says.
hand_args() {
	local a skip=0
	while IFS= read -r -d '' a; do
		if [ $skip = 1 ]; then skip=0; continue; fi
		case $a in
		-S) [ "$keep_s" = 1 ] || continue ;;
		-add-fd) skip=1; continue ;;
		socket,id=monitor,fd=*) a="socket,id=monitor,path=$work/mon.sock,server=on,wait=off" ;;
		pty,id=*) a="stdio,id=${a#pty,id=}" ;;
		esac
		a=${a//\/dev\/fdset\/1/$work/boot.img}
		printf '%s\0' "$a"
	done <"$work/cmdline"
}

# hand_running SOCKET QEMU-ARGS...: starts QEMU (with -S), waits for
# its monitor, sends qmp_capabilities and cont, kills it; prints the ms
# from the start to cont's answer. The clock runs inside the client, so
# the Python interpreter's own start-up (~0.1 s) is not counted.
hand_running() {
	python3 - "$@" <<'PY'
import json, os, socket, subprocess, sys, time
path, argv = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    deadline = t0 + 60
    while True:
        s = socket.socket(socket.AF_UNIX)  # a new one per try
        try:
            s.connect(path)
            break
        except OSError:
            s.close()
            if time.monotonic() > deadline or qemu.poll() is not None:
                sys.exit("by hand: QEMU's monitor never answered")
            time.sleep(0.001)
    f = s.makefile("rw")
    f.readline()
    for cmd in ("qmp_capabilities", "cont"):
        f.write(json.dumps({"execute": cmd}) + "\n"); f.flush()
        while "return" not in json.loads(f.readline()):
            pass
    print(round((time.monotonic() - t0) * 1000))
finally:
    qemu.kill()
    qemu.wait()
PY
}

run_hand_running() { # prints ms
	mapfile -d '' args < <(keep_s=1 hand_args)
	rm -f "$work/mon.sock"
	hand_running "$work/mon.sock" "${args[@]}"
}

run_hand() { # prints ms
	local t0 pid
	mapfile -d '' args < <(keep_s=0 hand_args)
	rm -f "$work/hand.out" "$work/mon.sock"
	t0=$(now_ms)
	"${args[@]}" </dev/null >"$work/hand.out" 2>&1 &
	pid=$!
	wait_line "$work/hand.out" "$pid" || { echo "by hand: no init line:" >&2; cat "$work/hand.out" >&2; exit 1; }
	echo $(($(now_ms) - t0))
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

run_nido >/dev/null # a first start warms the caches and gives nidod's arguments
: >"$work/nido.ms"
: >"$work/hand.ms"
: >"$work/nido-run.ms"
: >"$work/hand-run.ms"
for r in $(seq "$rounds"); do
	hr=$(run_hand_running)
	hi=$(run_hand)
	read -r nr ni < <(run_nido)
	echo "$hr" >>"$work/hand-run.ms"
	echo "$hi" >>"$work/hand.ms"
	echo "$nr" >>"$work/nido-run.ms"
	echo "$ni" >>"$work/nido.ms"
	printf 'round %d: running: by hand %d ms, nido %d ms; init: by hand %d ms, nido %d ms\n' \
		"$r" "$hr" "$nr" "$hi" "$ni"
done
summary() { # what file-by-hand file-nido
	local mh mn
	mh=$(median <"$work/$2")
	mn=$(median <"$work/$3")
	printf 'median start to %s: by hand %d ms, nido %d ms; nido overhead %d ms (goal <= 50), ratio %s\n' \
		"$1" "$mh" "$mn" $((mn - mh)) "$(awk -v a="$mn" -v b="$mh" 'BEGIN { printf "%.3f", a / b }')"
}
summary "running vCPUs" hand-run.ms nido-run.ms
summary "init" hand.ms nido.ms
echo "QEMU: $("$QEMU" --version | head -n1)"
