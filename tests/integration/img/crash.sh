#!/usr/bin/env bash
# Acceptance 2: crash safety. A writer doing random writes (and zeroes,
# and flushes) is killed with SIGKILL at random moments, many times over.
# After each kill: qemu-img check finds no corruption (leaks are
# allowed, and `nido img check -r leaks` repairs them), and every write
# acknowledged before a completed flush reads back.
# NIDO_CRASH_ROUNDS sets the number of kills per image (default 25).
. "$(dirname "$0")/lib.sh"
have_qemu || { echo "1..0 # SKIP qemu-utils not installed"; exit 0; }
rounds=${NIDO_CRASH_ROUNDS:-25}
RANDOM=$$

crash_rounds() # image log first-seed
{
	local img=$1 log=$2 seed=$3 i pid rc bad=0 leaks=0
	for ((i = 0; i < rounds; i++)); do
		"$IO" crash-writer "$img" "$log" $((seed + i)) 2>>"$T/writer.err" &
		pid=$!
		sleep "0.$(printf '%02d' $((RANDOM % 40 + 2)))"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		qemu-img check "$img" >"$T/check.out" 2>&1
		rc=$?
		if [ $rc = 3 ]; then
			leaks=$((leaks + 1))
			"$N" img check -q -r leaks "$img" || { echo "# repair failed"; bad=1; }
			qemu-img check -q "$img" || { echo "# still not clean after repair"; bad=1; }
		elif [ $rc != 0 ]; then
			echo "# round $i: qemu-img check exit $rc"
			sed 's/^/# /' "$T/check.out" | head -20
			bad=1
			break
		fi
		if ! "$IO" crash-verify "$img" "$log" 2>"$T/verify.err"; then
			echo "# round $i: acknowledged data lost"
			sed 's/^/# /' "$T/verify.err"
			bad=1
			break
		fi
	done
	echo "# $rounds kills, $leaks left leaks (repaired)"
	return $bad
}

"$N" img create -q -f qcow2 c64k.qcow2 32M
t "SIGKILL during writes, 64 KiB clusters: no corruption, no lost flushed data" crash_rounds c64k.qcow2 c64k.log 1
"$N" img create -q -f qcow2 -o cluster_size=4096 c4k.qcow2 32M
t "SIGKILL during writes, 4 KiB clusters: no corruption, no lost flushed data" crash_rounds c4k.qcow2 c4k.log 100
"$N" img create -q -f qcow2 -o cluster_size=512 c512.qcow2 8M
t "SIGKILL during writes, 512 B clusters (refcount table grows): safe" crash_rounds c512.qcow2 c512.log 200
"$N" img create -q -f qcow2 cb.qcow2 32M
"$IO" cb.qcow2 'write -P 0 0 32M'
"$N" img create -q -f qcow2 -b cb.qcow2 -F qcow2 cc.qcow2
t "SIGKILL during writes over a backing file: safe" crash_rounds cc.qcow2 cc.log 300
t "the backing file was not touched" qcheck cb.qcow2
[ -s "$T/writer.err" ] && sed 's/^/# writer: /' "$T/writer.err" | sort | uniq -c | head -5
done_testing
