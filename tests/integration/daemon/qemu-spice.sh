#!/usr/bin/env bash
# SPICE on the qemu driver with TCG (docs/xml.md): <graphics
# type='spice'> with autoport (nidod picks the port: QEMU's SPICE has no
# automatic one) and a qxl card; QEMU's SPICE server answers a client's
# link message on it; query-spice (asked by nidod at start) agreed;
# `nido domdisplay` names it as virsh does; a password goes through
# QMP only; two guests get two ports; a daemon restart keeps them;
# `nido screenshot` of the qxl card. The guest is qemu-cdrom.sh's ISO.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "SPICE on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
iso=$tmp/boot.iso
"$(dirname "$0")/qemu/make-cdrom.sh" "$iso" 2>"$tmp/iso.err"
if [ $? -eq 77 ]; then
	skip "SPICE on the qemu driver" "$(cat "$tmp/iso.err")"
	done_testing
	exit
fi

# spice_xml NAME DEVICES: the ISO, and DEVICES.
spice_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='cdrom'><source file='$iso'/><target dev='hdc' bus='ide'/></disk>
    <serial type='pty'/>
    $2
  </devices>
</domain>
XML
}

# spice_link HOST PORT: the server's answer to a SPICE client's link
# message for the main channel: "MAGIC MAJOR error CODE".
spice_link() {
	"$(dirname "$0")/qemu/spice-link.py" "$@"
}

# port_of NAME: the SPICE port in the running domain's XML.
port_of() {
	"$NIDO" dumpxml "$1" | sed -n "s/.*<graphics type='spice' port='\([0-9]*\)'.*/\1/p"
}

start_daemon
devs="<graphics type='spice' autoport='yes'>
      <image compression='auto_glz'/>
      <clipboard copypaste='no'/>
    </graphics>
    <video><model type='qxl' ram='65536' vram='32768' vgamem='16384' heads='1'/></video>"
spice_xml sp "$devs" >"$tmp/sp.xml"
t_out "define a domain with SPICE and a qxl card" "Domain 'sp' defined" "$NIDO" define "$tmp/sp.xml"
t_out "dumpxml: libvirt's shapes" "<graphics type='spice' autoport='yes'>
      <image compression='auto_glz'/>
      <clipboard copypaste='no'/>
    </graphics>
    <video>
      <model type='qxl' ram='65536' vram='32768' vgamem='16384' heads='1'/>" "$NIDO" dumpxml sp
t_err "domdisplay of a domain that is not running" "domain is not running" "$NIDO" domdisplay sp
t_out "start" "Domain 'sp' started" "$NIDO" start sp
port=$(port_of sp)
t "the running domain's XML has the port nidod gave (from 6000: above VNC's own window)" test -n "$port" -a "${port:-0}" -ge 6000
cmd=$(tr '\0' ' ' </proc/"$(vm_pid sp)"/cmdline)
t_out "QEMU: -spice on that port, with libvirt's options" \
	"-spice port=$port,addr=127.0.0.1,disable-ticketing=on,image-compression=auto_glz,disable-copy-paste=on,seamless-migration=on" \
	echo "$cmd"
t_out "... the qxl card as the primary, its sizes in bytes and MiB" \
	'{"driver":"qxl-vga","id":"video0","max_outputs":1,"ram_size":67108864,"vram_size":33554432,"vgamem_mb":16,"bus":"pci.0","addr":"0x2"}' \
	echo "$cmd"
t_out "the SPICE server answers a client's link message" "REDQ 2 error 0" spice_link 127.0.0.1 "$port"
t_out "domdisplay: the URI, as virsh prints it" "spice://127.0.0.1:$port" "$NIDO" domdisplay sp
t_out "domdisplay --type spice" "spice://127.0.0.1:$port" "$NIDO" domdisplay sp --type spice
t_err "domdisplay --type vnc: none of that type" "No graphical display with type 'vnc' found" \
	"$NIDO" domdisplay sp --type vnc
t_err "vncdisplay: no VNC display" "No graphical display found" "$NIDO" vncdisplay sp

deadline=$((SECONDS + 120)) heard=
while [ $SECONDS -lt $deadline ] && [[ $heard != *NIDO-CD-BOOT* && $heard != *error:* ]]; do
	heard+=$(sleep 5 | timeout 4 "$NIDO" console sp 2>&1)
done
t_out "the guest booted (its boot code speaks on the serial console)" NIDO-CD-BOOT echo "$heard"
t_out "screenshot of the qxl card" "Screenshot saved to $tmp/shot.ppm" \
	"$NIDO" screenshot sp "$tmp/shot.ppm"
t_out "... a whole PPM, not all one colour" "P6 whole colours>1" python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
parts = d.split(b"\n", 3)
w, h = map(int, parts[1].split())
px = parts[3]
n = len({px[i:i + 3] for i in range(0, len(px), 3)})
print("%s %s colours%s" % (parts[0].decode(), "whole" if len(px) == w * h * 3 else "short", ">1" if n > 1 else "=1"))' "$tmp/shot.ppm"

# A second guest, with a password: another port; the password reaches
# QEMU through QMP only (ticketing stays on), never its command line
# nor dumpxml. USB and virtio inputs, a hub: QEMU runs with them.
spice_xml sp2 "<graphics type='spice' autoport='yes' passwd='s3cr3t'/><video><model type='qxl'/></video><video><model type='qxl'/></video>
    <hub type='usb'><address type='usb' bus='0' port='1'/></hub>
    <input type='keyboard' bus='usb'><address type='usb' bus='0' port='1.2'/></input>
    <input type='mouse' bus='usb'/><input type='tablet' bus='virtio'/>" >"$tmp/sp2.xml"
"$NIDO" define "$tmp/sp2.xml" >/dev/null
t_out "a second guest" "Domain 'sp2' started" "$NIDO" start sp2
port2=$(port_of sp2)
t "... gets another port" test -n "$port2" -a "$port2" != "$port"
t_out "... which answers too" "REDQ 2 error 0" spice_link 127.0.0.1 "$port2"
cmd2=$(tr '\0' ' ' </proc/"$(vm_pid sp2)"/cmdline)
t_out "... a second qxl card" '{"driver":"qxl","id":"video1","bus":"pci.0","addr":"0x3"}' echo "$cmd2"
t_out "... a USB hub, a keyboard behind it, a USB mouse, a virtio tablet" \
	'{"driver":"usb-hub","id":"hub0","bus":"usb.0","port":"1"} -device {"driver":"usb-kbd","id":"input0","bus":"usb.0","port":"1.2"} -device {"driver":"usb-mouse","id":"input1","bus":"usb.0"} -device {"driver":"virtio-tablet-pci","id":"input2","bus":"pci.0","addr":"0x5"}' \
	echo "$cmd2"
t "... ticketing on, the password not on its command line" \
	sh -c "! echo '$cmd2' | grep -q -e s3cr3t -e disable-ticketing"
t "... nor in dumpxml" sh -c "! '$NIDO' dumpxml sp2 | grep -q s3cr3t"

stop_daemon KILL
start_daemon
t_out "a restarted daemon still names the display" "spice://127.0.0.1:$port" "$NIDO" domdisplay sp
"$NIDO" destroy sp >/dev/null
t_out "a stopped domain's XML is autoport again" "<graphics type='spice' autoport='yes'>" \
	"$NIDO" dumpxml sp
t_out "its port is free for the next start" "Domain 'sp' started" "$NIDO" start sp
t "... which may take it again, not the second guest's" test "$(port_of sp)" != "$port2"
"$NIDO" destroy sp >/dev/null
"$NIDO" destroy sp2 >/dev/null

# On sockets: VNC and SPICE where the guest's QEMU (its own user) can
# make them (not in the test's private directory); an RFB handshake on
# the VNC one, a link message on SPICE's; domdisplay as virsh.
socks=$(mktemp -d /tmp/nido-socks.XXXXXX)
chmod 1777 "$socks"
spice_xml socks "<graphics type='vnc'><listen type='socket' socket='$socks/v=nc.sock'/></graphics>
    <graphics type='spice'><listen type='socket' socket='$socks/spice.sock'/></graphics>
    <smartcard mode='passthrough' type='unix'><source mode='bind' path='$socks/card.sock'/></smartcard>" >"$tmp/socks.xml"
"$NIDO" define "$tmp/socks.xml" >/dev/null
t_out "a guest with VNC and SPICE on sockets" "Domain 'socks' started" "$NIDO" start socks
t_out "... QEMU's VNC on its socket" "-vnc vnc=unix:$socks/v=nc.sock" \
	tr '\0' ' ' </proc/"$(vm_pid socks)"/cmdline
t_out "... which answers the RFB handshake" "RFB 003.008" python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect(sys.argv[1])
print(s.recv(12).decode("latin-1"))' "$socks/v=nc.sock"
t_out "... the SPICE socket answers a link message" "REDQ 2 error 0" spice_link "$socks/spice.sock"
t "... the smartcard reader's card listens on its socket" test -S "$socks/card.sock"
t_out "... behind a CCID reader on USB" \
	'{"driver":"usb-ccid","id":"ccid0","bus":"usb.0"} -chardev socket,id=charsmartcard0,path='"$socks"'/card.sock,server=on,wait=off -device {"driver":"ccid-card-passthru","chardev":"charsmartcard0","id":"smartcard0","bus":"ccid0.0"}' \
	tr '\0' ' ' </proc/"$(vm_pid socks)"/cmdline
t_out "domdisplay: VNC first, on its socket" "vnc+unix://$socks/v=nc.sock" "$NIDO" domdisplay socks
t_out "domdisplay --type spice" "spice+unix://$socks/spice.sock" "$NIDO" domdisplay socks --type spice
"$NIDO" destroy socks >/dev/null
rm -rf "$socks"

if [ ! -e /etc/pki/nssdb ]; then
	spice_xml card "<smartcard mode='host'/>" >"$tmp/card.xml"
	"$NIDO" define "$tmp/card.xml" >/dev/null
	t_err "an emulated smartcard without the host's NSS database: start names it" \
		"<smartcard mode='host'>: the host's NSS database '/etc/pki/nssdb'" "$NIDO" start card
fi
if [ ! -e /etc/pki/nido-spice/server-cert.pem ]; then
	spice_xml tls "<graphics type='spice' port='5999' tlsPort='5998' autoport='no' defaultMode='secure'/>" >"$tmp/tls.xml"
	"$NIDO" define "$tmp/tls.xml" >/dev/null
	t_err "a TLS port without nidod's certificates: start names the file" \
		"/etc/pki/nido-spice/ca-cert.pem" "$NIDO" start tls
fi

for c in "<graphics type='spice'><gl enable='maybe'/></graphics>:invalid spice <gl enable> 'maybe'" \
	"<graphics type='spice' port='5900' autoport='no'><channel name='main' mode='secure'/></graphics>:spice channel 'main' secure without a tlsPort" \
	"<graphics type='spice'><streaming mode='some'/></graphics>:invalid spice <streaming mode> 'some'" \
	"<graphics type='gtk'/>:graphics type 'gtk' not supported" \
	"<video><model type='qxl' ram='1000'/></video>:a power of two of MiB" \
	"<smartcard mode='passthrough' type='spicevmc'/>:<smartcard type='spicevmc'> without <graphics type='spice'>"; do
	spice_xml bad "${c%%:*}" >"$tmp/bad.xml"
	t_err "refused: ${c%%:*}" "${c#*:}" "$NIDO" define "$tmp/bad.xml"
done
done_testing
