#!/usr/bin/env bash
# Builds the guest material of the nested tests from Debian packages and
# caches it outside the build tree:
#   - Debian's kernel (linux-image-amd64's current version): the bzImage,
#     the uncompressed vmlinux cut out of it (for PVH boot), and its
#     modules with their depmod indexes;
#   - the layer-1 initramfs (busybox, virtio-pci, 9p, overlay, kvm,
#     kvm-amd; its /init is tests/nested/initramfs/layer1-init);
#   - the layer-2 initramfs (busybox, the virtio modules; its /init is
#     tests/nested/initramfs/layer2-init, which runs a test script).
# The kernel package is fetched with `apt-get download` and unpacked into
# the cache: installing it on the host would pull udev and initramfs-tools
# and touch systemd, for nothing the tests need.
#
# Usage: scripts/lib/guest-material.sh [--quiet]
# Prints the material's directory; its env.sh holds the paths (see
# tests/nested/README.md). The directory's name is a hash of the inputs
# (package versions, this script, the two inits), so a change of any of
# them builds a new one; the previous one is kept, older ones removed.
#
# Environment: NIDO_CACHE_DIR overrides the cache root (default
# $XDG_CACHE_HOME/nido/nested, /var/cache/nido/nested as root,
# ~/.cache/nido/nested otherwise).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
initdir=$top/tests/nested/initramfs
quiet=false
[ "${1:-}" = --quiet ] && quiet=true

say() { $quiet || echo "guest-material: $*" >&2; }
die() { echo "guest-material: error: $*" >&2; exit 1; }

# Modules each initramfs loads, in this order (their dependencies first).
L1_MODULES=(virtio_pci virtio-rng 9pnet_virtio 9p overlay kvm-amd)
L2_MODULES=(virtio_mmio virtio_pci virtio_blk virtio_net virtio_console
	virtio-rng virtio_balloon evdev button)

cache_root()
{
	if [ -n "${NIDO_CACHE_DIR:-}" ]; then
		echo "$NIDO_CACHE_DIR"
	elif [ -n "${XDG_CACHE_HOME:-}" ]; then
		echo "$XDG_CACHE_HOME/nido/nested"
	elif [ "$(id -u)" -eq 0 ]; then
		echo /var/cache/nido/nested
	else
		echo "$HOME/.cache/nido/nested"
	fi
}

check_tools()
{
	local missing=() t pkg
	for t in busybox:busybox-static depmod:kmod xz:xz-utils cpio:cpio \
		gzip:gzip apt-get:apt sha256sum:coreutils; do
		pkg=${t#*:}
		command -v "${t%%:*}" >/dev/null || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	die "missing packages: ${missing[*]} (run scripts/test as root, or: sudo apt-get install ${missing[*]})"
}

# The versioned kernel package that linux-image-amd64 points at, as
# "name version". Refreshes apt's lists once when they know nothing.
kernel_package()
{
	local pkg ver
	pkg=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends: .*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' |
		head -n 1)
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		say "apt knows no linux-image-amd64; running apt-get update"
		apt-get update -qq >/dev/null 2>&1 || true
		pkg=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
			sed -n 's/^Depends: .*\(linux-image-[0-9][^ ,]*-amd64\).*/\1/p' |
			head -n 1)
	fi
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1)
	[ -n "$ver" ] || return 1
	echo "$pkg $ver"
}

# Cuts the uncompressed ELF vmlinux out of a bzImage. The boot protocol
# header (2.08+) says where the compressed payload is: it starts
# payload_offset (at 0x248) bytes after the real-mode setup, which is
# (setup_sects + 1) * 512 bytes long (setup_sects at 0x1f1). Debian
# compresses the payload with xz.
extract_vmlinux() # bzImage, output
{
	local img=$1 out=$2 setup_sects off len magic
	magic=$(od -An -c -j 0x202 -N 4 "$img" | tr -d ' ')
	[ "$magic" = HdrS ] || die "$img is not a bzImage (no HdrS header)"
	setup_sects=$(od -An -tu1 -j 0x1f1 -N 1 "$img" | tr -d ' ')
	[ "$setup_sects" -eq 0 ] && setup_sects=4
	off=$(od -An -tu4 -j 0x248 -N 4 "$img" | tr -d ' ')
	len=$(od -An -tu4 -j 0x24c -N 4 "$img" | tr -d ' ')
	off=$(((setup_sects + 1) * 512 + off))
	magic=$(od -An -tx1 -j "$off" -N 6 "$img" | tr -d ' ')
	[ "$magic" = fd377a585a00 ] ||
		die "$img: payload at $off is not xz (magic $magic)"
	dd if="$img" iflag=skip_bytes,count_bytes skip="$off" count="$len" \
		bs=1M status=none | xz -dc --single-stream >"$out" ||
		die "$img: could not decompress the xz payload"
	magic=$(od -An -c -N 4 "$out" | tr -d ' ')
	[ "$magic" = 177ELF ] || die "$out: the decompressed payload is not ELF"
}

# Prints the .ko paths (relative to the modules dir) that load the named
# modules, dependencies first, each once. modules.dep lists the whole
# dependency closure of a module, the ones to load last first.
module_closure() # moddir, names...
{
	local moddir=$1 name line deps i path
	local -A seen=()
	shift
	for name in "$@"; do
		line=$(grep -E "/${name//[-_]/[-_]}\.ko(\.[a-z]+)?:" \
			"$moddir/modules.dep") || die "no module $name in $moddir"
		path=${line%%:*}
		read -r -a deps <<<"${line#*:}"
		for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
			[ -n "${seen[${deps[i]}]:-}" ] && continue
			seen[${deps[i]}]=1
			echo "${deps[i]}"
		done
		[ -n "${seen[$path]:-}" ] && continue
		seen[$path]=1
		echo "$path"
	done
}

# Writes a gzip'd newc initramfs: busybox, the modules, an init.
make_initramfs() # out, moddir, kver, init, modules...
{
	local out=$1 moddir=$2 kver=$3 init=$4 root ko
	shift 4
	root=$(mktemp -d "$work/initramfs.XXXXXX")
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,run,etc,lib/modules/"$kver"}
	cp "$(command -v busybox)" "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	install -m 755 "$init" "$root/init"
	module_closure "$moddir" "$@" >"$root/etc/modules.load"
	while read -r ko; do
		mkdir -p "$root/lib/modules/$kver/$(dirname "$ko")"
		cp "$moddir/$ko" "$root/lib/modules/$kver/$ko"
	done <"$root/etc/modules.load"
	echo "$kver" >"$root/etc/kernel-release"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) |
		gzip -6 >"$out"
	rm -rf "$root"
}

# Downloads the kernel package into $work/deb; returns 1 on failure
# (the error in $work/deb/err).
download() # package, version
{
	rm -rf "$work/deb"
	mkdir -p "$work/deb"
	say "downloading $1 $2"
	(cd "$work/deb" && apt-get download -q "$1=$2" >/dev/null 2>"$work/deb/err")
}

build() # dest, package, version
{
	local dest=$1 pkg=$2 ver=$3 kver
	mkdir -p "$dest/kernel"
	dpkg-deb -x "$work/deb/$pkg"_*.deb "$dest/root"
	rm -rf "$work/deb"
	kver=$(ls "$dest/root/lib/modules")
	if [ -z "$kver" ] || [ ! -f "$dest/root/boot/vmlinuz-$kver" ]; then
		die "$pkg has no kernel or modules where expected"
	fi
	mv "$dest/root/boot/vmlinuz-$kver" "$dest/kernel/bzImage"
	mv "$dest/root/boot/config-$kver" "$dest/kernel/config"
	rm -rf "$dest/root/boot" "$dest/root/usr"
	depmod -b "$dest/root" "$kver"
	extract_vmlinux "$dest/kernel/bzImage" "$dest/kernel/vmlinux"
	local moddir=$dest/root/lib/modules/$kver
	make_initramfs "$dest/layer1-initrd.gz" "$moddir" "$kver" \
		"$initdir/layer1-init" "${L1_MODULES[@]}"
	make_initramfs "$dest/layer2-initrd.gz" "$moddir" "$kver" \
		"$initdir/layer2-init" "${L2_MODULES[@]}"
	cat >"$dest/env.sh" <<-EOF
		# Generated by scripts/lib/guest-material.sh; paths of the guest material.
		NIDO_GUEST_DIR=$dest
		NIDO_GUEST_KVER=$kver
		NIDO_GUEST_MODULES=$dest/root/lib/modules
		L1_KERNEL=$dest/kernel/vmlinux
		L1_INITRD=$dest/layer1-initrd.gz
		L2_KERNEL=$dest/kernel/bzImage
		L2_VMLINUX=$dest/kernel/vmlinux
		L2_INITRD=$dest/layer2-initrd.gz
	EOF
}

main()
{
	local root pkgver pkg ver dest old
	check_tools
	root=$(cache_root)
	mkdir -p "$root"
	exec 9>"$root/.lock"
	flock 9
	if ! pkgver=$(kernel_package); then
		# Offline and apt knows nothing: the newest complete build will do.
		old=$(ls -td "$root"/*/.complete 2>/dev/null | head -n 1)
		[ -n "$old" ] || die "cannot resolve linux-image-amd64 with apt-cache (run apt-get update as root), and no cached build in $root"
		say "apt-cache cannot resolve linux-image-amd64; using the cached $(dirname "$old")"
		dirname "$old"
		return 0
	fi
	read -r pkg ver <<<"$pkgver"
	work=$(mktemp -d "$root/.build.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	dest=$root/$(input_key "$pkg" "$ver")
	if [ ! -f "$dest/.complete" ] && ! download "$pkg" "$ver"; then
		# Old lists name a version the mirror has dropped: refresh, retry.
		[ "$(id -u)" -eq 0 ] ||
			die "apt-get download $pkg=$ver failed: $(tail -n 3 "$work/deb/err")"
		say "download failed; running apt-get update and trying again"
		apt-get update -qq >/dev/null 2>&1 || true
		pkgver=$(kernel_package) || die "cannot resolve linux-image-amd64"
		read -r pkg ver <<<"$pkgver"
		dest=$root/$(input_key "$pkg" "$ver")
		[ -f "$dest/.complete" ] || download "$pkg" "$ver" ||
			die "apt-get download $pkg=$ver failed: $(tail -n 3 "$work/deb/err")"
	fi
	if [ ! -f "$dest/.complete" ]; then
		say "building guest material in $dest"
		build "$work/out" "$pkg" "$ver"
		input_list "$pkg" "$ver" >"$work/out/inputs.txt"
		touch "$work/out/.complete"
		rm -rf "$dest"
		# Paths in env.sh name the final place.
		sed -i "s|$work/out|$dest|g" "$work/out/env.sh"
		mv "$work/out" "$dest"
		# Keep the previous one too: a run may still be using it.
		find "$root" -mindepth 1 -maxdepth 1 -type d ! -name '.*' \
			-printf '%T@ %p\n' | sort -rn | tail -n +3 | cut -d' ' -f2- |
			while IFS= read -r old; do rm -rf "$old"; done
		say "done"
	fi
	echo "$dest"
}

# What the material is made of; its hash names the material's folder.
input_list() # package, version
{
	printf '%s\n' "kernel $1 $2" \
		"busybox $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || busybox | head -n 1)" \
		"script $(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-64)" \
		"layer1-init $(sha256sum <"$initdir/layer1-init" | cut -c1-64)" \
		"layer2-init $(sha256sum <"$initdir/layer2-init" | cut -c1-64)"
}

input_key() { input_list "$@" | sha256sum | cut -c1-16; }

main "$@"
