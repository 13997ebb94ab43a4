// SPDX-License-Identifier: GPL-2.0-or-later
/* Volume disks looked up and transient overlays (domain-disks.h). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "block/chain.h"
#include "daemon/daemon.h"
#include "daemon/domain-disks.h"
#include "daemon/domain.h"
#include "daemon/domain_conf_disk.h"
#include "daemon/pool.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/util.h"

/*
 * A volume of an rbd pool: a network disk that QEMU reaches itself, with
 * the pool's monitors and client (no authentication when the pool has no
 * <auth>, as libvirt's).
 */
static void resolve_network(const struct pool_def *pd,
			    const struct storage_vol *v, struct domain_disk *dk)
{
	struct disk_net *n = xcalloc(1, sizeof(*n));

	n->protocol = DISK_PROTO_RBD;
	n->name = xasprintf("%s/%s", pd->source_name, v->name);
	n->hosts = xcalloc(pd->n_source_hosts ? pd->n_source_hosts : 1,
			   sizeof(*n->hosts));
	for (size_t i = 0; i < pd->n_source_hosts; i++) {
		n->hosts[i].name = xstrdup(pd->source_hosts[i]);
		n->hosts[i].port = pd->source_ports[i];
	}
	n->n_hosts = pd->n_source_hosts;
	n->user = pd->auth_user ? xstrdup(pd->auth_user) : NULL;
	n->auth_none = !pd->auth_user;
	dk->block = false;
	domain_disk_set_net(dk, n);
}

/* The path of volume @volume of @pool into *@source (replaced), and
 * whether it is a block device; a volume that is no file (rbd) makes
 * @dk a network disk, and is refused where there is none (a container's
 * file system). */
static int resolve_one(struct daemon *dmn, const char *pool, const char *volume,
		       char **source, bool *block, struct domain_disk *dk,
		       struct err **e)
{
	struct object *o = object_list_find_name(&dmn->pools.l, pool);
	struct storage_vol *v;
	struct stat st;

	if (!o)
		return err_setk(e, ERR_NO_STORAGE_POOL, ENOENT,
				"storage pool '%s' not found", pool);
	if (!pool_of(o)->active)
		return err_setk(e, ERR_OPERATION_INVALID, EAGAIN,
				"storage pool '%s' is not active", pool);
	if (!(v = pool_vol_find(pool_of(o), volume, e)))
		return -ENOENT;
	if (v->network && !dk)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"volume '%s' of pool '%s' is no file or device "
				"(an rbd image): it cannot be mounted",
				volume, pool);
	if (v->network) {
		resolve_network(pool_of(o)->def, v, dk);
		return 0;
	}
	if (stat(v->path, &st) < 0)
		return err_sys(e, errno, "volume '%s' (%s)", volume, v->path);
	free(*source);
	*source = xstrdup(v->path);
	*block = S_ISBLK(st.st_mode);
	return 0;
}

int domain_disks_resolve(struct daemon *dmn, struct domain_def *def,
			 struct err **e)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		struct domain_disk *dk = &def->disks[i];

		if (dk->pool && resolve_one(dmn, dk->pool, dk->volume,
					    &dk->source, &dk->block, dk, e) < 0)
			return err_prefix(e, "disk '%s'", dk->target);
	}
	for (size_t i = 0; i < def->ct.n_fs; i++) {
		struct domain_fs *fs = &def->ct.fs[i];

		if (fs->type == DOMAIN_FS_VOLUME &&
		    resolve_one(dmn, fs->pool, fs->volume, &fs->source,
				&fs->block, NULL, e) < 0)
			return err_prefix(e, "filesystem '%s'", fs->target);
	}
	return 0;
}

static char *overlay_path(const struct daemon *dmn,
			  const struct domain_def *def, size_t i)
{
	return xasprintf("%s/transient/%s-%s.qcow2", dmn->store.state_dir,
			 def->name, def->disks[i].target);
}

char *domain_disk_overlay(struct daemon *dmn, const struct domain_def *def,
			  size_t i, struct err **e)
{
	_cleanup_free_ char *dir = NULL;

	if (!def->disks[i].transient)
		return NULL;
	dir = xasprintf("%s/transient", dmn->store.state_dir);
	if (file_mkdir_p(dir, 0700, e) < 0)
		return NULL;
	return overlay_path(dmn, def, i);
}

void domain_disks_release(struct daemon *dmn, const struct domain_def *def)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		_cleanup_free_ char *p = NULL;

		if (!def->disks[i].transient)
			continue;
		p = overlay_path(dmn, def, i);
		if (unlink(p) < 0 && errno != ENOENT)
			log_warn("domain '%s': removing the overlay '%s': %s",
				 def->name, p, strerror(errno));
	}
}

/* Disk @i of @dk may go: optional, and its source is not there. */
static bool missing_optional(const struct domain_disk *dk)
{
	struct stat st;

	return dk->opts.startup == DISK_STARTUP_OPTIONAL && !dk->net &&
	       dk->source && stat(dk->source, &st) < 0 && errno == ENOENT;
}

int domain_disks_drop_missing(struct daemon *dmn, struct domain *dom,
			      struct err **e)
{
	struct domain_def *def = dom->def;
	bool any = false;

	(void)dmn;
	for (size_t i = 0; i < def->n_disks; i++)
		any |= missing_optional(&def->disks[i]);
	if (!any)
		return 0;
	/* the persistent definition keeps the disk */
	if (dom->persistent && !dom->newdef &&
	    !(dom->newdef = domain_config_copy(dom, e)))
		return err_prefix(e, "keeping the definition");
	for (size_t i = 0; i < def->n_disks;) {
		struct domain_disk *dk = &def->disks[i];

		if (!missing_optional(dk)) {
			i++;
			continue;
		}
		log_warn("domain '%s': disk '%s' dropped: its source '%s' is "
			 "not there (startupPolicy='optional')",
			 def->name, dk->target, dk->source);
		domain_disk_clear(dk);
		memmove(dk, dk + 1, (def->n_disks - i - 1) * sizeof(*dk));
		def->n_disks--;
	}
	return 0;
}

/* Whether disk @dk runs from the local chain @c, not shown yet. */
static bool chain_shown_here(const struct domain_disk *dk,
			     const struct block_chain *c)
{
	return !dk->net && c->n > 0 && !dk->backing_live;
}

static void show_chain(struct domain_disk *dk, const struct block_chain *c)
{
	bool overlay = dk->transient; /* its first backing is the source */
	size_t k = 0;

	for (int j = 0; j < c->n; j++) {
		const struct block_chain_file *f = &c->files[j];

		if (f->kind != BLOCK_REF_BACKING)
			continue;
		if (overlay) {
			overlay = false;
			continue;
		}
		if (k++ < dk->n_backing)
			continue; /* declared: kept as written */
		if (dk->n_backing == DOMAIN_MAX_BACKING)
			break;
		dk->backing = xreallocarray(dk->backing, dk->n_backing + 1,
					    sizeof(*dk->backing));
		dk->backing[dk->n_backing++] = (struct disk_backing){
			.path = xstrdup(f->path),
			.format = f->format ? xstrdup(f->format) : NULL,
		};
	}
	dk->backing_end = true;
	dk->backing_live = true;
}

int domain_disks_show_chains(struct domain *dom,
			     const struct block_chain *chains, struct err **e)
{
	struct domain_def *def = dom->def;
	bool any = false;

	for (size_t i = 0; i < def->n_disks; i++)
		any |= chain_shown_here(&def->disks[i], &chains[i]);
	if (!any)
		return 0;
	/* the persistent definition keeps what it declared */
	if (dom->persistent && !dom->newdef &&
	    !(dom->newdef = domain_config_copy(dom, e)))
		return err_prefix(e, "keeping the definition");
	for (size_t i = 0; i < def->n_disks; i++)
		if (chain_shown_here(&def->disks[i], &chains[i]))
			show_chain(&def->disks[i], &chains[i]);
	return 0;
}
