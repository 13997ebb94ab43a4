// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ring-0 setup of a tiny guest (page tables with user access, GDT, TSS,
 * IDT) and the ring-3 runtime: serial output, printf, TAP, power off.
 */
#include "guest.h"

#define PTE_P	0x001ULL
#define PTE_W	0x002ULL
#define PTE_U	0x004ULL
#define PTE_PWT 0x008ULL
#define PTE_PCD 0x010ULL
#define PTE_PS	0x080ULL

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* As exc_common in start.S pushes it, then the CPU's frame. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pd_mmio[512] __attribute__((aligned(4096)));
static uint8_t tss[104] __attribute__((aligned(16)));
static struct idt_entry idt[256] __attribute__((aligned(16)));
static uint64_t gdt[7] __attribute__((aligned(16)));
static unsigned tap_count;
static int tap_planned;
const uint8_t *guest_boot_params;

extern char kernel_stack_top[];
extern void exc_0(void), exc_1(void), exc_2(void), exc_3(void), exc_4(void),
	exc_5(void), exc_6(void), exc_7(void), exc_8(void), exc_9(void),
	exc_10(void), exc_11(void), exc_12(void), exc_13(void), exc_14(void),
	exc_15(void), exc_16(void), exc_17(void), exc_18(void), exc_19(void);

void guest_setup(const uint8_t *boot_params);
void guest_exception(struct exc_frame *f);
void guest_user_entry(void);

/* First GiB in 2 MiB user pages; 3-4 GiB (devices) uncached. */
static void setup_paging(void)
{
	for (uint64_t i = 0; i < 512; i++) {
		pd_low[i] = (i << 21) | PTE_P | PTE_W | PTE_U | PTE_PS;
		pd_mmio[i] = (0xc0000000ULL + (i << 21)) | PTE_P | PTE_W |
			     PTE_U | PTE_PS | PTE_PCD | PTE_PWT;
	}
	pdpt[0] = (uint64_t)(uintptr_t)pd_low | PTE_P | PTE_W | PTE_U;
	pdpt[3] = (uint64_t)(uintptr_t)pd_mmio | PTE_P | PTE_W | PTE_U;
	pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W | PTE_U;
	__asm__ volatile("mov %0, %%cr3"
			 :
			 : "r"((uint64_t)(uintptr_t)pml4)
			 : "memory");
}

static void setup_gdt(void)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	struct desc_ptr p = {sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt};

	gdt[1] = 0x00af9a000000ffffULL; /* 0x08 kernel code */
	gdt[2] = 0x00cf92000000ffffULL; /* 0x10 kernel data */
	gdt[3] = 0x00cff2000000ffffULL; /* 0x18 user data */
	gdt[4] = 0x00affa000000ffffULL; /* 0x20 user code */
	gdt[5] = (sizeof(tss) - 1) | ((base & 0xffffff) << 16) |
		 (0x89ULL << 40) | ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;
	/* rsp0: where exceptions from ring 3 land. */
	*(uint64_t *)(void *)&tss[4] = (uint64_t)(uintptr_t)kernel_stack_top;
	*(uint16_t *)(void *)&tss[102] = sizeof(tss);
	__asm__ volatile("lgdt %0" : : "m"(p));
}

static void idt_set(unsigned vec, void (*fn)(void), unsigned dpl)
{
	uint64_t a = (uint64_t)(uintptr_t)fn;

	idt[vec] = (struct idt_entry){
		.off_lo = (uint16_t)a,
		.sel = 0x08,
		.type = (uint8_t)(0x8e |
				  dpl << 5), /* present, interrupt gate */
		.off_mid = (uint16_t)(a >> 16),
		.off_hi = (uint32_t)(a >> 32),
	};
}

static void setup_idt(void)
{
	void (*const stubs[20])(void) = {
		exc_0,	exc_1,	exc_2,	exc_3,	exc_4,	exc_5,	exc_6,
		exc_7,	exc_8,	exc_9,	exc_10, exc_11, exc_12, exc_13,
		exc_14, exc_15, exc_16, exc_17, exc_18, exc_19,
	};
	struct desc_ptr p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};

	for (unsigned i = 0; i < 20; i++)
		idt_set(i, stubs[i], 0);
	__asm__ volatile("lidt %0" : : "m"(p));
}

void guest_setup(const uint8_t *boot_params)
{
	guest_boot_params = boot_params;
	setup_paging();
	setup_gdt();
	setup_idt();
}

static void port_out(uint16_t port, uint64_t v, unsigned size)
{
	if (size == 1)
		__asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
	else if (size == 2)
		__asm__ volatile("outw %w0, %w1" : : "a"(v), "Nd"(port));
	else
		__asm__ volatile("outl %k0, %w1" : : "a"(v), "Nd"(port));
}

static uint64_t port_in(uint16_t port, uint64_t old, unsigned size)
{
	uint32_t v = 0;

	if (size == 1) {
		__asm__ volatile("inb %w1, %b0" : "+a"(v) : "Nd"(port));
		return (old & ~0xffULL) | v;
	}
	if (size == 2) {
		__asm__ volatile("inw %w1, %w0" : "+a"(v) : "Nd"(port));
		return (old & ~0xffffULL) | v;
	}
	__asm__ volatile("inl %w1, %k0" : "=a"(v) : "Nd"(port));
	return v; /* a 32-bit write zero-extends */
}

/* Performs a faulting in/out of ring 3; returns 0 when it was one. */
static int emulate_port_io(struct exc_frame *f)
{
	const uint8_t *ip = (const uint8_t *)(uintptr_t)f->rip;
	unsigned len = 1, size = 4;
	uint8_t op = ip[0];
	uint16_t port;

	if (op == 0x66) {
		size = 2;
		op = ip[len++];
	}
	if (op == 0xe4 || op == 0xe6 || op == 0xec || op == 0xee)
		size = 1;
	if (op >= 0xe4 && op <= 0xe7) {
		port = ip[len++];
	} else if (op >= 0xec && op <= 0xef) {
		port = (uint16_t)f->rdx;
	} else {
		return -1;
	}
	if (op & 2)
		port_out(port, f->rax, size);
	else
		f->rax = port_in(port, f->rax, size);
	f->rip += len;
	return 0;
}

void guest_exception(struct exc_frame *f)
{
	if (f->vector == 13 && (f->cs & 3) == 3 && emulate_port_io(f) == 0)
		return;
	/* halt_forever()'s hlt, which ring 3 may not run: halt here for good,
	 * interrupts off (the vCPU sleeps until the VM stops) */
	if (f->vector == 13 && (f->cs & 3) == 3 &&
	    *(const uint8_t *)(uintptr_t)f->rip == 0xf4)
		for (;;)
			__asm__ volatile("hlt");
	gprintf("not ok - exception %lu (error 0x%lx) at rip 0x%lx "
		"(cs 0x%lx, rflags 0x%lx)\n",
		(unsigned long)f->vector, (unsigned long)f->error,
		(unsigned long)f->rip, (unsigned long)f->cs,
		(unsigned long)f->rflags);
	poweroff();
}

void tap_done(void)
{
	if (!tap_planned)
		gprintf("1..%u\n", tap_count);
	tap_planned = 1;
}

void guest_user_entry(void)
{
	guest_main();
	tap_done();
	poweroff();
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	while (!(inb(PORT_COM1 + 5) & 0x20))
		;
	outb(PORT_COM1, (uint8_t)c);
}

void serial_puts(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

static void put_num(unsigned long long v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width--)
		serial_putc(pad);
	while (n)
		serial_putc(buf[--n]);
}

static unsigned long long get_arg(va_list *ap, int longs, int is_signed,
				  int *neg)
{
	long long s;

	if (!is_signed)
		return longs ? va_arg(*ap, unsigned long long)
			     : va_arg(*ap, unsigned int);
	s = longs ? va_arg(*ap, long long) : va_arg(*ap, int);
	*neg = s < 0;
	return s < 0 ? (unsigned long long)-s : (unsigned long long)s;
}

/* %d %u %x %s %c %p, with l/ll and a zero-padded width. */
void gvprintf(const char *fmt, va_list ap)
{
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		int longs = 0, width = 0, neg = 0;
		char pad = ' ';
		unsigned long long v;

		if (*fmt != '%') {
			serial_putc(*fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 'd':
			v = get_arg(&aq, longs, 1, &neg);
			if (neg)
				serial_putc('-');
			put_num(v, 10, width, pad);
			break;
		case 'u':
		case 'x':
			v = get_arg(&aq, longs, 0, &neg);
			put_num(v, *fmt == 'x' ? 16 : 10, width, pad);
			break;
		case 'p':
			serial_puts("0x");
			put_num((uintptr_t)va_arg(aq, void *), 16, 0, ' ');
			break;
		case 's':
			serial_puts(va_arg(aq, const char *));
			break;
		case 'c':
			serial_putc((char)va_arg(aq, int));
			break;
		default:
			serial_putc(*fmt);
			break;
		}
	}
	va_end(aq);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
}

int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	gprintf("%sok %u - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
	serial_putc('\n');
	return cond;
}

void boottimer_signal(void)
{
	outb(PORT_BOOTTIMER, 123);
}

void poweroff(void)
{
	outw(PORT_PM1A_CNT, (5 << 10) | (1 << 13));
	for (;;)
		__asm__ volatile("pause");
}

void wait_ctrl_alt_del(void)
{
	uint8_t seen[3] = {0, 0, 0};

	for (;;) {
		if (inb(PORT_I8042_CMD) & 1) {
			seen[0] = seen[1];
			seen[1] = seen[2];
			seen[2] = inb(0x60);
			if (seen[0] == 0x38 && seen[1] == 0xe0 &&
			    seen[2] == 0x53)
				return;
		}
		for (int i = 0; i < 20000; i++)
			__asm__ volatile("pause");
	}
}

#define IOAPIC	  0xfec00000UL
#define LAPIC	  0xfee00000UL
#define LAPIC_SVR 0xf0
#define LAPIC_IRR 0x200

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC, reg);
	mmio_write32(IOAPIC + 0x10, v);
}

void sci_route(unsigned gsi, unsigned vector)
{
	mmio_write32(LAPIC + LAPIC_SVR, 0x1ff); /* enabled, spurious 0xff */
	ioapic_write(0x10 + 2 * gsi, vector | 1u << 15);
	ioapic_write(0x11 + 2 * gsi, 0);
}

int lapic_pending(unsigned vector)
{
	uint32_t irr = mmio_read32(LAPIC + LAPIC_IRR + 0x10 * (vector / 32));

	return (irr >> (vector % 32)) & 1;
}

void halt_forever(void)
{
	for (;;)
		__asm__ volatile("hlt");
}

void delay(void)
{
	for (int i = 0; i < 20000; i++)
		__asm__ volatile("pause");
}
