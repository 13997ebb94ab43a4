#!/usr/bin/env bash
# The guest agent (docs/xml.md, "Channels"; docs/drivers.md). One boot:
# a BIOS disk whose initramfs holds Debian's qemu-guest-agent with its
# libraries, started by the init on the virtio-serial port found by its
# name; nido talks to it through the channel's socket nidod made:
# qemu-agent-command (guest-ping), guestinfo, domifaddr --source agent,
# guestinfo --disk (a virtio disk named as the domain's),
# domfsfreeze/domfsthaw, set-user-password, shutdown --mode agent. Then,
# with no boot, a fake QEMU whose "agent" is hostile (garbage, a line
# longer than the limit, silence, lies, a port never opened): each gets
# a clear error, nothing hangs, and nidod answers its other clients
# meanwhile; a domain without a channel says so. (On nido-vmm:
# kvm-agent.sh.)
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
QEMU=$(command -v qemu-system-x86_64 || true)
QGA=/usr/sbin/qemu-ga
fake=$here/qemu/hostile-agent/qemu-system-x86_64

# fake_xml NAME [DEVICES]: a domain on the fake QEMU.
fake_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <emulator>$fake</emulator>
    ${2:-}
  </devices>
</domain>
XML
}
channel="<channel type='unix'><source mode='bind'/>
    <target type='virtio' name='org.qemu.guest_agent.0'/></channel>"

# agent_extra DIR: the initramfs's additions: qemu-ga and its libraries,
# the virtio-serial modules, an /etc/nido-extra that starts the agent,
# what the agent's commands use (shutdown, chpasswd's files, os-release).
agent_extra() {
	local d=$1 lib
	guest_extra "$d" drivers/virtio/virtio_ring drivers/virtio/virtio \
		drivers/virtio/virtio_pci_legacy_dev \
		drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci \
		drivers/char/virtio_console drivers/block/virtio_blk || return 1
	mkdir -p "$d/usr/sbin" "$d/sbin"
	cp "$QGA" "$d/usr/sbin/qemu-ga"
	for lib in $(ldd "$QGA" | grep -o '/[^ ]*'); do
		mkdir -p "$d$(dirname "$lib")"
		cp -L "$lib" "$d$lib"
	done
	printf 'root:x:0:0:root:/:/bin/sh\n' >"$d/etc/passwd"
	printf 'root:*:19000:0:99999:7:::\n' >"$d/etc/shadow"
	printf 'ID=nidotest\nNAME="nido agent test"\nPRETTY_NAME="nido agent test 1"\nVERSION_ID=1\n' \
		>"$d/etc/os-release"
	# guest-shutdown runs /sbin/shutdown -h -P +0 MESSAGE
	# (and -r to reboot)
	printf '#!/bin/sh\ncase " $* " in *" -r "*) exec /bin/reboot -f ;; esac\nexec /bin/poweroff -f\n' \
		>"$d/sbin/shutdown"
	# guest-set-user-password runs chpasswd [-e] with USER:PASSWORD on
	# its input; busybox-static has no chpasswd: this one hashes with
	# busybox's mkpasswd and fails for a user /etc/shadow lacks
	cat >"$d/sbin/chpasswd" <<'SH'
#!/bin/sh
IFS= read -r line
user=${line%%:*}
pass=${line#*:}
grep -q "^$user:" /etc/shadow || { echo "chpasswd: no user '$user'" >&2; exit 1; }
[ "${1:-}" = -e ] || pass=$(mkpasswd -m sha512 "$pass")
sed -i "s|^$user:[^:]*:|$user:$pass:|" /etc/shadow
SH
	chmod 755 "$d/sbin/shutdown" "$d/sbin/chpasswd"
	# after guest_extra's module loading: find the agent's port by its
	# name (no udev here to make /dev/virtio-ports/NAME), run qemu-ga
	cat >>"$d/etc/nido-extra" <<'SH'
hostname agentguest
ip link set lo up
ip addr add 192.0.2.7/24 dev lo
mkdir -p /var/run /run /tmp
dev=
while [ -z "$dev" ]; do
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = org.qemu.guest_agent.0 ] &&
			dev=/dev/${p##*/}
	done
	[ -n "$dev" ] || sleep 1
done
echo "nido-agent-test: qemu-ga on $dev"
export PATH=/bin:/sbin
exec /usr/sbin/qemu-ga -m virtio-serial -p "$dev" -t /run -f /run/qemu-ga.pid -v -l /run/qga.log
SH
}

start_daemon

# ---- the real agent, in one TCG boot ----
if [ -z "$QEMU" ] || [ ! -x "$QGA" ]; then
	skip "the guest agent in a guest" "needs qemu-system-x86 and qemu-guest-agent (scripts/lib/deps.sh)"
else
	mkdir -p "$tmp/extra"
	agent_extra "$tmp/extra" 2>"$tmp/extra.err"
	NIDO_BIOS_EXTRA=$tmp/extra "$here/qemu/make-bios-disk.sh" \
		"$tmp/boot.img" 2>"$tmp/disk.err"
	rc=$?
	truncate -s 8M "$tmp/data.img"
fi
if [ -n "$QEMU" ] && [ -x "$QGA" ] && [ "$rc" -eq 77 ]; then
	skip "the guest agent in a guest" "$(cat "$tmp/disk.err")"
elif [ -n "$QEMU" ] && [ -x "$QGA" ]; then
	t "the test makes a BIOS disk with qemu-ga in its initramfs" test "$rc" -eq 0
	cat >"$tmp/ga.xml" <<XML
<domain type='qemu'>
  <name>ga</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/boot.img'/><target dev='hda' bus='ide'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/data.img'/><target dev='vdb' bus='virtio'/>
      <serial>nidodata</serial></disk>
    <serial type='pty'/>
    $channel
  </devices>
</domain>
XML
	t_out "define a domain with the guest agent's channel" "Domain 'ga' defined" \
		"$NIDO" define "$tmp/ga.xml"
	t_out "dumpxml keeps the channel" "<channel type='unix'>
      <source mode='bind'/>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>" "$NIDO" dumpxml ga
	t_out "domxml-to-native: the agent's socket by its path" \
		"socket,id=charchannel0,path=$NIDO_RUNTIME_DIR/domains/ga.agent,server=on,wait=off" \
		"$NIDO" domxml-to-native qemu-argv --domain ga
	t_out "start" "Domain 'ga' started" "$NIDO" start ga
	pid=$(vm_pid ga)
	cmdline=$(tr '\0' ' ' </proc/"$pid"/cmdline)
	sock=$NIDO_RUNTIME_DIR/domains/ga.agent
	if [[ $cmdline == *"-chardev socket,id=charchannel0,fd="*",server=on,wait=off"* &&
		$cmdline == *'"driver":"virtio-serial-pci","id":"virtio-serial0","bus":"pci.0","addr":"0x'* &&
		$cmdline == *'"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,"chardev":"charchannel0","id":"channel0","name":"org.qemu.guest_agent.0"'* ]]; then
		ok "QEMU gets a virtio-serial port (on its planned PCI slot) on a socket nidod passed as an fd"
	else
		not_ok "QEMU gets a virtio-serial port on a socket nidod passed as an fd" "$cmdline"
	fi
	t "... nidod made it in its run-time directory, 0600" \
		test -S "$sock" -a "$(stat -c %a "$sock" 2>/dev/null)" = 600
	ping_ok() { "$NIDO" qemu-agent-command ga '{"execute":"guest-ping"}' | grep -qx '{"return":{}}'; }
	if wait_for 300 ping_ok; then
		ok "qemu-agent-command guest-ping: the agent in the guest answers {\"return\":{}}"
	else
		not_ok "qemu-agent-command guest-ping: the agent in the guest answers {\"return\":{}}" \
			"$("$NIDO" qemu-agent-command ga '{"execute":"guest-ping"}' 2>&1)" \
			"$(tail -n 20 "$NIDO_RUNTIME_DIR/domains/ga.log")"
	fi
	t_out "the live XML says the guest opened the port" \
		"name='org.qemu.guest_agent.0' state='connected'" "$NIDO" dumpxml ga
	t_out "qemu-agent-command --pretty" '"return": {
  }' "$NIDO" qemu-agent-command ga --pretty '{"execute":"guest-ping"}'
	t_out "qemu-agent-command with the command in several words" \
		'"version":"7.2' "$NIDO" qemu-agent-command ga '{"execute":' '"guest-info"}'
	t_err "an unknown command: the agent's error, named" \
		"guest agent of domain 'ga': 'guest-nothing': The command guest-nothing has not been found (CommandNotFound)" \
		"$NIDO" qemu-agent-command ga '{"execute":"guest-nothing"}'
	t_err "a command that is not JSON" "agent command: not a JSON object with a string 'execute'" \
		"$NIDO" qemu-agent-command ga '{"execute":'
	out=$("$NIDO" domifaddr ga --source agent 2>&1)
	if [[ $out == *"Protocol"* && $out =~ \ lo\ +00:00:00:00:00:00\ +ipv4\ +127.0.0.1/8 &&
		$out == *"192.0.2.7/24"* ]]; then
		ok "domifaddr --source agent: the guest's interfaces (guest-network-get-interfaces)"
	else
		not_ok "domifaddr --source agent: the guest's interfaces (guest-network-get-interfaces)" "$out"
	fi
	t_out "domifaddr --source agent --interface" "192.0.2.7/24" \
		"$NIDO" domifaddr ga --source agent --interface lo
	out=$("$NIDO" guestinfo ga --os --hostname --timezone --interface 2>&1)
	if [[ $out == *"os.id               : nidotest"* &&
		$out == *"os.pretty-name      : nido agent test 1"* &&
		$out == *"os.kernel-release   : 6."* &&
		$out == *"hostname            : agentguest"* &&
		$out == *"timezone.offset     : 0"* &&
		$out == *"if.0.name           : lo"* && $out == *": 192.0.2.7"* &&
		$out != *"user.count"* ]]; then
		ok "guestinfo --os --hostname --timezone --interface"
	else
		not_ok "guestinfo --os --hostname --timezone --interface" "$out"
	fi
	t_out "guestinfo with no flag: all the agent has" "fs.count" "$NIDO" guestinfo ga
	# the virtio disk, as the guest sees it (guest-get-disks), named
	# by its PCI address: the domain's vdb
	out=$("$NIDO" guestinfo ga --disk 2>&1)
	if [[ $out == *"disk.0.name         : /dev/vda"* &&
		$out == *"disk.0.partition    : no"* &&
		$out == *"disk.0.alias        : vdb"* &&
		$out == *"disk.0.guest_bus    : virtio"* &&
		$out != *"os.id"* ]]; then
		ok "guestinfo --disk: the guest's disks, named as the domain's (guest-get-disks)"
	else
		not_ok "guestinfo --disk: the guest's disks, named as the domain's (guest-get-disks)" "$out"
	fi
	# the initramfs has no file system the agent can freeze (rootfs,
	# proc, sysfs, devtmpfs are skipped): it says how many it did
	t_out "domfsfreeze" "Froze 0 filesystem(s)" "$NIDO" domfsfreeze ga
	t_out "domfsthaw" "Thawed 0 filesystem(s)" "$NIDO" domfsthaw ga
	# a quiesced disk-only snapshot: the agent freezes, QEMU takes the
	# overlay, the agent thaws
	t_err "snapshot --quiesce without --disk-only: libvirt's refusal" \
		"quiesce requires disk-only" "$NIDO" snapshot-create-as ga q0 --quiesce
	t_out "snapshot-create-as --disk-only --quiesce" "Domain snapshot q2 created" \
		"$NIDO" snapshot-create-as ga q2 --disk-only --quiesce \
		--diskspec hda,snapshot=no --diskspec "vdb,file=$tmp/data.q2"
	t "... the data disk's overlay is there, over its image" \
		sh -c "qemu-img info -U '$tmp/data.q2' | grep -q 'backing file: $tmp/data.img'"
	t_out "... and the guest's file systems are thawed after it" '{"return":"thawed"}' \
		"$NIDO" qemu-agent-command ga '{"execute":"guest-fsfreeze-status"}'
	# guest_file PATH: the guest's file PATH (up to 1 MB), read through
	# the agent's file commands
	guest_file() {
		local h
		h=$("$NIDO" qemu-agent-command ga "{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"$1\"}}" |
			grep -o '[0-9][0-9]*')
		"$NIDO" qemu-agent-command ga "{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":$h,\"count\":1000000}}" |
			sed 's/.*"buf-b64":"\([^"]*\)".*/\1/' | base64 -d
		"$NIDO" qemu-agent-command ga "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$h}}" >/dev/null
	}
	# qemu-ga's own log (-v -l): it was asked to freeze, then to thaw
	guest_file /run/qga.log >"$tmp/qga.log" 2>&1
	# the commands qemu-ga read, in order: domfsfreeze's and domfsthaw's
	# above, then the snapshot's freeze and thaw
	t_out "... qemu-ga was asked to freeze, then to thaw, around it (its log)" \
		"freeze thaw freeze thaw" sh -c "grep -o 'data: {\"execute\":\"guest-fsfreeze-[a-z]*\"' '$tmp/qga.log' |
			sed 's/.*fsfreeze-//; s/\"//' | tr '\\n' ' ' | sed 's/ \$//'"
	t_out "set-user-password" "Password set successfully for root in ga" \
		"$NIDO" set-user-password ga root s3cret
	# the guest's /etc/shadow, read back through the agent's file
	# commands: root's password is no longer '*'
	out=$(guest_file /etc/shadow 2>&1)
	if [[ $out == root:* && $out != "root:*:"* ]]; then
		ok "... the guest's /etc/shadow has root's new password"
	else
		not_ok "... the guest's /etc/shadow has root's new password" "$out"
	fi
	t_err "set-user-password for a user the guest lacks: the agent's error" \
		"guest agent of domain 'ga': 'guest-set-user-password'" \
		"$NIDO" set-user-password ga nobody-here x
	t_out "reboot --mode agent" "Domain 'ga' is being rebooted" \
		"$NIDO" reboot ga --mode agent
	t "... the guest resets (QEMU's RESET), in the same QEMU" \
		wait_for 120 grep -q "domain 'ga': the guest reset" "$tmp/nidod.log"
	t "... and its agent answers again" wait_for 300 ping_ok
	t "... QEMU is the same" test "$(vm_pid ga)" = "$pid"
	t_out "shutdown --mode agent" "Domain 'ga' is being shutdown" \
		"$NIDO" shutdown ga --mode agent
	if wait_for 120 state_is ga "shut off (shutdown)"; then
		ok "... the guest powers itself off: shut off (shutdown)"
	else
		not_ok "... the guest powers itself off: shut off (shutdown)" \
			"$("$NIDO" domstate --reason ga 2>&1)"
	fi
	t "... its channel's socket is gone" test ! -e "$sock"
fi

# ---- a hostile agent (a fake QEMU): no boot ----
fake_xml fake-agent "$channel" >"$tmp/fa.xml"
"$NIDO" define "$tmp/fa.xml" >/dev/null
t_out "a domain whose agent is hostile starts" "Domain 'fake-agent' started" \
	"$NIDO" start fake-agent
# wait_for_ping DOMAIN: guest-ping until the agent answers (its port opens)
wait_for_ping() {
	local d=$((SECONDS + 60))
	until "$NIDO" qemu-agent-command "$1" '{"execute":"guest-ping"}' 2>/dev/null; do
		[ $SECONDS -lt $d ] || return 1
		sleep 0.2
	done
}
agent_ping() { wait_for_ping fake-agent | grep -qx '{"return":{}}'; }
t "the stale junk before the agent's 0xFF is dropped: guest-ping answers" wait_for 30 agent_ping

# silence: the command times out; nidod answers others meanwhile
"$NIDO" qemu-agent-command fake-agent --timeout 15 '{"execute":"guest-get-time"}' \
	>"$tmp/silent.out" 2>&1 &
silent=$!
sleep 1
if "$NIDO" list --all >/dev/null 2>&1 && "$NIDO" dominfo fake-agent >/dev/null 2>&1 &&
	kill -0 "$silent" 2>/dev/null; then
	ok "while the agent is silent, nidod answers its other clients"
else
	not_ok "while the agent is silent, nidod answers its other clients" "$(cat "$tmp/silent.out")"
fi
t_out "... and a second agent command waits its turn (the silent one is on the wire)" \
	'{"return":{}}' "$NIDO" qemu-agent-command fake-agent --timeout 30 '{"execute":"guest-ping"}'
wait "$silent"
t_out "a silent agent: the command fails, naming it, after its timeout" \
	"guest agent of domain 'fake-agent': 'guest-get-time': no answer in 15000 ms: the agent is not responding" \
	cat "$tmp/silent.out"
t_err "garbage: the command fails, naming it" \
	"'guest-info': invalid reply: a reply that is not a JSON object" \
	"$NIDO" qemu-agent-command fake-agent '{"execute":"guest-info"}'
t_out "... then a resync: guest-ping answers" '{"return":{}}' \
	"$NIDO" qemu-agent-command fake-agent '{"execute":"guest-ping"}'
t_err "a reply longer than the limit: the command fails, naming it" \
	"'guest-get-host-name': a reply longer than 1048576 bytes" \
	"$NIDO" qemu-agent-command fake-agent '{"execute":"guest-get-host-name"}'
t_out "... then a resync past the rest of the line: guest-ping answers" '{"return":{}}' \
	"$NIDO" qemu-agent-command fake-agent --timeout 30 '{"execute":"guest-ping"}'
out=$("$NIDO" domifaddr fake-agent --source agent 2>&1)
if [[ $out == *"eth?0?[31m"*"10.1.2.3/0"* && $out != *$'\e'* && $out != *"ipx"* &&
	$out != *"eeeeeeeeee"* ]]; then
	ok "lies in guest-network-get-interfaces: only well-formed addresses, names made printable"
else
	not_ok "lies in guest-network-get-interfaces: only well-formed addresses, names made printable" "$out"
fi
out=$("$NIDO" guestinfo fake-agent --os --interface 2>&1)
if [[ $out == *"if.count            : 3"* && $out != *"os."* && $out != *$'\e'* &&
	$(grep -c . <<<"$out") -lt 20 ]]; then
	ok "guestinfo: what the agent lies about is left out"
else
	not_ok "guestinfo: what the agent lies about is left out" "$out"
fi
t_err "an agent's error: its words made printable and bounded" \
	"'guest-nothing': no ?[31mzzz" "$NIDO" qemu-agent-command fake-agent '{"execute":"guest-nothing"}'
t_err "domfsfreeze answered with no count" "the guest agent answered no count of file systems" \
	"$NIDO" domfsfreeze fake-agent
t_err "set-user-password refuses a user name chpasswd would misread" \
	"user name: a control character or ':'" "$NIDO" set-user-password fake-agent 'root:x' pw
t_err "qemu-agent-command --timeout out of range" "invalid timeout '0' (1 to 600 seconds)" \
	"$NIDO" qemu-agent-command fake-agent --timeout 0 '{"execute":"guest-ping"}'
t_out "the domain still runs" "running" "$NIDO" domstate fake-agent
stop_daemon KILL
start_daemon
t_out "a daemon restarted after SIGKILL re-attaches: the agent answers again" \
	'{"return":{}}' wait_for_ping fake-agent

# the guest never opens its port
fake_xml fake-closed "$channel" >"$tmp/fc.xml"
"$NIDO" define "$tmp/fc.xml" >/dev/null
"$NIDO" start fake-closed >/dev/null
t_err "a guest that has not opened its port: not connected, said at once" \
	"guest agent of domain 'fake-closed' is not connected (the guest has not opened its port 'org.qemu.guest_agent.0')" \
	"$NIDO" qemu-agent-command fake-closed '{"execute":"guest-ping"}'
t_err "shutdown --mode agent too" "is not connected" "$NIDO" shutdown fake-closed --mode agent
t_out "dumpxml: disconnected" "state='disconnected'" "$NIDO" dumpxml fake-closed

# a domain without a channel
fake_xml fake-none >"$tmp/fn.xml"
"$NIDO" define "$tmp/fn.xml" >/dev/null
"$NIDO" start fake-none >/dev/null
for verb in "qemu-agent-command fake-none {\"execute\":\"guest-ping\"}" "guestinfo fake-none" \
	"domifaddr fake-none --source agent" "domfsfreeze fake-none" "shutdown fake-none --mode agent" \
	"set-user-password fake-none root x"; do
	# shellcheck disable=SC2086
	t_err "${verb%% *} on a domain without a channel says so" \
		"domain 'fake-none' has no guest agent channel (<channel type='unix'> with <target type='virtio' name='org.qemu.guest_agent.0'/>)" \
		"$NIDO" $verb
done
truncate -s 1M "$tmp/nq.img"
fake_xml fake-nq "<disk type='file' device='disk'><driver name='qemu' type='raw'/>
  <source file='$tmp/nq.img'/><target dev='vda' bus='virtio'/></disk>" >"$tmp/nq.xml"
"$NIDO" define "$tmp/nq.xml" >/dev/null
"$NIDO" start fake-nq >/dev/null
t_err "snapshot --quiesce without a guest agent fails, naming it" \
	"--quiesce: domain 'fake-nq' has no guest agent channel" \
	"$NIDO" snapshot-create-as fake-nq s1 --disk-only --quiesce --diskspec "vda,file=$tmp/nq.s1"
t "... and takes nothing: no overlay left, no snapshot" \
	sh -c "[ ! -e '$tmp/nq.s1' ] && [ -z \"\$('$NIDO' snapshot-list fake-nq --name)\" ]"
"$NIDO" destroy fake-nq >/dev/null
t_err "... and on a domain that is not running" "domain 'fake-agent' is not running" \
	sh -c "'$NIDO' destroy fake-agent >/dev/null && '$NIDO' guestinfo fake-agent"

# the channel's socket at a path of the definition's
mkdir -m 700 "$tmp/sockets"
fake_xml fake-path "<channel type='unix'><source mode='bind' path='$tmp/sockets/ga.sock'/>
    <target type='virtio' name='org.qemu.guest_agent.0'/></channel>" >"$tmp/fp.xml"
"$NIDO" define "$tmp/fp.xml" >/dev/null
t_out "a channel path of the definition's, in a directory only root changes" \
	"Domain 'fake-path' started" "$NIDO" start fake-path
t "... the socket is there, 0600" test -S "$tmp/sockets/ga.sock" -a "$(stat -c %a "$tmp/sockets/ga.sock")" = 600
t_out "... the agent answers through it" '{"return":{}}' wait_for_ping fake-path
"$NIDO" destroy fake-path >/dev/null
t "... removed when the domain ends" test ! -e "$tmp/sockets/ga.sock"
mkdir -m 777 "$tmp/open"
sed "s|$tmp/sockets/ga.sock|$tmp/open/ga.sock|" "$tmp/fp.xml" >"$tmp/fo.xml"
"$NIDO" define "$tmp/fo.xml" >/dev/null
t_err "a path in a directory others can write: refused, naming it" \
	"channel socket '$tmp/open/ga.sock': '$tmp/open' is not a directory that only root or nidod's user can change" \
	"$NIDO" start fake-path
echo data >"$tmp/sockets/file"
sed "s|$tmp/sockets/ga.sock|$tmp/sockets/file|" "$tmp/fp.xml" >"$tmp/ff.xml"
"$NIDO" define "$tmp/ff.xml" >/dev/null
t_err "a path that is a file: refused, the file left alone" \
	"channel socket '$tmp/sockets/file' exists and is not a socket: nidod does not replace it" \
	"$NIDO" start fake-path
t_out "... the file is intact" "data" cat "$tmp/sockets/file"

# XML: what is not the guest agent's channel is refused by name
for c in "<channel type='pipe'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>:type 'pipe' not supported" \
	"<channel type='unix'><target type='virtio' name='org.example.other'/></channel>:type 'unix' without <source path=>" \
	"<channel type='unix'><target type='guestfwd'/></channel>:channel target type 'guestfwd' not supported" \
	"<channel type='unix'><source mode='connect'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>:channel source mode 'connect' not supported" \
	"<channel type='unix'><source mode='bind' path='rel/x.sock'/><target type='virtio' name='org.qemu.guest_agent.0'/></channel>:source path 'rel/x.sock': not an absolute path" \
	"$channel$channel:two channels named 'org.qemu.guest_agent.0'"; do
	fake_xml bad "${c%%:*}" >"$tmp/bad.xml"
	t_err "define refuses: ${c#*:}" "${c#*:}" "$NIDO" define "$tmp/bad.xml"
done
domain_xml kvmga /nonexistent/vmlinuz "<emulator>/usr/bin/nido-vmm</emulator>$channel" >"$tmp/kvmga.xml"
t_out "nido-vmm named for a domain with the agent's channel: accepted (its multiport virtio-console, kvm-agent.sh)" \
	"defined" "$NIDO" define "$tmp/kvmga.xml"
"$NIDO" undefine kvmga >/dev/null
domain_xml kvmga /nonexistent/vmlinuz "$channel" >"$tmp/kvmga.xml"
t "... without <emulator>, a type 'kvm' domain booting <kernel> with the channel stays on nido-vmm" \
	sh -c "'$NIDO' define '$tmp/kvmga.xml' >/dev/null && ! '$NIDO' dumpxml kvmga | grep -q '<emulator>'"

done_testing
