#!/usr/bin/env bash
# bench/ct: containers started and ended one after another, nido against
# crun (an OCI runtime in C) and LXC's lxc-execute, on the same busybox
# root file system with the same namespaces (user with the same id
# range, mount, pid, uts, ipc, net, cgroup); and the memory a running
# container costs, nido's against LXC's.
#
#   bench/ct/run.sh [BUILD_DIR]     (default: $NIDO_BUILD_DIR or build)
#
# Environment: BENCH_N (containers per runtime, 100), BENCH_RUNNING
# (containers kept running for the memory figure, 20). Needs root and
# busybox-static; crun and lxc (scripts/lib/deps.sh's bench list) are
# installed when missing. LXC maps ids through newuidmap even as root:
# while it runs, root gets the containers' range in /etc/subuid and
# /etc/subgid (the lines are removed at the end).
set -eu
. "$(dirname "$0")/../../scripts/lib/deps.sh"
ensure_packages busybox-static "${NIDO_BENCH_PACKAGES[@]}" ||
	echo "bench/ct: without crun or lxc, their figures are left out" >&2
build=$(readlink -f "${1:-${NIDO_BUILD_DIR:-build}}")
n=${BENCH_N:-100}
running=${BENCH_RUNNING:-20}
[ "$(id -u)" -eq 0 ] || { echo "bench/ct needs root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/nido-bench-ct.XXXXXX)
chmod 755 "$tmp"
export NIDO_STATE_DIR=$tmp/state NIDO_RUNTIME_DIR=$tmp/run
export NIDO_DEFAULT_URI=nido:///session
base=$(awk -F: '$1 == "nido" { n++; if (n == 2) { print $2; exit } }' /etc/subuid 2>/dev/null)
base=${base:-$((0x6e6a0000))}

root=$tmp/bundle/rootfs
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/"
for a in true sleep sh; do ln -s busybox "$root/bin/$a"; done
chown -R "$base:$base" "$root"

"$build/src/daemon/nidod" --session --log-level warning 2>"$tmp/nidod.log" &
pid=$!
subid_line="root:$base:65536"
cleanup() {
	kill $pid 2>/dev/null || true
	for i in $(seq "$running"); do
		lxc-stop -k -P "$tmp/lxc" -n "r$i" >/dev/null 2>&1 || true
	done
	for f in /etc/subuid /etc/subgid; do
		[ -f "$tmp/added-$(basename $f)" ] && sed -i "\|^$subid_line\$|d" "$f"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 300); do
	[ -S "$tmp/run/nidod.sock" ] && break
	sleep 0.1
done

ct_xml() { # name init args...
	local name=$1 init=$2
	shift 2
	printf "<domain type='lxc'><name>%s</name><memory unit='MiB'>64</memory>" "$name"
	printf "<os><type>exe</type><init>%s</init>" "$init"
	for a in "$@"; do printf "<initarg>%s</initarg>" "$a"; done
	printf "</os><devices><filesystem type='mount'><source dir='%s'/>" "$root"
	printf "<target dir='/'/></filesystem><console type='pty'/></devices></domain>\n"
}
ct_xml t /bin/true >"$tmp/t.xml"
"$build/src/cli/nido" define "$tmp/t.xml" >/dev/null

# nido: domain.start, then the "stopped" event, over one API connection.
SOCK=$tmp/run/nidod.sock N=$n PYTHONPATH=$(readlink -f "$(dirname "$0")/../lib") python3 - <<'PY' >"$tmp/nido.times"
import os, time
from nidorpc import Conn
c = Conn(os.environ['SOCK'])
call = c.call
call("event.subscribe", {"domain": "t", "events": ["lifecycle"]})
for i in range(int(os.environ['N'])):
    t0 = time.monotonic()
    call("domain.start", {"domain": "t"})
    while True:
        m = c.readline()
        if m.get("method") == "event" and m["params"]["type"] == "stopped":
            # /bin/true ran: its init exited, status 0 (a shut-down)
            if m["params"]["detail"] != "shutdown":
                raise SystemExit("container stopped: %s" % m["params"])
            break
    print(time.monotonic() - t0)
PY

# crun: the same root, namespaces and id range, /bin/true, no terminal.
if command -v crun >/dev/null; then
	(cd "$tmp/bundle" && crun spec)
	BASE=$base python3 - "$tmp/bundle/config.json" <<'PY'
import json, os, sys
c = json.load(open(sys.argv[1]))
base = int(os.environ['BASE'])
c["process"]["args"] = ["/bin/true"]
c["process"]["terminal"] = False
c["root"] = {"path": "rootfs", "readonly": False}
ns = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount",
                            "user", "cgroup")]
c["linux"]["namespaces"] = ns
c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": base, "size": 65536}]
c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": base, "size": 65536}]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
	# crun refuses a hybrid layout whose v2 mount has a controller
	# (hugetlb on these machines): it runs where the v2 mount is hidden,
	# on the v1 controllers, which it then uses as nido does
	N=$n B=$tmp/bundle unshare -m --propagation private bash -c '
		umount -l /sys/fs/cgroup/unified 2>/dev/null
		for i in $(seq "$N"); do
			t0=$(date +%s%N)
			crun run --bundle "$B" "nido-bench-$$-$i" >/dev/null || exit 1
			echo "$(( $(date +%s%N) - t0 ))" | awk "{ print \$1 / 1e9 }"
		done' >"$tmp/crun.times"
fi

# lxc-execute: the same root, id range and namespaces (a network
# namespace with its loopback only), LXC's capability drop as nido's,
# /proc and /sys as nido mounts them, no console.
lxc_conf() { # file [lines...]
	local f=$1
	shift
	cat >"$f" <<EOF
lxc.uts.name = bench
lxc.rootfs.path = dir:$root
lxc.idmap = u 0 $base 65536
lxc.idmap = g 0 $base 65536
lxc.net.0.type = empty
lxc.mount.auto = proc:mixed sys:ro
lxc.autodev = 1
lxc.apparmor.profile = unconfined
lxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio
lxc.console.path = none
lxc.tty.max = 0
EOF
	printf '%s\n' "$@" >>"$f"
}
if command -v lxc-execute >/dev/null; then
	for f in /etc/subuid /etc/subgid; do
		grep -qx "$subid_line" "$f" 2>/dev/null ||
			{ echo "$subid_line" >>"$f" && touch "$tmp/added-$(basename $f)"; }
	done
	mkdir -p "$tmp/lxc"
	lxc_conf "$tmp/lxc/true.conf"
	for i in $(seq "$n"); do
		t0=$(date +%s%N)
		lxc-execute -P "$tmp/lxc" -n "x$i" -f "$tmp/lxc/true.conf" -- /bin/true ||
			{ echo "lxc-execute failed" >&2; exit 1; }
		echo "$(($(date +%s%N) - t0))" | awk '{ print $1 / 1e9 }'
	done >"$tmp/lxc.times"
fi

median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
nido_med=$(median "$tmp/nido.times")
printf 'nido: %d containers, median %.1f ms each\n' "$n" "$(awk -v m="$nido_med" 'BEGIN { print m * 1000 }')"
if [ -s "$tmp/crun.times" ]; then
	crun_med=$(median "$tmp/crun.times")
	printf 'crun: %d containers, median %.1f ms each\n' "$n" "$(awk -v m="$crun_med" 'BEGIN { print m * 1000 }')"
	printf 'ratio nido/crun: %.2f (goal: <= 1)\n' "$(awk -v a="$nido_med" -v b="$crun_med" 'BEGIN { print a / b }')"
else
	echo "crun: not installed (apt-get install crun), no ratio"
fi
if [ -s "$tmp/lxc.times" ]; then
	lxc_med=$(median "$tmp/lxc.times")
	printf 'lxc-execute: %d containers, median %.1f ms each\n' "$n" "$(awk -v m="$lxc_med" 'BEGIN { print m * 1000 }')"
	printf 'ratio nido/lxc-execute: %.2f\n' "$(awk -v a="$nido_med" -v b="$lxc_med" 'BEGIN { print a / b }')"
fi

# Memory: what a running container costs, idle (busybox sleep as its
# init). nido: what nidod and the consoles' keepers (forks of nidod,
# sharing its pages) add, plus the container's own processes. LXC: each
# container's monitor (lxc-start's daemon) and its processes. Resident
# sizes both proportional (Pss: a page shared by N processes counts 1/N)
# and whole (Rss); kernel memory (namespaces, cgroups, ptys) is not
# counted.
mem() { # field pids...: total in KiB
	local f=$1 p t=0
	shift
	for p in "$@"; do
		t=$((t + $(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
per() { # before after: per container
	echo $((($2 - $1) / running))
}
before_pss=$(mem Pss "$pid")
before_rss=$(mem Rss "$pid")
inits=
for i in $(seq "$running"); do
	ct_xml "r$i" /bin/sleep 100000 >"$tmp/r$i.xml"
	"$build/src/cli/nido" define "$tmp/r$i.xml" >/dev/null
	"$build/src/cli/nido" start "r$i" >/dev/null
	inits="$inits $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$tmp/run/domains/r$i.json")"
done
keepers=$(pgrep -P "$pid" || true)
# shellcheck disable=SC2086
{
	own_pss=$(per "$before_pss" "$(mem Pss "$pid" $keepers)")
	own_rss=$(per "$before_rss" "$(mem Rss "$pid" $keepers)")
	init_pss=$(per 0 "$(mem Pss $inits)")
	init_rss=$(per 0 "$(mem Rss $inits)")
}
printf 'memory: %d running containers; per container: nidod + keeper Pss %d KiB (goal: <= 1024), its init %d KiB, total %d KiB (Rss %d + %d KiB)\n' \
	"$running" "$own_pss" "$init_pss" $((own_pss + init_pss)) "$own_rss" "$init_rss"
for i in $(seq "$running"); do
	"$build/src/cli/nido" destroy "r$i" >/dev/null
done
if command -v lxc-start >/dev/null && [ -s "$tmp/lxc.times" ]; then
	lxc_conf "$tmp/lxc/sleep.conf" "lxc.init.cmd = /bin/sleep 100000"
	monitors= inits=
	for i in $(seq "$running"); do
		lxc-start -P "$tmp/lxc" -n "r$i" -f "$tmp/lxc/sleep.conf" -d
		init=$(lxc-info -P "$tmp/lxc" -n "r$i" -p -H)
		inits="$inits $init"
		monitors="$monitors $(awk '{ print $4 }' "/proc/$init/stat")"
	done
	# shellcheck disable=SC2086
	{
		own_pss=$(per 0 "$(mem Pss $monitors)")
		own_rss=$(per 0 "$(mem Rss $monitors)")
		init_pss=$(per 0 "$(mem Pss $inits)")
		init_rss=$(per 0 "$(mem Rss $inits)")
	}
	printf 'memory: %d running LXC containers; per container: monitor Pss %d KiB, its init %d KiB, total %d KiB (Rss %d + %d KiB)\n' \
		"$running" "$own_pss" "$init_pss" $((own_pss + init_pss)) "$own_rss" "$init_rss"
fi
