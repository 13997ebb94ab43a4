#!/usr/bin/env bash
# Character devices of a full machine on the qemu driver, end to end with
# TCG (docs/xml.md, "Serial ports on the qemu driver", "Channels";
# docs/security.md, QEMU item 7): the test's BIOS disk boots with its
# console (ttyS0) on a unix socket nidod binds and passes to QEMU as an
# fd, the test types into it and the guest's init answers; the port's
# <log> and a second serial port's file are files nidod made (root's,
# 0600) that QEMU writes through fds; a channel, a virtio console and
# rngs on QEMU's command line as planned; a file through a symbolic
# link fails the start, naming it.
. "$(dirname "$0")/lib.sh"

qemu_bios_disk "the qemu driver's character devices"

mkdir -m 700 "$tmp/run"
sock=$tmp/run/ttyS0.sock
rngsock=$tmp/run/egd.sock

# chr_xml NAME SERIAL1-PATH
chr_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <clock offset='variable' adjustment='86400' basis='utc'/>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='hda' bus='ide'/></disk>
    <serial type='unix'>
      <source mode='bind' path='$sock'/>
      <log file='$tmp/run/ttyS0.log' append='off'/>
      <target port='0'/>
    </serial>
    <serial type='file'><source path='$2'/><target port='1'/></serial>
    <console type='unix'><source mode='bind' path='$sock'/><target type='serial' port='0'/></console>
    <console type='pty'><target type='virtio' port='1'/></console>
    <channel type='pty'><target type='virtio' name='org.example.test'/></channel>
    <rng model='virtio'><backend model='builtin'/></rng>
    <rng model='virtio'><backend model='egd' type='unix'><source mode='bind' path='$rngsock'/></backend></rng>
  </devices>
</domain>
XML
}

start_daemon
chr_xml chr "$tmp/run/ttyS1.out" >"$tmp/chr.xml"
t_out "define serial ports on a unix socket and a file, a channel, a virtio console" \
	"Domain 'chr' defined" "$NIDO" define "$tmp/chr.xml"
t_out "dumpxml keeps the serial port's socket" "<source mode='bind' path='$sock'/>" \
	"$NIDO" dumpxml chr
native=$("$NIDO" domxml-to-native qemu-argv --domain chr 2>&1)
t_out "domxml-to-native: the socket and the file by path" \
	"socket,id=charserial0,path=$sock,server=on,wait=off,logfile=$tmp/run/ttyS0.log,logappend=on" echo "$native"
t_out "start" "Domain 'chr' started" "$NIDO" start chr
pid=$(vm_pid chr)
cmdline=$(tr '\0' ' ' </proc/"$pid"/cmdline)
t_out "QEMU gets the socket as an fd, the log in an fd set" \
	"-chardev socket,id=charserial0,fd=" echo "$cmdline"
t_out "... the second port's file in an fd set" \
	"-chardev file,id=charserial1,path=/dev/fdset/" echo "$cmdline"
t "... no path of the host for them" sh -c '! echo "$1" | grep -q "$2"' _ "$cmdline" "$tmp/run"
t_out "... the channel and the virtio console on virtio-serial0" \
	'{"driver":"virtserialport","bus":"virtio-serial0.0","nr":1,"chardev":"charchannel0","id":"channel0","name":"org.example.test"}' \
	echo "$cmdline"
t_out "... the virtio console at port 0" \
	'{"driver":"virtconsole","bus":"virtio-serial0.0","nr":0,"chardev":"charconsole1","id":"console1"}' \
	echo "$cmdline"
t_out "... the builtin and EGD rngs" '{"qom-type":"rng-egd","id":"objrng1","chardev":"charrng1"}' \
	echo "$cmdline"
t_out "... the clock a day ahead" "-rtc base=$(date -u -d tomorrow +%Y-%m-%d)" echo "$cmdline"
t_out "the files are nidod's: root's, 0600" "600 root
600 root" stat -c '%a %U' "$tmp/run/ttyS0.log" "$tmp/run/ttyS1.out"
t "the sockets are bound" test -S "$sock" -a -S "$rngsock"

# Types WORD into the socket until the init answers (it may be booting).
cat >"$tmp/talk.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(1)
word, got, end = sys.argv[2], b"", time.time() + 240
while time.time() < end and b"GOT:" + word.encode() not in got:
    s.sendall(word.encode() + b"\r")
    try:
        while True:
            d = s.recv(4096)
            if not d:
                break
            got += d
    except socket.timeout:
        pass
print(got.decode(errors="replace"))
PY
t_out "the guest's init answers on the socket" "GOT:ping-s on " \
	timeout 300 python3 "$tmp/talk.py" "$sock" ping-s
t_out "QEMU logged the port to the log nidod made" "GOT:ping-s on " cat "$tmp/run/ttyS0.log"
"$NIDO" destroy chr >/dev/null
t "destroy: the sockets are gone or left as sockets" sh -c "! test -e '$sock' || test -S '$sock'"

# A file through a symbolic link: nidod does not open it.
ln -s "$tmp/run/elsewhere" "$tmp/run/link.out"
chr_xml chrlink "$tmp/run/link.out" >"$tmp/chrlink.xml"
"$NIDO" define "$tmp/chrlink.xml" >/dev/null
t_err "a serial file through a symbolic link: the start fails, naming it" \
	"serial port 1: file '$tmp/run/link.out'" "$NIDO" start chrlink
t "... nothing was made where it points" test ! -e "$tmp/run/elsewhere"
t "... the domain is shut off" state_starts chrlink "shut off"

done_testing
