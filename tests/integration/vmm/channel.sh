#!/usr/bin/env bash
# Named ports of the multiport virtio-console (docs/vmm.md, --channel)
# with guests/agent.c, which sets the port up after misbehaving on the
# control queue, and a client on the channel's socket: the port's name
# and open state in "status"; a reply of 1.5 MiB that the client does not
# read for a while (nido-vmm's memory stays bounded: it stops taking the
# guest's buffers), then reads whole; 100 KB of input, more than the
# port holds; a second client refused while the
# first is on; a client that goes and comes back; bad --channel values.
. "$(dirname "$0")/lib.sh"
need_kvm

rm -f "$tmp/ch.sock" "$tmp/api.sock"
timeout -s KILL 60 "$vmm" --kernel "$guests/guest-agent" --memory 64 \
	--console stdio --api "unix:$tmp/api.sock" \
	--channel "org.qemu.guest_agent.0,unix:$tmp/ch.sock" \
	</dev/null >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
	[ -S "$tmp/api.sock" ] && break
	sleep 0.1
done

python3 - "$tmp" "$pid" >"$tmp/py.out" 2>&1 <<'PY'
import json, socket, sys, time
tmp, pid = sys.argv[1], sys.argv[2]

def say(ok, what):
    print(("ok" if ok else "not ok") + " - " + what, flush=True)

def api(cmd):
    a = socket.socket(socket.AF_UNIX)
    a.connect(tmp + "/api.sock")
    a.sendall(json.dumps({"command": cmd}).encode() + b"\n")
    line = a.makefile().readline()
    a.close()
    return json.loads(line)

def rss_kib():
    """nido-vmm's resident memory: its processes (a relay and the VM
    when it made a pid namespace) are those with our socket's path in
    their command line."""
    import glob
    total = 0
    for d in glob.glob("/proc/[0-9]*"):
        try:
            if (tmp + "/ch.sock").encode() not in open(d + "/cmdline", "rb").read():
                continue
            if b"nido-vmm" not in open(d + "/comm", "rb").read():
                continue
            for l in open(d + "/status"):
                if l.startswith("VmRSS:"):
                    total += int(l.split()[1])
        except OSError:
            pass
    return total

def connect():
    s = socket.socket(socket.AF_UNIX)
    s.connect(tmp + "/ch.sock")
    s.settimeout(10)
    return s

def line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        b = s.recv(65536)
        if not b:
            break
        buf += b
    return buf

s = connect()
deadline = time.time() + 20
st = {}
while time.time() < deadline:
    st = api("status")
    if st.get("channels", [{}])[0].get("open"):
        break
    time.sleep(0.1)
say(st.get("channels") == [{"name": "org.qemu.guest_agent.0", "open": True}],
    "status: the guest opened its port (%s)" % st.get("channels"))
s.sendall(b'\xff{"execute":"guest-sync-delimited","arguments":{"id":4242}}\n')
say(line(s) == b'\xff{"return": 4242}\n', "guest-sync-delimited answered")
s.sendall(b'{"execute":"guest-ping"}\n')
say(line(s) == b'{"return": {}}\n', "guest-ping answered")

s.sendall(b"x" * 100000 + b"\n")  # more than the port holds at once
say(b"CommandNotFound" in line(s), "100 KB of input reach the guest (in 4 KiB steps)")
s.sendall(b'{"execute":"guest-ping"}\n')
say(line(s) == b'{"return": {}}\n', "guest-ping answered after it")

s2 = connect()
s2.settimeout(0.5)
try:
    gone = s2.recv(10) == b""
except socket.timeout:
    gone = False
say(gone, "a second client is closed at once while one is on")
s2.close()

before = rss_kib()
s.sendall(b'{"execute":"nido-flood"}\n')
time.sleep(2)  # not reading
after = rss_kib()
say(before > 0 and after - before < 1024,
    "a client that does not read: nido-vmm grew %d KiB from %d (bounded)"
    % (after - before, before))
n = len(line(s))
say(n == 48 * 32768 + 1, "then the client reads all of it (%d bytes)" % n)
s.sendall(b'{"execute":"guest-ping"}\n')
say(line(s) == b'{"return": {}}\n', "the port works after the flood")
s.close()
time.sleep(0.3)
s = connect()
s.sendall(b'{"execute":"guest-ping"}\n')
say(line(s) == b'{"return": {}}\n', "a client that comes back is served")
PY
while read -r l; do
	case $l in
	"ok - "*) ok 0 "${l#ok - }" ;;
	"not ok - "*) ok 1 "${l#not ok - }" ;;
	*) echo "# $l" ;;
	esac
done <"$tmp/py.out"
kill "$pid" 2>/dev/null
wait "$pid"
grep -q "ok 4 - port 1 is named 'org.qemu.guest_agent.0'" "$tmp/out"
ok $? "the guest read the port's name"
grep -q "broke\|needs a reset" "$tmp/err"
ok $((!$?)) "nido-vmm logged no broken queue"

"$vmm" --kernel "$guests/guest-agent" --channel 'a/b' >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "the port's name must be" "$tmp/err"
ok $? "--channel with a bad name: refused (status 2)"
"$vmm" --kernel "$guests/guest-agent" --channel 'x,fd:999' \
	--console none >/dev/null 2>"$tmp/err"
grep -q "channel 'x': descriptor 999 is not a stream socket" "$tmp/err"
ok $? "--channel fd:N that is not a socket: refused, named"
"$vmm" --kernel "$guests/guest-agent" --channel x --channel x \
	--console none >/dev/null 2>"$tmp/err"
grep -q "two channels named 'x'" "$tmp/err"
ok $? "two channels of one name: refused"
done_testing
