// SPDX-License-Identifier: GPL-2.0-or-later
/* Definitions and run-time records on disk (store.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "daemon/store.h"
#include "lib/file.h"
#include "lib/json.h"

static char *def_dir(const struct store *s, const struct object_kind *k)
{
	return xasprintf("%s/%s", s->state_dir, k->dir);
}

int store_open(struct store *s, const char *state_dir, const char *runtime_dir,
	       const struct object_kind *const *kinds, size_t n, struct err **e)
{
	s->state_dir = xstrdup(state_dir);
	s->runtime_dir = xstrdup(runtime_dir);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *a =
			xasprintf("%s/%s/autostart", state_dir, kinds[i]->dir);
		_cleanup_free_ char *rt =
			xasprintf("%s/%s", runtime_dir, kinds[i]->dir);

		if (file_mkdir_p(a, 0700, e) < 0)
			return err_prefix(e, "state directory");
		if (file_mkdir_p(rt, 0700, e) < 0)
			return err_prefix(e, "runtime directory");
	}
	return 0;
}

void store_close(struct store *s)
{
	free(s->state_dir);
	free(s->runtime_dir);
	s->state_dir = s->runtime_dir = NULL;
}

/*
 * The form of @def that is stored (*@xml, malloc'ed, *@len bytes), when
 * it fits what is read back: a definition accepted is one that reloads.
 * Returns 0, or -EFBIG with @e filled.
 */
static int stored_form(const struct object_kind *k, const void *def, char **xml,
		       size_t *len, struct err **e)
{
	*xml = k->format(def);
	*len = strlen(*xml);
	if (*len <= STORE_MAX_FILE)
		return 0;
	free(steal_ptr(*xml));
	return err_setk(e, ERR_CONFIG_UNSUPPORTED, EFBIG,
			"the definition of %s '%s' is %zu bytes as stored, "
			"more than the limit of %u",
			k->name, k->def_name(def), *len, STORE_MAX_FILE);
}

int store_def_save(const struct store *s, const struct object_kind *k,
		   const void *def, struct err **e)
{
	_cleanup_free_ char *xml = NULL;
	_cleanup_free_ char *path = xasprintf("%s/%s/%s.xml", s->state_dir,
					      k->dir, k->def_name(def));
	size_t len;

	if (stored_form(k, def, &xml, &len, e) < 0 ||
	    file_write_atomic(path, xml, len, 0600, e) < 0)
		return err_prefix(e, "saving %s '%s'", k->name,
				  k->def_name(def));
	return 0;
}

static int unlink_synced(const char *path, struct err **e)
{
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, errno, "removing '%s'", path);
	}
	return file_fsync_dir(path, e);
}

int store_def_delete(const struct store *s, const struct object_kind *k,
		     const char *name, struct err **e)
{
	_cleanup_free_ char *path =
		xasprintf("%s/%s/%s.xml", s->state_dir, k->dir, name);

	if (store_autostart_set(s, k, name, false, e) < 0)
		return -EIO;
	return unlink_synced(path, e);
}

static char *autostart_path(const struct store *s, const struct object_kind *k,
			    const char *name)
{
	return xasprintf("%s/%s/autostart/%s", s->state_dir, k->dir, name);
}

int store_autostart_set(const struct store *s, const struct object_kind *k,
			const char *name, bool on, struct err **e)
{
	_cleanup_free_ char *path = autostart_path(s, k, name);

	if (on)
		return file_write_atomic(path, "", 0, 0600, e);
	return unlink_synced(path, e);
}

/* Loads one file; returns the object or NULL with @e filled. */
static struct object *load_one(const struct store *s,
			       const struct object_kind *k, const char *file,
			       struct err **e)
{
	_cleanup_free_ char *dir = def_dir(s, k);
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, file);
	_cleanup_free_ char *xml = NULL, *autostart = NULL;
	void *def = NULL;
	struct object *o;
	const char *name;
	size_t len;

	if (file_read_all(path, STORE_MAX_FILE, &xml, &len, e) < 0)
		return NULL;
	/* The kind's rules only: a driver's rules are checked at define and
	 * start; a definition it would now refuse still loads. */
	if (k->parse(xml, len, false, &def, NULL, e) < 0) {
		err_prefix(e, "'%s'", path);
		return NULL;
	}
	name = k->def_name(def);
	if (strlen(file) != strlen(name) + 4 ||
	    strncmp(file, name, strlen(name))) {
		err_set(e, EINVAL,
			"'%s' defines %s '%s': file name does not "
			"match",
			path, k->name, name);
		k->def_free(def);
		return NULL;
	}
	autostart = autostart_path(s, k, name);
	o = k->obj_new(def);
	o->persistent = true;
	o->autostart = access(autostart, F_OK) == 0;
	return o;
}

static bool is_definition(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && streq(name + n - 4, ".xml");
}

static void add_loaded(struct object_list *list, struct object *o,
		       void (*warn)(const char *msg))
{
	_cleanup_free_ char *msg = NULL;

	if (object_list_find_uuid(list, object_uuid(o))) {
		msg = xasprintf("%s '%s' skipped: its UUID is already "
				"used by another definition",
				list->kind->name, object_name(o));
		warn(msg);
		list->kind->obj_free(o);
		return;
	}
	object_list_add(list, o);
}

static int definition_filter(const struct dirent *ent)
{
	return is_definition(ent->d_name);
}

/*
 * Temporary files of atomic writes a killed daemon left behind (defect:
 * kill -9 during define kept them forever). The state directory is this
 * daemon's alone (its lock is held): every one there is stale. In the
 * run-time directory nido-vmm writes its exit file too, so only old ones
 * go.
 */
static void remove_stale_tmp(const struct store *s, const struct object_kind *k,
			     void (*warn)(const char *msg))
{
	char *dirs[] = {
		xasprintf("%s/%s", s->state_dir, k->dir),
		xasprintf("%s/%s/autostart", s->state_dir, k->dir),
		xasprintf("%s/%s", s->runtime_dir, k->dir),
	};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_err_ struct err *e = NULL;
		_cleanup_free_ char *msg = NULL;
		int n = file_remove_stale_tmp(dirs[i], i < 2 ? 0 : 600, &e);

		if (n < 0)
			warn(err_msg(e));
		else if (n > 0 &&
			 (msg = xasprintf("removed %d temporary file%s "
					  "left in '%s'",
					  n, n > 1 ? "s" : "", dirs[i])))
			warn(msg);
		free(dirs[i]);
	}
}

/* Files are read in name order, so that which of two definitions with the
 * same UUID wins does not depend on the directory's order. */
size_t store_objects_load(const struct store *s, struct object_list *list,
			  void (*warn)(const char *msg))
{
	const struct object_kind *k = list->kind;
	_cleanup_free_ char *dir = def_dir(s, k);
	struct dirent **ents = NULL;
	size_t before = list->n;
	int n;

	remove_stale_tmp(s, k, warn);
	n = scandir(dir, &ents, definition_filter, alphasort);
	if (n < 0) {
		_cleanup_free_ char *msg =
			xasprintf("cannot read '%s': %s", dir, strerror(errno));
		warn(msg);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_err_ struct err *e = NULL;
		struct object *o = load_one(s, k, ents[i]->d_name, &e);

		if (!o)
			warn(err_msg(e));
		else
			add_loaded(list, o, warn);
		free(ents[i]);
	}
	free(ents);
	return list->n - before;
}

char *store_runtime_path(const struct store *s, const struct object_kind *k,
			 const char *name, const char *suffix)
{
	return xasprintf("%s/%s/%s.%s", s->runtime_dir, k->dir, name, suffix);
}

int store_runtime_save(const struct store *s, const struct object_kind *k,
		       const char *name, struct json_object *rec,
		       struct err **e)
{
	_cleanup_free_ char *path = store_runtime_path(s, k, name, "json");
	size_t len;
	_cleanup_free_ char *text = json_encode_line(rec, &len);

	return file_write_replace(path, text, len, 0600, e);
}

int store_runtime_load(const struct store *s, const struct object_kind *k,
		       const char *name, struct json_object **rec,
		       struct err **e)
{
	_cleanup_free_ char *path = store_runtime_path(s, k, name, "json");
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = file_read_all(path, STORE_MAX_FILE, &text, &len, e);

	if (r < 0)
		return r;
	if (json_decode(text, len, rec, e) < 0)
		return err_prefix(e, "'%s'", path);
	if (!*rec || !json_object_is_type(*rec, json_type_object)) {
		json_object_put(*rec);
		*rec = NULL;
		return err_set(e, EINVAL, "'%s': not a JSON object", path);
	}
	return 0;
}

void store_runtime_delete(const struct store *s, const struct object_kind *k,
			  const char *name)
{
	_cleanup_free_ char *path = store_runtime_path(s, k, name, "json");
	_cleanup_free_ char *xml = store_runtime_path(s, k, name, "xml");

	unlink(path);
	unlink(xml);
}

int store_live_save(const struct store *s, const struct object_kind *k,
		    const void *def, struct err **e)
{
	_cleanup_free_ char *xml = NULL;
	_cleanup_free_ char *path =
		store_runtime_path(s, k, k->def_name(def), "xml");
	size_t len;
	int r = stored_form(k, def, &xml, &len, e);

	if (r < 0)
		return r;
	return file_write_replace(path, xml, len, 0600, e);
}

int store_live_load(const struct store *s, const struct object_kind *k,
		    const char *name, void **def, struct err **e)
{
	_cleanup_free_ char *path = store_runtime_path(s, k, name, "xml");
	_cleanup_free_ char *xml = NULL;
	size_t len;
	int r = file_read_all(path, STORE_MAX_FILE, &xml, &len, e);

	if (r < 0)
		return r;
	if (k->parse(xml, len, false, def, NULL, e) < 0)
		return err_prefix(e, "'%s'", path);
	if (!streq(k->def_name(*def), name)) {
		k->def_free(*def);
		*def = NULL;
		return err_set(e, EINVAL, "'%s': name does not match", path);
	}
	return 0;
}

char **store_runtime_names(const struct store *s, const struct object_kind *k)
{
	_cleanup_free_ char *dir = xasprintf("%s/%s", s->runtime_dir, k->dir);
	DIR *dp = opendir(dir);
	struct dirent *ent;
	char **names = xcalloc(1, sizeof(*names));
	size_t n = 0;

	if (!dp)
		return names;
	while ((ent = readdir(dp))) {
		size_t len = strlen(ent->d_name);

		if (ent->d_name[0] == '.' || len <= 5 ||
		    !streq(ent->d_name + len - 5, ".json"))
			continue;
		names = xreallocarray(names, n + 2, sizeof(*names));
		names[n++] = xstrndup(ent->d_name, len - 5);
		names[n] = NULL;
	}
	closedir(dp);
	return names;
}

void store_names_free(char **names)
{
	if (!names)
		return;
	for (char **p = names; *p; p++)
		free(*p);
	free(names);
}
