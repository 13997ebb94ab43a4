// SPDX-License-Identifier: GPL-2.0-or-later
/* Volume disks looked up and transient overlays (domain-disks.h). */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int resolve_one(struct daemon *dmn, struct domain_disk *dk,
		       struct err **e)
{
	struct object *o = object_list_find_name(&dmn->pools.l, dk->pool);
	struct storage_vol *v;
	struct stat st;

	if (!o)
		return err_setk(e, ERR_NO_STORAGE_POOL, ENOENT,
				"storage pool '%s' not found", dk->pool);
	if (!pool_of(o)->active)
		return err_setk(e, ERR_OPERATION_INVALID, EAGAIN,
				"storage pool '%s' is not active", dk->pool);
	if (!(v = pool_vol_find(pool_of(o), dk->volume, e)))
		return -ENOENT;
	if (v->network) {
		resolve_network(pool_of(o)->def, v, dk);
		return 0;
	}
	if (stat(v->path, &st) < 0)
		return err_sys(e, errno, "volume '%s' (%s)", dk->volume,
			       v->path);
	free(dk->source);
	dk->source = xstrdup(v->path);
	dk->block = S_ISBLK(st.st_mode);
	return 0;
}

int domain_disks_resolve(struct daemon *dmn, struct domain_def *def,
			 struct err **e)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		struct domain_disk *dk = &def->disks[i];

		if (dk->pool && resolve_one(dmn, dk, e) < 0)
			return err_prefix(e, "disk '%s'", dk->target);
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
