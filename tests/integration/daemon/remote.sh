#!/usr/bin/env bash
# Remote access (docs/remote.md) over loopback in a private network
# namespace: nidod listening with TLS (certificates made here with
# openssl), nido -c nido+tls:// and nido+ssh:// (an sshd on a private
# port with key login, running nido-ssh-helper); refused clients told
# why; a handshake that stalls times out without blocking the loop.
if [ -z "${NIDO_IN_NETNS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
		echo "1..0 # SKIP needs root and unshare for a network namespace"
		exit 0
	fi
	export NIDO_IN_NETNS=1
	exec unshare --net -- bash -c 'ip link set lo up && exec bash "$0"' "$0"
fi
. "$(dirname "$0")/lib.sh"

conf=$tmp/nidod.conf
sock=$NIDO_RUNTIME_DIR/nidod.sock
pki=$tmp/pki
mkdir -p "$pki"

# cert NAME SUBJECT CA [EXT]: a key and a certificate signed by CA.
cert() {
	openssl req -new -newkey rsa:2048 -nodes -keyout "$pki/$1.key" \
		-subj "$2" -out "$pki/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$3.pem" \
			-CAkey "$pki/$3.key" -CAcreateserial -days 2 \
			-extfile <(printf '%s\n' "${4:-basicConstraints=CA:FALSE}") \
			-out "$pki/$1.pem" 2>/dev/null
}
ca() { # NAME SUBJECT
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/$1.key" \
		-subj "$2" -days 2 -out "$pki/$1.pem" 2>/dev/null
}
# client_dir NAME CA CERT: a pkipath directory for nido+tls.
client_dir() {
	mkdir -p "$pki/$1"
	cp "$pki/$2.pem" "$pki/$1/cacert.pem"
	cp "$pki/$3.pem" "$pki/$1/clientcert.pem"
	cp "$pki/$3.key" "$pki/$1/clientkey.pem"
}
ca ca "/C=GB/O=nido/CN=nido test CA"
ca rogue "/C=GB/O=rogue/CN=rogue CA"
cert server "/C=GB/O=nido/CN=127.0.0.1" ca \
	"subjectAltName=IP:127.0.0.1,DNS:localhost"
cert client1 "/C=GB/O=nido/CN=client1" ca
cert intruder "/C=GB/O=nido/CN=intruder" ca
cert forged "/C=GB/O=nido/CN=client1" rogue
client_dir good ca client1
client_dir dn ca intruder
client_dir forged ca forged
client_dir distrust rogue client1
t "test certificates made with openssl" test -s "$pki/forged.pem"

cat >"$conf" <<EOF
listen_tls = 1
listen_addr = "127.0.0.1"
tls_port = 16514
ca_file = "$pki/ca.pem"
cert_file = "$pki/server.pem"
key_file = "$pki/server.key"
tls_allowed_dn_list = ["C=GB,O=nido,CN=client*"]
tls_handshake_timeout = 2
EOF
"$NIDOD" --session --config "$conf" --log-level debug >>"$tmp/nidod.log" 2>&1 &
wait_for 30 test -S "$sock"
domain_xml d1 /vmlinuz >"$tmp/d1.xml"
"$NIDO" define "$tmp/d1.xml" >/dev/null

tls="nido+tls://127.0.0.1/session?pkipath=$pki"

# remote_console DESC ARGS...: text typed on vm's console through
# `nido ARGS console vm` comes back from the guest.
remote_console() {
	local desc=$1 out
	shift
	out=$(printf 'ping-remote' | timeout 30 "$NIDO" "$@" console vm 2>&1)
	if [[ $out == *"Connected to domain 'vm'"*ping-remote* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "$out"
	fi
}
# remote_events DESC ARGS...: `nido ARGS event vm --loop` sees the
# lifecycle events of suspend and resume made through the local socket.
remote_events() {
	local desc=$1 pid i out
	shift
	"$NIDO" "$@" event vm --event lifecycle --loop >"$tmp/rev.out" 2>&1 &
	pid=$!
	for i in $(seq 1 100); do
		"$NIDO" suspend vm >/dev/null && "$NIDO" resume vm >/dev/null
		grep -q "Suspended Paused" "$tmp/rev.out" &&
			grep -q "Resumed Unpaused" "$tmp/rev.out" && break
		sleep 0.2
	done
	kill -INT "$pid"
	wait "$pid"
	out=$(cat "$tmp/rev.out")
	if [[ $out == *"event 'lifecycle' for domain 'vm': Suspended Paused"* &&
		$out == *"event 'lifecycle' for domain 'vm': Resumed Unpaused"* &&
		$out == *"events received: "* ]]; then
		ok "$desc"
	else
		not_ok "$desc" "$out"
	fi
}
t_out "nido -c nido+tls:// list" " -    d1     shut off" \
	"$NIDO" -c "$tls/good" list --all
domain_xml d2 /vmlinuz >"$tmp/d2.xml"
t_out "nido -c nido+tls:// define" "Domain 'd2' defined" \
	"$NIDO" -c "$tls/good" define "$tmp/d2.xml"
t_out "nido -c nido+tls:// dumpxml" "<name>d2</name>" \
	"$NIDO" -c "$tls/good" dumpxml d2
# A volume's bytes both ways over TLS: the daemon reads the download's
# data into the session's buffer (no sendfile through TLS).
mkdir -p "$tmp/pool"
"$NIDO" pool-create-as rp dir --target "$tmp/pool" >/dev/null
"$NIDO" vol-create-as rp v.raw 8M >/dev/null
python3 - "$tmp/src.raw" <<'PY'
import os, sys
with open(sys.argv[1], "wb") as f:
    f.truncate(8 << 20)
    for i in range(0, 8, 2):
        f.seek(i << 20)
        f.write(os.urandom(300 << 10))
PY
t "nido -c nido+tls:// vol-upload --sparse" \
	"$NIDO" -c "$tls/good" vol-upload v.raw "$tmp/src.raw" --pool rp --sparse
t "nido -c nido+tls:// vol-download --sparse" \
	"$NIDO" -c "$tls/good" vol-download v.raw "$tmp/down.raw" --pool rp --sparse
t "the download is the file uploaded" cmp "$tmp/src.raw" "$tmp/down.raw"
t "its holes stay holes" test "$(du -k "$tmp/down.raw" | cut -f1)" -le 1300
if kvm_usable; then
	domain_xml vm "$GUEST_IDLE" >"$tmp/vm.xml"
	"$NIDO" define "$tmp/vm.xml" >/dev/null
	t_out "nido -c nido+tls:// start" "Domain 'vm' started" \
		"$NIDO" -c "$tls/good" start vm
	t_out "the domain runs" running "$NIDO" -c "$tls/good" domstate vm
	remote_console "nido -c nido+tls:// console: through the daemon" \
		-c "$tls/good"
	remote_events "nido -c nido+tls:// event --loop" -c "$tls/good"
	t "nido -c nido+tls:// destroy" "$NIDO" -c "$tls/good" destroy vm
else
	skip "nido -c nido+tls:// start" "no usable /dev/kvm"
fi
t_err "a client certificate from another CA is refused, saying why" \
	"access denied: client certificate refused: The certificate is NOT trusted. The certificate issuer is unknown" \
	"$NIDO" -c "$tls/forged" list
t_err "a client whose DN is not allowed is refused, saying why" \
	"access denied: client certificate DN 'C=GB,O=nido,CN=intruder' is not in tls_allowed_dn_list" \
	"$NIDO" -c "$tls/dn" list
t_err "a server the client's CA did not sign is refused" \
	"the certificate of '127.0.0.1' is refused" \
	"$NIDO" -c "$tls/distrust" list
t_err "-r is refused over TLS" "not TLS" "$NIDO" -r -c "$tls/good" list
t_err "a port where nothing listens" "failed to connect to '127.0.0.1' port 1" \
	"$NIDO" -c "nido+tls://127.0.0.1:1/session?pkipath=$pki/good" list
t_err "an unknown URI parameter is named" "unsupported URI parameter 'colour'" \
	"$NIDO" -c "nido+tls://127.0.0.1/session?colour=red" list

# A client that stalls its handshake: the others are served meanwhile,
# and it is dropped after tls_handshake_timeout.
out=$(NIDO=$NIDO URI="$tls/good" timeout 60 python3 -c "
import os, socket, subprocess, time
s = socket.create_connection(('127.0.0.1', 16514))
s.sendall(b'\x16\x03\x01')  # the start of a ClientHello, no more
t0 = time.monotonic()
r = subprocess.run([os.environ['NIDO'], '-c', os.environ['URI'], 'list', '--all'],
                   capture_output=True, text=True, timeout=30)
print('served' if r.returncode == 0 and 'd1' in r.stdout else 'not served: ' + r.stderr)
s.settimeout(20)
print('closed after %.0f s' % (time.monotonic() - t0) if s.recv(100) == b'' else 'data')
" 2>&1)
t_out "a stalled handshake does not block other clients" served echo "$out"
t_out "a stalled handshake is dropped" "closed after" echo "$out"
t_out "the refusals are logged" "TLS client refused" cat "$tmp/nidod.log"

# SSH: an sshd on a private port, key login, nido-ssh-helper remotely.
sshd=$(command -v sshd || echo /usr/sbin/sshd)
if [ -x "$sshd" ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; then
	mkdir -p /run/sshd "$tmp/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh/host" &&
		ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh/id" &&
		cp "$tmp/ssh/id.pub" "$tmp/ssh/authorized_keys"
	cat >"$tmp/ssh/sshd_config" <<-EOF
		Port 2222
		ListenAddress 127.0.0.1
		HostKey $tmp/ssh/host
		AuthorizedKeysFile $tmp/ssh/authorized_keys
		PermitRootLogin prohibit-password
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		StrictModes no
		UsePAM no
		PidFile $tmp/ssh/sshd.pid
	EOF
	"$sshd" -D -e -f "$tmp/ssh/sshd_config" 2>>"$tmp/ssh/sshd.log" &
	sshd_pid=$!
	wait_for 20 sh -c "ssh-keyscan -p 2222 127.0.0.1 >/dev/null 2>&1"
	export NIDO_SSH_HELPER=$build/src/cli/nido-ssh-helper
	ssh_uri="nido+ssh://root@127.0.0.1:2222/session?keyfile=$tmp/ssh/id&no_verify=1&known_hosts=$tmp/ssh/known_hosts"
	t_out "nido -c nido+ssh:// list" " -    d1     shut off" \
		"$NIDO" -c "$ssh_uri&socket=$sock" list --all
	t_out "nido -c nido+ssh:// dominfo" "Name:           d2" \
		"$NIDO" -c "$ssh_uri&socket=$sock" dominfo d2
	t_out "nido -c nido+ssh:// undefine" "Domain 'd2' has been undefined" \
		"$NIDO" -c "$ssh_uri&socket=$sock" undefine d2
	if kvm_usable; then
		t_out "nido -c nido+ssh:// start" "Domain 'vm' started" \
			"$NIDO" -c "$ssh_uri&socket=$sock" start vm
		t_out "nido -c nido+ssh:// domstate" running \
			"$NIDO" -c "$ssh_uri&socket=$sock" domstate vm
		remote_console "nido -c nido+ssh:// console: through the daemon" \
			-c "$ssh_uri&socket=$sock"
		remote_events "nido -c nido+ssh:// event --loop" \
			-c "$ssh_uri&socket=$sock"
		remote_events "nido -r over ssh: the read-only socket serves event" \
			-r -c "$ssh_uri&socket=$NIDO_RUNTIME_DIR/nidod-ro.sock"
		t_err "nido -r over ssh: the read-only socket refuses console" \
			"access denied: 'domain.open_console' is not allowed on a read-only connection" \
			"$NIDO" -r -c "$ssh_uri&socket=$NIDO_RUNTIME_DIR/nidod-ro.sock" console vm
		t "nido -c nido+ssh:// destroy" \
			"$NIDO" -c "$ssh_uri&socket=$sock" destroy vm
	else
		skip "nido -c nido+ssh:// start" "no usable /dev/kvm"
	fi
	t_err "nido -r over ssh reaches the read-only socket: start refused" \
		"access denied" \
		"$NIDO" -r -c "$ssh_uri&socket=$NIDO_RUNTIME_DIR/nidod-ro.sock" start d1
	t_err "a key sshd does not know is refused" "the daemon closed the connection" \
		"$NIDO" -c "nido+ssh://root@127.0.0.1:2222/session?keyfile=$tmp/ssh/host&no_verify=1&known_hosts=$tmp/ssh/known_hosts&socket=$sock" list
	kill "$sshd_pid"
	wait "$sshd_pid" 2>/dev/null
else
	skip "nido -c nido+ssh://" "needs openssh-server and openssh-client"
fi
done_testing
