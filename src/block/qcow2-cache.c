// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * qcow2 metadata cache: L2 tables and refcount blocks, one cluster
 * each, least recently used evicted first. Tables stay big-endian.
 */
#include <errno.h>

#include "block/qcow2.h"

struct cache_entry {
	uint64_t off; /* host offset; 0: empty slot */
	uint8_t *data;
	uint64_t lru;
	unsigned pins;
	bool dirty;
};

struct qcow2_cache {
	struct cache_entry *ent;
	unsigned n;
	uint64_t tick;
	bool l2; /* L2 tables: write refcount blocks first */
};

struct qcow2_cache *qcow2_cache_new(struct qcow2 *s, unsigned n, bool l2)
{
	struct qcow2_cache *c = xcalloc(1, sizeof(*c));

	c->n = n;
	c->l2 = l2;
	c->ent = xcalloc(n, sizeof(*c->ent));
	for (unsigned i = 0; i < n; i++)
		c->ent[i].data = xmalloc(s->cluster_size);
	return c;
}

void qcow2_cache_free(struct qcow2_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		free(c->ent[i].data);
	free(c->ent);
	free(c);
}

static struct cache_entry *find_data(struct qcow2_cache *c, void *table)
{
	for (unsigned i = 0; i < c->n; i++)
		if (c->ent[i].data == table)
			return &c->ent[i];
	return NULL;
}

static int write_entry(struct qcow2 *s, struct qcow2_cache *c,
		       struct cache_entry *ce, struct err **e)
{
	int r;

	if (!ce->dirty)
		return 0;
	if (c->l2) {
		/* the refcounts of what this table points at go first */
		r = qcow2_cache_flush(s, s->rb_cache, e);
		if (r < 0)
			return r;
	}
	r = pwrite_full(s->fd, ce->data, s->cluster_size, (off_t)ce->off);
	if (r < 0)
		return err_sys(e, -r, "writing metadata of '%s'", s->name);
	ce->dirty = false;
	return 0;
}

int qcow2_cache_write(struct qcow2 *s, struct qcow2_cache *c, void *table,
		      struct err **e)
{
	struct cache_entry *ce = find_data(c, table);

	ce->dirty = true;
	return write_entry(s, c, ce, e);
}

int qcow2_cache_flush(struct qcow2 *s, struct qcow2_cache *c, struct err **e)
{
	bool any = false;
	int r;

	for (unsigned i = 0; i < c->n; i++)
		any |= c->ent[i].dirty;
	if (!any)
		return 0;
	if (c->l2 && s->rb_cache) {
		r = qcow2_cache_flush(s, s->rb_cache, e);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < c->n; i++) {
		r = write_entry(s, c, &c->ent[i], e);
		if (r < 0)
			return r;
	}
	/* refcount blocks must be durable before tables rely on them */
	if (!c->l2)
		return qcow2_sync(s, e);
	return 0;
}

/* A free slot, evicting the least recently used unpinned table. */
static int evict(struct qcow2 *s, struct qcow2_cache *c,
		 struct cache_entry **out, struct err **e)
{
	struct cache_entry *best = NULL;
	int r;

	for (unsigned i = 0; i < c->n; i++) {
		struct cache_entry *ce = &c->ent[i];

		if (ce->pins)
			continue;
		if (!ce->off) {
			best = ce;
			break;
		}
		if (!best || ce->lru < best->lru)
			best = ce;
	}
	if (!best)
		return err_set(e, ENOMEM, "'%s': metadata cache exhausted",
			       s->name);
	if (best->dirty && !c->l2) {
		r = write_entry(s, c, best, e);
		if (r == 0)
			r = qcow2_sync(s, e);
	} else {
		r = write_entry(s, c, best, e);
	}
	if (r < 0)
		return r;
	best->off = 0;
	*out = best;
	return 0;
}

int qcow2_cache_get(struct qcow2 *s, struct qcow2_cache *c, uint64_t off,
		    bool read, void **table, struct err **e)
{
	struct cache_entry *ce = NULL;
	int r;

	for (unsigned i = 0; i < c->n; i++) {
		if (c->ent[i].off == off) {
			ce = &c->ent[i];
			goto found;
		}
	}
	r = evict(s, c, &ce, e);
	if (r < 0)
		return r;
	if (read) {
		r = file_pread_zero(s->fd, ce->data, s->cluster_size, off);
		if (r < 0)
			return err_sys(e, -r, "reading metadata of '%s'",
				       s->name);
	} else {
		memset(ce->data, 0, s->cluster_size);
	}
	ce->off = off;
	ce->dirty = false;
found:
	ce->lru = ++c->tick;
	ce->pins++;
	*table = ce->data;
	return 0;
}

void qcow2_cache_put(struct qcow2_cache *c, void *table)
{
	struct cache_entry *ce = find_data(c, table);

	if (ce && ce->pins)
		ce->pins--;
}

void qcow2_cache_dirty(struct qcow2_cache *c, void *table)
{
	struct cache_entry *ce = find_data(c, table);

	if (ce)
		ce->dirty = true;
}

void qcow2_cache_drop(struct qcow2_cache *c, uint64_t off)
{
	for (unsigned i = 0; i < c->n; i++) {
		if (c->ent[i].off == off) {
			c->ent[i].off = 0;
			c->ent[i].dirty = false;
		}
	}
}

int qcow2_cache_clear(struct qcow2 *s, struct qcow2_cache *c, struct err **e)
{
	int r = qcow2_cache_flush(s, c, e);

	if (r < 0)
		return r;
	for (unsigned i = 0; i < c->n; i++)
		c->ent[i].off = 0;
	return 0;
}
