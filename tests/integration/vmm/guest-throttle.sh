#!/usr/bin/env bash
# Disk I/O throttling (<iotune>): guests/blkload reads 4 MiB and writes
# 1 MiB in 64 KiB requests, one at a time. Under a limit the run cannot
# take less than the data (or the requests) divided by the rate: a lower
# bound, which a slow machine cannot break. While a throttled guest runs,
# the control socket's stats count the requests that waited.
. "$(dirname "$0")/lib.sh"
need_kvm

truncate -s 8M "$tmp/disk.raw"
timed() { # nido-vmm options...: runs blkload; sets $elapsed (seconds)
	local s e
	s=$(date +%s.%N)
	run_guest blkload "$@"
	e=$(date +%s.%N)
	elapsed=$(echo "$e - $s" | bc)
}
at_least() { [ "$(echo "$1 >= $2" | bc)" = 1 ]; }

timed --disk "$tmp/disk.raw,format=raw"
t0=$elapsed
guest_tap blkload
if ! at_least 2.5 "$t0"; then
	echo "1..$tap_n # SKIP an unthrottled run took ${t0}s here: too slow to tell"
	exit 0
fi

# bytes: 4 MiB at 2 MiB/s and 1 MiB at 512 KiB/s, less two bursts of a
# tenth of a second: at least 3.7 s; asserted 3 s.
timed --disk "$tmp/disk.raw,read_bytes_sec=2097152,write_bytes_sec=524288,format=raw"
t=$elapsed
[ "$status" -eq 0 ] && grep -q "^ok 4 - wrote 1 MiB" <<<"$out"
ok $? "throttled by bytes, the guest still does all its I/O"
at_least "$t" 3
ok $? "read_bytes_sec and write_bytes_sec hold it back (${t}s, >= 3 s; unthrottled ${t0}s)"

# operations: 80 requests at 20 per second: at least 3.9 s. The stats
# are read while it runs.
sock=$tmp/api.sock
s=$(date +%s.%N)
timeout -s KILL 60 "$vmm" --kernel "$guests/guest-blkload" --memory 64 \
	--console none --api "unix:$sock" \
	--disk "$tmp/disk.raw,total_iops_sec=20,format=raw" </dev/null >"$tmp/out" 2>&1 &
pid=$!
throttled=0
for _ in $(seq 50); do
	sleep 0.1
	[ -S "$sock" ] || continue
	throttled=$(api '{"command":"stats"}' | python3 -c "
import json, sys
r = json.load(sys.stdin)
print(sum(d.get('throttled', 0) for d in r['devices'] if d['name'] == 'virtio-blk'))" 2>/dev/null || echo 0)
	[ "${throttled:-0}" -gt 0 ] && break
done
wait "$pid"
st=$?
e=$(date +%s.%N)
t=$(echo "$e - $s" | bc)
[ "$st" -eq 0 ]
ok $? "throttled by operations, the guest powers off (status $st)"
at_least "$t" 3
ok $? "total_iops_sec holds it back (${t}s, >= 3 s)"
[ "${throttled:-0}" -gt 0 ]
ok $? "the control socket counts the requests that waited ($throttled)"

# bad limits
"$vmm" --kernel "$guests/guest-blkload" --disk "$tmp/disk.raw,total_bytes_sec=1,read_bytes_sec=2,format=raw" >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "total_bytes_sec cannot be set with" "$tmp/err"
ok $? "a total limit with a read limit is refused"
"$vmm" --kernel "$guests/guest-blkload" --disk "$tmp/disk.raw,read_iops_sec=lots,format=raw" >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "read_iops_sec must be a number" "$tmp/err"
ok $? "a limit that is not a number is refused"
echo '{"kernel": "'"$guests/guest-blkload"'", "disks": [{"path": "'"$tmp/disk.raw"'", "iotune": {"read_bytes_per_sec": 5}}]}' >"$tmp/bad.json"
"$vmm" --config "$tmp/bad.json" >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "unknown iotune key 'read_bytes_per_sec'" "$tmp/err"
ok $? "an unknown iotune key in --config is refused"
done_testing
