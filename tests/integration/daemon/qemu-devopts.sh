#!/usr/bin/env bash
# Device and platform options on the qemu driver with TCG (docs/xml.md,
# docs/drivers.md), no guest booted: a domain with the virtio options on
# its disks, input, rng and balloon, a disk's error policies, ioeventfd,
# event_idx, geometry and copy-on-read, a cdrom and a floppy defined
# with their trays open, <genid>, <vmcoreinfo>, <vmport>, <pcihole64>
# and <bios rebootTimeout> starts: QEMU took every option (a refused
# one ends the start), and each is on its command line; the trays are
# opened before the vCPUs run (a QMP error would fail the start) and
# I/O limits, their bursts, I/O size and group reach the disk through
# its copy-on-read filter. A Q35
# machine takes <smm><tseg>; a PC's is refused at define. Runs in
# seconds.
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "device options on the qemu driver" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
truncate -s 16M "$tmp/a.img" "$tmp/b.img" "$tmp/c.iso"
truncate -s 1440K "$tmp/f.img"

# opts_xml NAME: every option on one PC.
opts_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <genid>e9392370-2917-565e-692b-d057f46512d6</genid>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><bios rebootTimeout='128'/></os>
  <features><acpi/><vmcoreinfo/><vmport state='off'/></features>
  <devices>
    <controller type='pci' index='0' model='pci-root'><pcihole64 unit='GiB'>2</pcihole64></controller>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' error_policy='stop' ioeventfd='on' event_idx='off'
              copy_on_read='on' iommu='off' packed='on' page_per_vq='on'/>
      <source file='$tmp/a.img'/><target dev='vda' bus='virtio'/>
      <geometry cyls='520' heads='16' secs='63'/>
      <iotune><read_iops_sec>500</read_iops_sec><read_iops_sec_max>1000</read_iops_sec_max>
        <read_iops_sec_max_length>5</read_iops_sec_max_length><size_iops_sec>8192</size_iops_sec>
        <group_name>g1</group_name></iotune>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' error_policy='enospace' rerror_policy='report'/>
      <source file='$tmp/b.img'/><target dev='hda' bus='ide'/>
      <geometry cyls='520' heads='16' secs='63' trans='lba'/>
    </disk>
    <disk type='file' device='cdrom'><source file='$tmp/c.iso'/>
      <target dev='hdc' bus='ide' tray='open'/></disk>
    <disk type='file' device='floppy'><source file='$tmp/f.img'/>
      <target dev='fda' bus='fdc' tray='open'/></disk>
    <input type='keyboard' bus='virtio'><driver ats='on' packed='on'/></input>
    <rng model='virtio'><backend model='random'>/dev/urandom</backend><driver iommu='off'/></rng>
    <memballoon model='virtio'><driver packed='on'/></memballoon>
  </devices>
</domain>
XML
}

start_daemon
opts_xml opts >"$tmp/opts.xml"
t_out "a domain with device and platform options is defined" "Domain 'opts' defined" \
	"$NIDO" define "$tmp/opts.xml"
out=$("$NIDO" dumpxml opts 2>&1)
for want in "<genid>e9392370-2917-565e-692b-d057f46512d6</genid>" \
	"<bios rebootTimeout='128'/>" "<vmport state='off'/>" "<vmcoreinfo state='on'/>" \
	"<pcihole64 unit='KiB'>2097152</pcihole64>" \
	"error_policy='stop' ioeventfd='on' event_idx='off' copy_on_read='on' iommu='off' packed='on' page_per_vq='on'/>" \
	"error_policy='enospace' rerror_policy='report'/>" \
	"<target dev='hdc' bus='ide' tray='open'/>" "<target dev='fda' bus='fdc' tray='open'/>" \
	"<geometry cyls='520' heads='16' secs='63' trans='lba'/>" \
	"<driver ats='on' packed='on'/>" "<driver iommu='off'/>" "<driver packed='on'/>"; do
	[[ $out == *"$want"* ]] || { not_ok "dumpxml keeps $want" "$out"; continue; }
	ok "dumpxml keeps $want"
done
t_out "it starts: QEMU takes every option, the trays open" "Domain 'opts' started" "$NIDO" start opts
t "... and it runs" state_is opts "running (booted)"
pid=$(vm_pid opts)
cmd=$(tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null)
for want in '"driver":"vmgenid","guid":"e9392370-2917-565e-692b-d057f46512d6"' \
	'{"driver":"vmcoreinfo"}' '-machine vmport=off' \
	'-global i440FX-pcihost.pci-hole64-size=2097152K' '-boot reboot-timeout=128' \
	'"driver":"copy-on-read","node-name":"d0-cor","file":"d0-0"' \
	'"drive":"d0-cor","id":"disk0"' \
	'"iommu_platform":false,"packed":true,"page-per-vq":true,"ioeventfd":true,"event_idx":false,"cyls":520,"heads":16,"secs":63,"werror":"stop","rerror":"stop"' \
	'"bios-chs-trans":"lba","werror":"enospc","rerror":"report"' \
	'"driver":"virtio-keyboard-pci","id":"input0"' '"ats":true,"packed":true' \
	'"driver":"virtio-rng-pci"' '"iommu_platform":false}' \
	'"driver":"virtio-balloon-pci","id":"balloon0"'; do
	[[ $cmd == *"$want"* ]] || { not_ok "QEMU's command line has $want" "$cmd"; continue; }
	ok "QEMU's command line has $want"
done
out=$("$NIDO" blkdeviotune opts vda 2>&1)
for want in "read_iops_sec  : 500" "read_iops_sec_max: 1000" "read_iops_sec_max_length: 5" \
	"size_iops_sec  : 8192" "group_name     : g1"; do
	[[ $out == *"$want"* ]] || { not_ok "blkdeviotune reads $want from QEMU (query-block, through the copy-on-read filter)" "$out"; continue; }
	ok "blkdeviotune reads $want from QEMU (query-block, through the copy-on-read filter)"
done
t_out "domstats has the copy-on-read disk's statistics (query-blockstats)" \
	"block.0.name=vda" "$NIDO" domstats opts
"$NIDO" destroy opts >/dev/null

sed -e "s|machine='pc'|machine='q35'|" \
	-e "s|<acpi/>|<acpi/><smm state='on'><tseg unit='MiB'>48</tseg></smm>|" \
	-e "s|model='pci-root'|model='pcie-root'|" \
	-e "s|bus='ide'|bus='sata'|g" -e "/trans='lba'/s| trans='lba'||" \
	-e "/device='floppy'/,/<\/disk>/d" \
	"$tmp/opts.xml" >"$tmp/q35.xml"
sed -i -e "s|<name>opts</name>|<name>q35</name>|" -e "s|dev='hda'|dev='sda'|" \
	-e "s|dev='hdc'|dev='sdc'|" -e "/dev='sda'/,/<\/disk>/{/<geometry/d}" "$tmp/q35.xml"
t_out "a Q35 domain with an SMM TSEG size is defined" "Domain 'q35' defined" \
	"$NIDO" define "$tmp/q35.xml"
t_out "... starts" "Domain 'q35' started" "$NIDO" start q35
cmd=$(tr '\0' ' ' </proc/"$(vm_pid q35)"/cmdline 2>/dev/null)
for want in '-global mch.extended-tseg-mbytes=48' \
	'-global q35-pcihost.pci-hole64-size=2097152K'; do
	[[ $cmd == *"$want"* ]] || { not_ok "QEMU's command line has $want" "$cmd"; continue; }
	ok "QEMU's command line has $want"
done
"$NIDO" destroy q35 >/dev/null

# <blkiotune> on QEMU's cgroup (the kvm and lxc drivers' code): a loop
# device's limits (a weight needs an I/O scheduler with weights, which a
# host may not have: the start then fails naming the file).
truncate -s 1M "$tmp/blk"
if bdev=$(losetup --find --show "$tmp/blk" 2>/dev/null); then
	trap 'losetup -d "$bdev" 2>/dev/null; cleanup' EXIT
	majmin=$(cat "/sys/block/${bdev#/dev/}/dev")
	cat >"$tmp/io.xml" <<XML
<domain type='qemu'>
  <name>io</name>
  <memory unit='MiB'>64</memory>
  <blkiotune><device><path>$bdev</path>
    <read_bytes_sec>1048576</read_bytes_sec><write_iops_sec>50</write_iops_sec></device></blkiotune>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><memballoon model='none'/></devices>
</domain>
XML
	t_out "a qemu domain with <blkiotune> is defined" "Domain 'io' defined" "$NIDO" define "$tmp/io.xml"
	t_out "... starts" "Domain 'io' started" "$NIDO" start io
	pid=$(vm_pid io)
	v1=$(sed -n 's/^[0-9]*:blkio:\(.*\)/\1/p' /proc/"$pid"/cgroup)
	v2=$(sed -n 's/^0::\(.*\)/\1/p' /proc/"$pid"/cgroup)
	if [ -n "$v1" ] && [ "$v1" != / ] && [ -e "/sys/fs/cgroup/blkio$v1/blkio.throttle.read_bps_device" ]; then
		t_out "QEMU's blkio cgroup has the read limit (v1)" "$majmin 1048576" \
			cat "/sys/fs/cgroup/blkio$v1/blkio.throttle.read_bps_device"
		t_out "... and the write one" "$majmin 50" \
			cat "/sys/fs/cgroup/blkio$v1/blkio.throttle.write_iops_device"
	else
		t_out "QEMU's io cgroup has the limits (v2)" \
			"$majmin rbps=1048576 wbps=max riops=max wiops=50" cat "/sys/fs/cgroup$v2/io.max"
	fi
	"$NIDO" destroy io >/dev/null
	losetup -d "$bdev"
else
	skip "<blkiotune> on a qemu domain" "no loop device (losetup)"
fi

# <source startupPolicy='optional'>: a disk whose file is not there is
# left out of the running domain, kept in its definition.
cat >"$tmp/opt.xml" <<XML
<domain type='qemu'>
  <name>opt</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='$tmp/a.img'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><source file='$tmp/gone.img' startupPolicy='optional'/>
      <target dev='vdb' bus='virtio'/></disk>
  </devices>
</domain>
XML
t_out "a disk with startupPolicy='optional' is defined" "Domain 'opt' defined" "$NIDO" define "$tmp/opt.xml"
t_out "... the domain starts without its missing file" "Domain 'opt' started" "$NIDO" start opt
t "... the running domain has no such disk" sh -c "! '$NIDO' dumpxml opt | grep -q gone.img"
t "... nor has QEMU" sh -c "! '$NIDO' domblklist opt | grep -q vdb"
t_out "... its definition keeps it" "startupPolicy='optional'" "$NIDO" dumpxml --inactive opt
t "nidod's log says it dropped the disk" grep -q "disk 'vdb' dropped: its source '$tmp/gone.img' is not there" "$tmp/nidod.log"
"$NIDO" destroy opt >/dev/null
t_out "... and has it again once stopped" "<source file='$tmp/gone.img' startupPolicy='optional'/>" \
	"$NIDO" dumpxml opt
sed -i "s|startupPolicy='optional'|startupPolicy='mandatory'|" "$tmp/opt.xml"
"$NIDO" define "$tmp/opt.xml" >/dev/null
t_err "a mandatory one fails the start, naming the file" "gone.img" "$NIDO" start opt

# 3D on a virtio card: QEMU's virtio-vga-gl, which needs QEMU's GL
# module and an OpenGL display: without them the start fails, naming it.
cat >"$tmp/gl.xml" <<XML
<domain type='qemu'>
  <name>gl</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices><video><model type='virtio' heads='1'><acceleration accel3d='yes'/></model></video></devices>
</domain>
XML
t_out "a virtio card with accel3d is defined" "Domain 'gl' defined" "$NIDO" define "$tmp/gl.xml"
t_out "... dumpxml keeps it" "<acceleration accel3d='yes'/>" "$NIDO" dumpxml gl
if out=$("$NIDO" start gl 2>&1); then
	ok "... QEMU runs its virtio-vga-gl (an OpenGL display here)"
	"$NIDO" destroy gl >/dev/null
elif [[ $out == *virtio-vga-gl* || $out == *virtio-gpu-gl* || $out == *opengl* ]]; then
	ok "... without QEMU's GL module or an OpenGL display the start fails, naming it"
else
	not_ok "... without QEMU's GL module or an OpenGL display the start fails, naming it" "$out"
fi

sed -e "s|<name>opts</name>|<name>tseg</name>|" \
	-e "s|<acpi/>|<acpi/><smm state='on'><tseg unit='MiB'>48</tseg></smm>|" \
	"$tmp/opts.xml" >"$tmp/tseg.xml"
t_err "a TSEG size on a PC is refused" "SMM's TSEG size is the Q35 MCH's, machine 'pc' has none" \
	"$NIDO" define "$tmp/tseg.xml"
done_testing
