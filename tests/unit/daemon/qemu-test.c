// SPDX-License-Identifier: GPL-2.0-or-later
#include "qemu-test.h"

#include <stdio.h>
#include <string.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "lib/util.h"
#include "test.h"

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

char *qemu_test_argv(const char *text, const char *emulator)
{
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct block_chain chains[8] = {{0}};
	struct block_chain_file f = {.fd = -1};
	struct qemu_argv a = {0};
	char *out;

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	for (size_t i = 0; i < d->n_disks && i < 8; i++) {
		chains[i].files = &f;
		chains[i].n = 1;
	}
	qemu_argv_build(&a, emulator, "tcg", d, chains);
	qemu_argv_nets(&a, d, 20);
	qemu_argv_vserial(&a, d);
	out = qemu_test_args(&a);
	domain_def_free(d);
	return out;
}

char *qemu_test_argv_def(const char *text, char **def, char **why)
{
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	struct qemu_argv a = {0};
	struct block_chain *ch;
	struct block_chain_file f = {.fd = -1};
	char *out;

	*why = NULL;
	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		*why = xasprintf("refused: %s", err_msg(e));
		return NULL;
	}
	if (w.n) {
		*why = xasprintf("warning: %s", w.msgs[0]);
		xml_warnings_clear(&w);
		domain_def_free(d);
		return NULL;
	}
	ch = xcalloc(d->n_disks + 1, sizeof(*ch));
	for (size_t i = 0; i < d->n_disks; i++) {
		ch[i].n = 1;
		ch[i].files = &f;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, ch);
	free(ch);
	out = qemu_test_args(&a);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}
