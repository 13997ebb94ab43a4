#!/usr/bin/env bash
# nidod under many clients and at its fd limit (issue 10, defect 8 and
# acceptance 4), and what nidod.conf bounds: the fd limit raised to the
# hard one, no busy loop nor log flood when accept() runs out of
# descriptors, max_clients, the idle and request timeouts (each dropped
# client told why), the per-client memory cap, and `nido list` answering
# under 2,000 idle connections and 300 half-sent requests.
. "$(dirname "$0")/lib.sh"

LOAD=$(dirname "$0")/rpc-load.py
conf=$tmp/nidod.conf
sock=$NIDO_RUNTIME_DIR/nidod.sock

# start_conf [COMMAND PREFIX...]: a daemon on $conf, at log level info.
start_conf() {
	"$@" "$NIDOD" --session --config "$conf" --log-level info \
		>>"$tmp/nidod.log" 2>&1 &
	wait_for 30 test -S "$sock"
}

# val KEY: the value of "KEY value" in $out.
val() { awk -v k="$1" '$1 == k { print $2; exit }' <<<"$out"; }

# told KIND TEXT: how many held connections of KIND were told TEXT.
told() { grep "^$1 " <<<"$out" | grep -F "$2" | awk '{ n += $2 } END { print n + 0 }'; }

# 1. The soft fd limit goes up to the hard one.
: >"$conf"
start_conf prlimit --nofile=1024:4096 --
lim=$(awk '/Max open files/ { print $4 " " $5 }' "/proc/$(daemon_pid)/limits")
t "the soft fd limit is raised to the hard limit ($lim)" test "$lim" = "4096 4096"
stop_daemon

# 2. 1,100 clients at a hard limit of 1,024 descriptors.
echo 'client_idle_timeout = 5' >"$conf"
start_conf prlimit --nofile=1024:1024 --
log_start=$(wc -l <"$tmp/nidod.log")
out=$(timeout 120 python3 "$LOAD" flood "$sock" "$(daemon_pid)" 1100 "$tmp/nidod.log" 2>&1)
echo "$out" | sed 's/^/# /'
cpu=$(val cpu_seconds_in_3s)
t "no busy loop at the fd limit (${cpu:-?} s of CPU in 3 s)" \
	python3 -c "import sys; sys.exit(not float('${cpu:-9}') < 1.0)"
logged=$(val log_bytes_in_3s)
t "no log flood at the fd limit (${logged:-?} bytes in 3 s)" test "${logged:-99999}" -lt 2048
episodes=$(tail -n +"$log_start" "$tmp/nidod.log" | grep -c "not accepting until a descriptor frees")
t "one log line for the episode ($episodes)" test "$episodes" -eq 1
t "a client refused at the limit is told why" \
	test "$(told told 'connection refused: the daemon has no file')" -ge 1
t "idle clients are dropped and told why" \
	test "$(told told 'connection dropped: idle for 5 s')" -ge 900
t_out "the daemon serves again once the idle clients are gone" "Name" "$NIDO" list --all
stop_daemon

# 3. Acceptance 4: 2,000 idle connections and 300 half-sent requests.
cat >"$conf" <<'EOF'
# the load of acceptance 4
max_clients = 3000
client_idle_timeout = 120
client_request_timeout = 3
EOF
start_conf
out=$(timeout 200 python3 "$LOAD" hold "$sock" "$(daemon_pid)" "$NIDO" 2000 300 10 2>&1)
echo "$out" | sed 's/^/# /'
t "2,300 connections held ($(val connected))" test "$(val connected)" = 2300
secs=$(val list_seconds)
t "nido list answers under that load (in ${secs:-?} s)" \
	python3 -c "import sys; sys.exit(not ('$(val list_status)' == '0' and float('${secs:-99}') < 10))"
t "half-sent requests time out, each told why" \
	test "$(told half_told 'connection dropped: request not finished')" -eq 300
t "idle connections within their timeout are kept" test "$(told idle_told nothing)" -eq 2000
stop_daemon

# 4. max_clients: the next client is refused and told; one log line.
printf 'max_clients = 3\n' >"$conf"
start_conf
out=$(SOCK=$sock timeout 60 python3 -c "
import json, os, socket
held = []
for i in range(3):
    s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SOCK']); held.append(s)
s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SOCK'])
try:
    s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.info\"}\n')
except BrokenPipeError:
    pass  # refused before the request went out: the line is there anyway
print(json.loads(s.makefile().readline())['error']['message'])
for i in range(5):
    s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SOCK']); s.recv(100)
" 2>&1)
t "a client past max_clients is refused and told why ($out)" \
	test "$out" = "connection refused: too many clients (max_clients 3)"
t "refusals are logged once" test "$(grep -c 'max_clients 3 reached' "$tmp/nidod.log")" -eq 1
t_out "the daemon serves once they have gone" "Name" "$NIDO" list --all
stop_daemon

# 5. The per-client memory cap: a client that sends and never reads.
printf 'client_max_memory = "2MiB"\n' >"$conf"
start_conf
out=$(SOCK=$sock LOG=$tmp/nidod.log timeout 90 python3 -c "
import json, os, socket, time
s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SOCK'])
s.setblocking(False)
req = b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.info\"}\n' * 1000
sent = 0
deadline = time.monotonic() + 60
# Send without reading until the daemon says it dropped us.
while time.monotonic() < deadline and sent < (64 << 20):
    if 'over its memory limit' in open(os.environ['LOG']).read():
        break
    try:
        sent += s.send(req)
    except BlockingIOError:
        time.sleep(0.1)
    except OSError:
        break
s.setblocking(True); s.settimeout(20)
last = None
try:
    for line in s.makefile('rb'):
        last = json.loads(line)
except ConnectionResetError:
    pass  # the daemon closed with requests unread: after the last line
print(last['error']['message'] if last and 'error' in last else 'no error, %d bytes sent' % sent)
" 2>&1)
t_out "a client over its memory cap is dropped and told why" \
	"connection dropped: more than 2097152 bytes" echo "$out"
t_out "the daemon serves after the drop" "Name" "$NIDO" list --all

done_testing
