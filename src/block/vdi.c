// SPDX-License-Identifier: GPL-2.0-or-later
/* VirtualBox vdi: recognised, not yet readable (a clear error). */
#include <endian.h>
#include <errno.h>

#include "block/driver.h"

#define VDI_SIGNATURE 0xbeda107fu

static int vdi_probe(const uint8_t *buf, size_t len)
{
	uint32_t sig;

	if (len < 0x44)
		return 0;
	memcpy(&sig, buf + 0x40, 4);
	return le32toh(sig) == VDI_SIGNATURE ? 100 : 0;
}

static int vdi_open(struct block *b, struct err **e)
{
	return err_set(e, ENOTSUP,
		       "'%s': VirtualBox vdi images are not supported yet",
		       b->filename);
}

static void vdi_close(struct block *b)
{
}

const struct block_driver block_vdi = {
	.name = "vdi",
	.probe = vdi_probe,
	.open = vdi_open,
	.close = vdi_close,
};
