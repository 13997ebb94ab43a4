// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: what `iscsiadm -m discovery -t sendtargets` prints
 * (iscsi_targets_parse), which carries target names a hostile target
 * chose. Nothing may crash, leak or read past the input; a refusal says
 * why and returns nothing; every target accepted has a name iscsiadm
 * can take as an argument (iscsi_name_ok: never an option) and a
 * portal without a space, a comma or a control character.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/iscsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iscsi_target *t = (struct iscsi_target *)data; /* overwritten */
	struct err *e = NULL;
	size_t n = 7;

	if (iscsi_targets_parse((const char *)data, size, &t, &n, &e) < 0) {
		if (!e || !err_msg(e)[0])
			abort();
		err_free(e);
		return 0;
	}
	if (e || n > ISCSI_TARGETS_MAX || (n && !t) || (!n && t))
		abort();
	for (size_t i = 0; i < n; i++) {
		if (!iscsi_name_ok(t[i].iqn) || !t[i].portal[0] ||
		    strpbrk(t[i].portal, " ,\n\r\t") || t[i].tpgt > 65535)
			abort();
		for (const char *p = t[i].portal; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				abort();
	}
	iscsi_targets_free(t, n);
	return 0;
}
