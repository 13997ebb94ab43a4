#!/usr/bin/env bash
# PCI controllers on the qemu driver with TCG (docs/xml.md, "PCI
# controllers"): a Q35 guest with pcie-root-ports (one an ioh3420
# without hotplug), a PCI Express switch behind one, its boot disk on a
# root port and an e1000 on a downstream port boots the qemu driver's
# BIOS disk; its init lists the PCI functions it sees: the ports, the
# switch and the devices behind them. A topology QEMU's machine has not
# is refused at define, by name.
. "$(dirname "$0")/lib.sh"

qemu_bios_disk "PCI controllers on the qemu driver"

start_daemon
cat >"$tmp/ports.xml" <<XML
<domain type='qemu'>
  <name>ports</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
  <features><acpi/></features>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'>
      <model name='ioh3420'/>
      <target chassis='9' port='0x20' hotplug='off'/>
    </controller>
    <controller type='pci' model='pcie-switch-upstream-port'/>
    <controller type='pci' model='pcie-switch-downstream-port'/>
    <interface type='user'>
      <mac address='52:54:00:50:43:49'/>
      <model type='e1000'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </interface>
    <serial type='pty'/>
    <console type='pty'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML
t_out "define a Q35 with root ports and a switch" "Domain 'ports' defined" \
	"$NIDO" define "$tmp/ports.xml"
t_out "dumpxml: the controllers numbered as libvirt numbers them" \
	"<controller type='pci' index='2' model='pcie-root-port'>
      <model name='ioh3420'/>
      <target chassis='9' port='0x20' hotplug='off'/>
    </controller>
    <controller type='pci' index='3' model='pcie-switch-upstream-port'/>
    <controller type='pci' index='4' model='pcie-switch-downstream-port'/>" \
	"$NIDO" dumpxml ports
native=$("$NIDO" domxml-to-native qemu-argv --domain ports 2>&1)
t_out "domxml-to-native: the root ports share slot 1 as its functions" \
	'{"driver":"pcie-root-port","port":8,"chassis":1,"id":"pci.1","bus":"pcie.0","multifunction":true,"addr":"0x1"}' \
	echo "$native"
t_out "... the switch's upstream port in the second root port" \
	'{"driver":"x3130-upstream","id":"pci.3","bus":"pci.2","addr":"0x0"}' echo "$native"
t_out "... the disk in the first" '"bus":"pci.1","addr":"0x0"' echo "$native"

t_out "QEMU starts with them" "Domain 'ports' started" "$NIDO" start ports
out=$(qemu_ask ports pci "PCI: ")
line=$(printf '%s\n' "$out" | grep -a -m1 '^PCI: ' | tr -d '\r')
# the guest's view: QEMU's root port (1b36:000c) at 00:01.0, the
# ioh3420 (8086:3420) at 00:01.1, the switch's ports (104c:8232, 8233)
# and the disk (virtio 1af4) and e1000 (8086:100e) on buses behind them
if [[ $line == *" 0000:00:01.0=1b36:000c"* && $line == *" 0000:00:01.1=8086:3420"* &&
	$line == *"=104c:8232"* && $line == *"=104c:8233"* &&
	$line =~ \ 0000:0[1-9a-f]:00\.0=1af4: && $line =~ \ 0000:0[1-9a-f]:00\.0=8086:100e ]]; then
	ok "the guest sees the ports, the switch, the disk and the card behind them"
else
	not_ok "the guest sees the ports, the switch, the disk and the card behind them" "$out"
fi
"$NIDO" destroy ports >/dev/null

# a PC's: a pci-bridge and an expander bus with controllers on them, a
# slot of two functions; QEMU starts with them (it refuses a bus or an
# address it has not), no guest needed
cat >"$tmp/bridges.xml" <<XML
<domain type='qemu'>
  <name>bridges</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <controller type='pci' index='0' model='pci-root'><target hotplug='off'/></controller>
    <controller type='pci' model='pci-bridge'/>
    <controller type='pci' model='pci-expander-bus'><target busNr='200'/></controller>
    <controller type='scsi' index='0' model='virtio-scsi'>
      <driver queues='2' iothread='1'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x03' function='0x0'/>
    </controller>
    <controller type='scsi' index='1' model='lsisas1078'>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </controller>
    <controller type='scsi' index='2' model='vmpvscsi'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>
    </controller>
    <controller type='scsi' index='3' model='lsisas1068'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x1'/>
    </controller>
    <memballoon model='none'/>
  </devices>
  <iothreads>1</iothreads>
</domain>
XML
t_out "define a PC with a bridge, an expander bus and a shared slot" \
	"Domain 'bridges' defined" "$NIDO" define "$tmp/bridges.xml"
t_out "QEMU starts with them" "Domain 'bridges' started" "$NIDO" start bridges
t "... and runs" wait_for 10 state_is bridges "running (booted)"
args=$(tr '\0' '\n' <"/proc/$(vm_pid bridges)/cmdline" 2>/dev/null)
t_out "... its command line: the bridge, the expander bus, function 0 multifunction" \
	'{"driver":"pvscsi","id":"scsi2","bus":"pci.0","multifunction":true,"addr":"0x5"}' \
	echo "$args"
"$NIDO" destroy bridges >/dev/null

# a PC has no PCI Express: refused at define, by name
sed -e "s/machine='q35'/machine='pc'/" -e "s/model='pcie-root'/model='pci-root'/" \
	"$tmp/ports.xml" | sed "s/<name>ports</<name>pcports</" >"$tmp/pc.xml"
t_err "a pcie-root-port on a PC: refused" \
	"<controller type='pci' model='pcie-root-port'>: a PCI Express controller, machine 'pc' has none" \
	"$NIDO" define "$tmp/pc.xml"
# a device on a bus no controller gives
sed -e "s/bus='0x04' slot/bus='0x07' slot/" -e "s/<name>ports</<name>nobus</" \
	"$tmp/ports.xml" >"$tmp/nobus.xml"
t_err "an interface on bus 7, which no controller gives: refused" \
	"PCI bus 0x7: no <controller type='pci' index='7'>" "$NIDO" define "$tmp/nobus.xml"

done_testing
