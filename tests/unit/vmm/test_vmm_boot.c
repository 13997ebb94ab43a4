// SPDX-License-Identifier: GPL-2.0-or-later
/* The boot protocol without KVM: kernels, initrd, zero page, MP table. */
#include <asm/bootparam.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>

#include "tests/unit/test.h"
#include "vmm/boot.h"
#include "vmm/vm.h"

static char dir[] = "/tmp/nido-vmm-boot-XXXXXX";

static char *write_file(const char *name, const void *data, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write_full(fd, data, len) < 0)
		abort();
	close(fd);
	return path;
}

/* An ELF with one segment: 16 bytes of code at 1 MiB, 4 KiB of bss. */
static char *make_elf(uint64_t paddr)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t code[16];
	} f = {0};

	memcpy(f.eh.e_ident, ELFMAG, SELFMAG);
	f.eh.e_ident[EI_CLASS] = ELFCLASS64;
	f.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f.eh.e_type = ET_EXEC;
	f.eh.e_machine = EM_X86_64;
	f.eh.e_entry = paddr + 4;
	f.eh.e_phoff = sizeof(f.eh);
	f.eh.e_phentsize = sizeof(Elf64_Phdr);
	f.eh.e_phnum = 1;
	f.ph.p_type = PT_LOAD;
	f.ph.p_offset = offsetof(__typeof__(f), code);
	f.ph.p_paddr = f.ph.p_vaddr = paddr;
	f.ph.p_filesz = sizeof(f.code);
	f.ph.p_memsz = 4096;
	memset(f.code, 0xcc, sizeof(f.code));
	return write_file("vmlinux", &f, sizeof(f));
}

static char *make_bzimage(uint16_t version, size_t payload)
{
	size_t setup = 5 * 512, len = setup + payload;
	uint8_t *img = xcalloc(1, len);
	struct setup_header h = {0};
	char *path;

	h.setup_sects = 4;
	h.boot_flag = 0xaa55;
	h.header = 0x53726448;
	h.version = version;
	h.loadflags = LOADED_HIGH;
	h.xloadflags = XLF_KERNEL_64;
	h.cmdline_size = 255;
	h.initrd_addr_max = 0x7fffffff;
	h.pref_address = 0x1000000;
	h.init_size = 0x200000;
	h.relocatable_kernel = 1;
	memcpy(img + 0x1f1, &h, sizeof(h));
	img[0x201] =
		(uint8_t)(offsetof(struct setup_header, kernel_info_offset) +
			  4 + 0x1f1 - 0x202);
	memset(img + setup, 0x90, payload);
	path = write_file("bzImage", img, len);
	free(img);
	return path;
}

static struct boot_params *zero_page(struct guest_mem *m)
{
	return mem_ptr(m, BOOT_ZERO_PAGE, sizeof(struct boot_params));
}

static void mem_ptr_refuses_outside_ram(void)
{
	struct guest_mem m;

	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	CHECK(mem_ptr(&m, 0, 64 << 20) != NULL);
	CHECK(mem_ptr(&m, (64 << 20) - 1, 1) != NULL);
	CHECK(mem_ptr(&m, (64 << 20) - 1, 2) == NULL);
	CHECK(mem_ptr(&m, 64 << 20, 1) == NULL);
	CHECK(mem_ptr(&m, UINT64_MAX, 2) == NULL);
	CHECK(mem_ptr(&m, 4096, UINT64_MAX) == NULL);
	CHECK_INT_EQ(mem_write(&m, (64 << 20) - 2, "abcd", 4), -EFAULT);
	mem_release(&m);
}

static void memory_above_the_hole(void)
{
	struct guest_mem m;

	/* 3.5 GiB: 3 GiB below the hole, 512 MiB from 4 GiB on. */
	CHECK_INT_EQ(mem_create(&m, 3584ULL << 20, VM_GAP_START, VM_GAP_END, 0,
				NULL),
		     0);
	CHECK_INT_EQ(m.n_regions, 2);
	CHECK_U64_EQ(mem_low_end(&m), VM_GAP_START);
	CHECK(mem_ptr(&m, VM_GAP_START, 1) == NULL);
	CHECK(mem_ptr(&m, VM_GAP_END + (512ULL << 20) - 8, 8) != NULL);
	CHECK(mem_ptr(&m, VM_GAP_START - 4, 8) == NULL);
	mem_release(&m);
}

static void elf_kernel_loads(void)
{
	_cleanup_free_ char *k = make_elf(0x100000);
	_cleanup_err_ struct err *e = NULL;
	struct boot_info bi;
	struct boot_params *bp;
	struct guest_mem m;
	uint64_t *pml4;
	uint8_t *p;

	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	memset(mem_ptr(&m, 0x100000, 8192), 0xee, 8192);
	CHECK_INT_EQ(boot_load(&m, k, NULL, "console=ttyS0", &bi, &e), 0);
	CHECK_INT_EQ(bi.kind, KERNEL_ELF);
	CHECK_U64_EQ(bi.entry, 0x100004);
	p = mem_ptr(&m, 0x100000, 4097);
	CHECK_INT_EQ(p[0], 0xcc);
	CHECK_INT_EQ(p[16], 0); /* bss cleared */
	CHECK_INT_EQ(p[4096], 0xee);
	bp = zero_page(&m);
	CHECK_INT_EQ(bp->hdr.header, 0x53726448);
	CHECK_INT_EQ(bp->hdr.type_of_loader, 0xff);
	CHECK_STR_EQ((char *)mem_ptr(&m, bp->hdr.cmd_line_ptr, 1),
		     "console=ttyS0");
	CHECK_INT_EQ(bp->e820_entries, 4);
	CHECK_U64_EQ(bp->e820_table[3].addr + bp->e820_table[3].size, 64 << 20);
	pml4 = mem_ptr(&m, BOOT_PML4_ADDR, 8);
	CHECK_U64_EQ(pml4[0], BOOT_PDPT_ADDR | 3);
	mem_release(&m);
}

static void elf_outside_memory_is_refused(void)
{
	_cleanup_free_ char *k = make_elf(0x7f000000);
	_cleanup_err_ struct err *e = NULL;
	struct boot_info bi;
	struct guest_mem m;

	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	CHECK_INT_EQ(boot_load(&m, k, NULL, "", &bi, &e), -ENOMEM);
	CHECK_STR_CONTAINS(err_msg(e), "outside guest memory");
	mem_release(&m);
}

static void bzimage_loads_at_pref_address(void)
{
	_cleanup_free_ char *k = make_bzimage(0x20f, 8192);
	_cleanup_err_ struct err *e = NULL;
	struct boot_info bi;
	struct boot_params *bp;
	struct guest_mem m;

	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	CHECK_INT_EQ(boot_load(&m, k, NULL, "quiet", &bi, &e), 0);
	CHECK_INT_EQ(bi.kind, KERNEL_BZIMAGE);
	CHECK_U64_EQ(bi.entry, 0x1000200);
	CHECK_INT_EQ(*(uint8_t *)mem_ptr(&m, 0x1000000, 1), 0x90);
	bp = zero_page(&m);
	CHECK_INT_EQ(bp->hdr.version, 0x20f);
	CHECK_INT_EQ(bp->hdr.type_of_loader, 0xff);
	CHECK_U64_EQ(bp->hdr.pref_address, 0x1000000);
	mem_release(&m);
}

static void old_bzimage_is_refused(void)
{
	_cleanup_free_ char *k = make_bzimage(0x20a, 4096);
	_cleanup_err_ struct err *e = NULL;
	struct boot_info bi;
	struct guest_mem m;

	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	CHECK_INT_EQ(boot_load(&m, k, NULL, "", &bi, &e), -ENOTSUP);
	CHECK_STR_CONTAINS(err_msg(e), "no 64-bit entry point");
	mem_release(&m);
}

static void long_cmdline_is_refused(void)
{
	_cleanup_free_ char *k = make_bzimage(0x20f, 4096);
	_cleanup_free_ char *line = xcalloc(1, 300);
	_cleanup_err_ struct err *e = NULL;
	struct boot_info bi;
	struct guest_mem m;

	memset(line, 'x', 299);
	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	CHECK_INT_EQ(boot_load(&m, k, NULL, line, &bi, &e), -E2BIG);
	CHECK_STR_CONTAINS(err_msg(e), "at most 255");
	mem_release(&m);
}

static void initrd_goes_high_and_aligned(void)
{
	_cleanup_free_ char *k = make_elf(0x100000);
	_cleanup_free_ char *data = xcalloc(1, 10000);
	_cleanup_free_ char *rd = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct boot_info bi;
	struct guest_mem m;

	memset(data, 'R', 10000);
	rd = write_file("initrd", data, 10000);
	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	CHECK_INT_EQ(boot_load(&m, k, rd, "", &bi, &e), 0);
	CHECK_U64_EQ(bi.initrd_size, 10000);
	CHECK(IS_ALIGNED(bi.initrd_addr, 4096));
	CHECK(bi.initrd_addr + 10000 <= (64 << 20));
	CHECK(bi.initrd_addr + 10000 > (64 << 20) - 8192);
	CHECK_INT_EQ(*(char *)mem_ptr(&m, bi.initrd_addr + 9999, 1), 'R');
	CHECK_U64_EQ(zero_page(&m)->hdr.ramdisk_image, bi.initrd_addr);
	mem_release(&m);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void mptable_checksums(void)
{
	struct guest_mem m;
	uint8_t *mpf, *table;
	uint16_t len;

	CHECK_INT_EQ(
		mem_create(&m, 64 << 20, VM_GAP_START, VM_GAP_END, 0, NULL), 0);
	CHECK_INT_EQ(mptable_write(&m, 4, NULL), 0);
	mpf = mem_ptr(&m, BOOT_MPTABLE_ADDR, 16);
	CHECK(memcmp(mpf, "_MP_", 4) == 0);
	CHECK_INT_EQ(sum(mpf, 16), 0);
	table = mem_ptr(&m, BOOT_MPTABLE_ADDR + 16, 44);
	CHECK(memcmp(table, "PCMP", 4) == 0);
	memcpy(&len, table + 4, 2);
	CHECK_INT_EQ(sum(mem_ptr(&m, BOOT_MPTABLE_ADDR + 16, len), len), 0);
	/* 4 processors (20 bytes), bus, IOAPIC, 24 + 2 interrupts (8). */
	CHECK_INT_EQ(len, 44 + 4 * 20 + 8 + 8 + 26 * 8);
	CHECK_INT_EQ(table[44 + 3], 3); /* CPU 0: enabled, boot processor */
	CHECK_INT_EQ(table[64 + 3], 1);
	CHECK_INT_EQ(mptable_write(&m, 0, NULL), -EINVAL);
	mem_release(&m);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	RUN(mem_ptr_refuses_outside_ram);
	RUN(memory_above_the_hole);
	RUN(elf_kernel_loads);
	RUN(elf_outside_memory_is_refused);
	RUN(bzimage_loads_at_pref_address);
	RUN(old_bzimage_is_refused);
	RUN(long_cmdline_is_refused);
	RUN(initrd_goes_high_and_aligned);
	RUN(mptable_checksums);
	{
		_cleanup_free_ char *cmd = xasprintf("rm -rf %s", dir);

		(void)!system(cmd);
	}
	return test_done();
}
