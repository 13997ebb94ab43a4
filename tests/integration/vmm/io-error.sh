#!/usr/bin/env bash
# Host I/O errors on a guest's disk (docs/vmm-api.md, "Events"): a qcow2
# whose L1 table points past the end of the file, and a raw image on a
# full file system. The guest sees IOERR (error_policy='report'); a
# subscribed control-socket client gets an "io-error" event naming the
# disk, the image, the operation and the cause; stats count the errors
# per disk; nido-vmm logs one line per disk and kind; a client that did
# not subscribe gets replies only.
. "$(dirname "$0")/lib.sh"
need_kvm
command -v qemu-img >/dev/null || skip_all "qemu-img is not installed"

sock=$tmp/api.sock

# start_vm COMMAND...: runs COMMAND (nido-vmm and its options, maybe
# behind unshare) in the background and waits for the guest to wait.
start_vm()
{
	rm -f "$sock"
	timeout -s KILL 300 "$@" </dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 300); do
		[ -S "$sock" ] && grep -q 'waiting for ctrl-alt-del' "$tmp/out" && break
		sleep 0.1
	done
}

# client EXPECTATIONS-PYTHON: subscribes, presses Ctrl-Alt-Del, collects
# the events until those of @ops arrived, reads stats, presses it again;
# prints TAP lines "ok - ..." that the shell renumbers.
client() # ops image corrupt nospace
{
	python3 - "$sock" "$tmp/out" "$@" <<'PY'
import json, socket, sys, time
path, out, ops, image = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
corrupt, nospace = sys.argv[5] == "true", sys.argv[6] == "true"
TIMEOUT = 60

def conn():
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(TIMEOUT)
    s.connect(path)
    return s, s.makefile("rb")

def call(c, cmd):
    c[0].sendall(json.dumps({"command": cmd}).encode() + b"\n")
    return json.loads(c[1].readline())

def check(cond, what):
    print(("ok" if cond else "not ok") + " - " + what)

sub, plain = conn(), conn()
check(call(sub, "subscribe") == {"ok": True}, "subscribe is answered ok")
check(call(plain, "shutdown")["ok"], "Ctrl-Alt-Del starts the guest's I/O")
events = {}
deadline = time.time() + TIMEOUT
try:
    while not all(op in events for op in ops) and time.time() < deadline:
        ev = json.loads(sub[1].readline())
        print("# event: %s" % json.dumps(ev))
        events.setdefault(ev.get("operation"), ev)
except Exception as e:
    print("# no more events: %r" % e)
for op in ops:
    ev = events.get(op)
    check(ev is not None and ev["event"] == "io-error" and ev["disk"] == 0
          and ev["serial"] == "nido-disk0" and ev["image"] == image
          and ev["action"] == "report" and ev["corrupt"] is corrupt
          and ev["nospace"] is nospace and image in ev["error"],
          "an io-error event for the %s: disk 0, its image, corrupt %s, "
          "nospace %s, the cause" % (op, corrupt, nospace))
# wait for the guest to be done with its requests
for _ in range(TIMEOUT * 10):
    if b"errors done" in open(out, "rb").read():
        break
    time.sleep(0.1)
st = call(plain, "stats")
check(st["ok"], "the client that did not subscribe gets a reply, not an event")
disks = st.get("disks", [])
d = disks[0] if disks else {}
print("# stats disks: %s" % json.dumps(disks))
check(len(disks) == 1 and d["disk"] == 0 and d["image"] == image
      and all(d[op.replace("-", "_") + "_errors"] >= 1 for op in ops)
      and d["corrupt"] is corrupt,
      "stats count the errors of disk 0 by operation (%s)" % ",".join(ops))
blk = [x for x in st["devices"] if x["name"] == "virtio-blk"]
check(blk and blk[0]["errors"] >= len(ops), "the device's errors count them too")
check(call(plain, "shutdown")["ok"], "Ctrl-Alt-Del again: the guest powers off")
PY
}

report() # python output on stdin: renumbered TAP
{
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok 0 "$1: ${line#ok - }" ;;
		"not ok - "*) ok 1 "$1: ${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done
}

# A qcow2 whose L1 entry 0 points to an L2 table past the end of the file.
qemu-img create -q -f qcow2 "$tmp/bad.qcow2" 4M
python3 - "$tmp/bad.qcow2" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(40)
    l1 = struct.unpack(">Q", f.read(8))[0]
    f.seek(l1)
    f.write(struct.pack(">Q", (1 << 63) | (1 << 30)))
PY
start_vm "$vmm" --kernel "$guests/guest-blkerr" --memory 64 --console stdio \
	--api "unix:$sock" --disk "$tmp/bad.qcow2,format=qcow2"
client read,write "$tmp/bad.qcow2" true false >"$tmp/client.log"
report "corrupt qcow2" <"$tmp/client.log"
wait "$pid"
status=$?
out=$(tr -d '\r' <"$tmp/out")
guest_tap "corrupt qcow2"
[ "$status" -eq 0 ]
ok $? "corrupt qcow2: the guest powers off (status $status)"
grep -q 'status 1' <<<"$out" && grep -q 'read of sector 0: status 1' <<<"$out"
ok $? "corrupt qcow2: the guest's read fails with IOERR too"
n=$(grep -c "disk 0 (serial 'nido-disk0', image '$tmp/bad.qcow2'): read error: .*corrupt" "$tmp/err")
[ "$n" -eq 1 ]
ok $? "corrupt qcow2: one log line for the read errors ($n)"
grep -q "disk 0 (serial 'nido-disk0', image '$tmp/bad.qcow2'): write error:" "$tmp/err"
ok $? "corrupt qcow2: one for the write errors"

# A raw image on a file system that fills up: ENOSPC, not corrupt; with
# io_uring and with the worker threads.
for uring in yes no; do
	mkdir -p "$tmp/small"
	no_uring=()
	[ "$uring" = no ] && no_uring=(NIDO_BLOCK_NO_URING=1)
	# shellcheck disable=SC2016
	start_vm env "${no_uring[@]}" \
		unshare -m --propagation private sh -c '
		mount -t tmpfs -o size=256k nido-io-error "$1" &&
		truncate -s 4M "$1/d.raw" && shift && exec "$@"' sh \
		"$tmp/small" "$vmm" --kernel "$guests/guest-blkerr" \
		--memory 64 --console stdio --api "unix:$sock" \
		--disk "$tmp/small/d.raw,format=raw"
	client write "$tmp/small/d.raw" false true >"$tmp/client.log"
	report "full raw (io_uring: $uring)" <"$tmp/client.log"
	wait "$pid"
	status=$?
	out=$(tr -d '\r' <"$tmp/out")
	guest_tap "full raw (io_uring: $uring)"
	grep -q "write error: .*No space left on device" "$tmp/err"
	ok $? "full raw (io_uring: $uring): the log names the cause"
done
done_testing
