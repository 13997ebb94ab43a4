/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to blockjob*.c: the gate's insides and what the job does with
 * them. Functions named gate_* run with g->lock held unless they say.
 */
#ifndef NIDO_VMM_BLOCKJOB_PRIV_H
#define NIDO_VMM_BLOCKJOB_PRIV_H

#include <pthread.h>

#include "vmm/blockjob.h"

struct gate_write {
	uint64_t off, len; /* len 0: the slot has no write in flight */
};

struct bjob_gate {
	pthread_mutex_t lock; /* all below, and the job's state */
	pthread_cond_t cond;  /* a write ended, a grain got dirty, a stop */
	uint64_t size;
	unsigned slots;
	struct gate_write *wr;	     /* by slot */
	uint64_t busy_off, busy_len; /* the chunk the job copies; len 0 */
	bool refused;		     /* a write waits for the chunk */
	uint64_t *dirty;	     /* a bit a grain; NULL: no job */
	bool follow;		     /* guest writes mark grains dirty */
	uint64_t n_grains, n_dirty;
	void (*wake)(void *opaque);
	void *opaque;
};

/* Dirty tracking on (-EBUSY: a job has it) and off; lock not held.
 * @follow: guest writes mark what they write dirty (an active commit
 * copies them again); a pull or commit has them checked in place. */
int gate_track(struct bjob_gate *g, bool follow);
void gate_untrack(struct bjob_gate *g);
/* Marks a range dirty; lock not held. */
void gate_mark(struct bjob_gate *g, uint64_t off, uint64_t len);
/* The first dirty grain from @from on (wrapping): true with *@grain. */
bool gate_next_dirty(struct bjob_gate *g, uint64_t from, uint64_t *grain);
/* Clears up to @max dirty grains from @grain on; returns how many. */
uint64_t gate_take_run(struct bjob_gate *g, uint64_t grain, unsigned max);
/* Marks [off, off+len) busy and waits for the writes in flight on it. */
void gate_busy(struct bjob_gate *g, uint64_t off, uint64_t len);
/* Clears the busy chunk; true when a write waited (wake the device). */
bool gate_unbusy(struct bjob_gate *g);

#endif
