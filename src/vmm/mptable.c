// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Intel MultiProcessor Specification 1.4 table: how Linux finds the
 * CPUs, the IOAPIC and the routing of ISA interrupts when there is no
 * ACPI. Written at BOOT_MPTABLE_ADDR (in the 0xf0000 area Linux scans).
 */
#include <errno.h>

#include "vmm/boot.h"
#include "vmm/vm.h"

#define MPC_APIC_VERSION   0x14
#define MPC_IOAPIC_VERSION 0x11

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_IRQ_INT = 0, MP_IRQ_NMI = 1, MP_IRQ_EXTINT = 3 };

struct mpf_intel {
	char signature[4]; /* "_MP_" */
	uint32_t physptr;
	uint8_t length; /* in 16-byte units */
	uint8_t specification;
	uint8_t checksum;
	uint8_t feature[5];
} __attribute__((packed));

struct mpc_table {
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t spec;
	uint8_t checksum;
	char oem[8];
	char productid[12];
	uint32_t oemptr;
	uint16_t oemsize;
	uint16_t oemcount;
	uint32_t lapic;
	uint32_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t cpuflag; /* 1 enabled, 2 boot processor */
	uint32_t cpufeature;
	uint32_t featureflag;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type;
	uint8_t busid;
	char bustype[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type;
	uint8_t apicid;
	uint8_t apicver;
	uint8_t flags;
	uint32_t apicaddr;
} __attribute__((packed));

struct mpc_intsrc {
	uint8_t type;
	uint8_t irqtype;
	uint16_t irqflag;
	uint8_t srcbus;
	uint8_t srcbusirq;
	uint8_t dstapic;
	uint8_t dstirq;
} __attribute__((packed));

_Static_assert(sizeof(struct mpf_intel) == 16, "MP floating pointer");
_Static_assert(sizeof(struct mpc_table) == 44, "MP config header");
_Static_assert(sizeof(struct mpc_cpu) == 20, "MP processor entry");
_Static_assert(sizeof(struct mpc_intsrc) == 8, "MP interrupt entry");

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static size_t mptable_size(unsigned n_cpus)
{
	return sizeof(struct mpc_table) + n_cpus * sizeof(struct mpc_cpu) +
	       sizeof(struct mpc_bus) + sizeof(struct mpc_ioapic) +
	       (VM_IRQ_MAX + 1 + 2) * sizeof(struct mpc_intsrc);
}

static uint8_t *put_cpus(uint8_t *p, unsigned n_cpus)
{
	for (unsigned i = 0; i < n_cpus; i++) {
		struct mpc_cpu c = {
			.type = MP_PROCESSOR,
			.apicid = (uint8_t)i,
			.apicver = MPC_APIC_VERSION,
			.cpuflag = 1 | (i == 0 ? 2 : 0),
			.cpufeature = 0x600,  /* family 6 */
			.featureflag = 0x201, /* FPU, APIC */
		};
		memcpy(p, &c, sizeof(c));
		p += sizeof(c);
	}
	return p;
}

static uint8_t *put_irqs(uint8_t *p, uint8_t ioapic_id)
{
	struct mpc_intsrc s = {.type = MP_INTSRC, .irqtype = MP_IRQ_INT};

	/* ISA IRQ n is IOAPIC pin n, as KVM's default routing has it. */
	for (unsigned irq = 0; irq <= VM_IRQ_MAX; irq++) {
		s.srcbusirq = (uint8_t)irq;
		s.dstapic = ioapic_id;
		s.dstirq = (uint8_t)irq;
		memcpy(p, &s, sizeof(s));
		p += sizeof(s);
	}
	/* LINT0 is the 8259's ExtINT, LINT1 NMI, on every local APIC. */
	for (uint8_t lint = 0; lint < 2; lint++) {
		struct mpc_intsrc l = {
			.type = MP_LINTSRC,
			.irqtype = lint ? MP_IRQ_NMI : MP_IRQ_EXTINT,
			.dstapic = 0xff,
			.dstirq = lint,
		};
		memcpy(p, &l, sizeof(l));
		p += sizeof(l);
	}
	return p;
}

int mptable_write(const struct guest_mem *m, unsigned n_cpus, struct err **e)
{
	size_t size = sizeof(struct mpf_intel) + mptable_size(n_cpus);
	uint8_t *base = mem_ptr(m, BOOT_MPTABLE_ADDR, size);
	struct mpf_intel *mpf = (struct mpf_intel *)base;
	struct mpc_table *t = (struct mpc_table *)(base + sizeof(*mpf));
	struct mpc_bus bus = {.type = MP_BUS, .bustype = "ISA   "};
	struct mpc_ioapic io = {
		.type = MP_IOAPIC,
		.apicid = (uint8_t)n_cpus,
		.apicver = MPC_IOAPIC_VERSION,
		.flags = 1,
		.apicaddr = (uint32_t)VM_IOAPIC_ADDR,
	};
	uint8_t *p;

	if (!base || n_cpus == 0 || n_cpus > VM_MAX_CPUS)
		return err_set(e, EINVAL, "no room for the MP table");
	memset(base, 0, size);
	p = put_cpus((uint8_t *)(t + 1), n_cpus);
	memcpy(p, &bus, sizeof(bus));
	p += sizeof(bus);
	memcpy(p, &io, sizeof(io));
	p += sizeof(io);
	p = put_irqs(p, io.apicid);

	memcpy(t->signature, "PCMP", 4);
	t->length = (uint16_t)(p - (uint8_t *)t);
	t->spec = 4;
	memcpy(t->oem, "NIDO    ", 8);
	memcpy(t->productid, "NIDO-VMM    ", 12);
	t->oemcount = (uint16_t)(n_cpus + 2 + VM_IRQ_MAX + 1 + 2);
	t->lapic = (uint32_t)VM_LAPIC_ADDR;
	t->checksum = checksum(t, t->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->physptr = (uint32_t)(BOOT_MPTABLE_ADDR + sizeof(*mpf));
	mpf->length = 1;
	mpf->specification = 4;
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return 0;
}
