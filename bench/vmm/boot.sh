# Benchmark: nido-vmm against QEMU's microvm, booting the same Debian
# kernel and initramfs on layer 1's real KVM (tests/nested): seconds to
# layer-2 init, seconds to the end (the guest powers off at once), the
# VMM's peak resident memory, and the VMM's own memory: its resident
# memory less the guest's RAM. Both keep guest RAM in a memfd (shmem), so
# the VMM's own part is RssAnon + RssFile. Run it with the nested harness:
#
#	tests/nested/run bench/vmm/boot.sh
#
# Each VMM boots NIDO_BENCH_ROUNDS times (default 2); the metrics of each
# round and a summary table go to the results folder (bench.txt).
# nested-timeout: 900

vmm=$(nido_vmm)
rounds=${NIDO_BENCH_ROUNDS:-2}
l2_initrd "$NIDO_WORK/initrd" - <<'SCRIPT'
devmem 0xd0000000 8 123 2>/dev/null # nido-vmm's boot timer
echo "nido-l2: exit status 0"
poweroff -f
SCRIPT
cmdline="console=ttyS0 quiet panic=-1 reboot=t init=/init"

# tree_status PID: the status files of PID and its descendants.
tree_status()
{
	local p c
	echo "/proc/$1/status"
	for p in /proc/"$1"/task/*/children; do
		for c in $(cat "$p" 2>/dev/null); do tree_status "$c"; done
	done
}

# peak_rss OUT COMMAND...: runs COMMAND; writes to OUT its peak RSS and
# the peak of its own memory (RssAnon + RssFile), in KiB.
peak_rss()
{
	local out=$1 pid hwm=0 own=0 v
	shift
	"$@" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		# the whole tree: nido-vmm as root runs the VM in a child of
		# a small relay (its sandbox's pid namespace); both count
		v=$(awk '/^VmHWM:/ { h += $2 } /^RssAnon:|^RssFile:/ { o += $2 }
			END { print h + 0, o + 0 }' $(tree_status "$pid") 2>/dev/null)
		if [ -n "$v" ]; then
			hwm=$(( ${v% *} > hwm ? ${v% *} : hwm ))
			own=$(( ${v#* } > own ? ${v#* } : own ))
		fi
		sleep 0.1
	done
	wait "$pid"
	echo "$hwm $own" >"$out"
}
run_nido()
{
	peak_rss "$NIDO_WORK/rss.nido" "$vmm" --kernel "$L2_VMLINUX" \
		--initrd "$NIDO_WORK/initrd" --cmdline "$cmdline pci=off" \
		--memory 256M --cpus 1 --console stdio </dev/null
}
run_qemu()
{
	peak_rss "$NIDO_WORK/rss.qemu" qemu-system-x86_64 \
		-M microvm,memory-backend=ram \
		-object memory-backend-memfd,id=ram,size=256M \
		-accel kvm -cpu host -m 256 -smp 1 -nodefaults \
		-no-user-config -display none -no-reboot -serial stdio \
		-kernel "$L2_VMLINUX" -initrd "$NIDO_WORK/initrd" \
		-append "$cmdline" </dev/null
}
export -f tree_status peak_rss run_nido run_qemu
export vmm cmdline

table=$NIDO_RESULTS/bench.txt
printf '%-6s %5s %8s %8s %10s %9s\n' vmm round init_s total_s peak_mib own_mib >"$table"
for r in $(seq "$rounds"); do
	for v in nido qemu; do
		l2_boot "$v-$r" 300 "run_$v" || fail "$v did not boot layer 2"
		init=$(awk -v n="$v-$r.init" '$1 == n { print $2 }' "$NIDO_RESULTS/metrics" 2>/dev/null)
		total=$(awk -v n="$v-$r.total" '$1 == n { print $2 }' "$NIDO_RESULTS/metrics" 2>/dev/null)
		read -r hwm own <"$NIDO_WORK/rss.$v"
		metric "$v-$r.peak-rss" "$((hwm / 1024))" MiB
		metric "$v-$r.own-memory" "$((own / 1024))" MiB
		printf '%-6s %5s %8s %8s %10s %9s\n' "$v" "$r" "${init:-?}" \
			"${total:-?}" "$((hwm / 1024))" "$((own / 1024))" >>"$table"
	done
	bt=$(sed -n 's/.*guest boot time: \([0-9]*\) us.*/\1/p' "$NIDO_RESULTS/nido-$r.log" | tail -n 1)
	[ -n "$bt" ] && metric "nido-$r.boot-timer" "$((bt / 1000))" ms
done
# The ratios nido / QEMU of the medians (below 1: nido is better).
awk 'NR > 1 { init[$1] = init[$1] " " $3; own[$1] = own[$1] " " $6 }
function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	printf "ratio nido/qemu: time to init %.2f, own memory %.2f\n",
		median(init["nido"]) / median(init["qemu"]), median(own["nido"]) / median(own["qemu"])
}' "$table" >>"$table"
sed 's/^/  /' "$table"
