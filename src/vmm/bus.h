/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An I/O bus: address ranges (ports or guest physical MMIO) mapped to
 * device callbacks. Filled before the vCPUs start, read-only afterwards,
 * so dispatching needs no lock; devices lock their own state.
 */
#ifndef NIDO_VMM_BUS_H
#define NIDO_VMM_BUS_H

#include <stdint.h>

#include "lib/err.h"

/*
 * A device's side of the bus. @off is relative to the range's base;
 * @len is 1, 2, 4 or 8. read() fills @data (little endian).
 */
struct bus_ops {
	void (*read)(void *dev, uint64_t off, void *data, unsigned len);
	void (*write)(void *dev, uint64_t off, const void *data, unsigned len);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_ops *ops;
	void *dev;
	const char *name;
};

struct bus {
	struct bus_range *ranges; /* sorted by base, never overlapping */
	unsigned n;
};

/*
 * Adds [@base, @base + @len) for @dev. Refuses an overlap with -EBUSY
 * (@e names both devices).
 */
int bus_add(struct bus *b, uint64_t base, uint64_t len,
	    const struct bus_ops *ops, void *dev, const char *name,
	    struct err **e);

/*
 * Dispatches an access. Returns 0, or -ENOENT when no device claims
 * @addr (a read then gives all ones).
 */
int bus_read(const struct bus *b, uint64_t addr, void *data, unsigned len);
int bus_write(const struct bus *b, uint64_t addr, const void *data,
	      unsigned len);

void bus_release(struct bus *b);

#endif
