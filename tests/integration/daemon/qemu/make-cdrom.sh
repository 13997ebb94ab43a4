#!/usr/bin/env bash
# Makes the tests' ISO: El Torito, no emulation, its boot code
# cdboot.S (it says NIDO-CD-BOOT on COM1, and installs a system saying
# NIDO-DISK-BOOT on a blank first hard disk). Also writes that system
# alone to DISK when given (a disk already installed).
#
# Usage: make-cdrom.sh OUT.iso [DISK]
# Exit status 77: a tool is missing (the reason on stderr).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
missing() { echo "make-cdrom: $*" >&2; exit 77; }
command -v as >/dev/null || missing "no as (binutils)"
command -v ld >/dev/null || missing "no ld (binutils)"
command -v xorriso >/dev/null || missing "no xorriso (apt-get install xorriso)"

work=$(mktemp -d /tmp/nido-cdrom.XXXXXX)
trap 'rm -rf "$work"' EXIT
as --32 -o "$work/cdboot.o" "$here/cdboot.S"
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$work/cdboot.bin" "$work/cdboot.o"
mkdir "$work/iso"
cp "$work/cdboot.bin" "$work/iso/boot.bin"
xorriso -as mkisofs -quiet -V NIDO_TEST -b boot.bin -no-emul-boot \
	-boot-load-size 4 -o "$1" "$work/iso" 2>/dev/null
if [ $# -gt 1 ]; then
	truncate -s 1M "$2"
	dd if="$work/cdboot.bin" of="$2" bs=512 skip=1 count=1 conv=notrunc status=none
fi
