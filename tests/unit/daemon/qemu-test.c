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

char *qemu_test_xml(const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type></os>"
			 "<devices>%s</devices></domain>",
			 devs);
}

/* @text defined; NULL with *@why saying why (refused, or with @strict
 * its first warning; malloc'ed). */
static struct domain_def *define_text(const char *text, bool strict, char **why)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d = NULL;
	struct xml_warnings w = {0};

	*why = NULL;
	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		*why = xasprintf("refused: %s", err_msg(e));
	} else if (strict && w.n) {
		*why = xasprintf("warning: %s", w.msgs[0]);
		domain_def_free(steal_ptr(d));
	}
	xml_warnings_clear(&w);
	return d;
}

/* @d's command line on @emulator into @a, each disk one image file on
 * an fd, as nidod opens them. */
static void build(struct qemu_argv *a, const char *emulator,
		  const struct domain_def *d)
{
	struct block_chain *ch = xcalloc(d->n_disks + 1, sizeof(*ch));
	struct block_chain_file f = {.fd = -1};

	for (size_t i = 0; i < d->n_disks; i++) {
		ch[i].files = &f;
		ch[i].n = 1;
	}
	qemu_argv_build(a, emulator, "tcg", d, ch);
	free(ch);
}

struct domain_def *qemu_test_define(const char *devs, char **why)
{
	_cleanup_free_ char *text = qemu_test_xml(devs);

	return define_text(text, true, why);
}

char *qemu_test_def_argv(const struct domain_def *d, int first_chr_fd)
{
	struct qemu_argv a = {0};

	build(&a, "/usr/bin/qemu-system-x86_64", d);
	qemu_argv_chardevs(&a, d, first_chr_fd, 1);
	return qemu_test_args(&a);
}

char *qemu_test_argv(const char *text, const char *emulator)
{
	_cleanup_free_ char *why = NULL;
	struct domain_def *d = define_text(text, false, &why);
	struct qemu_argv a = {0};
	char *out;

	if (!d) {
		TEST_FAIL("%s", why);
		return NULL;
	}
	build(&a, emulator, d);
	qemu_argv_nets(&a, d, 20);
	qemu_argv_vserial(&a, d);
	out = qemu_test_args(&a);
	domain_def_free(d);
	return out;
}

char *qemu_test_argv_def(const char *text, char **def, char **why)
{
	struct domain_def *d = define_text(text, true, why);
	struct qemu_argv a = {0};
	char *out;

	if (!d)
		return NULL;
	build(&a, "/usr/bin/qemu-system-x86_64", d);
	out = qemu_test_args(&a);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}
