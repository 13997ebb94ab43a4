#!/usr/bin/env bash
# The VMM sandbox (docs/security.md): a nido-vmm started by nidod runs as
# an unprivileged identity of its own, without capabilities, with
# no_new_privs and a seccomp filter, alone in its pid namespace, in its
# own mount, ipc, uts and network namespaces, with none of the host's
# files in sight. Two VMs get two identities.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the sandbox's identity and namespaces need root"
	exit 0
fi
start_daemon

status_field() { # pid field
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

domain_xml sb1 "$GUEST_IDLE" >"$tmp/sb1.xml"
domain_xml sb2 "$GUEST_IDLE" >"$tmp/sb2.xml"
"$NIDO" define "$tmp/sb1.xml" >/dev/null
"$NIDO" define "$tmp/sb2.xml" >/dev/null
t_out "a domain starts in the sandbox" "Domain 'sb1' started" "$NIDO" start sb1
t_out "a second one too" "Domain 'sb2' started" "$NIDO" start sb2
p1=$(vm_pid sb1)
p2=$(vm_pid sb2)

uid1=$(status_field "$p1" Uid)
uid2=$(status_field "$p2" Uid)
t "nido-vmm's uid is not 0 ($uid1)" test "${uid1:-0}" -ne 0
t "its gid is not 0" test "$(status_field "$p1" Gid)" -ne 0
t "each VM has its own uid ($uid1, $uid2)" test "$uid1" != "$uid2"
t "no effective capabilities" test "$(status_field "$p1" CapEff)" = 0000000000000000
t "no permitted capabilities" test "$(status_field "$p1" CapPrm)" = 0000000000000000
t "an empty bounding set" test "$(status_field "$p1" CapBnd)" = 0000000000000000
t "a seccomp filter (Seccomp 2)" test "$(status_field "$p1" Seccomp)" = 2
t "on every thread" sh -c "for s in /proc/$p1/task/*/status; do grep -q '^Seccomp:[[:space:]]*2' \$s || exit 1; done"
t "no_new_privs is set" test "$(status_field "$p1" NoNewPrivs)" = 1
t "no supplementary groups" test -z "$(status_field "$p1" Groups)"
for ns in pid mnt ipc uts net cgroup; do
	t "its own $ns namespace" test "$(readlink "/proc/$p1/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")"
done
t "it is pid 1 of its pid namespace" sh -c "awk '\$1 == \"NSpid:\" { exit (\$NF == 1 ? 0 : 1) }' /proc/$p1/status"
t "none of the host's files are in its root" test -z "$(ls -A "/proc/$p1/root/")"
t "its root is one read-only mount" sh -c "test \$(wc -l </proc/$p1/mountinfo) -eq 1 && grep -q ' / / ro,' /proc/$p1/mountinfo"
t_out "the guest still runs and answers" "running" "$NIDO" domstate sb1
t_out "its live XML carries its id, as libvirt's" "<domain type='kvm' id='" "$NIDO" dumpxml sb1
t "the inactive XML does not" sh -c "! '$NIDO' dumpxml --inactive sb1 | grep -q \"id='\""

"$NIDO" destroy sb1 >/dev/null
"$NIDO" destroy sb2 >/dev/null
t "its control socket is removed once it stopped" test ! -e "$NIDO_RUNTIME_DIR/domains/sb1.sock"
t_out "a new start gets an identity again" "Domain 'sb1' started" "$NIDO" start sb1
p1=$(vm_pid sb1)
t "not root either" test "$(status_field "$p1" Uid)" -ne 0
"$NIDO" destroy sb1 >/dev/null

stop_daemon
done_testing
