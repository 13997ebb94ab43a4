#!/usr/bin/env bash
# Makes a disk a PC's BIOS boots: an MBR (syslinux's boot code, one
# bootable Linux partition from sector 2048), an ext2 file system on it
# holding Debian's kernel (the nested tests' cache, guest-material.sh)
# and a busybox initramfs whose /init is ./init, and extlinux installed
# in it. Mounting the file system to install extlinux needs root.
#
# Usage: make-bios-disk.sh OUT
# NIDO_BIOS_EXTRA, when set, is a directory whose content is added to
# the initramfs (a test's own programs; ./init starts its
# /etc/nido-extra when executable).
# NIDO_BIOS_INITRD, when set, is where a copy of the initramfs goes (for
# a direct kernel boot of the same system).
# Exit status 77: something the disk needs is missing (the reason on
# stderr); 1: an error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../../.." && pwd)
out=$1
MBR=/usr/lib/syslinux/mbr/mbr.bin
PART_START=2048 # sectors
PART_MIB=48

missing() { echo "make-bios-disk: $*" >&2; exit 77; }

[ "$(id -u)" -eq 0 ] || missing "not root: mounting the file system for extlinux needs root"
command -v extlinux >/dev/null || missing "no extlinux (apt-get install extlinux)"
[ -r "$MBR" ] || missing "no $MBR (apt-get install syslinux-common)"
command -v mke2fs >/dev/null || missing "no mke2fs (e2fsprogs)"
command -v busybox >/dev/null || missing "no busybox (busybox-static)"
material=$("$top/scripts/lib/guest-material.sh" --quiet) ||
	missing "no guest material (scripts/lib/guest-material.sh failed)"
# shellcheck disable=SC1091
. "$material/env.sh"

work=$(mktemp -d /tmp/nido-biosdisk.XXXXXX)
trap 'umount "$work/mnt" 2>/dev/null || true; rm -rf "$work"' EXIT

# The initramfs: busybox, ./init, the power button's modules, the e1000
# card's (the init asks DHCP for an address when it has a card).
root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,etc,lib/modules/"$NIDO_GUEST_KVER"}
cp "$(command -v busybox)" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$here/init" "$root/init"
echo "$NIDO_GUEST_KVER" >"$root/etc/kernel-release"
if [ -n "${NIDO_BIOS_EXTRA:-}" ]; then
	cp -a "$NIDO_BIOS_EXTRA/." "$root/"
fi
for m in input/evdev acpi/button net/ethernet/intel/e1000/e1000; do
	cp "$NIDO_GUEST_MODULES/$NIDO_GUEST_KVER/kernel/drivers/$m.ko" \
		"$root/lib/modules/$NIDO_GUEST_KVER/"
done
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
	gzip -6 >"$work/initrd.gz"
[ -z "${NIDO_BIOS_INITRD:-}" ] || cp "$work/initrd.gz" "$NIDO_BIOS_INITRD"

# The file system's content, then the file system.
fs=$work/fs
mkdir -p "$fs/boot/extlinux"
cp "$L2_KERNEL" "$fs/boot/vmlinuz"
cp "$work/initrd.gz" "$fs/boot/initrd.gz"
cat >"$fs/boot/extlinux/extlinux.conf" <<CONF
DEFAULT linux
PROMPT 0
TIMEOUT 1
LABEL linux
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.gz
  APPEND console=ttyS0 quiet panic=-1
CONF
mke2fs -q -F -t ext2 -L nidoboot -d "$fs" "$work/part.img" "${PART_MIB}M" >/dev/null
mkdir "$work/mnt"
mount -o loop "$work/part.img" "$work/mnt"
extlinux --install "$work/mnt/boot/extlinux" >/dev/null 2>&1
umount "$work/mnt"

# The disk: boot code, one partition entry (bootable, type 0x83, LBA
# start and length, little-endian), the signature; then the partition.
sectors=$((PART_MIB * 2048))
le32() { printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) \
	$((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
rm -f "$out"
truncate -s $(((PART_START + sectors) * 512)) "$out"
dd if="$MBR" of="$out" bs=440 count=1 conv=notrunc status=none
# shellcheck disable=SC2059
printf "\\x80\\xfe\\xff\\xff\\x83\\xfe\\xff\\xff$(le32 $PART_START)$(le32 $sectors)" |
	dd of="$out" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$out" bs=1 seek=510 conv=notrunc status=none
dd if="$work/part.img" of="$out" bs=1M seek=1 conv=notrunc status=none
