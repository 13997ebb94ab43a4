// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libvirt's own domain XML test files (libvirt 9.0's
 * tests/qemuxml2argvdata, fetched by tests/corpus/libvirt.sh, not kept
 * here) through what `nido define` runs: domain_def_parse() with the
 * daemon's drivers (the qemu driver's validation for these: they name
 * a qemu-system-* emulator, or are type 'qemu'). The x86 ones (x86_64,
 * i686, and the two without an arch, which libvirt gives the host's)
 * are each, as qemu-corpus.txt says:
 *   a  defined without a warning, its meaning kept;
 *   w  defined with warnings naming what is not kept, one per warning in
 *      their order, the rest of its meaning kept;
 *   r  refused, the error holding the words given.
 * The others (aarch64, ppc64, s390x, ...) are counted and skipped.
 *
 * "Meaning kept": what libvirt's file says of the subset nido keeps
 * (the table below: elements, their attributes, their text; memory in
 * KiB as `virsh define` makes it, addresses as numbers) is said the
 * same by nido's definition of it, formatted and parsed again; what
 * the file has beyond the subset
 * is named by a warning ('w') or is not there ('a'). So a change of
 * outcome, a value changed or a part dropped without a word fails here.
 */
#include <ctype.h>
#include <dirent.h>
#include <libxml/parser.h>

#include "corpus.h"
#include "daemon/domain_conf.h"
#include "lib/file.h"
#include "lib/size.h"
#include "test.h"

#ifndef CORPUS_SCRIPT
#error CORPUS_SCRIPT must name tests/corpus/libvirt.sh
#endif
#ifndef CORPUS_TABLE
#error CORPUS_TABLE must name tests/unit/daemon/qemu-corpus.txt
#endif

/* An element path and the attributes nido keeps of it. '*': its text
 * counts; '#': its text is a memory size (with unit=); '!': its
 * presence counts. */
static const struct known {
	const char *path;
	const char *attrs[24];
} known[] = {
	{"domain", {"type"}},
	{"domain/name*", {0}},
	{"domain/uuid*", {0}},
	{"domain/title*", {0}},
	{"domain/description*", {0}},
	{"domain/memory#", {"dumpCore"}},
	{"domain/maxMemory#", {"slots"}},
	{"domain/currentMemory#", {0}},
	{"domain/vcpu*", {"placement", "cpuset", "current"}},
	{"domain/memtune", {0}},
	{"domain/memtune/hard_limit#", {0}},
	{"domain/memtune/soft_limit#", {0}},
	{"domain/memtune/swap_hard_limit#", {0}},
	{"domain/blkiotune", {0}},
	{"domain/blkiotune/weight*", {0}},
	{"domain/blkiotune/device", {0}},
	{"domain/blkiotune/device/path*", {0}},
	{"domain/blkiotune/device/weight*", {0}},
	{"domain/blkiotune/device/read_bytes_sec*", {0}},
	{"domain/blkiotune/device/write_bytes_sec*", {0}},
	{"domain/blkiotune/device/read_iops_sec*", {0}},
	{"domain/blkiotune/device/write_iops_sec*", {0}},
	{"domain/cputune", {0}},
	{"domain/cputune/shares*", {0}},
	{"domain/cputune/period*", {0}},
	{"domain/cputune/quota*", {0}},
	{"domain/cputune/global_period*", {0}},
	{"domain/cputune/global_quota*", {0}},
	{"domain/os", {"firmware"}},
	{"domain/os/type*", {"arch", "machine"}},
	{"domain/os/boot", {"dev"}},
	{"domain/os/bootmenu", {"enable", "timeout"}},
	{"domain/os/loader*", {"readonly", "secure", "type", "stateless"}},
	{"domain/os/nvram*", {"template", "type"}},
	{"domain/os/nvram/source", {"file"}},
	{"domain/os/firmware", {0}},
	{"domain/os/firmware/feature", {"enabled", "name"}},
	{"domain/os/kernel*", {0}},
	{"domain/os/initrd*", {0}},
	{"domain/os/cmdline*", {0}},
	{"domain/features", {0}},
	{"domain/features/acpi!", {0}},
	{"domain/features/apic!", {"eoi"}},
	{"domain/features/smm", {"state"}},
	{"domain/features/smm/tseg*", {"unit"}},
	{"domain/features/vmcoreinfo", {"state"}},
	{"domain/features/vmport", {"state"}},
	{"domain/genid!", {0}},
	{"domain/os/bios", {"rebootTimeout"}},
	{"domain/devices/controller/pcihole64#", {0}},
	{"domain/pm", {0}},
	{"domain/pm/suspend-to-mem", {"enabled"}},
	{"domain/pm/suspend-to-disk", {"enabled"}},
	{"domain/features/pae!", {0}},
	{"domain/clock",
	 {"offset", "adjustment", "basis", "start", "timezone"}},
	{"domain/clock/timer", {"name", "track", "tickpolicy", "present"}},
	{"domain/cpu", {"mode", "match", "check", "migratable"}},
	{"domain/cpu/model*", {"fallback"}},
	{"domain/cpu/topology", {"sockets", "dies", "cores", "threads"}},
	{"domain/cpu/feature", {"policy", "name"}},
	{"domain/on_poweroff*", {0}},
	{"domain/on_reboot*", {0}},
	{"domain/on_crash*", {0}},
	{"domain/devices", {0}},
	{"domain/devices/emulator*", {0}},
	{"domain/devices/disk", {"type", "device"}},
	{"domain/devices/disk/driver",
	 {"type", "cache", "io", "discard", "detect_zeroes", "queues",
	  "queue_size", "iothread", "error_policy", "rerror_policy",
	  "copy_on_read", "ioeventfd", "event_idx", "iommu", "ats", "packed",
	  "page_per_vq"}},
	{"domain/devices/disk/driver/metadata_cache", {0}},
	{"domain/devices/disk/driver/metadata_cache/max_size#", {0}},
	{"domain/devices/disk/backingStore/format/metadata_cache", {0}},
	{"domain/devices/disk/backingStore/format/metadata_cache/max_size#",
	 {0}},
	{"domain/devices/disk/geometry", {"cyls", "heads", "secs", "trans"}},
	{"domain/devices/disk/vendor*", {0}},
	{"domain/devices/disk/product*", {0}},
	{"domain/devices/disk/source",
	 {"file", "dev", "pool", "volume", "protocol", "name",
	  "startupPolicy"}},
	{"domain/devices/disk/source/host",
	 {"name", "port", "transport", "socket"}},
	{"domain/devices/disk/source/snapshot", {"name"}},
	{"domain/devices/disk/source/config", {"file"}},
	{"domain/devices/disk/source/timeout", {"seconds"}},
	{"domain/devices/disk/source/readahead", {"size"}},
	{"domain/devices/disk/source/ssl", {"verify"}},
	{"domain/devices/disk/source/reconnect", {"delay"}},
	{"domain/devices/disk/target",
	 {"dev", "bus", "rotation_rate", "tray", "removable"}},
	{"domain/devices/disk/wwn*", {0}},
	{"domain/devices/disk/readonly!", {0}},
	{"domain/devices/disk/shareable!", {0}},
	{"domain/devices/disk/transient!", {"shareBacking"}},
	{"domain/devices/disk/serial*", {0}},
	{"domain/devices/disk/boot", {"order"}},
	{"domain/devices/disk/iotune", {0}},
	{"domain/devices/disk/iotune/total_bytes_sec*", {0}},
	{"domain/devices/disk/iotune/read_bytes_sec*", {0}},
	{"domain/devices/disk/iotune/write_bytes_sec*", {0}},
	{"domain/devices/disk/iotune/total_iops_sec*", {0}},
	{"domain/devices/disk/iotune/read_iops_sec*", {0}},
	{"domain/devices/disk/iotune/write_iops_sec*", {0}},
	{"domain/devices/disk/iotune/total_bytes_sec_max*", {0}},
	{"domain/devices/disk/iotune/read_bytes_sec_max*", {0}},
	{"domain/devices/disk/iotune/write_bytes_sec_max*", {0}},
	{"domain/devices/disk/iotune/total_iops_sec_max*", {0}},
	{"domain/devices/disk/iotune/read_iops_sec_max*", {0}},
	{"domain/devices/disk/iotune/write_iops_sec_max*", {0}},
	{"domain/devices/disk/iotune/size_iops_sec*", {0}},
	{"domain/devices/disk/iotune/group_name*", {0}},
	{"domain/devices/disk/iotune/total_bytes_sec_max_length*", {0}},
	{"domain/devices/disk/iotune/read_bytes_sec_max_length*", {0}},
	{"domain/devices/disk/iotune/write_bytes_sec_max_length*", {0}},
	{"domain/devices/disk/iotune/total_iops_sec_max_length*", {0}},
	{"domain/devices/disk/iotune/read_iops_sec_max_length*", {0}},
	{"domain/devices/disk/iotune/write_iops_sec_max_length*", {0}},
	{"domain/devices/disk/address",
	 {"type", "controller", "bus", "target", "unit", "domain", "slot",
	  "function", "multifunction"}},
	{"domain/devices/disk/backingStore!", {"type"}},
	{"domain/devices/disk/backingStore/format", {"type"}},
	{"domain/devices/disk/backingStore/source", {"file"}},
	{"domain/devices/disk/backingStore/backingStore!", {"type"}},
	{"domain/devices/disk/backingStore/backingStore/format", {"type"}},
	{"domain/devices/disk/backingStore/backingStore/source", {"file"}},
	{"domain/devices/disk/backingStore/backingStore/backingStore!",
	 {"type"}},
	{"domain/devices/controller",
	 {"type", "index", "model", "ports", "vectors"}},
	{"domain/devices/controller/master", {"startport"}},
	{"domain/devices/controller/address",
	 {"type", "domain", "bus", "slot", "function", "multifunction"}},
	{"domain/devices/controller/model", {"name"}},
	{"domain/devices/controller/target",
	 {"chassisNr", "chassis", "port", "hotplug", "busNr"}},
	{"domain/devices/controller/target/node*", {0}},
	{"domain/devices/controller/driver",
	 {"queues", "cmd_per_lun", "max_sectors", "ioeventfd", "iothread",
	  "iommu", "ats", "packed", "page_per_vq"}},

	{"domain/devices/interface", {"type", "managed"}},
	{"domain/devices/interface/source/address",
	 {"type", "domain", "bus", "slot", "function"}},
	{"domain/devices/interface/boot", {"order"}},
	{"domain/devices/interface/teaming", {"type", "persistent"}},
	{"domain/devices/interface/mac", {"address"}},
	{"domain/devices/interface/source",
	 {"bridge", "network", "portgroup", "address", "port", "type", "path",
	  "mode", "dev"}},
	{"domain/devices/interface/source/local", {"address", "port"}},
	{"domain/devices/interface/source/ip",
	 {"address", "family", "prefix", "peer"}},
	{"domain/devices/interface/source/route",
	 {"family", "address", "prefix", "gateway"}},
	{"domain/devices/interface/source/reconnect", {"enabled", "timeout"}},
	{"domain/devices/interface/driver",
	 {"name", "queues", "rx_queue_size", "tx_queue_size", "txmode",
	  "ioeventfd", "event_idx", "rss", "rss_hash_report", "iommu", "ats",
	  "packed"}},
	{"domain/devices/interface/driver/host",
	 {"csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf"}},
	{"domain/devices/interface/driver/guest",
	 {"csum", "tso4", "tso6", "ecn", "ufo"}},
	{"domain/devices/interface/rom", {"bar", "file", "enabled"}},
	{"domain/devices/interface/acpi", {"index"}},
	{"domain/devices/interface/port", {"isolated"}},
	{"domain/devices/interface/ip", {"address", "family", "prefix"}},
	{"domain/devices/interface/target", {"dev", "managed"}},
	{"domain/devices/interface/script", {"path"}},
	{"domain/devices/interface/downscript", {"path"}},
	{"domain/devices/interface/model", {"type"}},
	{"domain/devices/interface/link", {"state"}},
	{"domain/devices/interface/address",
	 {"type", "domain", "bus", "slot", "function", "multifunction"}},
	{"domain/devices/interface/bandwidth", {0}},
	{"domain/devices/interface/bandwidth/inbound",
	 {"average", "peak", "burst", "floor"}},
	{"domain/devices/interface/bandwidth/outbound",
	 {"average", "peak", "burst", "floor"}},
	{"domain/devices/interface/virtualport", {"type"}},
	{"domain/devices/interface/virtualport/parameters", {"interfaceid"}},
	{"domain/devices/serial", {"type"}},
	{"domain/devices/serial/source",
	 {"mode", "path", "host", "service", "append", "tls", "channel"}},
	{"domain/devices/serial/protocol", {"type"}},
	{"domain/devices/serial/target", {"type", "port"}},
	{"domain/devices/serial/log", {"file", "append"}},
	{"domain/devices/serial/address",
	 {"type", "domain", "bus", "slot", "function", "iobase", "irq"}},
	{"domain/devices/parallel", {"type"}},
	{"domain/devices/parallel/source",
	 {"mode", "path", "host", "service", "append", "tls"}},
	{"domain/devices/parallel/protocol", {"type"}},
	{"domain/devices/parallel/target", {"port"}},
	{"domain/devices/console", {"type"}},
	{"domain/devices/console/source",
	 {"mode", "path", "host", "service", "append", "tls", "channel"}},
	{"domain/devices/console/protocol", {"type"}},
	{"domain/devices/console/target", {"type", "port"}},
	{"domain/devices/console/log", {"file", "append"}},
	{"domain/devices/console/address",
	 {"type", "domain", "bus", "slot", "function", "iobase", "irq"}},
	{"domain/devices/input", {"type", "bus"}},
	{"domain/devices/input/driver",
	 {"iommu", "ats", "packed", "page_per_vq"}},
	{"domain/devices/input/source",
	 {"evdev", "dev", "grab", "grabToggle", "repeat"}},
	{"domain/devices/input/address",
	 {"type", "bus", "port", "domain", "slot", "function"}},
	{"domain/devices/hub", {"type"}},
	{"domain/devices/smartcard", {"mode", "type"}},
	{"domain/devices/smartcard/certificate*", {0}},
	{"domain/devices/smartcard/database*", {0}},
	{"domain/devices/smartcard/source",
	 {"mode", "host", "service", "path"}},
	{"domain/devices/smartcard/protocol", {"type"}},
	{"domain/devices/smartcard/address", {"type", "controller", "slot"}},
	{"domain/devices/sound", {"model"}},
	{"domain/devices/sound/codec", {"type"}},
	{"domain/devices/sound/audio", {"id"}},
	{"domain/devices/sound/address",
	 {"type", "domain", "bus", "slot", "function", "port"}},
	{"domain/devices/hub/address", {"type", "bus", "port"}},
	{"domain/devices/graphics",
	 {"type", "port", "autoport", "listen", "passwd", "tlsPort",
	  "defaultMode", "sharePolicy", "powerControl", "websocket", "socket",
	  "passwdValidTo", "connected", "display", "xauth", "fullscreen",
	  "address", "p2p"}},
	{"domain/devices/graphics/audio", {"id"}},
	{"domain/devices/graphics/listen", {"address", "type", "socket"}},
	{"domain/devices/graphics/channel", {"name", "mode"}},
	{"domain/devices/graphics/image", {"compression"}},
	{"domain/devices/graphics/jpeg", {"compression"}},
	{"domain/devices/graphics/zlib", {"compression"}},
	{"domain/devices/graphics/playback", {"compression"}},
	{"domain/devices/graphics/streaming", {"mode"}},
	{"domain/devices/graphics/clipboard", {"copypaste"}},
	{"domain/devices/graphics/filetransfer", {"enable"}},
	{"domain/devices/graphics/mouse", {"mode"}},
	{"domain/devices/graphics/gl", {"enable", "rendernode"}},
	{"domain/devices/video", {0}},
	{"domain/devices/video/model",
	 {"type", "vram", "heads", "ram", "vram64", "vgamem", "primary"}},
	{"domain/devices/video/model/acceleration", {"accel3d"}},
	{"domain/devices/video/driver",
	 {"iommu", "ats", "packed", "page_per_vq"}},
	{"domain/devices/video/address",
	 {"type", "domain", "bus", "slot", "function", "multifunction"}},
	{"domain/devices/channel", {"type"}},
	{"domain/devices/channel/source",
	 {"mode", "path", "host", "service", "append", "tls", "channel"}},
	{"domain/devices/channel/protocol", {"type"}},
	{"domain/devices/channel/source/clipboard", {"copypaste"}},
	{"domain/devices/channel/source/mouse", {"mode"}},
	{"domain/devices/channel/target", {"type", "name"}},
	{"domain/devices/channel/address",
	 {"type", "controller", "bus", "port"}},
	{"domain/devices/rng", {"model"}},
	{"domain/devices/rng/backend*", {"model", "type"}},
	{"domain/devices/rng/backend/source",
	 {"mode", "path", "host", "service"}},
	{"domain/devices/rng/backend/protocol", {"type"}},
	{"domain/devices/rng/rate", {"bytes", "period"}},
	{"domain/devices/rng/driver",
	 {"iommu", "ats", "packed", "page_per_vq"}},
	{"domain/devices/rng/address",
	 {"type", "domain", "bus", "slot", "function"}},
	{"domain/devices/memballoon",
	 {"model", "autodeflate", "freePageReporting"}},
	{"domain/devices/memballoon/stats", {"period"}},
	{"domain/devices/memballoon/driver",
	 {"iommu", "ats", "packed", "page_per_vq"}},
	{"domain/devices/memballoon/address",
	 {"type", "domain", "bus", "slot", "function", "multifunction"}},
	{"domain/devices/watchdog", {"model", "action"}},
	{"domain/devices/watchdog/address",
	 {"type", "domain", "bus", "slot", "function", "multifunction"}},
	{"domain/devices/panic", {"model"}},
	{"domain/seclabel", {"type", "model", "relabel"}},
	{"domain/seclabel/label*", {0}},
	{"domain/cpu/numa", {0}},
	{"domain/cpu/numa/cell",
	 {"id", "cpus", "memory", "memAccess", "discard"}},
	{"domain/cpu/numa/cell/distances", {0}},
	{"domain/cpu/numa/cell/distances/sibling", {"id", "value"}},
	{"domain/numatune", {0}},
	{"domain/numatune/memory", {"mode", "nodeset"}},
	{"domain/numatune/memnode", {"cellid", "mode", "nodeset"}},
	{"domain/memoryBacking", {0}},
	{"domain/memoryBacking/hugepages!", {0}},
	{"domain/memoryBacking/hugepages/page", {"size", "nodeset"}},
	{"domain/memoryBacking/nosharepages!", {0}},
	{"domain/memoryBacking/locked!", {0}},
	{"domain/memoryBacking/source", {"type"}},
	{"domain/memoryBacking/access", {"mode"}},
	{"domain/memoryBacking/allocation", {"mode", "threads"}},
	{"domain/memoryBacking/discard!", {0}},
	{"domain/devices/audio",
	 {"id", "type", "timerPeriod", "path", "serverName", "tryMMap",
	  "exclusive", "dspPolicy", "driver"}},
	{"domain/devices/audio/input",
	 {"mixingEngine", "fixedSettings", "voices", "bufferLength", "dev",
	  "bufferCount", "tryPoll", "name", "streamName", "latency",
	  "serverName", "clientName", "connectPorts", "exactName"}},
	{"domain/devices/audio/output",
	 {"mixingEngine", "fixedSettings", "voices", "bufferLength", "dev",
	  "bufferCount", "tryPoll", "name", "streamName", "latency",
	  "serverName", "clientName", "connectPorts", "exactName"}},
	{"domain/devices/audio/input/settings",
	 {"frequency", "channels", "format"}},
	{"domain/devices/audio/output/settings",
	 {"frequency", "channels", "format"}},
	{"domain/devices/panic/address", {"type", "iobase"}},
	{"domain/cpu/cache", {"level", "mode"}},
	{"domain/cpu/maxphysaddr", {"mode", "bits"}},
	{"domain/features/hyperv", {"mode"}},
	{"domain/features/hyperv/relaxed", {"state"}},
	{"domain/features/hyperv/vapic", {"state"}},
	{"domain/features/hyperv/vpindex", {"state"}},
	{"domain/features/hyperv/runtime", {"state"}},
	{"domain/features/hyperv/synic", {"state"}},
	{"domain/features/hyperv/stimer", {"state"}},
	{"domain/features/hyperv/reset", {"state"}},
	{"domain/features/hyperv/frequencies", {"state"}},
	{"domain/features/hyperv/reenlightenment", {"state"}},
	{"domain/features/hyperv/tlbflush", {"state"}},
	{"domain/features/hyperv/ipi", {"state"}},
	{"domain/features/hyperv/evmcs", {"state"}},
	{"domain/features/hyperv/avic", {"state"}},
	{"domain/features/hyperv/spinlocks", {"state", "retries"}},
	{"domain/features/hyperv/vendor_id", {"state", "value"}},
	{"domain/features/hyperv/stimer/direct", {"state"}},
	{"domain/features/kvm", {0}},
	{"domain/features/kvm/hidden", {"state"}},
	{"domain/features/kvm/hint-dedicated", {"state"}},
	{"domain/features/kvm/poll-control", {"state"}},
	{"domain/features/kvm/pv-ipi", {"state"}},
	{"domain/features/kvm/dirty-ring", {"state", "size"}},
	{"domain/features/pmu", {"state"}},
	{"domain/features/pvspinlock", {"state"}},
	{"domain/features/ioapic", {"driver"}},
	{"domain/cputune/vcpupin", {"vcpu", "cpuset"}},
	{"domain/cputune/emulatorpin", {"cpuset"}},
	{"domain/cputune/iothreadpin", {"iothread", "cpuset"}},
	{"domain/cputune/vcpusched", {"vcpus", "scheduler", "priority"}},
	{"domain/cputune/iothreadsched",
	 {"iothreads", "scheduler", "priority"}},
	{"domain/iothreads*", {0}},
	{"domain/iothreadids", {0}},
	{"domain/iothreadids/iothread", {"id"}},
	{"domain/os/smbios", {"mode"}},
	{"domain/sysinfo", {"type"}},
	{"domain/sysinfo/entry*", {"name"}},
	{"domain/sysinfo/bios", {0}},
	{"domain/sysinfo/bios/entry*", {"name"}},
	{"domain/sysinfo/system", {0}},
	{"domain/sysinfo/system/entry*", {"name"}},
	{"domain/sysinfo/baseBoard", {0}},
	{"domain/sysinfo/baseBoard/entry*", {"name"}},
	{"domain/sysinfo/chassis", {0}},
	{"domain/sysinfo/chassis/entry*", {"name"}},
	{"domain/sysinfo/oemStrings", {0}},
	{"domain/sysinfo/oemStrings/entry*", {0}},
	{"domain/devices/iommu", {"model"}},
	{"domain/devices/iommu/driver",
	 {"intremap", "caching_mode", "eim", "iotlb", "aw_bits"}},
	{"domain/devices/hostdev",
	 {"mode", "type", "managed", "model", "display", "ramfb"}},
	{"domain/devices/hostdev/source/adapter", {"name"}},
	{"domain/devices/hostdev/readonly!", {0}},
	{"domain/devices/hostdev/shareable!", {0}},
	{"domain/devices/hostdev/driver", {"name"}},
	{"domain/devices/hostdev/source",
	 {"startupPolicy", "guestReset", "protocol", "wwpn"}},
	{"domain/devices/hostdev/source/address",
	 {"domain", "bus", "slot", "function", "device", "uuid", "target",
	  "unit"}},
	{"domain/devices/hostdev/source/vendor", {"id"}},
	{"domain/devices/hostdev/source/product", {"id"}},
	{"domain/devices/hostdev/boot", {"order"}},
	{"domain/devices/hostdev/rom", {"bar", "file", "enabled"}},
	{"domain/devices/hostdev/address",
	 {"type", "domain", "bus", "slot", "function", "multifunction",
	  "controller", "target", "unit", "port"}},
	{"domain/devices/redirdev", {"bus", "type"}},
	{"domain/devices/redirdev/source", {"mode", "host", "service", "path"}},
	{"domain/devices/redirdev/protocol", {"type"}},
	{"domain/devices/redirdev/boot", {"order"}},
	{"domain/devices/redirdev/address", {"type", "bus", "port"}},
	{"domain/devices/redirfilter", {0}},
	{"domain/devices/redirfilter/usbdev",
	 {"class", "vendor", "product", "version", "allow"}},
	{"domain/devices/tpm", {"model"}},
	{"domain/devices/tpm/backend", {"type", "version", "persistent_state"}},
	{"domain/devices/tpm/backend/device", {"path"}},
	{"domain/devices/tpm/backend/source", {"type", "mode", "path"}},
	{"domain/devices/tpm/backend/encryption", {"secret"}},
	{"domain/devices/tpm/backend/active_pcr_banks", {0}},
	{"domain/devices/tpm/backend/active_pcr_banks/sha1!", {0}},
	{"domain/devices/tpm/backend/active_pcr_banks/sha256!", {0}},
	{"domain/devices/tpm/backend/active_pcr_banks/sha384!", {0}},
	{"domain/devices/tpm/backend/active_pcr_banks/sha512!", {0}},
	{"domain/devices/shmem", {"name", "role"}},
	{"domain/devices/shmem/model", {"type"}},
	{"domain/devices/shmem/size#", {0}},
	{"domain/devices/shmem/server!", {"path"}},
	{"domain/devices/shmem/msi!", {"vectors", "ioeventfd"}},
	{"domain/devices/shmem/address",
	 {"type", "domain", "bus", "slot", "function"}},
	{"domain/devices/filesystem",
	 {"type", "accessmode", "fmode", "dmode", "multidevs"}},
	{"domain/devices/filesystem/driver",
	 {"type", "wrpolicy", "queue", "ats", "iommu", "packed"}},
	{"domain/devices/filesystem/binary", {"path", "xattr"}},
	{"domain/devices/filesystem/binary/cache", {"mode"}},
	{"domain/devices/filesystem/binary/sandbox", {"mode"}},
	{"domain/devices/filesystem/binary/lock", {"posix", "flock"}},
	{"domain/devices/filesystem/binary/thread_pool", {"size"}},
	{"domain/devices/filesystem/source", {"dir", "socket"}},
	{"domain/devices/filesystem/target", {"dir"}},
	{"domain/devices/filesystem/readonly!", {0}},
	{"domain/devices/filesystem/address",
	 {"type", "domain", "bus", "slot", "function"}},
	{"domain/devices/memory", {"model", "access", "discard"}},
	{"domain/devices/memory/source", {0}},
	{"domain/devices/memory/source/nodemask*", {0}},
	{"domain/devices/memory/source/pagesize#", {0}},
	{"domain/devices/memory/source/path*", {0}},
	{"domain/devices/memory/source/pmem!", {0}},
	{"domain/devices/memory/source/alignsize#", {0}},
	{"domain/devices/memory/target", {0}},
	{"domain/devices/memory/target/size#", {0}},
	{"domain/devices/memory/target/node*", {0}},
	{"domain/devices/memory/target/label", {0}},
	{"domain/devices/memory/target/label/size#", {0}},
	{"domain/devices/memory/target/block#", {0}},
	{"domain/devices/memory/target/requested#", {0}},
	{"domain/devices/memory/target/readonly!", {0}},
	{"domain/devices/memory/address",
	 {"type", "slot", "base", "domain", "bus", "function"}},
	{"domain/devices/vsock", {"model"}},
	{"domain/devices/vsock/cid", {"auto", "address"}},
	{"domain/devices/vsock/address",
	 {"type", "domain", "bus", "slot", "function"}},
};

/*
 * What libvirt writes that says what nido does anyway: the only value
 * nido has (QEMU's driver, the ISA serial port, one primary video) or
 * the run-time alias. Not part of the subset, and not a loss.
 */
static const char *const same_anyway[] = {
	"domain/devices/disk/driver@name=qemu",
	"domain/devices/serial/target@type=isa-serial",
	"domain/devices/serial/target/model@name=isa-serial",
	"domain/devices/video/model@primary=yes",
	"domain/devices/console/target/model@name=isa-serial",
	"domain/devices/disk/alias",
	"domain/devices/interface/alias",
	"domain/devices/hostdev/alias",
	"domain/devices/graphics/listen@type=address",
	"domain/devices/serial/target/model",
	"domain/devices/console/target/model",
};

static const struct known *find_known(const char *path, char *flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
		size_t n = strcspn(known[i].path, "*#!");

		if (strlen(path) == n && !strncmp(known[i].path, path, n)) {
			*flag = known[i].path[n];
			return &known[i];
		}
	}
	return NULL;
}

/* A <redirfilter> rule's version= as the BCD it means ("9.4" is 9.40,
 * "1.09" is 1.09), in hex; "-1" as itself. */
static char *usb_version(const char *v)
{
	const char *dot = strchr(v, '.');
	const char *minor = dot ? dot + 1 : "";
	unsigned long major = strtoul(v, NULL, 10);
	unsigned long m = strtoul(minor, NULL, 10);

	if (!dot)
		return xstrdup(v);
	if (strlen(minor) == 1)
		m *= 10;
	return xasprintf("%lx.%02lu", major, m);
}

/* @v as compared: numbers of addresses as decimal, UUIDs and MACs in
 * lower case. */
static char *canon(const char *path, const char *attr, const char *v)
{
	if (strstr(path, "redirfilter/usbdev") && streq(attr, "version"))
		return usb_version(v);
	if (strstr(path, "/address") || strstr(path, "controller/target")) {
		char *end;
		unsigned long n = strtoul(v, &end, 0);

		if (*v && !*end)
			return xasprintf("%lu", n);
	}
	/* a filesystem's fmode and dmode: octal, leading zeros or not */
	if (strstr(path, "filesystem") &&
	    (streq(attr, "fmode") || streq(attr, "dmode")))
		return xasprintf("%lo", strtoul(v, NULL, 8));
	if (streq(attr, "address") || strstr(path, "uuid")) {
		char *s = xstrdup(v);

		for (char *p = s; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return s;
	}
	return xstrdup(v);
}

/* A memory element's size in KiB, as text. */
static char *kib_of(const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);
	xmlChar *u = xmlGetProp(n, BAD_CAST "unit");
	uint64_t bytes = 0;
	char *s;

	/* libvirt's default unit: KiB, but bytes for a max_size */
	if (size_parse_unit((const char *)t,
			    u ? (const char *)u
			    : xmlStrEqual(n->name, BAD_CAST "max_size") ? "B"
									: "KiB",
			    &bytes, NULL) < 0)
		s = xstrdup("invalid");
	else
		s = xasprintf("%llu",
			      (unsigned long long)DIV_ROUND_UP(bytes, 1024));
	xmlFree(t);
	xmlFree(u);
	return s;
}

static const xmlNode *child_named(const xmlNode *n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !n->ns &&
		    xmlStrEqual(n->name, BAD_CAST name))
			return n;
	return NULL;
}

static uint64_t kib_num(const xmlNode *n, const char *attr)
{
	xmlChar *t = attr ? xmlGetProp(n, BAD_CAST attr) : xmlNodeGetContent(n);
	xmlChar *u = xmlGetProp(n, BAD_CAST "unit");
	uint64_t bytes = 0;

	if (!t || size_parse_unit((const char *)t, u ? (const char *)u : "KiB",
				  &bytes, NULL) < 0)
		bytes = 0;
	xmlFree(t);
	xmlFree(u);
	return DIV_ROUND_UP(bytes, 1024);
}

/*
 * <memory> (or, @current, <currentMemory>) as `virsh define` makes it
 * of the document @n is in: with NUMA cells, their sum and the memory
 * devices' sizes (those nido keeps: the others are warned about, and
 * so is what they add); a <currentMemory> above it comes down to it.
 * Without cells, as written.
 */
static char *defined_kib(const xmlNode *n, bool current)
{
	const xmlNode *root = xmlDocGetRootElement(n->doc);
	const xmlNode *numa = child_named(child_named(root, "cpu"), "numa");
	const xmlNode *devs = child_named(root, "devices");
	char flag;
	uint64_t total = 0, cur;

	for (const xmlNode *c = numa ? numa->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(c->name, BAD_CAST "cell"))
			total += kib_num(c, "memory");
	if (!total)
		return kib_of(n);
	if (find_known("domain/devices/memory", &flag))
		for (const xmlNode *c = devs ? devs->children : NULL; c;
		     c = c->next)
			if (c->type == XML_ELEMENT_NODE &&
			    xmlStrEqual(c->name, BAD_CAST "memory"))
				total += kib_num(
					child_named(child_named(c, "target"),
						    "size"),
					NULL);
	cur = current ? kib_num(n, NULL) : total;
	return xasprintf("%llu",
			 (unsigned long long)(cur < total ? cur : total));
}

/* An attribute of @n equals @v. */
static bool prop_is(const xmlNode *n, const char *attr, const char *v)
{
	xmlChar *a = xmlGetProp(n, BAD_CAST attr);
	bool r = a && streq((const char *)a, v);

	xmlFree(a);
	return r;
}

/*
 * The index of controller @n: its index=, or (but for USB ones) the one
 * libvirt gives a controller without: 0 for a PCI root, else the lowest
 * free one of its type, in document order.
 */
static unsigned controller_index(const xmlNode *n)
{
	xmlChar *t = xmlGetProp(n, BAD_CAST "type");
	xmlChar *ix = xmlGetProp(n, BAD_CAST "index");
	bool used[257] = {false};
	unsigned r = 0;

	if (ix || !t || streq((const char *)t, "usb") ||
	    prop_is(n, "model", "pci-root") || prop_is(n, "model", "pcie-root"))
		goto out;
	for (const xmlNode *s = n->parent->children; s; s = s->next) {
		xmlChar *si;

		if (s->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(s->name, BAD_CAST "controller") ||
		    !prop_is(s, "type", (const char *)t))
			continue;
		if ((si = xmlGetProp(s, BAD_CAST "index")))
			used[strtoul((const char *)si, NULL, 10) & 0xff] = true;
		xmlFree(si);
	}
	for (const xmlNode *s = n->parent->children; s; s = s->next) {
		/* a PCI one from 1: 0 is the root's, given or not */
		unsigned k = streq((const char *)t, "pci");

		if (s->type != XML_ELEMENT_NODE ||
		    !xmlStrEqual(s->name, BAD_CAST "controller") ||
		    !prop_is(s, "type", (const char *)t) ||
		    xmlHasProp(s, BAD_CAST "index") ||
		    prop_is(s, "model", "pci-root") ||
		    prop_is(s, "model", "pcie-root"))
			continue;
		while (k < 256 && used[k])
			k++;
		used[k] = true;
		if (s == n) {
			r = k;
			break;
		}
	}
out:
	if (ix)
		r = (unsigned)strtoul((const char *)ix, NULL, 10);
	xmlFree(t);
	xmlFree(ix);
	return r;
}

/*
 * The element's key among its siblings: a controller by type and
 * index, an input by type and bus, others by their rank among siblings
 * of the same name (nido keeps each kind's order).
 */
static char *key_of(const xmlNode *n)
{
	unsigned rank = 0;

	if (xmlStrEqual(n->name, BAD_CAST "feature")) {
		xmlChar *a = xmlGetProp(n, BAD_CAST "name");
		char *k = xasprintf("[%s]", a ? (const char *)a : "");

		xmlFree(a);
		return k;
	}
	if (xmlStrEqual(n->name, BAD_CAST "controller")) {
		xmlChar *a = xmlGetProp(n, BAD_CAST "type");
		xmlChar *m = xmlGetProp(n, BAD_CAST "model");
		/* an ICH9 EHCI's companions share its index */
		bool companion = m && !xmlStrncmp(m, BAD_CAST "ich9-uhci", 9);
		char *k = xasprintf("[%s,%u%s%s]", a ? (const char *)a : "",
				    controller_index(n), companion ? "," : "",
				    companion ? (const char *)m : "");

		xmlFree(a);
		xmlFree(m);
		return k;
	}
	if (xmlStrEqual(n->name, BAD_CAST "input")) {
		xmlChar *a = xmlGetProp(n, BAD_CAST "type");
		xmlChar *b = xmlGetProp(n, BAD_CAST "bus");
		char *k = xasprintf("[%s,%s]", a ? (const char *)a : "",
				    b ? (const char *)b : "");

		xmlFree(a);
		xmlFree(b);
		return k;
	}
	for (const xmlNode *s = n->prev; s; s = s->prev)
		rank += s->type == XML_ELEMENT_NODE &&
			xmlStrEqual(s->name, n->name);
	return xasprintf("[%u]", rank);
}

/* Controllers of the types nido keeps; the others are beyond. */
static bool controller_kept(const xmlNode *n)
{
	static const char *const types[] = {"pci",  "ide", "sata",
					    "scsi", "usb", "virtio-serial",
					    "fdc",  "ccid"};
	xmlChar *t = xmlGetProp(n, BAD_CAST "type");
	bool kept =
		t && corpus_str_in((const char *)t, types, ARRAY_SIZE(types));

	xmlFree(t);
	return kept;
}

/* An <audio> nido keeps: of a backend QEMU has on Linux. */
static bool audio_kept(const xmlNode *n)
{
	static const char *const types[] = {"none", "alsa",	  "jack",
					    "oss",  "pulseaudio", "sdl",
					    "file", "spice",	  "dbus"};
	xmlChar *t = xmlGetProp(n, BAD_CAST "type");
	bool kept =
		t && corpus_str_in((const char *)t, types, ARRAY_SIZE(types));

	xmlFree(t);
	return kept;
}

/* A <seclabel> nido keeps: type 'none', no model or model 'none',
 * nothing else; or DAC's (no model, this host's only one) dynamic or
 * static label. */
static bool seclabel_kept(const xmlNode *n)
{
	xmlChar *t = xmlGetProp(n, BAD_CAST "type");
	xmlChar *m = xmlGetProp(n, BAD_CAST "model");
	int n_attrs = 0;
	bool none = t && xmlStrEqual(t, BAD_CAST "none") &&
		    (!m || xmlStrEqual(m, BAD_CAST "none")) && !n->children;
	bool dac = (!m && (!t || xmlStrEqual(t, BAD_CAST "dynamic"))) ||
		   (m && xmlStrEqual(m, BAD_CAST "dac") && t &&
		    !xmlStrEqual(t, BAD_CAST "none"));
	bool kept;

	for (const xmlAttr *a = n->properties; a; a = a->next)
		n_attrs++;
	kept = (none && n_attrs == 1 + (m != NULL)) || dac;

	xmlFree(t);
	xmlFree(m);
	return kept;
}

/* An attribute that is a size with the element's unit= (a NUMA cell's
 * memory, a huge page's size): as KiB, the unit left out. */
static bool sized(const char *path, const xmlChar *attr)
{
	return (strstr(path, "numa/cell") &&
		xmlStrEqual(attr, BAD_CAST "memory")) ||
	       (strstr(path, "hugepages/page") &&
		xmlStrEqual(attr, BAD_CAST "size"));
}

static char *attr_kib(const xmlNode *n, const char *v)
{
	xmlChar *u = xmlGetProp(n, BAD_CAST "unit");
	uint64_t bytes = 0;
	char *s;

	if (size_parse_unit(v, u ? (const char *)u : "KiB", &bytes, NULL) < 0)
		s = xstrdup("invalid");
	else
		s = xasprintf("%llu", (unsigned long long)(bytes / 1024));
	xmlFree(u);
	return s;
}

/* A <timer> nido keeps: rtc (track guest, wall or realtime; tickpolicy
 * delay or catchup), pit (tickpolicy delay, catchup or discard), hpet and
 * kvmclock (present), nothing else. */
static bool timer_kept(const xmlNode *n)
{
	static const char *const names[] = {"rtc", "pit", "hpet", "kvmclock"};
	static const char *const ok[] = {
		"rtc@track=guest",	  "rtc@track=wall",
		"rtc@track=realtime",	  "rtc@tickpolicy=delay",
		"rtc@tickpolicy=catchup", "pit@tickpolicy=delay",
		"pit@tickpolicy=catchup", "pit@tickpolicy=discard",
		"hpet@present=yes",	  "hpet@present=no",
		"kvmclock@present=yes",	  "kvmclock@present=no"};
	xmlChar *name = xmlGetProp(n, BAD_CAST "name");
	bool kept = name &&
		    corpus_str_in((const char *)name, names, ARRAY_SIZE(names));

	for (const xmlNode *c = n->children; kept && c; c = c->next)
		kept = c->type != XML_ELEMENT_NODE;
	for (const xmlAttr *a = n->properties; kept && a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((const xmlNode *)a);
		_cleanup_free_ char *s =
			xasprintf("%s@%s=%s", (const char *)name,
				  (const char *)a->name, (const char *)v);

		kept = !a->ns && (xmlStrEqual(a->name, BAD_CAST "name") ||
				  corpus_str_in(s, ok, ARRAY_SIZE(ok)));
		xmlFree(v);
	}
	xmlFree(name);
	return kept;
}

/* A <numatune> child nido keeps: with a nodeset, not numad's
 * placement, not mode 'restrictive'. */
static bool numatune_kept(const xmlNode *n)
{
	xmlChar *m = xmlGetProp(n, BAD_CAST "mode");
	xmlChar *p = xmlGetProp(n, BAD_CAST "placement");
	bool kept = !(m && xmlStrEqual(m, BAD_CAST "restrictive")) &&
		    !(p && xmlStrEqual(p, BAD_CAST "auto")) &&
		    xmlHasProp(n, BAD_CAST "nodeset");

	xmlFree(m);
	xmlFree(p);
	return kept;
}

static bool anyway(const char *path, const char *attr, const char *v)
{
	/* a running domain's id: nothing a definition keeps */
	if (attr && streq(path, "domain") && streq(attr, "id"))
		return true;
	_cleanup_free_ char *s =
		attr ? xasprintf("%s@%s=%s", path, attr, v) : xstrdup(path);

	return corpus_str_in(s, same_anyway, ARRAY_SIZE(same_anyway));
}

/* A graphics port with autoport='yes' (or of -1, which says the
 * same): a running domain's, which libvirt's define drops too (the
 * port is picked at start). */
static bool runtime_port(const xmlNode *n, const char *path,
			 const xmlChar *attr, const xmlChar *v)
{
	xmlChar *auto_ = NULL;
	bool r;

	if (!streq(path, "domain/devices/graphics") ||
	    (!xmlStrEqual(attr, BAD_CAST "port") &&
	     !xmlStrEqual(attr, BAD_CAST "tlsPort")))
		return false;
	auto_ = xmlGetProp(n, BAD_CAST "autoport");
	r = (auto_ && xmlStrEqual(auto_, BAD_CAST "yes")) ||
	    xmlStrEqual(v, BAD_CAST "-1");
	xmlFree(auto_);
	return r;
}

/* An application's element under <metadata> as its namespace, name,
 * attributes, text and children say it, whatever its prefix and the
 * space around it. */
static void put_foreign(FILE *f, const xmlNode *n)
{
	fprintf(f, "{%s}%s(", n->ns ? (const char *)n->ns->href : "",
		(const char *)n->name);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		xmlChar *val = xmlNodeGetContent((const xmlNode *)a);

		fprintf(f, "@{%s}%s=%s", a->ns ? (const char *)a->ns->href : "",
			(const char *)a->name, (const char *)val);
		xmlFree(val);
	}
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			put_foreign(f, c);
		} else if (c->type == XML_TEXT_NODE ||
			   c->type == XML_CDATA_SECTION_NODE) {
			const char *t = (const char *)c->content;
			size_t len;

			t += strspn(t, " \t\n");
			len = strlen(t);
			while (len && strchr(" \t\n", t[len - 1]))
				len--;
			fprintf(f, "%.*s", (int)len, t);
		}
	}
	fputc(')', f);
}

/* <metadata>: what libvirt keeps of it (an element in a namespace, the
 * first of its namespace) is said; the rest is beyond. */
static void walk_metadata(const xmlNode *m, struct corpus_view *v)
{
	fputs("domain/metadata!\n", v->said);
	for (const xmlNode *c = m->children; c; c = c->next) {
		bool seen = false;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (const xmlNode *p = m->children; c->ns && p != c;
		     p = p->next)
			seen = seen || (p->type == XML_ELEMENT_NODE && p->ns &&
					xmlStrEqual(p->ns->href, c->ns->href));
		if (!c->ns || seen) {
			corpus_beyond_element(v, c->ns, c->name);
			continue;
		}
		fputs("domain/metadata/", v->said);
		put_foreign(v->said, c);
		fputc('\n', v->said);
	}
}

static void walk(const xmlNode *n, const char *parent, const char *kparent,
		 struct corpus_view *v)
{
	_cleanup_free_ char *path =
		parent ? xasprintf("%s/%s", parent, (const char *)n->name)
		       : xstrdup((const char *)n->name);
	_cleanup_free_ char *key = parent ? key_of(n) : xstrdup("");
	_cleanup_free_ char *kpath =
		parent ? xasprintf("%s/%s%s", kparent, (const char *)n->name,
				   key)
		       : xstrdup((const char *)n->name);
	char flag = 0;
	const struct known *k = n->ns ? NULL : find_known(path, &flag);

	if (!n->ns && streq(path, "domain/metadata")) {
		walk_metadata(n, v);
		return;
	}

	if (k &&
	    ((xmlStrEqual(n->name, BAD_CAST "controller") &&
	      !controller_kept(n)) ||
	     (streq(path, "domain/devices/audio") && !audio_kept(n)) ||
	     (xmlStrEqual(n->name, BAD_CAST "seclabel") && !seclabel_kept(n)) ||
	     (streq(path, "domain/clock/timer") && !timer_kept(n)) ||
	     (str_has_prefix(path, "domain/numatune/") && !numatune_kept(n))))
		k = NULL;
	if (!k) {
		if (!anyway(path, NULL, NULL))
			corpus_beyond_element(v, n->ns, n->name);
		return;
	}
	if (flag == '!')
		fprintf(v->said, "%s!\n", kpath);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		xmlChar *val = xmlNodeGetContent((const xmlNode *)a);
		_cleanup_free_ char *c = NULL;

		if (!a->ns &&
		    (anyway(path, (const char *)a->name, (const char *)val) ||
		     runtime_port(n, path, a->name, val))) {
			/* what nido says anyway, in both */
		} else if (!a->ns && xmlStrEqual(a->name, BAD_CAST "unit") &&
			   (flag == '#' || strstr(path, "numa/cell") ||
			    strstr(path, "hugepages/page"))) {
			/* in the size, as KiB */
		} else if (!a->ns && sized(path, a->name)) {
			c = attr_kib(n, (const char *)val);
			fprintf(v->said, "%s@%s=%s\n", kpath,
				(const char *)a->name, c);
		} else if (!a->ns &&
			   corpus_str_in((const char *)a->name, k->attrs,
					 ARRAY_SIZE(k->attrs))) {
			c = canon(path, (const char *)a->name,
				  (const char *)val);
			fprintf(v->said, "%s@%s=%s\n", kpath,
				(const char *)a->name, c);
		} else if (a->ns || !anyway(path, (const char *)a->name,
					    (const char *)val)) {
			corpus_beyond_attr(v, a->ns, a->name);
		}
		xmlFree(val);
	}
	if (flag == '*' || flag == '#') {
		xmlChar *t = xmlNodeGetContent(n);
		bool mem = streq(path, "domain/memory") ||
			   streq(path, "domain/currentMemory");
		_cleanup_free_ char *kib =
			flag != '#' ? NULL
			: mem	    ? defined_kib(n,
						  streq(path, "domain/currentMemory"))
				    : kib_of(n);
		_cleanup_free_ char *c =
			canon(path, "", kib ? kib : (const char *)t);

		/* empty: the default (a loader or rng source to pick);
		 * around the text, nothing */
		char *s = c + strspn(c, " \t\n");
		size_t len = strlen(s);

		while (len && strchr(" \t\n", s[len - 1]))
			s[--len] = '\0';
		if (*s)
			fprintf(v->said, "%s=%s\n", kpath, s);
		xmlFree(t);
		return;
	}
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			walk(c, path, kpath, v);
}

static void walk_root(const xmlNode *root, struct corpus_view *v)
{
	walk(root, NULL, NULL, v);
}

static char *dir;
static char skip_reason[256];

/* qemu-corpus.txt, the outcome of each file */
static struct corpus_table table;

static char *read_file_text(const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s.xml", dir, name);
	char *text = NULL;

	if (file_read_all(p, 1 << 20, &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

/* Whether libvirt would run @xml on x86 (its arch, or none: the host's). */
static bool is_x86(const char *xml)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
				    XML_PARSE_NONET);
	const xmlNode *n = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlChar *arch = NULL;
	bool x86;

	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST "os"))
			break;
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST "type"))
			arch = xmlGetProp(n, BAD_CAST "arch");
	x86 = !arch || xmlStrEqual(arch, BAD_CAST "x86_64") ||
	      xmlStrEqual(arch, BAD_CAST "i686");
	xmlFree(arch);
	xmlFreeDoc(doc);
	return x86;
}

/* nido's definition says what libvirt's file says, within the subset. */
static bool meaning_kept(const char *name, const char *theirs, const char *ours,
			 const struct xml_warnings *w)
{
	struct corpus_view a = {0}, b = {0};
	const char *miss = NULL, *unwarned = NULL;
	bool ok;

	if (corpus_view_of(theirs, "domain.xml", walk_root, &a) < 0 ||
	    corpus_view_of(ours, "domain.xml", walk_root, &b) < 0) {
		printf("# %s: a document does not parse\n", name);
		corpus_view_free(&a);
		corpus_view_free(&b);
		return false;
	}
	miss = corpus_first_missing(a.said_text, b.said_text);
	unwarned = corpus_first_unwarned(a.beyond_text, w);
	ok = !miss && !unwarned && !b.beyond_len;
	if (b.beyond_len)
		printf("# %s: nido writes what the table does not know: %s\n",
		       name, b.beyond_text);
	if (miss)
		printf("# %s: libvirt's '%s' is not in nido's definition\n",
		       name, miss);
	if (unwarned)
		printf("# %s: %s is not warned about\n", name, unwarned);
	corpus_view_free(&a);
	corpus_view_free(&b);
	return ok;
}

/*
 * NIDO_QEMU_CORPUS_OUT=FILE: each x86 file's line as it is now (its
 * table line when it passes, else what nido did), for updating the
 * table after a change; the words of a warning are the name it gives.
 */
static FILE *out;

/* The words of warning @m that the table keeps: the element or
 * attribute it names, else the message without its line. */
static void put_words(FILE *f, const char *m)
{
	static const char *const marks[] = {
		"unknown device <", "unknown element <", "unknown attribute '"};

	if (!strncmp(m, "line ", 5) && strstr(m, ": "))
		m = strstr(m, ": ") + 2;
	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		const char *p = strstr(m, marks[i]);

		if (p) {
			p += strlen(marks[i]) - 1;
			fprintf(f, "%.*s", (int)(strcspn(p + 1, ">'") + 2), p);
			return;
		}
	}
	fprintf(f, "%.60s", m);
}

static void put_outcome(const char *name, int r, const struct err *err,
			const struct xml_warnings *w)
{
	if (r < 0) {
		fprintf(out, "%s r ", name);
		put_words(out, err_msg(err));
	} else {
		fprintf(out, "%s %c", name, w->n ? 'w' : 'a');
		for (size_t i = 0; i < w->n; i++) {
			fputs(i ? "|" : " ", out);
			put_words(out, w->msgs[i]);
		}
	}
	fputc('\n', out);
}

static bool check_one(const struct corpus_expect *x, const char *in)
{
	_cleanup_free_ char *ours = NULL;
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};
	struct err *err = NULL;
	bool ok;
	int r = domain_def_parse(in, strlen(in), &d, &w, &err);

	ok = corpus_outcome_is(x->name, x->outcome, x->words, r, err, &w);
	if (x->outcome != 'r' && r == 0) {
		ours = domain_def_format(d);
		ok = meaning_kept(x->name, in, ours, &w) && ok;
		if (!corpus_domain_reloads(ours)) {
			printf("# %s: nido's definition does not reload the "
			       "same\n",
			       x->name);
			ok = false;
		}
	}
	if (out && ok)
		fprintf(out, "%s %c%s%s\n", x->name, x->outcome,
			*x->words ? " " : "", x->words);
	else if (out)
		put_outcome(x->name, r, err, &w);
	domain_def_free(d);
	xml_warnings_clear(&w);
	err_free(err);
	return ok;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .xml files of the directory, sorted, without ".xml". */
static char **list_files(size_t *n)
{
	DIR *dd = opendir(dir);
	struct dirent *de;
	char **v = NULL;

	*n = 0;
	while (dd && (de = readdir(dd))) {
		size_t len = strlen(de->d_name);

		if (len < 5 || strcmp(de->d_name + len - 4, ".xml"))
			continue;
		v = xreallocarray(v, *n + 1, sizeof(*v));
		v[(*n)++] = xstrndup(de->d_name, len - 4);
	}
	if (dd)
		closedir(dd);
	if (*n)
		qsort(v, *n, sizeof(*v), by_name);
	return v;
}

static void corpus_files_as_the_table_says(void)
{
	size_t n = 0, bad = 0, other = 0, x86 = 0, counts[3] = {0};
	char **files;

	if (!dir)
		SKIP("%s", skip_reason);
	CHECK_INT_EQ(corpus_table_load(CORPUS_TABLE, &table), 0);
	files = list_files(&n);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *in = read_file_text(files[i]);
		const struct corpus_expect *x =
			corpus_table_find(&table, files[i]);

		if (!in || !is_x86(in)) {
			other++;
			if (x) {
				printf("# %s: not an x86 domain, but in the "
				       "table\n",
				       files[i]);
				bad++;
			}
			continue;
		}
		x86++;
		if (!x) {
			printf("# %s: not in the table\n", files[i]);
			bad++;
		} else if (!check_one(x, in)) {
			printf("# %s: FAILED\n", files[i]);
			bad++;
		} else {
			counts[corpus_outcome_index(x->outcome)]++;
		}
	}
	printf("# %zu files: %zu x86 (%zu defined as they are, %zu defined "
	       "with warnings, %zu refused), %zu of other architectures "
	       "skipped\n",
	       n, x86, counts[0], counts[1], counts[2], other);
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(x86, table.n);
	CHECK_INT_EQ(n, 1070);
	/* acceptance: a majority of the x86 files defined as they are */
	CHECK(2 * (counts[0] + counts[1]) > x86);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

int main(void)
{
	dir = corpus_fetch(CORPUS_SCRIPT, "qemuxml2argvdata",
			   "qemuxml2argvdata", skip_reason,
			   sizeof(skip_reason));
	if (getenv("NIDO_QEMU_CORPUS_OUT"))
		out = fopen(getenv("NIDO_QEMU_CORPUS_OUT"), "we");
	RUN(corpus_files_as_the_table_says);
	if (out)
		fclose(out);
	corpus_table_free(&table);
	free(dir);
	return test_done();
}
