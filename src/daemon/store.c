// SPDX-License-Identifier: GPL-2.0-or-later
/* Definitions and run-time records on disk (store.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "daemon/store.h"
#include "lib/file.h"
#include "lib/json.h"

int store_open(struct store *s, const char *state_dir, const char *runtime_dir,
	       struct err **e)
{
	static const char *const sub[] = {"domains", "autostart"};
	_cleanup_free_ char *rt = NULL;

	s->state_dir = xstrdup(state_dir);
	s->runtime_dir = xstrdup(runtime_dir);
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", state_dir, sub[i]);

		if (file_mkdir_p(p, 0700, e) < 0)
			return err_prefix(e, "state directory");
	}
	rt = xasprintf("%s/domains", runtime_dir);
	if (file_mkdir_p(rt, 0700, e) < 0)
		return err_prefix(e, "runtime directory");
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
static int stored_form(const struct domain_def *def, char **xml, size_t *len,
		       struct err **e)
{
	*xml = domain_def_format(def);
	*len = strlen(*xml);
	if (*len <= STORE_MAX_FILE)
		return 0;
	free(steal_ptr(*xml));
	return err_set(e, EFBIG,
		       "the definition of domain '%s' is %zu bytes as stored, "
		       "more than the limit of %u",
		       def->name, *len, STORE_MAX_FILE);
}

int store_domain_save(const struct store *s, const struct domain_def *def,
		      struct err **e)
{
	_cleanup_free_ char *xml = NULL;
	_cleanup_free_ char *path =
		xasprintf("%s/domains/%s.xml", s->state_dir, def->name);
	size_t len;

	if (stored_form(def, &xml, &len, e) < 0 ||
	    file_write_atomic(path, xml, len, 0600, e) < 0)
		return err_prefix(e, "saving domain '%s'", def->name);
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

int store_domain_delete(const struct store *s, const char *name, struct err **e)
{
	_cleanup_free_ char *path =
		xasprintf("%s/domains/%s.xml", s->state_dir, name);

	if (store_autostart_set(s, name, false, e) < 0)
		return -EIO;
	return unlink_synced(path, e);
}

int store_autostart_set(const struct store *s, const char *name, bool on,
			struct err **e)
{
	_cleanup_free_ char *path =
		xasprintf("%s/autostart/%s", s->state_dir, name);

	if (on)
		return file_write_atomic(path, "", 0, 0600, e);
	return unlink_synced(path, e);
}

static bool autostart_marked(const struct store *s, const char *name)
{
	_cleanup_free_ char *path =
		xasprintf("%s/autostart/%s", s->state_dir, name);

	return access(path, F_OK) == 0;
}

/* Loads one file; returns the domain or NULL with @e filled. */
static struct domain *load_one(const struct store *s, const char *file,
			       struct err **e)
{
	_cleanup_free_ char *path =
		xasprintf("%s/domains/%s", s->state_dir, file);
	_cleanup_free_ char *xml = NULL;
	struct domain_def *def = NULL;
	struct domain *d;
	size_t len;

	if (file_read_all(path, STORE_MAX_FILE, &xml, &len, e) < 0)
		return NULL;
	/* The generic rules only: a driver's rules are checked at define and
	 * start; a definition it would now refuse still loads. */
	if (domain_def_parse_with(xml, len, NULL, &def, NULL, e) < 0) {
		err_prefix(e, "'%s'", path);
		return NULL;
	}
	if (strlen(file) != strlen(def->name) + 4 ||
	    strncmp(file, def->name, strlen(def->name))) {
		err_set(e, EINVAL,
			"'%s' defines domain '%s': file name "
			"does not match",
			path, def->name);
		domain_def_free(def);
		return NULL;
	}
	d = domain_new(def);
	d->persistent = true;
	d->autostart = autostart_marked(s, def->name);
	return d;
}

static bool is_definition(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && streq(name + n - 4, ".xml");
}

static void add_loaded(struct domain_list *list, struct domain *d,
		       void (*warn)(const char *msg))
{
	_cleanup_free_ char *msg = NULL;

	if (domain_list_find_uuid(list, d->def->uuid)) {
		msg = xasprintf("domain '%s' skipped: its UUID is already "
				"used by another definition",
				d->def->name);
		warn(msg);
		domain_free(d);
		return;
	}
	domain_list_add(list, d);
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
static void remove_stale_tmp(const struct store *s,
			     void (*warn)(const char *msg))
{
	const char *const dirs[] = {"domains", "autostart", "domains"};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *dir = xasprintf(
			"%s/%s", i < 2 ? s->state_dir : s->runtime_dir,
			dirs[i]);
		_cleanup_err_ struct err *e = NULL;
		_cleanup_free_ char *msg = NULL;
		int n = file_remove_stale_tmp(dir, i < 2 ? 0 : 600, &e);

		if (n < 0)
			warn(err_msg(e));
		else if (n > 0 &&
			 (msg = xasprintf("removed %d temporary file%s "
					  "left in '%s'",
					  n, n > 1 ? "s" : "", dir)))
			warn(msg);
	}
}

/* Files are read in name order, so that which of two definitions with the
 * same UUID wins does not depend on the directory's order. */
size_t store_domains_load(const struct store *s, struct domain_list *list,
			  void (*warn)(const char *msg))
{
	_cleanup_free_ char *dir = xasprintf("%s/domains", s->state_dir);
	struct dirent **ents = NULL;
	size_t before = list->n;
	int n;

	remove_stale_tmp(s, warn);
	n = scandir(dir, &ents, definition_filter, alphasort);
	if (n < 0) {
		_cleanup_free_ char *msg =
			xasprintf("cannot read '%s': %s", dir, strerror(errno));
		warn(msg);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		_cleanup_err_ struct err *e = NULL;
		struct domain *d = load_one(s, ents[i]->d_name, &e);

		if (!d)
			warn(err_msg(e));
		else
			add_loaded(list, d, warn);
		free(ents[i]);
	}
	free(ents);
	return list->n - before;
}

char *store_runtime_path(const struct store *s, const char *name,
			 const char *suffix)
{
	return xasprintf("%s/domains/%s.%s", s->runtime_dir, name, suffix);
}

int store_runtime_save(const struct store *s, const char *name,
		       struct json_object *rec, struct err **e)
{
	_cleanup_free_ char *path = store_runtime_path(s, name, "json");
	size_t len;
	_cleanup_free_ char *text = json_encode_line(rec, &len);

	return file_write_atomic(path, text, len, 0600, e);
}

int store_runtime_load(const struct store *s, const char *name,
		       struct json_object **rec, struct err **e)
{
	_cleanup_free_ char *path = store_runtime_path(s, name, "json");
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

void store_runtime_delete(const struct store *s, const char *name)
{
	_cleanup_free_ char *path = store_runtime_path(s, name, "json");
	_cleanup_free_ char *xml = store_runtime_path(s, name, "xml");

	unlink(path);
	unlink(xml);
}

int store_live_save(const struct store *s, const struct domain_def *def,
		    struct err **e)
{
	_cleanup_free_ char *xml = NULL;
	_cleanup_free_ char *path = store_runtime_path(s, def->name, "xml");
	size_t len;
	int r = stored_form(def, &xml, &len, e);

	if (r < 0)
		return r;
	return file_write_atomic(path, xml, len, 0600, e);
}

int store_live_load(const struct store *s, const char *name,
		    struct domain_def **def, struct err **e)
{
	_cleanup_free_ char *path = store_runtime_path(s, name, "xml");
	_cleanup_free_ char *xml = NULL;
	size_t len;
	int r = file_read_all(path, STORE_MAX_FILE, &xml, &len, e);

	if (r < 0)
		return r;
	if (domain_def_parse_with(xml, len, NULL, def, NULL, e) < 0)
		return err_prefix(e, "'%s'", path);
	if (!streq((*def)->name, name)) {
		domain_def_free(*def);
		*def = NULL;
		return err_set(e, EINVAL, "'%s': name does not match", path);
	}
	return 0;
}

char **store_runtime_names(const struct store *s)
{
	_cleanup_free_ char *dir = xasprintf("%s/domains", s->runtime_dir);
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
