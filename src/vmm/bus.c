// SPDX-License-Identifier: GPL-2.0-or-later
/* Address ranges to device callbacks, looked up by binary search. */
#include "vmm/bus.h"

#include <errno.h>

int bus_add(struct bus *b, uint64_t base, uint64_t len,
	    const struct bus_ops *ops, void *dev, const char *name,
	    struct err **e)
{
	unsigned i;

	if (len == 0 || base + len < base)
		return err_set(e, EINVAL, "bad bus range for '%s'", name);
	for (i = 0; i < b->n; i++) {
		const struct bus_range *r = &b->ranges[i];

		if (base < r->base + r->len && r->base < base + len)
			return err_set(e, EBUSY,
				       "'%s' at 0x%llx overlaps '%s' at 0x%llx",
				       name, (unsigned long long)base, r->name,
				       (unsigned long long)r->base);
		if (r->base > base)
			break;
	}
	b->ranges = xreallocarray(b->ranges, b->n + 1, sizeof(*b->ranges));
	memmove(&b->ranges[i + 1], &b->ranges[i],
		(b->n - i) * sizeof(*b->ranges));
	b->ranges[i] = (struct bus_range){base, len, ops, dev, name};
	b->n++;
	return 0;
}

static const struct bus_range *bus_find(const struct bus *b, uint64_t addr)
{
	unsigned lo = 0, hi = b->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &b->ranges[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

int bus_read(const struct bus *b, uint64_t addr, void *data, unsigned len)
{
	const struct bus_range *r = bus_find(b, addr);

	if (!r || !r->ops->read) {
		memset(data, 0xff, len);
		return r ? 0 : -ENOENT;
	}
	r->ops->read(r->dev, addr - r->base, data, len);
	return 0;
}

int bus_write(const struct bus *b, uint64_t addr, const void *data,
	      unsigned len)
{
	const struct bus_range *r = bus_find(b, addr);

	if (!r)
		return -ENOENT;
	if (r->ops->write)
		r->ops->write(r->dev, addr - r->base, data, len);
	return 0;
}

void bus_release(struct bus *b)
{
	free(b->ranges);
	b->ranges = NULL;
	b->n = 0;
}
