#!/usr/bin/env bash
# Domain XML never loses meaning without a word (docs/xml.md): through
# nido define and nido dumpxml, each part the subset used to drop is kept
# and shown, warned about by name when the kvm driver does not act on it,
# or refused by name when it would change what the guest sees. The kvm
# driver's own rules (hvm, x86_64, <kernel>) come from the driver.
. "$(dirname "$0")/lib.sh"

cat >"$tmp/kept.xml" <<XML
<domain type='kvm'>
  <name>kept</name>
  <memory unit='MiB' dumpCore='on'>32</memory>
  <vcpu placement='auto' cpuset='0-1,^1' current='2'>2</vcpu>
  <memtune>
    <hard_limit unit='MiB'>512</hard_limit>
  </memtune>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <kernel>/k</kernel>
    <init>/sbin/init</init>
    <boot dev='hd'/>
    <boot dev='network'/>
  </os>
  <devices>
    <disk type='file'>
      <driver name='qemu' type='raw' discard='ignore'/>
      <source file='/img/a.raw'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file'>
      <driver name='qemu' type='raw' discard='unmap'/>
      <source file='/img/b.raw'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <serial type='pty'>
      <target port='0'/>
      <log file='/var/log/nido/kept.log' append='on'/>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <rng model='virtio'>
      <backend model='random'>/dev/random</backend>
    </rng>
  </devices>
</domain>
XML
out=$("$NIDO" define "$tmp/kept.xml" 2>&1)
t_out "a definition with all of them defines" "Domain 'kept' defined" echo "$out"
for w in "<type machine='pc-q35-7.2'>: not acted on, nido-vmm builds its own machine" \
	"<vcpu cpuset='0-1,^1'>: not acted on, the kvm driver does not pin vCPUs" \
	"<vcpu placement='auto'>: not acted on" \
	"<memory dumpCore='on'>: not acted on, nido-vmm always leaves guest memory out of its core dumps" \
	"disk 'vda': <driver discard='ignore'>: not acted on" \
	"<boot dev='hd'>: not acted on, nido-vmm boots <kernel> directly" \
	"<boot dev='network'>: not acted on, nido-vmm boots <kernel> directly" \
	"<os><init>, <initarg>, <initenv>, <initdir>: for containers (type 'lxc'), not acted on for a machine"; do
	t_out "warns: $w" "warning: $w" echo "$out"
done
t "no warning about what is honoured (discard='unmap', /dev/random, the serial log)" \
	sh -c "! printf '%s' \"\$1\" | grep -e vdb -e rng -e kept.log" sh "$out"
"$NIDO" dumpxml kept >"$tmp/kept.dump"
for k in "<memory dumpCore='on' unit='KiB'>32768</memory>" \
	"<vcpu placement='auto' cpuset='0-1,^1'>2</vcpu>" \
	"<type arch='x86_64' machine='pc-q35-7.2'>hvm</type>" \
	"<driver name='qemu' type='raw' discard='ignore'/>" \
	"<driver name='qemu' type='raw' discard='unmap'/>" \
	"<log file='/var/log/nido/kept.log' append='on'/>" \
	"<target type='serial' port='0'/>" \
	"<backend model='random'>/dev/random</backend>"; do
	t_out "dumpxml keeps $k" "$k" cat "$tmp/kept.dump"
done
t_out "dumpxml keeps the serial and the console, each once" "1 1" \
	sh -c "echo \$(grep -c '<serial ' '$tmp/kept.dump') \$(grep -c '<console ' '$tmp/kept.dump')"
"$NIDO" define "$tmp/kept.dump" >/dev/null 2>&1
"$NIDO" dumpxml kept >"$tmp/kept.dump2"
t "dumpxml, define, dumpxml gives the same XML" cmp "$tmp/kept.dump" "$tmp/kept.dump2"
t_out "libvirt's order" \
	"name uuid memory currentMemory memtune vcpu os on_poweroff on_reboot on_crash devices" \
	sh -c "grep -o '^  <[a-zA-Z_]*' '$tmp/kept.dump' | sed 's/^  <//' | xargs"

# dom NAME TOP DEVICES: a small domain with TOP after <name> and DEVICES.
dom() {
	printf "<domain type='kvm'><name>%s</name><memory>32768</memory>%s" "$1" "$2"
	case $2 in *"<os>"*) ;; *) printf "<os><kernel>/k</kernel></os>" ;; esac
	printf "<devices>%s</devices></domain>\n" "$3"
}
refused() { # description, expected message, top, devices
	dom bad "$3" "${4:-}" >"$tmp/bad.xml"
	t_err "$1" "error: failed to define domain from '$tmp/bad.xml': domain 'bad': $2" \
		"$NIDO" define "$tmp/bad.xml"
}
refused "more vCPUs than nido-vmm runs: refused" \
	"<vcpu> 65: nido-vmm runs at most 64 vCPUs" \
	"<vcpu>65</vcpu>" "<emulator>/usr/bin/nido-vmm</emulator>"
dom cur "<vcpu current='1'>2</vcpu>" "" >"$tmp/cur.xml"
t_out "vcpu current below the maximum: nido-vmm takes it (vCPU hot add)" \
	"<vcpu placement='static' current='1'>2</vcpu>" sh -c \
	"'$NIDO' define '$tmp/cur.xml' >/dev/null && '$NIDO' dumpxml cur"
t "... not QEMU (no qemu-system <emulator>)" \
	sh -c "! '$NIDO' dumpxml cur | grep -q qemu-system"
"$NIDO" undefine cur >/dev/null
# (nido-vmm named: QEMU would run these two, by the pick rule)
refused "two serial ports: refused" \
	"<serial> port 1 not supported: nido-vmm has one serial port" "" \
	"<serial type='pty'/><serial type='pty'/><emulator>/usr/bin/nido-vmm</emulator>"
refused "a virtio console: refused, not rewritten to serial" \
	"<console> target type 'virtio' not supported by the kvm driver" "" \
	"<console type='pty'><target type='virtio'/></console><emulator>/usr/bin/nido-vmm</emulator>"
refused "an rng on another source: refused, not rewritten" \
	"rng backend '/dev/hwrng' not supported by the kvm driver" "" \
	"<rng model='virtio'><backend model='random'>/dev/hwrng</backend></rng>"
# (nido-vmm named: QEMU would run these two, by the pick rule)
refused "the kvm driver refuses i686, saying why" \
	"architecture 'i686' not supported by the kvm driver (nido-vmm runs x86_64 guests)" \
	"<os><type arch='i686'>hvm</type><kernel>/k</kernel></os>" "<emulator>/usr/bin/nido-vmm</emulator>"
refused "the kvm driver refuses another os type" \
	"os type 'exe' not supported by the kvm driver (expected hvm)" \
	"<os><type>exe</type><kernel>/k</kernel></os>"
refused "the kvm driver refuses a scsi disk (libvirt's bus for sda)" \
	"disk 'sda': bus 'scsi' not supported by the kvm driver (nido-vmm has virtio disks)" "" \
	"<emulator>/usr/bin/nido-vmm</emulator><disk type='file'><source file='/a'/><target dev='sda'/></disk>"
refused "the kvm driver refuses a network card model it lacks" \
	"interface 0: model 'e1000' not supported by the kvm driver (expected virtio)" "" \
	"<emulator>/usr/bin/nido-vmm</emulator><interface type='ethernet'><target dev='t0'/><model type='e1000'/></interface>"
refused "the kvm driver needs <kernel> (when QEMU cannot run it either)" \
	"missing <kernel> in <os> (nido-vmm boots a Linux kernel directly)" "<os/>" \
	"<interface type='ethernet'><target dev='t0'/><model type='spapr-vlan'/></interface>"
dom full "<os/>" "" >"$tmp/full.xml"
t_out "without <kernel>, a type 'kvm' domain goes to the qemu driver" \
	"Domain 'full' defined" "$NIDO" define "$tmp/full.xml"
t_out "... dumpxml names QEMU in <emulator>" "/qemu-system-x86_64</emulator>" \
	"$NIDO" dumpxml full
t_out "... dumpxml keeps the boot order" "<boot dev='cdrom'/>" sh -c \
	"'$NIDO' undefine full >/dev/null && sed 's|<os/>|<os><boot dev=\"cdrom\"/></os>|' '$tmp/full.xml' >'$tmp/full2.xml' && '$NIDO' define '$tmp/full2.xml' >/dev/null && '$NIDO' dumpxml full"
"$NIDO" undefine full >/dev/null
dom bad "" "<console type='pty'/><console type='pty'/>" >"$tmp/bad.xml"
t_err "libvirt's rule: only the first console can be a serial port" \
	"only the first console can be a serial port" "$NIDO" define "$tmp/bad.xml"
t "nothing refused was defined" test "$("$NIDO" list --all --name | xargs)" = kept
done_testing
