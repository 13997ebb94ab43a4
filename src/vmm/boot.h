/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Booting Linux the x86 64-bit way (Documentation/arch/x86/boot.rst):
 * load a bzImage (protected-mode part) or an ELF vmlinux, the initrd and
 * the command line; fill the zero page (boot_params) with the setup
 * header and the e820 map; write identity page tables and a GDT; the
 * BSP then starts in long mode at the 64-bit entry with RSI pointing at
 * the zero page. No firmware runs.
 *
 * Low memory layout (guest physical):
 *   0x00500  GDT (null, null, code 0x10, data 0x18, TSS 0x20)
 *   0x00520  IDT (empty)
 *   0x07000  zero page
 *   0x09000  PML4; 0x0a000 PDPT; 0x0b000-0x0efff four PDs (2 MiB pages)
 *   0x20000  kernel command line (up to 64 KiB)
 *   0x9fc00  EBDA (reserved)
 *   0xe0000  ACPI tables (reserved, acpi.c)
 *   0xf0000  MP table (reserved)
 *   1 MiB+   ELF kernels at their p_paddr, a bzImage at its pref_address
 */
#ifndef NIDO_VMM_BOOT_H
#define NIDO_VMM_BOOT_H

#include <stdint.h>

#include "lib/err.h"
#include "vmm/memory.h"

#define BOOT_GDT_ADDR	  0x500ULL
#define BOOT_IDT_ADDR	  0x520ULL
#define BOOT_ZERO_PAGE	  0x7000ULL
#define BOOT_STACK_TOP	  0x8ff0ULL
#define BOOT_PML4_ADDR	  0x9000ULL
#define BOOT_PDPT_ADDR	  0xa000ULL
#define BOOT_PD_ADDR	  0xb000ULL
#define BOOT_CMDLINE_ADDR 0x20000ULL
#define BOOT_CMDLINE_MAX  0x10000ULL
#define BOOT_EBDA_ADDR	  0x9fc00ULL
#define BOOT_BIOS_START	  0xa0000ULL
#define BOOT_ACPI_ADDR	  0xe0000ULL
#define BOOT_MPTABLE_ADDR 0xf0000ULL
#define BOOT_ZP_ACPI_RSDP 0x070 /* boot_params.acpi_rsdp_addr */
#define BOOT_HIGH_START	  0x100000ULL
#define BOOT_MIN_MEMORY	  (16ULL << 20)

#define BOOT_SEL_CODE 0x10
#define BOOT_SEL_DATA 0x18
#define BOOT_SEL_TSS  0x20
#define BOOT_GDT_SIZE 5

enum kernel_kind {
	KERNEL_ELF,
	KERNEL_BZIMAGE,
};

struct boot_info {
	enum kernel_kind kind;
	uint64_t entry;	     /* 64-bit entry point (guest physical) */
	uint64_t kernel_end; /* first byte after the loaded kernel */
	uint64_t initrd_addr;
	uint64_t initrd_size;
};

/*
 * Loads @kernel (ELF vmlinux or bzImage), @initrd (may be NULL) and
 * @cmdline into @m, and writes the zero page, e820 map, page tables and
 * GDT. Errors name the file and what is wrong with it. Returns 0 or
 * -errno with @e filled.
 */
int boot_load(const struct guest_mem *m, const char *kernel, const char *initrd,
	      const char *cmdline, struct boot_info *bi, struct err **e);

/* The same from files already open (@kernel_fd, @initrd_fd: borrowed,
 * -1 to open the path); the paths name them in messages. */
int boot_load_fds(const struct guest_mem *m, const char *kernel, int kernel_fd,
		  const char *initrd, int initrd_fd, const char *cmdline,
		  struct boot_info *bi, struct err **e);

/* The 64-bit GDT entries written at BOOT_GDT_ADDR. */
extern const uint64_t boot_gdt[BOOT_GDT_SIZE];

/* Writes the MP table for @n_cpus CPUs and the IOAPIC (mptable.c). */
int mptable_write(const struct guest_mem *m, unsigned n_cpus, struct err **e);

#endif
