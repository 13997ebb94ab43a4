#!/usr/bin/env bash
# Network disks on the qemu driver with TCG (docs/xml.md): a disk
# exported by qemu-nbd on a unix socket, defined as <disk
# type='network'><source protocol='nbd'>, is reached by QEMU itself and
# booted by SeaBIOS (its boot sector says NIDO-DISK-BOOT on the serial
# console); without the server the start fails naming the socket; a
# protocol whose QEMU block driver this host lacks fails the start by
# name, before QEMU runs.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null || ! command -v qemu-nbd >/dev/null; then
	skip "network disks on the qemu driver" "qemu-system-x86_64 or qemu-nbd is not installed (qemu-system-x86, qemu-utils)"
	done_testing
	exit
fi
"$(dirname "$0")/qemu/make-cdrom.sh" "$tmp/unused.iso" "$tmp/sector.img" 2>"$tmp/iso.err"
if [ $? -eq 77 ]; then
	skip "network disks on the qemu driver" "$(cat "$tmp/iso.err")"
	done_testing
	exit
fi

# QEMU runs as an identity of its own: it reaches the socket through a
# directory it may search, and connects to a socket it may write.
chmod 711 "$tmp"
mkdir -m 711 "$tmp/nbd"
sock=$tmp/nbd/export.sock
qemu-nbd -k "$sock" -f raw -x boot --persistent --shared=4 "$tmp/sector.img" \
	2>"$tmp/nbd.err" &
nbd_pid=$!
extra_pids="$nbd_pid"
wait_for 30 test -S "$sock"
chmod 666 "$sock"
t "qemu-nbd exports the boot disk on a unix socket" test -S "$sock"

# hear DOMAIN WORD: listens on the console until WORD comes; prints
# what it heard.
hear() {
	local deadline=$((SECONDS + 120)) out=
	while [ $SECONDS -lt $deadline ]; do
		out+=$(sleep 5 | timeout 4 "$NIDO" console "$1" 2>&1)
		[[ $out == *"$2"* || $out == *"not running"* ]] && break
	done
	printf '%s' "$out"
}

# net_xml NAME DISK
net_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    $2
    <serial type='pty'/>
  </devices>
</domain>
XML
}

start_daemon
disk="<disk type='network' device='disk'><driver name='qemu' type='raw'/>
      <source protocol='nbd' name='boot'><host transport='unix' socket='$sock'/></source>
      <target dev='vda' bus='virtio'/></disk>"
net_xml nbd "$disk" >"$tmp/nbd.xml"
t_out "define a domain whose disk is an NBD export" "Domain 'nbd' defined" \
	"$NIDO" define "$tmp/nbd.xml"
t_out "dumpxml keeps the network source" "<disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <source protocol='nbd' name='boot'>
        <host transport='unix' socket='$sock'/>
      </source>" "$NIDO" dumpxml nbd
t_out "domxml-to-native: QEMU's nbd driver on the socket, no fd" \
	"{\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"$sock\"},\"export\":\"boot\",\"node-name\":\"f0-0\",\"read-only\":false}" \
	"$NIDO" domxml-to-native qemu-argv --domain nbd
t_out "start" "Domain 'nbd' started" "$NIDO" start nbd
out=$(hear nbd NIDO-DISK-BOOT)
if [[ $out == *NIDO-DISK-BOOT* ]]; then
	ok "the guest boots from the NBD export"
else
	not_ok "the guest boots from the NBD export" "heard: $out" "$(tail -n 5 "$tmp/run/domains/nbd.log" 2>/dev/null)"
fi
t_out "domblklist names the export" "nbd+unix:///boot?socket=$sock" \
	"$NIDO" domblklist nbd
"$NIDO" destroy nbd >/dev/null

kill "$nbd_pid"
wait "$nbd_pid" 2>/dev/null
rm -f "$sock"
t_err "without the server, the start fails naming the socket" "$sock" \
	"$NIDO" start nbd
t "... and the domain is shut off" state_starts nbd "shut off"

net_xml web "<disk type='network' device='cdrom'><driver name='qemu' type='raw'/>
      <source protocol='https' name='images/boot.iso'><host name='example.org'/></source>
      <target dev='hdc' bus='ide'/></disk>" >"$tmp/web.xml"
"$NIDO" define "$tmp/web.xml" >/dev/null
if [ -e /usr/lib/x86_64-linux-gnu/qemu/block-curl.so ]; then
	skip "a block driver this host lacks" "qemu-block-extra is installed"
else
	t_err "an https disk without QEMU's curl driver: the start says so" \
		"disk 'hdc': QEMU's 'curl' block driver is not installed" \
		"$NIDO" start web
fi

done_testing
