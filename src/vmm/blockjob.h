/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Block jobs on a running guest's disk (docs/snapshots.md, "Block jobs
 * on nido-vmm"): blockpull, blockcommit and active blockcommit, copying
 * clusters on a thread of their own while the guest reads and writes.
 *
 * Concurrency with the guest: the gate. Every request that changes the
 * disk (write, discard, write-zeroes) passes bjob_gate_begin() before
 * it starts and bjob_gate_end() once it completed. The job copies one
 * chunk at a time; before it reads a chunk it marks the chunk busy
 * (new guest writes to it are refused and wait in the device, which is
 * woken when the chunk is done), then waits until no guest write in
 * flight overlaps it. So a chunk is read and written with no guest
 * write to it in between: a blockpull never puts a backing file's old
 * data over what the guest just wrote, and what a commit copies is what
 * the guest sees. Guest writes elsewhere go on meanwhile, and reads are
 * never held: what the job writes reads the same through the chain
 * before and after.
 *
 * The gate also marks each chunk a write touches dirty. An active
 * commit copies every chunk with data above the base once, then the
 * chunks the guest dirtied since (the job is "ready" once none is
 * left), until the pivot: with the guest paused and its requests
 * drained, the last dirty chunks are copied, the base flushed, and the
 * base becomes the disk's image.
 *
 * Metadata: a chain's backing pointers change only after the data they
 * need is in place and flushed; a crash before leaves the old chain,
 * which reads the same.
 *
 * Ownership: the gate belongs to the disk (one per virtio-blk); a job
 * borrows the disk's chain and its gate, and owns the writable base.
 */
#ifndef NIDO_VMM_BLOCKJOB_H
#define NIDO_VMM_BLOCKJOB_H

#include <stdbool.h>
#include <stdint.h>

#include "block/block.h"
#include "lib/err.h"

/* The unit the gate locks and marks dirty, in bytes. */
#define BJOB_GRAIN (64u * 1024u)

struct bjob_gate;

/*
 * A gate for a disk of @size bytes with up to @slots writes in flight
 * (slot numbers 0..@slots-1). @wake(@opaque) is called, from the job's
 * thread, when a chunk that refused a write is done.
 */
struct bjob_gate *bjob_gate_new(uint64_t size, unsigned slots,
				void (*wake)(void *opaque), void *opaque);
void bjob_gate_free(struct bjob_gate *g); /* accepts NULL */

/*
 * A write of [@off, @off+@len) in slot @slot may start: true, and it is
 * in flight until bjob_gate_end(); false while a job copies a chunk it
 * overlaps (try again after the wake). Any thread.
 */
/* Whether a job works on the gate's disk now. Any thread. */
bool bjob_gate_has_job(struct bjob_gate *g);

bool bjob_gate_begin(struct bjob_gate *g, unsigned slot, uint64_t off,
		     uint64_t len);
void bjob_gate_end(struct bjob_gate *g, unsigned slot);

enum bjob_type {
	BJOB_PULL,	    /* backing data up into the top image */
	BJOB_COMMIT,	    /* an image below the top down into the base */
	BJOB_ACTIVE_COMMIT, /* the top image down into the base */
};

enum bjob_state {
	BJOB_RUNNING,	/* copying */
	BJOB_READY,	/* active commit: in step, pivot possible */
	BJOB_COPIED,	/* pull, commit: all copied, bjob_complete() next */
	BJOB_FAILED,	/* the copy failed: bjob_cancel() next */
	BJOB_CANCELLED, /* bjob_cancel() ran: nothing changed */
	BJOB_DONE,	/* bjob_complete() ran: the chain changed */
};

/* What the job needs of the disk it works on. */
struct bjob_disk_ops {
	/* No guest request in flight or starting until resume (the guest
	 * may be paused meanwhile). The job's owner's thread. */
	void (*quiesce)(void *opaque);
	void (*resume)(void *opaque);
	/* Pivot, quiesced: the disk's image is @top from now on. */
	int (*set_top)(void *opaque, struct block *top, struct err **e);
	/* The job's state changed (ready, copied, failed). Job's thread. */
	void (*notify)(void *opaque);
};

struct bjob_params {
	enum bjob_type type;
	int top;     /* depth of the image committed (0: the active one) */
	int base;    /* depth of the base; a pull past the end: none */
	int base_fd; /* commits: the base open read-write (taken), else -1 */
	unsigned base_flags; /* BLOCK_OPEN_LOCKED when nidod locked it */
	uint64_t speed;	     /* bytes/s; 0: no limit */
};

struct bjob_info {
	enum bjob_type type;
	enum bjob_state state;
	uint64_t cur, end; /* bytes copied, and to copy in all so far */
	uint64_t speed;
	const char *error; /* FAILED: why; borrowed from the job */
};

struct bjob;

/*
 * Starts a job on the disk whose image is @top (borrowed, as @g; both
 * outlive the job). Checks @p against the chain (-EINVAL with @e).
 * Returns 0 with *@out the caller's, or -errno with @e; p->base_fd is
 * closed either way.
 */
int bjob_start(struct block *top, struct bjob_gate *g,
	       const struct bjob_params *p, const struct bjob_disk_ops *ops,
	       void *opaque, struct bjob **out, struct err **e);

void bjob_get_info(struct bjob *j, struct bjob_info *i);
void bjob_set_speed(struct bjob *j, uint64_t bytes_per_s);

/*
 * Ends a COPIED pull or commit, or a READY active commit (the pivot),
 * changing the chain: backing pointers rewritten once the data is
 * flushed, images dropped closed. State DONE then. On failure the chain
 * is as it was and the job can be cancelled. Returns 0 or -errno.
 */
int bjob_complete(struct bjob *j, struct err **e);

/*
 * Stops the copy and drops what the job opened: the chain is as it was
 * (a commit's base keeps the data copied, which the images above hide).
 * State CANCELLED. Any state but DONE.
 */
void bjob_cancel(struct bjob *j);

/* Frees a job that is DONE or CANCELLED (cancels it otherwise);
 * accepts NULL. */
void bjob_free(struct bjob *j);

const char *bjob_type_name(enum bjob_type t);
const char *bjob_state_name(enum bjob_state s);

#endif
