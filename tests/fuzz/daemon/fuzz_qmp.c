// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: what a hostile QEMU may send on its monitor. Each
 * line goes through qmp_parse_line(); a line accepted must have the
 * shape its kind promises (an answer's id, an error's class and
 * description, an event's name), and nothing may crash or leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(const struct qmp_msg *m)
{
	switch (m->kind) {
	case QMP_MSG_GREETING:
		if (!m->value)
			abort();
		break;
	case QMP_MSG_RETURN:
		break;
	case QMP_MSG_ERROR:
		if (!m->error_class || !m->desc)
			abort();
		break;
	case QMP_MSG_EVENT:
		if (!m->event || !*m->event)
			abort();
		if (m->value &&
		    !json_object_is_type(m->value, json_type_object))
			abort();
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	/* as the client reads them: lines, each bounded */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct qmp_msg m;
		struct err *e = NULL;

		if (len <= QMP_LINE_MAX) {
			if (qmp_parse_line(p, len, &m, &e) == 0) {
				check_msg(&m);
				qmp_msg_clear(&m);
			} else if (!e || m.root) {
				abort();
			}
		}
		err_free(e);
		p += len + 1;
	}
	return 0;
}
