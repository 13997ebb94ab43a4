/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest memory: one memfd (so that snapshots and migration can map or
 * send it later), mapped shared into the VMM, registered with KVM as up
 * to two slots: below the 32-bit hole and above 4 GiB.
 *
 * Every guest address the VMM dereferences goes through mem_ptr(), which
 * refuses ranges outside guest RAM: the guest is never trusted.
 */
#ifndef NIDO_VMM_MEMORY_H
#define NIDO_VMM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva; /* inside guest_mem.base */
};

struct guest_mem {
	int fd;	       /* the memfd, owned */
	uint8_t *base; /* mapping of the whole memfd */
	uint64_t size; /* bytes of RAM */
	unsigned n_regions;
	struct mem_region regions[2];
	/* base maps @fd privately (a lazy restore's memory file): the
	 * file's content is not the guest's RAM. */
	bool private_map;
	uint64_t fd_offset; /* where RAM starts in @fd (a private map's) */
};

/* How guest RAM is backed (mem_create's @flags). */
enum {
	MEM_HUGEPAGES = 1, /* a memfd on hugepages, reserved at once */
	/* private anonymous memory that KSM may merge (MADV_MERGEABLE):
	 * KSM merges no shared mapping, so no memfd then */
	MEM_MERGEABLE = 2,
};

/*
 * Creates @size bytes of guest RAM laid out below @gap_start and from
 * @gap_end on: a memfd (holes the save skips), or with MEM_MERGEABLE
 * (not with MEM_HUGEPAGES) anonymous memory KSM may merge. Returns 0,
 * or -errno with @e filled.
 */
int mem_create(struct guest_mem *m, uint64_t size, uint64_t gap_start,
	       uint64_t gap_end, unsigned flags, struct err **e);

/*
 * The layout mem_create() makes for @size, without memory (base NULL,
 * fd -1): a restore checks a state file's layout against it, then maps
 * the memory file and gives its address to mem_set_base(), which points
 * the regions into it (one after the other, as in the memfd).
 */
void mem_layout(struct guest_mem *m, uint64_t size, uint64_t gap_start,
		uint64_t gap_end);
void mem_set_base(struct guest_mem *m, uint8_t *base);

/* Registers the regions with the VM as KVM memory slots. */
int mem_register(const struct guest_mem *m, int vm_fd, struct err **e);

/* Unmaps and closes; accepts a zeroed or already released @m. */
void mem_release(struct guest_mem *m);

/*
 * Host pointer for @len bytes at guest physical @gpa, or NULL when any
 * byte of the range is not guest RAM (or the range wraps). A range never
 * spans two regions.
 */
void *mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

/* End of the RAM region that starts at 0 (the "low" memory). */
uint64_t mem_low_end(const struct guest_mem *m);

/* Copies to/from guest memory; -EFAULT when the range is not RAM. */
int mem_write(const struct guest_mem *m, uint64_t gpa, const void *src,
	      uint64_t len);
int mem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len);

#endif
