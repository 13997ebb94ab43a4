#!/usr/bin/env bash
# A qemu domain's devices that share the host with the guest, in one TCG
# boot (docs/drivers.md): a host directory over virtio-9p and another
# over virtiofs (a virtiofsd nidod starts) that the guest's init mounts
# by their tags and reads a file from; a TPM 2.0 on
# tpm-crb run by a swtpm nidod starts (the guest's kernel finds it); an
# ivshmem-plain whose memory is /dev/shm/NAME, seen by the host; QEMU's
# own view of them (the guest's PCI devices). Then a TPM on a swtpm the
# user runs (type='external'); memory devices (dimm, nvdimm, virtio-pmem,
# virtio-mem) QEMU takes; what a start refuses by name: a passthrough
# TPM this host has not, a vsock without vhost_vsock, an encrypted TPM
# state (nido keeps no secrets).
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
QEMU=$(command -v qemu-system-x86_64 || true)
if [ -z "$QEMU" ]; then
	skip "the qemu driver's shared devices" "qemu-system-x86_64 is not installed (qemu-system-x86)"
	done_testing
	exit
fi
if ! command -v swtpm >/dev/null || ! command -v swtpm_setup >/dev/null; then
	skip "the qemu driver's shared devices" "swtpm is not installed (swtpm, swtpm-tools)"
	done_testing
	exit
fi

# The initramfs's additions: virtio PCI and 9p, loaded by
# /etc/nido-extra, which then mounts the share and says, every 2 s,
# what it read, whether the kernel found a TPM and an ivshmem device.
extra=$tmp/extra
material=yes
if guest_extra "$extra" drivers/virtio/virtio_ring drivers/virtio/virtio \
	drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci_modern_dev \
	drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache \
	net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/fuse/fuse fs/fuse/virtiofs; then
	cat >>"$extra/etc/nido-extra" <<'SH'
mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L share0 /mnt
mkdir -p /vfs && mount -t virtiofs vfs0 /vfs
# said again and again: the test's console may come later
while :; do
	echo "SHARE:$(cat /mnt/hello 2>&1)"
	echo "VIRTIOFS:$(cat /vfs/hello 2>&1)"
	echo "TPM:$(cat /sys/class/tpm/tpm0/tpm_version_major 2>&1)"
	echo "IVSHMEM:$(cat /sys/bus/pci/devices/*/device | grep -c 0x1110)"
	sleep 2
done
SH
else
	material=
fi
disk=$tmp/boot.img
NIDO_BIOS_EXTRA=$extra NIDO_BIOS_INITRD=$tmp/initrd.gz \
	"$here/qemu/make-bios-disk.sh" "$disk" 2>"$tmp/disk.err"
rc=$?
if [ $rc -eq 77 ] || [ -z "$material" ]; then
	skip "the qemu driver's shared devices" "$(cat "$tmp/disk.err")"
	done_testing
	exit
fi
t "the test makes a BIOS disk with the virtio, 9p and virtiofs drivers" test $rc -eq 0

# The share: readable by QEMU's identity (a sandbox user when root).
share=$tmp/share
mkdir -p "$share"
echo "from-the-host-$$" >"$share/hello"
vshare=$tmp/vshare
mkdir -p "$vshare"
echo "over-virtiofs-$$" >"$vshare/hello"
chmod 755 "$tmp" "$share"
chmod 644 "$share/hello"
shm=nido-test-shm-$$

# dev_xml NAME DEVICES: the boot disk, a serial console, DEVICES; guest
# memory shared (virtiofsd maps it).
dev_xml() {
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='hda' bus='ide'/></disk>
    <serial type='pty'/>
    $2
  </devices>
</domain>
XML
}

start_daemon
dev_xml share "<filesystem type='mount' accessmode='squash'>
      <source dir='$share'/><target dir='share0'/><readonly/></filesystem>
    <filesystem type='mount'><driver type='virtiofs' queue='1024'/>
      <binary><cache mode='always'/><sandbox mode='chroot'/></binary>
      <source dir='$vshare'/><target dir='vfs0'/></filesystem>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'>
      <active_pcr_banks><sha256/></active_pcr_banks></backend></tpm>
    <shmem name='$shm'><model type='ivshmem-plain'/><size unit='M'>2</size></shmem>" \
	>"$tmp/share.xml"
t_out "define: a 9p share, a virtiofs share, an emulated TPM, an ivshmem-plain" \
	"Domain 'share' defined" "$NIDO" define "$tmp/share.xml"
t "... with no warning" \
	sh -c "! '$NIDO' define '$tmp/share.xml' 2>&1 | grep -q warning"
t_out "dumpxml keeps the filesystem" "<filesystem type='mount' accessmode='squash'>" \
	"$NIDO" dumpxml share
t_out "... the TPM" "<backend type='emulator' version='2.0'>" "$NIDO" dumpxml share
t_out "... the shared memory" "<model type='ivshmem-plain'/>" "$NIDO" dumpxml share
t_out "start" "Domain 'share' started" "$NIDO" start share
t "... a swtpm runs for it" pgrep -f "swtpm socket --ctrl type=unixio,clientfd=3"
t "... a virtiofsd for the virtiofs share" pgrep -f "virtiofsd --fd=3 -o source=$vshare"
t "... its state was made under the state directory" \
	sh -c "ls '$NIDO_STATE_DIR'/qemu/swtpm/*/tpm2/tpm2-00.permall"
t "... the shared memory is /dev/shm/$shm, 2 MiB" \
	sh -c "[ \$(stat -c %s /dev/shm/$shm) -eq 2097152 ]"
# the guest's init says what it read on its console
seen() {
	local deadline=$((SECONDS + 240))
	while [ $SECONDS -lt $deadline ]; do
		out=$(printf 'hello\r' | timeout 10 "$NIDO" console share 2>&1)
		grep -q "$1" <<<"$out" && return 0
		[[ $out == *"not running"* ]] && return 1
		sleep 2
	done
	return 1
}
t "the guest mounts the share and reads the host's file" seen "SHARE:from-the-host-$$"
t "... and the virtiofs share's" seen "VIRTIOFS:over-virtiofs-$$"
t "the guest's kernel finds a TPM 2.0 (tpm-crb)" seen "TPM:2"
t "the guest sees one ivshmem device" seen "IVSHMEM:1"
t_out "destroy" "Domain 'share' destroyed" "$NIDO" destroy share
stopped() { ! pgrep -f "swtpm socket --ctrl type=unixio,clientfd=3" >/dev/null; }
t "... its swtpm ends with QEMU" wait_for 10 stopped
vfsd_gone() { ! pgrep -f "virtiofsd --fd=3 -o source=$vshare" >/dev/null; }
t "... its virtiofsd too" wait_for 10 vfsd_gone
t_out "undefine" "Domain 'share' has been undefined" "$NIDO" undefine share
t "... removes the TPM's state (persistent_state is not yes)" \
	sh -c "! ls -d '$NIDO_STATE_DIR'/qemu/swtpm/*/tpm2 2>/dev/null"
rm -f "/dev/shm/$shm"

# A swtpm the user runs: QEMU connects to its socket.
mkdir -p "$tmp/tpm"
swtpm socket --tpm2 --tpmstate dir="$tmp/tpm" \
	--ctrl type=unixio,path="$tmp/tpm/ctrl.sock",mode=0666 \
	--daemon --pid file="$tmp/tpm/pid" >"$tmp/swtpm.log" 2>&1
dev_xml ext "<tpm model='tpm-tis'><backend type='external'>
      <source type='unix' mode='connect' path='$tmp/tpm/ctrl.sock'/></backend></tpm>" \
	>"$tmp/ext.xml"
t_out "define: an external TPM" "Domain 'ext' defined" "$NIDO" define "$tmp/ext.xml"
t_out "start: QEMU connects to the user's swtpm" "Domain 'ext' started" "$NIDO" start ext
t "... and runs" state_is ext "running (booted)"
"$NIDO" destroy ext >/dev/null 2>&1
[ -f "$tmp/tpm/pid" ] && kill "$(cat "$tmp/tpm/pid")" 2>/dev/null

# Memory devices: QEMU takes them at start (no boot needed).
truncate -s 128M "$tmp/pmem" "$tmp/nvdimm"
chmod 666 "$tmp/pmem" "$tmp/nvdimm"
cat >"$tmp/mem.xml" <<XML
<domain type='qemu'>
  <name>mem</name>
  <maxMemory slots='4' unit='MiB'>2048</maxMemory>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <cpu><numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa></cpu>
  <devices>
    <memory model='dimm'><target><size unit='MiB'>128</size><node>0</node></target></memory>
    <memory model='nvdimm' access='shared'><source><path>$tmp/nvdimm</path></source>
      <target><size unit='MiB'>128</size><node>0</node><label><size unit='KiB'>128</size></label></target></memory>
    <memory model='virtio-pmem' access='shared'><source><path>$tmp/pmem</path></source>
      <target><size unit='MiB'>128</size></target></memory>
    <memory model='virtio-mem'><target><size unit='MiB'>256</size><node>0</node>
      <block unit='KiB'>2048</block><requested unit='MiB'>64</requested></target></memory>
  </devices>
</domain>
XML
t_out "define: dimm, nvdimm, virtio-pmem, virtio-mem" "Domain 'mem' defined" \
	"$NIDO" define "$tmp/mem.xml"
t_out "start: QEMU takes them" "Domain 'mem' started" "$NIDO" start mem
t "... and runs" state_is mem "running (booted)"
"$NIDO" destroy mem >/dev/null 2>&1

# What a start refuses by name.
sed -e "s|<name>mem</name>|<name>noacpi</name>|" -e "s|<features><acpi/></features>||" \
	"$tmp/mem.xml" >"$tmp/noacpi.xml"
t_out "define: DIMMs without ACPI (as libvirt defines them)" "Domain 'noacpi' defined" \
	"$NIDO" define "$tmp/noacpi.xml"
t_err "start: QEMU plugs DIMMs through ACPI" "QEMU plugs DIMMs through ACPI" \
	"$NIDO" start noacpi
if [ ! -e /dev/tpm0 ]; then
	dev_xml pt "<tpm><backend type='passthrough'/></tpm>" >"$tmp/pt.xml"
	t_out "define: a passthrough TPM" "Domain 'pt' defined" "$NIDO" define "$tmp/pt.xml"
	t_err "start: this host has no /dev/tpm0" "TPM device '/dev/tpm0'" \
		"$NIDO" start pt
fi
if [ ! -e /dev/vhost-vsock ]; then
	dev_xml vs "<vsock model='virtio'><cid auto='no' address='5'/></vsock>" >"$tmp/vs.xml"
	t_out "define: a vsock" "Domain 'vs' defined" "$NIDO" define "$tmp/vs.xml"
	t_err "start: this host has no vhost_vsock" "vsock device '/dev/vhost-vsock'" \
		"$NIDO" start vs
fi
dev_xml enc "<tpm><backend type='emulator' version='2.0'>
      <encryption secret='b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3'/></backend></tpm>" \
	>"$tmp/enc.xml"
t_out "define: an encrypted TPM state" "Domain 'enc' defined" "$NIDO" define "$tmp/enc.xml"
t_err "start: nido keeps no secrets" "nido keeps no secrets" "$NIDO" start enc

done_testing
