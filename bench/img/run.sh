#!/usr/bin/env bash
# bench/img: nido img against qemu-img on the same files in the same run.
# Each figure is a ratio: for conversions nido's time / qemu-img's time
# (goal <= 1.0); for random I/O nido's rate / qemu-img's rate (goal >= 0.8).
#
#   bench/img/run.sh [BUILD_DIR]     (default: build)
#
# Environment: BENCH_SIZE (default 2G), BENCH_DIR (scratch, default a
# temporary directory), BENCH_REQS (4 KiB requests per I/O run, 200000),
# BENCH_ONLY (convert, check or io: one part only), BENCH_ROUNDS (3: each
# figure is the best of that many runs, the two tools in turn; check and
# measure give the median of BENCH_MEDIAN_ROUNDS, 7).
set -eu
build=${1:-build}
N=$(readlink -f "$build")/src/cli/nido
size=${BENCH_SIZE:-2G}
reqs=${BENCH_REQS:-200000}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/nido-bench.XXXXXX)}
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# Wall-clock seconds of a command, on a fresh output and a synced disk.
timed() {
	local s e
	rm -f out.*
	sync
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s.%N)
	echo "$e - $s" | bc
}
min() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc)" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# Best of BENCH_ROUNDS (3) for qemu-img's command and nido's, taken in
# turn (qemu-img, nido, qemu-img, ...) so that a change in the machine's
# load hits both alike. Sets $q and $n. Usage: pair QEMU-ARGS -- NIDO-ARGS
pair() {
	local qa=() na=() t
	while [ "$1" != -- ]; do qa+=("$1"); shift; done
	shift
	na=("$@")
	q= n=
	for _ in $(seq "${BENCH_ROUNDS:-3}"); do
		t=$(timed qemu-img "${qa[@]}"); q=$(min "$q" "$t")
		t=$(timed "$N" img "${na[@]}"); n=$(min "$n" "$t")
	done
}
ratio() { echo "scale=2; $1 / $2" | bc; }
# The median of BENCH_MEDIAN_ROUNDS (7) runs each, in turn, for commands
# too short for a best-of to mean much. Sets $q and $n like pair.
pair_median() {
	local qa=() na=() qs=() ns=()
	while [ "$1" != -- ]; do qa+=("$1"); shift; done
	shift
	na=("$@")
	for _ in $(seq "${BENCH_MEDIAN_ROUNDS:-7}"); do
		qs+=("$(timed qemu-img "${qa[@]}")")
		ns+=("$(timed "$N" img "${na[@]}")")
	done
	q=$(printf '%s\n' "${qs[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	n=$(printf '%s\n' "${ns[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
}

# A disk with mixed content: per 1 MiB, 40% random, 30% text-like
# (compressible), 30% holes.
python3 - "$size" <<'PY'
import os, random, sys
units = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
s = sys.argv[1]
size = int(s[:-1]) * units[s[-1]] if s[-1] in units else int(s)
random.seed(1)
text = (b'the quick brown fox jumps over the lazy dog %d\n' * 30000)[:1 << 20]
with open('src.raw', 'wb') as f:
    f.truncate(size)
    for off in range(0, size, 1 << 20):
        r = random.random()
        if r < 0.4:
            f.seek(off); f.write(os.urandom(1 << 20))
        elif r < 0.7:
            f.seek(off); f.write(text)
PY
qemu-img convert -O qcow2 src.raw src.qcow2

printf '%-34s %10s %10s %7s\n' "operation" "qemu-img" "nido" "ratio"
row() { printf '%-34s %9.2fs %9.2fs %7s\n' "$1" "$2" "$3" "$4"; }

only=${BENCH_ONLY:-}
if [ -z "$only" ] || [ "$only" = check ]; then
# metadata walks: the whole image's tables and refcounts (check), the
# allocation of every cluster (measure); a fragmented copy with many
# L2 tables and small clusters makes them work
qemu-img convert -O qcow2 -o cluster_size=4k src.raw frag.qcow2
pair_median check src.qcow2 -- check src.qcow2
row "check qcow2 (64 KiB clusters)" "$q" "$n" "$(ratio "$n" "$q")"
pair_median check frag.qcow2 -- check frag.qcow2
row "check qcow2 (4 KiB clusters)" "$q" "$n" "$(ratio "$n" "$q")"
pair_median measure -O qcow2 frag.qcow2 -- measure -O qcow2 frag.qcow2
row "measure qcow2 (4 KiB clusters)" "$q" "$n" "$(ratio "$n" "$q")"
fi
[ "$only" = check ] && exit 0
if [ "$only" != io ]; then
pair convert -O raw src.qcow2 out.raw -- convert -O raw src.qcow2 out.raw
row "convert qcow2 -> raw" "$q" "$n" "$(ratio "$n" "$q")"
pair convert -O qcow2 src.raw out.qcow2 -- convert -O qcow2 src.raw out.qcow2
row "convert raw -> qcow2" "$q" "$n" "$(ratio "$n" "$q")"
pair convert -c -O qcow2 src.raw out.qcow2 -- convert -c -O qcow2 src.raw out.qcow2
row "convert raw -> qcow2 -c" "$q" "$n" "$(ratio "$n" "$q")"
# --bitmaps: the same copy plus three persistent bitmaps with bits set
cp src.qcow2 bm.qcow2
qemu-img bitmap --add bm.qcow2 b64k
qemu-img bitmap --add -g 4k bm.qcow2 b4k
qemu-img bitmap --add -g 512 --disable bm.qcow2 b512
qemu-io -c 'write -P 1 0 16M' -c 'write -P 2 32M 16M' bm.qcow2 >/dev/null
qemu-img bitmap --merge b4k bm.qcow2 b512
pair convert --bitmaps -O qcow2 bm.qcow2 out.qcow2 -- \
	convert --bitmaps -O qcow2 bm.qcow2 out.qcow2
row "convert qcow2 -> qcow2 --bitmaps" "$q" "$n" "$(ratio "$n" "$q")"
fi
[ "$only" = convert ] && exit 0

# 4 KiB requests, 64 in flight, scattered (a step of 1 MiB + 4 KiB wraps
# around the disk), the same request stream for both tools.
qemu-img create -q -f qcow2 io.qcow2 1G
qemu-io -c 'write -P 1 0 1G' io.qcow2 >/dev/null
qemu-img create -q -f raw io.raw 1G
qemu-io -f raw -c 'write -P 1 0 1G' io.raw >/dev/null
for f in io.qcow2 io.raw; do
	for mode in read write; do
		w=
		[ $mode = write ] && w=-w
		args=(bench $w -c "$reqs" -d 64 -s 4k -S 1052672 "$f")
		pair "${args[@]}" -- "${args[@]}"
		row "4 KiB scattered ${mode}s (${f#io.})" "$q" "$n" "$(ratio "$q" "$n")"
	done
done
