#!/usr/bin/env bash
# The dir pool through nidod and the nido CLI, as a virsh user drives it
# (docs/storage-xml.md): the default pool of a first start, a pool's
# life cycle with pool-* as virsh prints them, raw and qcow2 volumes
# checked with qemu-img, backing volumes, resize, wipe, clone, a refresh
# that sees files added and removed outside nido, events, a restart of
# the daemon, and delete/undefine leaving nothing behind.
. "$(dirname "$0")/lib.sh"

start_daemon
images=$NIDO_STATE_DIR/images

# ---- the default pool ----
t_exact "the first start defines and starts the default pool" " Name      State    Autostart
-------------------------------
 default   active   yes" "$NIDO" pool-list
t "its target is <state>/images" test -d "$images"
t_out "pool-dumpxml default names it" "<path>$images</path>" "$NIDO" pool-dumpxml default

"$NIDO" pool-event --loop --timeout 120 >"$tmp/events" 2>&1 &
extra_pids="${extra_pids:-} $!"
t "pool-event subscribes" wait_for 10 grep -q "events subscribed" "$tmp/nidod.log"

# ---- a pool's life cycle ----
pool=$tmp/lab
t_exact "pool-define-as" "Pool 'lab' defined" "$NIDO" pool-define-as lab dir --target "$pool"
t_exact "pool-list --all" " Name      State      Autostart
---------------------------------
 default   active     yes
 lab       inactive   no" "$NIDO" pool-list --all
uuid=$("$NIDO" pool-uuid lab)
[[ $uuid =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] &&
	ok "pool-uuid prints a UUID" || not_ok "pool-uuid prints a UUID" "$uuid"
t_exact "pool-name of the UUID" "lab" "$NIDO" pool-name "$uuid"
t_exact "pool-info of an inactive pool" "Name:           lab
UUID:           $uuid
State:          inactive
Persistent:     yes
Autostart:      no" "$NIDO" pool-info lab
t_err "pool-start before pool-build says what is missing" "pool-build makes it" "$NIDO" pool-start lab
t_exact "pool-build" "Pool 'lab' built" "$NIDO" pool-build lab
t "pool-build made the target directory" test -d "$pool"
t_exact "pool-start" "Pool 'lab' started" "$NIDO" pool-start lab
t_err "pool-start of an active pool" "already active" "$NIDO" pool-start lab
t_out "pool-info: running with the file system's figures" "State:          running" "$NIDO" pool-info lab
t_out "pool-info: Capacity as virsh prints it" "Capacity:       " "$NIDO" pool-info lab
t_exact "pool-autostart" "Pool 'lab' marked as autostarted" "$NIDO" pool-autostart lab
t_exact "pool-list --autostart --name --type dir" "default
lab" "$NIDO" pool-list --autostart --name --type dir
t_exact "pool-list --type fs: none" "" "$NIDO" pool-list --type fs --name
t_out "pool-list --details" "Persistent   Capacity" "$NIDO" pool-list --details
t_out "pool-list --details: a running pool" " lab       running   yes         yes" "$NIDO" pool-list --details
t_exact "pool-autostart --disable" "Pool 'lab' unmarked as autostarted" "$NIDO" pool-autostart --disable lab

# ---- volumes ----
t_exact "vol-create-as raw" "Vol 'disk.raw' created" \
	"$NIDO" vol-create-as lab disk.raw 64M --allocation 4M --format raw
t_exact "qemu-img: raw" "raw" qinfo "$pool/disk.raw" format
t_exact "qemu-img: 64 MiB" "67108864" qinfo "$pool/disk.raw" virtual-size
alloc=$(stat -c %b "$pool/disk.raw")
[ "$alloc" -ge 8192 ] && [ "$alloc" -lt 131072 ] && ok "--allocation 4M allocated 4 MiB of 64" ||
	not_ok "--allocation 4M allocated 4 MiB of 64" "$alloc blocks"
t_exact "vol-create-as qcow2" "Vol 'base.qcow2' created" \
	"$NIDO" vol-create-as lab base.qcow2 1G --format qcow2
t_exact "qemu-img: qcow2" "qcow2" qinfo "$pool/base.qcow2" format
t_exact "qemu-img: 1 GiB" "1073741824" qinfo "$pool/base.qcow2" virtual-size
t "qemu-img check: base.qcow2" qcheck "$pool/base.qcow2"
t_exact "vol-create-as --prealloc-metadata" "Vol 'pre.qcow2' created" \
	"$NIDO" vol-create-as lab pre.qcow2 256M --format qcow2 --prealloc-metadata
[ "$(stat -c %s "$pool/pre.qcow2")" -gt "$(stat -c %s "$pool/base.qcow2")" ] &&
	ok "metadata preallocated: the file is larger than a plain qcow2's" ||
	not_ok "metadata preallocated" "$(ls -l "$pool")"
t "qemu-img check: pre.qcow2" qcheck "$pool/pre.qcow2"
t_exact "vol-create-as --backing-vol" "Vol 'top.qcow2' created" \
	"$NIDO" vol-create-as lab top.qcow2 1G --format qcow2 --backing-vol base.qcow2
t_exact "qemu-img: the backing file" "$pool/base.qcow2" qinfo "$pool/top.qcow2" backing-filename
t_exact "qemu-img: its format, from the backing volume" "qcow2" qinfo "$pool/top.qcow2" backing-filename-format
t_out "vol-dumpxml shows the backing store" "<backingStore>
    <path>$pool/base.qcow2</path>
    <format type='qcow2'/>" "$NIDO" vol-dumpxml --pool lab top.qcow2
t_exact "vol-create-as --backing-vol by path with its format, capacity 0: the backing's" \
	"Vol 'over.qcow2' created" "$NIDO" vol-create-as lab over.qcow2 0 --format qcow2 \
	--backing-vol "$pool/disk.raw" --backing-vol-format raw
t_exact "qemu-img: the overlay has the backing's size" "67108864" qinfo "$pool/over.qcow2" virtual-size
cat >"$tmp/vol.xml" <<XML
<volume>
  <name>fromxml.qcow2</name>
  <capacity unit='MiB'>32</capacity>
  <target>
    <format type='qcow2'/>
    <permissions><mode>0640</mode></permissions>
  </target>
</volume>
XML
t_exact "vol-create from XML" "Vol 'fromxml.qcow2' created from $tmp/vol.xml" "$NIDO" vol-create lab "$tmp/vol.xml"
t_exact "its mode" "640" stat -c %a "$pool/fromxml.qcow2"
t_exact "its size" "33554432" qinfo "$pool/fromxml.qcow2" virtual-size
t_err "vol-create-as of an existing name" "exists already" "$NIDO" vol-create-as lab disk.raw 1M
t_exact "vol-list" " Name            Path
 base.qcow2      $pool/base.qcow2
 disk.raw        $pool/disk.raw
 fromxml.qcow2   $pool/fromxml.qcow2
 over.qcow2      $pool/over.qcow2
 pre.qcow2       $pool/pre.qcow2
 top.qcow2       $pool/top.qcow2" sh -c "'$NIDO' vol-list lab | sed 2d"
t_out "vol-list --details" " disk.raw        $pool/disk.raw        file   64.00 MiB   " "$NIDO" vol-list lab --details
t_exact "vol-info" "Name:           base.qcow2
Type:           file
Capacity:       1.00 GiB" sh -c "'$NIDO' vol-info --pool lab base.qcow2 | head -n3"
t_out "vol-info --bytes by path" "Capacity:       67108864 bytes" "$NIDO" vol-info --bytes "$pool/disk.raw"
t_exact "vol-path" "$pool/top.qcow2" "$NIDO" vol-path --pool lab top.qcow2
t_exact "vol-key" "$pool/top.qcow2" "$NIDO" vol-key --pool lab top.qcow2
t_exact "vol-name of a path" "top.qcow2" "$NIDO" vol-name "$pool/top.qcow2"
t_exact "vol-pool of a path" "lab" "$NIDO" vol-pool "$pool/top.qcow2"
t_exact "vol-pool --uuid" "$uuid" "$NIDO" vol-pool --uuid "$pool/top.qcow2"
t_err "vol-info of an unknown volume" "failed to get vol 'nope', specifying --pool might help" "$NIDO" vol-info nope

# resize
t_exact "vol-resize grows" "Size of volume 'disk.raw' successfully changed to 128M" \
	"$NIDO" vol-resize --pool lab disk.raw 128M
t_exact "qemu-img: 128 MiB" "134217728" qinfo "$pool/disk.raw" virtual-size
t_err "vol-resize to less without --shrink" "shrink" "$NIDO" vol-resize --pool lab disk.raw 32M
t_err "a negative size without --shrink" "negative size requires --shrink" "$NIDO" vol-resize --pool lab disk.raw -- -32M
t_exact "vol-resize -32M --shrink" "Size of volume 'disk.raw' successfully changed to -32M" \
	"$NIDO" vol-resize --pool lab disk.raw -32M --shrink
t_exact "qemu-img: 96 MiB" "100663296" qinfo "$pool/disk.raw" virtual-size
t "vol-resize --delta of a qcow2" "$NIDO" vol-resize --pool lab base.qcow2 1G --delta
t_exact "qemu-img: 2 GiB" "2147483648" qinfo "$pool/base.qcow2" virtual-size
t "qemu-img check after the resize" qcheck "$pool/base.qcow2"

# clone and wipe, the contents checked with qemu-io
qemu-io -f qcow2 -c "write -P 0x5a 1M 2M" "$pool/base.qcow2" >/dev/null
qemu-io -f raw -c "write -P 0xa5 0 1M" "$pool/disk.raw" >/dev/null
t_exact "vol-clone" "Vol 'copy.qcow2' cloned from base.qcow2" "$NIDO" vol-clone --pool lab base.qcow2 copy.qcow2
t_out "the clone reads as the original" "Images are identical" qemu-img compare -U "$pool/base.qcow2" "$pool/copy.qcow2"
t_exact "the clone is a qcow2" "qcow2" qinfo "$pool/copy.qcow2" format
t "qemu-img check: the clone" qcheck "$pool/copy.qcow2"
t_exact "vol-wipe of a qcow2" "Vol 'copy.qcow2' wiped" "$NIDO" vol-wipe --pool lab copy.qcow2
t_out "it reads as zeroes" "read 2097152/2097152" qemu-io -f qcow2 -c "read -P 0 1M 2M" "$pool/copy.qcow2"
t_exact "it stays a 2 GiB qcow2" "2147483648" qinfo "$pool/copy.qcow2" virtual-size
t "qemu-img check after the wipe" qcheck "$pool/copy.qcow2"
t_exact "vol-wipe of a raw volume, by path" "Vol '$pool/disk.raw' wiped" "$NIDO" vol-wipe "$pool/disk.raw"
t_out "it reads as zeroes" "read 1048576/1048576" qemu-io -f raw -c "read -P 0 0 1M" "$pool/disk.raw"
t_err "vol-wipe --algorithm nnsa" "Unsupported algorithm" "$NIDO" vol-wipe --pool lab disk.raw --algorithm nnsa

# refresh sees what changed outside nido
qemu-img create -q -f qcow2 "$pool/outside.qcow2" 16M
t_not "a file made outside is not listed before pool-refresh" "outside.qcow2" "$NIDO" vol-list lab
t_exact "pool-refresh" "Pool 'lab' refreshed" "$NIDO" pool-refresh lab
t_out "after pool-refresh it is listed" "outside.qcow2" "$NIDO" vol-list lab
t_out "and described" "Capacity:       16.00 MiB" "$NIDO" vol-info --pool lab outside.qcow2
rm -f "$pool/outside.qcow2"
t "pool-refresh after a removal" "$NIDO" pool-refresh lab
t_not "a file removed outside is gone after pool-refresh" "outside.qcow2" "$NIDO" vol-list lab

# vol-upload and vol-download of a 1 GiB sparse volume, holes kept
t "a 1 GiB sparse raw volume" "$NIDO" vol-create-as lab big.raw 1G
qemu-io -f raw -c "write -P 0x11 0 1M" -c "write -P 0x22 512M 64K" -c "write -P 0x33 1023M 1M" \
	"$pool/big.raw" >/dev/null
t_exact "vol-download --sparse" "" "$NIDO" vol-download --pool lab big.raw "$tmp/dl.raw" --sparse
t "the download is the volume's bytes" cmp "$pool/big.raw" "$tmp/dl.raw"
t_exact "it is 1 GiB long" "1073741824" stat -c %s "$tmp/dl.raw"
blocks=$(stat -c %b "$tmp/dl.raw")
[ "$blocks" -lt 16384 ] && ok "its holes are kept (${blocks} blocks of 512 bytes)" ||
	not_ok "its holes are kept" "$blocks blocks"
t "vol-download without --sparse" "$NIDO" vol-download --pool lab big.raw "$tmp/full.raw"
t "the same bytes" cmp "$pool/big.raw" "$tmp/full.raw"
[ "$(stat -c %b "$tmp/full.raw")" -ge 2097152 ] && ok "without --sparse the zeroes are written" ||
	not_ok "without --sparse the zeroes are written" "$(stat -c %b "$tmp/full.raw") blocks"
t "vol-create-as up.raw" "$NIDO" vol-create-as lab up.raw 1G
qemu-io -f raw -c "write -P 0x44 100M 1M" "$pool/up.raw" >/dev/null
t_exact "vol-upload --sparse" "" "$NIDO" vol-upload --pool lab up.raw "$tmp/dl.raw" --sparse
t "the volume is the file's bytes (its own data where the file has a hole is gone)" \
	cmp "$pool/up.raw" "$tmp/dl.raw"
blocks=$(stat -c %b "$pool/up.raw")
[ "$blocks" -lt 16384 ] && ok "the upload kept the holes (${blocks} blocks)" ||
	not_ok "the upload kept the holes" "$blocks blocks"
t "vol-download --offset --length" "$NIDO" vol-download --pool lab big.raw "$tmp/part.raw" --offset 512M --length 64K
t_exact "64 KiB of it" "65536" stat -c %s "$tmp/part.raw"
t_out "the bytes at 512 MiB" "read 65536/65536" qemu-io -f raw -c "read -P 0x22 0 64K" "$tmp/part.raw"
t_err "an offset past the end" "past the end" "$NIDO" vol-download --pool lab big.raw "$tmp/x" --offset 2G
t "vol-upload of a qcow2 image into a volume" sh -c "qemu-img create -q -f qcow2 '$tmp/img.qcow2' 5M &&
	'$NIDO' vol-create-as lab img.qcow2 1M >/dev/null && '$NIDO' vol-upload --pool lab img.qcow2 '$tmp/img.qcow2'"
t_out "vol-info sees what was uploaded" "Capacity:       5.00 MiB" "$NIDO" vol-info --pool lab img.qcow2
rm -f "$tmp/dl.raw" "$tmp/full.raw" "$tmp/part.raw"
for v in big.raw up.raw img.qcow2; do "$NIDO" vol-delete --pool lab "$v" >/dev/null; done

# pool-edit: EDITOR is a sed script; a running pool's change waits
cat >"$tmp/editor" <<SH
#!/bin/sh
sed -i "s|<path>$pool</path>|<path>$pool</path><permissions><mode>0750</mode></permissions>|" "\$1"
SH
chmod +x "$tmp/editor"
t_out "pool-edit" "Pool 'lab' XML configuration edited." env EDITOR="$tmp/editor" "$NIDO" pool-edit lab
t_out "pool-dumpxml --inactive has the edit" "<mode>0750</mode>" "$NIDO" pool-dumpxml --inactive lab
t_not "the live definition not yet" "<mode>0750</mode>" "$NIDO" pool-dumpxml lab

# ---- events ----
t_out "pool-event: defined" "event 'lifecycle' for storage pool lab: Defined" cat "$tmp/events"
t_out "pool-event: built" "event 'lifecycle' for storage pool lab: Created" cat "$tmp/events"
t_out "pool-event: started" "event 'lifecycle' for storage pool lab: Started" cat "$tmp/events"
t_out "pool-event: refresh" "event 'refresh' for storage pool lab" cat "$tmp/events"

# a restart keeps the pool and its volumes
stop_daemon
start_daemon
t_out "after a restart the pool is active" "State:          running" "$NIDO" pool-info lab
t_out "its volumes are listed" "top.qcow2" "$NIDO" vol-list lab
"$NIDO" pool-event --pool lab --loop --timeout 120 >"$tmp/events" 2>&1 &
extra_pids="${extra_pids:-} $!"
t "pool-event --pool subscribes" wait_for 10 grep -q "events subscribed.* of lab" "$tmp/nidod.log"

# ---- delete and undefine leave nothing ----
t_err "pool-delete of an active pool is refused" "while it is active" "$NIDO" pool-delete lab
t_exact "pool-destroy" "Pool 'lab' destroyed" "$NIDO" pool-destroy lab
t_out "the next definition applies once stopped" "<mode>0750</mode>" "$NIDO" pool-dumpxml lab
t_err "vol-list of an inactive pool" "is not active" "$NIDO" vol-list lab
t_err "pool-delete of a pool that still has volumes" "delete its volumes first" "$NIDO" pool-delete lab
t "the volumes are still there" test -f "$pool/top.qcow2"
t "pool-start" "$NIDO" pool-start lab
for v in base.qcow2 copy.qcow2 disk.raw fromxml.qcow2 over.qcow2 pre.qcow2; do
	"$NIDO" vol-delete --pool lab "$v" >/dev/null 2>&1
done
t_exact "vol-delete by path" "Vol '$pool/top.qcow2' deleted" "$NIDO" vol-delete "$pool/top.qcow2"
t_exact "no volume left" "" sh -c "ls -A '$pool'"
t "pool-destroy" "$NIDO" pool-destroy lab
t_exact "pool-delete" "Pool 'lab' deleted" "$NIDO" pool-delete lab
t_exact "the target directory is gone" "no" sh -c "test -e '$pool' && echo yes || echo no"
t_exact "pool-undefine" "Pool 'lab' has been undefined" "$NIDO" pool-undefine lab
t_err "the pool is gone" "failed to get pool 'lab'" "$NIDO" pool-info lab
t_exact "nothing of it in the state or runtime directories" "" \
	sh -c "ls '$NIDO_STATE_DIR/pools' '$NIDO_RUNTIME_DIR/pools' '$NIDO_STATE_DIR/pools/autostart' | grep lab"
t_out "pool-event: stopped" "event 'lifecycle' for storage pool lab: Stopped" cat "$tmp/events"
t_out "pool-event: deleted" "event 'lifecycle' for storage pool lab: Deleted" cat "$tmp/events"
t_out "pool-event: undefined" "event 'lifecycle' for storage pool lab: Undefined" cat "$tmp/events"

# ---- a transient pool ----
mkdir "$tmp/tr"
t_exact "pool-create-as" "Pool 'tr' created" "$NIDO" pool-create-as tr dir --target "$tmp/tr"
t_out "pool-list --transient" " tr " "$NIDO" pool-list --transient
t_err "a transient pool cannot be undefined" "transient" "$NIDO" pool-undefine tr
t "pool-destroy of a transient pool" "$NIDO" pool-destroy tr
t_err "it is gone once stopped" "failed to get pool 'tr'" "$NIDO" pool-info tr

# an undefined default pool stays undefined
t "pool-destroy default" "$NIDO" pool-destroy default
t "pool-undefine default" "$NIDO" pool-undefine default
stop_daemon
start_daemon
t_exact "a restart does not define default again" "" "$NIDO" pool-list --all --name
done_testing
