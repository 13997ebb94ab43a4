// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the state file reader (docs/state-format.md):
 * the container's checks (header, sections, checksums), --describe-state
 * on the file, then each device's loader on the sections it would get,
 * on devices of a VM without KVM. Anything but a clean return is a bug.
 *
 * Mutations rarely keep a checksum right, so each input is read twice:
 * as it is, then with its checksums recomputed, which takes the fuzzer
 * to the section readers behind them.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "lib/log.h"
#include "vmm/hw/devices.h"
#include "vmm/state.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"
#include "vmm/vmconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MEM (64ULL << 20)
#define N_DEVS	 5

static struct vm *vm;
static struct virtio_dev *devs[N_DEVS];
/* A multiport virtio-console with one channel: section virtio0 is also
 * loaded into it (real-agent-channel.state holds one there). */
static struct virtio_dev *mp_console;
static FILE *devnull;
static char disk_path[64];

static void fuzz_init(void)
{
	struct config_disk disk = {.path = disk_path,
				   .format = DISK_FORMAT_RAW};
	int fd = memfd_create("fuzz-disk", 0), pair[2];
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 1};

	log_init("fuzz-state");
	log_set_level(LOG_LEVEL_ERROR);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		abort();
	snprintf(disk_path, sizeof(disk_path), "/proc/self/fd/%d", fd);
	devnull = fopen("/dev/null", "w");
	vm = vm_create_bare(FUZZ_MEM, NULL);
	if (!vm || !devnull ||
	    socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       pair) < 0)
		abort();
	vm->serial = serial_create(vm, -1, NULL);
	vm->i8042 = i8042_create(vm, NULL);
	vm->rtc = rtc_create(vm, NULL);
	vm->pm = pm_create(vm, NULL);
	vm->boottimer = boottimer_create(vm, VM_MMIO_BASE, NULL);
	devs[0] = virtio_blk_create(vm, &disk, 0, NULL);
	devs[1] = virtio_console_create(vm, -1, true, NULL, 0, NULL);
	devs[2] = virtio_rng_create(vm, NULL);
	devs[3] = virtio_net_create_fd(vm, pair[0], "fuzz", mac, NULL);
	devs[4] = virtio_balloon_create(vm, false, NULL);
	mp_console =
		virtio_console_create(vm, -1, false,
				      (const struct virtio_console_chan[]){
					      {"org.qemu.guest_agent.0", NULL}},
				      1, NULL);
	close(pair[1]);
	if (!vm->serial || !vm->i8042 || !vm->rtc || !vm->pm || !vm->boottimer)
		abort();
	for (int i = 0; i < N_DEVS; i++)
		if (!devs[i])
			abort();
	if (!mp_console)
		abort();
}

static uint32_t ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void st32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* Recomputes every checksum as far as the section lengths hold. */
static void fix_checksums(uint8_t *d, size_t len)
{
	size_t off = STATE_HDR_LEN;

	if (len < STATE_HDR_LEN)
		return;
	st32(d + 28, state_crc32c(0, d, 28));
	for (uint32_t i = 0; i < ld32(d + 12) && len - off >= 24; i++) {
		uint64_t plen;

		memcpy(&plen, d + off + 8, 8);
		if (plen > len - off - 24)
			return;
		st32(d + off + 16, state_crc32c(0, d + off + 24, plen));
		st32(d + off + 20, state_crc32c(0, d + off, 20));
		off += 24 + ALIGN_UP(plen, 8);
		if (off > len)
			return;
	}
}

/* Each device's loader on its section, when there is one. */
static void load_devices(const struct state_file *f)
{
	static const uint16_t kinds[] = {STATE_SEC_SERIAL, STATE_SEC_I8042,
					 STATE_SEC_RTC, STATE_SEC_PM,
					 STATE_SEC_BOOTTIMER};
	const struct state_sec *s;

	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
		_cleanup_err_ struct err *e = NULL;

		s = state_find(f, kinds[k], 0);
		if (!s)
			continue;
		if (kinds[k] == STATE_SEC_SERIAL)
			serial_load(vm->serial, s, &e);
		else if (kinds[k] == STATE_SEC_I8042)
			i8042_load(vm->i8042, s, &e);
		else if (kinds[k] == STATE_SEC_RTC)
			rtc_load(vm->rtc, s, &e);
		else if (kinds[k] == STATE_SEC_PM)
			pm_load(vm->pm, s, &e);
		else
			boottimer_load(vm->boottimer, s, &e);
	}
	for (unsigned i = 0; i < N_DEVS; i++) {
		_cleanup_err_ struct err *e = NULL;

		s = state_find(f, STATE_SEC_VIRTIO, (uint16_t)i);
		if (s && virtio_dev_load(devs[i], s, &e) == 0)
			virtio_dev_resume_queues(devs[i]);
	}
	s = state_find(f, STATE_SEC_VIRTIO, 0);
	if (s) {
		_cleanup_err_ struct err *e = NULL;

		if (virtio_dev_load(mp_console, s, &e) == 0)
			virtio_dev_resume_queues(mp_console);
	}
}

static void read_state(const uint8_t *d, size_t size)
{
	static struct state_file f;
	_cleanup_err_ struct err *e = NULL;

	state_describe_buf(d, size, "fuzz", devnull, NULL);
	if (state_parse(d, size, "fuzz", &f, &e) == 0)
		load_devices(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *d;

	if (!vm)
		fuzz_init();
	d = xmalloc(size + 1);
	memcpy(d, data, size);
	read_state(d, size);
	fix_checksums(d, size);
	read_state(d, size);
	free(d);
	return 0;
}
