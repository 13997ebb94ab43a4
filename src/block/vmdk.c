// SPDX-License-Identifier: GPL-2.0-or-later
/* VMware vmdk: recognised, not yet readable (a clear error). */
#include <errno.h>

#include "block/driver.h"

static int vmdk_probe(const uint8_t *buf, size_t len)
{
	if (len >= 4 && !memcmp(buf, "KDMV", 4))
		return 100;
	if (len >= 21 && !memcmp(buf, "# Disk DescriptorFile", 21))
		return 100;
	return 0;
}

static int vmdk_open(struct block *b, struct err **e)
{
	return err_set(e, ENOTSUP,
		       "'%s': VMware vmdk images are not supported yet",
		       b->filename);
}

static void vmdk_close(struct block *b)
{
}

const struct block_driver block_vmdk = {
	.name = "vmdk",
	.probe = vmdk_probe,
	.open = vmdk_open,
	.close = vmdk_close,
};
