# nido-vmm boots Debian's kernel on layer 1's real KVM: 2 vCPUs, 256 MiB,
# a virtio-blk disk on a qcow2 image, virtio-net on a tap, virtio-rng.
# Layer 2 checks that it sees 2 CPUs and its devices, formats and mounts
# the disk, writes a file, syncs, pings the tap's host end, signals the
# boot timer and powers off through ACPI: nido-vmm must exit 0, and
# layer 1 then finds the file in the image.
# nested-timeout: 600

vmm=$(nido_vmm)
[ -c /dev/kvm ] || fail "layer 1 has no /dev/kvm"
"$vmm" --probe | grep -E '^(unmodified guest kernels|kvm flavour|KVM is)' |
	sed 's/^/  [probe] /'

img=$NIDO_WORK/disk.qcow2
qemu-img create -q -f qcow2 "$img" 64M || fail "qemu-img create"
modprobe tun 2>/dev/null || true
if [ ! -c /dev/net/tun ] && [ -e /sys/class/misc/tun/dev ]; then
	mkdir -p /dev/net
	mknod /dev/net/tun c 10 200
fi
ip tuntap add dev nidotap0 mode tap || fail "creating the tap"
ip addr add 10.0.2.1/24 dev nidotap0
ip link set nidotap0 up

# ext4 (which mounts ext2) and what it needs, from layer 2's kernel.
mods=$NIDO_WORK/mods
mkdir -p "$mods"
for m in lib/crc16 fs/mbcache fs/jbd2 crypto/crc32c_generic fs/ext4/ext4; do
	cp "/lib/modules/$NIDO_GUEST_KVER/kernel/$m.ko" "$mods/" 2>/dev/null ||
		cp "/lib/modules/$NIDO_GUEST_KVER/kernel/$m/$(basename "$m").ko" "$mods/" 2>/dev/null || true
done
[ -f "$mods/ext4.ko" ] || fail "no ext4 module for layer 2"

l2_initrd "$NIDO_WORK/initrd" - "$mods"/*.ko <<'SCRIPT'
echo "nproc: $(nproc)"
[ "$(nproc)" = 2 ] || { echo "expected 2 CPUs"; exit 1; }
grep -m1 MemTotal /proc/meminfo
ls /sys/bus/virtio/devices
[ -b /dev/vda ] || { echo "no virtio disk /dev/vda"; exit 1; }
echo "disk: $(cat /sys/block/vda/size) sectors, serial $(cat /sys/block/vda/serial 2>/dev/null)"
for m in crc16 mbcache jbd2 crc32c_generic ext4; do
	[ -f /test/$m.ko ] && insmod /test/$m.ko
done
mke2fs -q /dev/vda || { echo "mke2fs failed"; exit 1; }
mkdir -p /mnt
mount -t ext2 /dev/vda /mnt || { echo "mount failed"; exit 1; }
echo nido-nested-file-contents >/mnt/hello.txt
sync
umount /mnt || { echo "umount failed"; exit 1; }
[ -e /dev/hwrng ] || { echo "no virtio-rng"; exit 1; }
head -c 8 /dev/hwrng | od -An -tx1
devmem 0xd0000000 8 123 || echo "no devmem"
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 &&
	ping -c 2 -W 10 10.0.2.1 || { echo "ping failed"; exit 1; }
# Power off ourselves (init would reboot): the marker first.
echo "nido-l2: exit status 0"
poweroff -f
SCRIPT

# The kernel command line nido-vmm documents (docs/vmm.md).
cmdline="console=ttyS0 panic=-1 reboot=t init=/init pci=off i8042.noaux i8042.nomux i8042.dumbkbd"
run_nido()
{
	"$@"
	echo $? >"$NIDO_WORK/vmm.rc"
}
export -f run_nido
l2_boot nido-vmm 300 run_nido "$vmm" --kernel "$L2_VMLINUX" --initrd "$NIDO_WORK/initrd" \
	--cmdline "$cmdline" --cpus 2 --memory 256M \
	--disk "$img,format=qcow2,serial=nested0" --net tap=nidotap0 --rng ||
	fail "nido-vmm did not run layer 2's test script"
log=$NIDO_RESULTS/nido-vmm.log

# A kernel warning or bug on layer 2's console fails the test: a CPUID the
# kernel finds inconsistent (XSAVE sizes, say) shows up as one.
bad=$(grep -E '^\[ *[0-9.]+\] (WARNING: (CPU|at)|BUG: )' "$log" | head -3 || true)
[ -z "$bad" ] || fail "layer 2's kernel complained: $bad"
say "no kernel WARNING or BUG on layer 2's console"
# With 2 vCPUs the kernel checks that their TSCs are in step.
bad=$(grep -iE 'tsc.*(unstable|unsynchroni[sz]ed|warp)' "$log" | head -3 || true)
[ -z "$bad" ] || fail "layer 2's kernel does not trust its TSC: $bad"
say "layer 2's kernel trusts its TSC"
bt=$(sed -n 's/.*guest boot time: \([0-9]*\) us.*/\1/p' "$log")
[ -n "$bt" ] && metric nido-vmm.boot-timer "$((bt / 1000))" ms

rc=$(cat "$NIDO_WORK/vmm.rc")
[ "$rc" = 0 ] || fail "after the guest's poweroff nido-vmm exited with $rc, not 0"
say "the guest's poweroff ended nido-vmm with status 0"

qemu-img check -q "$img" || fail "qemu-img check fails on the image layer 2 wrote"
qemu-img convert -O raw "$img" "$NIDO_WORK/disk.raw"
got=$(debugfs -R 'cat /hello.txt' "$NIDO_WORK/disk.raw" 2>/dev/null)
[ "$got" = nido-nested-file-contents ] ||
	fail "the file layer 2 wrote is not in the image ($got)"
say "the file layer 2 wrote is in the qcow2 image"
