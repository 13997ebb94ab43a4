/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The library of nido's tiny guests (guests/README in docs/vmm.md):
 * port and MMIO access, serial output, TAP results, power off. A guest
 * defines guest_main(), which runs in ring 3, and reports
 * with tap_ok(); after it returns the guest prints the plan and powers
 * off. An exception prints its vector and RIP and powers off too.
 */
#ifndef NIDO_GUEST_H
#define NIDO_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define PORT_COM1      0x3f8
#define PORT_PM1A_CNT  0x604
#define PORT_RESET     0xcf9
#define PORT_BOOTTIMER 0x3f0
#define PORT_I8042_CMD 0x64
#define MMIO_BASE      0xd0000000UL
#define MMIO_SLOT      0x1000UL

/*
 * Port I/O from ring 3: with IOPL 3 where KVM honours it; on PVM-based
 * KVM the instruction faults and the ring-0 #GP handler performs it.
 */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write32(uintptr_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
	return *(volatile uint8_t *)addr;
}

static inline void mmio_write8(uintptr_t addr, uint8_t v)
{
	*(volatile uint8_t *)addr = v;
}

static inline void barrier(void)
{
	__asm__ volatile("mfence" : : : "memory");
}

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

void serial_putc(char c);
void serial_puts(const char *s);
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gvprintf(const char *fmt, va_list ap);

/* Prints "ok N - what" or "not ok N - what". Returns @cond. */
int tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints the plan now (before a reset, say); later calls do nothing. */
void tap_done(void);
/* Lines starting with '#' are TAP comments. */
#define tap_diag(...) gprintf("# " __VA_ARGS__)

/* Signals "init started" to the boot timer. */
void boottimer_signal(void);

/* Powers the VM off (ACPI S5 through PM1a_CNT); never returns. */
__attribute__((noreturn)) /* Halts the vCPU for good (no host time spent): the
			     host stops the VM. */
			  void
			  halt_forever(void) __attribute__((noreturn));
void poweroff(void);

/* The zero page nido-vmm handed us (identity mapped). */
extern const uint8_t *guest_boot_params;

/* Polls the i8042 until Ctrl-Alt-Del arrives (set 1 make codes: Alt
 * 38, then E0 53, Delete), as a guest waiting for the host's shutdown. */
void wait_ctrl_alt_del(void);

/*
 * The SCI's path to the local APIC (the power button, vCPU hot add):
 * the local APIC enabled, IOAPIC pin @gsi routed to @vector on APIC 0
 * (fixed, level-triggered, active high, unmasked); and whether @vector
 * is pending in the local APIC's interrupt request register.
 */
void sci_route(unsigned gsi, unsigned vector);
int lapic_pending(unsigned vector);

/* Busy-waits a moment (about 20000 PAUSEs). */
void delay(void);

/* Defined by each guest; runs in ring 3. */
void guest_main(void);

#endif
