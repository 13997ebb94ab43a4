#!/usr/bin/env bash
# The rbd pool and the rbd driver of src/block against a throwaway
# one-node Ceph cluster (ceph-lib.sh: one monitor, one OSD on memstore,
# no authentication): an rbd pool defined and started through nidod,
# volumes created, resized, uploaded and downloaded (holes kept), an
# image made with the rbd tool seen by pool-refresh, `nido img info` and
# `nido img convert` from and to rbd:POOL/IMAGE names, vol-clone and
# vol-create-from into the pool and out of it, a nido-vmm guest
# reading and writing a volume disk of the pool (served by a qemu-nbd
# nidod starts), vol-delete, and
# pool-destroy/undefine leaving the cluster as it was. When the cluster
# does not come up within five minutes the test skips, saying why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ceph-lib.sh"

if ! "$NIDO" img info rbd:x/y:mon_host=none 2>&1 | grep -vq "without rbd support"; then
	echo "1..0 # SKIP nido was built without rbd support (librbd-dev)"
	exit 0
fi

trap 'ceph_stop; cleanup' EXIT
if ! ceph_start "$tmp/ceph" "${NIDO_CEPH_TIMEOUT:-300}"; then
	echo "1..0 # SKIP the one-node Ceph cluster did not come up: $ceph_why"
	exit 0
fi
unset CEPH_CONF # nidod and nido reach the cluster by what they are told
C=(-c "$ceph_conf")
ceph_pool nido || {
	echo "1..0 # SKIP could not make the Ceph pool 'nido'"
	exit 0
}
mon_ip=${ceph_mon%:*}
mon_port=${ceph_mon##*:}
rbdname() { # IMAGE: its rbd: name for nido img
	echo "rbd:nido/$1:mon_host=$mon_ip\\:$mon_port:auth_supported=none"
}

start_daemon

# ---- the pool ----
cat >"$tmp/pool.xml" <<XML
<pool type='rbd'>
  <name>ceph</name>
  <source>
    <name>nido</name>
    <host name='$mon_ip' port='$mon_port'/>
  </source>
</pool>
XML
t_exact "pool-define of an rbd pool" "Pool 'ceph' defined from $tmp/pool.xml" "$NIDO" pool-define "$tmp/pool.xml"
t_out "pool-dumpxml keeps the source" "<host name='$mon_ip' port='$mon_port'/>
    <name>nido</name>
  </source>
</pool>" "$NIDO" pool-dumpxml ceph
t_exact "pool-define-as builds the same source" "<pool type='rbd'>
  <name>ceph2</name>
  <source>
    <host name='$mon_ip' port='$mon_port'/>
    <name>nido</name>
    <auth type='ceph' username='admin'/>
  </source>
</pool>" "$NIDO" pool-define-as ceph2 rbd --source-host "$ceph_mon" --source-name nido \
	--auth-type ceph --auth-username admin --print-xml
t_exact "pool-build: nothing to make" "Pool 'ceph' built" "$NIDO" pool-build ceph
t_exact "pool-start connects" "Pool 'ceph' started" "$NIDO" pool-start ceph
t_out "pool-info: the cluster's figures" "State:          running" "$NIDO" pool-info ceph
# the cluster's figures come from its manager: none here (`rados df`
# says zeroes), and pool-info says they are not known; with one, the
# same as it
cap=$("$NIDO" pool-info ceph | awk '/^Capacity/ {print $2 " " $3}')
total=$(rados "${C[@]}" df 2>/dev/null | awk '/^total_space/ {print $2}')
if [ "${total:-0}" = 0 ]; then
	t_out "pool-info: the cluster's capacity is not known without a manager" \
		"Capacity:       unknown (the cluster's manager (ceph-mgr) does not answer)
Allocation:     0.00 B
Available:      unknown" "$NIDO" pool-info ceph
else
	[[ $cap != "0.00 B" ]] && ok "pool-info: the cluster's capacity ($cap)" ||
		not_ok "pool-info: the cluster's capacity" "rados df: $total" "pool-info: $cap"
fi
t_exact "pool-list --type rbd" "ceph" "$NIDO" pool-list --type rbd --name

# a transient pool: pool-create answers with the pool (a job), destroy
# makes it go
if ceph_pool nido2; then
	sed "s/<name>ceph</<name>cepht</; s/<name>nido</<name>nido2</" "$tmp/pool.xml" >"$tmp/pool-t.xml"
	t_exact "pool-create of a transient rbd pool" "Pool 'cepht' created from $tmp/pool-t.xml" \
		"$NIDO" pool-create "$tmp/pool-t.xml"
	t_out "it is active" "State:          running" "$NIDO" pool-info cepht
	t_exact "pool-destroy of it" "Pool 'cepht' destroyed" "$NIDO" pool-destroy cepht
	t_not "a transient pool goes" "cepht" "$NIDO" pool-list --all
else
	skip "pool-create of a transient rbd pool" "could not make the Ceph pool 'nido2'"
fi

# ---- volumes ----
t_exact "vol-create-as" "Vol 'disk0' created" "$NIDO" vol-create-as ceph disk0 64M
t_out "the rbd tool sees the image" "size 64 MiB" rbd "${C[@]}" info nido/disk0
t_err "vol-create-as qcow2 is refused by name" "volume format 'qcow2' is not supported" \
	"$NIDO" vol-create-as ceph q 1M --format qcow2
t_err "an image name with '@'" "'@'" "$NIDO" vol-create-as ceph 'a@b' 1M
t_out "vol-list: POOL/IMAGE paths" " disk0   nido/disk0" "$NIDO" vol-list ceph
t_out "vol-info: type network" "Type:           network" "$NIDO" vol-info --pool ceph disk0
t_out "vol-dumpxml" "<volume type='network'>
  <name>disk0</name>
  <key>nido/disk0</key>" "$NIDO" vol-dumpxml --pool ceph disk0
t_exact "vol-resize" "Size of volume 'disk0' successfully changed to 128M" \
	"$NIDO" vol-resize --pool ceph disk0 128M
t_out "the image grew" "size 128 MiB" rbd "${C[@]}" info nido/disk0
t_err "vol-resize smaller without --shrink" "shrink" "$NIDO" vol-resize --pool ceph disk0 32M

# vol-upload / vol-download, holes kept
head -c 1M /dev/urandom >"$tmp/up.raw"
truncate -s 100M "$tmp/up.raw"
head -c 1M /dev/urandom | dd of="$tmp/up.raw" bs=1M seek=90 conv=notrunc status=none
t_exact "vol-upload --sparse" "" "$NIDO" vol-upload --pool ceph disk0 "$tmp/up.raw" --sparse
t_exact "vol-download --sparse" "" "$NIDO" vol-download --pool ceph disk0 "$tmp/down.raw" --sparse
t "the first 100 MiB came back as they went" cmp -n 104857600 "$tmp/up.raw" "$tmp/down.raw"
t "the rest reads as zeroes" cmp -i 104857600 -n 29360128 "$tmp/down.raw" /dev/zero
used=$(du -k "$tmp/down.raw" | cut -f1)
[ "$used" -lt 16384 ] && ok "the download kept its holes (${used} KiB of 128 MiB)" ||
	not_ok "the download kept its holes" "$used KiB"
# two MiB of data, at 0 and 90 MiB: two 4 MiB objects, as `rbd du` counts
t_out "vol-info: the allocation, the image's objects" "Allocation:     8.00 MiB" "$NIDO" vol-info --pool ceph disk0
t "the rbd tool reads what was uploaded" sh -c "rbd ${C[*]} export nido/disk0 - 2>/dev/null | cmp -n 104857600 - '$tmp/up.raw'"
# a fixed-size image: what does not fit fails (after what fits was written)
t "a small scratch volume" "$NIDO" vol-create-as ceph small 1M
truncate -s 2M "$tmp/big.raw"
t_err "an upload past the end is refused" "past the end of the volume" "$NIDO" vol-upload --pool ceph small "$tmp/big.raw"
t "vol-delete small" "$NIDO" vol-delete --pool ceph small

# ---- an image made outside, seen by pool-refresh ----
rbd "${C[@]}" create --size 16M nido/outside 2>/dev/null
t_not "not listed before pool-refresh" "outside" "$NIDO" vol-list ceph
t_exact "pool-refresh" "Pool 'ceph' refreshed" "$NIDO" pool-refresh ceph
t_out "listed after it" " outside   nido/outside" "$NIDO" vol-list ceph
t_out "and described" "Capacity:       16.00 MiB" "$NIDO" vol-info --pool ceph outside
rbd "${C[@]}" rm nido/outside >/dev/null 2>&1
t "pool-refresh after a removal outside" "$NIDO" pool-refresh ceph
t_not "gone" "outside" "$NIDO" vol-list ceph
stop_daemon
start_daemon
t_out "a restarted nidod lists the active pool's images at once (it waited for the cluster)" \
	" disk0   nido/disk0" "$NIDO" vol-list ceph
if [ "${total:-0}" = 0 ]; then
	t_out "pool-info: the allocation, what the images use (no manager)" \
		"Allocation:     8.00 MiB" "$NIDO" pool-info ceph
fi

# ---- nido img on rbd: names ----
t_out "nido img info rbd:" "virtual size: 128 MiB (134217728 bytes)" "$NIDO" img info "$(rbdname disk0)"
t_out "nido img info: raw" "file format: raw" "$NIDO" img info "$(rbdname disk0)"
t_out "nido img info with conf=" "virtual size: 128 MiB" "$NIDO" img info "rbd:nido/disk0:conf=$ceph_conf"
t "nido img convert from rbd to qcow2" "$NIDO" img convert -O qcow2 "$(rbdname disk0)" "$tmp/copy.qcow2"
t_out "the copy is the image" "Images are identical" qemu-img compare -f raw -F qcow2 "$tmp/down.raw" "$tmp/copy.qcow2"
t "nido img convert from qcow2 to a new rbd image" "$NIDO" img convert -O raw "$tmp/copy.qcow2" "$(rbdname conv)"
t "the rbd tool reads the same bytes" sh -c "rbd ${C[*]} export nido/conv - 2>/dev/null | cmp - '$tmp/down.raw'"
t_err "qcow2 on rbd is refused by name" "a qcow2 image on rbd is not supported" \
	"$NIDO" img create -f qcow2 "$(rbdname q2)" 1M
t_err "a key on the command line is refused" "rbd option 'key' is not supported" \
	"$NIDO" img info "rbd:nido/disk0:key=AQBx"
t_err "an unknown image" "opening the rbd image: No such file or directory" "$NIDO" img info "$(rbdname nope)"
t "pool-refresh sees conv" "$NIDO" pool-refresh ceph

# ---- copies into the pool: vol-clone, vol-create-from ----
t_exact "vol-clone of an image" "Vol 'conv2' cloned from conv" "$NIDO" vol-clone --pool ceph conv conv2
t "the clone reads as its source" sh -c "rbd ${C[*]} export nido/conv2 - 2>/dev/null | cmp - '$tmp/down.raw'"
t_out "the clone is listed" " conv2   nido/conv2" "$NIDO" vol-list ceph
mkdir -p "$tmp/dirp"
t "a dir pool" "$NIDO" pool-create-as dirp dir --target "$tmp/dirp"
qemu-img create -q -f qcow2 "$tmp/dirp/q.qcow2" 8M
qemu-io -c 'write -P 0x5a 1M 1M' "$tmp/dirp/q.qcow2" >/dev/null
"$NIDO" pool-refresh dirp >/dev/null
echo "<volume><name>fromq</name><capacity unit='M'>8</capacity></volume>" >"$tmp/fromq.xml"
t_exact "vol-create-from: a dir pool's qcow2 into an image" \
	"Vol fromq created from input vol q.qcow2" \
	"$NIDO" vol-create-from ceph "$tmp/fromq.xml" q.qcow2 --inputpool dirp
rbd "${C[@]}" export nido/fromq "$tmp/fromq.raw" >/dev/null 2>&1
t_exact "it reads as the qcow2 does" "Images are identical." \
	qemu-img compare -f raw -F qcow2 "$tmp/fromq.raw" "$tmp/dirp/q.qcow2"
t_out "vol-info: thin, only the data's object" "Allocation:     4.00 MiB" "$NIDO" vol-info --pool ceph fromq
echo "<volume><name>q2</name><capacity>1</capacity><target><format type='qcow2'/></target></volume>" >"$tmp/q2.xml"
t_err "a qcow2 image is refused by name" "pool's volumes hold raw data" \
	"$NIDO" vol-create-from ceph "$tmp/q2.xml" q.qcow2 --inputpool dirp
t_exact "vol-create-from: an image back into a qcow2" \
	"Vol back.qcow2 created from input vol fromq" sh -c "
	echo \"<volume><name>back.qcow2</name><capacity>0</capacity><target><format type='qcow2'/></target></volume>\" >'$tmp/back.xml'
	'$NIDO' vol-create-from dirp '$tmp/back.xml' fromq --inputpool ceph"
t_exact "the qcow2 reads as the image" "Images are identical." \
	qemu-img compare -f raw -F qcow2 "$tmp/fromq.raw" "$tmp/dirp/back.qcow2"
t "vol-delete of the copies" sh -c "'$NIDO' vol-delete --pool ceph conv2 && '$NIDO' vol-delete --pool ceph fromq"
t "the dir pool goes" "$NIDO" pool-destroy dirp

# ---- vol-wipe, vol-delete ----
t_exact "vol-wipe" "Vol 'conv' wiped" "$NIDO" vol-wipe --pool ceph conv
t "the wiped image reads as zeroes" sh -c "rbd ${C[*]} export nido/conv - 2>/dev/null | cmp -n 134217728 - /dev/zero"
t_exact "vol-delete" "Vol 'conv' deleted" "$NIDO" vol-delete --pool ceph conv
t_not "the rbd tool no longer lists it" "conv" rbd "${C[@]}" ls nido


# ---- guests on a volume of the pool ----
# QEMU reaches an rbd volume itself (-blockdev driver=rbd, the pool's
# monitors, no authentication): a boot sector uploaded into a volume
# boots under SeaBIOS and says NIDO-DISK-BOOT on the serial console.
# nido-vmm runs the guest below (a qemu-nbd nidod starts serves it).
qemu_ok=
if command -v qemu-system-x86_64 >/dev/null &&
	[ -e /usr/lib/x86_64-linux-gnu/qemu/block-rbd.so ] &&
	"$NIDO_SOURCE_DIR/tests/integration/daemon/qemu/make-cdrom.sh" "$tmp/unused.iso" "$tmp/sector.img" 2>"$tmp/iso.err"; then
	qemu_ok=1
fi
guest_xml() { # NAME EXTRA
	cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    $2
    <disk type='volume' device='disk'><driver name='qemu' type='raw'/>
      <source pool='ceph' volume='boot'/><target dev='vda' bus='virtio'/></disk>
    <serial type='pty'/>
  </devices>
</domain>
XML
}
if [ -z "$qemu_ok" ]; then
	skip "a QEMU guest booting from an rbd volume" "no qemu-system-x86_64 with its rbd driver (qemu-block-extra), or no boot sector: $(cat "$tmp/iso.err" 2>/dev/null)"
else
	t "a volume for the boot sector" "$NIDO" vol-create-as ceph boot 1M
	t "vol-upload of the boot sector" "$NIDO" vol-upload --pool ceph boot "$tmp/sector.img"
	chmod 711 "$tmp"
	guest_xml rbdvm "" >"$tmp/rbdvm.xml"
	t_out "define a QEMU guest whose disk is the volume" "Domain 'rbdvm' defined" "$NIDO" define "$tmp/rbdvm.xml"
	t_out "start" "Domain 'rbdvm' started" "$NIDO" start rbdvm
	out=$(hear rbdvm NIDO-DISK-BOOT)
	if [[ $out == *NIDO-DISK-BOOT* ]]; then
		ok "the guest boots from the rbd volume"
	else
		not_ok "the guest boots from the rbd volume" "heard: $out" "$(tail -n 5 "$NIDO_RUNTIME_DIR/domains/rbdvm.log" 2>/dev/null)"
	fi
	t_out "dumpxml keeps the volume source" "<source pool='ceph' volume='boot'/>" "$NIDO" dumpxml rbdvm
	t_err "vol-delete of an image a guest has open" "in use by another client" "$NIDO" vol-delete --pool ceph boot
	"$NIDO" destroy rbdvm >/dev/null
	"$NIDO" undefine rbdvm >/dev/null
fi
"$NIDO" vol-delete --pool ceph boot >/dev/null 2>&1

# ---- a nido-vmm guest on a volume of the pool ----
# nido-vmm has no network: nidod serves the volume to it through a
# qemu-nbd it starts (docs/security.md, "Network disks of nido-vmm").
# guests/blkpre.c reads what `nido img` wrote into the image before it
# ran and writes something the host reads back after it stopped.
if ! kvm_usable || ! command -v qemu-nbd >/dev/null ||
	[ ! -e /usr/lib/x86_64-linux-gnu/qemu/block-rbd.so ]; then
	skip "a nido-vmm guest on an rbd volume" "no usable /dev/kvm, or no qemu-nbd with its rbd driver (qemu-utils, qemu-block-extra)"
else
	t "a volume for the nido-vmm guest" "$NIDO" vol-create-as ceph vmmdisk 1M
	python3 -c "
import sys
d = bytearray(1 << 20)
d[51200:51216] = b'NIDO-PRE-WRITTEN'
sys.stdout.buffer.write(d)" >"$tmp/pre.raw"
	t "nido img writes into the image what the guest will read" "$NIDO" img convert -n -O raw "$tmp/pre.raw" "$(rbdname vmmdisk)"
	domain_xml vmmrbd "$build/guests/guest-blkpre" "<disk type='volume' device='disk'><driver name='qemu' type='raw'/>
      <source pool='ceph' volume='vmmdisk'/><target dev='vda' bus='virtio'/></disk>" >"$tmp/vmm.xml"
	t_out "define a kvm guest on the volume" "Domain 'vmmrbd' defined" "$NIDO" define "$tmp/vmm.xml"
	t "it stays on nido-vmm (no <emulator> filled in)" bash -c "! '$NIDO' dumpxml vmmrbd | grep -q '<emulator>'"
	t_out "start on nido-vmm" "Domain 'vmmrbd' started" "$NIDO" start vmmrbd
	for _ in $(seq 150); do "$NIDO" domstate vmmrbd | grep -q "shut off" && break; sleep 0.2; done
	t_out "the guest stopped" "shut off" "$NIDO" domstate vmmrbd
	t "no qemu-nbd is left once it stopped" bash -c "! pgrep -P '$(daemon_pid)' -x qemu-nbd"
	# the guest's verdict is on the volume (it may have ended before a
	# console client came): what it wrote, and what it read
	t "the host reads back what the guest wrote" bash -c "'$NIDO' img convert -O raw '$(rbdname vmmdisk)' '$tmp/back.raw' && [ \"\$(dd if='$tmp/back.raw' bs=512 skip=200 count=1 2>/dev/null | head -c 16)\" = NIDO-GUEST-WROTE ]"
	t "the guest read through nidod's qemu-nbd what nido img wrote" bash -c "[ \"\$(dd if='$tmp/back.raw' bs=512 skip=200 count=1 2>/dev/null | head -c 24 | tail -c 8)\" = ' READ-OK' ]"
	t_out "dumpxml keeps the volume source" "<source pool='ceph' volume='vmmdisk'/>" "$NIDO" dumpxml vmmrbd
	"$NIDO" undefine vmmrbd >/dev/null 2>&1
	t_exact "vol-delete vmmdisk" "Vol 'vmmdisk' deleted" "$NIDO" vol-delete --pool ceph vmmdisk
fi

# ---- hostile definitions ----
bad() { # DESC EXPECTED SOURCE-XML
	printf "<pool type='rbd'><name>bad</name><source>%s</source></pool>" "$3" >"$tmp/bad.xml"
	t_err "$1" "$2" "$NIDO" pool-define "$tmp/bad.xml"
}
bad "a <secret> is refused by name" "<auth><secret> is not supported" \
	"<name>nido</name><auth type='ceph' username='admin'><secret uuid='2ec115d7-3a88-3ceb-bc12-0ac909a6fd87'/></auth>"
bad "auth type chap" "<auth type='chap'> is not supported" "<name>nido</name><auth type='chap' username='a'/>"
bad "no Ceph pool" "needs <source><name>" "<host name='$mon_ip'/>"
bad "a port out of range" "port" "<name>nido</name><host name='$mon_ip' port='70000'/>"
bad "a host that is an option" "not a host name" "<name>nido</name><host name='-oops'/>"

# ---- the end: nothing left ----
t_exact "vol-delete disk0" "Vol 'disk0' deleted" "$NIDO" vol-delete --pool ceph disk0
t_exact "the Ceph pool is empty again" "" rbd "${C[@]}" ls nido
t_exact "pool-destroy" "Pool 'ceph' destroyed" "$NIDO" pool-destroy ceph
t_err "pool-delete is refused (the Ceph pool is the cluster's)" "pool-delete is not supported" "$NIDO" pool-delete ceph
t_exact "pool-start again" "Pool 'ceph' started" "$NIDO" pool-start ceph

# ---- the cluster goes: the pool turns inactive at its refresh ----
ceph_stop
t_err "pool-refresh of a pool whose cluster went fails (after the client's timeout)" "pool 'ceph'" "$NIDO" pool-refresh ceph
t_exact "... and the pool is inactive" "inactive" sh -c "'$NIDO' pool-list --all | awk '\$1 == \"ceph\" {print \$2}'"
t_exact "pool-undefine" "Pool 'ceph' has been undefined" "$NIDO" pool-undefine ceph
t_exact "no pool left" "" sh -c "'$NIDO' pool-list --all --name | grep -v '^default$' || true"
done_testing
