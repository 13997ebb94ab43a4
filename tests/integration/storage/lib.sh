# shellcheck shell=bash
# Helpers of the storage tests, after the daemon's (../daemon/lib.sh: a
# private nidod on temporary directories, TAP output): exact output,
# qemu-img's view of a volume, and the daemon's event watcher.
. "$(dirname "$0")/../daemon/lib.sh"

if ! command -v qemu-img >/dev/null || ! command -v qemu-io >/dev/null; then
	echo "1..0 # SKIP needs qemu-img and qemu-io (qemu-utils)"
	exit 0
fi

# t_exact DESC EXPECTED CMD...: CMD prints exactly EXPECTED.
t_exact() {
	local desc=$1 want=$2 out
	shift 2
	out=$("$@" 2>&1)
	[ "$out" = "$want" ] && ok "$desc" ||
		not_ok "$desc" "expected: $want" "got: $out"
}

# t_not DESC UNWANTED CMD...: CMD's output does not hold UNWANTED.
t_not() {
	local desc=$1 bad=$2 out
	shift 2
	out=$("$@" 2>&1)
	[[ $out != *"$bad"* ]] && ok "$desc" || not_ok "$desc" "got: $out"
}

# qinfo PATH FIELD: a field of qemu-img info's JSON ("format", ...).
qinfo() {
	qemu-img info -U --output=json "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$2"
}

# qcheck PATH: qemu-img check finds no error in a qcow2 volume.
qcheck() {
	qemu-img check -U "$1" >/dev/null 2>&1
}
