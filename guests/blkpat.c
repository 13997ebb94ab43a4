// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * For the block job tests (tests/integration/daemon/kvm-blockjob.sh):
 * writes its disk's first MiB over and over while nidod pulls or
 * commits the disk's chain under it. Pass p writes every sector s of
 * the area with a pattern of (p, s), 4 KiB a request, then reads the
 * whole area back: every sector must hold pass p's pattern ("pass P
 * ok", else "BAD ..." and it stops). After PASSES passes it prints
 * "done" and goes on reading the area back ("check N ok"): what it
 * wrote last must stay what it reads, whatever the job did to the
 * chain. The area then holds pass PASSES's pattern, which the test
 * builds itself to compare the images with.
 */
#include "lib/vblk.h"

#define AREA_SECTORS 2048 /* 1 MiB */
#define CHUNK	     8	  /* sectors a request */
#define PASSES	     12
#define SPINS	     4000000000UL
#define MAGIC	     0x6f64696eu /* "nido" */

static uint32_t buf[CHUNK * 128] __attribute__((aligned(4096)));

static uint32_t word(uint32_t p, uint32_t s, uint32_t k)
{
	return k == 0	? MAGIC
	       : k == 1 ? p
	       : k == 2 ? s
			: p * 2654435761u ^ s * 40503u ^ k;
}

static void fill(uint32_t p, uint32_t s)
{
	for (uint32_t i = 0; i < CHUNK; i++)
		for (uint32_t k = 0; k < 128; k++)
			buf[i * 128 + k] = word(p, s + i, k);
}

static void bad(const char *what, uint32_t p, uint32_t s)
{
	gprintf("BAD %s pass %u sector %u\n", what, p, s);
	for (;;)
		__asm__ volatile("pause");
}

/* Reads the area back: every sector must hold pass @p's pattern. */
static void verify(struct gvdev *d, uint32_t p)
{
	for (uint32_t s = 0; s < AREA_SECTORS; s += CHUNK) {
		if (vblk_request(d, VBLK_T_IN, s, buf, sizeof(buf), 1, SPINS) !=
		    0)
			bad("read", p, s);
		for (uint32_t i = 0; i < CHUNK; i++)
			for (uint32_t k = 0; k < 128; k++)
				if (buf[i * 128 + k] != word(p, s + i, k))
					bad("content", p, s + i);
	}
}

void guest_main(void)
{
	struct gvdev d;
	uintptr_t base = virtio_find(2, 0);

	if (!base || virtio_init(&d, base, 0, 1) != 0)
		bad("no virtio-blk disk", 0, 0);
	gprintf("writing\n");
	for (uint32_t p = 1; p <= PASSES; p++) {
		for (uint32_t s = 0; s < AREA_SECTORS; s += CHUNK) {
			fill(p, s);
			if (vblk_request(&d, VBLK_T_OUT, s, buf, sizeof(buf), 0,
					 SPINS) != 0)
				bad("write", p, s);
		}
		verify(&d, p);
		gprintf("pass %u ok\n", p);
	}
	gprintf("done\n");
	for (uint32_t n = 1;; n++) {
		verify(&d, PASSES);
		gprintf("check %u ok\n", n);
	}
}
