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
finish_daemon
done_testing
