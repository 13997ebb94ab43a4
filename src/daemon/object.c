// SPDX-License-Identifier: GPL-2.0-or-later
/* Objects of every kind and their definition life cycle (object.h). */
#include <errno.h>
#include <string.h>

#include "daemon/object.h"
#include "daemon/store.h"
#include "lib/log.h"
#include "lib/uuid.h"

const char *object_name(const struct object *o)
{
	return o->kind->def_name(o->def);
}

const uint8_t *object_uuid(const struct object *o)
{
	return o->kind->def_uuid(o->def);
}

bool object_is_active(const struct object *o)
{
	return o->kind->is_active(o);
}

struct object *object_list_find_name(const struct object_list *l,
				     const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(object_name(l->v[i]), name))
			return l->v[i];
	return NULL;
}

struct object *object_list_find_uuid(const struct object_list *l,
				     const uint8_t uuid[16])
{
	for (size_t i = 0; i < l->n; i++)
		if (!memcmp(object_uuid(l->v[i]), uuid, 16))
			return l->v[i];
	return NULL;
}

struct object *object_list_lookup(const struct object_list *l, const char *key,
				  struct err **e)
{
	struct object *o = object_list_find_name(l, key);
	struct uuid u;

	if (o)
		return o;
	if (uuid_text_valid(key) && uuid_from_text(key, &u, NULL) == 0 &&
	    (o = object_list_find_uuid(l, u.bytes)))
		return o;
	err_setk(e, l->kind->err_missing, ENOENT, "%s '%s' not found",
		 l->kind->name, key);
	return NULL;
}

void object_list_add(struct object_list *l, struct object *o)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = o;
}

void object_list_remove(struct object_list *l, struct object *o)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i] != o)
			continue;
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(*l->v));
		l->n--;
		return;
	}
}

void object_list_clear(struct object_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		l->v[i]->kind->obj_free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int object_check_conflicts(const struct object_list *l, void *def,
			   struct object **out, struct err **e)
{
	const struct object_kind *k = l->kind;
	const char *name = k->def_name(def);
	struct object *by_name = object_list_find_name(l, name);
	struct object *by_uuid;
	char text[UUID_TEXT_LEN];
	struct uuid u;

	if (by_name && k->def_uuid_generated(def))
		memcpy(k->def_uuid(def), object_uuid(by_name), 16);
	by_uuid = object_list_find_uuid(l, k->def_uuid(def));
	if (by_uuid && by_uuid != by_name) {
		memcpy(u.bytes, k->def_uuid(def), 16);
		return err_setk(e, k->err_exists, EEXIST,
				"%s '%s' already exists with UUID %s", k->name,
				object_name(by_uuid), uuid_to_text(&u, text));
	}
	if (by_name && !by_uuid) {
		memcpy(u.bytes, object_uuid(by_name), 16);
		return err_setk(e, k->err_exists, EEXIST,
				"%s '%s' already exists with UUID %s", k->name,
				name, uuid_to_text(&u, text));
	}
	*out = by_name;
	return 0;
}

int object_define(struct object_list *l, const struct store *s, void *def,
		  struct object **out, struct err **e)
{
	const struct object_kind *k = l->kind;
	struct object *o = NULL;
	int r = object_check_conflicts(l, def, &o, e);

	if (r == 0)
		r = store_def_save(s, k, def, e);
	if (r < 0) {
		k->def_free(def);
		return r;
	}
	if (!o) {
		o = k->obj_new(def);
		object_list_add(l, o);
	} else if (object_is_active(o)) {
		k->def_free(o->newdef);
		o->newdef = def;
	} else {
		k->def_free(o->def);
		o->def = def;
	}
	o->persistent = true;
	log_info("%s '%s' defined", k->name, k->def_name(def));
	*out = o;
	return 0;
}

int object_undefine_stored(const struct store *s, struct object *o,
			   struct err **e)
{
	const struct object_kind *k = o->kind;

	if (!o->persistent)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"cannot undefine transient %s", k->name);
	return store_def_delete(s, k, object_name(o), e);
}

int object_undefine_done(struct object_list *l, struct object *o)
{
	const struct object_kind *k = o->kind;

	log_info("%s '%s' undefined", k->name, object_name(o));
	o->autostart = false;
	k->def_free(steal_ptr(o->newdef));
	if (object_is_active(o)) {
		o->persistent = false; /* transient until it stops */
		return 0;
	}
	object_list_remove(l, o);
	k->obj_free(o);
	return 1;
}

int object_undefine(struct object_list *l, const struct store *s,
		    struct object *o, struct err **e)
{
	int r = object_undefine_stored(s, o, e);

	return r < 0 ? r : object_undefine_done(l, o);
}

int object_set_autostart(const struct store *s, struct object *o, bool on,
			 struct err **e)
{
	int r;

	if (!o->persistent)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"cannot set autostart for transient %s",
				o->kind->name);
	r = store_autostart_set(s, o->kind, object_name(o), on, e);
	if (r < 0)
		return r;
	o->autostart = on;
	return 0;
}

const void *object_xml_def(const struct object *o, bool inactive)
{
	return inactive && o->newdef ? o->newdef : o->def;
}

void object_apply_newdef(struct object *o)
{
	if (!o->newdef)
		return;
	o->kind->def_free(o->def);
	o->def = steal_ptr(o->newdef);
}

bool object_drop_transient(struct object_list *l, struct object *o)
{
	if (o->persistent)
		return false;
	object_list_remove(l, o);
	o->kind->obj_free(o);
	return true;
}
