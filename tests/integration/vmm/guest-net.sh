#!/usr/bin/env bash
# virtio-net on a tap in a private network namespace: the guest resolves
# the host end with ARP and pings it. Also: a missing tap is refused, and
# the tap is left as it was (nido-vmm never creates or deletes taps).
. "$(dirname "$0")/lib.sh"
need_kvm
[ "$(id -u)" -eq 0 ] || skip_all "needs root for a network namespace"
command -v ip >/dev/null || skip_all "iproute2 (ip) is not installed"
[ -c /dev/net/tun ] || skip_all "no /dev/net/tun"

ns=nido-vmm-test-$$
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
ip netns add "$ns" || skip_all "cannot create a network namespace"
ip -n "$ns" tuntap add dev tap0 mode tap
ip -n "$ns" addr add 10.0.2.1/24 dev tap0
ip -n "$ns" link set tap0 up
ip -n "$ns" link set lo up

ip netns exec "$ns" timeout -s KILL 120 "$vmm" --kernel "$guests/guest-net" \
	--memory 64 --net tap=tap0,mac=52:54:00:12:34:56 </dev/null \
	>"$tmp/out" 2>"$tmp/err"
status=$?
out=$(tr -d '\r' <"$tmp/out")
guest_tap net
[ "$status" -eq 0 ]
ok $? "virtio-net guest powers off with status 0 (got $status)"
grep -q 'MAC 52:54:0:12:34:56' <<<"$out"
ok $? "the MAC given with --net reaches the guest"
rx=$(ip -n "$ns" -s link show tap0 | awk '/RX:/ { getline; print $2; exit }')
[ "${rx:-0}" -ge 2 ]
ok $? "the host's end of the tap received the guest's frames ($rx packets)"
ip -n "$ns" link show tap0 >/dev/null 2>&1
ok $? "the tap still exists after nido-vmm exits"

ip netns exec "$ns" timeout -s KILL 30 "$vmm" --kernel "$guests/guest-net" \
	--memory 64 --net tap=nosuchtap </dev/null >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] && [ "$(grep -c . "$tmp/err")" -eq 1 ] &&
	grep -q "tap 'nosuchtap' does not exist" "$tmp/err"
ok $? "a missing tap: one line, status 1 ($(cat "$tmp/err"))"
! ip -n "$ns" link show nosuchtap >/dev/null 2>&1
ok $? "no tap was created for it"
done_testing
