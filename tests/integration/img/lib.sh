# shellcheck shell=bash
# TAP helpers for the nido img tests. Sourced; sets N (nido), IO
# (img-io), T (a scratch directory removed on exit).
set -u
N=${NIDO_BUILD_DIR:?}/src/cli/nido
IO=$NIDO_BUILD_DIR/tests/integration/img/img-io
T=$(mktemp -d "${TMPDIR:-/tmp}/nido-img.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
tap_n=0 tap_failed=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() {
	tap_n=$((tap_n + 1)) tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}
# t DESCRIPTION CMD...: passes when CMD exits 0; shows its output if not.
t() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else
		not_ok "$desc"
		printf '%s\n' "$out" | head -n 30 | sed 's/^/# /'
	fi
}
# t_rc DESCRIPTION WANT CMD...: passes when CMD exits with WANT.
t_rc() {
	local desc=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else
		not_ok "$desc (exit $rc, want $want)"
		printf '%s\n' "$out" | head -n 30 | sed 's/^/# /'
	fi
}
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }

# qcheck IMG...: qemu-img check reports no errors and no leaks.
qcheck() { local f; for f; do qemu-img check -q "$f" || return 1; done; }
# same_raw A B: both images read the same through qemu-img and nido.
same_content() {
	local a=$1 b=$2
	qemu-img convert -O raw "$a" "$T/.a.raw" && "$N" img convert -O raw "$b" "$T/.b.raw" &&
		cmp "$T/.a.raw" "$T/.b.raw"
}
# hostile_bitmaps DIR: DIR/bitmaps-*.qcow2, a qcow2 with two bitmaps
# made by qemu-img and its hostile variants (mkbitmaps.py).
hostile_bitmaps() {
	qemu-img create -q -f qcow2 -o cluster_size=512 "$T/.good.qcow2" 64k &&
		qemu-img bitmap --add -g 512 "$T/.good.qcow2" b1 &&
		qemu-img bitmap --add -g 4k --disable "$T/.good.qcow2" b2 &&
		qemu-io -c 'write -P 1 0 512' "$T/.good.qcow2" >/dev/null &&
		mkdir -p "$1" &&
		python3 "$(dirname "${BASH_SOURCE[0]}")/mkbitmaps.py" "$T/.good.qcow2" "$1"
}
have_qemu() { command -v qemu-img >/dev/null && command -v qemu-io >/dev/null; }
export N IO T
export -f qcheck same_content
