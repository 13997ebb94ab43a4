#!/usr/bin/env bash
# Who may do what on nidod's sockets: nidod.conf (bad values refused
# naming the line, unknown keys warned about), the read-only socket
# (nido -r: list, dominfo, dumpxml yes; start, define, undefine: access
# denied), and unix_sock_group / unix_sock_rw_perms / unix_sock_ro_perms
# with the SO_PEERCRED check that follows them.
. "$(dirname "$0")/lib.sh"

conf=$tmp/nidod.conf
sock=$NIDO_RUNTIME_DIR/nidod.sock
ro=$NIDO_RUNTIME_DIR/nidod-ro.sock

# nidod.conf's errors: nidod exits 1 and names the file, line and key.
conf_err() { # description, expected message, file contents
	printf '%s' "$3" >"$conf"
	t_err "$1" "$2" "$NIDOD" --session --config "$conf"
}
conf_err "a bad integer is refused naming the line" \
	"'$conf' line 3: max_clients: expected an integer, a \"string\" or a [list], got 'lots'" \
	$'# comment\n\nmax_clients = lots\n'
conf_err "an out-of-range value is refused" \
	"line 1: client_idle_timeout: expected an integer from 1 to 86400" \
	$'client_idle_timeout = 0 # never\n'
conf_err "a bad mode is refused" \
	"line 2: unix_sock_rw_perms: expected an octal mode from 0000 to 0777, got '0999'" \
	$'max_clients = 10\nunix_sock_rw_perms = "0999"\n'
conf_err "an unknown group is refused" \
	"line 1: unix_sock_group: no group 'no-such-group-nido'" \
	$'unix_sock_group = "no-such-group-nido"\n'
conf_err "an unterminated string is refused" \
	"line 1: listen_addr: unterminated string" $'listen_addr = "127.0.0.1\n'
conf_err "junk after a value is refused" \
	"line 1: unexpected 'x' after the value" $'max_clients = 5 x\n'
conf_err "a list where a number belongs is refused" \
	"line 1: max_clients: expected an integer" $'max_clients = ["5"]\n'
t_err "a missing --config file is an error" "$tmp/none.conf" \
	"$NIDOD" --session --config "$tmp/none.conf"

# A good file: comments, a list over several lines, an unknown key.
cat >"$conf" <<'EOF'
# nidod.conf for this test
max_clients = 20          # a comment after a value
client_idle_timeout = 30
unix_sock_ro_perms = "0777"
tls_allowed_dn_list = ["C=GB,O=nido,CN=a",
                       "CN=b*"]   # unused without listen_tls
frobnicate = 1
EOF
"$NIDOD" --session --config "$conf" --log-level debug >>"$tmp/nidod.log" 2>&1 &
wait_for 30 test -S "$sock"
t "a good nidod.conf is accepted" test -S "$ro"
t_out "an unknown key is warned about with its line" \
	"nidod.conf:7: unknown key 'frobnicate' ignored" cat "$tmp/nidod.log"
t_out "the read-write socket is 0600" 600 stat -c %a "$sock"
t_out "the read-only socket is 0777" 777 stat -c %a "$ro"

# The read-only socket.
domain_xml d1 /vmlinuz >"$tmp/d1.xml"
"$NIDO" define "$tmp/d1.xml" >/dev/null
t_out "nido -r list" " -    d1     shut off" "$NIDO" -r list --all
t_out "nido --readonly dominfo" "Name:           d1" "$NIDO" --readonly dominfo d1
t_out "nido -r dumpxml" "<name>d1</name>" "$NIDO" -r dumpxml d1
t_err "nido -r start is refused" "access denied: 'domain.start' is not allowed on a read-only connection" \
	"$NIDO" -r start d1
t_err "nido -r undefine is refused" "access denied" "$NIDO" -r undefine d1
domain_xml d2 /vmlinuz >"$tmp/d2.xml"
t_err "nido -r define is refused" "access denied" "$NIDO" -r define "$tmp/d2.xml"
t_out "nothing changed through the read-only socket" " -    d1     shut off" "$NIDO" list --all
t "d2 was not defined" sh -c "! '$NIDO' list --all | grep -q d2"
out=$(SOCK=$ro timeout 20 python3 -c "
import json, os, socket
s = socket.socket(socket.AF_UNIX); s.connect(os.environ['SOCK'])
s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"domain.destroy\",\"params\":{\"domain\":\"d1\"}}\n')
r = json.loads(s.makefile().readline())
print(r['id'], r['error']['code'], r['error']['data']['name'])" 2>&1)
t "the refusal is error 29 (operation-denied) answering the request ($out)" \
	test "$out" = "3 29 operation-denied"

# Other users: the group and modes of nidod.conf, checked by SO_PEERCRED.
as_nobody() { # extra setpriv args, socket, method
	setpriv --reuid=nobody --regid=nogroup ${1:---clear-groups} \
		/usr/bin/python3 -c "
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect('$2')
except OSError as e:
    print('connect:', e.strerror); sys.exit()
try:
    s.sendall(b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$3\",\"params\":{\"domain\":\"d1\"}}\n')
except OSError:
    pass  # refused before the request: the line says why
line = s.makefile().readline()
r = json.loads(line) if line else {'error': {'message': 'closed'}}
print(r['error']['message'] if 'error' in r else 'result')" 2>&1
}
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && getent group users >/dev/null &&
	command -v setpriv >/dev/null && [ -x /usr/bin/python3 ]; then
	chmod 711 "$tmp" "$NIDO_RUNTIME_DIR"
	t_out "another user may list on the read-only socket" result \
		as_nobody "" "$ro" domain.list
	t_out "another user may not start there" "access denied" \
		as_nobody "" "$ro" domain.start
	t_out "another user may not reach the 0600 read-write socket" \
		"Permission denied" as_nobody "" "$sock" domain.list
	chmod 666 "$sock"
	t_out "a socket chmod'ed 0666 behind nidod's back still refuses them" \
		"permission denied" as_nobody "" "$sock" domain.list
	kill "$(daemon_pid)"
	wait_for 30 sh -c "! test -S '$sock'"
	gid=$(getent group users | cut -d: -f3)
	cat >"$conf" <<-EOF
		unix_sock_group = "users"
		unix_sock_rw_perms = "0660"
		unix_sock_ro_perms = "0600"
	EOF
	"$NIDOD" --session --config "$conf" --log-level debug >>"$tmp/nidod.log" 2>&1 &
	wait_for 30 test -S "$sock"
	t_out "the read-write socket belongs to unix_sock_group" "660 users" \
		stat -c "%a %G" "$sock"
	t_out "a member of the group may use the read-write socket" result \
		as_nobody "--groups=$gid" "$sock" domain.list
	t_out "a non-member may not" "Permission denied" as_nobody "" "$sock" domain.list
	chmod 666 "$sock" "$ro"
	t_out "a non-member is refused by SO_PEERCRED too" "permission denied" \
		as_nobody "" "$sock" domain.list
	t_out "unix_sock_ro_perms 0600 keeps others off the read-only socket" \
		"permission denied" as_nobody "--groups=$gid" "$ro" domain.list
else
	skip "unix_sock_group and the modes for other users" \
		"needs root, setpriv, /usr/bin/python3, user nobody and group users"
fi
done_testing
