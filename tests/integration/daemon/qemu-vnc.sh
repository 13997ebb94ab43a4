#!/usr/bin/env bash
# Graphics on the qemu driver with TCG (docs/drivers.md): <graphics
# type='vnc'> with autoport on 127.0.0.1, <video>, a USB tablet; `nido
# vncdisplay` names the display QEMU took, which answers the RFB
# handshake; two guests get two displays; a daemon restart keeps it.
# The guest is the ISO of qemu-cdrom.sh (SeaBIOS, a boot sector).
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "VNC on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
iso=$tmp/boot.iso
"$(dirname "$0")/qemu/make-cdrom.sh" "$iso" 2>"$tmp/iso.err"
rc=$?
if [ $rc -eq 77 ]; then
	skip "VNC on the qemu driver" "$(cat "$tmp/iso.err")"
	done_testing
	exit
fi

# vnc_xml NAME TYPE DEVICES: the ISO, and DEVICES.
vnc_xml() {
	cat <<XML
<domain type='$2'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='cdrom'><source file='$iso'/><target dev='hdc' bus='ide'/></disk>
    <serial type='pty'/>
    $3
  </devices>
</domain>
XML
}

# rfb_security HOST PORT: the security types the server offers to an
# RFB 3.8 client, as "security types: N M".
rfb_security() {
	python3 -c 'import socket,sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
f = s.makefile("rb")
f.read(12)
s.sendall(b"RFB 003.008\n")
n = f.read(1)[0]
print("security types: " + " ".join(str(t) for t in f.read(n)))' "$1" "$2"
}

# rfb HOST PORT: the server's first 12 bytes (its protocol version).
rfb() {
	python3 -c 'import socket,sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
b = b""
while len(b) < 12:
    d = s.recv(12 - len(b))
    if not d: break
    b += d
sys.stdout.write(b.decode("latin-1"))' "$1" "$2"
}

start_daemon
devs="<graphics type='vnc' port='-1' autoport='yes'/>
    <input type='tablet' bus='usb'/>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>"
vnc_xml vnc qemu "$devs" >"$tmp/vnc.xml"
t_out "define a domain with VNC and a tablet" "Domain 'vnc' defined" "$NIDO" define "$tmp/vnc.xml"
t_out "dumpxml: libvirt's shapes, a VGA card for the graphics" "<input type='tablet' bus='usb'/>
    <input type='mouse' bus='ps2'/>
    <input type='keyboard' bus='ps2'/>
    <graphics type='vnc' port='-1' autoport='yes'/>
    <video>
      <model type='vga'/>
    </video>" "$NIDO" dumpxml vnc
t_err "vncdisplay of a domain that is not running" "domain is not running" "$NIDO" vncdisplay vnc
t_err "domdisplay of a domain that is not running" "domain is not running" "$NIDO" domdisplay vnc
t_out "start" "Domain 'vnc' started" "$NIDO" start vnc
pid=$(vm_pid vnc)
cmd=$(tr '\0' ' ' </proc/"$pid"/cmdline)
t_out "QEMU: VNC on 127.0.0.1 from display 0, the first free" "-vnc 127.0.0.1:0,to=99" echo "$cmd"
t_out "... a VGA card" '{"driver":"VGA","id":"video0","bus":"pci.0","addr":"0x2"}' echo "$cmd"
t_out "... the tablet on the i440FX's USB controller" \
	'{"driver":"piix3-usb-uhci","id":"usb","bus":"pci.0","addr":"0x1.0x2"} -device {"driver":"usb-tablet","id":"input0","bus":"usb.0"}' echo "$cmd"
disp=$("$NIDO" vncdisplay vnc | head -n1)
t "vncdisplay names it: 127.0.0.1:N" test "${disp%:*}" = 127.0.0.1
port=$((5900 + ${disp##*:}))
t_out "domdisplay: the display as a URI, as virsh prints it" "vnc://$disp" \
	"$NIDO" domdisplay vnc
t_err "domdisplay --type spice: none of that type" "No graphical display with type 'spice' found" \
	"$NIDO" domdisplay vnc --type spice
t_out "the running domain's XML has the port QEMU took" \
	"<graphics type='vnc' port='$port' autoport='yes'/>" "$NIDO" dumpxml vnc
t_out "the display answers the RFB handshake" "RFB 003.008" rfb 127.0.0.1 "$port"

# The guest has booted once its boot code speaks (SeaBIOS has drawn
# its text on the VGA by then).
deadline=$((SECONDS + 120)) heard=
while [ $SECONDS -lt $deadline ] && [[ $heard != *NIDO-CD-BOOT* && $heard != *error:* ]]; do
	heard+=$(sleep 5 | timeout 4 "$NIDO" console vnc 2>&1)
done
t_out "the guest booted (its boot code speaks on the serial console)" NIDO-CD-BOOT echo "$heard"
t_out "screenshot" "Screenshot saved to $tmp/shot.ppm, with type of image/x-portable-pixmap" \
	"$NIDO" screenshot vnc "$tmp/shot.ppm"
t_out "... a PPM of the VGA's text mode, 720x400, whole, not all one colour" "P6 720x400 whole, colours>1" \
	python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
parts = d.split(b"\n", 3)
w, h = map(int, parts[1].split())
px = parts[3]
whole = "whole" if parts[2] == b"255" and len(px) == w * h * 3 else "short"
n = len({px[i:i + 3] for i in range(0, len(px), 3)})
print("%s %dx%d %s, colours%s" % (parts[0].decode(), w, h, whole, ">1" if n > 1 else "=1"))' "$tmp/shot.ppm"
# A client that asks and leaves: its screenshot is taken all the same,
# and must not be the next client's answer (nor fail it).
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"domain.screenshot\",\"params\":{\"domain\":\"vnc\"}}\n")
s.close()' "$NIDO_RUNTIME_DIR/nidod.sock"
t "a client asks for a screenshot and leaves; the job ends" wait_for 30 "$NIDO" suspend vnc
"$NIDO" resume vnc >/dev/null
t_out "... the next screenshot is the next client's" "Screenshot saved to $tmp/shot2.ppm" \
	"$NIDO" screenshot vnc "$tmp/shot2.ppm"
t "... and nothing left in the runtime directory" sh -c "! ls '$NIDO_RUNTIME_DIR/domains/' | grep -q screen"

vnc_xml novideo qemu "<video><model type='none'/></video>" >"$tmp/nv.xml"
"$NIDO" define "$tmp/nv.xml" >/dev/null
"$NIDO" start novideo >/dev/null
t_err "a screenshot of a domain without a video card is refused" \
	"domain 'novideo' has no video card" "$NIDO" screenshot novideo "$tmp/nv.ppm"
t "... and no file is left" test ! -e "$tmp/nv.ppm"
"$NIDO" destroy novideo >/dev/null

vnc_xml vnc2 qemu "<graphics type='vnc' autoport='yes' listen='127.0.0.1'/><video><model type='cirrus'/></video>" >"$tmp/vnc2.xml"
"$NIDO" define "$tmp/vnc2.xml" >/dev/null
t_out "a second guest" "Domain 'vnc2' started" "$NIDO" start vnc2
disp2=$("$NIDO" vncdisplay vnc2 | head -n1)
t "... gets another display" test -n "$disp2" -a "$disp2" != "$disp"
t_out "... which answers too" "RFB 003.008" rfb 127.0.0.1 $((5900 + ${disp2##*:}))
t_out "... with its cirrus card" '{"driver":"cirrus-vga","id":"video0","bus":"pci.0","addr":"0x2"}' \
	tr '\0' ' ' </proc/"$(vm_pid vnc2)"/cmdline

# A password: QEMU gets it through QMP (set_password), never on its
# command line; the server then asks for VNC authentication (type 2)
# and offers no access without it (type 1); dumpxml does not show it.
vnc_xml vnc3 qemu "<graphics type='vnc' autoport='yes' passwd='s3cr3t'/><video><model type='vga'/></video>" >"$tmp/vnc3.xml"
"$NIDO" define "$tmp/vnc3.xml" >/dev/null
t_out "a guest with a VNC password" "Domain 'vnc3' started" "$NIDO" start vnc3
disp3=$("$NIDO" vncdisplay vnc3 | head -n1)
t_out "... its server asks for VNC authentication only" "security types: 2" \
	rfb_security 127.0.0.1 $((5900 + ${disp3##*:}))
t_out "... QEMU was told to use a password" "password=on" \
	tr '\0' ' ' </proc/"$(vm_pid vnc3)"/cmdline
t "... which is not on its command line" \
	sh -c "! tr '\\0' ' ' </proc/$(vm_pid vnc3)/cmdline | grep -q s3cr3t"
t "... nor in dumpxml" sh -c "! '$NIDO' dumpxml vnc3 | grep -q s3cr3t"
"$NIDO" destroy vnc3 >/dev/null

stop_daemon KILL
start_daemon
t_out "a restarted daemon still names the display" "$disp" "$NIDO" vncdisplay vnc
"$NIDO" destroy vnc >/dev/null
"$NIDO" destroy vnc2 >/dev/null
t_out "a stopped domain's XML is autoport again" "<graphics type='vnc' port='-1' autoport='yes'/>" \
	"$NIDO" dumpxml vnc

for c in "<graphics type='gtk'/>:graphics type 'gtk' not supported (vnc, spice, sdl, egl-headless, dbus)" \
	"<graphics type='vnc' passwd='123456789'/>:a VNC password has at most 8 characters" \
	"<graphics type='vnc' listen='example.com'/>:graphics listen 'example.com': not an IPv4 or IPv6 address" \
	"<graphics type='vnc' port='80' autoport='no'/>:VNC port 80 out of range (5900 to 65535)" \
	"<input type='tablet' bus='usb'/><controller type='usb' model='none'/>:with USB controller model 'none'" \
	"<video><model type='cirrus2'/></video>:invalid video model 'cirrus2'"; do
	vnc_xml bad qemu "${c%%:*}" >"$tmp/bad.xml"
	t_err "refused: ${c%%:*}" "${c#*:}" "$NIDO" define "$tmp/bad.xml"
done
vnc_xml kvmvnc kvm "$devs" >"$tmp/k.xml"
t_out "type 'kvm' with graphics goes to QEMU (nido-vmm has no display)" \
	"Domain 'kvmvnc' defined" "$NIDO" define "$tmp/k.xml"
done_testing
