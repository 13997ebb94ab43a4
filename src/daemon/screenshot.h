/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * domain.screenshot (docs/api.md): the driver's screenshot of a running
 * domain's display (a PPM image), sent on the call's connection turned
 * into a byte stream (rpc.h), which closes after the last byte.
 */
#ifndef NIDO_DAEMON_SCREENSHOT_H
#define NIDO_DAEMON_SCREENSHOT_H

#include <json-c/json.h>

#include "lib/err.h"

/* domain.screenshot: params "domain". Answers {"format": "ppm", "size":
 * N}, then the image's N bytes follow on the stream. */
int screenshot_m_open(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e);

#endif
