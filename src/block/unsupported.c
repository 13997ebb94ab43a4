// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Formats recognised but not supported: without these, their files
 * would probe as raw and be copied byte for byte as if they were disks.
 * Opening one fails with an error that names the format.
 */
#include <errno.h>

#include "block/driver.h"

static int magic_at(const uint8_t *buf, size_t len, size_t off,
		    const char *magic, size_t mlen)
{
	return len >= off + mlen && !memcmp(buf + off, magic, mlen) ? 100 : 0;
}

static int vhdx_probe(const uint8_t *buf, size_t len)
{
	return magic_at(buf, len, 0, "vhdxfile", 8);
}

static int vpc_probe(const uint8_t *buf, size_t len)
{
	return magic_at(buf, len, 0, "conectix", 8);
}

static int qed_probe(const uint8_t *buf, size_t len)
{
	return magic_at(buf, len, 0, "QED\0", 4);
}

static int luks_probe(const uint8_t *buf, size_t len)
{
	return magic_at(buf, len, 0, "LUKS\xba\xbe", 6);
}

static int parallels_probe(const uint8_t *buf, size_t len)
{
	return magic_at(buf, len, 0, "WithoutFreeSpace", 16) ||
			       magic_at(buf, len, 0, "WithouFreSpacExt", 16)
		       ? 100
		       : 0;
}

static int qcow1_probe(const uint8_t *buf, size_t len)
{
	return magic_at(buf, len, 0, "QFI\xfb\0\0\0\1", 8);
}

static int unsupported_open(struct block *b, struct err **e);

static void unsupported_close(struct block *b)
{
}

#define UNSUPPORTED(id, fmt)                     \
	const struct block_driver block_##id = { \
		.name = fmt,                     \
		.probe = id##_probe,             \
		.open = unsupported_open,        \
		.close = unsupported_close,      \
	}

UNSUPPORTED(vhdx, "vhdx");
UNSUPPORTED(vpc, "vpc");
UNSUPPORTED(qed, "qed");
UNSUPPORTED(luks, "luks");
UNSUPPORTED(parallels, "parallels");
UNSUPPORTED(qcow1, "qcow");

static int unsupported_open(struct block *b, struct err **e)
{
	return err_set(e, ENOTSUP,
		       "'%s': %s images are not supported (nido reads and "
		       "writes raw and qcow2, and imports vmdk and vdi)",
		       b->filename, b->drv->name);
}
