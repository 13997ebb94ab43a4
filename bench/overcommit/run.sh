#!/usr/bin/env bash
# How many guests fit (bench/overcommit/README.md). BENCH_GUESTS (8)
# nido-vmm guests of BENCH_MEM MiB (512) run guests/fill.c: each fills
# BENCH_COMMON MiB (192) with data alike in every guest (one image's
# kernel and libraries) and BENCH_UNIQUE MiB (32) with its own, then
# halts. The host memory they take (the sum of their processes'
# proportional set size, PSS) is measured with the host's KSM off, then
# with KSM merging (nido-vmm offers guest RAM to it by default), and
# divided into the host's available memory: the guests of that kind the
# host could run. The same number of guests that touch nothing gives
# each VMM's own cost per guest; where qemu-system-x86_64 is installed
# (BENCH_QEMU=0 leaves it out), as many QEMUs of the same size (an idle
# SeaBIOS guest, QEMU's default mem-merge) side by side. Root: KSM's
# settings are changed for the run and put back after.
set -eu
build=${1:-build}
vmm=$build/src/vmm/nido-vmm
guest=$build/guests/guest-fill
[ -x "$vmm" ] && [ -f "$guest" ] || {
	echo "build nido first (ninja -C $build)" >&2
	exit 1
}
[ -c /dev/kvm ] && [ -w /sys/kernel/mm/ksm/run ] || {
	echo "needs /dev/kvm and KSM (/sys/kernel/mm/ksm, as root)" >&2
	exit 1
}
tmp=$(mktemp -d)
ksm=/sys/kernel/mm/ksm
saved="$(cat $ksm/run) $(cat $ksm/pages_to_scan) $(cat $ksm/sleep_millisecs)"
restore_ksm() {
	set -- $saved
	echo 2 >$ksm/run # unmerge what this run merged
	echo "$2" >$ksm/pages_to_scan
	echo "$3" >$ksm/sleep_millisecs
	echo "$1" >$ksm/run
	rm -rf "$tmp"
}
trap restore_ksm EXIT
qemu=
[ "${BENCH_QEMU:-1}" = 0 ] || qemu=$(command -v qemu-system-x86_64 || true)
python3 - "$vmm" "$guest" "$tmp" "${BENCH_GUESTS:-8}" "${BENCH_MEM:-512}" \
	"${BENCH_COMMON:-192}" "${BENCH_UNIQUE:-32}" "$qemu" <<'PY'
import os, subprocess, sys, time

vmm, guest, tmp, n, mem, common, unique, qemu = sys.argv[1:9]
n, mem, common, unique = int(n), int(mem), int(common), int(unique)
KSM = "/sys/kernel/mm/ksm/"

def ksm(name, value=None):
    if value is None:
        with open(KSM + name) as f:
            return int(f.read())
    with open(KSM + name, "w") as f:
        f.write(str(value))

def meminfo(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024

def pss(pid):
    """PSS of @pid and its children (nido-vmm's relay and the VM's
    process in its pid namespace), in bytes."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                todo += [int(c) for c in f.read().split()]
        except FileNotFoundError:
            pass
    return total

def start_vmm(i, c, u):
    out = os.path.join(tmp, "out%d" % i)
    o = open(out, "wb")
    p = subprocess.Popen([vmm, "--kernel", guest, "--memory", str(mem),
                          "--cmdline", "common=%d unique=%d seed=%d" % (c, u, i),
                          "--console", "stdio"],
                         stdin=subprocess.DEVNULL, stdout=o,
                         stderr=subprocess.DEVNULL)
    return p, out

def wait_filled(outs):
    for out in outs:
        for _ in range(12000):
            with open(out, "rb") as f:
                if b"filled" in f.read():
                    break
            time.sleep(0.01)
        else:
            sys.exit("a guest did not fill its memory (%s)" % out)

def stop_all(ps):
    for p in ps:
        p.terminate()
    for p in ps:
        p.wait(timeout=60)

def settle(ps, what):
    """Waits until the processes' PSS stops changing (KSM's scans)."""
    last, same = None, 0
    for _ in range(600):
        time.sleep(1)
        now = sum(pss(p.pid) for p in ps)
        same = same + 1 if last and abs(now - last) < (1 << 20) else 0
        last = now
        if same >= 3:
            return now
    sys.exit("%s: the memory use did not settle in 10 minutes" % what)

MiB = 1 << 20
avail = meminfo("MemAvailable")
print("host: %d MiB available; %d guests of %d MiB" % (avail // MiB, n, mem))

# What a guest that touches nothing costs: the VMM's own memory.
ksm("run", 0)
ps, outs = zip(*[start_vmm(i, 0, 0) for i in range(n)])
wait_filled(outs)
time.sleep(1)
vmm_idle = sum(pss(p.pid) for p in ps) / n
stop_all(ps)
print("nido-vmm, guest idle:        %7.1f MiB a guest" % (vmm_idle / MiB))

qemu_idle = None
if qemu:
    qs = []
    for i in range(n):
        log = os.path.join(tmp, "bios%d.log" % i)
        qs.append((subprocess.Popen(
            [qemu, "-accel", "kvm", "-m", str(mem), "-nodefaults",
             "-display", "none", "-no-user-config",
             "-chardev", "file,id=d,path=" + log,
             "-device", "isa-debugcon,iobase=0x402,chardev=d"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL), log))
    for p, log in qs:
        for _ in range(12000):
            if os.path.exists(log) and b"No bootable device" in open(log, "rb").read():
                break
            time.sleep(0.01)
        else:
            sys.exit("QEMU's guest did not reach its idle loop")
    time.sleep(1)
    qemu_idle = sum(pss(p.pid) for p, _ in qs) / n
    stop_all([p for p, _ in qs])
    print("QEMU, idle SeaBIOS guest:    %7.1f MiB a guest  (nido-vmm/QEMU %.2f)"
          % (qemu_idle / MiB, vmm_idle / qemu_idle))

# Guests of one image: KSM off, then on.
ps, outs = zip(*[start_vmm(i, common, unique) for i in range(n)])
wait_filled(outs)
off = settle(ps, "KSM off") / n
print("filled (%d MiB alike, %d own), KSM off: %7.1f MiB a guest, %d fit"
      % (common, unique, off / MiB, avail // off))
ksm("pages_to_scan", 20000)
ksm("sleep_millisecs", 10)
ksm("run", 1)
t0 = time.monotonic()
on = settle(ps, "KSM on") / n
print("filled, KSM merging:           %7.1f MiB a guest, %d fit "
      "(%.0f s to settle; pages shared %d, sharing %d)"
      % (on / MiB, avail // on, time.monotonic() - t0, ksm("pages_shared"),
         ksm("pages_sharing")))
stop_all(ps)
PY
