// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The rbd pool (libvirt's type='rbd'): a Ceph pool whose RBD images are
 * the volumes, reached through librados and librbd (src/block/rbd.h
 * connects). A volume's path is POOL/IMAGE, as libvirt names it; what
 * src/block opens it by is storage_rbd_spec()'s "rbd:..." name, which
 * carries the pool's monitors and identity.
 *
 * The pool is the cluster's: nothing to build, and pool-delete is
 * refused (the Ceph pool is deleted with ceph's own tools). Start checks
 * that the cluster answers and the pool exists; every other call
 * connects again, so that a refresh sees what others changed and a
 * cluster gone makes the pool inactive rather than a call hang (the
 * timeouts of rbd_cluster_open()).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "block/rbd.h"
#include "storage/storage.h"

/* A cluster and pool, connected for one call. */
struct rbd_conn {
	rados_t cluster;
	rados_ioctx_t io;
};

static void conn_close(struct rbd_conn *c)
{
	if (c->io)
		rados_ioctx_destroy(c->io);
	if (c->cluster)
		rados_shutdown(c->cluster);
	c->io = NULL;
	c->cluster = NULL;
}

/* "h1:p1,[v6]:p2": the monitors of @p as rados' mon_host takes them. */
static char *mon_hosts(const struct storage_pool_params *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!p->n_hosts)
		return NULL;
	f = open_memstream(&text, &len);
	for (size_t i = 0; i < p->n_hosts; i++) {
		const char *h = p->hosts[i];
		bool v6 = strchr(h, ':') != NULL;

		fprintf(f, "%s%s%s%s", i ? "," : "", v6 ? "[" : "", h,
			v6 ? "]" : "");
		if (p->host_ports && p->host_ports[i])
			fprintf(f, ":%u", p->host_ports[i]);
	}
	fclose(f);
	return text;
}

/* The spec of @p's pool, and of its volume @vol when not NULL. */
static void pool_spec(const struct storage_pool_params *p, const char *vol,
		      struct rbd_spec *s)
{
	*s = (struct rbd_spec){
		.pool = xstrdup(p->source_name),
		.image = xstrdup(vol ? vol : "-"),
		.mon_host = mon_hosts(p),
		.id = p->auth_user ? xstrdup(p->auth_user) : NULL,
		/* no <auth>: none, as libvirt; with one, the keyring */
		.auth = xstrdup(p->auth_user ? "cephx" : "none"),
	};
}

char *storage_rbd_spec(const struct storage_pool_params *p, const char *vol)
{
	struct rbd_spec s;
	char *text;

	pool_spec(p, vol, &s);
	text = rbd_spec_format(&s);
	rbd_spec_clear(&s);
	return text;
}

static int conn_open(const struct storage_pool_params *p, struct rbd_conn *c,
		     struct err **e)
{
	struct rbd_spec s;
	int r;

	pool_spec(p, NULL, &s);
	r = rbd_cluster_open(&s, &c->cluster, &c->io, e);
	rbd_spec_clear(&s);
	if (r < 0)
		return err_prefix(e, "pool '%s'", p->name);
	return 0;
}

static int rbd_pool_start(const struct storage_pool_params *p, struct err **e)
{
	struct rbd_conn c = {0};
	int r = conn_open(p, &c, e);

	conn_close(&c);
	return r;
}

static int rbd_pool_delete(const struct storage_pool_params *p, struct err **e)
{
	return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"pool '%s' (rbd): pool-delete is not supported: the "
			"Ceph pool '%s' is the cluster's (ceph osd pool "
			"delete)",
			p->name, p->source_name);
}

/* Describes the image @name of @c into @v; -ENOENT if it went. */
static int describe(const struct storage_pool_params *p, struct rbd_conn *c,
		    const char *name, struct storage_vol *v, struct err **e)
{
	rbd_image_t img = NULL;
	int r;

	memset(v, 0, sizeof(*v));
	r = rbd_open_read_only(c->io, name, &img, NULL);
	if (r < 0)
		return err_sys(e, -r, "pool '%s': opening image '%s'", p->name,
			       name);
	r = rbd_get_size(img, &v->capacity);
	if (r == 0 && !p->alloc_is_capacity)
		r = rbd_image_used(img, v->capacity, &v->allocation);
	rbd_close(img);
	if (r < 0)
		return err_sys(e, -r, "pool '%s': image '%s'", p->name, name);
	if (p->alloc_is_capacity)
		v->allocation = v->capacity;
	v->name = xstrdup(name);
	v->path = xasprintf("%s/%s", p->source_name, name);
	v->format = xstrdup("raw");
	v->network = true; /* vol-info's Type: network, as libvirt's */
	v->physical = v->capacity;
	v->mode = 0;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct storage_vol *)a)->name,
		      ((const struct storage_vol *)b)->name);
}

/* The names of the images of @c's pool. */
static int list_images(const struct storage_pool_params *p, struct rbd_conn *c,
		       rbd_image_spec_t **out, size_t *n, struct err **e)
{
	size_t max = 64;
	rbd_image_spec_t *specs = NULL;
	int r;

	for (;;) {
		specs = xreallocarray(specs, max, sizeof(*specs));
		r = rbd_list2(c->io, specs, &max);
		if (r != -ERANGE)
			break;
	}
	if (r < 0) {
		free(specs);
		return err_sys(e, -r, "pool '%s': listing images", p->name);
	}
	*out = specs;
	*n = max;
	return 0;
}

/*
 * The cluster's size and free space, and what the Ceph pool holds. The
 * monitors have them from the manager (ceph-mgr): without one they read
 * 0, and nothing else a client may ask without it (the OSDs' statfs is
 * the manager's too) tells them; the pool's allocation is then what its
 * images @v use.
 */
static int space(const struct storage_pool_params *p, struct rbd_conn *c,
		 const struct storage_vol *v, size_t n, struct storage_space *s,
		 struct err **e)
{
	struct rados_cluster_stat_t cs;
	struct rados_pool_stat_t ps;
	int r = rados_cluster_stat(c->cluster, &cs);

	if (r == 0)
		r = rados_ioctx_pool_stat(c->io, &ps);
	if (r < 0)
		return err_sys(e, -r, "pool '%s': reading the cluster's space",
			       p->name);
	*s = (struct storage_space){
		.capacity = cs.kb * 1024,
		.available = cs.kb_avail * 1024,
		.allocation = ps.num_bytes,
	};
	if (cs.kb)
		return 0;
	s->unknown = "the cluster's manager (ceph-mgr) does not answer";
	for (size_t i = 0; !ps.num_bytes && i < n; i++)
		s->allocation += v[i].allocation;
	return 0;
}

static int rbd_pool_scan(const struct storage_pool_params *p,
			 struct storage_vol **vols, size_t *nvols,
			 struct storage_space *s, struct err **e)
{
	struct rbd_conn c = {0};
	rbd_image_spec_t *specs = NULL;
	struct storage_vol *v = NULL;
	size_t n = 0, k = 0;
	int r;

	*vols = NULL;
	*nvols = 0;
	if ((r = conn_open(p, &c, e)) < 0)
		return r;
	r = list_images(p, &c, &specs, &n, e);
	if (r == 0)
		v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; r == 0 && i < n; i++) {
		_cleanup_err_ struct err *why = NULL;

		/* one removed meanwhile is not listed */
		r = describe(p, &c, specs[i].name, &v[k], &why);
		if (r == -ENOENT)
			r = 0;
		else if (r == 0)
			k++;
		else
			err_setk(e, err_kind(why), -r, "%s", err_msg(why));
	}
	if (r == 0)
		r = space(p, &c, v, k, s, e);
	if (specs)
		rbd_image_spec_list_cleanup(specs, n);
	free(specs);
	conn_close(&c);
	if (r < 0) {
		storage_vols_free(v, k);
		return r;
	}
	qsort(v, k, sizeof(*v), by_name);
	*vols = v;
	*nvols = k;
	return 0;
}

static int rbd_vol_create(const struct storage_pool_params *p,
			  const struct storage_vol_new *nv, struct err **e)
{
	struct rbd_conn c = {0};
	int order = 0, r;

	if (rbd_name_check("image", nv->name, e) < 0)
		return err_mark(e, ERR_INVALID_ARG);
	if (nv->format && !streq(nv->format, "raw"))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"pool '%s' (rbd): volume format '%s' is not "
				"supported (raw: an RBD image is the disk)",
				p->name, nv->format);
	if (nv->backing)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"pool '%s' (rbd): a backing volume is not "
				"supported (rbd clone makes layered images)",
				p->name);
	if (nv->allocation && nv->allocation != nv->capacity)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"pool '%s' (rbd): an allocation other than 0 "
				"is not supported (RBD images are thin)",
				p->name);
	if ((r = conn_open(p, &c, e)) < 0)
		return r;
	r = rbd_create(c.io, nv->name, nv->capacity, &order);
	conn_close(&c);
	if (r == -EEXIST)
		return err_setk(e, ERR_STORAGE_VOL_EXIST, EEXIST,
				"storage volume '%s' exists already in pool "
				"'%s'",
				nv->name, p->name);
	if (r < 0)
		return err_sys(e, -r, "pool '%s': creating image '%s'", p->name,
			       nv->name);
	return 0;
}

static int rbd_vol_delete(const struct storage_pool_params *p, const char *name,
			  struct err **e)
{
	struct rbd_conn c = {0};
	int r;

	if ((r = conn_open(p, &c, e)) < 0)
		return r;
	r = rbd_remove(c.io, name);
	conn_close(&c);
	if (r == -ENOTEMPTY)
		return err_setk(e, ERR_OPERATION_FAILED, ENOTEMPTY,
				"pool '%s': image '%s' has snapshots (rbd "
				"snap purge removes them)",
				p->name, name);
	if (r == -EBUSY)
		return err_setk(e, ERR_OPERATION_FAILED, EBUSY,
				"pool '%s': image '%s' is in use by another "
				"client",
				p->name, name);
	if (r < 0)
		return err_sys(e, -r, "pool '%s': removing image '%s'", p->name,
			       name);
	return 0;
}

static int rbd_vol_resize(const struct storage_pool_params *p, const char *name,
			  uint64_t capacity, bool shrink, struct err **e)
{
	struct rbd_conn c = {0};
	rbd_image_t img = NULL;
	uint64_t now = 0;
	int r;

	if ((r = conn_open(p, &c, e)) < 0)
		return r;
	r = rbd_open(c.io, name, &img, NULL);
	if (r < 0) {
		conn_close(&c);
		return err_sys(e, -r, "pool '%s': opening image '%s'", p->name,
			       name);
	}
	r = rbd_get_size(img, &now);
	if (r == 0 && capacity < now && !shrink)
		r = -EINVAL;
	else if (r == 0)
		r = rbd_resize2(img, capacity, shrink, NULL, NULL);
	rbd_close(img);
	conn_close(&c);
	if (r == -EINVAL && capacity < now && !shrink)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': shrinking image '%s' loses data; "
				"use --shrink to confirm",
				p->name, name);
	if (r < 0)
		return err_sys(e, -r, "pool '%s': resizing image '%s'", p->name,
			       name);
	return 0;
}

const struct storage_backend storage_backend_rbd = {
	.type = "rbd",
	.remote = true,
	.start = rbd_pool_start,
	.delete = rbd_pool_delete,
	.scan = rbd_pool_scan,
	.vol_create = rbd_vol_create,
	.vol_delete = rbd_vol_delete,
	.vol_resize = rbd_vol_resize,
	.vol_block_name = storage_rbd_spec,
};
