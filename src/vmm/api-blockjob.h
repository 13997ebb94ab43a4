/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket's block job requests (docs/vmm-api.md, "Block
 * jobs"): block-chain, block-job-start, -info, -set-speed, -complete,
 * -cancel, and the "block-job" events. The loop's thread.
 */
#ifndef NIDO_VMM_API_BLOCKJOB_H
#define NIDO_VMM_API_BLOCKJOB_H

#include <json-c/json.h>
#include <stdbool.h>

struct vm;

/*
 * Handles request @cmd ("block-...") of @req, filling @r. @fds (@n_fds
 * of them, may be NULL) came with it; one taken is set to -1. Returns
 * an error message or NULL.
 */
const char *api_blockjob(struct vm *vm, const char *cmd, json_object *req,
			 json_object *r, int *fds, unsigned n_fds);

/* Whether a disk has a job (a save waits for none). */
bool api_blockjob_running(void);

/* Cancels and frees every job (the VM stops). */
void api_blockjob_stop_all(void);

#endif
