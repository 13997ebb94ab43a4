// SPDX-License-Identifier: GPL-2.0-or-later
/* Guest RAM on a memfd or anonymous memory KSM may merge, split around
 * the 32-bit hole. */
#include "vmm/memory.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif

/* Private anonymous RAM, offered to KSM (the host's same-page merging;
 * it merges only what it is asked to and only while ksmd runs). */
static int mem_map_mergeable(struct guest_mem *m, struct err **e)
{
	void *p = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return err_sys(e, errno, "mapping %llu MiB of guest memory",
			       (unsigned long long)(m->size >> 20));
	m->base = p;
	madvise(p, m->size, MADV_MERGEABLE);
	madvise(p, m->size, MADV_DONTDUMP);
	madvise(p, m->size, MADV_DONTFORK);
	return 0;
}

static int mem_map(struct guest_mem *m, int hugepages, struct err **e)
{
	unsigned flags = MFD_CLOEXEC | (hugepages ? MFD_HUGETLB : 0);
	void *p;

	m->fd = memfd_create("nido-guest-ram", flags);
	if (m->fd < 0)
		return err_sys(e, errno, "creating guest memory%s",
			       hugepages ? " on hugepages" : "");
	if (ftruncate(m->fd, (off_t)m->size) < 0)
		return err_sys(e, errno, "sizing guest memory to %llu MiB",
			       (unsigned long long)(m->size >> 20));
	/*
	 * Hugepages are reserved now, so that a shortage is an error here
	 * and not a SIGBUS when the guest touches its memory.
	 */
	p = mmap(NULL, m->size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | (hugepages ? 0 : MAP_NORESERVE), m->fd, 0);
	if (p == MAP_FAILED)
		return err_sys(e, errno, "mapping %llu MiB of guest memory%s",
			       (unsigned long long)(m->size >> 20),
			       hugepages ? " (are enough hugepages reserved?)"
					 : "");
	m->base = p;
	/* Guest memory must not end up in a core dump or a fork. */
	madvise(p, m->size, MADV_DONTDUMP);
	madvise(p, m->size, MADV_DONTFORK);
	return 0;
}

void mem_layout(struct guest_mem *m, uint64_t size, uint64_t gap_start,
		uint64_t gap_end)
{
	uint64_t low = MIN(size, gap_start);

	*m = (struct guest_mem){.fd = -1, .size = size};
	m->regions[0] = (struct mem_region){0, low, NULL};
	m->n_regions = 1;
	if (size > low) {
		m->regions[1] = (struct mem_region){gap_end, size - low, NULL};
		m->n_regions = 2;
	}
}

void mem_set_base(struct guest_mem *m, uint8_t *base)
{
	uint64_t off = 0;

	m->base = base;
	for (unsigned i = 0; i < m->n_regions; i++) {
		m->regions[i].hva = base + off;
		off += m->regions[i].size;
	}
}

int mem_create(struct guest_mem *m, uint64_t size, uint64_t gap_start,
	       uint64_t gap_end, unsigned flags, struct err **e)
{
	bool hugepages = flags & MEM_HUGEPAGES;
	int r;

	mem_layout(m, size, gap_start, gap_end);
	if (size == 0 || !IS_ALIGNED(size, 4096))
		return err_set(e, EINVAL,
			       "guest memory size %llu is not a positive "
			       "multiple of 4 KiB",
			       (unsigned long long)size);
	if (hugepages && !IS_ALIGNED(size, 2 << 20))
		return err_set(e, EINVAL,
			       "guest memory size must be a multiple of 2 MiB "
			       "with hugepages");
	r = (flags & MEM_MERGEABLE) && !hugepages ? mem_map_mergeable(m, e)
						  : mem_map(m, hugepages, e);
	if (r < 0) {
		mem_release(m);
		return r;
	}
	mem_set_base(m, m->base);
	return 0;
}

int mem_register(const struct guest_mem *m, int vm_fd, struct err **e)
{
	for (unsigned i = 0; i < m->n_regions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = m->regions[i].gpa,
			.memory_size = m->regions[i].size,
			.userspace_addr = (uintptr_t)m->regions[i].hva,
		};

		if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return err_sys(e, errno,
				       "registering guest memory slot %u "
				       "(KVM_SET_USER_MEMORY_REGION)",
				       i);
	}
	return 0;
}

void mem_release(struct guest_mem *m)
{
	if (m->base)
		munmap(m->base, m->size);
	close_safe(m->fd);
	m->base = NULL;
	m->fd = -1;
	m->n_regions = 0;
}

void *mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->n_regions; i++) {
		const struct mem_region *r = &m->regions[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->hva + (gpa - r->gpa);
	}
	return NULL;
}

uint64_t mem_low_end(const struct guest_mem *m)
{
	return m->n_regions ? m->regions[0].size : 0;
}

int mem_write(const struct guest_mem *m, uint64_t gpa, const void *src,
	      uint64_t len)
{
	void *p = mem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}

int mem_read(const struct guest_mem *m, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = mem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}
