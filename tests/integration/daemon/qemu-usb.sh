#!/usr/bin/env bash
# USB beyond one controller on the qemu driver with TCG (docs/xml.md,
# "USB"): an ICH9 EHCI with its three UHCI companions in one PCI slot, a
# second controller (an xHCI of index 1) with a hub on its port 2, a USB
# tablet on the EHCI's port 3, a USB stick (usb-storage), <redirdev>s (a
# unix socket nidod binds, a TCP one QEMU listens on, SPICE's channel)
# and a <redirfilter>. Defined, shown by dumpxml,
# on QEMU's command line as libvirt gives them; started: QEMU takes
# them all, and usb-redir speaks on the socket (its hello names QEMU's
# side); mediated, SCSI and vhost-scsi host devices and host input
# devices this host lacks are refused at start by name.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "USB on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi

# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_daemon
mkdir -p "$tmp/run"
sock=$tmp/run/redir.sock
port=$(free_port)
ctl="<controller type='usb' index='0' model='ich9-ehci1'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x7'/>
    </controller>
    <controller type='usb' index='0' model='ich9-uhci1'>
      <master startport='0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0' multifunction='on'/>
    </controller>
    <controller type='usb' index='0' model='ich9-uhci2'>
      <master startport='2'/>
    </controller>
    <controller type='usb' index='0' model='ich9-uhci3'/>
    <controller type='usb' index='1' model='qemu-xhci'/>"
truncate -s 1M "$tmp/stick.img"
devs="$ctl
    <disk type='file' device='disk'><source file='$tmp/stick.img'/><target dev='sda' bus='usb' removable='on'/></disk>
    <input type='tablet' bus='usb'><address type='usb' bus='0' port='3'/></input>
    <hub type='usb'><address type='usb' bus='1' port='2'/></hub>
    <graphics type='spice' autoport='yes'/>
    <redirdev bus='usb' type='unix'><source mode='bind' path='$sock'/></redirdev>
    <redirdev bus='usb' type='tcp'><source mode='bind' host='127.0.0.1' service='$port'/><protocol type='raw'/></redirdev>
    <redirdev bus='usb' type='spicevmc'><address type='usb' bus='0' port='5'/></redirdev>
    <redirfilter>
      <usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/>
      <usbdev allow='no'/>
    </redirfilter>"
qemu_xml usb "$devs" >"$tmp/usb.xml"
t_out "define an EHCI with companions, a second controller, redirdevs" \
	"Domain 'usb' defined" "$NIDO" define "$tmp/usb.xml"
t_out "dumpxml: a companion's <master> (libvirt's startport by model)" \
	"<controller type='usb' index='0' model='ich9-uhci3'>
      <master startport='4'/>
    </controller>" "$NIDO" dumpxml usb
t_out "... the redirdev on the socket" "<redirdev bus='usb' type='unix'>
      <source mode='bind' path='$sock'/>
    </redirdev>" "$NIDO" dumpxml usb
t_out "... and the filter" "<redirfilter>
      <usbdev class='0x08' vendor='0x15E1' product='0x2007' version='1.10' allow='yes'/>
      <usbdev class='-1' vendor='-1' product='-1' version='-1' allow='no'/>
    </redirfilter>" "$NIDO" dumpxml usb

native=$("$NIDO" domxml-to-native qemu-argv --domain usb 2>&1)
for want in \
	'{"driver":"ich9-usb-ehci1","id":"usb","bus":"pci.0","addr":"0x4.0x7"}' \
	'{"driver":"ich9-usb-uhci1","masterbus":"usb.0","firstport":0,"bus":"pci.0","multifunction":true,"addr":"0x4"}' \
	'{"driver":"ich9-usb-uhci2","masterbus":"usb.0","firstport":2,"bus":"pci.0","addr":"0x4.0x1"}' \
	'{"driver":"ich9-usb-uhci3","masterbus":"usb.0","firstport":4,"bus":"pci.0","addr":"0x4.0x2"}' \
	'{"driver":"qemu-xhci","id":"usb1","bus":"pci.0",' \
	'{"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"3"}' \
	'{"driver":"usb-hub","id":"hub0","bus":"usb1.0","port":"2"}' \
	'{"driver":"usb-storage","bus":"usb.0","removable":true,"drive":' \
	"socket,id=charredir1,host=127.0.0.1,port=$port,server=on,wait=off" \
	'spicevmc,id=charredir2,name=usbredir' \
	'{"driver":"usb-redir","chardev":"charredir2","id":"redir2","filter":"0x08:0x15E1:0x2007:0x0110:1|-1:-1:-1:-1:0","bus":"usb.0","port":"5"}'; do
	if [[ $native == *"$want"* ]]; then
		ok "domxml-to-native: $want"
	else
		not_ok "domxml-to-native: $want" "$native"
	fi
done

t_out "start: QEMU takes the controllers and the redirdevs" \
	"Domain 'usb' started" "$NIDO" start usb
cmd=$(tr '\0' ' ' </proc/"$(vm_pid usb)"/cmdline)
t_out "QEMU gets the bound socket as an fd" \
	"-chardev socket,id=charredir0,fd=" echo "$cmd"
t "the socket is bound" test -S "$sock"
# redir_hello UNIX-PATH | redir_hello PORT: what usb-redir sends first on
# the socket (its hello: a header, and QEMU's version string).
redir_hello() {
	timeout 60 python3 -c 'import socket, sys
a = sys.argv[1]
if a.isdigit():
    s = socket.create_connection(("127.0.0.1", int(a)), timeout=30)
else:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(a)
d = b""
while b"usb-redir" not in d:
    b = s.recv(4096)
    if not b: break
    d += b
print(d.decode("latin-1"))' "$1" 2>&1
}
t_out "usb-redir speaks on the socket: its hello" "qemu usb-redir guest" \
	redir_hello "$sock"
t_out "... and on the TCP port QEMU listens on" "qemu usb-redir guest" \
	redir_hello "$port"
"$NIDO" destroy usb >/dev/null

# What this host lacks: refused at start, by name, nothing left running.
qemu_xml mdev "<graphics type='vnc'/>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci' display='on'>
      <source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source>
    </hostdev>" >"$tmp/mdev.xml"
t_out "define a mediated device" "Domain 'mdev' defined" "$NIDO" define "$tmp/mdev.xml"
t_err "start: the mediated device is not on this host, named" \
	"mediated device 53764d0e-85a0-42b4-af5c-2046b460b1dc not found" \
	"$NIDO" start mdev
t "... the domain is shut off" state_starts mdev "shut off"

qemu_xml scsi "<controller type='scsi' index='0' model='virtio-scsi'/>
    <hostdev mode='subsystem' type='scsi'>
      <source><adapter name='scsi_host77'/><address bus='0' target='0' unit='3'/></source>
      <readonly/>
    </hostdev>" >"$tmp/scsi.xml"
t_out "define a SCSI host device" "Domain 'scsi' defined" "$NIDO" define "$tmp/scsi.xml"
t_err "start: the LUN is not on this host, named" \
	"host device SCSI 77:0:0:3 not found" "$NIDO" start scsi

qemu_xml vhost "<hostdev mode='subsystem' type='scsi_host'>
      <source protocol='vhost' wwpn='naa.5123456789abcde0'/>
    </hostdev>" >"$tmp/vhost.xml"
t_out "define a vhost-scsi target (accepted without vhost on the host)" \
	"Domain 'vhost' defined" "$NIDO" define "$tmp/vhost.xml"
if [ -e /dev/vhost-scsi ]; then
	skip "start without /dev/vhost-scsi" "this host has vhost-scsi"
else
	t_err "start: no vhost-scsi on this host, named" \
		"host device vhost-scsi naa.5123456789abcde0: /dev/vhost-scsi not found" \
		"$NIDO" start vhost
fi

qemu_xml evdev "<input type='evdev'><source dev='/dev/input/event-nido-test' grab='all' repeat='on'/></input>
    <input type='passthrough' bus='virtio'><source evdev='/dev/input/event-nido-test'/></input>" \
	>"$tmp/evdev.xml"
t_out "define host input devices" "Domain 'evdev' defined" "$NIDO" define "$tmp/evdev.xml"
t_err "start: the input device is not on this host, named" \
	"input device '/dev/input/event-nido-test' not found" "$NIDO" start evdev
t "... and no QEMU runs" sh -c "! pgrep -f 'guest=evde[v] ' >/dev/null"

done_testing
