# Layer 1 runs QEMU's microvm on its /dev/kvm with the layer-2 kernel and
# initramfs: layer 2's init runs a test script that checks its virtio
# devices and writes a result that comes back through a virtio disk.
# Needs no nido code: it proves the harness, and QEMU is the peer that
# nido-vmm is later measured against.
# nested-timeout: 420

[ -c /dev/kvm ] || fail "layer 1 has no /dev/kvm"
say "layer 1:$(grep -m 1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) vCPU, kvm_amd npt=$(cat /sys/module/kvm_amd/parameters/npt)"
out_img=$NIDO_WORK/out.img
truncate -s 4M "$out_img"

l2_initrd "$NIDO_WORK/initrd" - <<'SCRIPT'
echo "hello from layer 2 ($(uname -r), $(nproc) CPU)"
grep -q hypervisor /proc/cpuinfo || { echo "no hypervisor flag"; exit 1; }
ls /sys/bus/virtio/devices
[ -b /dev/vda ] || { echo "no virtio disk /dev/vda"; exit 1; }
[ -e /dev/hwrng ] || { echo "no virtio rng"; exit 1; }
head -c 16 /dev/hwrng | od -An -tx1 >rng.txt
echo layer-2-was-here >result.txt
SCRIPT

l2_boot qemu-microvm 180 qemu_microvm "$NIDO_WORK/initrd" \
	"$(l2_cmdline nido.outdev=vda)" \
	-drive "file=$out_img,format=raw,if=none,id=out" \
	-device virtio-blk-device,drive=out \
	-device virtio-rng-device ||
	fail "QEMU microvm did not run layer 2's test script"

mkdir -p "$NIDO_WORK/out"
tar -xf "$out_img" -C "$NIDO_WORK/out" ||
	fail "layer 2's results disk holds no tar archive"
[ "$(cat "$NIDO_WORK/out/result.txt")" = layer-2-was-here ] ||
	fail "layer 2's result did not come back through its virtio disk"
cp "$NIDO_WORK/out/result.txt" "$NIDO_RESULTS/"
say "layer 2's result came back: $(cat "$NIDO_WORK/out/result.txt")"
