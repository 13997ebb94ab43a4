/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The objects nidod manages, of every kind (domains now; networks,
 * storage pools, ... next), and the definition life cycle they share:
 * define (replace an inactive definition, or keep it for the next start
 * of an active object), undefine (an active object becomes transient and
 * goes when it stops), autostart, transient objects, which definition
 * dumpxml shows, and loading the definitions back from the store.
 *
 * A kind says how its definitions are parsed, formatted and named
 * (struct object_kind); its objects embed struct object as their first
 * member and keep their run-time state next to it. The list owns its
 * objects and frees them through the kind.
 */
#ifndef NIDO_DAEMON_OBJECT_H
#define NIDO_DAEMON_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/xml_util.h"
#include "lib/err.h"

struct object;
struct store;

struct object_kind {
	const char *name; /* "domain": messages, "domain 'x' not found" */
	const char *dir;  /* "domains": its directories in the store */
	enum err_kind err_missing; /* no object of that name (ERR_NO_DOMAIN) */
	enum err_kind err_exists;  /* name or UUID taken (ERR_DOM_EXIST) */

	/*
	 * Parses a definition; with @driver, the rules of the driver that
	 * will run it too (a define), else the kind's own rules only (read
	 * back from the store: a driver's rules are checked again at start).
	 * Fills *@def and returns 0, or -errno with @e filled; warnings
	 * (what is ignored) go to @w (may be NULL).
	 */
	int (*parse)(const char *xml, size_t len, bool driver, void **def,
		     struct xml_warnings *w, struct err **e);
	char *(*format)(const void *def); /* malloc'ed XML */
	void (*def_free)(void *def);
	const char *(*def_name)(const void *def);
	uint8_t *(*def_uuid)(void *def);
	/* No UUID in the XML: a define keeps the UUID of the object it
	 * replaces instead of the random one. */
	bool (*def_uuid_generated)(const void *def);

	struct object *(*obj_new)(void *def); /* an inactive one, owning def */
	void (*obj_free)(struct object *o);
	bool (*is_active)(const struct object *o);
};

struct object {
	const struct object_kind *kind;
	void *def; /* the live definition while active, else the inactive one */
	void *newdef; /* defined while active: the next start's; may be NULL */
	bool persistent; /* has a definition in the store */
	bool autostart;
};

struct object_list {
	const struct object_kind *kind;
	struct object **v;
	size_t n;
};

const char *object_name(const struct object *o);
const uint8_t *object_uuid(const struct object *o);
bool object_is_active(const struct object *o);

/* Lookups; NULL when absent. Borrowed from the list. */
struct object *object_list_find_name(const struct object_list *l,
				     const char *name);
struct object *object_list_find_uuid(const struct object_list *l,
				     const uint8_t uuid[16]);
/*
 * By name or UUID. Returns the object, or NULL with @e filled ("domain
 * 'x' not found", of the kind's err_missing).
 */
struct object *object_list_lookup(const struct object_list *l, const char *key,
				  struct err **e);
void object_list_add(struct object_list *l, struct object *o);
void object_list_remove(struct object_list *l, struct object *o);
/* Frees every object and the array. */
void object_list_clear(struct object_list *l);

/*
 * The object @def would define or replace: *@out is the object of that
 * name (NULL: a new one). A name whose object has another UUID, or a
 * UUID another object has, is refused (the kind's err_exists). A
 * definition without a UUID takes the replaced object's.
 */
int object_check_conflicts(const struct object_list *l, void *def,
			   struct object **out, struct err **e);

/*
 * define: saves @def (taken, also on failure) in @s and makes it the
 * object's definition, or the next start's while it is active; a new
 * name adds an object. Returns 0 with *@out the object, or -errno with
 * @e filled and nothing changed.
 */
int object_define(struct object_list *l, const struct store *s, void *def,
		  struct object **out, struct err **e);

/*
 * undefine: removes the definition and autostart mark from @s. An
 * active @o becomes transient (it goes when it stops, object_stopped);
 * an inactive one is removed and freed: returns 1 then, 0 when @o
 * remains, or -errno with @e filled (a transient object cannot be
 * undefined: ERR_OPERATION_INVALID).
 */
int object_undefine(struct object_list *l, const struct store *s,
		    struct object *o, struct err **e);
/*
 * object_undefine in two steps, for a kind that acts in between (on
 * what the definition names, before it may be freed): the store's part
 * (0 or -errno with @e filled, nothing changed), then the rest (returns
 * 1 when @o was freed, else 0).
 */
int object_undefine_stored(const struct store *s, struct object *o,
			   struct err **e);
int object_undefine_done(struct object_list *l, struct object *o);

/* autostart on or off; not for transient objects. */
int object_set_autostart(const struct store *s, struct object *o, bool on,
			 struct err **e);

/* The definition dumpxml shows: with @inactive, the next start's. */
const void *object_xml_def(const struct object *o, bool inactive);

/* @o has stopped: a definition changed while it ran takes effect. */
void object_apply_newdef(struct object *o);

/*
 * @o has stopped for good (not restarted): a transient @o is removed
 * and freed. Returns true when it was.
 */
bool object_drop_transient(struct object_list *l, struct object *o);

#endif
