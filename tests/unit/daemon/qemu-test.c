// SPDX-License-Identifier: GPL-2.0-or-later
#include "qemu-test.h"

#include <stdio.h>
#include <string.h>

#include "daemon/domain_conf.h"
#include "lib/util.h"

char *qemu_test_args(struct qemu_argv *a)
{
	char *out = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&out, &len);

	for (size_t i = 0; i < a->n; i++)
		fprintf(s, "%s\n", a->v[i]);
	fclose(s);
	qemu_argv_free(a);
	return out;
}

char *qemu_test_refusal(const char *text)
{
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) == 0) {
		domain_def_free(d);
		return NULL;
	}
	return xstrdup(err_msg(e));
}
