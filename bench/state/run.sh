#!/usr/bin/env bash
# Save and restore times of nido-vmm (bench/state/README.md): a guest of
# BENCH_SIZES MiB (default "256 2048") running guests/count.c is saved
# through the control socket, then restored BENCH_ROUNDS times (5) by
# mapping its memory file (lazy) and by copying it (copy). Prints, per
# size and mode, the best and median time from the process's start to
# running vCPUs (nido-vmm's "running_after_us"), and from exec to the
# control socket's first answer, seen from outside. Then, where
# qemu-system-x86_64 is installed (BENCH_QEMU=0 leaves it out), QEMU's
# save and restore of an idle guest of the same size, as libvirt drives
# them: "stop" and a migration to a file, then a new QEMU with
# "-incoming defer", "migrate-incoming" from the file and "cont".
set -eu
build=${1:-build}
vmm=$build/src/vmm/nido-vmm
guest=$build/guests/guest-count
[ -x "$vmm" ] && [ -f "$guest" ] || {
	echo "build nido first (ninja -C $build)" >&2
	exit 1
}
[ -c /dev/kvm ] || {
	echo "no /dev/kvm" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
qemu=
[ "${BENCH_QEMU:-1}" = 0 ] || qemu=$(command -v qemu-system-x86_64 || true)
exec python3 - "$vmm" "$guest" "$tmp" "${BENCH_SIZES:-256 2048}" \
	"${BENCH_ROUNDS:-5}" "$qemu" <<'PY'
import json, os, socket, statistics, subprocess, sys, time

vmm, guest, tmp, sizes, rounds, qemu = sys.argv[1:7]
sock = os.path.join(tmp, "api.sock")
disk = os.path.join(tmp, "disk.img")

def request(req, fds=None):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    line = json.dumps(req).encode() + b"\n"
    if fds:
        socket.send_fds(s, [line], fds)
    else:
        s.sendall(line)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)

def start(args, out):
    if os.path.exists(sock):
        os.unlink(sock)
    t0 = time.monotonic()
    p = subprocess.Popen([vmm, "--console", "stdio", "--api", "unix:" + sock]
                         + args, stdin=subprocess.DEVNULL, stdout=out,
                         stderr=subprocess.DEVNULL)
    while True:
        try:
            r = request({"command": "status"})
            if r.get("running_after_us") is not None:
                return p, r, time.monotonic() - t0
        except OSError:
            pass
        if p.poll() is not None:
            sys.exit("nido-vmm ended early")
        time.sleep(0.0005)

def stop(p):
    request({"command": "power-off"})
    p.wait(timeout=60)

def wait_count(path, n):
    for _ in range(6000):
        with open(path, "rb") as f:
            if b"count %d " % n in f.read():
                return
        time.sleep(0.01)
    sys.exit("the guest does not count")

print("size    mode  save_ms  running_after_ms(best/median)  "
      "socket_answers_ms(best/median)")
for size in sizes.split():
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    out = os.path.join(tmp, "out")
    with open(out, "wb") as o:
        p, _, _ = start(["--kernel", guest, "--memory", size,
                         "--disk", disk + ",format=raw"], o)
    wait_count(out, 640)
    st, mem = os.path.join(tmp, "vm.state"), os.path.join(tmp, "vm.mem")
    fds = [os.open(x, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
           for x in (st, mem)]
    t0 = time.monotonic()
    r = request({"command": "save", "path": st, "memory": mem}, fds)
    save_ms = (time.monotonic() - t0) * 1000
    for fd in fds:
        os.close(fd)
    if not r.get("ok"):
        sys.exit("save failed: %s" % r)
    stop(p)
    for mode in ("lazy", "copy"):
        inner, outer = [], []
        for _ in range(int(rounds)):
            with open(os.devnull, "wb") as o:
                p, r, wall = start(["--restore", st, "--restore-mode", mode], o)
            inner.append(r["running_after_us"] / 1000)
            outer.append(wall * 1000)
            stop(p)
        print("%4s MiB %-5s %7.1f  %8.2f / %-8.2f            %8.2f / %-8.2f" %
              (size, mode, save_ms, min(inner), statistics.median(inner),
               min(outer), statistics.median(outer)))
        sys.stdout.flush()

# QEMU: an idle guest (SeaBIOS with no boot device: it says so and waits)
# on KVM, saved as libvirt's "virsh save" does and restored as "virsh
# restore" does. Not the same guest as nido-vmm's (QEMU cannot run
# guests/count.c), but the same RAM size, mostly untouched.
class QMP:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")
        self.f.readline()  # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        self.f.write(json.dumps({"execute": name, "arguments": args}).encode()
                     + b"\n")
        self.f.flush()
        while True:
            r = json.loads(self.f.readline())
            if "return" in r:
                return r["return"]
            if "error" in r:
                sys.exit("QMP %s: %s" % (name, r["error"]))

def qemu_start(size, extra, wait_sock=True):
    qsock = os.path.join(tmp, "qmp.sock")
    if os.path.exists(qsock):
        os.unlink(qsock)
    t0 = time.monotonic()
    p = subprocess.Popen([qemu, "-accel", "kvm", "-m", size, "-nodefaults",
                          "-display", "none", "-no-user-config",
                          "-chardev", "file,id=d,path=" + os.path.join(tmp, "bios.log"),
                          "-device", "isa-debugcon,iobase=0x402,chardev=d",
                          "-qmp", "unix:%s,server=on,wait=off" % qsock] + extra,
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    while True:
        try:
            return p, QMP(qsock), t0
        except OSError:
            if p.poll() is not None:
                sys.exit("QEMU ended early")
            time.sleep(0.0005)

def qemu_migrated(q):
    while True:
        st = q.cmd("query-migrate").get("status")
        if st == "completed":
            return
        if st in ("failed", "cancelled"):
            sys.exit("QEMU's migration %s" % st)
        time.sleep(0.0005)

if qemu:
    print("QEMU (%s), idle guest, same sizes:" % qemu)
    print("size    save_ms  running_after_ms(best/median)")
    for size in sizes.split():
        log = os.path.join(tmp, "bios.log")
        if os.path.exists(log):
            os.unlink(log)
        p, q, _ = qemu_start(size, [])
        for _ in range(12000):
            with open(log, "rb") as f:
                if b"No bootable device" in f.read():
                    break
            time.sleep(0.01)
        else:
            sys.exit("QEMU's guest did not reach its idle loop")
        save = os.path.join(tmp, "qemu.save")
        t0 = time.monotonic()
        q.cmd("stop")
        q.cmd("migrate", uri="exec:cat > " + save)
        qemu_migrated(q)
        with open(save, "rb") as f:
            os.fsync(f.fileno())
        save_ms = (time.monotonic() - t0) * 1000
        q.cmd("quit")
        p.wait(timeout=60)
        runs = []
        for _ in range(int(rounds)):
            p, q, t0 = qemu_start(size, ["-incoming", "defer"])
            q.cmd("migrate-incoming", uri="exec:cat " + save)
            qemu_migrated(q)
            q.cmd("cont")
            while q.cmd("query-status").get("status") != "running":
                time.sleep(0.0005)
            runs.append((time.monotonic() - t0) * 1000)
            q.cmd("quit")
            p.wait(timeout=60)
        print("%4s MiB %7.1f  %8.2f / %-8.2f" %
              (size, save_ms, min(runs), statistics.median(runs)))
        sys.stdout.flush()
PY
