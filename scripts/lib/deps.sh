# shellcheck shell=bash
# Package lists and an installer shared by scripts/test and scripts/demo.
# Each list names Debian 12 packages; ensure_packages installs the missing
# ones with apt-get, once and quietly.

# Building nido.
NIDO_BUILD_PACKAGES=(
	gcc meson ninja-build pkg-config
	libxml2-dev libjson-c-dev liburing-dev zlib1g-dev libzstd-dev
	libseccomp-dev libnl-3-dev libnl-route-3-dev libnftables-dev uuid-dev
	libgnutls28-dev
	# containers (src/ct): capability names; template tarballs
	libcap-dev libarchive-dev
	# the disk storage pool's partition tables (src/storage/disk.c)
	libfdisk-dev
	# Ceph RBD: the rbd driver of src/block and the rbd pool (optional
	# at build: without them rbd is refused by name)
	librbd-dev librados-dev
	# sd-bus: registering domains with systemd-machined
	# (src/daemon/machined.c)
	libsystemd-dev
)

# Running nido: what nidod starts (one dnsmasq per virtual network; fs
# storage pools: blkid probes the device, mkfs.ext4 and others format it).
NIDO_RUN_PACKAGES=(
	dnsmasq-base
	# containers of a daemon that is not root: newuidmap, newgidmap
	uidmap
	util-linux e2fsprogs
	# logical pools (lvm2's tools; thin pools need thin_check and
	# thin_repair, which lvm2 runs when it activates one), netfs pools
	# (mount.nfs), iscsi pools (iscsiadm and iscsid, open-iscsi's
	# initiator)
	lvm2 thin-provisioning-tools nfs-common open-iscsi
	# the qemu driver's emulated TPM (<tpm><backend type='emulator'>:
	# swtpm, and swtpm_setup for its first state)
	swtpm swtpm-tools
)

# Running the test suites: the peers nido is checked against, the formatter.
NIDO_TEST_PACKAGES=(
	clang-format python3 qemu-utils
	qemu-system-x86 busybox-static kmod xz-utils cpio
	# Open vSwitch, started by hand in the nested layer 1 (whose kernel
	# has the openvswitch module: tests/nested/scenarios/nidod-ovs.sh)
	openvswitch-switch
	# systemd-machined and machinectl, for the nested layer 1 that boots
	# the host's systemd (tests/nested/scenarios/machined.sh)
	systemd-container
	# the logical storage pool's tools, run by nidod in layer 1, sfdisk,
	# which adds a partition behind a disk pool's back there, and the
	# NFS server and client of the netfs pool's test
	# (tests/nested/scenarios/storage.sh)
	lvm2 thin-provisioning-tools fdisk nfs-kernel-server
	# the iscsi pool's target there (tgtd and tgtadm, a userspace target)
	# and its initiator
	tgt open-iscsi
	# the one-node Ceph cluster of the rbd pool's test
	# (tests/integration/storage/ceph-lib.sh: ceph, rbd from ceph-common)
	ceph-mon ceph-osd ceph-common
	# QEMU's rbd block driver, for rbd disks of the qemu driver
	qemu-block-extra
	# the qemu driver's BIOS disk (tests/integration/daemon/qemu-bios.sh),
	# its ISO (qemu-cdrom.sh: binutils assembles the boot code), UEFI
	# (qemu-uefi.sh: OVMF and its descriptors, an EFI FAT image)
	extlinux syslinux-common xorriso binutils ovmf mtools
	# the guest agent, copied into a test guest (qemu-agent.sh)
	qemu-guest-agent
	# the tests' own tools: ip (taps, namespaces), ps, debugfs, nft (to
	# look at the firewall nido installs), iptables (Docker's set-up)
	iproute2 procps e2fsprogs nftables iptables
	# remote access: certificates, an sshd and its client (daemon-remote)
	openssl openssh-server openssh-client util-linux
	# a private D-Bus for the machined test's mock
	# (tests/integration/daemon/machined.sh)
	dbus-daemon
	# a DHCPv6 client (net-ipv6); curl fetches libvirt's own test files
	# (tests/corpus/libvirt.sh)
	isc-dhcp-client curl
	# iasl disassembles nido-vmm's DSDT (tests/unit/vmm/test_vmm_acpi.c)
	acpica-tools
)

# Running the benchmarks' peers (bench/*/run.sh): OCI's crun and LXC's
# lxc-execute (bench/ct).
NIDO_BENCH_PACKAGES=(
	crun lxc
)

ensure_packages()
{
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing packages: ${missing[*]}" >&2
		echo "run as root, or: sudo apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Refresh the lists only when they are missing or a day old.
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
		apt-get update -qq >/dev/null || return 1
	fi
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
		echo "apt-get install failed for: ${missing[*]}" >&2
		return 1
	}
}
