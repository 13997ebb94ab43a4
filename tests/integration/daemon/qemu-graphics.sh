#!/usr/bin/env bash
# Displays, SPICE channels and security labels on the qemu driver with
# TCG (docs/xml.md "Graphics", docs/security.md): a SPICE server with
# its agent's channel (spicevmc), a SPICE port as the serial port, its
# audio, a password that expired; a VNC server beside it with a
# WebSocket (which answers a WebSocket handshake), its share policy and
# power control; QEMU's D-Bus display peer-to-peer; a static DAC label
# QEMU runs as. What this host lacks for SDL, egl-headless and a D-Bus
# bus is named when the domain starts.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "displays on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi

# gfx_xml NAME DEVICES [TOP]: no disk (SeaBIOS waits), DEVICES, TOP.
gfx_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    $2
  </devices>
  ${3:-}
</domain>
XML
}

# spice_link HOST PORT: the server's answer to a SPICE client's link
# message for the main channel: "MAGIC MAJOR error CODE".
spice_link() {
	"$(dirname "$0")/qemu/spice-link.py" "$@"
}

# ws_upgrade PORT: the status line of the answer to a WebSocket
# handshake (RFC 6455) on 127.0.0.1:PORT.
ws_upgrade() {
	python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
          b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          b"Sec-WebSocket-Protocol: binary\r\nSec-WebSocket-Version: 13\r\n\r\n")
d = b""
while b"\r\n" not in d:
    b = s.recv(256)
    if not b: break
    d += b
print(d.split(b"\r\n")[0].decode("latin-1"))' "$1"
}

# free_port: a TCP port nothing listens on now.
free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

start_daemon
vnc=$(free_port)
ws=$(free_port)
gfx_xml sp "<graphics type='spice' autoport='yes' passwd='s3cr3t' passwdValidTo='2011-05-31T16:11:22' connected='disconnect'/>
    <graphics type='vnc' port='$vnc' autoport='no' websocket='$ws' sharePolicy='force-shared' powerControl='yes'/>
    <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
    <serial type='spiceport'><source channel='org.qemu.console.serial.0'/></serial>
    <channel type='qemu-vdagent'><target type='virtio' name='org.qemu.vdagent.0'/><source><clipboard copypaste='yes'/><mouse mode='client'/></source></channel>
    <audio id='1' type='spice'/>
    <sound model='ich9'><audio id='1'/></sound>
    <video><model type='qxl'/></video>" >"$tmp/sp.xml"
t_out "define: SPICE with its agent's channel, a SPICE port, VNC with a WebSocket" \
	"Domain 'sp' defined" "$NIDO" define "$tmp/sp.xml"
t_out "dumpxml: the SPICE agent's channel as libvirt writes it" "<channel type='spicevmc'>
      <target type='virtio' name='com.redhat.spice.0'/>" "$NIDO" dumpxml sp
t_out "dumpxml: VNC's options" "websocket='$ws' sharePolicy='force-shared' powerControl='yes'" \
	"$NIDO" dumpxml sp
t_out "start" "Domain 'sp' started" "$NIDO" start sp
cmd=$(tr '\0' ' ' </proc/"$(vm_pid sp)"/cmdline)
t_out "QEMU: the agent's channel on the SPICE server" \
	"-chardev spicevmc,id=charchannel0,name=vdagent" echo "$cmd"
t_out "... on a virtio-serial port named com.redhat.spice.0" \
	'"chardev":"charchannel0","id":"channel0","name":"com.redhat.spice.0"' echo "$cmd"
t_out "... the serial port on a SPICE port" \
	"-chardev spiceport,id=charserial0,name=org.qemu.console.serial.0" echo "$cmd"
t_out "... QEMU's own agent for VNC" \
	"-chardev qemu-vdagent,id=charchannel1,name=vdagent,clipboard=on,mouse=on" echo "$cmd"
t_out "... the sound to SPICE's clients" '{"driver":"spice","id":"audio1"}' echo "$cmd"
t_out "... VNC's options" "127.0.0.1:$((vnc - 5900)),share=force-shared,power-control=on,websocket=$ws" \
	echo "$cmd"
port=$("$NIDO" dumpxml sp | sed -n "s/.*<graphics type='spice' port='\([0-9]*\)'.*/\1/p")
t_out "the SPICE server answers a link message (its password expired: QMP's expire_password went through)" \
	"REDQ 2 error 0" spice_link 127.0.0.1 "$port"
t_out "the VNC WebSocket answers a WebSocket handshake" "HTTP/1.1 101 Switching Protocols" ws_upgrade "$ws"
"$NIDO" destroy sp >/dev/null

gfx_xml db "<graphics type='dbus' p2p='yes'><audio id='1'/></graphics><audio id='1' type='dbus'/>
    <serial type='dbus'><source channel='org.qemu.console.serial.0'/></serial>
    <video><model type='vga'/></video>" >"$tmp/db.xml"
"$NIDO" define "$tmp/db.xml" >/dev/null
t_out "QEMU's D-Bus display, peer-to-peer (no bus)" "Domain 'db' started" "$NIDO" start db
t_out "... -display dbus with its audio" "-display dbus,p2p=on,audiodev=audio1" \
	tr '\0' ' ' </proc/"$(vm_pid db)"/cmdline
t_out "... a serial port on one of its channels" \
	"-chardev dbus,id=charserial0,name=org.qemu.console.serial.0" \
	tr '\0' ' ' </proc/"$(vm_pid db)"/cmdline
"$NIDO" destroy db >/dev/null

# A static DAC label: QEMU runs as that user and group, not as its
# per-VM identity (as root only: a user's nidod runs QEMU as itself).
if [ "$(id -u)" = 0 ]; then
	gfx_xml lab "" "<seclabel type='static' model='dac' relabel='no'><label>+4242:+4343</label></seclabel>" >"$tmp/lab.xml"
	"$NIDO" define "$tmp/lab.xml" >/dev/null
	t_out "a static DAC label" "Domain 'lab' started" "$NIDO" start lab
	t_out "... QEMU runs as its uid" "Uid:	4242	4242	4242	4242" \
		grep '^Uid:' /proc/"$(vm_pid lab)"/status
	t_out "... and its gid" "Gid:	4343	4343	4343	4343" \
		grep '^Gid:' /proc/"$(vm_pid lab)"/status
	"$NIDO" destroy lab >/dev/null
else
	skip "a static DAC label" "not root"
fi

# What this host lacks is named at start, and nothing runs.
for c in "<graphics type='sdl' display=':99'/>|<graphics type='sdl'" \
	"<graphics type='vnc'/><graphics type='egl-headless'><gl rendernode='/nonexistent/renderD128'/></graphics>|render node '/nonexistent/renderD128'" \
	"<graphics type='dbus'/>|nidod starts no D-Bus daemon for a domain" \
	"<graphics type='dbus' address='unix:path=$tmp/no-bus'/>|no D-Bus bus listens there" \
	"<video><model type='virtio'><acceleration accel3d='yes'/></model></video>|<acceleration accel3d='yes'>: no display with OpenGL"; do
	gfx_xml miss "${c%%|*}" >"$tmp/miss.xml"
	"$NIDO" define "$tmp/miss.xml" >/dev/null
	t_err "start names it: ${c%%|*}" "${c#*|}" "$NIDO" start miss
	"$NIDO" undefine miss >/dev/null
done
if [ ! -d /dev/dri ]; then
	gfx_xml egl "<graphics type='vnc'/><graphics type='egl-headless'/>" >"$tmp/egl.xml"
	"$NIDO" define "$tmp/egl.xml" >/dev/null
	t_err "egl-headless on a host without a render node" \
		"this host has no DRM render node (/dev/dri/renderD*)" "$NIDO" start egl
fi

for c in "<channel type='spicevmc'><target type='virtio'/></channel>:type 'spicevmc' without <graphics type='spice'>" \
	"<graphics type='vnc' websocket='-1'/>:websocket='-1' not supported" \
	"<graphics type='spice'><gl enable='yes'/></graphics><graphics type='egl-headless'/>:more than one display with OpenGL" \
	"<audio id='1' type='coreaudio'/>:<audio>"; do
	gfx_xml bad "${c%%:*}" >"$tmp/bad.xml"
	if [[ ${c#*:} == "<audio>" ]]; then
		t_out "warned: ${c%%:*}" "<audio> type 'coreaudio' not acted on" "$NIDO" define "$tmp/bad.xml"
		"$NIDO" undefine bad >/dev/null
	else
		t_err "refused: ${c%%:*}" "${c#*:}" "$NIDO" define "$tmp/bad.xml"
	fi
done
finish_daemon
done_testing
