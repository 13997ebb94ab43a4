#!/usr/bin/env bash
# The guest agent on nido-vmm (docs/drivers.md, "The guest agent";
# docs/xml.md, "Channels"): a kvm domain with the agent's <channel> stays
# on the kvm driver; nido-vmm gives the guest a multiport virtio-console
# whose port is named org.qemu.guest_agent.0, on the socket nidod bound.
# guests/agent.c sets the port up as Linux does (after misbehaving on
# the control queue) and answers qemu-ga's protocol: qemu-agent-command
# guest-ping and guest-info, then a reply of 1.5 MiB (too long: an
# error, and the next command works), the live XML's state=, a
# nidod restart (it connects again), shutdown --mode agent. Channels
# nido-vmm cannot give go to QEMU or are refused by name.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon
GUEST_AGENT=$build/guests/guest-agent
channel="<channel type='unix'><source mode='bind'/>
    <target type='virtio' name='org.qemu.guest_agent.0'/></channel>"

domain_xml ga "$GUEST_AGENT" "$channel" >"$tmp/ga.xml"
t_out "define a kvm domain with the agent's channel" "defined" \
	"$NIDO" define "$tmp/ga.xml"
out=$("$NIDO" dumpxml ga)
if [[ $out != *"<emulator>"* && $out == *"org.qemu.guest_agent.0"* ]]; then
	ok "it stays on nido-vmm (no <emulator>), channel kept"
else
	not_ok "it stays on nido-vmm (no <emulator>), channel kept" "$out"
fi
t_err "an agent command on a domain not running" "is not running" \
	"$NIDO" qemu-agent-command ga '{"execute":"guest-ping"}'
t_out "start it" "started" "$NIDO" start ga
t "nido-vmm has a virtio-console with the port" \
	grep -q '"channels":\[{"name":"org.qemu.guest_agent.0","socket":"fd:' \
	"$NIDO_RUNTIME_DIR/domains/ga.log"

ping_ok() { "$NIDO" qemu-agent-command ga '{"execute":"guest-ping"}' | grep -qx '{"return":{}}'; }
if wait_for 30 ping_ok; then
	ok "qemu-agent-command guest-ping: the guest's agent answers {\"return\":{}}"
else
	not_ok "qemu-agent-command guest-ping: the guest's agent answers {\"return\":{}}" \
		"$("$NIDO" qemu-agent-command ga '{"execute":"guest-ping"}' 2>&1)" \
		"$(tail -n 20 "$NIDO_RUNTIME_DIR/domains/ga.log")"
fi
t_out "qemu-agent-command guest-info" '"version":"nido-tiny-agent"' \
	"$NIDO" qemu-agent-command ga '{"execute":"guest-info"}'
t_out "the live XML says the guest has the port open" \
	"state='connected'" "$NIDO" dumpxml ga
t_err "an unknown command: the agent's error" "CommandNotFound" \
	"$NIDO" qemu-agent-command ga '{"execute":"guest-nothing"}'
t_err "a reply of 1.5 MiB: an error, not a crash" "longer than" \
	"$NIDO" qemu-agent-command ga --timeout 30 '{"execute":"nido-flood"}'
t_out "the next command resyncs and is answered" '{"return":{}}' \
	"$NIDO" qemu-agent-command ga --timeout 30 '{"execute":"guest-ping"}'
t_out "nido-vmm counted the guest's bad control messages, lives on" \
	"running" "$NIDO" domstate ga

# nidod restarts: it connects to the channel again.
stop_daemon
start_daemon
if wait_for 30 ping_ok; then
	ok "after a nidod restart the agent answers again"
else
	not_ok "after a nidod restart the agent answers again" \
		"$("$NIDO" qemu-agent-command ga '{"execute":"guest-ping"}' 2>&1)"
fi

# Save and restore: the port's state (set up, open) is in the save; the
# restored nido-vmm gets a new socket, nidod connects, the agent answers
# at once (the guest does not set the port up again).
t_out "save" "saved to" "$NIDO" save ga "$tmp/ga.save"
t_out "restore" "Domain restored from" "$NIDO" restore "$tmp/ga.save"
if wait_for 30 ping_ok; then
	ok "after restore the agent answers"
else
	not_ok "after restore the agent answers" \
		"$("$NIDO" qemu-agent-command ga '{"execute":"guest-ping"}' 2>&1)"
fi

t_out "shutdown --mode agent (guest-shutdown: the guest powers off)" \
	"is being shutdown" "$NIDO" shutdown ga --mode agent
if wait_for 30 state_is ga "shut off (shutdown)"; then
	ok "the domain is shut off"
else
	not_ok "the domain is shut off" "$("$NIDO" domstate --reason ga 2>&1)"
fi
t "the agent's socket is gone" test ! -e "$NIDO_RUNTIME_DIR/domains/ga.agent"

# Another named channel, on a socket a client reaches; nido-vmm's port
# is there even if no program in the guest opens it.
domain_xml two "$GUEST_AGENT" "$channel
    <channel type='unix'><source mode='bind' path='$tmp/other.sock'/>
    <target type='virtio' name='org.example.other'/></channel>" >"$tmp/two.xml"
"$NIDO" define "$tmp/two.xml" >/dev/null
t_out "a domain with two channels starts on nido-vmm" "started" \
	"$NIDO" start two
t "the other channel's socket is bound" test -S "$tmp/other.sock"
wait_for 30 sh -c "'$NIDO' qemu-agent-command two '{\"execute\":\"guest-ping\"}'" >/dev/null
t_out "the agent answers beside it" '{"return":{}}' \
	"$NIDO" qemu-agent-command two '{"execute":"guest-ping"}'
"$NIDO" destroy two >/dev/null
t "... and its socket is removed when the domain stops" test ! -e "$tmp/other.sock"

# What nido-vmm cannot give: to QEMU by the pick rule.
domain_xml pty "$GUEST_AGENT" "<channel type='pty'>
    <target type='virtio' name='org.example.pty'/></channel>" >"$tmp/pty.xml"
t_out "a pty channel is defined" "defined" "$NIDO" define "$tmp/pty.xml"
t_out "... on the qemu driver (the pick rule)" "<emulator>" \
	"$NIDO" dumpxml pty
cat >"$tmp/kvm-pty.xml" <<XML
<domain type='kvm'>
  <name>kvmpty</name>
  <memory unit='MiB'>32</memory>
  <os><kernel>$GUEST_AGENT</kernel></os>
  <devices>
    <emulator>$NIDO_VMM</emulator>
    <channel type='pty'><target type='virtio' name='org.example.pty'/></channel>
  </devices>
</domain>
XML
t_err "on nido-vmm by <emulator>: refused by name" \
	"<channel> 'org.example.pty' with a type other than 'unix'" \
	"$NIDO" define "$tmp/kvm-pty.xml"
sed "s|<channel type='pty'><target type='virtio' name='org.example.pty'/></channel>|<channel type='unix'><target type='virtio' name='x'/></channel>|" \
	"$tmp/kvm-pty.xml" >"$tmp/kvm-nopath.xml"
t_err "a channel other than the agent's without a path: refused" \
	"without <source path=>" "$NIDO" define "$tmp/kvm-nopath.xml"

done_testing
