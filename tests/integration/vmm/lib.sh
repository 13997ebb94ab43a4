# shellcheck shell=bash
# Helpers of the nido-vmm integration tests: TAP output, running a guest
# from guests/ on this machine's /dev/kvm.
set -u
build=${NIDO_BUILD_DIR:?NIDO_BUILD_DIR is not set}
vmm=$build/src/vmm/nido-vmm
guests=$build/guests
tap_n=0
tap_failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() # cond-status, description
{
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

skip_all() # reason
{
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing()
{
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# Skips the whole script when KVM cannot run guests here.
need_kvm()
{
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] ||
		skip_all "no usable /dev/kvm"
}

# run_guest NAME [nido-vmm options...]: runs guests/NAME with a 60 s
# limit; sets $out (serial output, CRs removed), $err (stderr), $status.
run_guest()
{
	local name=$1
	shift
	timeout -s KILL 60 "$vmm" --kernel "$guests/guest-$name" --memory 64 \
		--console stdio "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
	out=$(tr -d '\r' <"$tmp/out")
	err=$(cat "$tmp/err")
}

# Re-emits the guest's own TAP lines ("ok N - ..."), renumbered, and
# checks that the guest printed its plan with every test passing.
guest_tap() # name
{
	local line desc plan
	while IFS= read -r line; do
		case $line in
		"ok "*)
			desc=${line#ok * - }
			ok 0 "$1: $desc"
			;;
		"not ok"*)
			desc=${line#not ok }
			ok 1 "$1: $desc"
			;;
		"#"*) echo "$line" ;;
		esac
	done <<<"$out"
	plan=$(grep -c '^1\.\.[0-9]' <<<"$out")
	[ "$plan" -eq 1 ]
	ok $? "$1: guest finished its plan"
}

# api REQUEST-JSON: sends one request to the control socket $sock and
# prints the reply line.
api()
{
	python3 - "$sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip())
PY
}
