#!/usr/bin/env bash
# Definitions through the CLI: define, list, dumpxml round trip, dominfo,
# domblklist, domiflist, autostart, undefine, bad XML, duplicates,
# persistence across a daemon restart, the state directory's lock, the
# session daemon started on demand.
. "$(dirname "$0")/lib.sh"

domain_xml web /nonexistent/vmlinuz "
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/nido/images/web.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='ethernet'>
      <mac address='52:54:00:aa:bb:cc'/>
      <target dev='tap-web'/>
    </interface>
    <features/>" >"$tmp/web.xml"

t_out "the session daemon starts on demand" " Id   Name   State" "$NIDO" list
t "it wrote its pid file" test -s "$NIDO_STATE_DIR/nidod.pid"
t_out "list on no domains prints virsh's empty table" \
	"$(printf ' Id   Name   State\n--------------------')" "$NIDO" list --all
t_out "define says where from" "Domain 'web' defined from $tmp/web.xml" \
	"$NIDO" define "$tmp/web.xml"
t_out "define warns about what the subset ignores" \
	"warning: line 20: <devices>: unknown device <features> ignored" \
	"$NIDO" define "$tmp/web.xml"
t_out "list --all shows it shut off" " -    web    shut off" "$NIDO" list --all
t_out "list without --all hides it" \
	"$(printf ' Id   Name   State\n--------------------\n')" "$NIDO" list
t_out "list --name" "web" "$NIDO" list --all --name

"$NIDO" dumpxml web >"$tmp/dump1.xml"
"$NIDO" define "$tmp/dump1.xml" >/dev/null 2>&1
"$NIDO" dumpxml web >"$tmp/dump2.xml"
t "dumpxml, define, dumpxml gives the same XML" cmp "$tmp/dump1.xml" "$tmp/dump2.xml"
t_out "dumpxml keeps the disk" "<source file='/var/lib/nido/images/web.qcow2'/>" \
	cat "$tmp/dump1.xml"
t_out "dumpxml keeps the interface's MAC" "52:54:00:aa:bb:cc" cat "$tmp/dump1.xml"

t_out "dominfo has virsh's layout" "$(printf 'Name:           web\nUUID:')" \
	"$NIDO" dominfo web
t_out "dominfo: state" "State:          shut off" "$NIDO" dominfo web
t_out "dominfo: memory" "Max memory:     32768 KiB" "$NIDO" dominfo web
t_out "dominfo: persistent" "Persistent:     yes" "$NIDO" dominfo web
t_out "domblklist" \
	"$(printf ' Target   Source\n%s\n vda      /var/lib/nido/images/web.qcow2' "$(printf -- '-%.0s' $(seq 42))")" \
	"$NIDO" domblklist web
t_out "domblklist --details" " file   disk     vda      /var/lib/nido/images/web.qcow2" \
	"$NIDO" domblklist web --details
t_out "domiflist" " tap-web     ethernet   -        virtio   52:54:00:aa:bb:cc" \
	"$NIDO" domiflist web
t_out "domstate" "shut off" "$NIDO" domstate web
t_out "domstats of an inactive domain" "$(printf "Domain: 'web'\n  state.state=5")" \
	"$NIDO" domstats web
t_out "autostart" "Domain 'web' marked as autostarted" "$NIDO" autostart web
t_out "dominfo shows autostart" "Autostart:      enable" "$NIDO" dominfo web
t "autostart is a file in the state directory" test -e "$NIDO_STATE_DIR/domains/autostart/web"
t_out "autostart --disable" "Domain 'web' unmarked as autostarted" \
	"$NIDO" autostart --disable web

# Bad input: clear errors, nothing defined, the daemon keeps serving.
printf "<domain type='kvm'>\n  <name>bad</name>\n  <memory>64\n</domain>\n" >"$tmp/bad.xml"
t_err "malformed XML names its line" \
	"error: failed to define domain from '$tmp/bad.xml': domain XML: line 5" \
	"$NIDO" define "$tmp/bad.xml"
domain_xml bad /vmlinuz | sed 's|<vcpu>1</vcpu>|<vcpu>two</vcpu>|' >"$tmp/bad2.xml"
t_err "an invalid value names its line" "line 4: <vcpu>" "$NIDO" define "$tmp/bad2.xml"
t_err "not XML at all" "failed to define domain" "$NIDO" define /etc/hostname
t_err "a missing file" "No such file or directory" "$NIDO" define "$tmp/none.xml"
sed 's|<name>web</name>|<name>web</name><uuid>11111111-2222-3333-4444-555555555555</uuid>|' \
	"$tmp/web.xml" >"$tmp/web-uuid.xml"
t_err "a duplicate name with another UUID" "domain 'web' already exists with UUID" \
	"$NIDO" define "$tmp/web-uuid.xml"
uuid=$("$NIDO" dominfo web | awk '/^UUID:/ {print $2}')
domain_xml other /vmlinuz | sed "s|<name>other</name>|<name>other</name><uuid>$uuid</uuid>|" \
	>"$tmp/other.xml"
t_err "a duplicate UUID with another name" "domain 'web' already exists with UUID $uuid" \
	"$NIDO" define "$tmp/other.xml"
t_out "nothing bad was defined" "$(printf ' Id   Name   State\n-----------------------\n -    web    shut off\n\n')" \
	"$NIDO" list --all
t "no temporary file is left in the state directory" \
	sh -c "! ls -a '$NIDO_STATE_DIR/domains' | grep -q tmp"
t_err "a missing kernel" \
	"error: failed to start domain 'web': kernel '/nonexistent/vmlinuz': No such file or directory" \
	"$NIDO" start web
domain_xml nodisk "$GUEST_HELLO" "<disk type='file'><source file='$tmp/missing.img'/><target dev='vda'/></disk>" \
	>"$tmp/nodisk.xml"
"$NIDO" define "$tmp/nodisk.xml" >/dev/null 2>&1
t_err "a missing disk" "failed to start domain 'nodisk': disk '$tmp/missing.img' (vda): No such file or directory" \
	"$NIDO" start nodisk
t_out "a failed start leaves it shut off (failed)" "shut off (failed)" \
	"$NIDO" domstate --reason nodisk
t_err "an unknown domain reads like virsh" "error: failed to get domain 'nope'" \
	"$NIDO" start nope
t_err "an unknown URI" "unsupported URI 'qemu:///system'" "$NIDO" -c qemu:///system list
t_err "an unknown verb" "unknown command: 'frobnicate'" "$NIDO" frobnicate

# Persistence and the lock.
t_err "a second daemon cannot share the state directory" "another nidod (pid $(daemon_pid)) uses state directory" \
	"$NIDOD" --session
stop_daemon
t "the first daemon exits on SIGTERM and removes its socket" test ! -S "$NIDO_RUNTIME_DIR/nidod.sock"
printf '<domain><name>junk' >"$NIDO_STATE_DIR/domains/junk.xml"
sed 's|<name>web</name>|<name>zz-copy</name>|' "$tmp/dump1.xml" >"$NIDO_STATE_DIR/domains/zz-copy.xml"
printf '{"pid": "garbage"' >"$NIDO_RUNTIME_DIR/domains/ghost.json"
start_daemon
t_out "definitions survive a daemon restart" " -    web      shut off" "$NIDO" list --all
t "an unreadable definition is skipped with a warning" \
	grep -q "warning: '$NIDO_STATE_DIR/domains/junk.xml'" "$tmp/nidod.log"
t "a definition reusing another's UUID is skipped with a warning" \
	grep -q "domain 'zz-copy' skipped: its UUID is already used" "$tmp/nidod.log"
t "a garbage run-time record is dropped with a warning" \
	grep -q "domain 'ghost': cannot recover" "$tmp/nidod.log"
t "and removed" test ! -e "$NIDO_RUNTIME_DIR/domains/ghost.json"
rm -f "$NIDO_STATE_DIR/domains/junk.xml" "$NIDO_STATE_DIR/domains/zz-copy.xml"
t_out "undefine" "Domain 'web' has been undefined" "$NIDO" undefine web
t_err "undefine twice" "error: failed to get domain 'web'" "$NIDO" undefine web
t "its file is gone" test ! -e "$NIDO_STATE_DIR/domains/web.xml"
t_out "-c nido:///session reaches the same daemon" " -    nodisk   shut off" \
	"$NIDO" -c nido:///session list --all
# Session mode for an ordinary user: HOME decides where, the CLI starts
# the user's own daemon.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups test -x "$NIDO" -a -x "$NIDOD"; then
	home=$tmp/home
	mkdir -p "$home" && chown nobody "$home" && chmod 755 "$tmp"
	as_nobody() {
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
			env -i HOME="$home" NIDO_DAEMON="$NIDOD" "$@"
	}
	t_out "an ordinary user gets a session daemon" " Id   Name   State" as_nobody "$NIDO" list
	upid=$(cat "$home/.local/state/nido/nidod.pid" 2>/dev/null)
	extra_pids="${upid:-}"
	t_out "it runs as that user" "nobody" ps -o user= -p "${upid:-1}"
	cp "$tmp/web.xml" "$home/web.xml" && chmod 644 "$home/web.xml"
	t_out "and keeps that user's domains" "Domain 'web' defined" as_nobody "$NIDO" define "$home/web.xml"
	t "in ~/.local/state/nido" test -e "$home/.local/state/nido/domains/web.xml"
	t_err "the system daemon is another one" "failed to connect to the daemon at '/run/nido/nidod.sock'" \
		as_nobody "$NIDO" -c nido:///system list --all
	kill "${upid:-}" 2>/dev/null
else
	skip "an ordinary user gets a session daemon" "needs root, setpriv, user nobody, and a build directory nobody can reach"
fi

stop_daemon
"$NIDOD" --session --timeout 1 >>"$tmp/nidod.log" 2>&1 &
idle_pid=$!
wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"
t "a daemon started with --timeout exits when idle" wait_for 20 sh -c "! kill -0 $idle_pid 2>/dev/null"
wait "$idle_pid"
t "with status 0" test $? -eq 0
done_testing
