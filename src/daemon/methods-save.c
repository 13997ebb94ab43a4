// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh save, restore, managedsave and managedsave-remove (docs/api.md):
 * nidod opens the save file, writes or checks its header (save-file.h),
 * and hands the rest to the domain's driver. The file a client names is
 * opened by nidod (root in system mode) without following a last
 * symlink, created mode 0600: the state holds the guest's memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/driver.h"
#include "daemon/rpc.h"
#include "daemon/save-file.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/util.h"

/* The start flags "paused"/"running" ask for; @def_paused otherwise. */
static int param_paused(struct json_object *p, bool def_paused, bool *paused,
			struct err **e)
{
	bool want_paused = false, want_running = false;

	if (json_get_bool_opt(p, "paused", &want_paused, e) < 0 ||
	    json_get_bool_opt(p, "running", &want_running, e) < 0)
		return -EINVAL;
	if (want_paused && want_running)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"--running and --paused are exclusive");
	*paused = want_paused || (def_paused && !want_running);
	return 0;
}

/* Writes @dom's save file at @path and has the driver fill it. */
static int save_to(struct daemon *dmn, struct domain *dom, const char *path,
		   struct json_object *params, struct err **e)
{
	_cleanup_free_ char *xml = NULL;
	_cleanup_close_ int fd = -1;
	bool paused;
	int r;

	if (!dom->drv->save)
		return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
				"the %s driver cannot save a domain yet",
				dom->drv->name);
	if (param_paused(params, dom->state == DOMAIN_PAUSED, &paused, e) < 0)
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return err_sys(e, errno, "save file '%s'", path);
	xml = domain_def_format(dom->def);
	if (save_header_write(fd, path, dom->drv->name, xml,
			      paused ? 0 : SAVE_FILE_RUNNING, e) < 0) {
		unlink(path);
		return err_code(*e);
	}
	r = dom->drv->save(dmn, dom, steal_fd(fd), e);
	if (r < 0)
		unlink(path);
	return job_wait(dmn, dom, r, NULL);
}

static int m_save(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = active_domain(dmn, params, e);
	const char *file;

	(void)result;
	if (!dom || json_get_string(params, "file", &file, e) < 0)
		return err_code(*e);
	return save_to(dmn, dom, file, params, e);
}

static int m_managedsave(void *opaque, struct json_object *params,
			 struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = active_domain(dmn, params, e);
	_cleanup_free_ char *path = NULL, *dir = NULL;

	(void)result;
	if (!dom)
		return err_code(*e);
	if (!dom->persistent)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"cannot do managed save for transient "
				"domain");
	dir = xasprintf("%s/save", dmn->store.state_dir);
	if (file_mkdir_p(dir, 0700, e) < 0)
		return err_code(*e);
	path = daemon_managed_save_path(dmn, dom->def->name);
	return save_to(dmn, dom, path, params, e);
}

static int m_managedsave_remove(void *opaque, struct json_object *params,
				struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	_cleanup_free_ char *path = NULL;
	bool had;

	if (!dom || need_idle(dom, e) < 0)
		return err_code(*e);
	path = daemon_managed_save_path(dmn, dom->def->name);
	had = unlink(path) == 0;
	if (!had && errno != ENOENT)
		return err_sys(e, errno, "managed save '%s'", path);
	*result = json_object_new_object();
	json_object_object_add(*result, "removed",
			       json_object_new_boolean(had));
	return 0;
}

/* The domain a restored definition goes to: the one of that name (not
 * running), or a new transient one. */
static struct domain *restore_target(struct daemon *dmn,
				     const struct domain_def *def, bool *added,
				     struct err **e)
{
	struct object *obj = NULL;
	struct domain *dom;

	*added = false;
	if (object_check_conflicts(&dmn->domains.l, (void *)def, &obj, e) < 0)
		return NULL;
	if (obj) {
		dom = domain_of(obj);
		if (need_idle(dom, e) < 0)
			return NULL;
		return dom;
	}
	*added = true;
	return NULL;
}

static int m_restore(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	_cleanup_close_ int fd = -1;
	struct save_header h = {0};
	struct domain_def *def = NULL;
	struct domain *dom;
	const char *file;
	bool paused, added;
	int r;

	(void)result;
	if (json_get_string(params, "file", &file, e) < 0)
		return -EINVAL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "save file '%s'", file);
	if (save_header_read(fd, file, &h, e) < 0)
		return err_code(*e);
	r = param_paused(params, !(h.flags & SAVE_FILE_RUNNING), &paused, e);
	if (r == 0 && domain_def_parse(h.xml, h.xml_len, &def, NULL, e) < 0)
		r = err_prefix(e, "save file '%s'", file);
	save_header_clear(&h);
	if (r < 0)
		return r;
	dom = restore_target(dmn, def, &added, e);
	if (!dom && !added) {
		domain_def_free(def);
		return err_code(*e);
	}
	if (added) {
		dom = domain_new(def);
		domain_list_add(&dmn->domains, dom);
	}
	r = daemon_domain_restore(dmn, dom, def, steal_fd(fd),
				  paused ? DRIVER_START_PAUSED : 0, false, e);
	if (r < 0 && added) {
		domain_list_remove(&dmn->domains, dom);
		domain_free(dom);
		return r;
	}
	return job_wait(dmn, dom, r, NULL);
}

/* virsh save-image-dumpxml: the definition a save file holds. */
static int m_save_image_xml(void *opaque, struct json_object *params,
			    struct json_object **result, struct err **e)
{
	_cleanup_close_ int fd = -1;
	struct save_header h = {0};
	const char *file;

	(void)opaque;
	if (json_get_string(params, "file", &file, e) < 0)
		return -EINVAL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "save file '%s'", file);
	if (save_header_read(fd, file, &h, e) < 0)
		return err_code(*e);
	*result = json_object_new_object();
	json_object_object_add(*result, "xml", json_object_new_string(h.xml));
	json_object_object_add(*result, "driver",
			       json_object_new_string(h.driver));
	json_object_object_add(
		*result, "running",
		json_object_new_boolean(h.flags & SAVE_FILE_RUNNING));
	save_header_clear(&h);
	return 0;
}

struct jobinfo_call {
	struct rpc_call *call;
	struct json_object *out;
};

static void jobinfo_done(void *opaque)
{
	struct jobinfo_call *c = opaque;

	rpc_call_done(c->call, 0, c->out, NULL);
	free(c);
}

/*
 * virsh domjobinfo: the job in progress (the driver's figures), or with
 * "completed" the last one's, kept on the domain.
 */
static int m_jobinfo(void *opaque, struct json_object *params,
		     struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct jobinfo_call *c;
	bool completed = false;
	int r;

	if (!dom || json_get_bool_opt(params, "completed", &completed, e) < 0)
		return err_code(*e);
	if (completed && dom->job_stats) {
		*result = json_object_get(dom->job_stats);
		return 0;
	}
	*result = json_object_new_object();
	if (completed || !domain_is_active(dom) || !dom->drv->jobinfo) {
		json_object_object_add(*result, "type",
				       json_object_new_string("none"));
		return 0;
	}
	/* the driver may answer later, through @c: the call then waits */
	c = xcalloc(1, sizeof(*c));
	c->out = *result;
	r = dom->drv->jobinfo(dmn, dom, c->out, jobinfo_done, c, e);
	if (r != RPC_DEFERRED) {
		free(c);
		if (r < 0) {
			json_object_put(steal_ptr(*result));
			return r;
		}
		return 0;
	}
	*result = NULL;
	c->call = rpc_server_defer(dmn->rpc);
	return RPC_DEFERRED;
}

const struct rpc_method save_methods[] = {
	{"domain.save", m_save},
	{"domain.restore", m_restore},
	{"domain.managedsave", m_managedsave},
	{"domain.managedsave_remove", m_managedsave_remove},
	{"domain.save_image_xml", m_save_image_xml},
	{"domain.jobinfo", m_jobinfo, RPC_READ_ONLY},
};
const size_t save_n_methods = ARRAY_SIZE(save_methods);
