#!/usr/bin/env bash
# A guest's disk as nidod opens it (docs/security.md, "Images"): the
# image's metadata cannot make a VM open what the definition did not
# name; <backingStore> declares what may be; a path swapped for a
# symlink by a user who owns its directory does not reach a file that
# user could not write. nidod opens the files and passes them.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable || ! command -v qemu-img >/dev/null; then
	echo "1..0 # SKIP needs /dev/kvm, nido-vmm and qemu-img"
	exit 0
fi
start_daemon

disk_xml() { # path format [extra inside <disk>]
	echo "<disk type='file' device='disk'><driver name='qemu' type='$2'/><source file='$1'/>${3:-}<target dev='vda' bus='virtio'/></disk>"
}
define_start() { # name disk-xml
	domain_xml "$1" "$GUEST_IDLE" "$2" >"$tmp/$1.xml"
	"$NIDO" define "$tmp/$1.xml" >/dev/null && "$NIDO" start "$1"
}

# A qcow2 whose backing file is /etc/shadow, recorded as raw.
mkdir -p "$tmp/imgs" "$tmp/base"
qemu-img create -q -f qcow2 -b /etc/shadow -F raw -u "$tmp/imgs/evil.qcow2" 1M
t_err "a backing file outside the image's directory is refused, named" \
	"/etc/shadow" define_start evil "$(disk_xml "$tmp/imgs/evil.qcow2" qcow2)"
t_out "the domain stays shut off" "shut off" "$NIDO" domstate evil

# The same chain declared in <backingStore>: allowed.
truncate -s 1M "$tmp/base/base.raw"
qemu-img create -q -f qcow2 -b "$tmp/base/base.raw" -F raw "$tmp/imgs/ok.qcow2"
t_err "an undeclared backing file in another directory is refused" \
	"base.raw" define_start nodecl "$(disk_xml "$tmp/imgs/ok.qcow2" qcow2)"
t_out "declared in <backingStore>, it starts" "Domain 'decl' started" \
	define_start decl "$(disk_xml "$tmp/imgs/ok.qcow2" qcow2 \
		"<backingStore type='file'><format type='raw'/><source file='$tmp/base/base.raw'/><backingStore/></backingStore>")"
t_out "dumpxml keeps the <backingStore>" "<source file='$tmp/base/base.raw'/>" "$NIDO" dumpxml decl
"$NIDO" destroy decl >/dev/null

# A backing file without a recorded format is never probed.
qemu-img create -q -f qcow2 -b "$tmp/imgs/raw.img" -F raw -u "$tmp/imgs/nofmt.qcow2" 1M
truncate -s 1M "$tmp/imgs/raw.img"
python3 - "$tmp/imgs/nofmt.qcow2" <<'PY'
# drop the backing format header extension (type 0xe2792aca)
import struct, sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
off = 104 if struct.unpack('>I', b[4:8])[0] >= 3 else 72
off = struct.unpack('>I', b[100:104])[0] if off == 104 else off
while off + 8 <= len(b):
    t, l = struct.unpack('>II', b[off:off + 8])
    if t == 0:
        break
    if t == 0xe2792aca:
        struct.pack_into('>I', b, off, 0x7fffffff)  # an unknown extension
    off += 8 + ((l + 7) & ~7)
open(p, 'wb').write(b)
PY
t_err "a backing file with no recorded format is refused, not probed" \
	"format" define_start nofmt "$(disk_xml "$tmp/imgs/nofmt.qcow2" qcow2)"

# A FIFO as backing file: refused at once, the start does not hang.
mkfifo "$tmp/imgs/fifo"
qemu-img create -q -f qcow2 -b "$tmp/imgs/fifo" -F raw -u "$tmp/imgs/fifo.qcow2" 1M
domain_xml fifo "$GUEST_IDLE" "$(disk_xml "$tmp/imgs/fifo.qcow2" qcow2)" >"$tmp/fifo.xml"
"$NIDO" define "$tmp/fifo.xml" >/dev/null
t_err "a FIFO as backing file is refused, not waited on" "fifo" timeout 30 "$NIDO" start fifo

# A user's directory: the disk swapped for a symlink to a root-only file.
mkdir -p "$tmp/user"
truncate -s 1M "$tmp/user/disk.raw"
chown -R nobody "$tmp/user"
chmod 755 "$tmp"
define_start swap "$(disk_xml "$tmp/user/disk.raw" raw)" >/dev/null
"$NIDO" destroy swap >/dev/null
echo secret >"$tmp/rootonly"
chmod 600 "$tmp/rootonly"
runuser -u nobody -- sh -c "rm '$tmp/user/disk.raw' && ln -s '$tmp/rootonly' '$tmp/user/disk.raw'"
t_err "a path swapped for a link to a file its owner cannot write is refused" \
	"who could not open this file for writing" "$NIDO" start swap
t "the root-only file is untouched" grep -qx secret "$tmp/rootonly"
t_out "the domains are all shut off" "shut off" "$NIDO" domstate swap

stop_daemon
done_testing
