#!/usr/bin/env bash
# Clients of the control socket (docs/vmm-api.md) that could stall or
# reach nido-vmm: one that writes requests and never reads is dropped
# while another pauses, resumes and reads statistics, and SIGTERM still
# ends the VM; a request line over 64 KiB is dropped; the socket (and
# the console's) is mode 0600 under umask 000, and a peer that is not
# root nor nido-vmm's uid is refused even when it can open the file.
. "$(dirname "$0")/lib.sh"
need_kvm

sock=$tmp/api.sock
exitf=$tmp/exit.json
chmod 755 "$tmp" # other uids may look for the sockets

start_vm() # nido-vmm options...
{
	rm -f "$sock" "$exitf"
	timeout -s KILL 300 "$vmm" --kernel "$guests/guest-api" --memory 64 \
		--cpus 2 --api "unix:$sock" --exit-file "$exitf" "$@" \
		</dev/null >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 300); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
}

# stop_vm: SIGTERM (unless nido-vmm is gone already), then up to 60 s
# for it to go; sets $status.
stop_vm()
{
	local vpid=
	{ read -r vpid <"/proc/$pid/task/$pid/children"; } 2>/dev/null
	if [ -n "$vpid" ]; then
		kill -TERM "$vpid"
		for _ in $(seq 600); do
			kill -0 "$vpid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$vpid" 2>/dev/null
	fi
	wait "$pid"
	status=$?
}

start_vm --console none
read -r vpid <"/proc/$pid/task/$pid/children"
python3 - "$sock" "$vpid" "$exitf" >"$tmp/flood.log" 2>&1 <<'PY'
import json, os, signal, socket, sys, threading, time
path, vpid, exitf = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TIMEOUT = 60  # generous: the machine is shared

def call(s, cmd):
    s.sendall(json.dumps({"command": cmd}).encode() + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return json.loads(buf)

# A client that writes requests and never reads its replies.
flooder = socket.socket(socket.AF_UNIX)
flooder.connect(path)
dropped = threading.Event()
sent = [0]
def flood():
    req = b'{"command":"stats"}\n' * 512
    try:
        while True:
            flooder.sendall(req)
            sent[0] += len(req)
    except OSError:
        dropped.set()
threading.Thread(target=flood, daemon=True).start()
# Let it get ahead: until it is dropped, or its sending stalls.
last = -1
for _ in range(100):
    if dropped.is_set() or sent[0] == last:
        break
    last = sent[0]
    time.sleep(0.1)
print("# flooder sent %d bytes so far" % sent[0])

other = socket.socket(socket.AF_UNIX)
other.settimeout(TIMEOUT)
other.connect(path)
ok = True
try:
    r1 = call(other, "pause")
    r2 = call(other, "status")
    r3 = call(other, "resume")
    r4 = call(other, "stats")
    r5 = call(other, "status")
    ok = (r1["ok"] and r2["state"] == "paused" and r3["ok"] and r4["ok"]
          and len(r4["vcpus"]) == 2 and r5["state"] == "running")
    print("# answers:", r1, r2, r3, r5)
except Exception as e:
    print("# the other client got no answer:", repr(e))
    ok = False
print(("ok" if ok else "not ok") +
      " - another client pauses, resumes and reads stats meanwhile")

print(("ok" if dropped.wait(TIMEOUT) else "not ok") +
      " - the client that does not read is dropped (it sent %d bytes)"
      % sent[0])

# A request line over 64 KiB: an error line, then the connection closes.
big = socket.socket(socket.AF_UNIX)
big.settimeout(TIMEOUT)
big.connect(path)
reply = b""
try:
    big.sendall(b"x" * 70000)
    while True:
        chunk = big.recv(65536)
        if not chunk:
            break
        reply += chunk
except OSError as e:
    reply += b" (" + repr(e).encode() + b")"
print(("ok" if b"longer than 64 KiB" in reply else "not ok") +
      " - a request line over 64 KiB is refused and the client dropped")
# The same when the line ends, in a later read than its start.
big = socket.socket(socket.AF_UNIX)
big.settimeout(TIMEOUT)
big.connect(path)
reply = b""
try:
    big.sendall(b'{"command": "status", "pad": "' + b"x" * 10000)
    time.sleep(0.5)
    big.sendall(b"x" * 60000 + b'"}\n')
    while True:
        chunk = big.recv(65536)
        if not chunk:
            break
        reply += chunk
except OSError as e:
    reply += b" (" + repr(e).encode() + b")"
print(("ok" if b"longer than 64 KiB" in reply and b'"state"' not in reply
       else "not ok") +
      " - a complete request line over 64 KiB is refused too")
try:
    print(("ok" if call(other, "status")["ok"] else "not ok") +
          " - the first client is still served")
except Exception as e:
    print("not ok - the first client is still served:", repr(e))

# SIGTERM while a client that does not read is connected.
stuck = socket.socket(socket.AF_UNIX)
stuck.connect(path)
stuck.setblocking(False)
try:
    while True:
        stuck.send(b'{"command":"stats"}\n' * 512)
except BlockingIOError:
    pass
except OSError:
    pass  # dropped already
os.kill(vpid, signal.SIGTERM)
gone = False
for _ in range(TIMEOUT * 10):
    try:
        os.kill(vpid, 0)
    except ProcessLookupError:
        gone = True
        break
    # a zombie until the shell waits: look at its state
    with open("/proc/%d/stat" % vpid) as f:
        if f.read().rsplit(")", 1)[1].split()[0] == "Z":
            gone = True
            break
    time.sleep(0.1)
try:
    reason = json.load(open(exitf))["reason"]
except Exception as e:
    reason = repr(e)
print(("ok" if gone and reason == "signal" else "not ok") +
      " - SIGTERM ends nido-vmm while a client that does not read is "
      "connected (exit file: %s)" % reason)
PY
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "${line#ok - }" ;;
	"not ok - "*) ok 1 "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$tmp/flood.log"
grep -q "dropping client.*does not read" "$tmp/err"
ok $? "nido-vmm logs why it dropped the client"
stop_vm
[ "$status" -eq 4 ] && grep -q '"reason":"signal"' "$exitf"
ok $? "after SIGTERM: status 4, the exit file says signal ($status)"

# Mode 0600 whatever the umask, for the control and the console socket.
saved_umask=$(umask)
umask 000
start_vm --console "unix:$tmp/console.sock"
umask "$saved_umask"
mode=$(stat -c %a "$sock")
[ "$mode" = 600 ]
ok $? "under umask 000 the control socket is mode 0600 (got $mode)"
mode=$(stat -c %a "$tmp/console.sock")
[ "$mode" = 600 ]
ok $? "under umask 000 the console socket is mode 0600 (got $mode)"

# A peer of another uid: without privileges the mode keeps it out; with
# CAP_DAC_OVERRIDE it opens the file, and nido-vmm refuses it.
cat >"$tmp/client.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(60)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect: " + e.strerror)
    sys.exit(0)
try:
    s.sendall(b'{"command": "status"}\n')
except OSError:
    pass  # refused before the request went: the answer is still there
buf = b""
while True:
    try:
        chunk = s.recv(65536)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip() or "closed")
PY
chmod 644 "$tmp/client.py"
as_nobody() # setpriv options...
{
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
r=$(as_nobody /usr/bin/python3 "$tmp/client.py" "$sock")
[ "$r" = "connect: Permission denied" ]
ok $? "uid nobody cannot connect to the control socket ($r)"
r=$(as_nobody --inh-caps=+dac_override --ambient-caps=+dac_override \
	/usr/bin/python3 "$tmp/client.py" "$sock")
grep -q '"ok":false' <<<"$r" && grep -q 'access denied' <<<"$r" &&
	! grep -q '"state"' <<<"$r"
ok $? "uid nobody with CAP_DAC_OVERRIDE is refused by the peer check ($r)"
grep -q 'refused a client of uid 65534' "$tmp/err"
ok $? "nido-vmm logs the refused uid"
r=$(as_nobody --inh-caps=+dac_override --ambient-caps=+dac_override \
	/usr/bin/python3 "$tmp/client.py" "$tmp/console.sock")
[ "$r" = closed ] && grep -q 'console socket: refused a client of uid 65534' "$tmp/err"
ok $? "the console socket refuses it too ($r)"
r=$(api '{"command": "status"}')
grep -q '"state":"running"' <<<"$r"
ok $? "root is served ($r)"
stop_vm
[ "$status" -eq 4 ]
ok $? "the VM stops on SIGTERM (status $status)"

# A stale socket file (its process was killed) is replaced; a live one
# is an error and stays served; no temporary name is left behind.
python3 -c '
import socket, sys
socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$sock"
[ -S "$sock" ] && start_vm --console none
r=$(api '{"command": "status"}')
grep -q '"state":"running"' <<<"$r"
ok $? "a stale socket file is replaced ($r)"
"$vmm" --kernel "$guests/guest-api" --memory 64 --console none \
	--api "unix:$sock" </dev/null >/dev/null 2>"$tmp/err2"
st=$?
[ "$st" -eq 1 ] && grep -q "control socket '$sock' is in use by another process" "$tmp/err2"
ok $? "a second nido-vmm on a live socket fails (status $st: $(cat "$tmp/err2"))"
r=$(api '{"command": "status"}')
grep -q '"state":"running"' <<<"$r" && ! ls -a "$tmp" | grep -q 'nido-vmm-'
ok $? "the first one is still served; no temporary socket is left"
stop_vm
done_testing
