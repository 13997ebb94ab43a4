/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * block.job's answer (docs/api.md), as both drivers fill it
 * (methods-blockjob.c): the last job's end, and the job under way.
 */
#ifndef NIDO_DAEMON_BLOCKJOB_OUT_H
#define NIDO_DAEMON_BLOCKJOB_OUT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

/* "last_job", "last_error", "last_cancelled" into @out when @last_id. */
void blockjob_out_last(struct json_object *out, const char *last_id,
		       const char *last_error, bool last_cancelled);

/* "job", "cur", "end", "ready" into @out. */
void blockjob_out_progress(struct json_object *out, const char *id, int64_t cur,
			   int64_t end, bool ready);

#endif
