#!/usr/bin/env bash
# Resource limits: <memtune> and <cputune> in the domain XML reach the
# VM's cgroup (v1 controllers or v2 files, whichever this host has), are
# kept by dumpxml, and bad values are refused naming them.
. "$(dirname "$0")/lib.sh"

if ! kvm_usable; then
	echo "1..0 # SKIP /dev/kvm or nido-vmm not usable here"
	exit 0
fi
start_daemon

# tuned NAME TUNE-XML: a domain with TUNE-XML after <vcpu>
tuned() {
	domain_xml "$1" "$GUEST_IDLE" | sed "s|<vcpu>1</vcpu>|<vcpu>1</vcpu>$2|"
}
# cg_value DOMAIN V1-FILE V2-FILE: the value in the VM's cgroup
cg_value() {
	local dir
	for dir in $(python3 -c "
import json, sys
print(' '.join(json.load(open(sys.argv[1]))['cgroups']))" "$NIDO_RUNTIME_DIR/domains/$1.json"); do
		if [ -e "$dir/$2" ]; then cat "$dir/$2"; return; fi
		if [ -e "$dir/$3" ]; then cat "$dir/$3"; return; fi
	done
	echo "(neither $2 nor $3)"
}

tuned lim "<memtune><hard_limit unit='MiB'>256</hard_limit><soft_limit unit='MiB'>128</soft_limit></memtune><cputune><shares>512</shares><period>100000</period><quota>50000</quota></cputune>" >"$tmp/lim.xml"
t_out "a domain with limits is defined" "Domain 'lim' defined" "$NIDO" define "$tmp/lim.xml"
t_out "dumpxml keeps <memtune>" "<hard_limit unit='KiB'>262144</hard_limit>" "$NIDO" dumpxml lim
t_out "dumpxml keeps <cputune>" "<quota>50000</quota>" "$NIDO" dumpxml lim
t_out "memtune shows the hard limit, as virsh" "hard_limit     : 262144" "$NIDO" memtune lim
t_out "... and an unset one as unlimited" "swap_hard_limit: unlimited" "$NIDO" memtune lim
t_out "schedinfo shows the shares" "cpu_shares     : 512" "$NIDO" schedinfo lim
t_out "... and the per-vCPU quota" "vcpu_quota     : 50000" "$NIDO" schedinfo lim
t_out "it starts" "Domain 'lim' started" "$NIDO" start lim
t_out "the memory hard limit is on its cgroup" 268435456 cg_value lim memory.limit_in_bytes memory.max
t_out "the soft limit too" 134217728 cg_value lim memory.soft_limit_in_bytes memory.high
shares=$(cg_value lim cpu.shares cpu.weight)
if [ "$shares" = 512 ] || [ "$shares" = 20 ]; then ok "cpu shares (512, or weight 20 on v2)"; else
	not_ok "cpu shares (512, or weight 20 on v2)" "got $shares"; fi
quota=$(cg_value lim cpu.cfs_quota_us cpu.max)
if [ "$quota" = 50000 ] || [ "$quota" = "50000 100000" ]; then ok "cpu quota"; else
	not_ok "cpu quota" "got $quota"; fi
t_out "the VM runs under them" "running" "$NIDO" domstate lim
t_out "destroy" "Domain 'lim' destroyed" "$NIDO" destroy lim

# <quota> is per vCPU (libvirt's meaning): the VM's cgroup gets the sum;
# <global_quota> is for the whole VM; the smaller rate wins
quota_of() { # name vcpus cputune: starts it, prints the cgroup's quota
	tuned "$1" "$3" | sed "s|<vcpu>1</vcpu>|<vcpu>$2</vcpu>|" >"$tmp/$1.xml"
	"$NIDO" define "$tmp/$1.xml" >/dev/null
	"$NIDO" start "$1" >/dev/null
	cg_value "$1" cpu.cfs_quota_us cpu.max | cut -d' ' -f1
	"$NIDO" destroy "$1" >/dev/null
}
t_out "a per-vCPU quota is summed over 2 vCPUs" 60000 \
	quota_of q2 2 "<cputune><quota>30000</quota></cputune>"
t_out "a smaller global quota wins" 40000 \
	quota_of q3 2 "<cputune><quota>30000</quota><global_quota>40000</global_quota></cputune>"
t_out "dumpxml keeps <global_quota>" "<global_quota>40000</global_quota>" "$NIDO" dumpxml q3

# <iotune> on a disk reaches nido-vmm (which throttles: vmm-guest-throttle)
truncate -s 1M "$tmp/io.raw"
domain_xml io "$GUEST_IDLE" "<disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$tmp/io.raw'/>
      <target dev='vda'/>
      <iotune>
        <read_bytes_sec>10485760</read_bytes_sec>
        <total_iops_sec>500</total_iops_sec>
      </iotune>
    </disk>" >"$tmp/io.xml"
"$NIDO" define "$tmp/io.xml" >/dev/null
t_out "dumpxml keeps <iotune>" "<read_bytes_sec>10485760</read_bytes_sec>" "$NIDO" dumpxml io
t_out "blkdeviotune shows a disk's limits, as virsh" "read_bytes_sec : 10485760" "$NIDO" blkdeviotune io vda
t_out "... and the unset ones as 0" "total_bytes_sec: 0" "$NIDO" blkdeviotune io vda
t_err "blkdeviotune of a disk the domain lacks" "domain 'io' has no disk 'vdz'" "$NIDO" blkdeviotune io vdz
t_out "a disk with <iotune> starts" "Domain 'io' started" "$NIDO" start io
t "nido-vmm is given the limits" python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))['disks'][0]
assert d['iotune'] == {'read_bytes_sec': 10485760, 'total_iops_sec': 500}, d" "$NIDO_RUNTIME_DIR/domains/io.config"
t_out "blkdeviotune of the running domain: its live limits" "total_iops_sec : 500" \
	"$NIDO" blkdeviotune io vda
t_err "... which nido-vmm cannot change: refused by name" \
	"the kvm driver cannot change a running domain's I/O limits (--config changes its next start's)" \
	"$NIDO" blkdeviotune io vda --read-bytes-sec 1M
t_out "--config sets the next start's (a total clears read and write)" "" \
	"$NIDO" blkdeviotune io vda --total-bytes-sec 2M --config
t_out "... dumpxml --inactive has it" "<total_bytes_sec>2097152</total_bytes_sec>
        <total_iops_sec>500</total_iops_sec>" "$NIDO" dumpxml --inactive io
t_out "... blkdeviotune --config reads it" "total_bytes_sec: 2097152" \
	"$NIDO" blkdeviotune io vda --config
t_out "... the running domain's are unchanged" "read_bytes_sec : 10485760" \
	"$NIDO" blkdeviotune io vda
"$NIDO" destroy io >/dev/null
t_out "shut off: the new limits apply" "total_bytes_sec: 2097152" "$NIDO" blkdeviotune io vda
t_err "a total with a read limit" "total and read/write of bytes_sec cannot be set at the same time" \
	"$NIDO" blkdeviotune io vda --total-bytes-sec 1 --read-bytes-sec 1
t_err "--live of a domain shut off" "domain 'io' is not running" \
	"$NIDO" blkdeviotune io vda --live --total-iops-sec 5
t_err "a bad value" "invalid value '12x' of --read-iops-sec" \
	"$NIDO" blkdeviotune io vda --read-iops-sec 12x
t_out "the source path names the disk too" "total_iops_sec : 500" \
	"$NIDO" blkdeviotune io "$tmp/io.raw"
domain_xml iobad "$GUEST_IDLE" "<disk type='file' device='disk'>
      <source file='$tmp/io.raw'/>
      <target dev='vda'/>
      <iotune><total_bytes_sec>1</total_bytes_sec><write_bytes_sec>2</write_bytes_sec></iotune>
    </disk>" >"$tmp/iobad.xml"
t_err "total and write bytes limits together are refused" \
	"total and read/write of bytes_sec cannot be set at the same time" "$NIDO" define "$tmp/iobad.xml"

# a burst needs its base limit, as libvirt says
domain_xml ioburst "$GUEST_IDLE" "<disk type='file' device='disk'>
      <source file='$tmp/io.raw'/>
      <target dev='vda'/>
      <iotune><total_bytes_sec_max>5</total_bytes_sec_max></iotune>
    </disk>" >"$tmp/ioburst.xml"
t_err "a burst without its base limit is refused" \
	"<total_bytes_sec_max> needs <total_bytes_sec>" "$NIDO" define "$tmp/ioburst.xml"
# an <iotune> child outside libvirt's is a warning
domain_xml iomore "$GUEST_IDLE" "<disk type='file' device='disk'>
      <source file='$tmp/io.raw'/>
      <target dev='vda'/>
      <iotune><total_bytes_sec>5</total_bytes_sec><bytes_per_fortnight>9</bytes_per_fortnight></iotune>
    </disk>" >"$tmp/iomore.xml"
t_out "an unknown <iotune> child is reported and ignored" "bytes_per_fortnight" \
	"$NIDO" define "$tmp/iomore.xml"

# bad values, each named
bad() { # description, tune xml, expected message
	tuned bad "$2" >"$tmp/bad.xml"
	t_err "$1" "$3" "$NIDO" define "$tmp/bad.xml"
}
bad "shares out of range" "<cputune><shares>1</shares></cputune>" "cputune shares 1 out of range"
bad "period out of range" "<cputune><period>10</period></cputune>" "cputune period 10 out of range"
bad "quota not a number" "<cputune><quota>lots</quota></cputune>" "cputune quota must be a number"
bad "swap limit below the hard limit" "<memtune><hard_limit>4096</hard_limit><swap_hard_limit>1024</swap_hard_limit></memtune>" "swap_hard_limit must not be below hard_limit"
bad "a memory limit without a number" "<memtune><hard_limit unit='MiB'>x</hard_limit></memtune>" "hard_limit"
done_testing
