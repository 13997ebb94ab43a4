// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-net transmit on a full tap: the frame is kept, not dropped, and
 * goes out once the tap is writable again, woken by EPOLLOUT (no
 * polling). A datagram socket pair whose buffer is full stands in for
 * the tap. Also the link's state (domif-setlink).
 */
#include <errno.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/loop.h"
#include "tests/unit/test.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define DESC	   0x10000ULL
#define AVAIL	   0x11000ULL
#define USED	   0x12000ULL
#define DATA	   0x20000ULL
#define QSIZE	   8
#define TX_QUEUE   1
#define FRAME_LEN  (12 + 60)
#define FILLER_LEN 1000

static void reg(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	virtio_mmio_write(d, off, &v, 4);
}

/* The driver's steps: VERSION_1 only, the transmit queue, DRIVER_OK. */
static void driver_init(struct virtio_dev *d)
{
	reg(d, 0x070, 1 | 2);
	reg(d, 0x024, 1);
	reg(d, 0x020, 1); /* VERSION_1 */
	reg(d, 0x070, 1 | 2 | 8);
	reg(d, 0x030, TX_QUEUE);
	reg(d, 0x038, QSIZE);
	reg(d, 0x080, DESC);
	reg(d, 0x090, AVAIL);
	reg(d, 0x0a0, USED);
	reg(d, 0x044, 1);
	reg(d, 0x070, 1 | 2 | 4 | 8);
}

/* Offers one frame of FRAME_LEN bytes (header, then 0xab) on the queue. */
static void offer_frame(struct vm *vm)
{
	struct vring_desc *desc = mem_ptr(&vm->mem, DESC, 16 * QSIZE);
	uint16_t *avail = mem_ptr(&vm->mem, AVAIL, 4 + 2 * QSIZE);
	uint8_t *data = mem_ptr(&vm->mem, DATA, FRAME_LEN);

	memset(data, 0, 12);
	memset(data + 12, 0xab, FRAME_LEN - 12);
	desc[0] = (struct vring_desc){.addr = DATA, .len = FRAME_LEN};
	avail[2] = 0;
	avail[1] = 1;
}

static uint16_t used_idx(struct vm *vm)
{
	return ((uint16_t *)mem_ptr(&vm->mem, USED, 4))[1];
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sends filler datagrams from @fd until the socket is full. */
static unsigned fill(int fd)
{
	static uint8_t filler[FILLER_LEN];
	unsigned n = 0;

	while (send(fd, filler, sizeof(filler), MSG_DONTWAIT) > 0)
		n++;
	return errno == EAGAIN || errno == EWOULDBLOCK ? n : 0;
}

static void tx_waits_for_room(void)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 1};
	_cleanup_err_ struct err *e = NULL;
	struct vm *vm = vm_create_bare(16ULL << 20, NULL);
	struct virtio_dev *d;
	uint8_t buf[2048];
	int pair[2], got_frame = 0;
	uint64_t t0;
	ssize_t n;

	CHECK(vm != NULL);
	vm->loop = loop_new(&e);
	CHECK(vm->loop != NULL);
	CHECK_INT_EQ(socketpair(AF_UNIX,
				SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
				pair),
		     0);
	d = virtio_net_create_fd(vm, pair[0], "test", mac, &e);
	CHECK(d != NULL);
	vm->virtio[vm->n_virtio++] = d;
	driver_init(d);
	CHECK(fill(pair[0]) > 0);

	offer_frame(vm);
	reg(d, 0x050, TX_QUEUE);       /* the guest's kick */
	CHECK_INT_EQ(used_idx(vm), 0); /* kept in the queue, not dropped */
	CHECK_U64_EQ(atomic_load(&d->stats.errors), 0);

	/* Still full: nothing wakes the loop (no busy polling). */
	t0 = now_ms();
	CHECK_INT_EQ(loop_run_once(vm->loop, 100, &e), 0);
	CHECK(now_ms() - t0 >= 90);
	CHECK_INT_EQ(used_idx(vm), 0);
	reg(d, 0x050, TX_QUEUE); /* a kick while blocked changes nothing */
	CHECK_INT_EQ(used_idx(vm), 0);

	/* Room again: EPOLLOUT sends the frame. */
	while ((n = recv(pair[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		CHECK_INT_EQ(n, FILLER_LEN);
	t0 = now_ms();
	while (used_idx(vm) == 0 && now_ms() - t0 < 2000)
		CHECK(loop_run_once(vm->loop, 100, &e) >= 0);
	CHECK_INT_EQ(used_idx(vm), 1);
	while ((n = recv(pair[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		got_frame |= n == FRAME_LEN && buf[12] == 0xab;
	CHECK(got_frame);
	CHECK_U64_EQ(atomic_load(&d->stats.errors), 0);
	close(pair[1]);
	vm_destroy(vm);
}

static uint32_t rd(struct virtio_dev *d, uint64_t off)
{
	uint32_t v = 0;

	virtio_mmio_read(d, off, &v, 4);
	return v;
}

/*
 * domif-setlink: the status field's VIRTIO_NET_S_LINK_UP bit, a new
 * configuration generation and a configuration change interrupt; while
 * down, the guest's frames are consumed and lost, up again they flow.
 */
static void link_down_and_up(void)
{
	static const uint8_t mac[6] = {0x52, 0x54, 0, 0, 0, 2};
	_cleanup_err_ struct err *e = NULL;
	struct vm *vm = vm_create_bare(16ULL << 20, NULL);
	struct virtio_dev *d;
	uint8_t buf[2048];
	uint32_t gen;
	uint16_t status = 0;
	int pair[2];

	CHECK(vm != NULL);
	CHECK_INT_EQ(socketpair(AF_UNIX,
				SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
				pair),
		     0);
	d = virtio_net_create_fd(vm, pair[0], "test", mac, &e);
	CHECK(d != NULL);
	vm->virtio[vm->n_virtio++] = d;
	CHECK(virtio_net_has_mac(d, mac));
	driver_init(d);
	virtio_mmio_read(d, 0x100 + 6, &status, 2);
	CHECK_INT_EQ(status, 1); /* up */
	gen = rd(d, 0x0fc);

	virtio_net_set_link(d, false);
	virtio_mmio_read(d, 0x100 + 6, &status, 2);
	CHECK_INT_EQ(status, 0);
	CHECK(rd(d, 0x0fc) != gen);
	CHECK(rd(d, 0x060) & 2); /* a configuration change interrupt */
	CHECK(!virtio_net_link_up(d));
	offer_frame(vm);
	reg(d, 0x050, TX_QUEUE);
	CHECK_INT_EQ(used_idx(vm), 1); /* consumed ... */
	CHECK(recv(pair[1], buf, sizeof(buf), MSG_DONTWAIT) < 0); /* lost */

	virtio_net_set_link(d, true);
	virtio_mmio_read(d, 0x100 + 6, &status, 2);
	CHECK_INT_EQ(status, 1);
	((uint16_t *)mem_ptr(&vm->mem, AVAIL, 4))[1] = 2;
	reg(d, 0x050, TX_QUEUE);
	CHECK_INT_EQ(used_idx(vm), 2);
	CHECK_INT_EQ(recv(pair[1], buf, sizeof(buf), MSG_DONTWAIT), FRAME_LEN);
	close(pair[1]);
	vm_destroy(vm);
}

int main(void)
{
	RUN(tx_waits_for_room);
	RUN(link_down_and_up);
	return test_done();
}
