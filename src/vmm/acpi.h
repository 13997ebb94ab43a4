/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ACPI tables (acpi.c): the guest finds its CPUs, interrupt controllers
 * and virtio-mmio devices, and powers off or resets through ACPI.
 */
#ifndef NIDO_VMM_ACPI_H
#define NIDO_VMM_ACPI_H

#include <stdint.h>

#include "lib/err.h"

struct vm;

/* Where the tables go: 0xe0000 up to the MP table (reserved in e820). */
#define ACPI_TABLES_ADDR 0xe0000ULL

/* The S5 sleep type the DSDT declares (hw/pm.c acts on it). */
#define ACPI_S5_TYPE 5

/*
 * Writes RSDP, XSDT, FADT, MADT and DSDT for @vm's vCPUs and virtio
 * devices; *@rsdp_addr gets the RSDP's address. Returns 0 or -errno.
 */
int acpi_write(struct vm *vm, uint64_t *rsdp_addr, struct err **e);

#endif
