#!/usr/bin/env bash
# The kvm driver hands nido-vmm its configuration as a JSON file
# (--config, docs/vmm.md) in the domain's run-time directory: paths the
# command line's "PATH,format=..." syntax cannot carry (commas) work.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon
disk="$tmp/disk,one,format=qcow2.raw"
cdrom="$tmp/cd,two.iso"
truncate -s 1M "$disk" "$cdrom"
domain_xml comma "$GUEST_IDLE" "<disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$disk'/>
      <target dev='vda'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='$cdrom'/>
      <target dev='vdb'/>
      <readonly/>
    </disk>" >"$tmp/comma.xml"
"$NIDO" define "$tmp/comma.xml" >/dev/null
t_out "a disk path with commas starts" "Domain 'comma' started" "$NIDO" start comma
t_out "it runs" "running (booted)" "$NIDO" domstate --reason comma
config=$NIDO_RUNTIME_DIR/domains/comma.config
pid=$(vm_pid comma)
t "nido-vmm was given --config" grep -qa -- "--config" "/proc/$pid/cmdline"
out=$(python3 -c "
import json, sys
c = json.load(open(sys.argv[1]))
d = c['disks']
def plain(x):
    return {k: v for k, v in x.items() if k != 'chain'}
assert plain(d[0]) == {'path': sys.argv[2], 'format': 'raw', 'readonly': False}, d
assert plain(d[1]) == {'path': sys.argv[3], 'format': 'raw', 'readonly': True}, d
# nidod opened the files and passes them: fd, name, format, write access
c0, c1 = d[0]['chain'], d[1]['chain']
assert [(f['kind'], f['path'], f['format'], f['rdwr']) for f in c0] == [('top', sys.argv[2], 'raw', True)], c0
assert [(f['kind'], f['path'], f['rdwr']) for f in c1] == [('top', sys.argv[3], False)], c1
assert c0[0]['fd'] != c1[0]['fd'] and c0[0]['fd'] >= 3, d
assert c['memory'] == '32768KiB' and c['cpus'] == 1, c
# the console: a pty master nidod made, passed after the disks
assert c['console'] == 'fd:%d' % (c1[-1]['fd'] + 1) and c['api'].startswith('unix:'), c
print('ok')" "$config" "$disk" "$cdrom" 2>&1)
if [ "$out" = ok ]; then ok "the configuration file names the disks"; else
	not_ok "the configuration file names the disks" "$out" "$(cat "$config")"; fi
con_fd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["console"][3:])' "$config")
t_out "nido-vmm holds the console's master at that fd" /dev/ptmx readlink "/proc/$pid/fd/$con_fd"
rec_pty=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["console"])' \
	"$NIDO_RUNTIME_DIR/domains/comma.json")
t "the console's pty is the daemon's (its record names /dev/pts/N)" \
	sh -c "echo '$rec_pty' | grep -qx '/dev/pts/[0-9]*'"
t "nidod keeps a master of its own, so the number stays the VM's" \
	sh -c "ls -l /proc/$(daemon_pid)/fd | grep -q /dev/ptmx"
if [ "$(stat -c %a "$config")" = 600 ]; then ok "it is private (0600)"; else
	not_ok "it is private (0600)" "$(stat -c %a "$config")"; fi
# The sandbox hides the path, not the file: compare the inode it holds.
t "nido-vmm holds the disk" sh -c "for f in /proc/$pid/fd/*; do [ \"\$(stat -L -c %d:%i \$f 2>/dev/null)\" = \"\$(stat -c %d:%i '$disk')\" ] && exit 0; done; exit 1"
t_out "domblklist shows the path" "$disk" "$NIDO" domblklist comma
# a second domain on the same disk: its nido-vmm cannot lock the image
domain_xml twin "$GUEST_IDLE" "<disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$disk'/>
      <target dev='vda'/>
    </disk>" >"$tmp/twin.xml"
"$NIDO" define "$tmp/twin.xml" >/dev/null
t_err "a second domain on a disk in use does not start" \
	"failed to get \"write\" lock: is another process using the image?" \
	"$NIDO" start twin
t_out "... and stays shut off" "shut off" "$NIDO" domstate twin
t_out "the first one still runs" "running" "$NIDO" domstate comma
t_out "destroy" "Domain 'comma' destroyed" "$NIDO" destroy comma
t "the configuration file is removed when the VM stops" test ! -e "$config"
t_out "then the second one starts" "Domain 'twin' started" "$NIDO" start twin
t_out "and is destroyed" "Domain 'twin' destroyed" "$NIDO" destroy twin

# <shareable/> on both: one raw disk written by two VMs at once
shared="$tmp/shared.raw"
truncate -s 1M "$shared"
for d in sa sb; do
	domain_xml "$d" "$GUEST_IDLE" "<disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$shared'/>
      <target dev='vda'/>
      <shareable/>
    </disk>" >"$tmp/$d.xml"
	"$NIDO" define "$tmp/$d.xml" >/dev/null
done
t_out "a shareable disk: the first VM starts" "Domain 'sa' started" "$NIDO" start sa
t_out "and the second one too" "Domain 'sb' started" "$NIDO" start sb
t "nido-vmm was told the disk is shared" grep -q '"shared": *true' "$NIDO_RUNTIME_DIR/domains/sb.config"
t_out "dumpxml keeps <shareable/>" "<shareable/>" "$NIDO" dumpxml sa
domain_xml sn "$GUEST_IDLE" "<disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$shared'/>
      <target dev='vda'/>
    </disk>" >"$tmp/sn.xml"
"$NIDO" define "$tmp/sn.xml" >/dev/null
t_err "a VM that does not share the disk cannot join them" \
	"failed to get shared \"write\" lock" "$NIDO" start sn
"$NIDO" destroy sa >/dev/null
"$NIDO" destroy sb >/dev/null
"$NIDO" img create -q -f qcow2 "$tmp/shared.qcow2" 1M
domain_xml sq "$GUEST_IDLE" "<disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$tmp/shared.qcow2'/>
      <target dev='vda'/>
      <shareable/>
    </disk>" >"$tmp/sq.xml"
"$NIDO" define "$tmp/sq.xml" >/dev/null
t_err "a shareable qcow2 disk is refused, saying why" \
	"only raw images can be written by several VMs at once" "$NIDO" start sq

done_testing
