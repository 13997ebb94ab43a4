// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gate between a disk's guest writes and its block job
 * (blockjob.h): the chunk the job copies, the writes in flight, and the
 * grains written since the job last copied them (dirty). One mutex
 * guards all of it, and the job's state (blockjob.c) with it.
 */
#include <errno.h>
#include <time.h>

#include "lib/util.h"
#include "vmm/blockjob-priv.h"

struct bjob_gate *bjob_gate_new(uint64_t size, unsigned slots,
				void (*wake)(void *opaque), void *opaque)
{
	struct bjob_gate *g = xcalloc(1, sizeof(*g));
	pthread_condattr_t ca;

	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	g->size = size;
	g->slots = slots;
	g->wr = xcalloc(slots, sizeof(*g->wr));
	g->wake = wake;
	g->opaque = opaque;
	return g;
}

void bjob_gate_free(struct bjob_gate *g)
{
	if (!g)
		return;
	free(g->dirty);
	free(g->wr);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

bool bjob_gate_has_job(struct bjob_gate *g)
{
	bool r;

	if (!g)
		return false;
	pthread_mutex_lock(&g->lock);
	r = g->dirty != NULL;
	pthread_mutex_unlock(&g->lock);
	return r;
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Marks the grains of [@off, @off+@len) dirty. Lock held. */
static void mark_dirty(struct bjob_gate *g, uint64_t off, uint64_t len)
{
	uint64_t first = off / BJOB_GRAIN, last;

	if (!g->dirty || !len || off >= g->size)
		return;
	last = (MIN(off + len, g->size) - 1) / BJOB_GRAIN;
	for (uint64_t i = first; i <= last; i++) {
		uint64_t bit = 1ull << (i % 64);

		if (!(g->dirty[i / 64] & bit)) {
			g->dirty[i / 64] |= bit;
			g->n_dirty++;
		}
	}
	pthread_cond_broadcast(&g->cond); /* a ready job copies it */
}

bool bjob_gate_begin(struct bjob_gate *g, unsigned slot, uint64_t off,
		     uint64_t len)
{
	bool ok;

	if (!len || slot >= g->slots)
		return true;
	pthread_mutex_lock(&g->lock);
	ok = !overlap(off, len, g->busy_off, g->busy_len);
	if (ok) {
		g->wr[slot].off = off;
		g->wr[slot].len = len;
		/* before the write starts: a job that copies the grain later
		 * waits for this write, one that copied it already copies it
		 * again */
		if (g->follow)
			mark_dirty(g, off, len);
	} else {
		g->refused = true;
	}
	pthread_mutex_unlock(&g->lock);
	return ok;
}

void bjob_gate_end(struct bjob_gate *g, unsigned slot)
{
	if (slot >= g->slots)
		return;
	pthread_mutex_lock(&g->lock);
	if (g->wr[slot].len) {
		g->wr[slot].len = 0;
		pthread_cond_broadcast(&g->cond);
	}
	pthread_mutex_unlock(&g->lock);
}

int gate_track(struct bjob_gate *g, bool follow)
{
	size_t words;

	g->n_grains = (g->size + BJOB_GRAIN - 1) / BJOB_GRAIN;
	words = (g->n_grains + 63) / 64;
	pthread_mutex_lock(&g->lock);
	if (g->dirty) {
		pthread_mutex_unlock(&g->lock);
		return -EBUSY;
	}
	g->dirty = xcalloc(words ? words : 1, sizeof(*g->dirty));
	g->n_dirty = 0;
	g->follow = follow;
	pthread_mutex_unlock(&g->lock);
	return 0;
}

void gate_untrack(struct bjob_gate *g)
{
	pthread_mutex_lock(&g->lock);
	free(g->dirty);
	g->dirty = NULL;
	g->n_dirty = 0;
	pthread_mutex_unlock(&g->lock);
}

void gate_mark(struct bjob_gate *g, uint64_t off, uint64_t len)
{
	pthread_mutex_lock(&g->lock);
	mark_dirty(g, off, len);
	pthread_mutex_unlock(&g->lock);
}

bool gate_next_dirty(struct bjob_gate *g, uint64_t from, uint64_t *grain)
{
	for (uint64_t k = 0; g->n_dirty && k < g->n_grains; k++) {
		uint64_t i = (from + k) % g->n_grains;

		if (g->dirty[i / 64] & (1ull << (i % 64))) {
			*grain = i;
			return true;
		}
	}
	return false;
}

uint64_t gate_take_run(struct bjob_gate *g, uint64_t grain, unsigned max)
{
	uint64_t n = 0;

	while (n < max && grain + n < g->n_grains &&
	       (g->dirty[(grain + n) / 64] & (1ull << ((grain + n) % 64)))) {
		g->dirty[(grain + n) / 64] &= ~(1ull << ((grain + n) % 64));
		g->n_dirty--;
		n++;
	}
	return n;
}

void gate_busy(struct bjob_gate *g, uint64_t off, uint64_t len)
{
	g->busy_off = off;
	g->busy_len = len;
	for (;;) {
		bool clash = false;

		for (unsigned i = 0; i < g->slots && !clash; i++)
			clash = overlap(off, len, g->wr[i].off, g->wr[i].len);
		if (!clash)
			return;
		pthread_cond_wait(&g->cond, &g->lock);
	}
}

bool gate_unbusy(struct bjob_gate *g)
{
	bool refused = g->refused;

	g->busy_len = 0;
	g->refused = false;
	return refused;
}
