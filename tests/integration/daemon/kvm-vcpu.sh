#!/usr/bin/env bash
# vCPUs of a nido-vmm guest through nidod (docs/cli.md, setvcpus and
# vcpucount): <vcpu current='1'>2</vcpu> starts 1 of 2; guests/cpuhp.c
# checks the ACPI tables and hotplug registers, and once `nido setvcpus
# --live 2` added vCPU 1 it sees it, acknowledges the GPE and starts it
# with INIT/SIPI. The live definition and vcpucount follow; the counts
# out of range and --maximum --live are refused; --config and
# --maximum --config change the persistent definition. A save and a
# restore keep the added vCPU; `setvcpus 1 --live` then removes it (the
# guest ejects it: vcpucount and vcpuinfo say 1), twice more it is added
# and removed, and the power button ends the guest. vcpuinfo, vcpupin
# and emulatorpin on the running guest's threads.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon
cat >"$tmp/hp.xml" <<XML
<domain type='kvm'>
  <name>hp</name>
  <memory unit='MiB'>64</memory>
  <vcpu current='1'>2</vcpu>
  <os><kernel>$build/guests/guest-cpuhp</kernel></os>
  <devices><serial type='pty'/></devices>
</domain>
XML
t_out "define 1 of 2 vCPUs on nido-vmm" "defined" "$NIDO" define "$tmp/hp.xml"
t_out "dumpxml keeps current='1'" "<vcpu placement='static' current='1'>2</vcpu>" \
	"$NIDO" dumpxml hp
t_out "vcpucount of an inactive domain: the configuration's" \
	"$(printf 'maximum      config         2\ncurrent      config         1')" \
	"$NIDO" vcpucount hp
t_err "setvcpus --live of an inactive domain is refused" "is not running" \
	"$NIDO" setvcpus hp 2 --live
t_out "start" "started" "$NIDO" start hp
sleep 1 # the guest's checks before the hot add take milliseconds
# the console's input held open: at its end, nido console would leave
mkfifo "$tmp/console.in"
timeout 30 "$NIDO" console hp <>"$tmp/console.in" >"$tmp/console.out" 2>&1 &
cpid=$!
sleep 1
t_err "more than the maximum is refused" \
	"requested vcpus is greater than max allowable vcpus for the live domain: 3 > 2" \
	"$NIDO" setvcpus hp 3 --live
t_err "--maximum --live is refused" "--maximum needs --config" \
	"$NIDO" setvcpus hp 2 --maximum --live
t "setvcpus hp 2 --live" "$NIDO" setvcpus hp 2 --live
t "the guest sees vCPU 1 and starts it, then waits for its removal" \
	wait_for 20 grep -q 'round 0: waiting for the removal' "$tmp/console.out"
t "... with every check passed" sh -c "grep -q 'vCPU 1 ran its start-up code' '$tmp/console.out' && ! grep -q 'not ok' '$tmp/console.out'"
kill "$cpid" 2>/dev/null
wait "$cpid" 2>/dev/null
t_out "vcpucount: 2 live, 1 in the configuration" \
	"$(printf 'maximum      config         2\nmaximum      live           2\ncurrent      config         1\ncurrent      live           2')" \
	"$NIDO" vcpucount hp
t_out "vcpucount --active --live" "2" "$NIDO" vcpucount hp --active --live
t_out "vcpucount --maximum --config" "2" "$NIDO" vcpucount hp --maximum --config
t_err "vcpucount --live --config is refused" "mutually exclusive" \
	"$NIDO" vcpucount hp --live --config
t_out "the live definition: 2 vCPUs" "<vcpu placement='static'>2</vcpu>" \
	"$NIDO" dumpxml hp
t_out "... the persistent one still 1 of 2" "<vcpu placement='static' current='1'>2</vcpu>" \
	"$NIDO" dumpxml --inactive hp
"$NIDO" vcpuinfo hp >"$tmp/info" 2>&1
t "vcpuinfo: two vCPUs, each on a host CPU, running, with its time and affinity" \
	sh -c "test \$(grep -c '^VCPU:' '$tmp/info') -eq 2 &&
		grep -q '^VCPU:           1$' '$tmp/info' &&
		grep -qE '^CPU:            [0-9]+$' '$tmp/info' &&
		grep -q '^State:          running$' '$tmp/info' &&
		grep -qE '^CPU time:       [0-9]+\.[0-9]s$' '$tmp/info' &&
		grep -qE '^CPU Affinity:   [y-]+$' '$tmp/info'"
t_out "vcpuinfo --pretty: the affinity as a list" "CPU Affinity:   0-$(($(nproc --all) - 1)) (out of $(nproc --all))" \
	sh -c "'$NIDO' vcpuinfo --pretty hp | grep -m1 Affinity"
# allowed NAME: Cpus_allowed_list of nido-vmm's thread NAME ("vcpu1"),
# or of its main thread without a name
allowed() {
	local pid task name=${1:-}
	pid=$(vm_pid hp)
	for task in /proc/"$pid"/task/*; do
		if { [ -z "$name" ] && [ "${task##*/}" = "$pid" ]; } ||
			{ [ -n "$name" ] && [ "$(cat "$task/comm")" = "$name" ]; }; then
			awk '/^Cpus_allowed_list:/ {print $2}' "$task/status"
		fi
	done
}
all="0-$(($(nproc --all) - 1))"
[ "$all" = 0-0 ] && all=0
t_out "vcpupin: each running vCPU's affinity" \
	"$(printf ' VCPU   CPU Affinity\n----------------------\n 0      %s\n 1      %s' "$all" "$all")" \
	"$NIDO" vcpupin hp
t "vcpupin --vcpu 1 --cpulist 0 --live" "$NIDO" vcpupin hp --vcpu 1 --cpulist 0 --live
t_out "... vCPU 1's thread runs on CPU 0 only" "0" allowed vcpu1
t_out "... vcpupin --vcpu 1 says so" " 1      0" sh -c "'$NIDO' vcpupin hp --vcpu 1 | tail -n +3"
t_out "... vCPU 0's thread keeps its CPUs" "$all" allowed vcpu0
t "emulatorpin --cpulist 0 --live" "$NIDO" emulatorpin hp --cpulist 0 --live
t_out "... nido-vmm's main thread runs on CPU 0" "0" allowed
t_out "... emulatorpin says so" "       *: 0" sh -c "'$NIDO' emulatorpin hp | tail -n +3"
t_out "... the vCPU threads keep theirs" "$all" allowed vcpu0
t_err "a CPU list that is not one is refused" "invalid cpuset 'x'" \
	"$NIDO" vcpupin hp --vcpu 0 --cpulist x
t_err "a vCPU the domain lacks is refused" "vCPU 7: domain 'hp' has 2" \
	"$NIDO" vcpupin hp --vcpu 7 --cpulist 0
t_err "--config pins on nido-vmm are refused by name" "the qemu driver's" \
	"$NIDO" vcpupin hp --vcpu 0 --cpulist 0 --config
t_out "vcpupin --config: the configuration's (all host CPUs)" " 0      $all" \
	sh -c "'$NIDO' vcpupin hp --config | sed -n 3p"
t_err "--guest is refused by name" "--guest is not supported" \
	"$NIDO" setvcpus hp 2 --guest
t "setvcpus --maximum --config 4" "$NIDO" setvcpus hp 4 --maximum --config
t "setvcpus --config 3" "$NIDO" setvcpus hp 3 --config
t_out "... the persistent definition: 3 of 4" "<vcpu placement='static' current='3'>4</vcpu>" \
	"$NIDO" dumpxml --inactive hp
t_err "--config above its maximum is refused" "greater than max allowable vcpus for the persistent domain: 5 > 4" \
	"$NIDO" setvcpus hp 5 --config
t "save with the added vCPU" "$NIDO" save hp "$tmp/hp.save"
t "restore" "$NIDO" restore "$tmp/hp.save"
t_out "the restored guest has its 2 vCPUs" "2" "$NIDO" vcpucount hp --active --live
# hot remove: the guest ejects vCPU 1 when asked (guests/cpuhp.c)
t "setvcpus hp 1 --live: the guest ejects vCPU 1" "$NIDO" setvcpus hp 1 --live
t_out "... vcpucount: 1 live" "1" "$NIDO" vcpucount hp --active --live
t_out "... vcpuinfo: 1 vCPU" "1" sh -c "'$NIDO' vcpuinfo hp | grep -c '^VCPU:'"
t_out "... the live definition: 1 of 2" "<vcpu placement='static' current='1'>2</vcpu>" \
	"$NIDO" dumpxml hp
# (setvcpus waits 5 s for the eject: a host loaded enough to hold the
# guest longer gets libvirt's timeout, and the eject counts when done)
for round in 1 2; do
	t "round $round: setvcpus 2 then 1 (added, started, ejected)" \
		sh -c "'$NIDO' setvcpus hp 2 --live && { '$NIDO' setvcpus hp 1 --live 2>&1 ||
			'$NIDO' setvcpus hp 1 --live 2>&1 | grep -q 'unplug request timed out'; }"
	t "round $round: ... 1 vCPU again" \
		wait_for 30 sh -c "'$NIDO' vcpucount hp --active --live | grep -qx 1"
done
t_out "... vcpucount: 1 live" "1" "$NIDO" vcpucount hp --active --live
t "shutdown (the power button the guest waits for)" "$NIDO" shutdown hp
t "the guest powers off" wait_for 30 state_is hp "shut off (shutdown)"
done_testing
