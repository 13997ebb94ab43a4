#!/usr/bin/env bash
# nido clone, virt-clone's options (docs/snapshots.md, "Clones"): a
# shut off domain becomes a new one with its own name, UUID and MACs;
# the disks the guest writes are copied (holes kept) or, --linked,
# overlaid; read-only disks are shared; the clone boots and writes its
# own image; what cannot be done is refused by name with nothing made.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
count=$build/guests/guest-count
mkdir -p "$tmp/img" "$tmp/other"
disk=$tmp/img/web.img
truncate -s 1M "$disk"
printf 'seed-data' | dd of="$disk" bs=1 seek=700000 conv=notrunc 2>/dev/null
truncate -s 64K "$tmp/img/shared.img"
start_daemon
cat >"$tmp/web.xml" <<XML
<domain type='kvm'>
  <name>web</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><kernel>$count</kernel></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$disk'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='$tmp/img/shared.img'/><target dev='vdb' bus='virtio'/>
      <readonly/></disk>
    <interface type='ethernet'><mac address='52:54:00:aa:bb:cc'/></interface>
    <serial type='pty'/>
  </devices>
</domain>
XML
"$NIDO" define "$tmp/web.xml" >/dev/null
uuid=$("$NIDO" domuuid web)

t_out "start the original" "started" "$NIDO" start web
t_err "a running domain is not cloned" "must be shut off to be cloned" \
	"$NIDO" clone --original web --auto-clone
t_out "destroy it" "destroyed" "$NIDO" destroy web
# guests/count.c wants a disk only it wrote: the image as it was made
rm -f "$disk"
truncate -s 1M "$disk"
printf 'seed-data' | dd of="$disk" bs=1 seek=700000 conv=notrunc 2>/dev/null

t_out "clone --auto-clone" "Clone 'web-clone' created successfully." \
	"$NIDO" clone --original web --auto-clone
xml=$("$NIDO" dumpxml web-clone)
t "the clone's image: the original's name replaced in the file name" \
	grep -q "<source file='$tmp/img/web-clone.img'/>" <<<"$xml"
t "the read-only disk is shared" \
	grep -q "<source file='$tmp/img/shared.img'/>" <<<"$xml"
t "a UUID of its own" test "$("$NIDO" domuuid web-clone)" != "$uuid"
t "a MAC of its own" sh -c "! grep -q 52:54:00:aa:bb:cc <<'EOX'
$xml
EOX"
t "still a 52:54:00 MAC" grep -q "<mac address='52:54:00:" <<<"$xml"
t "the copy reads as the original" cmp "$disk" "$tmp/img/web-clone.img"
t "the copy keeps the holes" \
	test "$(du -k "$tmp/img/web-clone.img" | cut -f1)" -lt 512
t_out "a second --auto-clone takes the next name" "Clone 'web-clone-1' created" \
	"$NIDO" clone --original web --auto-clone
t "... and the next file name" test -f "$tmp/img/web-clone-1.img"

# A linked clone elsewhere: an overlay over the original's image,
# declared in <backingStore> so that the VM may open it from there.
t_out "clone --linked --file" "Clone 'web2' created" \
	"$NIDO" clone --original web --name web2 --linked \
	--file "$tmp/other/web2.qcow2" --mac 52:54:00:12:34:56
t_out "the overlay's backing file is the original's image" \
	"backing file: $disk" "$NIDO" img info "$tmp/other/web2.qcow2"
xml=$("$NIDO" dumpxml web2)
t "qcow2, with the original declared as its backing store" \
	grep -q "<backingStore type='file'>" <<<"$xml"
t "the MAC given" grep -q "52:54:00:12:34:56" <<<"$xml"
t_out "the linked clone starts" "started" "$NIDO" start web2
# counting_past N: the console shows a count above N within a minute.
counting()
{
	local out
	for _ in $(seq 30); do
		out=$(sleep 4 | timeout 3 "$NIDO" console web2 2>&1)
		grep -aq 'count [0-9]' <<<"$out" && ! grep -aq BAD <<<"$out" &&
			return 0
	done
	echo "last console output: $out"
	return 1
}
t "the linked clone's guest counts on its own disk" counting
t_out "destroy it" "destroyed" "$NIDO" destroy web2
t "the original's image is unchanged" \
	sh -c "test \"\$(dd if='$disk' bs=1 skip=700000 count=9 2>/dev/null)\" = seed-data && cmp -s '$disk' '$tmp/img/web-clone.img'"

t_out "--preserve-data uses the file as it is" "Clone 'web3' created" \
	"$NIDO" clone --original web --name web3 --preserve-data \
	--file "$tmp/img/web-clone.img"
t "... in the definition" grep -q "$tmp/img/web-clone.img" \
	<<<"$("$NIDO" dumpxml web3)"
t_out "--skip-copy shares the disk" "Clone 'web4' created" \
	"$NIDO" clone --original web --name web4 --skip-copy vda
t "... its path the original's" grep -q "<source file='$disk'/>" \
	<<<"$("$NIDO" dumpxml web4)"

# Refused, with nothing made.
before=$(ls "$tmp/img" "$tmp/other" | sort)
t_err "a name taken" "domain 'web2' already exists" \
	"$NIDO" clone --original web --name web2 --auto-clone
t_err "no path for a disk" "disk 'vda' needs a new image" \
	"$NIDO" clone --original web --name w5
t_err "a file that exists" "exists already" \
	"$NIDO" clone --original web --name w5 --file "$tmp/img/shared.img"
t_err "a --file too many" "no disk left to clone into it" \
	"$NIDO" clone --original web --name w5 --file "$tmp/a.img" --file "$tmp/b.img"
t_err "a bad MAC" "--mac" \
	"$NIDO" clone --original web --name w5 --auto-clone --mac 01:00:00:00:00:01
t_err "a bad UUID" "is not a UUID" \
	"$NIDO" clone --original web --name w5 --auto-clone --uuid nope
t_err "an unknown original" "domain 'nosuch' not found" \
	"$NIDO" clone --original nosuch --auto-clone
t_err "--linked with --preserve-data" "give one" \
	"$NIDO" clone --original web --name w5 --linked --preserve-data --file "$tmp/x"
t_err "a directory that does not exist" "copying" \
	"$NIDO" clone --original web --name w5 --file "$tmp/none/w5.img"
t "nothing was made by the refusals" test "$(ls "$tmp/img" "$tmp/other" | sort)" = "$before"
t_err "nor defined" "failed to get domain" "$NIDO" dominfo w5
finish_daemon
done_testing
