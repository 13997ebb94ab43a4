// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh's snapshot-* verbs (docs/api.md, docs/snapshots.md): internal
 * and external snapshots, their metadata, revert and delete; a running
 * domain's are its driver's (with its memory: internal, or --memspec's
 * file, which nidod makes and hands over).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/agent.h"
#include "daemon/daemon.h"
#include "daemon/domain-disks.h"
#include "daemon/driver-kvm-snapshot.h"
#include "daemon/driver.h"
#include "daemon/events.h"
#include "daemon/rpc.h"
#include "daemon/save-file.h"
#include "daemon/snapshot.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"

/* The domain, idle, with its snapshots. */
static struct domain *idle_domain(struct daemon *dmn,
				  struct json_object *params,
				  struct snapshot_set **set, struct err **e)
{
	struct domain *dom = param_domain(dmn, params, e);

	if (!dom || need_idle(dom, e) < 0)
		return NULL;
	if (!(*set = snapshot_set_of(dmn, dom, e)))
		return NULL;
	return dom;
}

/* A running domain's snapshots are its driver's (QEMU's jobs). */
static int need_driver(const struct domain *dom, struct err **e)
{
	if (!dom->drv->snapshot)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot snapshot a running "
				"domain yet: shut it off, or save it",
				dom->drv->name);
	return 0;
}

/*
 * A snapshot operation the driver runs: what is done with the metadata
 * once it has ended, then the parked call answered.
 */
struct snap_call {
	struct daemon *dmn;
	struct domain *dom;
	enum snapshot_op op;
	struct snapshot_def *sn; /* create: the new one (owned) */
	char *name;		 /* apply, delete: the snapshot's */
	bool no_metadata;	 /* create: the metadata not kept */
	bool reuse;		 /* ... --reuse-external */
	bool memory_made;	 /* create: sn->memory_file is ours to remove */
	/* --quiesce: the driver's result, kept while the agent thaws */
	int r;
	struct err *err;
};

static const char **taken_targets(const struct snapshot_def *sn, size_t *n)
{
	const char **v = xcalloc(sn->n_disks + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < sn->n_disks; i++)
		if (sn->disks[i].kind == SNAPSHOT_DISK_INTERNAL)
			v[(*n)++] = sn->disks[i].name;
	return v;
}

static int forget(struct daemon *dmn, struct domain *dom,
		  struct snapshot_set *set, const char *name, struct err **e);

/* An external snapshot taken: the persistent definition, if any,
 * names the overlays too (the live one already does). */
static void external_done(struct daemon *dmn, struct domain *dom,
			  const struct snapshot_def *sn)
{
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *def;

	if (!dom->persistent)
		return;
	if (!(def = domain_config_copy(dom, &e))) {
		log_warn("domain '%s': the definition keeps its images: %s",
			 dom->def->name, err_msg(e));
		return;
	}
	snapshot_def_switch(def, sn);
	if (domain_config_save(dmn, def, &e) < 0)
		log_warn("domain '%s': the definition keeps its images: %s",
			 dom->def->name, err_msg(e));
}

/* A memory file this call made, removed again. */
static void memory_file_remove(const char *path)
{
	if (path && unlink(path) < 0 && errno != ENOENT)
		log_warn("memory snapshot file '%s' left behind: %s", path,
			 strerror(errno));
}

/*
 * An external snapshot's memory file goes with it, as libvirt's, but
 * only when it is the file the snapshot wrote (the size and CRC-32
 * recorded then): a snapshot's metadata may come from a client
 * (snapshot-create --redefine) and name any file nidod could unlink.
 */
static void memory_file_discard(struct daemon *dmn, const struct domain *dom,
				const struct snapshot_def *sn)
{
	_cleanup_err_ struct err *e = NULL;
	int fd;

	if (!sn->memory_file)
		return;
	fd = snapshot_memory_open(dmn, dom, sn, &e);
	if (fd < 0) {
		if (err_code(e) != -ENOENT ||
		    access(sn->memory_file, F_OK) == 0)
			log_warn("snapshot '%s': its memory file is left "
				 "where it is: %s",
				 sn->name, err_msg(e));
		return;
	}
	close(fd);
	memory_file_remove(sn->memory_file);
}

static void snap_done(void *opaque, int r, const struct err *de)
{
	struct snap_call *c = opaque;
	struct snapshot_set *set = c->dom->snaps;
	_cleanup_err_ struct err *e = NULL;
	struct json_object *res = NULL;
	struct snapshot_def *sn;

	if (r < 0) {
		if (c->sn && snapshot_is_external(c->sn) && !c->reuse)
			snapshot_overlays_remove(c->sn, c->sn->n_disks);
		if (c->memory_made && c->sn)
			memory_file_remove(c->sn->memory_file);
		daemon_job_done(c->dmn, c->dom, r, NULL, de);
	} else if (!set) {
		err_set(&e, EIO, "the domain's snapshots went meanwhile");
		daemon_job_done(c->dmn, c->dom, -EIO, NULL, e);
	} else if (c->op == SNAPSHOT_OP_CREATE && snapshot_is_external(c->sn)) {
		/* the live definition names the overlays already */
		external_done(c->dmn, c->dom, c->sn);
		res = json_object_new_object();
		json_object_object_add(res, "name",
				       json_object_new_string(c->sn->name));
		if (!c->no_metadata && c->sn->memory_file &&
		    snapshot_memory_seal(c->dmn, c->dom, c->sn, &e) < 0) {
			log_warn("snapshot '%s': a revert will refuse its "
				 "memory file: %s",
				 c->sn->name, err_msg(e));
			err_free(steal_ptr(e));
		}
		if (!c->no_metadata) {
			set->v = xreallocarray(set->v, set->n + 1,
					       sizeof(*set->v));
			set->v[set->n++] = sn = steal_ptr(c->sn);
			r = snapshot_set_current(c->dmn, c->dom, set, sn, &e);
		}
		daemon_job_done(c->dmn, c->dom, r, r < 0 ? NULL : res, e);
		if (r < 0)
			json_object_put(res);
	} else if (c->op == SNAPSHOT_OP_CREATE) {
		set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
		set->v[set->n++] = sn = steal_ptr(c->sn);
		r = snapshot_set_current(c->dmn, c->dom, set, sn, &e);
		if (r == 0) {
			res = json_object_new_object();
			json_object_object_add(
				res, "name", json_object_new_string(sn->name));
		}
		daemon_job_done(c->dmn, c->dom, r, res, e);
	} else if (c->op == SNAPSHOT_OP_APPLY) {
		r = (sn = snapshot_find(set, c->name))
			    ? snapshot_set_current(c->dmn, c->dom, set, sn, &e)
			    : 0;
		daemon_job_done(c->dmn, c->dom, r, NULL, e);
	} else {
		if ((sn = snapshot_find(set, c->name)))
			memory_file_discard(c->dmn, c->dom, sn);
		r = forget(c->dmn, c->dom, set, c->name, &e);
		daemon_job_done(c->dmn, c->dom, r, NULL, e);
	}
	snapshot_def_free(c->sn);
	free(c->name);
	free(c);
}

/* Has the driver run @op for @sn; the call waits for it. */
enum {
	CREATE_NO_METADATA = 1,
	CREATE_REUSE = 2,
	CREATE_QUIESCE = 4,
	CREATE_LIVE = 8,
};

/*
 * --quiesce (libvirt's, for a disk-only snapshot of a running guest):
 * the guest agent freezes the guest's file systems, the driver takes
 * the snapshot, the agent thaws them whatever came of it; then
 * snap_done(). A freeze that fails fails the snapshot, as libvirt's.
 */
#define QUIESCE_MS 60000

static int agent_exec(struct agent *a, const char *execute, agent_reply_fn fn,
		      void *opaque, struct err **e)
{
	_cleanup_json_ struct json_object *cmd = json_object_new_object();

	json_object_object_add(cmd, "execute", json_object_new_string(execute));
	return agent_command(a, cmd, QUIESCE_MS, 0, fn, opaque, e);
}

static void on_thawed(void *opaque, int r, struct json_object *ret,
		      const struct err *te)
{
	struct snap_call *c = opaque;
	struct err *err = steal_ptr(c->err);

	(void)ret;
	if (r < 0)
		log_warn("domain '%s': the guest agent did not thaw its file "
			 "systems after snapshot '%s': %s",
			 c->dom->def->name, c->name, te ? te->msg : "failed");
	snap_done(c, c->r, err);
	err_free(err);
}

/* The driver's snapshot ended: thawed before snap_done(). */
static void on_snapped(void *opaque, int r, const struct err *de)
{
	struct snap_call *c = opaque;
	_cleanup_err_ struct err *e = NULL;
	struct agent *a;

	c->r = r;
	if (r < 0)
		err_setk(&c->err, err_kind(de), de ? de->code : EIO, "%s",
			 de ? de->msg : "failed");
	if ((a = agent_for(c->dmn, c->dom, &e)) &&
	    agent_exec(a, "guest-fsfreeze-thaw", on_thawed, c, &e) == 0)
		return;
	log_warn("domain '%s': its file systems may stay frozen: %s",
		 c->dom->def->name, err_msg(e));
	on_thawed(c, 0, NULL, NULL);
}

static void on_frozen(void *opaque, int r, struct json_object *ret,
		      const struct err *fe)
{
	struct snap_call *c = opaque;
	_cleanup_err_ struct err *e = NULL;

	(void)ret;
	if (r < 0) {
		err_setk(&e, err_kind(fe), fe ? fe->code : EIO,
			 "quiescing the guest's file systems: %s",
			 fe ? fe->msg : "failed");
		snap_done(c, r, e);
		return;
	}
	r = c->dom->drv->disk_snapshot(c->dmn, c->dom, c->sn, on_snapped, c,
				       &e);
	if (r < 0)
		on_snapped(c, r, e);
}

/* Whether the file @st is one of @dom's images (each disk's chain as
 * the definition declares it) or of @sn's overlays: --reuse-external
 * must not write the guest's memory over a disk. */
static bool is_an_image(const struct domain *dom, const struct snapshot_def *sn,
			const struct stat *st)
{
	struct stat o;

#define SAME(p)                                                 \
	((p) && stat((p), &o) == 0 && o.st_dev == st->st_dev && \
	 o.st_ino == st->st_ino)
	for (size_t i = 0; i < dom->def->n_disks; i++) {
		const struct domain_disk *d = &dom->def->disks[i];

		if (SAME(d->source))
			return true;
		for (size_t k = 0; k < d->n_backing; k++)
			if (SAME(d->backing[k].path))
				return true;
	}
	for (size_t i = 0; i < sn->n_disks; i++)
		if (SAME(sn->disks[i].file))
			return true;
#undef SAME
	return false;
}

/*
 * --memspec: the memory file made (as a save file: nidod's header with
 * the definition, then the driver's stream; mode 0600, no last symlink
 * followed; a file there already only with --reuse-external) and
 * handed to the driver with the overlays.
 */
static int memory_snapshot(struct daemon *dmn, struct domain *dom,
			   struct snap_call *c, const struct snapshot_def *sn,
			   unsigned flags, struct err **e)
{
	const char *path = sn->memory_file;
	_cleanup_free_ char *xml = NULL;
	struct stat st;
	int fd, r;

	if (!dom->drv->memory_snapshot)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver takes no external snapshot "
				"with the guest's memory",
				dom->drv->name);
	fd = open(path,
		  O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
			  (flags & CREATE_REUSE ? 0 : O_EXCL),
		  0600);
	if (fd < 0 && errno == EEXIST)
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"memory snapshot file '%s' already exists "
				"(--reuse-external to write over it)",
				path);
	if (fd < 0)
		return err_sys(e, errno, "memory snapshot file '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    is_an_image(dom, sn, &st) || ftruncate(fd, 0) < 0) {
		close(fd);
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"memory snapshot file '%s': not a regular "
				"file, or one of the domain's images",
				path);
	}
	c->memory_made = true;
	xml = domain_def_format(dom->def);
	if (save_header_write(fd, path, dom->drv->name, xml,
			      dom->state == DOMAIN_RUNNING ? SAVE_FILE_RUNNING
							   : 0,
			      e) < 0) {
		close(fd);
		memory_file_remove(path);
		return err_code(*e);
	}
	r = dom->drv->memory_snapshot(dmn, dom, sn, fd, flags & CREATE_LIVE,
				      snap_done, c, e);
	if (r < 0)
		memory_file_remove(path);
	return r;
}

static int driver_op(struct daemon *dmn, struct domain *dom,
		     enum snapshot_op op, struct snapshot_def *sn,
		     unsigned flags, struct json_object *result, struct err **e)
{
	struct snap_call *c = xcalloc(1, sizeof(*c));
	size_t n;
	_cleanup_free_ const char **targets = taken_targets(sn, &n);
	bool external = op == SNAPSHOT_OP_CREATE && snapshot_is_external(sn);
	struct agent *a;
	int r;

	c->dmn = dmn;
	c->dom = dom;
	c->op = op;
	c->name = xstrdup(sn->name);
	c->no_metadata = flags & CREATE_NO_METADATA;
	c->reuse = flags & CREATE_REUSE;
	if (external && !sn->memory_file && !dom->drv->disk_snapshot)
		r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			     "the %s driver takes no external snapshot of a "
			     "running domain yet",
			     dom->drv->name);
	else if (external && sn->memory_file)
		r = memory_snapshot(dmn, dom, c, sn, flags, e);
	else if (flags & CREATE_QUIESCE) /* external: m_create saw to it */
		r = (a = agent_for(dmn, dom, e))
			    ? agent_exec(a, "guest-fsfreeze-freeze", on_frozen,
					 c, e)
			    : err_prefix(e, "--quiesce");
	else if (external)
		r = dom->drv->disk_snapshot(dmn, dom, sn, snap_done, c, e);
	else if (op == SNAPSHOT_OP_DELETE && snapshot_is_external(sn))
		r = snapshot_external_delete_live(dmn, dom, sn, snap_done, c,
						  e);
	else
		r = dom->drv->snapshot(dmn, dom, op, sn->name, targets, n,
				       snap_done, c, e);
	if (r < 0) {
		free(c->name);
		free(c);
		json_object_put(result);
		return r;
	}
	if (op == SNAPSHOT_OP_CREATE)
		c->sn = sn; /* kept until done */
	return job_wait(dmn, dom, RPC_DEFERRED, result);
}

static struct snapshot_def *param_snapshot(const struct snapshot_set *set,
					   struct json_object *params,
					   struct err **e)
{
	const char *name;
	struct snapshot_def *sn;

	if (json_get_string(params, "snapshot", &name, e) < 0)
		return NULL;
	if (!(sn = snapshot_find(set, name)))
		err_setk(e, ERR_NO_DOMAIN_SNAPSHOT, ENOENT,
			 "no domain snapshot with matching name '%s'", name);
	return sn;
}

/* A copy of @xml's definition with its volumes' paths, for the images. */
static struct domain_def *def_with_paths(struct daemon *dmn, const char *xml,
					 struct err **e)
{
	struct domain_def *def = NULL;

	if (domain_def_parse_with(xml, strlen(xml), NULL, &def, NULL, e) < 0)
		return NULL;
	if (domain_disks_resolve(dmn, def, e) < 0) {
		domain_def_free(def);
		return NULL;
	}
	return def;
}

/* A shut off domain's external snapshot: the overlays made, its
 * definition switched to them. */
static int create_external(struct daemon *dmn, struct domain *dom,
			   const struct domain_def *def,
			   const struct snapshot_def *sn, bool reuse,
			   struct err **e)
{
	struct domain_def *next;

	if (snapshot_overlays_make(def, sn, reuse, e) < 0)
		return err_code(*e);
	if (!(next = domain_config_copy(dom, e)))
		goto fail;
	snapshot_def_switch(next, sn);
	if (domain_config_save(dmn, next, e) < 0)
		goto fail;
	return 0;
fail:
	if (!reuse)
		snapshot_overlays_remove(sn, sn->n_disks);
	return err_code(*e);
}

/* What a client's snapshot asks for, against the domain's state. */
static int check_new(const struct snapshot_set *set, struct snapshot_def *sn,
		     bool active, bool external, bool live, struct err **e)
{
	if (set->n >= 1024)
		return err_setk(e, ERR_OPERATION_INVALID, ENOSPC,
				"domain has 1024 snapshots already");
	if (snapshot_find(set, sn->name))
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"domain snapshot '%s' already exists",
				sn->name);
	if (sn->memory && external)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"internal memory with external disks "
				"(<memory snapshot='internal'>): give the "
				"memory a file (--memspec), or --disk-only");
	if (sn->memory_file && !active) /* libvirt's words */
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"memory state cannot be saved with offline or "
				"disk-only snapshot");
	if (live && !sn->memory_file) /* libvirt's words */
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"live snapshot creation is supported only "
				"during full system snapshots");
	if (sn->memory && !active)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"a shut off domain has no memory to snapshot "
				"(<memory snapshot='internal'>)");
	if (!sn->memory && active && !external)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"a running domain's internal snapshot holds "
				"its memory (<memory snapshot='no'> needs an "
				"external, disk-only snapshot: --disk-only)");
	return 0;
}

/* What a redefined snapshot must be: of this domain, its parent known
 * and not below it. */
static int check_redefined(const struct snapshot_set *set,
			   const struct domain *dom,
			   const struct snapshot_def *sn, struct err **e)
{
	struct domain_def *def = NULL;
	const struct snapshot_def *p;
	size_t hops = 0;
	bool same;

	if (domain_def_parse_with(sn->domain_xml, strlen(sn->domain_xml), NULL,
				  &def, NULL, e) < 0)
		return err_prefix(e, "snapshot '%s': its <domain>", sn->name);
	same = !memcmp(def->uuid, dom->def->uuid, sizeof(def->uuid));
	domain_def_free(def);
	if (!same)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"definition for snapshot '%s' must use the "
				"domain's uuid",
				sn->name);
	if (!sn->parent)
		return 0;
	if (!snapshot_find(set, sn->parent))
		return err_setk(e, ERR_INVALID_ARG, ENOENT,
				"parent '%s' for snapshot '%s' not found",
				sn->parent, sn->name);
	for (p = snapshot_find(set, sn->parent); p && hops <= set->n;
	     p = p->parent ? snapshot_find(set, p->parent) : NULL, hops++)
		if (streq(p->name, sn->name))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"parent '%s' would make snapshot '%s' "
					"its own ancestor",
					sn->parent, sn->name);
	return 0;
}

/*
 * snapshot-create --redefine: the metadata of a snapshot as
 * snapshot-dumpxml gives it, kept as it is (the images are not
 * touched), replacing one of that name; with @current it becomes the
 * current one.
 */
static int redefine(struct daemon *dmn, struct domain *dom,
		    struct snapshot_set *set, const char *xml, bool current,
		    const char *was, struct json_object **result,
		    struct err **e)
{
	struct snapshot_def *sn = NULL, *old;
	size_t i = 0;

	if (!xml)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--redefine needs the snapshot's XML");
	if (snapshot_def_parse(xml, strlen(xml), true, &sn, NULL, e) < 0)
		return err_code(*e);
	sn->current = false; /* --current says */
	if (was && !streq(was, sn->name)) {
		err_setk(e, ERR_INVALID_ARG, EINVAL,
			 "cannot change the name of snapshot '%s' to '%s' "
			 "(virsh's --rename is not supported yet)",
			 was, sn->name);
		snapshot_def_free(sn);
		return err_code(*e);
	}
	if (check_redefined(set, dom, sn, e) < 0) {
		snapshot_def_free(sn);
		return err_code(*e);
	}
	if ((old = snapshot_find(set, sn->name))) {
		while (set->v[i] != old)
			i++;
		sn->current = old->current;
	} else if (set->n >= 1024) {
		snapshot_def_free(sn);
		return err_setk(e, ERR_OPERATION_INVALID, ENOSPC,
				"domain has 1024 snapshots already");
	}
	if (snapshot_store(dmn, dom, sn, e) < 0) {
		snapshot_def_free(sn);
		return err_code(*e);
	}
	if (old) {
		set->v[i] = sn;
		snapshot_def_free(old);
	} else {
		set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
		set->v[set->n++] = sn;
	}
	if (current && snapshot_set_current(dmn, dom, set, sn, e) < 0)
		return err_code(*e);
	*result = json_object_new_object();
	json_object_object_add(*result, "name",
			       json_object_new_string(sn->name));
	return 0;
}

static int m_create(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct snapshot_set *set = NULL;
	struct domain *dom = idle_domain(dmn, params, &set, e);
	struct snapshot_def *sn = NULL, *cur;
	struct domain_def *def = NULL;
	const char *xml = NULL;
	bool active, disk_only = false, no_meta = false, reuse = false;
	bool external = false, redef = false, current = false, quiesce = false;
	bool live = false;
	const char *was = NULL;
	int r;

	if (!dom || json_get_string_opt(params, "xml", &xml, e) < 0 ||
	    json_get_bool_opt(params, "disk_only", &disk_only, e) < 0 ||
	    json_get_bool_opt(params, "no_metadata", &no_meta, e) < 0 ||
	    json_get_bool_opt(params, "reuse_external", &reuse, e) < 0 ||
	    json_get_bool_opt(params, "redefine", &redef, e) < 0 ||
	    json_get_bool_opt(params, "current", &current, e) < 0 ||
	    json_get_bool_opt(params, "quiesce", &quiesce, e) < 0 ||
	    json_get_bool_opt(params, "live", &live, e) < 0 ||
	    json_get_string_opt(params, "snapshot", &was, e) < 0)
		return err_code(*e);
	if (current && !redef)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--current needs --redefine");
	if (redef && (disk_only || no_meta || reuse || quiesce || live))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--redefine takes no --disk-only, "
				"--no-metadata, --reuse-external, --quiesce or "
				"--live");
	if (redef)
		return redefine(dmn, dom, set, xml, current, was, result, e) < 0
			       ? err_prefix(e, "domain '%s'", dom->def->name)
			       : 0;
	active = domain_is_active(dom);
	if (active && need_driver(dom, e) < 0)
		return err_code(*e);
	if (xml) {
		if (snapshot_def_parse(xml, strlen(xml), false, &sn, NULL, e) <
		    0)
			return err_code(*e);
	} else {
		sn = xcalloc(1, sizeof(*sn));
	}
	/* libvirt's: a memory file makes the disks external too */
	external = disk_only || snapshot_is_external(sn) || sn->memory_file;
	if (disk_only && sn->memory_given && sn->memory)
		r = err_setk(e, ERR_INVALID_ARG, EINVAL,
			     "--disk-only with the guest's memory "
			     "(<memory snapshot='internal'>)");
	else if (disk_only && sn->memory_file) /* libvirt's words */
		r = err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			     "memory state cannot be saved with offline or "
			     "disk-only snapshot");
	else
		r = 0;
	if (!sn->memory_given) /* libvirt's default: the memory if it runs */
		sn->memory = active && !external;
	sn->creation_time = (int64_t)time(NULL);
	if (!sn->name) /* libvirt's: the time */
		sn->name = xasprintf("%lld", (long long)sn->creation_time);
	if (r == 0 && quiesce && (!external || sn->memory_file))
		/* libvirt's rule and words */
		r = err_setk(e, ERR_INVALID_ARG, EINVAL,
			     "quiesce requires disk-only");
	else if (r == 0 && quiesce && !active)
		r = err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			     "--quiesce needs the domain running: its guest "
			     "agent freezes the file systems");
	if (r < 0 || (r = check_new(set, sn, active, external, live, e)) < 0)
		goto out;
	sn->state = external && !sn->memory_file  ? SNAPSHOT_DISK_SNAPSHOT
		    : !active			  ? SNAPSHOT_SHUTOFF
		    : dom->state == DOMAIN_PAUSED ? SNAPSHOT_PAUSED
						  : SNAPSHOT_RUNNING;
	sn->domain_xml = domain_def_format(dom->def);
	if ((cur = snapshot_current(set)))
		sn->parent = xstrdup(cur->name);
	if (active) {
		/* the live definition has its volumes' paths already */
		if (snapshot_pick_disks(dom->def, sn, external, e) < 0 ||
		    (external &&
		     snapshot_overlays_make(dom->def, sn, reuse, e) < 0)) {
			r = err_code(*e);
			goto out;
		}
		*result = json_object_new_object();
		json_object_object_add(*result, "name",
				       json_object_new_string(sn->name));
		r = driver_op(dmn, dom, SNAPSHOT_OP_CREATE, sn,
			      (no_meta ? CREATE_NO_METADATA : 0) |
				      (reuse ? CREATE_REUSE : 0) |
				      (quiesce ? CREATE_QUIESCE : 0) |
				      (live ? CREATE_LIVE : 0),
			      steal_ptr(*result), e);
		if (r == RPC_DEFERRED)
			return r;
		if (external && !reuse)
			snapshot_overlays_remove(sn, sn->n_disks);
		goto out;
	}
	if (!(def = def_with_paths(dmn, sn->domain_xml, e)) ||
	    snapshot_pick_disks(def, sn, external, e) < 0 ||
	    (external ? create_external(dmn, dom, def, sn, reuse, e)
		      : snapshot_images(def, sn, SNAPSHOT_OP_CREATE, e)) < 0) {
		r = err_code(*e);
		goto out;
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "name",
			       json_object_new_string(sn->name));
	if (no_meta)
		goto out;
	set->v = xreallocarray(set->v, set->n + 1, sizeof(*set->v));
	set->v[set->n++] = sn;
	if ((r = snapshot_set_current(dmn, dom, set, sn, e)) < 0) {
		_cleanup_err_ struct err *why = NULL;

		set->n--;
		json_object_put(steal_ptr(*result));
		if (!external &&
		    snapshot_images(def, sn, SNAPSHOT_OP_DELETE, &why) < 0)
			log_warn("%s", err_msg(why));
		goto out;
	}
	sn = NULL;
out:
	snapshot_def_free(sn);
	domain_def_free(def);
	return r < 0 ? err_prefix(e, "domain '%s'", dom->def->name) : 0;
}

static struct json_object *describe(const struct snapshot_set *set,
				    const struct snapshot_def *sn)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(sn->name));
	if (sn->parent)
		json_object_object_add(o, "parent",
				       json_object_new_string(sn->parent));
	if (sn->description)
		json_object_object_add(o, "description",
				       json_object_new_string(sn->description));
	json_object_object_add(o, "creation_time",
			       json_object_new_int64(sn->creation_time));
	json_object_object_add(
		o, "state",
		json_object_new_string(snapshot_state_name(sn->state)));
	json_object_object_add(o, "current",
			       json_object_new_boolean(sn->current));
	json_object_object_add(
		o, "memory",
		json_object_new_boolean(sn->memory || sn->memory_file));
	json_object_object_add(
		o, "location",
		json_object_new_string(snapshot_is_external(sn) ||
						       sn->memory_file
					       ? "external"
					       : "internal"));
	json_object_object_add(o, "children",
			       json_object_new_int64((int64_t)snapshot_children(
				       set, sn->name, false)));
	json_object_object_add(o, "descendants",
			       json_object_new_int64((int64_t)snapshot_children(
				       set, sn->name, true)));
	return o;
}

static int m_list(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct snapshot_set *set = dom ? snapshot_set_of(dmn, dom, e) : NULL;
	struct json_object *arr;

	if (!set)
		return err_code(*e);
	arr = json_object_new_array();
	for (size_t i = 0; i < set->n; i++)
		json_object_array_add(arr, describe(set, set->v[i]));
	*result = json_object_new_object();
	json_object_object_add(*result, "snapshots", arr);
	return 0;
}

static int m_xml(void *opaque, struct json_object *params,
		 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct snapshot_set *set = dom ? snapshot_set_of(dmn, dom, e) : NULL;
	struct snapshot_def *sn = set ? param_snapshot(set, params, e) : NULL;
	char *text;

	if (!sn)
		return err_code(*e);
	text = snapshot_def_format(sn, false);
	*result = json_object_new_object();
	json_object_object_add(*result, "xml", json_object_new_string(text));
	free(text);
	return 0;
}

/*
 * virsh snapshot-revert. A snapshot of the shut off domain, the domain
 * shut off: its disks back to it, its definition back to the one it was
 * taken with, as libvirt does; then started when asked (--running,
 * --paused). A running guest's snapshot, the domain running: QEMU loads
 * it (the guest goes on from that point).
 */
static int m_revert(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct snapshot_set *set = NULL;
	struct domain *dom = idle_domain(dmn, params, &set, e);
	struct snapshot_def *sn = dom ? param_snapshot(set, params, e) : NULL;
	struct domain_def *def = NULL, *back = NULL;
	struct object *obj = NULL;
	bool running = false, paused = false;
	int r;

	(void)result;
	if (!sn || json_get_bool_opt(params, "running", &running, e) < 0 ||
	    json_get_bool_opt(params, "paused", &paused, e) < 0)
		return err_code(*e);
	if (running && paused)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--running and --paused are exclusive");
	/* the engine restarts on the memory file: a transient domain's
	 * stop would undefine it */
	if (sn->memory_file && domain_is_active(dom) && !dom->persistent)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"reverting the transient domain '%s' to a "
				"snapshot with memory restarts it: not "
				"supported (define it, or destroy it first)",
				dom->def->name);
	if (sn->memory_file)
		return dom->drv->memory_revert
			       ? job_wait(dmn, dom,
					  dom->drv->memory_revert(dmn, dom, set,
								  sn, running,
								  paused, e),
					  NULL)
			       : err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
					  "the %s driver cannot revert to an "
					  "external snapshot with memory",
					  dom->drv->name);
	if (snapshot_is_external(sn) && domain_is_active(dom))
		return job_wait(dmn, dom,
				snapshot_external_revert_live(
					dmn, dom, sn, running, paused, e),
				NULL);
	if (snapshot_state_exists(dmn, dom, sn)) /* nido-vmm's: a restart */
		return job_wait(dmn, dom,
				snapshot_state_revert(dmn, dom, set, sn,
						      running, paused, e),
				NULL);
	if (snapshot_is_external(sn)) {
		if (snapshot_external_revert(dmn, dom, set, sn, e) < 0)
			return err_code(*e);
		goto start;
	}
	if (domain_is_active(dom)) {
		if (!sn->memory)
			return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
					"snapshot '%s' is of the shut off "
					"domain: shut it off to revert to it",
					sn->name);
		if (running || paused)
			return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
					"--running/--paused with a running "
					"domain: not supported yet (it goes "
					"on as it runs now)");
		if (need_driver(dom, e) < 0)
			return err_code(*e);
		return driver_op(dmn, dom, SNAPSHOT_OP_APPLY, sn, 0, NULL, e);
	}
	if (sn->memory)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"snapshot '%s' holds the running guest's "
				"memory: start the domain, then revert to it "
				"(reverting a shut off domain to it is not "
				"supported yet)",
				sn->name);
	if (!(def = def_with_paths(dmn, sn->domain_xml, e)))
		return err_prefix(e, "snapshot '%s'", sn->name);
	r = snapshot_images(def, sn, SNAPSHOT_OP_APPLY, e);
	domain_def_free(def);
	if (r < 0)
		return err_prefix(e, "snapshot '%s'", sn->name);
	if (dom->persistent) {
		_cleanup_err_ struct err *why = NULL;

		if (domain_def_parse_with(sn->domain_xml,
					  strlen(sn->domain_xml), NULL, &back,
					  NULL, &why) < 0 ||
		    object_define(&dmn->domains.l, &dmn->store, back, &obj,
				  &why) < 0)
			log_warn("snapshot '%s': the definition stays: %s",
				 sn->name, err_msg(why));
	}
	if ((r = snapshot_set_current(dmn, dom, set, sn, e)) < 0)
		return r;
start:
	if (!running && !paused)
		return 0;
	return job_wait(dmn, dom,
			daemon_domain_start(
				dmn, dom, paused ? DRIVER_START_PAUSED : 0, e),
			NULL);
}

/* Deletes @sn's snapshots in its images. */
static int delete_images(struct daemon *dmn, const struct snapshot_def *sn,
			 struct err **e)
{
	struct domain_def *def = def_with_paths(dmn, sn->domain_xml, e);
	int r;

	if (!def)
		return err_prefix(e, "snapshot '%s'", sn->name);
	r = snapshot_images(def, sn, SNAPSHOT_OP_DELETE, e);
	domain_def_free(def);
	return r < 0 ? err_prefix(e, "snapshot '%s'", sn->name) : 0;
}

/* Deletes every descendant of @name, the deepest first. */
static int delete_below(struct daemon *dmn, struct domain *dom,
			struct snapshot_set *set, const char *name,
			bool metadata, struct err **e)
{
	for (size_t i = 0; i < set->n;) {
		struct snapshot_def *c = set->v[i];

		if (!c->parent || !streq(c->parent, name)) {
			i++;
			continue;
		}
		if (delete_below(dmn, dom, set, c->name, metadata, e) < 0 ||
		    (!metadata && delete_images(dmn, c, e) < 0) ||
		    snapshot_unstore(dmn, dom, set, c, e) < 0)
			return err_code(*e);
		i = 0; /* the set changed */
	}
	return 0;
}

/* @name's metadata gone: its children go to its parent, and so does
 * "current", as libvirt. */
static int forget(struct daemon *dmn, struct domain *dom,
		  struct snapshot_set *set, const char *name, struct err **e)
{
	struct snapshot_def *sn = snapshot_find(set, name);
	_cleanup_free_ char *parent = NULL;
	bool was_current;

	if (!sn)
		return 0;
	parent = sn->parent ? xstrdup(sn->parent) : NULL;
	was_current = sn->current;
	if (snapshot_unstore(dmn, dom, set, sn, e) < 0)
		return err_code(*e);
	for (size_t i = 0; i < set->n; i++) {
		struct snapshot_def *c = set->v[i];
		_cleanup_err_ struct err *why = NULL;

		if (!c->parent || !streq(c->parent, name))
			continue;
		free(c->parent);
		c->parent = parent ? xstrdup(parent) : NULL;
		if (snapshot_store(dmn, dom, c, &why) < 0)
			log_warn("%s", err_msg(why));
	}
	if (was_current && parent && (sn = snapshot_find(set, parent)))
		return snapshot_set_current(dmn, dom, set, sn, e);
	return 0;
}

/* Whether @sn, or with @below any of its descendants, is external. */
static bool has_external(const struct snapshot_set *set,
			 const struct snapshot_def *sn, bool below)
{
	if (snapshot_is_external(sn))
		return true;
	for (size_t i = 0; below && i < set->n; i++)
		if (set->v[i]->parent && streq(set->v[i]->parent, sn->name) &&
		    has_external(set, set->v[i], true))
			return true;
	return false;
}

static int m_delete(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct snapshot_set *set = NULL;
	struct domain *dom = idle_domain(dmn, params, &set, e);
	struct snapshot_def *sn = dom ? param_snapshot(set, params, e) : NULL;
	bool children = false, only = false, metadata = false, live;
	_cleanup_free_ char *name = NULL;

	(void)result;
	if (!sn || json_get_bool_opt(params, "children", &children, e) < 0 ||
	    json_get_bool_opt(params, "children_only", &only, e) < 0 ||
	    json_get_bool_opt(params, "metadata", &metadata, e) < 0)
		return err_code(*e);
	/* a clone may be reading the images at a snapshot (clone
	 * --snapshot): none goes while it copies */
	if (dom->cloning)
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain '%s' is being cloned: its snapshots "
				"stay until the clone is made",
				dom->def->name);
	if (!metadata && (children || only) && has_external(set, sn, true))
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"snapshot '%s' or a child is external: "
				"--children and --children-only with external "
				"snapshots are not supported yet (delete them "
				"one by one, the deepest first)",
				sn->name);
	live = domain_is_active(dom) && !metadata;
	name = xstrdup(sn->name);
	if (!metadata && snapshot_is_external(sn) && !live) {
		if (snapshot_external_delete(dmn, dom, set, sn, e) < 0)
			return err_code(*e);
		memory_file_discard(dmn, dom, sn);
		return forget(dmn, dom, set, name, e);
	}
	if (live && (children || only))
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"--children and --children-only with a "
				"running domain: not supported yet");
	if (live) {
		if (need_driver(dom, e) < 0)
			return err_code(*e);
		return driver_op(dmn, dom, SNAPSHOT_OP_DELETE, sn, 0, NULL, e);
	}
	if ((children || only) &&
	    delete_below(dmn, dom, set, name, metadata, e) < 0)
		return err_code(*e);
	if (only)
		return 0;
	sn = snapshot_find(set, name);
	if (!metadata && delete_images(dmn, sn, e) < 0)
		return err_code(*e);
	return forget(dmn, dom, set, name, e);
}

const struct rpc_method snapshot_methods[] = {
	{"snapshot.create", m_create},
	{"snapshot.list", m_list, RPC_READ_ONLY},
	{"snapshot.xml", m_xml, RPC_READ_ONLY},
	{"snapshot.revert", m_revert},
	{"snapshot.delete", m_delete},
};
const size_t snapshot_n_methods = ARRAY_SIZE(snapshot_methods);
