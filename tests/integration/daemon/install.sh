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
t_err "--boot knows hd, cdrom and network" "--boot 'hd,floppy': 'floppy' is not hd, cdrom or network" \
	"$NIDO" install --name web --kernel /k --boot hd,floppy
t_err "a bad disk option" "unknown option 'bogus=1'" \
	"$NIDO" install --name web --kernel /vmlinuz --disk "$tmp/x,bogus=1"
t_err "a bad memory size" "--memory 'lots'" "$NIDO" install --name web --kernel /vmlinuz --memory lots

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
