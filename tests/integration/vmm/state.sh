#!/usr/bin/env bash
# Save and restore (docs/state-format.md): guests/count.c counts,
# checksums its memory and writes its disk; the control socket's "save"
# (files passed as descriptors: the VMM is sandboxed) then
# "nido-vmm --restore" goes on counting from where it was, memory and
# disk consistent; a lazy and a copy restore of one file agree; a
# corrupt, truncated or foreign state file is refused by name and
# nothing starts; --describe-state shows the sections.
. "$(dirname "$0")/lib.sh"
need_kvm

sock=$tmp/api.sock
disk=$tmp/disk.img
state=$tmp/vm.state
mem=$tmp/vm.mem

# save_fds STATE MEM: "save" with both files passed as descriptors.
save_fds()
{
	python3 - "$sock" "$1" "$2" <<'PY'
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
fds = [os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600) for p in sys.argv[2:4]]
req = {"command": "save", "path": sys.argv[2], "memory": sys.argv[3]}
socket.send_fds(s, [json.dumps(req).encode() + b"\n"], fds)
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip())
PY
}

# wait_for FILE PATTERN: up to 60 s for a line matching PATTERN.
wait_for()
{
	for _ in $(seq 600); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# last_count FILE: the last number the guest printed whole (a save may
# stop the guest in the middle of a line: "count 7" of "count 704 sum").
last_count()
{
	grep -o '^count [0-9]* ' "$1" | tail -1 | cut -d' ' -f2
}

# restore OUT [options]: runs --restore of $state in the background.
restore()
{
	local out=$1
	shift
	rm -f "$sock"
	timeout -s KILL 120 "$vmm" --restore "$state" --console stdio \
		--api "unix:$sock" "$@" </dev/null >"$out" 2>"$out.err" &
	pid=$!
}

stop_vm()
{
	api '{"command": "power-off"}' >/dev/null
	wait "$pid"
}

truncate -s 1M "$disk"
timeout -s KILL 120 "$vmm" --kernel "$guests/guest-count" --memory 64 \
	--cpus 2 --disk "$disk,format=raw" --api "unix:$sock" \
	--console stdio </dev/null >"$tmp/run" 2>"$tmp/run.err" &
pid=$!
wait_for "$tmp/run" '^count 640 '
ok $? "the guest counts"

r=$(save_fds "$state" "$mem")
grep -q '"ok":true' <<<"$r"
ok $? "save through the control socket ($r)"
api '{"command": "status"}' | grep -q '"state":"paused"'
ok $? "the VM stays paused after the save"
saved=$(last_count "$tmp/run")
cp --sparse=always "$disk" "$tmp/disk.saved"
sleep 0.5
[ -n "$saved" ] && [ "$(last_count "$tmp/run")" = "$saved" ]
ok $? "nothing runs after the save (count $saved)"
r=$(python3 - "$sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"command": "save", "path": "/x", "memory": "/y"}\n')
print(s.recv(4096).decode().strip())
PY
)
grep -q 'sandboxed.*SCM_RIGHTS' <<<"$r"
ok $? "a sandboxed VMM refuses to open files for a save ($r)"
stop_vm

out=$("$vmm" --describe-state "$state" 2>&1)
st=$?
[ $st -eq 0 ] && grep -q '^valid$' <<<"$out" &&
	grep -q 'vcpu0 .*checksum ok' <<<"$out" &&
	grep -q 'vcpu1 .*checksum ok' <<<"$out" &&
	grep -q 'virtio0 .*checksum ok' <<<"$out" &&
	grep -q 'items: .*regs.*lapic.*msrs' <<<"$out" &&
	grep -q 'items: clock pic-master pic-slave ioapic pit' <<<"$out"
ok $? "--describe-state lists the sections, vCPUs and devices"

# continuous FILE...: the guest's output, end to end, counts 64, 128, ...
# without a gap or a restart (a save may fall in the middle of a line:
# the restored guest writes the rest of it).
continuous()
{
	cat "$@" | grep -o '^count [0-9]*' |
		awk '$2 != NR * 64 { exit 1 } END { exit NR < 20 }' &&
		[ "$(cat "$@" | grep -c '^counting')" -eq 1 ]
}

# Two restores of one file: lazy (the default), then copy.
for mode in lazy copy; do
	cp --sparse=always "$tmp/disk.saved" "$disk"
	restore "$tmp/$mode" --restore-mode "$mode"
	wait_for "$tmp/$mode" "^count $((saved + 1280)) "
	ok $? "$mode restore: the guest goes on counting"
	continuous "$tmp/run" "$tmp/$mode"
	ok $? "$mode restore: counting resumes where it was saved ($saved), not from 1"
	! grep -q BAD "$tmp/$mode"
	ok $? "$mode restore: memory and disk consistent (the guest checks)"
	stop_vm
	ok $? "$mode restore: powers off cleanly"
done
cmp -s <(head -20 "$tmp/lazy") <(head -20 "$tmp/copy")
ok $? "the lazy and the copy restore of one file agree"

# The guest's checks can fail: a disk that moved on since the save.
restore "$tmp/moved"
wait_for "$tmp/moved" '^BAD disk content'
ok $? "a disk that moved on since the save is caught by the guest"
stop_vm

# Without the sandbox nido-vmm opens the files itself (and, in the
# sanitizer build, LeakSanitizer checks both runs at exit).
cp --sparse=always "$tmp/disk.saved" "$disk"
restore "$tmp/ns1" --no-sandbox
wait_for "$tmp/ns1" "^count $((saved + 640)) "
r=$(api "{\"command\": \"save\", \"path\": \"$tmp/ns.state\", \"memory\": \"$tmp/ns.mem\"}")
grep -q '"ok":true' <<<"$r"
ok $? "save by path without the sandbox ($r)"
stop_vm
ok $? "the VM saved by path powers off cleanly"
cp "$state" "$tmp/keep.state"
state=$tmp/ns.state
restore "$tmp/ns2" --no-sandbox --restore-mode copy
wait_for "$tmp/ns2" "^count $((saved + 1280)) "
continuous "$tmp/run" "$tmp/ns1" "$tmp/ns2"
ok $? "a restore of a restored guest's save goes on counting"
stop_vm
ok $? "... and powers off cleanly"
state=$tmp/keep.state

# One file for both, as nidod's save files have it (docs/snapshots.md):
# a header of the caller's in the first 4096 bytes, left alone; RAM from
# 4096; the state after RAM (64 MiB). Restored with the offsets.
one=$tmp/one.save
moff=4096
soff=$((4096 + 64 * 1048576))
cp --sparse=always "$tmp/disk.saved" "$disk"
restore "$tmp/one1"
wait_for "$tmp/one1" "^count $((saved + 640)) "
printf 'NidoHeader' >"$one"
r=$(python3 - "$sock" "$one" "$moff" "$soff" <<'PY'
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
fd = os.open(sys.argv[2], os.O_RDWR)
req = {"command": "save", "path": sys.argv[2], "memory": sys.argv[2],
       "memory_offset": int(sys.argv[3]), "offset": int(sys.argv[4])}
socket.send_fds(s, [json.dumps(req).encode() + b"\n"], [fd, fd])
print(s.recv(65536).decode().strip())
PY
)
grep -q '"ok":true' <<<"$r" && [ "$(head -c 10 "$one")" = NidoHeader ]
ok $? "save into one file at offsets, its first bytes kept ($r)"
stop_vm
cp --sparse=always "$disk" "$tmp/disk.one"
at=$(last_count "$tmp/one1")
kept=$state
state=$one
for mode in lazy copy; do
	cp --sparse=always "$tmp/disk.one" "$disk"
	restore "$tmp/one-$mode" --restore-offset "$soff" \
		--restore-memory "$one" --restore-memory-offset "$moff" \
		--restore-mode "$mode"
	wait_for "$tmp/one-$mode" "^count $((at + 640)) "
	ok $? "$mode restore from one file at offsets: the guest counts"
	continuous "$tmp/run" "$tmp/one1" "$tmp/one-$mode" &&
		! grep -q BAD "$tmp/one-$mode"
	ok $? "$mode restore from one file at offsets: from where it was saved"
	stop_vm
done
state=$kept

# refused NAME FILE PATTERN [options]: --restore fails naming the
# problem; no socket, no guest output.
refused()
{
	local name=$1 file=$2 pattern=$3
	shift 3
	rm -f "$sock"
	timeout -s KILL 60 "$vmm" --restore "$file" --console stdio \
		--api "unix:$sock" "$@" </dev/null >"$tmp/ref" 2>"$tmp/ref.err"
	st=$?
	[ $st -ne 0 ] && [ $st -lt 124 ] && grep -q "$pattern" "$tmp/ref.err" &&
		[ ! -e "$sock" ] && [ ! -s "$tmp/ref" ]
	ok $? "$name is refused, nothing started ($(head -c 200 "$tmp/ref.err"))"
}

off=$("$vmm" --describe-state "$state" | sed -n 's/^  vcpu0 .*at offset \([0-9]*\).*/\1/p')
cp "$state" "$tmp/corrupt"
printf '\x5a' | dd of="$tmp/corrupt" bs=1 seek=$((off + 100)) conv=notrunc 2>/dev/null
refused "a corrupt state file" "$tmp/corrupt" \
	"state file '$tmp/corrupt': section 'vcpu0' checksum mismatch"
"$vmm" --describe-state "$tmp/corrupt" >"$tmp/desc" 2>&1
[ $? -ne 0 ] && grep -q 'vcpu0 .*checksum MISMATCH' "$tmp/desc"
ok $? "--describe-state shows the bad section and fails"
head -c $(($(stat -c %s "$state") - 100)) "$state" >"$tmp/short"
refused "a truncated state file" "$tmp/short" "truncated"
head -c 20000 /dev/urandom >"$tmp/foreign"
refused "a foreign file" "$tmp/foreign" "is not a nido-vmm state file"
refused "a missing memory file" "$state" "memory file '$tmp/none'" \
	--restore-memory "$tmp/none"
truncate -s 1M "$tmp/small.mem"
refused "a memory file of the wrong size" "$state" \
	"memory file '$tmp/small.mem' is 1048576 bytes" \
	--restore-memory "$tmp/small.mem"
refused "a state offset not page-aligned" "$one" "offset '100'" \
	--restore-offset 100
refused "a memory file too short for its offset" "$one" \
	"memory file '$one' is [0-9]* bytes, the state file needs 67108864 from offset 67108864" \
	--restore-offset "$soff" --restore-memory "$one" \
	--restore-memory-offset 67108864
printf '{"cpus": 1, "memory": "64M", "disks": [{"path": "%s", "format": "raw"}]}' \
	"$disk" >"$tmp/other.json"
refused "--config of another machine" "$state" \
	"not the machine state file '$state' holds: the number of vCPUs differs" \
	--config "$tmp/other.json"
"$vmm" --restore "$state" --disk "$disk,format=raw" </dev/null \
	>/dev/null 2>"$tmp/usage"
[ $? -eq 2 ] && grep -q -- '--disk cannot be given with --restore' "$tmp/usage"
ok $? "--restore takes the VM's definition from the file only"
done_testing
