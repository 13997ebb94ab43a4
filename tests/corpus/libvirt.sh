#!/usr/bin/env bash
# libvirt's own test files, for the tests that check nido against them
# (tests/unit/daemon/test_network_corpus.c: tests/networkxml2xmlin and
# networkxml2xmlout). They are not copied into this repository: this
# script downloads libvirt 9.0's source (Debian 12's version) from
# Debian's archive once, checks it against the SHA-256 Debian's
# libvirt_9.0.0-4+deb12u2.dsc lists for it, keeps it in a cache outside
# the source tree and extracts the directories asked for.
#
# Usage: tests/corpus/libvirt.sh [--quiet] DIR...
#   DIR: a directory under the tarball's tests/ (networkxml2xmlin,
#   qemuxml2argvdata, ...). Symbolic links in it that point elsewhere in
#   the tarball (libvirt links some networkxml2xmlin files to
#   networkxml2confdata) are replaced by the files they point to.
# Prints the directory holding the extracted DIRs (a copy of the
# tarball's tests/). On failure prints the reason on stderr and exits 1:
# a test that needs the files reports it as its skip reason.
#
# Environment: NIDO_CACHE_DIR overrides the cache root (default
# $XDG_CACHE_HOME/nido/corpus, /var/cache/nido/corpus as root,
# ~/.cache/nido/corpus otherwise); NIDO_LIBVIRT_TARBALL names a local
# copy of the tarball instead of downloading it (checked all the same).
set -euo pipefail

VERSION=9.0.0
TARBALL=libvirt_$VERSION.orig.tar.xz
URL=http://deb.debian.org/debian/pool/main/libv/libvirt/$TARBALL
SHA256=deca5cff1b7baac297bca9663907c61f71a47183371dc7ac019c107806d5435a
TOP=libvirt-$VERSION

quiet=false
[ "${1:-}" = --quiet ] && { quiet=true; shift; }
say() { $quiet || echo "libvirt-corpus: $*" >&2; }
die() { echo "libvirt-corpus: $*" >&2; exit 1; }

[ $# -gt 0 ] || die "usage: $0 [--quiet] DIR..."
for d in "$@"; do
	# Names of directories under tests/, nothing that climbs out.
	[[ $d =~ ^[A-Za-z0-9_.-]+$ && $d != . && $d != .. ]] ||
		die "'$d' is not a directory name of libvirt's tests/"
done

cache_root()
{
	if [ -n "${NIDO_CACHE_DIR:-}" ]; then
		echo "$NIDO_CACHE_DIR"
	elif [ -n "${XDG_CACHE_HOME:-}" ]; then
		echo "$XDG_CACHE_HOME/nido/corpus"
	elif [ "$(id -u)" -eq 0 ]; then
		echo /var/cache/nido/corpus
	else
		echo "$HOME/.cache/nido/corpus"
	fi
}

for t in xz tar sha256sum; do
	command -v $t >/dev/null || die "'$t' is not installed"
done
cache=$(cache_root)
mkdir -p "$cache" || die "cannot create the cache directory '$cache'"
# One writer at a time: tests may run side by side.
exec 9>"$cache/.lock"
flock 9

tarball=$cache/$TARBALL
verified()
{
	[ -f "$1" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$SHA256" ]
}
if ! verified "$tarball"; then
	rm -f "$tarball"
	if [ -n "${NIDO_LIBVIRT_TARBALL:-}" ]; then
		cp "$NIDO_LIBVIRT_TARBALL" "$tarball.part" ||
			die "cannot copy '$NIDO_LIBVIRT_TARBALL'"
	else
		command -v curl >/dev/null || die "'curl' is not installed"
		say "downloading $URL"
		curl -fsS --retry 2 --connect-timeout 20 -m 600 -o "$tarball.part" "$URL" ||
			{ rm -f "$tarball.part"; die "cannot download $URL"; }
	fi
	verified "$tarball.part" ||
		{ rm -f "$tarball.part"; die "$TARBALL does not have the SHA-256 of Debian's $TARBALL ($SHA256)"; }
	mv "$tarball.part" "$tarball"
fi

out=$cache/$TOP/tests
# extract NAME...: members under tests/ (directories or files).
extract()
{
	local members=() m
	for m in "$@"; do members+=("$TOP/tests/$m"); done
	tar -xJf "$tarball" -C "$cache" --no-same-owner "${members[@]}" 2>/dev/null
}
for d in "$@"; do
	[ -f "$out/.$d.done" ] && continue
	rm -rf "${out:?}/$d"
	extract "$d" || die "$TARBALL has no tests/$d"
	# Links to files elsewhere in tests/: extract those, then copy them
	# in place of the links, so that the directory stands alone.
	while IFS= read -r -d '' link; do
		target=$(readlink "$link")
		rel=$(realpath -m --relative-to="$out" "$(dirname "$link")/$target")
		[[ $rel != ../* && $rel != /* ]] ||
			die "tests/$d: link '$link' points outside tests/"
		[ -e "$out/$rel" ] || extract "$rel" ||
			die "tests/$d: '$link' points to '$rel', not in $TARBALL"
		cp --remove-destination "$out/$rel" "$link"
	done < <(find "$out/$d" -type l -print0)
	touch "$out/.$d.done"
done
say "libvirt $VERSION tests in $out"
echo "$out"
