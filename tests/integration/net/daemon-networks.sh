#!/usr/bin/env bash
# The network kind through nidod and the nido CLI, as a virsh user drives
# it (docs/cli.md, docs/network-xml.md): the net-* verbs and what they
# print, net-update of DHCP hosts, net-event, a dnsmasq killed and
# restarted, a SIGKILL of nidod with networks running, collisions with
# the host, and hostile input. nidod runs in this script's own network
# namespace; clients are veth ends in namespaces of their own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon-lib.sh"

net_xml() { # NAME BRIDGE THIRD-OCTET [extra]
	cat <<XML
<network>
  <name>$1</name>
  <forward mode='nat'/>
  <bridge name='$2' stp='off' delay='0'/>
  <ip address='10.$3.0.1' prefix='24'>
    <dhcp>
      <range start='10.$3.0.100' end='10.$3.0.110'/>
      ${4:-}
    </dhcp>
  </ip>
</network>
XML
}
start_daemon
"$NIDO" net-event --loop --timeout 100 >"$tmp/events" 2>&1 &
evpid=$!
extra_pids="$evpid"
subscribed() { # N: the daemon has had N event subscriptions
	[ "$(grep -c 'events subscribed: ' "$tmp/nidod.log")" -ge "$1" ]
}
t "net-event subscribes" wait_for 10 subscribed 1

# ---- the verbs, as virsh prints them ----
net_xml lab nlab0 71 "<host mac='52:54:00:00:71:10' name='web' ip='10.71.0.10'/>" >"$tmp/lab.xml"
t_exact "net-define" "Network 'lab' defined from $tmp/lab.xml" "$NIDO" net-define "$tmp/lab.xml"
t_exact "net-list: no active network" " Name   State   Autostart   Persistent
----------------------------------------" "$NIDO" net-list
t_exact "net-list --all" " Name   State      Autostart   Persistent
-------------------------------------------
 lab    inactive   no          yes" "$NIDO" net-list --all
t_exact "net-list --inactive --name" "lab" "$NIDO" net-list --inactive --name
uuid=$("$NIDO" net-uuid lab)
[[ $uuid =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] &&
	ok "net-uuid prints a UUID" || not_ok "net-uuid prints a UUID" "$uuid"
t_exact "net-name of the UUID" "lab" "$NIDO" net-name "$uuid"
t_exact "net-info of an inactive network" "Name:           lab
UUID:           $uuid
Active:         no
Persistent:     yes
Autostart:      no
Bridge:         nlab0" "$NIDO" net-info lab
t_exact "net-start" "Network 'lab' started" "$NIDO" net-start lab
t_exact "net-list" " Name   State    Autostart   Persistent
-----------------------------------------
 lab    active   no          yes" "$NIDO" net-list
t_out "net-info: active" "Active:         yes" "$NIDO" net-info "$uuid"
t_out "the bridge is up with its address" "inet 10.71.0.1/24" ip addr show nlab0
t_out "its table is installed" "table inet nido-nlab0" nft list tables
t_exact "net-autostart" "Network 'lab' marked as autostarted" "$NIDO" net-autostart lab
t_exact "net-list --autostart --name" "lab" "$NIDO" net-list --autostart --name
t_exact "net-list --inactive --name: none" "" "$NIDO" net-list --inactive --name
t_exact "net-autostart --disable" "Network 'lab' unmarked as autostarted" \
	"$NIDO" net-autostart --disable lab
t_exact "net-list --autostart: none" "" "$NIDO" net-list --autostart --name
t_out "net-dumpxml: the live definition with its MAC and bridge" "<bridge name='nlab0' stp='off' delay='0'/>" \
	"$NIDO" net-dumpxml lab
t_out "net-dumpxml names the UUID" "<uuid>$uuid</uuid>" "$NIDO" net-dumpxml lab

# net-edit: EDITOR is a sed script; a running network's change waits.
cat >"$tmp/editor" <<'SH'
#!/bin/sh
sed -i "s/10.71.0.110/10.71.0.120/" "$1"
SH
chmod +x "$tmp/editor"
t_out "net-edit of a running network" "Network 'lab' XML configuration edited." \
	env EDITOR="$tmp/editor" "$NIDO" net-edit lab
t_out "net-dumpxml --inactive has the edit" "end='10.71.0.120'" "$NIDO" net-dumpxml --inactive lab
t_out "the live one not yet" "end='10.71.0.110'" "$NIDO" net-dumpxml lab

# ---- clients: DHCP, leases, net-update ----
plug c1 c1 nlab0 52:54:00:00:71:10
t_exact "the static host gets its fixed address" "10.71.0.10" dhcp "$c1" c1
t "its lease is an event at once (the lease file is watched from the start)" \
	wait_for 10 grep -q "event 'lease' for network lab: added 10.71.0.10 " "$tmp/events"
plug c2 c2 nlab0 52:54:00:00:71:20
addr=$(dhcp "$c2" c2)
[[ $addr =~ ^10\.71\.0\.1(0[0-9]|10)$ ]] && ok "another client gets one of the range ($addr)" ||
	not_ok "another client gets one of the range" "got '$addr'"
out=$("$NIDO" net-dhcp-leases lab)
if [[ $out == " Expiry Time"*"MAC address"*"Protocol"*"IP address"*"Hostname"*"Client ID or DUID"* ]] &&
	grep -q " 52:54:00:00:71:10 *ipv4 *10.71.0.10/24 " <<<"$out" &&
	grep -q " 52:54:00:00:71:20 *ipv4 *$addr/24 " <<<"$out"; then
	ok "net-dhcp-leases shows both, with the network's prefix"
else
	not_ok "net-dhcp-leases shows both, with the network's prefix" "$out"
fi
t_exact "net-dhcp-leases --mac" "1" sh -c "'$NIDO' -q net-dhcp-leases lab --mac 52:54:00:00:71:20 | grep -c '$addr/24'"
t_out "the network's DNS answers the DHCP host's name" 10.71.0.10 dns "$c2" 10.71.0.1 web

t_exact "net-update add --live --config" "Updated network lab persistent config and live state" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:20' name='db' ip='10.71.0.20'/>" --live --config
t_out "net-dumpxml shows the new host" "<host mac='52:54:00:00:71:20' name='db' ip='10.71.0.20'/>" \
	"$NIDO" net-dumpxml lab
t_out "... and --inactive too" "<host mac='52:54:00:00:71:20' name='db' ip='10.71.0.20'/>" \
	"$NIDO" net-dumpxml --inactive lab
in_ns "$c2" ip addr flush dev c2
t_exact "udhcpc now gets the new fixed address" "10.71.0.20" dhcp "$c2" c2
t_exact "net-update modify --live --config" "Updated network lab persistent config and live state" \
	"$NIDO" net-update lab modify ip-dhcp-host "<host mac='52:54:00:00:71:20' name='db' ip='10.71.0.21'/>" --live --config
t_exact "udhcpc gets the modified address" "10.71.0.21" dhcp "$c2" c2
t_out "the network's DNS answers the host's new address" 10.71.0.21 dns "$c1" 10.71.0.1 db
t_exact "net-update delete --live --config" "Updated network lab persistent config and live state" \
	"$NIDO" net-update lab delete ip-dhcp-host "<host mac='52:54:00:00:71:20'/>" --live --config
! "$NIDO" net-dumpxml lab | grep -q 52:54:00:00:71:20 &&
	! "$NIDO" net-dumpxml --inactive lab | grep -q 52:54:00:00:71:20 &&
	ok "the host is gone from both definitions" ||
	not_ok "the host is gone from both definitions" "$("$NIDO" net-dumpxml lab)"
t_exact "net-update --live only" "Updated network lab live state" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:30' ip='10.71.0.30'/>" --live
t_out "... is in the live definition" "10.71.0.30" "$NIDO" net-dumpxml lab
! "$NIDO" net-dumpxml --inactive lab | grep -q 10.71.0.30 &&
	ok "... and not in the persistent one" ||
	not_ok "... and not in the persistent one" "$("$NIDO" net-dumpxml --inactive lab)"

# Hostile net-update input: nothing changes.
before=$("$NIDO" net-dumpxml lab; "$NIDO" net-dumpxml --inactive lab)
t_err "net-update with bad XML" "failed to update network 'lab'" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:40' ip='10.71.0.40'" --live --config
t_err "net-update with a host outside the subnet" "10.99.0.1" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:40' ip='10.99.0.1'/>" --live --config
t_err "net-update with a bad MAC" "52:54:00:zz:71:40" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:zz:71:40' ip='10.71.0.40'/>" --config
t_err "net-update adding a host twice" "existing dhcp host entry" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:10' name='web' ip='10.71.0.10'/>" --config
t_err "net-update deleting a host it does not have" "couldn't locate a matching dhcp host" \
	"$NIDO" net-update lab delete ip-dhcp-host "<host mac='52:54:00:00:71:99'/>" --config
t_err "net-update of another section" "section 'dns-host' is not supported" \
	"$NIDO" net-update lab add dns-host "<host ip='10.71.0.5'><hostname>x</hostname></host>"
t_err "net-update with an unknown command" "unknown net-update command 'frob'" \
	"$NIDO" net-update lab frob ip-dhcp-host "<host mac='52:54:00:00:71:40' ip='10.71.0.40'/>"
t_err "net-update of an unknown network" "failed to get network 'nosuch'" \
	"$NIDO" net-update nosuch add ip-dhcp-host "<host mac='52:54:00:00:71:40' ip='10.71.0.40'/>"
[ "$("$NIDO" net-dumpxml lab; "$NIDO" net-dumpxml --inactive lab)" = "$before" ] &&
	ok "the refused updates changed nothing" || not_ok "the refused updates changed nothing"

t_out "net-update warns about what it ignores, naming it" "warning: line 1: <host>: unknown attribute 'extra' ignored" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:60' ip='10.71.0.60' extra='1'/>" --config
"$NIDO" net-update lab delete ip-dhcp-host "<host mac='52:54:00:00:71:60'/>" --config >/dev/null
t_err "net-dhcp-leases --mac with a bad MAC" "is not a MAC address" \
	"$NIDO" net-dhcp-leases lab --mac 52:54:zz:00:00:01
t_err "net-update --parent-index beyond the <ip>s" "network 'lab' has no <ip> number 3" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:40' ip='10.71.0.40'/>" --parent-index 3 --config

# ---- dnsmasq supervision ----
t_exact "net-event --list" "lifecycle
lease
dnsmasq" "$NIDO" net-event --list
t_exact "net-event --timeout with nothing happening" "event loop timed out
events received: 0" "$NIDO" net-event --network lab --event lifecycle --timeout 1
"$NIDO" net-event --network lab --event dnsmasq --timeout 30 >"$tmp/oneshot" 2>&1 &
oneshot=$!
t "net-event --network lab --event dnsmasq subscribes" wait_for 10 subscribed 3
pid=$(our_dnsmasqs)
kill -9 "$pid"
t "a dnsmasq killed with SIGKILL is restarted" wait_for 20 sh -c \
	"p=\$(cat '$NIDO_RUNTIME_DIR/networks/lab.json' | python3 -c 'import json,sys; print(json.load(sys.stdin).get(\"dnsmasq_pid\", 0))'); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] && kill -0 \$p"
newpid=$(our_dnsmasqs)
[ -n "$newpid" ] && [ "$newpid" != "$pid" ] && ok "by a new process ($pid, now $newpid)" ||
	not_ok "by a new process" "was $pid, now '$newpid'"
in_ns "$c1" ip addr flush dev c1
t_exact "and it serves: the static host gets its address again" "10.71.0.10" dhcp "$c1" c1
t_out "the daemon's log says so" "dnsmasq restarted (pid $newpid)" cat "$tmp/nidod.log"
wait "$oneshot"
[ $? = 0 ] && ok "net-event one-shot succeeds after its event" || not_ok "net-event one-shot succeeds after its event"
t_exact "net-event --network --event dnsmasq: the first one, then it ends" \
	"event 'dnsmasq' for network lab: exited: killed by SIGKILL
events received: 1" cat "$tmp/oneshot"

# ---- collisions, refused naming both ----
ip link add hostlink0 type veth peer name hostlink1
net_xml coll hostlink0 72 >"$tmp/coll.xml"
"$NIDO" net-define "$tmp/coll.xml" >/dev/null
t_err "a bridge name that is a host link" "bridge 'hostlink0' is already an interface of the host" \
	"$NIDO" net-start coll
ip link set hostlink0 up
ip addr add 10.73.5.1/16 dev hostlink0
net_xml over nover0 73 >"$tmp/over.xml"
"$NIDO" net-define "$tmp/over.xml" >/dev/null
t_err "a subnet that overlaps a host route" "subnet 10.73.0.0/24 overlaps the host's route 10.73.0.0/16" \
	"$NIDO" net-start over
! ip link show nover0 >/dev/null 2>&1 && ! nft list tables | grep -q nover0 &&
	ok "the refused start left no bridge and no table" ||
	not_ok "the refused start left no bridge and no table" "$(ip link; nft list tables)"
net_xml twin nlab0 74 >"$tmp/twin.xml"
t_err "a second network with the same bridge" "bridge name 'nlab0' is already in use by network 'lab'" \
	"$NIDO" net-define "$tmp/twin.xml"
"$NIDO" net-undefine coll >/dev/null
"$NIDO" net-undefine over >/dev/null

# ---- hostile definitions ----
echo "<network><name>bad</name><ip address='10.75.0.1' prefix='24'>" >"$tmp/bad.xml"
t_err "net-define of bad XML" "failed to define network from '$tmp/bad.xml'" "$NIDO" net-define "$tmp/bad.xml"
net_xml bad2 nbad0 76 "<range start='10.77.0.2' end='10.77.0.9'/>" >"$tmp/bad2.xml"
t_err "a DHCP range outside the subnet" "10.77.0.2" "$NIDO" net-define "$tmp/bad2.xml"
sed 's/<name>lab/<name>..\/x/' "$tmp/lab.xml" >"$tmp/bad3.xml"
t_err "a name with a slash" "failed to define network" "$NIDO" net-define "$tmp/bad3.xml"
t_err "net-start of an unknown network" "failed to get network 'nosuch'" "$NIDO" net-start nosuch
t_err "net-info of an unknown network" "failed to get network 'nosuch'" "$NIDO" net-info nosuch
t_exact "nothing was defined by the refusals" "lab" "$NIDO" net-list --all --name
net_xml idle nidle0 79 >"$tmp/idle.xml"
"$NIDO" net-define "$tmp/idle.xml" >/dev/null
t_err "net-destroy of an inactive network" "failed to destroy network 'idle': network 'idle' is not active" \
	"$NIDO" net-destroy idle
t_err "net-start of a running network" "network 'lab' is already active" "$NIDO" net-start lab
"$NIDO" net-undefine idle >/dev/null

# ---- net-create, a transient network ----
net_xml tmpnet ntmp0 78 >"$tmp/tmpnet.xml"
t_exact "net-create" "Network 'tmpnet' created from $tmp/tmpnet.xml" "$NIDO" net-create "$tmp/tmpnet.xml"
t_out "net-list: it runs, not persistent" " tmpnet   active   no          no" "$NIDO" net-list
t_err "net-autostart of a transient network" "failed to mark as autostarted network 'tmpnet'" \
	"$NIDO" net-autostart tmpnet
t_exact "net-list --transient --name" "tmpnet" "$NIDO" net-list --transient --name

# ---- SIGKILL of nidod with two networks running ----
rules() { nft -a list ruleset | grep -c 'handle'; }
rules_before=$(rules)
dns_before=$(our_dnsmasqs | sort | tr '\n' ' ')
lease_events() { grep -c "network 'lab': event 'lease': $1" "$tmp/nidod.log"; }
added_before=$(lease_events added)
stop_daemon KILL
kill -INT "$evpid" 2>/dev/null
wait "$evpid" 2>/dev/null
# While no nidod runs, dnsmasq goes on: a client comes.
plug c3 c3 nlab0 52:54:00:00:71:33
addr3=$(dhcp "$c3" c3)
start_daemon
t "the lease that came while nidod was down is reported" \
	wait_for 10 grep -q "network 'lab': event 'lease': added $addr3 52:54:00:00:71:33" "$tmp/nidod.log"
t_exact "... and only it: the leases it had reported are not reported again" \
	"$((added_before + 1))" lease_events added
"$NIDO" net-event --loop --timeout 100 >>"$tmp/events" 2>&1 &
evpid=$!
extra_pids="$evpid"
t "net-event subscribes again" wait_for 10 subscribed 4
t_exact "after a SIGKILL and a restart, both still run" "lab
tmpnet" "$NIDO" net-list --name
t_exact "the same dnsmasqs (no restart)" "$dns_before" sh -c "$(declare -f our_dnsmasqs); NIDO_RUNTIME_DIR=$NIDO_RUNTIME_DIR; our_dnsmasqs | sort | tr '\n' ' '"
t_exact "no rule duplicated, none missing" "$rules_before" rules
t "the bridges are there" ip link show ntmp0
t_exact "net-destroy of the transient network" "Network 'tmpnet' destroyed" "$NIDO" net-destroy tmpnet
! ip link show ntmp0 >/dev/null 2>&1 && ! nft list tables | grep -q ntmp0 &&
	[ "$(our_dnsmasqs | wc -l)" = 1 ] &&
	ok "it left no bridge, table or dnsmasq" ||
	not_ok "it left no bridge, table or dnsmasq" "$(ip -br link; nft list tables; our_dnsmasqs)"
t_exact "and it is gone" "lab" "$NIDO" net-list --all --name
t_exact "net-destroy" "Network 'lab' destroyed" "$NIDO" net-destroy lab
t_out "the edit made while it ran is now the definition" "end='10.71.0.120'" "$NIDO" net-dumpxml lab
! "$NIDO" net-dumpxml lab | grep -q 10.71.0.30 &&
	ok "the --live-only host went with the live definition" ||
	not_ok "the --live-only host went with the live definition" "$("$NIDO" net-dumpxml lab)"
! ip link show nlab0 >/dev/null 2>&1 && [ -z "$(nft list tables | grep nido)" ] &&
	[ -z "$(our_dnsmasqs)" ] &&
	ok "nothing of the networks is left" ||
	not_ok "nothing of the networks is left" "$(ip -br link; nft list tables; our_dnsmasqs)"
# A --live change without a pending persistent one: gone at the stop.
"$NIDO" net-start lab >/dev/null
t_exact "net-update --live of a network with no pending change" "Updated network lab live state" \
	"$NIDO" net-update lab add ip-dhcp-host "<host mac='52:54:00:00:71:50' ip='10.71.0.50'/>" --live
! "$NIDO" net-dumpxml --inactive lab | grep -q 10.71.0.50 &&
	ok "net-dumpxml --inactive does not show it" ||
	not_ok "net-dumpxml --inactive does not show it" "$("$NIDO" net-dumpxml --inactive lab)"
"$NIDO" net-destroy lab >/dev/null
! "$NIDO" net-dumpxml lab | grep -q 10.71.0.50 &&
	ok "after net-destroy the definition does not have it" ||
	not_ok "after net-destroy the definition does not have it" "$("$NIDO" net-dumpxml lab)"
t_exact "net-undefine" "Network 'lab' has been undefined" "$NIDO" net-undefine lab
t_exact "no network is left" "" "$NIDO" net-list --all --name

# ---- the events of all this ----
sleep 0.5
kill -INT "$evpid" 2>/dev/null
wait "$evpid" 2>/dev/null
ev=$(cat "$tmp/events")
for want in "event 'lifecycle' for network lab: Defined" \
	"event 'lifecycle' for network lab: Started" \
	"event 'lease' for network lab: added 10.71.0.10 52:54:00:00:71:10 web" \
	"event 'lease' for network lab: added $addr 52:54:00:00:71:20 -" \
	"event 'dnsmasq' for network lab: exited: killed by SIGKILL" \
	"event 'dnsmasq' for network lab: restarted" \
	"event 'lifecycle' for network tmpnet: Started" \
	"event 'lifecycle' for network lab: Stopped" \
	"event 'lifecycle' for network lab: Undefined"; do
	[[ $ev == *"$want"* ]] && ok "net-event: $want" || not_ok "net-event: $want" "$ev"
done
t_out "the daemon's log has the lease events too" "network 'lab': event 'lease': added 10.71.0.10 52:54:00:00:71:10 web" \
	cat "$tmp/nidod.log"
finish_daemon

# ---- a dnsmasq slow to end does not block other clients ----
# This "dnsmasq" ignores SIGTERM: nidod kills it DNSMASQ_STOP_MS later,
# waiting through the loop, so another client is answered meanwhile.
cat >"$tmp/slow-dnsmasq" <<PY
#!/usr/bin/env python3
import signal, time
signal.signal(signal.SIGTERM, lambda *a: open("$tmp/got-term", "w").close())
while True:
    time.sleep(1)
PY
chmod 755 "$tmp/slow-dnsmasq"
NIDO_DNSMASQ=$tmp/slow-dnsmasq start_daemon
net_xml slow nslow0 80 >"$tmp/slow.xml"
"$NIDO" net-create "$tmp/slow.xml" >/dev/null
slow=$(our_dnsmasqs)
"$NIDO" net-destroy slow >"$tmp/destroy.out" 2>&1 &
dpid=$!
wait_for 20 test -e "$tmp/got-term"
list=$("$NIDO" net-list --name)
if [ "$list" = slow ] && alive "$slow" && alive "$dpid"; then
	ok "another client is answered while a network's dnsmasq ends"
else
	not_ok "another client is answered while a network's dnsmasq ends" \
		"net-list: $list" "dnsmasq $slow: $(kill -0 "$slow" 2>&1 && echo alive || echo gone)"
fi
t_err "a second net-destroy meanwhile is refused" "network 'slow' is busy: its dnsmasq is being stopped" \
	"$NIDO" net-destroy slow
t_err "so is a net-update" "network 'slow' is busy" \
	"$NIDO" net-update slow add ip-dhcp-host "<host mac='52:54:00:00:80:10' ip='10.80.0.10'/>" --live
wait "$dpid"
t_out "net-destroy answers once it is gone" "Network 'slow' destroyed" cat "$tmp/destroy.out"
! alive "$slow" && ! ip link show nslow0 >/dev/null 2>&1 &&
	ok "the dnsmasq that ignored SIGTERM was killed, the bridge removed" ||
	not_ok "the dnsmasq that ignored SIGTERM was killed, the bridge removed"
t_out "the log says why" "did not end on SIGTERM; killing it" cat "$tmp/nidod.log"
# nidod ends while a stop waits: the next start finishes it.
rm -f "$tmp/got-term"
"$NIDO" net-create "$tmp/slow.xml" >/dev/null
slow=$(our_dnsmasqs)
"$NIDO" net-destroy slow >"$tmp/destroy.out" 2>&1 &
dpid=$!
wait_for 20 test -e "$tmp/got-term"
finish_daemon
wait "$dpid"
t_out "the waiting net-destroy is told the daemon went" "error: " cat "$tmp/destroy.out"
NIDO_DNSMASQ=$tmp/slow-dnsmasq start_daemon
t_exact "the next start finished the stop" "" "$NIDO" net-list --all --name
! alive "$slow" && ! ip link show nslow0 >/dev/null 2>&1 &&
	ok "... leaving no dnsmasq and no bridge" ||
	not_ok "... leaving no dnsmasq and no bridge" "$(ip -br link; our_dnsmasqs)"
finish_daemon
done_testing
