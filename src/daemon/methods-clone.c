// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virt-clone's job, done by nidod (docs/snapshots.md, "Clones"):
 *
 *   "domain.clone" {"original": NAME|UUID, "name": NEW, "auto_clone":
 *   bool, "files": [PATH, ...], "linked": bool, "preserve_data": bool,
 *   "skip_copy": [TARGET, ...], "macs": [MAC, ...], "uuid": UUID,
 *   "snapshot": SNAP}
 *
 * A new persistent domain with the original's definition, its own name,
 * UUID and MAC addresses, and a new image for each disk the guest
 * writes: a copy (holes kept, the chain flattened) or, linked, a qcow2
 * overlay whose backing file is the original's image. Read-only and
 * shareable disks and cdroms are shared, as virt-clone shares them. The
 * copies run on a thread of their own (they may take long); meanwhile
 * the original cannot start nor be undefined. The new domain is defined
 * once every image is made; on any failure the images made are removed
 * and nothing is defined.
 *
 * From a snapshot (Proxmox's qm clone --snapname): the definition the
 * snapshot keeps, and each copied disk's content as the snapshot took
 * it: a qcow2 image read at its internal snapshot, or for an external
 * one the image the snapshot names (under its overlay now). Neither
 * changes while the guest runs, so the original may run meanwhile.
 *
 * The paths come from a client allowed to define domains, which may
 * name any file already; new images are created without following a
 * last symlink and never over an existing file.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "block/block.h"
#include "block/image.h"
#include "daemon/daemon.h"
#include "daemon/domain-disks.h"
#include "daemon/events.h"
#include "daemon/object.h"
#include "daemon/rpc.h"
#include "daemon/snapshot.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/thread.h"
#include "lib/util.h"
#include "net/addr.h"
#include "storage/storage.h"

#define CLONE_MAX_DISKS 64

/* One image to make: @dst from @src. */
struct clone_disk {
	char *src, *dst;
	const char *format; /* @src's, as the definition says */
	bool linked;	    /* an overlay over @src */
	bool shared;	    /* @src may be in use: read as -U reads */
	char *snap;	    /* the internal snapshot of @src to read */
};

struct clone_job {
	struct clone_job *next; /* the loop's list */
	struct daemon *dmn;
	pthread_t thread;
	struct rpc_call *call;
	char *original;		/* its name, to let it start again */
	char *snapshot;		/* --snapshot's name, or NULL */
	int64_t snap_time;	/* its creation time */
	struct domain_def *def; /* the new domain's, defined at the end */
	struct clone_disk disks[CLONE_MAX_DISKS];
	size_t n_disks, made; /* made: images created so far */
	char *nvram_src, *nvram_dst;
	bool nvram_made;
	int r;
	struct err *e;
	atomic_bool finished;
};

struct clone_jobs {
	struct clone_job *list;
	struct loop_source *wake;
};

static void job_free(struct clone_job *j)
{
	for (size_t i = 0; i < j->n_disks; i++) {
		free(j->disks[i].src);
		free(j->disks[i].dst);
		free(j->disks[i].snap);
	}
	free(j->original);
	free(j->snapshot);
	free(j->nvram_src);
	free(j->nvram_dst);
	domain_def_free(j->def);
	err_free(j->e);
	free(j);
}

/* Makes one image, as a pool's volume is made (storage.h). */
static int make_image(const struct clone_disk *d, struct err **e)
{
	_cleanup_free_ char *dir_buf = xstrdup(d->dst);
	_cleanup_free_ char *base_buf = xstrdup(d->dst);
	_cleanup_block_ struct block *src = NULL;
	struct storage_vol_new nv = {
		.name = basename(base_buf),
		.format = d->format,
		.mode = -1,
		.owner = -1,
		.group = -1,
	};
	const char *dir = dirname(dir_buf);

	if (d->shared) {
		if (block_open(d->src, d->format, BLOCK_OPEN_SHARE_RW, &src,
			       e) < 0)
			return err_code(*e);
		if (d->snap && img_snapshot_load(src, NULL, d->snap, e) < 0)
			return err_prefix(e, "internal snapshot '%s'", d->snap);
		return storage_vol_clone_block(dir, src, &nv, NULL, e);
	}
	if (!d->linked)
		return storage_vol_clone_from(dir, d->src, d->format, &nv, e);
	if (block_open(d->src, d->format, BLOCK_OPEN_NO_BACKING, &src, e) < 0)
		return err_code(*e);
	nv.format = "qcow2";
	nv.backing = d->src;
	nv.backing_format = d->format;
	nv.capacity = block_size(src);
	return storage_vol_create(dir, &nv, e);
}

/* A plain copy of the NVRAM file (a few MiB at most). */
static int copy_nvram(const char *src, const char *dst, struct err **e)
{
	_cleanup_free_ char *data = NULL;
	size_t len;

	if (file_read_all(src, 64u << 20, &data, &len, e) < 0)
		return err_prefix(e, "NVRAM '%s'", src);
	if (access(dst, F_OK) == 0)
		return err_set(e, EEXIST, "NVRAM '%s' exists already", dst);
	return file_write_atomic(dst, data, len, 0600, e);
}

static void *job_run(void *arg)
{
	struct clone_job *j = arg;

	j->r = 0;
	while (j->r == 0 && j->made < j->n_disks) {
		const struct clone_disk *d = &j->disks[j->made];

		j->r = make_image(d, &j->e);
		if (j->r < 0)
			err_prefix(&j->e, "%s '%s' from '%s'",
				   d->linked ? "linking" : "copying", d->dst,
				   d->src);
		else
			j->made++;
	}
	if (j->r == 0 && j->nvram_src && access(j->nvram_src, F_OK) == 0) {
		j->r = copy_nvram(j->nvram_src, j->nvram_dst, &j->e);
		j->nvram_made = j->r == 0;
	}
	atomic_store(&j->finished, true);
	loop_wake(j->dmn->loop);
	return NULL;
}

/* Removes what a failed job made (a failed image, its maker). */
static void undo(struct clone_job *j)
{
	for (size_t i = 0; i < j->made; i++)
		unlink(j->disks[i].dst);
	if (j->nvram_made)
		unlink(j->nvram_dst);
}

static void release_original(struct daemon *dmn, const char *name)
{
	struct domain *o = domain_list_find_name(&dmn->domains, name);

	if (o && o->cloning)
		o->cloning--;
}

/* Whether --snapshot is still there: deleted meanwhile, what was read of
 * its images may have been reused. 0 or -errno. */
static int snapshot_kept(struct daemon *dmn, struct clone_job *j)
{
	struct domain *o = domain_list_find_name(&dmn->domains, j->original);
	struct snapshot_set *set = o ? snapshot_set_of(dmn, o, NULL) : NULL;
	const struct snapshot_def *sn =
		set ? snapshot_find(set, j->snapshot) : NULL;

	if (sn && sn->creation_time == j->snap_time)
		return 0;
	return err_setk(&j->e, ERR_OPERATION_INVALID, ENOENT,
			"snapshot '%s' was deleted while the clone's images "
			"were copied from it",
			j->snapshot);
}

/* On the loop: the images are made; the new domain is defined. */
static void job_collect(struct daemon *dmn, struct clone_job *j)
{
	struct object *obj = NULL;
	struct json_object *result = NULL;
	int r = j->r;

	pthread_join(j->thread, NULL);
	release_original(dmn, j->original);
	if (r == 0 && j->snapshot)
		r = snapshot_kept(dmn, j);
	if (r == 0 && domain_list_find_name(&dmn->domains, j->def->name))
		r = err_setk(&j->e, ERR_OPERATION_INVALID, EEXIST,
			     "domain '%s' was defined meanwhile", j->def->name);
	if (r == 0) {
		struct domain_def *def = steal_ptr(j->def);

		r = object_define(&dmn->domains.l, &dmn->store, def, &obj,
				  &j->e);
	}
	if (r < 0) {
		undo(j);
		rpc_call_done(j->call, r, NULL, j->e);
		return;
	}
	events_lifecycle(dmn, domain_of(obj), "defined", "added");
	result = json_object_new_object();
	json_object_object_add(
		result, "name",
		json_object_new_string(domain_of(obj)->def->name));
	log_info("domain '%s' cloned from '%s'", domain_of(obj)->def->name,
		 j->original);
	rpc_call_done(j->call, 0, result, NULL);
}

static void on_wake(struct loop *l, void *opaque)
{
	struct daemon *dmn = opaque;
	struct clone_job **pp = &dmn->clone_jobs->list;

	(void)l;
	while (*pp) {
		struct clone_job *j = *pp;

		if (!atomic_load(&j->finished)) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		job_collect(dmn, j);
		job_free(j);
	}
}

void clone_jobs_release(struct daemon *dmn)
{
	struct clone_jobs *cj = dmn->clone_jobs;

	if (!cj)
		return;
	while (cj->list) {
		struct clone_job *j = cj->list;

		cj->list = j->next;
		pthread_join(j->thread, NULL); /* a copy runs to its end */
		undo(j);
		rpc_call_done(j->call, -ECANCELED, NULL, NULL);
		job_free(j);
	}
	loop_source_del(dmn->loop, cj->wake);
	free(cj);
	dmn->clone_jobs = NULL;
}

/* The clone's options, as the call gives them. */
struct clone_req {
	const char *name;
	bool auto_clone, linked, preserve;
	struct json_object *files, *skip, *macs; /* arrays or NULL */
	const char *uuid;
	const char *snapshot; /* --snapshot */
	size_t next_file;
	const struct snapshot_def *sn; /* its definition, on the loop */
};

/* Element @i of the string array @a, or NULL. */
static const char *array_str(struct json_object *a, size_t i)
{
	struct json_object *v;

	if (!a || i >= json_object_array_length(a))
		return NULL;
	v = json_object_array_get_idx(a, i);
	return json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int get_array(struct json_object *p, const char *key,
		     struct json_object **out, struct err **e)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(p, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"\"%s\": a list of strings", key);
	for (size_t i = 0; i < json_object_array_length(v); i++)
		if (!array_str(v, i))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"\"%s\": a list of strings", key);
	*out = v;
	return 0;
}

static int parse_req(struct json_object *p, struct clone_req *q, struct err **e)
{
	memset(q, 0, sizeof(*q));
	if (json_get_string_opt(p, "name", &q->name, e) < 0 ||
	    json_get_string_opt(p, "uuid", &q->uuid, e) < 0 ||
	    json_get_string_opt(p, "snapshot", &q->snapshot, e) < 0 ||
	    json_get_bool_opt(p, "auto_clone", &q->auto_clone, e) < 0 ||
	    json_get_bool_opt(p, "linked", &q->linked, e) < 0 ||
	    json_get_bool_opt(p, "preserve_data", &q->preserve, e) < 0 ||
	    get_array(p, "files", &q->files, e) < 0 ||
	    get_array(p, "skip_copy", &q->skip, e) < 0 ||
	    get_array(p, "macs", &q->macs, e) < 0)
		return -EINVAL;
	if (q->linked && q->preserve)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--linked and --preserve-data: give one");
	if (q->linked && q->snapshot)
		return err_setk(e, ERR_ARGUMENT_UNSUPPORTED, EINVAL,
				"--linked and --snapshot: an overlay would "
				"see the image as it is now, not as the "
				"snapshot took it");
	return 0;
}

/* "ORIG-clone", then "ORIG-clone-1", ...: the first name no domain has. */
static char *auto_name(struct daemon *dmn, const char *orig)
{
	char *name = xasprintf("%s-clone", orig);

	for (unsigned i = 1; domain_list_find_name(&dmn->domains, name); i++) {
		free(name);
		name = xasprintf("%s-clone-%u", orig, i);
	}
	return name;
}

/*
 * A new image's path beside @src: the original's name in the file's
 * name becomes the new one's ("web.qcow2" of "web" → "web2.qcow2"),
 * else "-clone" goes before the extension; then "-1", "-2", ... until
 * no file has the name (as virt-clone --auto-clone).
 */
static char *auto_path(const char *src, const char *orig, const char *name)
{
	const char *slash = strrchr(src, '/');
	const char *base = slash ? slash + 1 : src;
	const char *dot = strrchr(base, '.');
	const char *hit = strstr(base, orig);
	size_t dirlen = (size_t)(base - src);
	_cleanup_free_ char *stem = NULL;
	char *path = NULL;

	if (!dot || dot == base)
		dot = base + strlen(base);
	if (hit && hit + strlen(orig) <= dot)
		stem = xasprintf("%.*s%s%.*s", (int)(hit - base), base, name,
				 (int)(dot - hit - strlen(orig)),
				 hit + strlen(orig));
	else
		stem = xasprintf("%.*s-clone", (int)(dot - base), base);
	path = xasprintf("%.*s%s%s", (int)dirlen, src, stem, dot);
	for (unsigned i = 1; access(path, F_OK) == 0; i++) {
		free(path);
		path = xasprintf("%.*s%s-%u%s", (int)dirlen, src, stem, i, dot);
	}
	return path;
}

static bool skipped(const struct clone_req *q, const char *target)
{
	for (size_t i = 0; array_str(q->skip, i); i++)
		if (streq(array_str(q->skip, i), target))
			return true;
	return false;
}

/*
 * The <backingStore> of a new image: none for a copy (its chain is
 * flattened); for an overlay, the original image (@d->source still) in
 * front of the chain the original declared, so that a VM may open it
 * from wherever the overlay lies (docs/security.md, "Images", rule 3).
 */
static void declare_backing(struct domain_disk *d, bool overlay)
{
	struct disk_backing *b;

	if (!overlay || d->n_backing + 1 > DOMAIN_MAX_BACKING) {
		for (size_t i = 0; i < d->n_backing; i++) {
			free(d->backing[i].path);
			free(d->backing[i].format);
		}
		free(steal_ptr(d->backing));
		d->n_backing = 0;
		d->backing_end = false;
		return;
	}
	b = xcalloc(d->n_backing + 1, sizeof(*b));
	if (d->n_backing)
		memcpy(b + 1, d->backing, d->n_backing * sizeof(*b));
	b[0].path = xstrdup(d->source);
	b[0].format = xstrdup(disk_format_name(d->format));
	free(d->backing);
	d->backing = b;
	d->n_backing++;
}

/* Whether the image of @d has the internal snapshot @name. */
static int has_internal(const struct domain_disk *d, const char *name,
			struct err **e)
{
	_cleanup_block_ struct block *b = NULL;
	struct img_snapshot *l = NULL;
	int n = 0, r;
	bool found = false;

	r = block_open(d->source, disk_format_name(d->format),
		       BLOCK_OPEN_SHARE_RW | BLOCK_OPEN_NO_BACKING, &b, e);
	if (r == 0)
		r = img_snapshot_list(b, &l, &n, e);
	if (r < 0)
		return err_prefix(e, "disk '%s'", d->target);
	for (int i = 0; i < n; i++)
		found |= streq(l[i].name, name);
	img_snapshots_free(l, n);
	if (!found)
		return err_setk(e, ERR_OPERATION_INVALID, ENOENT,
				"disk '%s': image '%s' has no internal "
				"snapshot '%s'",
				d->target, d->source, name);
	return 0;
}

/*
 * What the new image of disk @d is read from with --snapshot @sn: the
 * image at its internal snapshot, or (external) the image the
 * snapshot's definition names, which is @d's source already. A disk
 * the snapshot did not take is refused: it changes still.
 */
static int snap_source(const struct snapshot_def *sn,
		       const struct domain_disk *d, struct clone_disk *c,
		       struct err **e)
{
	const struct snapshot_disk *sd = NULL;

	for (size_t i = 0; i < sn->n_disks && !sd; i++)
		if (streq(sn->disks[i].name, d->target))
			sd = &sn->disks[i];
	if (!sd || sd->kind == SNAPSHOT_DISK_NO)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"disk '%s' is not in snapshot '%s': give "
				"--skip-copy %s to share it",
				d->target, sn->name, d->target);
	c->shared = true;
	if (sd->kind == SNAPSHOT_DISK_EXTERNAL)
		return 0;
	if (has_internal(d, sn->name, e) < 0)
		return -EINVAL;
	c->snap = xstrdup(sn->name);
	return 0;
}

/* Disk @i of the new definition: shared, or a new image to make. */
static int plan_disk(struct clone_job *j, struct clone_req *q, const char *orig,
		     size_t i, struct err **e)
{
	struct domain_disk *d = &j->def->disks[i];
	const char *file;
	struct clone_disk *c;

	if (d->device != DISK_DEVICE_DISK || d->readonly || d->shareable ||
	    skipped(q, d->target)) {
		if (d->pool) { /* shared: a volume again, not its path */
			free(steal_ptr(d->source));
			d->block = false;
		}
		return 0;
	}
	file = array_str(q->files, q->next_file);
	if (file)
		q->next_file++;
	if (!file && !q->auto_clone)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"disk '%s' needs a new image: give a --file "
				"for it, or --auto-clone",
				d->target);
	if (file && file[0] != '/')
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--file '%s': an absolute path", file);
	if (d->block && !q->preserve)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"disk '%s' is the block device '%s': copy it "
				"yourself and give --preserve-data --file",
				d->target, d->source);
	if (!q->preserve && file && access(file, F_OK) == 0)
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"--file '%s' exists already (--preserve-data "
				"uses it as it is)",
				file);
	if (q->preserve && !file)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--preserve-data needs a --file for disk '%s'",
				d->target);
	if (!q->preserve) {
		if (j->n_disks == CLONE_MAX_DISKS)
			return err_set(e, E2BIG, "too many disks");
		c = &j->disks[j->n_disks++];
		c->src = xstrdup(d->source);
		c->dst = file ? xstrdup(file)
			      : auto_path(d->source, orig, j->def->name);
		c->linked = q->linked;
		c->format = disk_format_name(d->format);
		if (q->sn && snap_source(q->sn, d, c, e) < 0)
			return -EINVAL;
		file = c->dst;
	}
	declare_backing(d, !q->preserve && q->linked);
	free(d->source);
	d->source = xstrdup(file);
	free(steal_ptr(d->pool));
	free(steal_ptr(d->volume));
	d->block = false;
	if (!q->preserve && q->linked)
		d->format = DISK_FORMAT_QCOW2;
	return 0;
}

/* The new definition: the original's, renamed, with a UUID and MACs of
 * its own and its NVRAM (when the definition names one) beside. */
static int new_def(struct daemon *dmn, const struct domain *orig,
		   const struct clone_req *q, const char *name,
		   struct clone_job *j, struct err **e)
{
	_cleanup_free_ char *xml = q->sn ? xstrdup(q->sn->domain_xml)
					 : domain_def_format(orig->def);
	struct domain_def *d;

	if (domain_def_parse(xml, strlen(xml), &j->def, NULL, e) < 0)
		return q->sn ? err_prefix(e, "snapshot '%s': its <domain>",
					  q->sn->name)
			     : err_prefix(e, "the original's definition");
	d = j->def;
	free(d->name);
	d->name = xstrdup(name);
	d->uuid_generated = false;
	if (q->uuid && uuid_parse(q->uuid, d->uuid) < 0)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--uuid '%s' is not a UUID", q->uuid);
	if (!q->uuid)
		uuid_generate_random(d->uuid);
	if (domain_list_find_uuid(&dmn->domains, d->uuid))
		return err_setk(e, ERR_OPERATION_INVALID, EEXIST,
				"a domain with UUID '%s' exists already",
				q->uuid);
	for (size_t i = 0; i < d->n_nets; i++) {
		const char *mac = array_str(q->macs, i);

		if (!mac || streq(mac, "RANDOM"))
			net_mac_random(d->nets[i].mac);
		else if (net_mac_parse(mac, "--mac", d->nets[i].mac, e) < 0)
			return -EINVAL;
	}
	if (d->fw.nvram) {
		_cleanup_free_ char *dir = xstrdup(d->fw.nvram);

		j->nvram_src = steal_ptr(d->fw.nvram);
		d->fw.nvram = xasprintf("%s/%s_VARS.fd", dirname(dir), name);
		j->nvram_dst = xstrdup(d->fw.nvram);
	}
	return 0;
}

/* The name the clone gets, checked: given, or (--auto-clone) made. */
static char *clone_name(struct daemon *dmn, const struct domain *orig,
			const struct clone_req *q, struct err **e)
{
	char *name;

	if (!q->name && !q->auto_clone) {
		err_setk(e, ERR_INVALID_ARG, EINVAL,
			 "a name for the clone is needed: --name NAME, or "
			 "--auto-clone");
		return NULL;
	}
	name = q->name ? xstrdup(q->name) : auto_name(dmn, orig->def->name);
	if (domain_name_check(name, e) < 0) {
		free(name);
		return NULL;
	}
	if (domain_list_find_name(&dmn->domains, name)) {
		err_setk(e, ERR_OPERATION_INVALID, EEXIST,
			 "domain '%s' already exists", name);
		free(name);
		return NULL;
	}
	return name;
}

/* Everything the job will do, decided and checked on the loop. */
static struct clone_job *plan(struct daemon *dmn, struct domain *orig,
			      struct clone_req *q, struct err **e)
{
	struct clone_job *j = xcalloc(1, sizeof(*j));
	_cleanup_free_ char *name = clone_name(dmn, orig, q, e);
	int r = name ? new_def(dmn, orig, q, name, j, e) : -EINVAL;

	j->original = xstrdup(orig->def->name);
	if (q->sn) {
		j->snapshot = xstrdup(q->sn->name);
		j->snap_time = q->sn->creation_time;
	}
	if (r == 0)
		r = domain_disks_resolve(dmn, j->def, e);
	for (size_t i = 0; r == 0 && i < j->def->n_disks; i++)
		r = plan_disk(j, q, orig->def->name, i, e);
	if (r == 0 && array_str(q->files, q->next_file))
		r = err_setk(e, ERR_INVALID_ARG, EINVAL,
			     "--file '%s': no disk left to clone into it",
			     array_str(q->files, q->next_file));
	if (r < 0) {
		job_free(j);
		return NULL;
	}
	return j;
}

static int start_job(struct daemon *dmn, struct clone_job *j, struct err **e)
{
	struct clone_jobs *cj = dmn->clone_jobs;
	int r;

	if (!cj) {
		cj = dmn->clone_jobs = xcalloc(1, sizeof(*cj));
		cj->wake = loop_wake_add(dmn->loop, on_wake, dmn, e);
		if (!cj->wake) {
			free(steal_ptr(dmn->clone_jobs));
			return err_code(*e);
		}
	}
	j->dmn = dmn;
	r = thread_start(&j->thread, "nidod-clone", job_run, j);
	if (r < 0)
		return err_sys(e, -r, "starting the clone's copy");
	j->call = rpc_server_defer(dmn->rpc);
	j->next = cj->list;
	cj->list = j;
	return RPC_DEFERRED;
}

/* --snapshot: its definition, into q->sn (borrowed from the set). */
static int find_snapshot(struct daemon *dmn, struct domain *orig,
			 struct clone_req *q, struct err **e)
{
	struct snapshot_set *set = snapshot_set_of(dmn, orig, e);

	if (!set)
		return err_code(*e);
	q->sn = snapshot_find(set, q->snapshot);
	if (!q->sn)
		return err_setk(e, ERR_NO_DOMAIN_SNAPSHOT, ENOENT,
				"no domain snapshot with matching name '%s'",
				q->snapshot);
	if (!q->sn->domain_xml)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"snapshot '%s' keeps no domain definition",
				q->sn->name);
	return 0;
}

static int m_clone(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	_cleanup_json_ struct json_object *p = json_object_new_object();
	struct domain *orig;
	struct clone_job *j;
	struct clone_req q;
	const char *name;
	int r;

	(void)result;
	if (json_get_string(params, "original", &name, e) < 0 ||
	    parse_req(params, &q, e) < 0)
		return -EINVAL;
	json_object_object_add(p, "domain", json_object_new_string(name));
	if (!(orig = param_domain(dmn, p, e)))
		return err_code(*e);
	if (q.snapshot && find_snapshot(dmn, orig, &q, e) < 0)
		return err_code(*e);
	if (!q.snapshot && domain_is_active(orig))
		return err_setk(e, ERR_OPERATION_INVALID, EBUSY,
				"domain '%s' must be shut off to be cloned",
				orig->def->name);
	if (!(j = plan(dmn, orig, &q, e)))
		return err_code(*e);
	r = start_job(dmn, j, e);
	if (r < 0) {
		job_free(j);
		return r;
	}
	orig->cloning++;
	log_info("domain '%s': cloning as '%s'%s%s (%zu images to make)",
		 orig->def->name, j->def->name, q.sn ? " from snapshot " : "",
		 q.sn ? q.sn->name : "", j->n_disks);
	return r;
}

const struct rpc_method clone_methods[] = {
	{"domain.clone", m_clone},
};

const size_t clone_n_methods = ARRAY_SIZE(clone_methods);
