#!/usr/bin/env bash
# Host devices on the qemu driver (docs/xml.md, "Host devices"): a PCI
# function through VFIO and a USB device defined, shown by dumpxml, on
# QEMU's command line as libvirt gives them (domxml-to-native), and
# QEMU itself takes those options. This host has no IOMMU and no USB
# bus: a start stops before QEMU, naming the device, and leaves the
# domain shut off with nothing running; the kvm driver refuses them.
. "$(dirname "$0")/lib.sh"

QEMU=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU" ]; then
	skip "host devices on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi

start_daemon

pci="<hostdev mode='subsystem' type='pci' managed='yes'><driver name='vfio'/>
      <source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source>
      <rom bar='off'/></hostdev>"
usb="<hostdev mode='subsystem' type='usb'><source guestReset='off'>
      <address bus='255' device='254'/></source><boot order='1'/></hostdev>"
qemu_xml hd "$pci $usb" >"$tmp/hd.xml"
t_out "define a domain with a PCI and a USB host device" "Domain 'hd' defined" \
	"$NIDO" define "$tmp/hd.xml"
t_out "dumpxml keeps the PCI device" "<hostdev mode='subsystem' type='pci' managed='yes'>
      <driver name='vfio'/>
      <source>
        <address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/>
      </source>
      <rom bar='off'/>
    </hostdev>" "$NIDO" dumpxml hd
t_out "... and the USB device" "<hostdev mode='subsystem' type='usb'>
      <source guestReset='off'>
        <address bus='255' device='254'/>
      </source>
      <boot order='1'/>
    </hostdev>" "$NIDO" dumpxml hd

native=$("$NIDO" domxml-to-native qemu-argv --domain hd 2>&1)
vfio='{"driver":"vfio-pci","host":"0000:06:12.5","id":"hostdev0","bus":"pci.0","addr":"0x2","rombar":0}'
usbhost='{"driver":"usb-host","hostdevice":"/dev/bus/usb/255/254","id":"hostdev1","bootindex":1,"guest-reset":false,"guest-resets-all":false,"bus":"usb.0"}'
if [[ $native == *"-device '$vfio'"* && $native == *"-device '$usbhost'"* ]]; then
	ok "domxml-to-native: vfio-pci and usb-host, as libvirt gives them"
else
	not_ok "domxml-to-native: vfio-pci and usb-host, as libvirt gives them" "$native"
fi

# QEMU takes the options as written and fails only where this host
# lacks the device: no property unknown, no value refused.
qout=$("$QEMU" -machine pc,accel=tcg -nodefaults -display none -S \
	-device "$vfio" 2>&1 </dev/null)
if [[ $qout == *"vfio /sys/bus/pci/devices/0000:06:12.5: no such host device"* ]]; then
	ok "QEMU takes the vfio-pci device: it looks for the host's function"
else
	not_ok "QEMU takes the vfio-pci device: it looks for the host's function" "$qout"
fi
qout=$("$QEMU" -machine pc,accel=tcg -nodefaults -display none -S \
	-device piix3-usb-uhci,id=usb -device "$usbhost" 2>&1 </dev/null)
if [[ $qout == *"failed to open /dev/bus/usb/255/254"* ]]; then
	ok "QEMU takes the usb-host device: it opens the node"
else
	not_ok "QEMU takes the usb-host device: it opens the node" "$qout"
fi

t_err "start: the PCI device is not on this host, named" \
	"host PCI device 0000:06:12.5 not found" "$NIDO" start hd
t "... the domain is shut off" state_starts hd "shut off"
t "... and no QEMU runs" sh -c "! pgrep -f 'guest=h[d] ' >/dev/null"
t "... no monitor socket is left" \
	test ! -e "$NIDO_RUNTIME_DIR/domains/hd.monitor"

qemu_xml usbonly "$usb" >"$tmp/u.xml"
"$NIDO" define "$tmp/u.xml" >/dev/null
t_err "start: the USB device is not there, named" \
	"host device USB 255:254 not found" "$NIDO" start usbonly
qemu_xml usbopt "<hostdev mode='subsystem' type='usb'><source startupPolicy='optional'>
      <vendor id='0xfffe'/><product id='0xfffd'/></source></hostdev>" >"$tmp/o.xml"
"$NIDO" define "$tmp/o.xml" >/dev/null
t_out "an optional USB device not there: the domain starts without it" \
	"Domain 'usbopt' started" "$NIDO" start usbopt
pid=$(vm_pid usbopt)
t "... and QEMU has no usb-host" \
	sh -c "! tr '\\0' ' ' </proc/$pid/cmdline | grep -q usb-host"
"$NIDO" destroy usbopt >/dev/null

# A PCI function this host has, but without an IOMMU: named, and the
# device is left as it was (its driver unchanged).
dev=$(ls /sys/bus/pci/devices 2>/dev/null | head -n1)
if [ -n "$dev" ] && [ ! -e "/sys/bus/pci/devices/$dev/iommu_group" ]; then
	before=$(readlink "/sys/bus/pci/devices/$dev/driver" || true)
	d=${dev%%:*} rest=${dev#*:}
	qemu_xml noiommu "<hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x$d' bus='0x${rest%%:*}' slot='0x$(echo "$rest" | cut -d: -f2 | cut -d. -f1)' function='0x${dev##*.}'/></source></hostdev>" >"$tmp/n.xml"
	"$NIDO" define "$tmp/n.xml" >/dev/null
	t_err "start: a host PCI device without an IOMMU group, named" \
		"host PCI device $dev has no IOMMU group" "$NIDO" start noiommu
	t "... its driver is unchanged" \
		test "$(readlink "/sys/bus/pci/devices/$dev/driver" || true)" = "$before"
else
	skip "a host PCI device without an IOMMU group" "this host's PCI devices have IOMMU groups (or it has none)"
fi

# nido-vmm has no host devices.
cat >"$tmp/k.xml" <<XML
<domain type='kvm'><name>k</name><memory unit='MiB'>64</memory>
  <os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>
  <devices><emulator>/usr/bin/nido-vmm</emulator>$pci</devices></domain>
XML
t_err "the kvm driver refuses a host device by name" \
	"<hostdev> not supported by the kvm driver" "$NIDO" define "$tmp/k.xml"

done_testing
