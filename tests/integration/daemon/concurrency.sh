#!/usr/bin/env bash
# One client's slow operation does not hold up the others (docs/api.md,
# "Protocol"): a VM whose nido-vmm is stopped with SIGSTOP ignores SIGTERM
# and never answers its control socket, so destroy waits for SIGKILL (3 s)
# and suspend for the control call's deadline (2 s). Meanwhile other
# clients are answered; checked by order, not by time: the other client's
# answer comes while the slow one is still pending.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon
sock=$NIDO_RUNTIME_DIR/nidod.sock
for d in a b; do
	domain_xml "$d" "$GUEST_IDLE" >"$tmp/$d.xml"
	"$NIDO" define "$tmp/$d.xml" >/dev/null
	"$NIDO" start "$d" >/dev/null
done
apid=$(vm_pid a)
bpid=$(vm_pid b)

# SIGTERM is pending (bit 15 of ShdPnd) on a stopped process.
sigterm_pending() { # pid
	local m
	m=$(awk '/^ShdPnd:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$m" ] && [ $((16#$m & 0x4000)) -ne 0 ]
}

busy() { # domain: another operation on it is in progress
	"$NIDO" resume "$1" 2>&1 | grep -q "is busy"
}

# The CLI: destroy of a stopped VM, then list from another client.
kill -STOP "$apid"
"$NIDO" destroy a >"$tmp/destroy.out" 2>&1 &
dpid=$!
t "destroy has sent SIGTERM to the stopped nido-vmm" wait_for 20 sigterm_pending "$apid"
t_out "another client's list answers meanwhile" " b running" sh -c "'$NIDO' list | tr -s ' '"
if kill -0 "$dpid" 2>/dev/null && [ ! -s "$tmp/destroy.out" ]; then
	ok "list answered before destroy finished"
else
	not_ok "list answered before destroy finished" "$(cat "$tmp/destroy.out")"
fi
t_err "a second operation on the busy domain is refused" "domain 'a' is busy" \
	"$NIDO" suspend a
wait "$dpid"
rc=$?
if [ $rc -eq 0 ] && grep -q "Domain 'a' destroyed" "$tmp/destroy.out"; then
	ok "destroy finishes with SIGKILL"
else
	not_ok "destroy finishes with SIGKILL" "status $rc" "$(cat "$tmp/destroy.out")"
fi
t_out "shut off (destroyed)" "shut off (destroyed)" "$NIDO" domstate --reason a

# A control call nido-vmm never answers: suspend of a stopped VM.
kill -STOP "$bpid"
"$NIDO" suspend b >"$tmp/suspend.out" 2>&1 &
spid=$!
t "suspend waits for nido-vmm" wait_for 20 busy b
t_out "domstate answers meanwhile" "running (booted)" "$NIDO" domstate --reason b
if kill -0 "$spid" 2>/dev/null && [ ! -s "$tmp/suspend.out" ]; then
	ok "domstate answered before suspend finished"
else
	not_ok "domstate answered before suspend finished" "$(cat "$tmp/suspend.out")"
fi
wait "$spid"
t_out "suspend fails once the control call's deadline passes" \
	"failed to suspend domain 'b': 'pause': no answer in time" cat "$tmp/suspend.out"
kill -CONT "$bpid"
t_out "the domain is usable again" "Domain 'b' suspended" "$NIDO" suspend b
t_out "resume" "Domain 'b' resumed" "$NIDO" resume b

# domstats asks each VM for its counters on the loop: a VM that does not
# answer delays that call only (the control deadline, 2 s), its own
# figures are left out, and the other domains' are all there.
kill -STOP "$bpid"
"$NIDO" domstats >"$tmp/stats.out" 2>&1 &
stpid=$!
t_out "domstate answers while domstats waits for the stopped VM" "running" "$NIDO" domstate b
if kill -0 "$stpid" 2>/dev/null && [ ! -s "$tmp/stats.out" ]; then
	ok "domstate answered before domstats finished"
else
	not_ok "domstate answered before domstats finished" "$(cat "$tmp/stats.out")"
fi
wait "$stpid"
t "domstats then answers, for every domain" sh -c "grep -q \"Domain: 'a'\" '$tmp/stats.out' && grep -q \"Domain: 'b'\" '$tmp/stats.out' && grep -q 'state.state=' '$tmp/stats.out'"
t "without the stopped VM's own counters" sh -c "! grep -q 'vmm\.' '$tmp/stats.out'"
kill -CONT "$bpid"
t_out "once it runs again, its counters are back" "vmm." "$NIDO" domstats b

# The protocol: on one connection answers keep the order of the requests;
# another connection is answered while the first waits.
"$NIDO" start a >/dev/null
apid=$(vm_pid a)
kill -STOP "$apid"
out=$(SOCK=$sock timeout 60 python3 -c "
import json, os, select, socket
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.environ['SOCK'])
    return s, s.makefile('rb')
def req(s, id, method, params=None):
    r = {'jsonrpc': '2.0', 'id': id, 'method': method, 'params': params or {}}
    s.sendall((json.dumps(r) + '\n').encode())
a, af = conn()
b, bf = conn()
req(a, 1, 'domain.destroy', {'domain': 'a'})
req(a, 2, 'domain.list')
req(b, 3, 'domain.list')
r = json.loads(bf.readline())
assert r['id'] == 3 and 'result' in r, r
ready, _, _ = select.select([a], [], [], 0)
assert not ready, 'the destroy was answered before the other client'
r = json.loads(af.readline())
assert r['id'] == 1 and r['result'] is None, r
r = json.loads(af.readline())
assert r['id'] == 2 and r['result']['domains'][0]['name'] == 'b', r
print('ok')
" 2>&1)
if [ "$out" = ok ]; then
	ok "pipelined answers in order; another connection served meanwhile"
else
	not_ok "pipelined answers in order; another connection served meanwhile" "$out"
fi

# A client that hangs up while its destroy is pending harms nothing.
"$NIDO" start a >/dev/null
apid=$(vm_pid a)
kill -STOP "$apid"
timeout 1 "$NIDO" destroy a >/dev/null 2>&1
t "the destroy still completes" wait_for 20 state_is a "shut off (destroyed)"
t_out "the daemon serves on" " b running" sh -c "'$NIDO' list | tr -s ' '"

"$NIDO" destroy b >/dev/null

# The daemon stops (SIGTERM, checked by done_testing: status 0, nothing
# leaked under ASan) while a destroy is still pending.
"$NIDO" start a >/dev/null
apid=$(vm_pid a)
kill -STOP "$apid"
"$NIDO" destroy a >/dev/null 2>&1 &
t "a destroy is pending" wait_for 20 busy a
"$NIDO" domstats a >/dev/null 2>&1 &
done_testing
