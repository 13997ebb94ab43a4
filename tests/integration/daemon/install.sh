#!/usr/bin/env bash
# nido install: writes the XML, creates the disk it is given a size for,
# defines and starts the domain.
. "$(dirname "$0")/lib.sh"

t_out "--print-xml writes libvirt XML" "<name>web</name>" \
	"$NIDO" install --name web --memory 32 --kernel /vmlinuz --print-xml
t_out "the disk is in it" "<source file='$tmp/web.qcow2'/>" \
	"$NIDO" install --name web --kernel /vmlinuz --disk "$tmp/web.qcow2,size=1" --print-xml
t_err "--kernel or --cdrom is required" "--name and --kernel or --cdrom are required" "$NIDO" install --name web
t_err "not both" "--kernel and --cdrom: give one" "$NIDO" install --name web --kernel /k --cdrom /
t_err "--cdrom names an ISO that exists" "--cdrom '$tmp/none.iso': No such file or directory" \
	"$NIDO" install --name web --cdrom "$tmp/none.iso"
t_err "--boot knows uefi, hd, cdrom and network" "--boot 'hd,floppy': 'floppy' is not uefi, hd, cdrom or network" \
	"$NIDO" install --name web --kernel /k --boot hd,floppy
t_err "a bad disk option" "unknown option 'bogus=1'" \
	"$NIDO" install --name web --kernel /vmlinuz --disk "$tmp/x,bogus=1"
t_err "a bad memory size" "--memory 'lots'" "$NIDO" install --name web --kernel /vmlinuz --memory lots

# virt-install's options for full machines, as XML (--print-xml asks the
# daemon too: the image directory, the default network).
iso=$tmp/inst.iso
: >"$iso"
xml=$("$NIDO" install --name win --cdrom "$iso" --os-variant win11 --disk size=1 \
	--graphics vnc --network bridge=br7,mac=52:54:00:aa:bb:cc --print-xml 2>&1)
has() { # desc needle
	if [[ $xml == *"$2"* ]]; then ok "$1"; else not_ok "$1" "no '$2' in:" "$xml"; fi
}
has "--os-variant win11: UEFI" "<os firmware='efi'>"
has "... a Q35" "machine='q35'"
has "... 4 GiB" "<memory unit='MiB'>4096</memory>"
has "... SATA disks" "<target dev='sda' bus='sata'/>"
has "... a SATA cdrom on the Q35, after the disks" "<target dev='sdb' bus='sata'/>"
has "... an e1000e card" "<model type='e1000e'/>"
has "--network bridge=,mac=" "<source bridge='br7'/>"
has "... its MAC" "<mac address='52:54:00:aa:bb:cc'/>"
has "--graphics vnc: autoport on 127.0.0.1" "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>"
has "... a video card and a tablet" "<input type='tablet' bus='usb'/>"
has "--disk size=1 without a path: NAME.qcow2 in the daemon's image directory" \
	"<source file='$NIDO_STATE_DIR/images/win.qcow2'/>"
t_out "--boot uefi" "<os firmware='efi'>" \
	"$NIDO" install --name u --cdrom "$iso" --boot uefi,cdrom --print-xml
t_out "--osinfo list names the variants" "debian12" "$NIDO" install --osinfo list
t_err "an unknown variant" "--os-variant 'beos5': unknown" \
	"$NIDO" install --name w --kernel /k --os-variant beos5
t_err "--network needs a source" "--network 'model=virtio': give network=NAME or bridge=BR" \
	"$NIDO" install --name w --kernel /k --network model=virtio
t_err "--network with a multicast MAC" "'01:00:5e:00:00:01' is not a unicast MAC" \
	"$NIDO" install --name w --kernel /k --network network=n,mac=01:00:5e:00:00:01
t_err "--network none with another" "--network none with another --network" \
	"$NIDO" install --name w --kernel /k --network none --network network=n
t_err "--graphics spice" "--graphics 'spice': vnc or none" \
	"$NIDO" install --name w --kernel /k --graphics spice
t_err "--graphics vnc with a port below 5900" "port must be 5900 to 65535" \
	"$NIDO" install --name w --kernel /k --graphics vnc,port=22
t_err "--disk with neither path nor size" "no path, and no size for a new image" \
	"$NIDO" install --name w --kernel /k --disk format=raw
! "$NIDO" install --name w --kernel /k --print-xml | grep -q "<interface" &&
	ok "no default network: no interface" || not_ok "no default network: no interface"
cat >"$tmp/default-net.xml" <<'XML'
<network><name>default</name><bridge name='nidotest0'/><ip address='192.168.250.1' prefix='24'/></network>
XML
"$NIDO" net-define "$tmp/default-net.xml" >/dev/null
t_out "with a default network and no --network: the guest is on it" "<source network='default'/>" \
	"$NIDO" install --name w --kernel /k --print-xml
! "$NIDO" install --name w --kernel /k --network none --print-xml | grep -q "<interface" &&
	ok "--network none: no interface" || not_ok "--network none: no interface"
"$NIDO" net-undefine default >/dev/null
t_out "a full machine defined from these options (the qemu driver accepts it)" "Domain 'full' defined" \
	"$NIDO" install --name full --cdrom "$iso" --os-variant debian12 --disk size=16M \
	--graphics vnc --virt-type qemu --no-start
t "... its new disk is in the image directory" test -f "$NIDO_STATE_DIR/images/full.qcow2"
t_out "... dumpxml: the VNC display" "<graphics type='vnc'" "$NIDO" dumpxml full
if [ -e /usr/share/qemu/firmware ]; then
	t_out "--os-variant win11 is defined as it is written (UEFI on a Q35, SATA)" "Domain 'w11' defined" \
		"$NIDO" install --name w11 --cdrom "$iso" --os-variant win11 --disk size=16M \
		--network bridge=br7 --graphics vnc --virt-type qemu --no-start
fi
t_err "a definition the daemon refuses: the error names the part" "a SATA disk is sda to sdf" \
	"$NIDO" install --name many --cdrom "$iso" --os-variant win10 --virt-type qemu --no-start \
	$(for i in 1 2 3 4 5 6; do echo --disk "$tmp/many$i.qcow2,size=1M"; done)
t "... and the disks made for it are removed (virt-install's clean-up)" \
	sh -c "! ls '$tmp'/many*.qcow2 2>/dev/null"
t_out "a name whose image exists gets NAME-1.qcow2" "<source file='$NIDO_STATE_DIR/images/full-1.qcow2'/>" \
	"$NIDO" install --name full --cdrom "$iso" --disk size=16M --print-xml

if ! kvm_usable; then
	skip "install creates, defines and starts" "/dev/kvm or nido-vmm not usable here"
	done_testing
	exit
fi
t_out "install creates the disk" "Created disk '$tmp/web.qcow2' (qcow2, 16 MiB)" \
	"$NIDO" install --name web --memory 32 --vcpus 1 --kernel "$GUEST_IDLE" \
	--disk "$tmp/web.qcow2,size=16M"
t "the disk is a qcow2 image" sh -c "head -c 4 '$tmp/web.qcow2' | od -An -c | grep -q 'Q   F   I'"
t_out "the domain runs" " 1    web    running" "$NIDO" list
t_out "with its disk" "vda      $tmp/web.qcow2" "$NIDO" domblklist web
t_out "as a qcow2 disk" "type='qcow2'" "$NIDO" dumpxml web
t_out "and its console" "<console type='pty'>" "$NIDO" dumpxml web
"$NIDO" destroy web >/dev/null
t_out "an existing disk is used, not replaced" "Using existing disk '$tmp/web.qcow2'" \
	"$NIDO" install --name web2 --memory 32 --kernel "$GUEST_IDLE" \
	--disk "$tmp/web.qcow2,size=16M" --no-start
t_err "a name in use" "failed to install domain 'web': domain 'web' already exists" \
	"$NIDO" install --name web --kernel "$GUEST_IDLE" \
	--disk "path=$tmp/other.img,size=1M,format=raw" --no-start
t "no disk was created for it" test ! -e "$tmp/other.img"
done_testing
