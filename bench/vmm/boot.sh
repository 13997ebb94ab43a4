# Benchmark: nido-vmm against QEMU's microvm, booting the same Debian
# kernel and initramfs on layer 1's real KVM (tests/nested): seconds to
# layer-2 init, seconds to the end (the guest powers off at once), and
# the VMM's peak resident memory. Run it with the nested harness:
#
#	tests/nested/run bench/vmm/boot.sh
#
# Each VMM boots NIDO_BENCH_ROUNDS times (default 2); the metrics of each
# round and a summary table go to the results folder (bench.txt).
# nested-timeout: 900

vmm=$(nido_vmm)
rounds=${NIDO_BENCH_ROUNDS:-2}
l2_initrd "$NIDO_WORK/initrd" - <<'SCRIPT'
echo "nido-l2: exit status 0"
poweroff -f
SCRIPT
cmdline="console=ttyS0 quiet panic=-1 reboot=t init=/init"

# peak_rss OUT COMMAND...: runs COMMAND, writes its peak RSS (KiB) to OUT.
peak_rss()
{
	local out=$1 pid hwm=0 v
	shift
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$v" ] && hwm=$v
		sleep 0.2
	done
	wait "$pid"
	echo "$hwm" >"$out"
}
run_nido()
{
	peak_rss "$NIDO_WORK/rss.nido" "$vmm" --kernel "$L2_VMLINUX" \
		--initrd "$NIDO_WORK/initrd" --cmdline "$cmdline pci=off" \
		--memory 256M --cpus 1 --console stdio </dev/null
}
run_qemu()
{
	peak_rss "$NIDO_WORK/rss.qemu" qemu-system-x86_64 -M microvm \
		-accel kvm -cpu host -m 256 -smp 1 -nodefaults \
		-no-user-config -display none -no-reboot -serial stdio \
		-kernel "$L2_VMLINUX" -initrd "$NIDO_WORK/initrd" \
		-append "$cmdline" </dev/null
}
export -f peak_rss run_nido run_qemu
export vmm cmdline

table=$NIDO_RESULTS/bench.txt
printf '%-10s %5s %10s %10s %12s\n' vmm round init_s total_s peak_rss_mib >"$table"
for r in $(seq "$rounds"); do
	for v in nido qemu; do
		l2_boot "$v-$r" 300 "run_$v" || fail "$v did not boot layer 2"
		init=$(awk -v n="$v-$r.init" '$1 == n { print $2 }' "$NIDO_RESULTS/metrics" 2>/dev/null)
		total=$(awk -v n="$v-$r.total" '$1 == n { print $2 }' "$NIDO_RESULTS/metrics" 2>/dev/null)
		rss=$(cat "$NIDO_WORK/rss.$v")
		metric "$v-$r.peak-rss" "$((rss / 1024))" MiB
		printf '%-10s %5s %10s %10s %12s\n' "$v" "$r" "${init:-?}" \
			"${total:-?}" "$((rss / 1024))" >>"$table"
	done
done
sed 's/^/  /' "$table"
