// SPDX-License-Identifier: GPL-2.0-or-later
/* Split virtqueues: valid requests go through, hostile rings are refused. */
#include <errno.h>

#include "tests/unit/test.h"
#include "vmm/virtio/queue.h"
#include "vmm/vm.h"

#define DESC  0x10000ULL
#define AVAIL 0x11000ULL
#define USED  0x12000ULL
#define DATA  0x20000ULL
#define QSIZE 8

static struct guest_mem mem;

static struct vring_desc *descs(void)
{
	return mem_ptr(&mem, DESC, 16 * QSIZE);
}

static uint16_t *avail(void)
{
	return mem_ptr(&mem, AVAIL, 6 + 2 * QSIZE);
}

static void setup(struct vq *q)
{
	memset(mem_ptr(&mem, 0, 1 << 20), 0, 1 << 20);
	vq_reset(q);
	q->num = QSIZE;
	q->desc_gpa = DESC;
	q->avail_gpa = AVAIL;
	q->used_gpa = USED;
	if (vq_enable(q, &mem, 256) < 0)
		abort();
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	descs()[i] = (struct vring_desc){addr, len, flags, next};
}

static void offer(uint16_t head)
{
	uint16_t *a = avail();

	a[2 + a[1] % QSIZE] = head;
	a[1]++;
}

static void enable_checks_rings(void)
{
	struct vq q;

	vq_reset(&q);
	q.num = 6; /* not a power of two */
	q.desc_gpa = DESC, q.avail_gpa = AVAIL, q.used_gpa = USED;
	CHECK_INT_EQ(vq_enable(&q, &mem, 256), -EINVAL);
	q.num = 512; /* above the device's maximum */
	CHECK_INT_EQ(vq_enable(&q, &mem, 256), -EINVAL);
	q.num = 8;
	q.desc_gpa = DESC + 8; /* misaligned */
	CHECK_INT_EQ(vq_enable(&q, &mem, 256), -EINVAL);
	q.desc_gpa = (64ULL << 20) - 64; /* runs off the end of RAM */
	CHECK_INT_EQ(vq_enable(&q, &mem, 256), -EINVAL);
	q.desc_gpa = 0xfffffffffffffff0ULL;
	CHECK_INT_EQ(vq_enable(&q, &mem, 256), -EINVAL);
	CHECK_INT_EQ(q.ready, 0);
	q.desc_gpa = DESC;
	CHECK_INT_EQ(vq_enable(&q, &mem, 256), 0);
	CHECK_INT_EQ(q.ready, 1);
}

static void good_chain(void)
{
	struct vq q;
	struct vq_req r;
	uint8_t buf[8];
	uint16_t *used;

	setup(&q);
	memcpy(mem_ptr(&mem, DATA, 4), "abcd", 4);
	set_desc(3, DATA, 4, VRING_DESC_F_NEXT, 5);
	set_desc(5, DATA + 0x100, 16, VRING_DESC_F_WRITE, 0);
	offer(3);
	CHECK_INT_EQ(vq_pop(&q, &r), 1);
	CHECK_INT_EQ(r.head, 3);
	CHECK_INT_EQ(r.n_out, 1);
	CHECK_INT_EQ(r.n_in, 1);
	CHECK_U64_EQ(r.out_len, 4);
	CHECK_U64_EQ(r.in_len, 16);
	CHECK_INT_EQ(vq_req_read(&r, 1, buf, 8), 3);
	CHECK(memcmp(buf, "bcd", 3) == 0);
	CHECK_INT_EQ(vq_req_write(&r, 14, "xyz", 3), 2);
	CHECK_INT_EQ(vq_pop(&q, &r), 0);
	vq_push(&q, 3, 16);
	used = mem_ptr(&mem, USED, 16);
	CHECK_INT_EQ(used[1], 1);
	CHECK_INT_EQ(used[2], 3);
	CHECK_INT_EQ(used[4], 16);
	CHECK_INT_EQ(vq_should_notify(&q), 1);
	avail()[0] = VRING_AVAIL_F_NO_INTERRUPT;
	CHECK_INT_EQ(vq_should_notify(&q), 0);
}

/* Each hostile ring: vq_pop fails, the queue is broken, nothing crashes. */
static int refused(struct vq *q, const char *why)
{
	struct vq_req r;

	if (vq_pop(q, &r) != -EINVAL || !q->broken || !q->broken_why)
		return 0;
	if (!strstr(q->broken_why, why))
		return 0;
	/* A broken queue stays broken. */
	return vq_pop(q, &r) == -EINVAL;
}

static void chain_that_loops(void)
{
	struct vq q;

	setup(&q);
	set_desc(0, DATA, 4, VRING_DESC_F_NEXT, 1);
	set_desc(1, DATA, 4, VRING_DESC_F_NEXT, 0);
	offer(0);
	CHECK(refused(&q, "loops"));
}

static void chain_pointing_outside_memory(void)
{
	struct vq q;

	setup(&q);
	set_desc(0, 0x7fff0000, 4096, 0, 0);
	offer(0);
	CHECK(refused(&q, "outside guest memory"));
	setup(&q);
	set_desc(0, (64ULL << 20) - 16, 32, 0, 0); /* straddles the end */
	offer(0);
	CHECK(refused(&q, "outside guest memory"));
	setup(&q);
	set_desc(0, 0xffffffffffffff00ULL, 0x200, 0, 0); /* wraps */
	offer(0);
	CHECK(refused(&q, "outside guest memory"));
}

static void chain_overlapping_the_ring(void)
{
	struct vq q;

	setup(&q);
	set_desc(0, USED - 8, 64, VRING_DESC_F_WRITE, 0);
	offer(0);
	CHECK(refused(&q, "on a ring"));
	setup(&q);
	set_desc(0, DESC + 16, 4, 0, 0);
	offer(0);
	CHECK(refused(&q, "on a ring"));
}

static void bad_indexes(void)
{
	struct vq q;

	setup(&q);
	offer(QSIZE); /* head outside the ring */
	CHECK(refused(&q, "head index"));
	setup(&q);
	set_desc(0, DATA, 4, VRING_DESC_F_NEXT, 200);
	offer(0);
	CHECK(refused(&q, "next index"));
	setup(&q);
	avail()[1] = QSIZE + 1; /* more entries than the ring holds */
	CHECK(refused(&q, "ran ahead"));
}

static void bad_layouts(void)
{
	struct vq q;

	setup(&q);
	set_desc(0, DATA, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(1, DATA + 64, 4, 0, 0);
	offer(0);
	CHECK(refused(&q, "readable buffer after a writable"));
	setup(&q);
	set_desc(0, DATA, 64, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK(refused(&q, "indirect"));
}

static void huge_lengths(void)
{
	struct vq q;
	struct vq_req r;

	/* Lengths that would overflow 32 bits when added still add up. */
	setup(&q);
	for (unsigned i = 0; i < QSIZE; i++)
		set_desc(i, 0x100000, 0xf0000000U,
			 (uint16_t)(i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0),
			 (uint16_t)(i + 1));
	offer(0);
	CHECK_INT_EQ(vq_pop(&q, &r), -EINVAL); /* 3.75 GiB is not RAM */
	setup(&q);
	for (unsigned i = 0; i < QSIZE; i++)
		set_desc(i, 0x100000, 0x1000000,
			 (uint16_t)(i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0),
			 (uint16_t)(i + 1));
	offer(0);
	CHECK_INT_EQ(vq_pop(&q, &r), 1);
	CHECK_U64_EQ(r.out_len, 8ULL << 24);
}

int main(void)
{
	if (mem_create(&mem, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL) < 0)
		return 1;
	RUN(enable_checks_rings);
	RUN(good_chain);
	RUN(chain_that_loops);
	RUN(chain_pointing_outside_memory);
	RUN(chain_overlapping_the_ring);
	RUN(bad_indexes);
	RUN(bad_layouts);
	RUN(huge_lengths);
	mem_release(&mem);
	return test_done();
}
