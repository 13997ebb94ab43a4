#!/usr/bin/env bash
# Remote pools whose storage does not answer hold up only their own
# caller: an rbd pool whose monitor is a TCP listener that accepts and
# never says a word, and an iscsi pool whose iscsiadm never returns (a
# fake on nidod's PATH: this host has no iscsi_tcp module; iscsi.sh in
# tests/nested meets a real portal). While their pool-start hangs,
# other calls of nidod answer (checked by the order of events: they
# return while the hung call is still pending), a second operation on
# the hung pool is refused by name, and the hung call ends with an
# error naming the pool when nidod.conf's storage_job_timeout expires;
# the pool stays inactive (a transient one goes) and undefine is refused
# until its job ends; a restarted nidod serves while such a pool's
# autostart goes on.
. "$(dirname "$0")/lib.sh"

if ! "$NIDO" img info rbd:x/y:mon_host=none 2>&1 | grep -vq "without rbd support"; then
	echo "1..0 # SKIP nido was built without rbd support (librbd-dev)"
	exit 0
fi

# ---- a monitor that never answers, an iscsiadm that never returns ----
cat >"$tmp/silent.py" <<'EOF'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1], "w") as f:
    print(s.getsockname()[1], file=f)
held = []
while True:
    held.append(s.accept()[0])
EOF
python3 "$tmp/silent.py" "$tmp/port" &
extra_pids="${extra_pids:-} $!"
wait_for 10 test -s "$tmp/port"
port=$(cat "$tmp/port")

mkdir -p "$tmp/bin"
cat >"$tmp/bin/iscsiadm" <<EOF
#!/bin/sh
echo \$\$ >>"$tmp/iscsiadm.pids"
exec sleep 40
EOF
chmod +x "$tmp/bin/iscsiadm"
kill_iscsiadm() {
	local p
	for p in $(cat "$tmp/iscsiadm.pids" 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
}
trap 'kill_iscsiadm; cleanup' EXIT

echo "storage_job_timeout = 8" >"$tmp/nidod.conf"
PATH=$tmp/bin:$PATH "$NIDOD" --session --config "$tmp/nidod.conf" \
	--log-level debug >>"$tmp/nidod.log" 2>&1 &
wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"

cat >"$tmp/deadceph.xml" <<XML
<pool type='rbd'>
  <name>deadceph</name>
  <source>
    <name>nido</name>
    <host name='127.0.0.1' port='$port'/>
  </source>
</pool>
XML
cat >"$tmp/deadportal.xml" <<XML
<pool type='iscsi'>
  <name>deadportal</name>
  <source>
    <host name='127.0.0.1' port='$port'/>
    <device path='iqn.2026-12.org.nido:dead'/>
  </source>
  <target><path>/dev/disk/by-path</path></target>
</pool>
XML
t "pool-define deadceph" "$NIDO" pool-define "$tmp/deadceph.xml"
t "pool-define deadportal" "$NIDO" pool-define "$tmp/deadportal.xml"
t "pool-define-as a dir pool" "$NIDO" pool-define-as local dir --target "$tmp/local"
t "pool-build local" "$NIDO" pool-build local
t "pool-start local" "$NIDO" pool-start local

# hung POOL VERB...: runs VERB in the background into $tmp/POOL.out;
# returns once nidod has started its job (its log says so)
hung() {
	local pool=$1
	shift
	"$NIDO" "$@" >"$tmp/$pool.out" 2>&1 &
	hung_pid=$!
	t "$* is pending in nidod" wait_for 30 \
		grep -q "pool '$pool': pool-start started" "$tmp/nidod.log"
}

# pending DESC: the hung call has not returned yet
pending() {
	kill -0 "$hung_pid" 2>/dev/null && ok "$1" ||
		not_ok "$1" "it returned: $(cat "$tmp"/*.out)"
}

# other_calls POOL: what other clients do while POOL hangs
other_calls() {
	t "$1 hangs: nido list answers" "$NIDO" list --all
	t_out "$1 hangs: pool-list answers, the pool inactive" "inactive" \
		"$NIDO" pool-list --all
	t_out "$1 hangs: pool-info of it answers" "State:          inactive" \
		"$NIDO" pool-info "$1"
	t_exact "$1 hangs: another pool works" "Vol 'v-$1' created" \
		"$NIDO" vol-create-as local "v-$1" 1M
	t_out "$1 hangs: its vol-list" "v-$1" "$NIDO" vol-list local
	t_err "$1 hangs: a second pool-start is refused by name" \
		"storage pool '$1' has asynchronous jobs running (pool-start)" \
		"$NIDO" pool-start "$1"
	t_err "$1 hangs: pool-undefine is refused" "has asynchronous jobs running" \
		"$NIDO" pool-undefine "$1"
	t_err "$1 hangs: pool-delete is refused" "has asynchronous jobs running" \
		"$NIDO" pool-delete "$1"
}

# ---- rbd: the monitor accepts and stays silent ----
hung deadceph pool-start deadceph
other_calls deadceph
pending "pool-start deadceph was still pending when those answered"
wait "$hung_pid"
rc=$?
t "pool-start deadceph fails" test "$rc" -ne 0
t_out "... with an error naming the pool" \
	"storage pool 'deadceph': pool-start did not finish within 8 s" cat "$tmp/deadceph.out"
t_exact "... and the pool stays inactive" "inactive" \
	sh -c "'$NIDO' pool-list --all | awk '\$1 == \"deadceph\" {print \$2}'"

# ---- a transient pool that never starts goes again ----
sed 's/deadceph/deadtrans/; s/>nido</>other</' "$tmp/deadceph.xml" >"$tmp/deadtrans.xml"
hung deadtrans pool-create "$tmp/deadtrans.xml"
t_out "pool-create hangs: pool-list answers" "deadtrans" "$NIDO" pool-list --all
t_err "pool-create hangs: another pool-create of it is refused by name" \
	"storage pool 'deadtrans' has asynchronous jobs running" \
	"$NIDO" pool-create "$tmp/deadtrans.xml"
pending "pool-create deadtrans was still pending then"
wait "$hung_pid"
rc=$?
t "pool-create deadtrans fails" test "$rc" -ne 0
t_out "... with an error naming the pool" \
	"storage pool 'deadtrans': pool-start did not finish within 8 s" cat "$tmp/deadtrans.out"
t_not "... and the transient pool is gone" "deadtrans" "$NIDO" pool-list --all

# ---- iscsi: iscsiadm never returns ----
hung deadportal pool-start deadportal
other_calls deadportal
pending "pool-start deadportal was still pending when those answered"
wait "$hung_pid"
rc=$?
t "pool-start deadportal fails" test "$rc" -ne 0
t_out "... with an error naming the pool" \
	"storage pool 'deadportal': pool-start did not finish within 8 s" cat "$tmp/deadportal.out"

"$NIDO" find-storage-pool-sources-as iscsi 127.0.0.1 "$port" >"$tmp/find.out" 2>&1 &
hung_pid=$!
t "find-storage-pool-sources-as hangs: nido pool-list answers" "$NIDO" pool-list --all
pending "find-storage-pool-sources-as was still pending when it answered"
wait "$hung_pid"
rc=$?
t "find-storage-pool-sources-as of a dead portal fails" test "$rc" -ne 0
t_out "... naming the portal" "portal '127.0.0.1' did not answer within 8 s" cat "$tmp/find.out"

# ---- once the backends give up, the pools are free again ----
kill_iscsiadm
t "the rbd client gives up (its own 30 s) and the pool is free" \
	wait_for 60 sh -c "! '$NIDO' pool-autostart deadceph 2>&1 | grep -q asynchronous"
t "the iscsi job ends and the pool is free" \
	wait_for 60 sh -c "! '$NIDO' pool-undefine deadportal 2>&1 | grep -q asynchronous"
t_out "nidod logged the late ends" "ended after its bound" cat "$tmp/nidod.log"

# ---- an autostarted pool whose cluster is silent: nidod comes up
# once the autostart's bound expired (it waits for remote pools, so
# that guests find their volumes), the start going on as a job ----
start_conf_daemon() {
	"$NIDOD" --session --config "$tmp/nidod.conf" \
		--log-level debug >>"$tmp/nidod.log" 2>&1 &
	wait_for 30 test -S "$NIDO_RUNTIME_DIR/nidod.sock"
}
stop_daemon
start_conf_daemon
t_out "nidod restarted: pool-list answers while deadceph's autostart goes on" "deadceph" \
	"$NIDO" pool-list --all
t_err "... and deadceph's autostart is still pending" \
	"storage pool 'deadceph' has asynchronous jobs running (pool-start)" \
	"$NIDO" pool-define "$tmp/deadceph.xml"
t_out "a dir pool's volume is there" "v-deadceph" "$NIDO" vol-list local
n=$(grep -c "storage pool 'deadceph': pool-start did not finish within 8 s" "$tmp/nidod.log")
t "nidod said the autostart did not finish within its bound" test "$n" -ge 2
# nidod exits with the job running: it does not wait for it
done_testing
