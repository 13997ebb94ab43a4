#!/usr/bin/env bash
# The API socket under bad clients: garbage, invalid requests, a line
# over the limit, a client closing mid-request, half-closed clients,
# notifications, many clients at once. The daemon answers each with a
# clear error and keeps serving; no definition is lost.
. "$(dirname "$0")/lib.sh"

start_daemon
for i in 1 2 3; do
	domain_xml "d$i" /vmlinuz >"$tmp/d$i.xml"
	"$NIDO" define "$tmp/d$i.xml" >/dev/null
done
sock=$NIDO_RUNTIME_DIR/nidod.sock
fds_before=$(ls "/proc/$(daemon_pid)/fd" | wc -l)

# Each case prints "ok" or what went wrong.
py() { # description, python body using s (socket), call(), line()
	local desc=$1 out
	out=$(SOCK=$sock timeout 60 python3 -c "
import json, os, socket, sys
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(os.environ['SOCK'])
    return s
files = {}
def line(s):
    f = files.setdefault(s, s.makefile('rb'))
    buf = f.readline()
    if not buf:
        return None
    return json.loads(buf)
def line_raw(s):
    return files.setdefault(s, s.makefile('rb')).readline()
def call(s, method, params=None, id=1):
    req = {'jsonrpc': '2.0', 'id': id, 'method': method}
    if params is not None:
        req['params'] = params
    s.sendall((json.dumps(req) + '\n').encode())
    return line(s)
s = conn()
$2
print('ok')
" 2>&1)
	if [ "$out" = ok ]; then ok "$desc"; else not_ok "$desc" "$out"; fi
}

py "garbage gets a parse error, the connection goes on" "
s.sendall(b'this is not json\n')
r = line(s)
assert r['error']['code'] == -32700, r
assert 'invalid JSON' in r['error']['message'], r
assert r['id'] is None
r = call(s, 'domain.list', {'all': True})
assert len(r['result']['domains']) == 3, r"
py "event.subscribe to one pool answers with its name under 'pool', its events by default" "
r = call(s, 'event.subscribe', {'pool': 'default'})
assert r['result'].get('pool') == 'default', r
assert 'domain' not in r['result'], r
assert r['result']['events'] == ['pool-lifecycle', 'pool-refresh'], r"
py "event.subscribe to a domain and a pool at once is refused by name" "
r = call(s, 'event.subscribe', {'domain': 'd1', 'pool': 'default'})
assert r['error']['code'] == 8, r
assert \"one of 'domain', 'network' and 'pool'\" in r['error']['message'], r"
py "a JSON array is an invalid request" "
s.sendall(b'[1,2]\n')
r = line(s)
assert r['error']['code'] == -32600, r"
py "a missing jsonrpc version" "
s.sendall(b'{\"id\":7,\"method\":\"domain.list\"}\n')
r = line(s)
assert r['error']['code'] == -32600 and r['id'] == 7, r
assert 'jsonrpc' in r['error']['message'], r"
py "an id of the wrong type" "
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"domain.list\"}\n')
r = line(s)
assert r['error']['code'] == -32600, r"
py "an unknown method" "
r = call(s, 'domain.frobnicate')
assert r['error']['code'] == -32601, r
assert 'domain.frobnicate' in r['error']['message'], r"
py "a missing parameter is named" "
r = call(s, 'domain.info', {})
assert r['error']['code'] == 8, r
assert r['error']['data'] == {'errno': 22, 'name': 'invalid-arg'}, r
assert \"missing key 'domain'\" in r['error']['message'], r"
py "a parameter of the wrong type is named" "
r = call(s, 'domain.info', {'domain': 5})
assert \"key 'domain' must be a string\" in r['error']['message'], r
r = call(s, 'domain.list', {'all': 'yes'})
assert r['error']['code'] == 8, r"
# Structured errors (docs/api.md, "Errors"): a program decides on the
# code and data.name, never on the message.
d1_xml=$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' "$tmp/d1.xml")
py "each failure carries its kind: code, errno and name" "
def kind(method, params):
    r = call(s, method, params)
    e = r['error']
    return (e['code'], e['data']['errno'], e['data']['name'])
assert kind('domain.info', {'domain': 'nosuch'}) == (42, 2, 'no-domain')
assert kind('domain.suspend', {'domain': 'd1'}) == (55, 22, 'operation-invalid')
assert kind('domain.define', {'xml': '<domain'}) == (27, 22, 'xml-error')
x = $d1_xml.replace('<name>d1</name>', '<name>d1</name><uuid>00000000-0000-0000-0000-0000000000aa</uuid>')
assert kind('domain.define', {'xml': x}) == (28, 17, 'dom-exist')
x = $d1_xml.replace('<name>d1</name>', '<name>dq</name>').replace(\"type='kvm'\", \"type='qemu'\").replace('<devices>', '<devices><emulator>/usr/bin/nido-vmm</emulator>', 1)
assert kind('domain.define', {'xml': x})[::2] == (67, 'config-unsupported')
x = $d1_xml.replace('<name>d1</name>', '<name>dv</name><bogus/>')
assert kind('domain.define', {'xml': x, 'validate': True}) == (92, 22, 'xml-invalid-schema')
assert kind('domain.autostart', {'domain': 'd1', 'enable': 1})[::2] == (8, 'invalid-arg')"

py "params must be an object" "
r = call(s, 'domain.list', [1])
assert r['error']['code'] == -32600, r"
py "invalid UTF-8 and NUL bytes" "
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}\n')
r = line(s)
assert 'error' in r, r
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"domain.info\",\"params\":{\"domain\":\"a\\\\u0000b\"}}\n')
r = line(s)
assert 'error' in r, r
r = call(s, 'daemon.info')
assert r['result']['domains'] == 3, r"
py "invalid UTF-8 in an id is refused, not echoed (-32600, id null)" "
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":\"a\xff\xc3\",\"method\":\"daemon.info\"}\n')
raw = line_raw(s)
raw.decode('utf-8')
r = json.loads(raw)
assert r['error']['code'] == -32600 and r['id'] is None, r
assert 'UTF-8' in r['error']['message'], r
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":\"\\udc80\",\"method\":\"daemon.info\"}\n')
r = json.loads(line_raw(s).decode('utf-8'))
assert r['id'] is None or r['id'] == '\ufffd', r
r = call(s, 'daemon.info', id='\u00e9t\u00e9')
assert r['id'] == '\u00e9t\u00e9' and 'result' in r, r"
py "a notification gets no answer" "
s.sendall(b'{\"jsonrpc\":\"2.0\",\"method\":\"domain.list\"}\n')
r = call(s, 'daemon.info', id=9)
assert r['id'] == 9, r"
py "a line over 1 MiB is refused and the client dropped" "
s.sendall(b'x' * (1 << 20) + b'y' * 4096)
r = line(s)
assert r['error']['code'] == -32600 and 'longer than' in r['error']['message'], r
try:
    s.sendall(b'{}\n' * 1000)
    assert line(s) is None
except (BrokenPipeError, ConnectionResetError):
    pass"
py "a large valid request is served" "
xml = open('$tmp/d1.xml').read().replace('d1', 'big').replace('</domain>', '<!--' + 'z' * 900000 + '--></domain>')
r = call(s, 'domain.define', {'xml': xml})
assert r['result']['name'] == 'big', r
r = call(s, 'domain.undefine', {'domain': 'big'})
assert 'result' in r, r"
py "a client closing mid-request loses only that request" "
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"domain.def')
s.close()
s = conn()
r = call(s, 'domain.list', {'all': True})
assert len(r['result']['domains']) == 3, r"
py "a half-closed client still gets its answers" "
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.info\"}\n{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"daemon.info\"}\n')
s.shutdown(socket.SHUT_WR)
assert line(s)['id'] == 1
r = line(s)
assert r['id'] == 2, r"
py "requests pipelined in one write are answered in order" "
s.sendall(b''.join(b'{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"domain.list\"}\n' % i for i in range(500)))
for i in range(500):
    assert line(s)['id'] == i"
py "a client that never reads does not block others" "
hog = conn()
hog.setblocking(False)
try:
    hog.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"domain.list\",\"params\":{\"all\":true}}\n' * 100000)
except BlockingIOError:
    pass
r = call(s, 'daemon.info')
assert r['result']['domains'] == 3, r
hog.close()"
py "100 clients at once" "
import threading
errors = []
def worker(n):
    try:
        c = conn()
        for i in range(20):
            r = call(c, 'domain.list', {'all': True}, id=i)
            assert r['id'] == i and len(r['result']['domains']) == 3, r
        c.close()
    except Exception as e:
        errors.append(repr(e))
ts = [threading.Thread(target=worker, args=(n,)) for n in range(100)]
[t.start() for t in ts]
[t.join() for t in ts]
assert not errors, errors[:3]"
sleep 0.5
fds_after=$(ls "/proc/$(daemon_pid)/fd" | wc -l)
t "no fd leaked ($fds_before before, $fds_after after)" test "$fds_after" -eq "$fds_before"
t_out "the definitions are intact" " -    d3     shut off" "$NIDO" list --all
t "the daemon is still the same process" kill -0 "$(daemon_pid)"
# A client of another uid is refused (root may always connect).
if id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null &&
	[ -x /usr/bin/python3 ]; then
	chmod 711 "$tmp" "$NIDO_RUNTIME_DIR"
	chmod 666 "$sock"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
		/usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_UNIX); s.connect('$sock')
print(s.recv(4096).decode())" 2>&1)
	if [[ $out == *"permission denied"* ]]; then ok "another user is refused (SO_PEERCRED)"; else
		not_ok "another user is refused (SO_PEERCRED)" "$out"; fi
	chmod 600 "$sock"
else
	skip "another user is refused (SO_PEERCRED)" "needs root, setpriv, /usr/bin/python3 and user nobody"
fi
done_testing
