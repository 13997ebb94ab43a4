#!/usr/bin/env bash
# Hostile names and XML for pools and volumes: a volume name is one file
# of its pool's directory, never a path ("../x" is refused by name, and
# nothing appears outside the pool); pool and volume XML outside the
# subset is refused naming what is wrong; files placed in a pool's
# directory (links, FIFOs, corrupt images) are never followed, waited
# on or trusted; the daemon stays up throughout.
. "$(dirname "$0")/lib.sh"

start_daemon
images=$NIDO_STATE_DIR/images
pool=default

# ---- volume names ----
for name in "../x" "../../x" "a/b" ".hidden" "/abs"; do
	t_err "vol-create-as '$name' is refused by name" "volume name '$name' is not a file name" \
		"$NIDO" vol-create-as "$pool" "$name" 1M
done
t_err "a name with a newline" "control character" "$NIDO" vol-create-as "$pool" "$(printf 'a\nb')" 1M
t "nothing was made outside the pool" test ! -e "$NIDO_STATE_DIR/x" -a ! -e "$tmp/x" -a ! -e /abs
cat >"$tmp/evil.xml" <<XML
<volume>
  <name>../../evil</name>
  <capacity>1048576</capacity>
</volume>
XML
t_err "vol-create with <name>../../evil</name>" "volume name '../../evil' is not a file name" \
	"$NIDO" vol-create "$pool" "$tmp/evil.xml"
t "no evil file" test ! -e "$tmp/evil" -a ! -e "$NIDO_STATE_DIR/../evil"
t_err "vol-clone to '../y'" "volume name '../y' is not a file name" \
	sh -c "'$NIDO' vol-create-as $pool ok.raw 1M >/dev/null && '$NIDO' vol-clone --pool $pool ok.raw ../y"
t "no clone outside" test ! -e "$NIDO_STATE_DIR/y"
t_err "vol-info of '../images/ok.raw' in the pool" "failed to get vol '../images/ok.raw'" \
	"$NIDO" vol-info --pool "$pool" ../images/ok.raw
t_err "vol-delete of a path outside every pool" "failed to get vol '/etc/hostname'" \
	"$NIDO" vol-delete /etc/hostname
t "it is still there" test -f /etc/hostname

# ---- the read-only socket (world-writable, as libvirt's) ----
t "vol-list on the read-only socket" "$NIDO" -r vol-list "$pool"
t_err "vol-download on the read-only socket is denied" "access denied" \
	"$NIDO" -r vol-download --pool "$pool" ok.raw "$tmp/ro.raw"
t "nothing was written" test ! -s "$tmp/ro.raw"
t_err "vol-wipe on the read-only socket is denied" "access denied" \
	"$NIDO" -r vol-wipe --pool "$pool" ok.raw

# ---- volume XML ----
t_err "a vmdk volume" "invalid volume format 'vmdk'" "$NIDO" vol-create-as "$pool" v.vmdk 1M --format vmdk
cat >"$tmp/block.xml" <<XML
<volume type='block'><name>b</name><capacity>1</capacity></volume>
XML
t_err "a block volume in a dir pool" "volume type 'block' is not what a dir pool holds" "$NIDO" vol-create "$pool" "$tmp/block.xml"
cat >"$tmp/nofmt.xml" <<XML
<volume><name>nofmt.qcow2</name><capacity>1048576</capacity>
<target><format type='qcow2'/></target>
<backingStore><path>$images/ok.raw</path></backingStore></volume>
XML
t_err "a backing store without its format" "without its format" "$NIDO" vol-create "$pool" "$tmp/nofmt.xml"
t "nothing was left of it" test ! -e "$images/nofmt.qcow2"
cat >"$tmp/nocap.xml" <<XML
<volume><name>nocap</name></volume>
XML
t_err "a volume without a capacity" "missing <capacity>" "$NIDO" vol-create "$pool" "$tmp/nocap.xml"
cat >"$tmp/badcap.xml" <<XML
<volume><name>big</name><capacity unit='EiB'>99</capacity></volume>
XML
t_err "a capacity that overflows" "big" "$NIDO" vol-create "$pool" "$tmp/badcap.xml"
t_err "a raw volume with a backing store" "a raw volume has no backing store" \
	"$NIDO" vol-create-as "$pool" r2.raw 1M --backing-vol ok.raw --format raw

# ---- pool XML ----
pool_xml() { # TYPE NAME TARGET [extra]
	printf "<pool type='%s'><name>%s</name>%s<target><path>%s</path></target></pool>\n" "$1" "$2" "${4:-}" "$3"
}
pool_xml scsi lv "$tmp/lv" >"$tmp/p.xml"
t_err "an scsi pool is refused by name" "pool type 'scsi' is not supported (dir, fs, logical, disk, netfs, iscsi, rbd)" "$NIDO" pool-define "$tmp/p.xml"
pool_xml iscsi lv "$tmp/lv" >"$tmp/p.xml"
t_err "an iscsi pool without its portal and target" "an iscsi pool needs <source><host> and <device>" "$NIDO" pool-define "$tmp/p.xml"
pool_xml logical lv "$tmp/lv" >"$tmp/p.xml"
t_err "a logical pool's target is its volume group's directory" "a logical pool's target is '/dev/lv'" "$NIDO" pool-define "$tmp/p.xml"
pool_xml dir rel "relative/path" >"$tmp/p.xml"
t_err "a relative target" "is not an absolute path" "$NIDO" pool-define "$tmp/p.xml"
pool_xml dir dots "$tmp/a/../b" >"$tmp/p.xml"
t_err "a target with '..'" "has a '.' or '..' component" "$NIDO" pool-define "$tmp/p.xml"
pool_xml dir "../evil" "$tmp/e" >"$tmp/p.xml"
t_err "a pool name '../evil'" "pool name '../evil' must not start with '.'" "$NIDO" pool-define "$tmp/p.xml"
pool_xml dir same "$images" >"$tmp/p.xml"
t_err "a second pool on default's target" "same target path" "$NIDO" pool-define "$tmp/p.xml"
# disk pools all have /dev as their target: two on different disks are
# two pools, two on the same disk would be the same partitions
for n in 1 2; do
	pool_xml disk "disk$n" /dev "<source><device path='/dev/nido-disk$n'/></source>" >"$tmp/d$n.xml"
done
t "two disk pools on two disks (both target /dev)" sh -c "'$NIDO' pool-define '$tmp/d1.xml' && '$NIDO' pool-define '$tmp/d2.xml'"
pool_xml disk disk3 /dev "<source><device path='/dev/nido-disk1'/></source>" >"$tmp/d3.xml"
t_err "a third on the first one's disk" "pool 'disk1' has the same disk '/dev/nido-disk1'" "$NIDO" pool-define "$tmp/d3.xml"
t_err "pool-start of a disk pool whose disk is not there" "device '/dev/nido-disk1'" "$NIDO" pool-start disk1
t "both undefined" sh -c "'$NIDO' pool-undefine disk1 && '$NIDO' pool-undefine disk2"
pool_xml fs nodev "$tmp/m" >"$tmp/p.xml"
t_err "an fs pool without a device" "needs <source><device>" "$NIDO" pool-define "$tmp/p.xml"
printf "<pool type='dir'><name>two</name><target><path>/a</path></target><target><path>/b</path></target></pool>" >"$tmp/p.xml"
t_err "two targets" "more than one <target>" "$NIDO" pool-define "$tmp/p.xml"
cat >"$tmp/p.xml" <<XML
<!DOCTYPE pool [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<pool type='dir'><name>&b;</name><target><path>/x</path></target></pool>
XML
t_err "a DOCTYPE with entities" "DOCTYPE" "$NIDO" pool-define "$tmp/p.xml"
pool_xml dir warned "$tmp/w" "<frob/>" >"$tmp/p.xml"
t_out "an unknown element is warned about" "warning: line 1: <pool>: unknown element <frob> ignored" \
	"$NIDO" pool-define "$tmp/p.xml"
t_err "and refused with --validate" "failed to validate" "$NIDO" pool-define --validate "$tmp/p.xml"
t_err "pool-define-as with a quote in the name" "invalid character" "$NIDO" pool-define-as "a'b" dir --target "$tmp/q"
t_exact "pool-define-as --print-xml escapes it" "<pool type='dir'>
  <name>a&apos;b</name>
  <target>
    <path>$tmp/q</path>
  </target>
</pool>" "$NIDO" pool-define-as "a'b" dir --target "$tmp/q" --print-xml

# ---- files placed in the pool's directory ----
ln -s /etc/hostname "$images/link.raw"
mkfifo "$images/fifo.raw"
mkdir "$images/sub"
printf 'QFI\xfb\x00\x00\x00\x03garbage' >"$images/corrupt.qcow2"
t "pool-refresh with a link, a FIFO, a directory and a corrupt image" timeout 20 "$NIDO" pool-refresh "$pool"
t_not "the link is not a volume" "link.raw" "$NIDO" vol-list "$pool"
t_not "the FIFO is not a volume" "fifo.raw" "$NIDO" vol-list "$pool"
t_not "the directory is not a volume" "sub" "$NIDO" vol-list "$pool"
t_out "the corrupt image is listed (as the file it is)" "corrupt.qcow2" "$NIDO" vol-list "$pool"
t_err "vol-info of the link by name" "failed to get vol 'link.raw'" "$NIDO" vol-info --pool "$pool" link.raw
t_err "vol-wipe of the corrupt image fails by name" "corrupt.qcow2" "$NIDO" vol-wipe --pool "$pool" corrupt.qcow2
# ---- a hostile upload stream ----
# upload RECORDS: what the daemon answers a raw client that sends them.
upload() {
	python3 - "$NIDO_RUNTIME_DIR/nidod.sock" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = {"jsonrpc": "2.0", "id": 1, "method": "volume.upload",
       "params": {"pool": "default", "vol": "ok.raw"}}
s.sendall((json.dumps(req) + "\n").encode())
f = s.makefile("rb")
line = f.readline()
if b'"error"' in line:
    print("refused", line.decode().strip()); sys.exit(0)
s.sendall(bytes.fromhex(sys.argv[2]))
ans = f.read()
print(ans[:1].decode(), ans[9:].decode(errors="replace"))
PY
}
t_out "a record of an unknown kind" "F record of unknown kind 0x5a" upload "5a0000000000000000"
t_out "a data record larger than allowed" "F a data record of" upload "44ffffffff0000000045"
t_out "a hole past 2^64" "F " upload "48ffffffffffffffff48ffffffffffffffff450000000000000000"
t_out "a well-formed one is written" "O " upload "440300000000000000616263450000000000000000"
t_exact "its bytes" "abc" head -c 3 "$images/ok.raw"
# download RECORD: the answer to a download asking for data records of
# RECORD bytes (a client's choice, bounded).
download() {
	python3 - "$NIDO_RUNTIME_DIR/nidod.sock" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = {"jsonrpc": "2.0", "id": 1, "method": "volume.download",
       "params": {"pool": "default", "vol": "ok.raw",
                  "record": int(sys.argv[2])}}
s.sendall((json.dumps(req) + "\n").encode())
print(s.makefile("rb").readline().decode().strip())
PY
}
t_out "a download's records below 64 KiB are refused" \
	"record 0 is not between 65536 and 16777216 bytes" download 0
t_out "... and over 16 MiB" "record 18446744073709551615 is not between" \
	download 18446744073709551615
t_out "the daemon still answers" "default" "$NIDO" pool-list
done_testing
