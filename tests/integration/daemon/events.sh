#!/usr/bin/env bash
# Domain events through the daemon (docs/api.md, "Events"), as a user
# sees them with `nido event` (virsh 9.0's output): lifecycle events of
# another client's actions, --event filters, one-shot and --timeout,
# --timestamp, the read-only socket, an io-error relayed from nido-vmm
# for a corrupt qcow2, and a subscriber that never reads: dropped at
# its memory cap while the daemon serves the others.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP needs /dev/kvm and nido-vmm"
	exit 0
fi
GUEST_BLKERR=$build/guests/guest-blkerr
# The smallest memory cap nidod accepts (2 MiB), so that the subscriber
# that does not read reaches it soon; on a slow machine (sanitizers, a
# loaded host) before the idle sweep drops it as stalled.
printf 'client_max_memory = "2MiB"\nclient_idle_timeout = 900\n' >"$tmp/nidod.conf"
"$NIDOD" --session --log-level debug --config "$tmp/nidod.conf" \
	>>"$tmp/nidod.log" 2>&1 &
wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"

domain_xml probe "$GUEST_IDLE" >"$tmp/probe.xml"
domain_xml ev "$GUEST_IDLE" >"$tmp/ev.xml"

# watch OUT ARGS...: `nido event ARGS` in the background into OUT; sets
# watch_pid. Returns once it is subscribed: a probe domain is redefined
# until its event shows (the watcher must see domain 'probe').
watch() {
	local out=$1 i
	shift
	"$NIDO" event "$@" >"$out" 2>&1 &
	watch_pid=$!
	extra_pids="${extra_pids:-} $watch_pid"
	for i in $(seq 1 300); do
		"$NIDO" define "$tmp/probe.xml" >/dev/null 2>&1
		grep -q "for domain 'probe'" "$out" && return 0
		sleep 0.1
	done
	return 1
}
# seen OUT TEXT [N]: waits for TEXT (a whole line) in OUT, N times.
seen() {
	wait_for 30 sh -c '[ "$(grep -cxF "$2" "$1")" -ge "$3" ]' sh "$1" "$2" "${3:-1}"
}

t_out "event --list: the types nido delivers" \
	"$(printf 'lifecycle\nreboot\nio-error\nio-error-reason')" "$NIDO" event --list
t_err "event without --all, --event or --list" \
	"error: one of --list, --all, or --event <type> is required" "$NIDO" event
t_err "--all and --event together" \
	"error: Options --all and --event are mutually exclusive" \
	"$NIDO" event --all --event lifecycle
t_err "an unknown event type" "error: unknown event type bogus" \
	"$NIDO" event --event bogus
t_err "an unknown domain" "error: failed to get domain 'nosuch'" \
	"$NIDO" event nosuch --all

# Every lifecycle event of another client's actions, in order.
watch "$tmp/all.out" --all --loop || not_ok "the watcher subscribes" "$(cat "$tmp/all.out")"
"$NIDO" define "$tmp/ev.xml" >/dev/null
t "defined: Defined Added" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Defined Added"
"$NIDO" define "$tmp/ev.xml" >/dev/null
t "defined again: Defined Updated" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Defined Updated"
"$NIDO" start ev >/dev/null
t "start: Started Booted" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Started Booted"
"$NIDO" suspend ev >/dev/null
t "suspend: Suspended Paused" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Suspended Paused"
"$NIDO" resume ev >/dev/null
t "resume: Resumed Unpaused" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Resumed Unpaused"
console_send ev "R" >/dev/null
t "a guest reset: reboot" seen "$tmp/all.out" "event 'reboot' for domain 'ev'"
t "... and the VM's restart" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Started Booted" 2
console_send ev "Q" >/dev/null
t "the guest powers off: Stopped Shutdown" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Stopped Shutdown" 2
"$NIDO" start ev >/dev/null
kill -9 "$(vm_pid ev)"
t "a killed VMM: Stopped Crashed" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Stopped Crashed"
"$NIDO" start ev >/dev/null
"$NIDO" destroy ev >/dev/null
t "destroy: Stopped Destroyed" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Stopped Destroyed"
"$NIDO" undefine ev >/dev/null
t "undefine: Undefined Removed" seen "$tmp/all.out" \
	"event 'lifecycle' for domain 'ev': Undefined Removed"
kill -INT "$watch_pid"
wait "$watch_pid"
rc=$?
n=$(grep -c "^event '" "$tmp/all.out")
tail=$(grep -v '^$' "$tmp/all.out" | tail -n 2)
if [ "$tail" = "$(printf 'event loop interrupted\nevents received: %d' "$n")" ] &&
	[ "$rc" -eq 0 ]; then
	ok "Ctrl-C ends the loop: 'event loop interrupted', the count, status 0"
else
	not_ok "Ctrl-C ends the loop: 'event loop interrupted', the count, status 0" \
		"status $rc, $n events" "$(cat -A "$tmp/all.out")"
fi
want="event 'lifecycle' for domain 'ev': Defined Added
event 'lifecycle' for domain 'ev': Defined Updated
event 'lifecycle' for domain 'ev': Started Booted
event 'lifecycle' for domain 'ev': Suspended Paused
event 'lifecycle' for domain 'ev': Resumed Unpaused
event 'reboot' for domain 'ev'
event 'lifecycle' for domain 'ev': Stopped Shutdown
event 'lifecycle' for domain 'ev': Started Booted
event 'lifecycle' for domain 'ev': Stopped Shutdown
event 'lifecycle' for domain 'ev': Started Booted
event 'lifecycle' for domain 'ev': Stopped Crashed
event 'lifecycle' for domain 'ev': Started Booted
event 'lifecycle' for domain 'ev': Stopped Destroyed
event 'lifecycle' for domain 'ev': Undefined Removed"
got=$(grep "domain 'ev'" "$tmp/all.out")
if [ "$got" = "$want" ]; then
	ok "the events of domain 'ev', in order, nothing else"
else
	not_ok "the events of domain 'ev', in order, nothing else" "$got"
fi

# --event reboot on one domain: nothing else shows.
"$NIDO" define "$tmp/ev.xml" >/dev/null
"$NIDO" start ev >/dev/null
"$NIDO" event ev --event reboot --loop >"$tmp/reboot.out" 2>&1 &
reboot_pid=$!
extra_pids="$extra_pids $reboot_pid"
watch "$tmp/probe.out" --all --loop # its subscription is older than this one
"$NIDO" suspend ev >/dev/null
"$NIDO" resume ev >/dev/null
console_send ev "R" >/dev/null
seen "$tmp/probe.out" "event 'reboot' for domain 'ev'"
t "--event reboot DOMAIN: the reboot shows" seen "$tmp/reboot.out" \
	"event 'reboot' for domain 'ev'"
kill -INT "$reboot_pid" "$watch_pid"
wait "$reboot_pid" "$watch_pid"
t_out "--event reboot DOMAIN: nothing but the reboot" \
	"$(printf "event 'reboot' for domain 'ev'\nevent loop interrupted\nevents received: 1")" \
	cat "$tmp/reboot.out"
wait_for 30 state_is ev "running (booted)"

# One-shot, with --timestamp, on the read-only socket.
"$NIDO" -r event ev --event lifecycle --timestamp >"$tmp/once.out" 2>&1 &
once_pid=$!
extra_pids="$extra_pids $once_pid"
for i in $(seq 1 300); do # until the subscriber has its event
	"$NIDO" suspend ev >/dev/null 2>&1 && "$NIDO" resume ev >/dev/null 2>&1
	kill -0 "$once_pid" 2>/dev/null || break
	sleep 0.1
done
wait "$once_pid"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c . "$tmp/once.out")" -eq 2 ] &&
	grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+0000: event 'lifecycle' for domain 'ev': (Suspended Paused|Resumed Unpaused)$" "$tmp/once.out" &&
	[ "$(grep . "$tmp/once.out" | tail -n1)" = "events received: 1" ]; then
	ok "-r event --timestamp, one-shot: one stamped event, 'events received: 1', status 0"
else
	not_ok "-r event --timestamp, one-shot: one stamped event, 'events received: 1', status 0" \
		"status $rc" "$(cat -A "$tmp/once.out")"
fi
out=$("$NIDO" event ev --event io-error --timeout 1 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && [ "$out" = "$(printf 'event loop timed out\nevents received: 0')" ]; then
	ok "--timeout without events: 'event loop timed out', 'events received: 0', status 1"
else
	not_ok "--timeout without events: 'event loop timed out', 'events received: 0', status 1" \
		"status $rc" "$out"
fi
t_err "the read-only socket refuses the console" \
	"access denied: 'domain.open_console' is not allowed on a read-only connection" \
	"$NIDO" -r console ev

# The console through the daemon: the client needs no access to the
# daemon's pseudo-terminals (here: a private /dev/pts, as on another
# machine).
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	out=$(printf 'ping-ns' | timeout 30 unshare -m sh -c \
		'mount -t devpts -o newinstance devpts /dev/pts && exec "$0" console ev' \
		"$NIDO" 2>&1)
	if [[ $out == *"Connected to domain 'ev'"*ping-ns* ]]; then
		ok "the console works without the daemon's /dev/pts: through the API"
	else
		not_ok "the console works without the daemon's /dev/pts: through the API" "$out"
	fi
else
	skip "the console works without the daemon's /dev/pts: through the API" \
		"needs root and unshare"
fi

# The console through the daemon: one session per domain, as virsh.
"$NIDO" console ev < <(exec sleep 100 2>/dev/null) >"$tmp/con1.out" 2>&1 &
con_pid=$!
extra_pids="$extra_pids $con_pid"
wait_for 30 grep -q "Escape character" "$tmp/con1.out"
t_err "a second console: virsh's refusal" \
	"error: operation failed: Active console session exists for this domain" \
	"$NIDO" console ev </dev/null
out=$(printf 'ping-78' | timeout 20 "$NIDO" console --force ev 2>&1)
if [[ $out == *ping-78* ]] && wait_for 30 sh -c "! kill -0 $con_pid 2>/dev/null"; then
	ok "console --force: the guest answers the new session; the old one has ended"
else
	not_ok "console --force: the guest answers the new session; the old one has ended" "$out"
fi
"$NIDO" console ev < <(exec sleep 100 2>/dev/null) >"$tmp/con2.out" 2>&1 &
con_pid=$!
extra_pids="$extra_pids $con_pid"
wait_for 30 grep -q "Escape character" "$tmp/con2.out"
"$NIDO" destroy ev >/dev/null
if wait_for 30 sh -c "! kill -0 $con_pid 2>/dev/null"; then
	ok "the console ends when the domain stops"
else
	not_ok "the console ends when the domain stops" "$(cat "$tmp/con2.out")"
fi

# An io-error from a guest whose qcow2 is corrupt (L1 entry 0 points
# past the end of the file); guest-blkerr reads after a Ctrl-Alt-Del.
if command -v qemu-img >/dev/null && [ -x "$GUEST_BLKERR" ]; then
	qemu-img create -q -f qcow2 "$tmp/bad.qcow2" 4M
	python3 - "$tmp/bad.qcow2" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(40)
    l1 = struct.unpack(">Q", f.read(8))[0]
    f.seek(l1)
    f.write(struct.pack(">Q", (1 << 63) | (1 << 30)))
PY
	cp "$tmp/bad.qcow2" "$tmp/bad.qcow2.orig"
	domain_xml bad "$GUEST_BLKERR" "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$tmp/bad.qcow2'/><target dev='vda' bus='virtio'/></disk>" >"$tmp/bad.xml"
	"$NIDO" define "$tmp/bad.xml" >/dev/null
	watch "$tmp/io.out" --all --loop
	"$NIDO" start bad >/dev/null
	seen "$tmp/io.out" "event 'lifecycle' for domain 'bad': Started Booted"
	"$NIDO" shutdown --mode ctrl-alt-del bad >/dev/null
	t "io-error: the image and the disk's target, report" seen "$tmp/io.out" \
		"event 'io-error' for domain 'bad': $tmp/bad.qcow2 (vda) report"
	t "io-error-reason: due to corruption" seen "$tmp/io.out" \
		"event 'io-error-reason' for domain 'bad': $tmp/bad.qcow2 (vda) report due to corruption"
	"$NIDO" destroy bad >/dev/null 2>&1
	kill -INT "$watch_pid"
	wait "$watch_pid"
	# A daemon restarted while the VM runs subscribes to it again.
	cp "$tmp/bad.qcow2.orig" "$tmp/bad.qcow2"
	"$NIDO" start bad >/dev/null
	p=$(daemon_pid)
	kill -TERM "$p"
	wait "$p"
	"$NIDOD" --session --log-level debug --config "$tmp/nidod.conf" \
		>>"$tmp/nidod.log" 2>&1 &
	wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"
	watch "$tmp/io2.out" --all --loop
	"$NIDO" shutdown --mode ctrl-alt-del bad >/dev/null
	t "after a daemon restart, the re-attached VM's io-error" seen \
		"$tmp/io2.out" \
		"event 'io-error' for domain 'bad': $tmp/bad.qcow2 (vda) report"
	"$NIDO" destroy bad >/dev/null 2>&1
	kill -INT "$watch_pid"
	wait "$watch_pid"
else
	skip "io-error: the image and the disk's target, report" "no qemu-img or guest-blkerr"
	skip "io-error-reason: due to corruption" "no qemu-img or guest-blkerr"
	skip "after a daemon restart, the re-attached VM's io-error" "no qemu-img or guest-blkerr"
fi

# A subscriber that never reads, while define and undefine make events
# until the daemon logs that it dropped it (at most 40,000): it was
# dropped at its cap (and is told why when it reads at last); the
# producer and another client are served meanwhile.
python3 - "$NIDO_RUNTIME_DIR/nidod.sock" "$tmp/ev.xml" "$tmp/nidod.log" \
	>"$tmp/slow.out" 2>&1 <<'PY' &
import json, socket, sys
path, xmlfile, log = sys.argv[1:4]
xml = open(xmlfile).read()
sub = socket.socket(socket.AF_UNIX)
sub.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
sub.connect(path)
sub.sendall(b'{"jsonrpc":"2.0","id":1,"method":"event.subscribe"}\n')
prod = socket.socket(socket.AF_UNIX)
prod.connect(path)
pf = prod.makefile("rb")
name = "slow-" + "x" * 59  # long names: bigger events, fewer needed
x = xml.replace("<name>ev</name>", "<name>%s</name>" % name)
reqs = (json.dumps({"jsonrpc": "2.0", "id": 1, "method": "domain.define",
                    "params": {"xml": x}}) + "\n" +
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "domain.undefine",
                    "params": {"domain": name}}) + "\n").encode()
failed = sent = 0
while sent < 20000 and "client dropped: over its memory" not in open(log).read():
    for i in range(100):
        prod.sendall(reqs)
        for _ in range(2):
            resp = json.loads(pf.readline())
            if "error" in resp:
                failed += 1
                err = resp["error"]
        sent += 1
print("producer: %d pairs, %d requests failed" % (sent, failed))
if failed:
    print(err)
sub.settimeout(60)
data = b""
while True:
    chunk = sub.recv(1 << 20)
    if not chunk:
        break
    data += chunk
lines = data.decode().splitlines()
events = sum(1 for l in lines if '"method":"event"' in l)
print("subscriber: %d events, last line: %s" % (events, lines[-1]))
PY
slow_pid=$!
extra_pids="$extra_pids $slow_pid"
t_out "meanwhile another client is served" "Id" "$NIDO" list --all
wait "$slow_pid"
out=$(cat "$tmp/slow.out")
if [[ $out == *" 0 requests failed"* ]] &&
	[[ $out == *'"code":-32001,"message":"connection dropped: more than 2097152 bytes of requests and answers held for it"'* ]] &&
	grep -q "client dropped: over its memory limit" "$tmp/nidod.log"; then
	ok "a subscriber that does not read is dropped at its cap, told why; the producer is served"
else
	not_ok "a subscriber that does not read is dropped at its cap, told why; the producer is served" "$out"
fi
t_out "the daemon still serves" "Id" "$NIDO" list

done_testing
