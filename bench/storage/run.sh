#!/usr/bin/env bash
# bench/storage: a dir pool's volumes through nidod, against the tools
# an admin would use without it.
#
#   bench/storage/run.sh [BUILD_DIR]   (default: $NIDO_BUILD_DIR or build)
#
# 1. vol-upload and vol-download (--sparse) of a sparse raw file of
#    BENCH_SIZE MiB (1024; a quarter of it data, in 1 MiB runs, the rest
#    holes) over the local socket, against `cp` of the same file
#    (coreutils copies the data and skips the holes); throughput is the
#    file's size over the time, the ratio nido's throughput over cp's
#    (goal: >= 0.8). Both copies are compared with the source, and the
#    space they take with the source's (holes kept).
# 2. vol-create-as of BENCH_VOLS (1000) qcow2 volumes of 1 GiB, one
#    `nido` process each, against `qemu-img create -f qcow2` of as many
#    files: time per volume, ratio nido / qemu-img (goal: <= 1.0, each
#    tool a process per volume); and the same volumes made through the
#    API on one connection (volume.create), the daemon's own cost.
# 3. pool-refresh of the pool holding those volumes (each file opened
#    and its qcow2 header read): the median of BENCH_ROUNDS (7) runs.
#
# Each timed pair runs in turn (qemu-img or cp, then nido, BENCH_ROUNDS
# times), page cache warm; medians are printed. Needs root (nidod's
# session mode would do, but the bench keeps to the tests' layout) and
# qemu-utils.
set -eu
. "$(dirname "$0")/../../scripts/lib/deps.sh"
ensure_packages qemu-utils >/dev/null
build=$(readlink -f "${1:-${NIDO_BUILD_DIR:-build}}")
size_mib=${BENCH_SIZE:-1024}
vols=${BENCH_VOLS:-1000}
rounds=${BENCH_ROUNDS:-7}
nido=$build/src/cli/nido
tmp=$(mktemp -d /var/tmp/nido-bench-storage.XXXXXX)
export NIDO_STATE_DIR=$tmp/state NIDO_RUNTIME_DIR=$tmp/run
export NIDO_DEFAULT_URI=nido:///session
"$build/src/daemon/nidod" --session --log-level warning 2>"$tmp/nidod.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 300); do
	[ -S "$tmp/run/nidod.sock" ] && break
	sleep 0.1
done
[ -S "$tmp/run/nidod.sock" ] || { cat "$tmp/nidod.log" >&2; exit 1; }

now() { date +%s%N; }
secs() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# the blocks a file takes, in KiB
used() { du -k "$1" | cut -f1; }

mkdir -p "$tmp/pool" "$tmp/cp"
"$nido" pool-create-as bench dir --target "$tmp/pool" >/dev/null

# The source: one MiB of random data in every four, holes between.
python3 - "$tmp/src.raw" "$size_mib" <<'PY'
import os, sys
path, mib = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.truncate(mib << 20)
    for i in range(0, mib, 4):
        f.seek(i << 20)
        f.write(os.urandom(1 << 20))
PY
sync
echo "bench/storage: ${size_mib} MiB source, $(used "$tmp/src.raw") KiB of it allocated"

"$nido" vol-create-as bench up.raw "${size_mib}M" --format raw >/dev/null
vol=$tmp/pool/up.raw
: >"$tmp/up.cp"
: >"$tmp/up.nido"
: >"$tmp/down.cp"
: >"$tmp/down.nido"
for _ in $(seq "$rounds"); do
	rm -f "$tmp/cp/up.raw"
	t0=$(now)
	cp "$tmp/src.raw" "$tmp/cp/up.raw"
	echo $(($(now) - t0)) >>"$tmp/up.cp"
	t0=$(now)
	"$nido" vol-upload up.raw "$tmp/src.raw" --pool bench --sparse >/dev/null
	echo $(($(now) - t0)) >>"$tmp/up.nido"

	rm -f "$tmp/cp/down.raw" "$tmp/down.raw"
	t0=$(now)
	cp "$vol" "$tmp/cp/down.raw"
	echo $(($(now) - t0)) >>"$tmp/down.cp"
	t0=$(now)
	"$nido" vol-download up.raw "$tmp/down.raw" --pool bench --sparse >/dev/null
	echo $(($(now) - t0)) >>"$tmp/down.nido"
done
cmp "$tmp/src.raw" "$vol"
cmp "$tmp/src.raw" "$tmp/down.raw"
cmp "$tmp/src.raw" "$tmp/cp/up.raw"

# throughput ratio: nido's over cp's = cp's time over nido's
row() { # label cp-file nido-file nido-copy
	local c n
	c=$(median <"$2")
	n=$(median <"$3")
	printf "%-28s cp %6s s  nido %6s s  %6.0f MiB/s vs %6.0f MiB/s  ratio %.2f (goal >= 0.8)  nido's copy %s KiB, source %s KiB\n" \
		"$1" "$(secs "$c")" "$(secs "$n")" \
		"$(awk -v s="$size_mib" -v t="$c" 'BEGIN { print s / (t / 1e9) }')" \
		"$(awk -v s="$size_mib" -v t="$n" 'BEGIN { print s / (t / 1e9) }')" \
		"$(awk -v a="$c" -v b="$n" 'BEGIN { print a / b }')" \
		"$(used "$4")" "$(used "$tmp/src.raw")"
}
row "vol-upload --sparse" "$tmp/up.cp" "$tmp/up.nido" "$vol"
row "vol-download --sparse" "$tmp/down.cp" "$tmp/down.nido" "$tmp/down.raw"
"$nido" vol-delete up.raw --pool bench >/dev/null
rm -f "$tmp/down.raw" "$tmp/cp/"*

# 2. vol-create-as, one process a volume, against qemu-img create.
mkdir -p "$tmp/qemu"
t0=$(now)
for i in $(seq "$vols"); do
	qemu-img create -q -f qcow2 "$tmp/qemu/v$i.qcow2" 1G
done
q=$(($(now) - t0))
t0=$(now)
for i in $(seq "$vols"); do
	"$nido" vol-create-as bench "v$i.qcow2" 1G --format qcow2 >/dev/null
done
n=$(($(now) - t0))
printf "%-28s qemu-img %.2f ms  nido %.2f ms per volume  ratio %.2f (goal <= 1.0)\n" \
	"vol-create-as x$vols (CLI)" "$(awk -v t="$q" -v n="$vols" 'BEGIN { print t / n / 1e6 }')" \
	"$(awk -v t="$n" -v n="$vols" 'BEGIN { print t / n / 1e6 }')" \
	"$(awk -v a="$n" -v b="$q" 'BEGIN { print a / b }')"

# The same through the API on one connection: what nidod itself costs.
SOCK=$tmp/run/nidod.sock N=$vols PYTHONPATH=$(readlink -f "$(dirname "$0")/../lib") python3 - <<'PY'
import os, time
from nidorpc import Conn
call = Conn(os.environ["SOCK"]).call
n = int(os.environ["N"])
t0 = time.monotonic()
for i in range(n):
    call("volume.create", {"pool": "bench", "xml":
         "<volume><name>a%d.qcow2</name><capacity unit='G'>1</capacity>"
         "<target><format type='qcow2'/></target></volume>" % i})
t = time.monotonic() - t0
print("%-28s nido %.2f ms per volume" % ("volume.create x%d (API)" % n,
                                         t / n * 1e3))
PY

# 3. pool-refresh of the pool: 2 x BENCH_VOLS qcow2 volumes.
count=$(ls "$tmp/pool" | wc -l)
: >"$tmp/refresh"
for _ in $(seq "$rounds"); do
	t0=$(now)
	"$nido" pool-refresh bench >/dev/null
	echo $(($(now) - t0)) >>"$tmp/refresh"
done
listed=$("$nido" vol-list bench | tail -n +3 | grep -c .)
[ "$listed" -eq "$count" ] || { echo "bench/storage: vol-list shows $listed of $count volumes" >&2; exit 1; }
printf "%-28s nido %s s (median of %d), %d volumes\n" "pool-refresh" \
	"$(secs "$(median <"$tmp/refresh")")" "$rounds" "$count"
