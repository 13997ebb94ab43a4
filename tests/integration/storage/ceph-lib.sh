# shellcheck shell=bash
# A throwaway one-node Ceph cluster for the rbd tests: one monitor on
# 127.0.0.1 at a free port and one OSD on memstore (no disk), both as
# the caller's user, everything (configuration, data, logs, sockets)
# under one directory, authentication off, pools of size 1. Nothing
# touches /etc/ceph or /var/lib/ceph. No manager: RBD I/O does not need
# one.
#
#   ceph_start DIR [TIMEOUT]  starts it within TIMEOUT seconds (300) (0),
#                             or returns 1 with the reason in $ceph_why;
#                             exports CEPH_CONF
#   ceph_stop                 stops its daemons (by pid) and waits
#
# $ceph_conf is its ceph.conf; $ceph_mon the monitor's address.

ceph_pids=()

# A TCP port nobody listens on.
ceph_free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ceph_start() {
	local dir=$1 timeout=${2:-300} fsid port osd_uuid
	local deadline=$((SECONDS + timeout)) # the whole start's budget
	ceph_why=
	for p in ceph-mon ceph-osd ceph monmaptool rbd; do
		if ! command -v "$p" >/dev/null; then
			ceph_why="no $p (Debian: ceph-mon, ceph-osd, ceph-common)"
			return 1
		fi
	done
	mkdir -p "$dir/mon" "$dir/osd" "$dir/run" "$dir/log"
	fsid=$(cat /proc/sys/kernel/random/uuid)
	port=$(ceph_free_port)
	ceph_mon=127.0.0.1:$port
	ceph_conf=$dir/ceph.conf
	cat >"$ceph_conf" <<EOF
[global]
fsid = $fsid
mon host = v1:$ceph_mon
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool delete = true
mon allow pool size one = true
mon warn on pool no redundancy = false
ms bind msgr2 = false
run dir = $dir/run
log file = $dir/log/\$name.log
mon cluster log file = $dir/log/\$cluster.\$channel.log
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
keyring = /dev/null
[mon.a]
mon data = $dir/mon
mon addr = v1:$ceph_mon
[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 1073741824
osd journal size = 0
osd crush update on start = false
osd class update on start = false
osd max object name len = 256
osd max object namespace len = 64
EOF
	export CEPH_CONF=$ceph_conf
	monmaptool --create --fsid "$fsid" --addv a "[v1:$ceph_mon]" \
		"$dir/monmap" >"$dir/log/setup" 2>&1 &&
		ceph-mon -c "$ceph_conf" -i a --mkfs --monmap "$dir/monmap" \
			>>"$dir/log/setup" 2>&1 || {
		ceph_why="ceph-mon --mkfs failed: $(tail -3 "$dir/log/setup")"
		return 1
	}
	ceph-mon -c "$ceph_conf" -i a -f >>"$dir/log/mon.out" 2>&1 &
	ceph_pids+=($!)
	if ! ceph_wait $((deadline - SECONDS)) ceph -c "$ceph_conf" --connect-timeout 5 mon stat; then
		ceph_why="the monitor did not answer in ${timeout}s: $(tail -3 "$dir/log/mon.a.log" 2>/dev/null)"
		return 1
	fi
	osd_uuid=$(cat /proc/sys/kernel/random/uuid)
	ceph -c "$ceph_conf" osd create "$osd_uuid" 0 >>"$dir/log/setup" 2>&1 &&
		ceph-osd -c "$ceph_conf" -i 0 --mkfs --osd-uuid "$osd_uuid" \
			>>"$dir/log/setup" 2>&1 || {
		ceph_why="ceph-osd --mkfs failed: $(tail -3 "$dir/log/setup")"
		return 1
	}
	ceph -c "$ceph_conf" osd crush add osd.0 1 root=default host=localhost \
		>>"$dir/log/setup" 2>&1
	ceph-osd -c "$ceph_conf" -i 0 -f >>"$dir/log/osd.out" 2>&1 &
	ceph_pids+=($!)
	if ! ceph_wait $((deadline - SECONDS)) ceph_osd_up; then
		ceph_why="the OSD did not come up in ${timeout}s: $(tail -3 "$dir/log/osd.0.log" 2>/dev/null)"
		return 1
	fi
	return 0
}

ceph_osd_up() {
	ceph -c "$ceph_conf" --connect-timeout 5 osd stat 2>/dev/null |
		grep -q '1 up'
}

# ceph_wait SECONDS CMD...: CMD succeeds within SECONDS.
ceph_wait() {
	local end=$((SECONDS + $1))
	shift
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}

# ceph_pool NAME: a replicated pool of size 1 for RBD images.
ceph_pool() {
	ceph -c "$ceph_conf" osd pool create "$1" 8 8 >/dev/null 2>&1 &&
		ceph -c "$ceph_conf" osd pool set "$1" size 1 --yes-i-really-mean-it >/dev/null 2>&1 &&
		rbd -c "$ceph_conf" pool init "$1" >/dev/null 2>&1
}

# (SIGTERM, then SIGKILL to what still runs after 10 s)
ceph_stop() {
	local p end=$((SECONDS + 10))
	for p in "${ceph_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${ceph_pids[@]}"; do
		while kill -0 "$p" 2>/dev/null && ((SECONDS < end)); do
			sleep 0.2
		done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ceph_pids=()
}
