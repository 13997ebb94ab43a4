#!/usr/bin/env bash
# nido img against qemu-nbd: NBD names as qemu-img takes them
# (nbd+unix:///EXPORT?socket=PATH, nbd://HOST:PORT/EXPORT). qemu-nbd
# serves a qcow2 that qemu-io wrote; nido img info, convert and compare
# read it; nido img convert writes into an export and qemu-img reads
# back what nido wrote, through NBD and in the qcow2 under it.
. "$(dirname "$0")/lib.sh"
command -v qemu-nbd >/dev/null && have_qemu ||
	{ echo "1..0 # SKIP qemu-nbd (qemu-utils) not installed"; exit 0; }

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
# serve SOCKET|PORT FILE FMT [qemu-nbd options]: a persistent server.
serve() {
	local where=$1 file=$2 fmt=$3 i
	shift 3
	if [[ $where == /* ]]; then
		qemu-nbd -t -e 4 -k "$where" -f "$fmt" -x exp "$@" "$file" &
	else
		qemu-nbd -t -e 4 -b 127.0.0.1 -p "$where" -f "$fmt" -x exp "$@" "$file" &
	fi
	pids+=($!)
	for i in $(seq 100); do
		if [[ $where == /* ]]; then [ -S "$where" ] && return 0
		else qemu-img info "nbd://127.0.0.1:$where/exp" >/dev/null 2>&1 && return 0; fi
		sleep 0.1
	done
	return 1
}

qemu-img create -q -f qcow2 src.qcow2 24M
qemu-io -c 'write -P 0x42 1M 1M' -c 'write -P 0x17 23M 4096' -c 'write -P 0x99 100 333' src.qcow2 >/dev/null
qemu-img convert -O raw src.qcow2 ref.raw
U="nbd+unix:///exp?socket=$T/s"
serve "$T/s" src.qcow2 qcow2 || { echo "Bail out! qemu-nbd did not start"; exit 1; }

out=$("$N" img info "$U" 2>&1)
t "info of an nbd+unix export: raw, its size" grep -q 'virtual size: 24 MiB (25165824 bytes)' <<<"$out"
t "info says the format is raw and the disk size unavailable" bash -c 'grep -q "file format: raw" <<<"$1" && grep -q "disk size: unavailable" <<<"$1"' _ "$out"
t "info --output=json has the virtual size" bash -c "'$N' img info --output=json '$U' | grep -q '\"virtual-size\": 25165824'"
t "convert from the export to qcow2 reads what qemu wrote" bash -c "'$N' img convert -O qcow2 '$U' out.qcow2 && qemu-img compare -q ref.raw out.qcow2 && qcheck out.qcow2"
t "compare of the export with the reference: identical" "$N" img compare "$U" ref.raw
cp ref.raw other.raw
qemu-io -f raw -c 'write -P 0x01 5M 1' other.raw >/dev/null
t_rc "compare finds the byte that differs (exit 1)" 1 "$N" img compare "$U" other.raw

# nido writes into the export; qemu reads it back through NBD and in the file
qemu-img create -q -f raw data.raw 24M
qemu-io -f raw -c 'write -P 0x5a 0 3M' -c 'write -P 0xa5 20M 1234567' -c 'write -z 2M 64k' data.raw >/dev/null
t "convert -n into the export (nido writes through NBD)" "$N" img convert -n -O raw data.raw "$U"
t "qemu-img reads through NBD what nido wrote" qemu-img compare -q -f raw -F raw data.raw "$U"
t "convert into an export without -n: the export is the target" "$N" img convert -O raw ref.raw "$U"
t "qemu-img reads it back" qemu-img compare -q -f raw -F raw ref.raw "$U"
t "a qcow2 on an export is refused by name" bash -c "'$N' img create -f qcow2 '$U' 1M 2>&1 | grep -q 'qcow2 image on an NBD export is not supported'"
t "a bigger target than the export is refused" bash -c "'$N' img create -f raw '$U' 1G 2>&1 | grep -q 'less than the'"
t "an export that is not there is refused by name" bash -c "'$N' img info 'nbd+unix:///nope?socket=$T/s' 2>&1 | grep -q \"export 'nope': no such export\""
t "a legacy nbd: name is refused by name" bash -c "'$N' img info 'nbd:unix:$T/s' 2>&1 | grep -q 'only nbd://HOST'"
t "no server at the socket: a clear error" bash -c "'$N' img info 'nbd+unix:///exp?socket=$T/none' 2>&1 | grep -q 'connecting to'"

kill "${pids[@]}"; wait 2>/dev/null; pids=()
t "after the server ends, the qcow2 holds nido's writes and passes check" bash -c "qcheck src.qcow2 && qemu-img compare -q ref.raw src.qcow2"

# TCP, and a read-only export
port=$((20000 + RANDOM % 20000))
serve "$port" src.qcow2 qcow2 -r || { echo "Bail out! qemu-nbd (tcp) did not start"; exit 1; }
t "nbd://127.0.0.1:PORT/exp reads the export" "$N" img compare "nbd://127.0.0.1:$port/exp" ref.raw
t "writing a read-only export is refused by name" bash -c "'$N' img convert -n -O raw data.raw 'nbd://127.0.0.1:$port/exp' 2>&1 | grep -q 'read-only on the server'"
done_testing
