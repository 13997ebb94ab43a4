// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the virtio device models: random MMIO register
 * writes and reads, random guest memory (so random rings and descriptor
 * chains) and queue notifications, on virtio-rng, virtio-console and
 * virtio-blk (on a raw image in a memfd), virtio-net (on a socket
 * pair standing in for the tap) and virtio-balloon (page numbers,
 * statistics, reported ranges), without KVM. Anything but a
 * clean return is a bug: a crash, a sanitizer report, a hang.
 *
 * Input: a sequence of operations, each one opcode byte then arguments:
 *	0 write register:  device, offset (2 bytes), value (4 bytes)
 *	1 read register:   device, offset (2 bytes)
 *	2 fill memory:     address (3 bytes, in the first 16 MiB), n, bytes
 *	3 notify:          device, queue
 *	4 set up a ring:   device, queue, size, 3 addresses (3 bytes each)
 *	5 reset device:    device
 *	6 host frame:      n (2 bytes), bytes: a frame arriving on the "tap"
 *	7 channel input:   port, n, bytes: from a multiport console's host
 *			   end (which also opens it, or closes it when n is
 *			   0)
 * The sixth device is a multiport virtio-console with two named ports,
 * so the guest's control messages (5.3.6.2) are fuzzed too.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"
#include "vmm/vmconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MEM (16ULL << 20)
#define N_DEVS	 6

static struct vm *vm;
static struct virtio_dev *devs[N_DEVS];
static char disk_path[64];
static int tap_peer = -1;

static void fuzz_init(void)
{
	struct config_disk disk = {.path = disk_path,
				   .format = DISK_FORMAT_RAW};
	int fd = memfd_create("fuzz-disk", 0), pair[2];
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 1};

	log_init("fuzz-virtio");
	log_set_level(LOG_LEVEL_ERROR);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		abort();
	snprintf(disk_path, sizeof(disk_path), "/proc/self/fd/%d", fd);
	vm = vm_create_bare(FUZZ_MEM, NULL);
	if (!vm)
		abort();
	devs[0] = virtio_rng_create(vm, NULL);
	devs[1] = virtio_console_create(vm, -1, true, NULL, 0, NULL);
	devs[2] = virtio_blk_create(vm, &disk, 0, NULL);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       pair) < 0)
		abort();
	tap_peer = pair[1];
	devs[3] = virtio_net_create_fd(vm, pair[0], "fuzz", mac, NULL);
	devs[4] = virtio_balloon_create(vm, true, NULL);
	devs[5] = virtio_console_create(
		vm, -1, true,
		(const struct virtio_console_chan[]){
			{"org.qemu.guest_agent.0", NULL}, {"two", NULL}},
		2, NULL);
	for (int i = 0; i < N_DEVS; i++) {
		if (!devs[i])
			abort();
		vm->virtio[vm->n_virtio++] = devs[i];
	}
}

struct input {
	const uint8_t *p;
	size_t left;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < bytes && in->left; i++, in->left--)
		v |= (uint32_t)*in->p++ << (8 * i);
	return v;
}

static void mmio_write32(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	virtio_mmio_write(d, off, &v, 4);
}

/* The usual driver steps with fuzzed ring addresses and size. */
static void setup_ring(struct virtio_dev *d, struct input *in)
{
	uint32_t q = take(in, 1) % 8, num = take(in, 2);

	mmio_write32(d, 0x070, 1 | 2);
	mmio_write32(d, 0x024, 1);
	mmio_write32(d, 0x020, 1); /* VERSION_1 */
	mmio_write32(d, 0x024, 0);
	mmio_write32(d, 0x020, take(in, 1)); /* MULTIPORT is bit 1 */
	mmio_write32(d, 0x070, 1 | 2 | 8);
	mmio_write32(d, 0x030, q);
	mmio_write32(d, 0x038, num);
	mmio_write32(d, 0x080, take(in, 3));
	mmio_write32(d, 0x090, take(in, 3));
	mmio_write32(d, 0x0a0, take(in, 3));
	mmio_write32(d, 0x044, 1);
	mmio_write32(d, 0x070, 1 | 2 | 4 | 8);
}

/* A frame for the network device; the peer end drops what it sent. */
static void frame(struct input *in)
{
	uint8_t buf[2048];
	uint32_t n = take(in, 2) % sizeof(buf);

	for (uint32_t i = 0; i < n; i++)
		buf[i] = (uint8_t)take(in, 1);
	if (send(tap_peer, buf, n, MSG_DONTWAIT) < 0) {
		while (recv(tap_peer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
	}
}

/* Host input on one of the multiport console's ports. */
static void channel_input(struct input *in)
{
	uint8_t buf[256];
	unsigned port = take(in, 1) % 3;
	uint32_t n = take(in, 1);

	for (uint32_t i = 0; i < n; i++)
		buf[i] = (uint8_t)take(in, 1);
	virtio_console_port_host(devs[5], port, n != 0);
	if (port && virtio_console_port_room(devs[5], port))
		virtio_console_port_input(devs[5], port, buf, n);
}

static void one_op(struct input *in)
{
	uint8_t op = (uint8_t)take(in, 1);
	struct virtio_dev *d = devs[take(in, 1) % N_DEVS];
	uint32_t v, off, n;

	switch (op % 8) {
	case 0:
		off = take(in, 2) & 0x1ff;
		v = take(in, 4);
		virtio_mmio_write(d, off, &v, 4);
		break;
	case 1:
		off = take(in, 2) & 0x1ff;
		virtio_mmio_read(d, off, &v, 4);
		break;
	case 2:
		off = take(in, 3);
		n = take(in, 1);
		for (uint32_t i = 0; i < n && in->left; i++)
			*(uint8_t *)mem_ptr(&vm->mem, (off + i) % FUZZ_MEM, 1) =
				(uint8_t)take(in, 1);
		break;
	case 3:
		virtio_dev_kick(d, take(in, 1) % 8);
		break;
	case 4:
		setup_ring(d, in);
		break;
	case 5:
		mmio_write32(d, 0x070, 0);
		break;
	case 6:
		frame(in);
		break;
	default:
		channel_input(in);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};

	if (!vm)
		fuzz_init();
	memset(mem_ptr(&vm->mem, 0, FUZZ_MEM), 0, 1 << 20);
	for (int i = 0; i < N_DEVS; i++)
		mmio_write32(devs[i], 0x070, 0);
	while (in.left)
		one_op(&in);
	return 0;
}
