#!/usr/bin/env bash
# Guest RAM of nido-vmm guests and KSM (docs/vmm.md, "Memory"): offered
# to KSM (MADV_MERGEABLE: VmFlags "mg" in smaps) by default, as QEMU's
# mem-merge; not with <memoryBacking><nosharepages/>; a <memoryBacking>
# nido-vmm cannot honour whole goes to the qemu driver.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon

# ram_flags DOMAIN: the VmFlags of its 32 MiB guest RAM mapping.
ram_flags()
{
	awk '/^Size: +32768 kB/ { s = 1 } s && /^VmFlags:/ { print; exit }' \
		"/proc/$(vm_pid "$1")/smaps"
}

domain_xml merge "$GUEST_IDLE" >"$tmp/merge.xml"
"$NIDO" define "$tmp/merge.xml" >/dev/null
t_out "start a guest" "started" "$NIDO" start merge
flags=$(ram_flags merge)
t "its RAM is offered to KSM ($flags)" grep -qw mg <<<"$flags"
t_out "destroy" "destroyed" "$NIDO" destroy merge

domain_xml noshare "$GUEST_IDLE" |
	sed 's|<vcpu>|<memoryBacking><nosharepages/></memoryBacking>\n  <vcpu>|' >"$tmp/noshare.xml"
t_out "define with <nosharepages/>" "defined" "$NIDO" define "$tmp/noshare.xml"
t_out "dumpxml keeps it" "<nosharepages/>" "$NIDO" dumpxml noshare
t_out "start it" "started" "$NIDO" start noshare
flags=$(ram_flags noshare)
t "its RAM is not offered to KSM ($flags)" sh -c "test -n '$flags' && ! grep -qw mg <<'EOX'
$flags
EOX"
t_out "destroy" "destroyed" "$NIDO" destroy noshare

domain_xml locked "$GUEST_IDLE" |
	sed 's|<vcpu>|<memoryBacking><locked/></memoryBacking>\n  <vcpu>|' >"$tmp/locked.xml"
t_out "<locked/> (not nido-vmm's) is defined" "defined" \
	"$NIDO" define "$tmp/locked.xml"
t_out "... on the qemu driver (the pick rule)" "<emulator>" \
	"$NIDO" dumpxml locked
# setmem and dommemstat through the balloon (guests/balloon.c gives the
# pages asked for and reports its statistics).
cat >"$tmp/bal.xml" <<XML
<domain type='kvm'>
  <name>bal</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><kernel>$build/guests/guest-balloon</kernel></os>
  <devices><serial type='pty'/><memballoon model='virtio'/></devices>
</domain>
XML
"$NIDO" define "$tmp/bal.xml" >/dev/null
t_out "start a guest with a balloon" "started" "$NIDO" start bal
t "setmem 48 MiB" "$NIDO" setmem bal 48M
# memstat_has TEXT: dommemstat says TEXT within a minute
memstat_has()
{
	for _ in $(seq 120); do
		"$NIDO" dommemstat bal 2>/dev/null | grep -q "$1" && return 0
		sleep 0.5
	done
	"$NIDO" dommemstat bal
	return 1
}
t "dommemstat: the guest keeps 48 MiB (actual)" memstat_has '^actual 49152$'
t "dommemstat: the guest's own figures (unused, available)" \
	memstat_has '^available 65536$'
t "dommemstat: rss" memstat_has '^rss [0-9]'
t_out "the live definition's currentMemory" "<currentMemory unit='KiB'>49152</currentMemory>" \
	"$NIDO" dumpxml bal
t_out "... not the persistent one" "<currentMemory unit='KiB'>65536</currentMemory>" \
	"$NIDO" dumpxml --inactive bal
t_err "more than <memory> is refused" "at most the domain's maximum" \
	"$NIDO" setmem bal 128M
t "setmem --config" "$NIDO" setmem bal 32768 --config
t_out "... changes the persistent definition" "<currentMemory unit='KiB'>32768</currentMemory>" \
	"$NIDO" dumpxml --inactive bal
t_out "destroy" "destroyed" "$NIDO" destroy bal
t_err "dommemstat of a domain that is not running" "not running" \
	"$NIDO" dommemstat bal
# (an idle guest: guests/balloon.c ends at once without a balloon)
sed "s|<memballoon model='virtio'/>|<memballoon model='none'/>|; s|<name>bal|<name>nobal|; s|<kernel>.*</kernel>|<kernel>$GUEST_IDLE</kernel>|" \
	"$tmp/bal.xml" >"$tmp/nobal.xml"
"$NIDO" define "$tmp/nobal.xml" >/dev/null
t_out "a guest without a balloon starts" "started" "$NIDO" start nobal
t_err "... and setmem --live says it has none" "has no balloon device" \
	"$NIDO" setmem nobal 32M --live
t_out "destroy" "destroyed" "$NIDO" destroy nobal
finish_daemon
done_testing
