/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the drivers' block jobs share (methods-blockjob.c): block.job's
 * answer (docs/api.md), and a disk's new chain in the definitions.
 */
#ifndef NIDO_DAEMON_BLOCKJOB_COMMON_H
#define NIDO_DAEMON_BLOCKJOB_COMMON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "last_job", "last_error", "last_cancelled" into @out when @last_id. */
void blockjob_out_last(struct json_object *out, const char *last_id,
		       const char *last_error, bool last_cancelled);

/* "job", "cur", "end", "ready", "bandwidth" (bytes/s, 0: no limit)
 * into @out. */
void blockjob_out_progress(struct json_object *out, const char *id, int64_t cur,
			   int64_t end, bool ready, int64_t bandwidth);

struct daemon;
struct domain;
struct err;

/* A job's end told to whoever asked for it (driver_blockjob.finish):
 * *@end, if set, is called once (then NULL) with @r and, when < 0, an
 * error naming job @id and @why (NULL: it was cancelled). */
void blockjob_tell_end(void (**end)(void *opaque, int r, const struct err *e),
		       void *opaque, const char *id, int r, const char *why);

/*
 * Disk @i of running @dom now reads the chain @paths (top first, @n of
 * them, with @formats): the live definition names it (the top the
 * source, the rest <backingStore>), and with @persist the persistent
 * one's disk of the same target unless it is a pool's volume. A
 * persistent definition that cannot be saved is logged and stays.
 */
void blockjob_chain_changed(struct daemon *dmn, struct domain *dom, size_t i,
			    const char *const *paths,
			    const char *const *formats, size_t n, bool persist);

#endif
