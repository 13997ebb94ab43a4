// SPDX-License-Identifier: GPL-2.0-or-later
/* The Linux x86 64-bit boot protocol: kernels, initrd, zero page. */
#include "vmm/boot.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#define SETUP_HDR_OFFSET 0x1f1
#define HDRS_MAGIC	 0x53726448 /* "HdrS" */
#define BOOT_FLAG_MAGIC	 0xaa55
#define LOADER_UNDEFINED 0xff
#define ELF_CMDLINE_MAX	 2048 /* x86 COMMAND_LINE_SIZE */
#define KERNEL_DEF_ALIGN 0x1000000
#define E820_RAM	 1
#define E820_RESERVED	 2

const uint64_t boot_gdt[BOOT_GDT_SIZE] = {
	0,
	0,
	0x00af9b000000ffffULL, /* 0x10: 64-bit code, DPL 0 */
	0x00cf93000000ffffULL, /* 0x18: data, 4 GiB flat */
	0x00008b0000000067ULL, /* 0x20: 64-bit TSS (busy) */
};

struct kernel_file {
	const char *path;
	int fd;
	uint64_t size;
};

/* Reads @len bytes at @off of the kernel into guest memory at @gpa. */
static int copy_in(const struct guest_mem *m, const struct kernel_file *k,
		   uint64_t gpa, uint64_t off, uint64_t len, struct err **e)
{
	void *dst = mem_ptr(m, gpa, len);
	ssize_t n;

	if (!dst)
		return err_set(e, ENOMEM,
			       "'%s' does not fit in guest memory (needs "
			       "0x%llx-0x%llx)",
			       k->path, (unsigned long long)gpa,
			       (unsigned long long)(gpa + len));
	n = pread_full(k->fd, dst, len, (off_t)off);
	if (n < 0)
		return err_sys(e, (int)-n, "reading '%s'", k->path);
	if ((uint64_t)n != len)
		return err_set(e, EINVAL, "'%s' is truncated", k->path);
	return 0;
}

static int elf_load_segment(const struct guest_mem *m,
			    const struct kernel_file *k, const Elf64_Phdr *ph,
			    struct boot_info *bi, struct err **e)
{
	uint64_t end = ph->p_paddr + ph->p_memsz;
	uint8_t *p;
	int r;

	if (ph->p_filesz > ph->p_memsz || end < ph->p_paddr ||
	    ph->p_offset + ph->p_filesz < ph->p_offset ||
	    ph->p_offset + ph->p_filesz > k->size)
		return err_set(e, EINVAL, "'%s' has a corrupt ELF segment",
			       k->path);
	if (ph->p_paddr < BOOT_HIGH_START || end > mem_low_end(m))
		return err_set(e, ENOMEM,
			       "'%s': segment at 0x%llx-0x%llx is outside "
			       "guest memory (1 MiB to 0x%llx)",
			       k->path, (unsigned long long)ph->p_paddr,
			       (unsigned long long)end,
			       (unsigned long long)mem_low_end(m));
	r = copy_in(m, k, ph->p_paddr, ph->p_offset, ph->p_filesz, e);
	if (r < 0)
		return r;
	p = mem_ptr(m, ph->p_paddr, ph->p_memsz);
	memset(p + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	bi->kernel_end = MAX(bi->kernel_end, end);
	return 0;
}

static int elf_load(const struct guest_mem *m, const struct kernel_file *k,
		    struct boot_params *bp, struct boot_info *bi,
		    struct err **e)
{
	Elf64_Ehdr eh;
	int loaded = 0;

	if (pread_full(k->fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64 ||
	    eh.e_type != ET_EXEC || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phnum == 0 || eh.e_phnum > 64)
		return err_set(e, EINVAL,
			       "'%s' is not a 64-bit x86 ELF executable",
			       k->path);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		uint64_t off = eh.e_phoff + (uint64_t)i * sizeof(ph);
		int r;

		if (pread_full(k->fd, &ph, sizeof(ph), (off_t)off) !=
		    sizeof(ph))
			return err_set(e, EINVAL,
				       "'%s': program header %u is truncated",
				       k->path, i);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		r = elf_load_segment(m, k, &ph, bi, e);
		if (r < 0)
			return r;
		loaded++;
	}
	if (!loaded)
		return err_set(e, EINVAL, "'%s' has no loadable segment",
			       k->path);
	if (!mem_ptr(m, eh.e_entry, 1) || eh.e_entry < BOOT_HIGH_START)
		return err_set(
			e, EINVAL,
			"'%s': entry point 0x%llx is not in guest memory",
			k->path, (unsigned long long)eh.e_entry);
	bi->kind = KERNEL_ELF;
	bi->entry = eh.e_entry;
	bp->hdr.boot_flag = BOOT_FLAG_MAGIC;
	bp->hdr.header = HDRS_MAGIC;
	bp->hdr.kernel_alignment = KERNEL_DEF_ALIGN;
	bp->hdr.initrd_addr_max = 0xffffffffU;
	return 0;
}

static int bzimage_check(const struct kernel_file *k,
			 const struct setup_header *h, struct err **e)
{
	if (h->boot_flag != BOOT_FLAG_MAGIC || h->header != HDRS_MAGIC)
		return err_set(e, EINVAL,
			       "'%s' is neither an ELF vmlinux nor a bzImage",
			       k->path);
	if (h->version < 0x20c || !(h->xloadflags & XLF_KERNEL_64))
		return err_set(e, ENOTSUP,
			       "'%s' (boot protocol %u.%02u) has no 64-bit "
			       "entry point; nido-vmm needs protocol 2.12+",
			       k->path, h->version >> 8, h->version & 0xff);
	if (!(h->loadflags & LOADED_HIGH))
		return err_set(e, ENOTSUP, "'%s' is a zImage, not a bzImage",
			       k->path);
	return 0;
}

static int bzimage_load(const struct guest_mem *m, const struct kernel_file *k,
			struct boot_params *bp, struct boot_info *bi,
			struct err **e)
{
	uint8_t sect[1024];
	struct setup_header h;
	uint64_t setup_size, ksize, load, need;
	size_t hlen;
	int r;

	if (pread_full(k->fd, sect, sizeof(sect), 0) != sizeof(sect))
		return err_set(e, EINVAL,
			       "'%s' is neither an ELF vmlinux nor a bzImage "
			       "(too short)",
			       k->path);
	memcpy(&h, sect + SETUP_HDR_OFFSET, sizeof(h));
	r = bzimage_check(k, &h, e);
	if (r < 0)
		return r;
	setup_size = ((uint64_t)(h.setup_sects ? h.setup_sects : 4) + 1) * 512;
	if (setup_size >= k->size)
		return err_set(e, EINVAL, "'%s' is truncated", k->path);
	ksize = k->size - setup_size;
	load = h.pref_address ? h.pref_address : BOOT_HIGH_START;
	need = MAX(ksize, (uint64_t)h.init_size);
	if (load < BOOT_HIGH_START || load + need > mem_low_end(m))
		return err_set(e, ENOMEM,
			       "'%s' needs guest memory up to 0x%llx, the "
			       "guest has 0x%llx below 3 GiB",
			       k->path, (unsigned long long)(load + need),
			       (unsigned long long)mem_low_end(m));
	r = copy_in(m, k, load, setup_size, ksize, e);
	if (r < 0)
		return r;
	/* The header ends at 0x202 + the byte at 0x201 (boot.rst). */
	hlen = MIN((size_t)0x202 + sect[0x201] - SETUP_HDR_OFFSET, sizeof(h));
	memcpy(&bp->hdr, &h, hlen);
	bi->kind = KERNEL_BZIMAGE;
	bi->entry = load + 0x200;
	bi->kernel_end = load + need;
	bp->hdr.code32_start = (uint32_t)load;
	return 0;
}

/* @given: an open fd of @path (borrowed), or -1 to open @path. */
static int kernel_load(const struct guest_mem *m, const char *path, int given,
		       struct boot_params *bp, struct boot_info *bi,
		       struct err **e)
{
	_cleanup_close_ int owned = -1;
	struct kernel_file k = {.path = path};
	unsigned char magic[4];
	struct stat st;
	int fd = given;

	if (fd < 0)
		fd = owned = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "opening kernel '%s'", path);
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "reading kernel '%s'", path);
	if (!S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "kernel '%s' is not a file", path);
	k.fd = fd;
	k.size = (uint64_t)st.st_size;
	if (pread_full(fd, magic, 4, 0) != 4)
		return err_set(e, EINVAL, "kernel '%s' is empty or too short",
			       path);
	if (memcmp(magic, ELFMAG, SELFMAG) == 0)
		return elf_load(m, &k, bp, bi, e);
	return bzimage_load(m, &k, bp, bi, e);
}

/* Puts the initrd as high as allowed, page aligned, above the kernel. */
static int initrd_load(const struct guest_mem *m, const char *path, int given,
		       struct boot_params *bp, struct boot_info *bi,
		       struct err **e)
{
	_cleanup_close_ int owned = -1;
	struct kernel_file k = {.path = path};
	uint64_t top, addr;
	struct stat st;
	int fd = given;

	if (fd < 0)
		fd = owned = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "opening initrd '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return err_set(e, EINVAL, "initrd '%s' is not a file", path);
	k.fd = fd;
	k.size = (uint64_t)st.st_size;
	top = MIN(mem_low_end(m), (uint64_t)bp->hdr.initrd_addr_max + 1);
	if (k.size == 0 || k.size > top ||
	    ALIGN_DOWN(top - k.size, 4096) < ALIGN_UP(bi->kernel_end, 4096))
		return err_set(e, ENOMEM,
			       "initrd '%s' (%llu KiB) does not fit in guest "
			       "memory between the kernel (ends at 0x%llx) and "
			       "0x%llx",
			       path, (unsigned long long)(k.size >> 10),
			       (unsigned long long)bi->kernel_end,
			       (unsigned long long)top);
	addr = ALIGN_DOWN(top - k.size, 4096);
	if (copy_in(m, &k, addr, 0, k.size, e) < 0)
		return err_prefix(e, "loading initrd");
	bi->initrd_addr = addr;
	bi->initrd_size = k.size;
	bp->hdr.ramdisk_image = (uint32_t)addr;
	bp->hdr.ramdisk_size = (uint32_t)k.size;
	return 0;
}

static void e820_add(struct boot_params *bp, uint64_t addr, uint64_t size,
		     uint32_t type)
{
	struct boot_e820_entry *x = &bp->e820_table[bp->e820_entries++];

	x->addr = addr;
	x->size = size;
	x->type = type;
}

static void e820_fill(const struct guest_mem *m, struct boot_params *bp)
{
	e820_add(bp, 0, BOOT_EBDA_ADDR, E820_RAM);
	e820_add(bp, BOOT_EBDA_ADDR, BOOT_BIOS_START - BOOT_EBDA_ADDR,
		 E820_RESERVED);
	e820_add(bp, BOOT_ACPI_ADDR, BOOT_HIGH_START - BOOT_ACPI_ADDR,
		 E820_RESERVED);
	e820_add(bp, BOOT_HIGH_START, mem_low_end(m) - BOOT_HIGH_START,
		 E820_RAM);
	if (m->n_regions > 1)
		e820_add(bp, m->regions[1].gpa, m->regions[1].size, E820_RAM);
}

/* Identity map of the first 4 GiB with 2 MiB pages, and the GDT. */
static void tables_write(const struct guest_mem *m)
{
	uint64_t *pml4 = mem_ptr(m, BOOT_PML4_ADDR, 4096);
	uint64_t *pdpt = mem_ptr(m, BOOT_PDPT_ADDR, 4096);
	uint64_t *pd = mem_ptr(m, BOOT_PD_ADDR, 4 * 4096);

	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_ADDR | 0x3; /* present, writable */
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * 4096) | 0x3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB */
	mem_write(m, BOOT_GDT_ADDR, boot_gdt, sizeof(boot_gdt));
	memset(mem_ptr(m, BOOT_IDT_ADDR, 8), 0, 8);
}

static int cmdline_write(const struct guest_mem *m, const char *cmdline,
			 const struct boot_info *bi, struct boot_params *bp,
			 struct err **e)
{
	size_t len = strlen(cmdline);
	size_t max = ELF_CMDLINE_MAX - 1;

	if (bi->kind == KERNEL_BZIMAGE)
		max = bp->hdr.version >= 0x206 ? bp->hdr.cmdline_size : 255;
	max = MIN(max, (size_t)BOOT_CMDLINE_MAX - 1);
	if (len > max)
		return err_set(e, E2BIG,
			       "kernel command line is %zu bytes, the kernel "
			       "takes at most %zu",
			       len, max);
	mem_write(m, BOOT_CMDLINE_ADDR, cmdline, len + 1);
	bp->hdr.cmd_line_ptr = (uint32_t)BOOT_CMDLINE_ADDR;
	return 0;
}

int boot_load(const struct guest_mem *m, const char *kernel, const char *initrd,
	      const char *cmdline, struct boot_info *bi, struct err **e)
{
	return boot_load_fds(m, kernel, -1, initrd, -1, cmdline, bi, e);
}

int boot_load_fds(const struct guest_mem *m, const char *kernel, int kernel_fd,
		  const char *initrd, int initrd_fd, const char *cmdline,
		  struct boot_info *bi, struct err **e)
{
	_cleanup_free_ struct boot_params *bp = xcalloc(1, sizeof(*bp));
	int r;

	*bi = (struct boot_info){0};
	if (mem_low_end(m) < BOOT_MIN_MEMORY)
		return err_set(e, EINVAL, "guest memory is below %llu MiB",
			       BOOT_MIN_MEMORY >> 20);
	r = kernel_load(m, kernel, kernel_fd, bp, bi, e);
	if (r < 0)
		return r;
	bp->hdr.type_of_loader = LOADER_UNDEFINED;
	bp->hdr.vid_mode = 0xffff;
	r = cmdline_write(m, cmdline ? cmdline : "", bi, bp, e);
	if (r < 0)
		return err_prefix(e, "kernel '%s'", kernel);
	if (initrd) {
		r = initrd_load(m, initrd, initrd_fd, bp, bi, e);
		if (r < 0)
			return r;
	}
	e820_fill(m, bp);
	tables_write(m);
	return mem_write(m, BOOT_ZERO_PAGE, bp, sizeof(*bp));
}
