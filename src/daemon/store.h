/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Persistent and run-time state on disk, one directory by object kind
 * (KIND is the kind's dir: "domains"):
 *
 *   <state>/KIND/NAME.xml         definitions (atomic replace)
 *   <state>/KIND/autostart/NAME   present when NAME is autostarted
 *   <runtime>/KIND/NAME.json      what a restarted daemon needs to
 *                                 re-attach to a running object
 *   <runtime>/KIND/NAME.xml       the live definition of an active one
 *
 * Every file is replaced whole: after a crash of the daemon a reader sees
 * the old content or the new one. Definitions are also synced
 * (file_write_atomic()); run-time files are not (file_write_replace()):
 * what they describe does not outlive a crash of the machine.
 */
#ifndef NIDO_DAEMON_STORE_H
#define NIDO_DAEMON_STORE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "daemon/object.h"
#include "lib/err.h"

struct store {
	char *state_dir;
	char *runtime_dir;
};

/*
 * Largest definition or run-time file read back. Saving checks it on the
 * form written, so what is saved is read back; the XML parser takes at
 * least as much.
 */
#define STORE_MAX_FILE (1u << 20)
_Static_assert(STORE_MAX_FILE <= XML_MAX_DOCUMENT,
	       "the parser must read what the store writes");

/*
 * Creates the directories under @state_dir and @runtime_dir (copied) for
 * the @n kinds of @kinds. Returns 0 or -errno with @e filled.
 */
int store_open(struct store *s, const char *state_dir, const char *runtime_dir,
	       const struct object_kind *const *kinds, size_t n,
	       struct err **e);
void store_close(struct store *s);

/*
 * Writes the definition @def of kind @k; one larger than STORE_MAX_FILE
 * as written is refused (-EFBIG). Returns 0 or -errno with @e filled.
 */
int store_def_save(const struct store *s, const struct object_kind *k,
		   const void *def, struct err **e);
/* Removes the definition and the autostart mark of @name. */
int store_def_delete(const struct store *s, const struct object_kind *k,
		     const char *name, struct err **e);

/* Marks or unmarks @name as autostarted. */
int store_autostart_set(const struct store *s, const struct object_kind *k,
			const char *name, bool on, struct err **e);

/*
 * Reads every definition of @list's kind into @list (persistent,
 * inactive), in file name order, after removing the temporary files of
 * writes that a killed daemon left (the caller holds the state
 * directory's lock). A file that cannot be read or parsed, whose name
 * does not match its object, or whose UUID an earlier file has, is
 * skipped and reported through @warn (called with a message) so that one
 * bad file never hides the others. Returns the number loaded.
 */
size_t store_objects_load(const struct store *s, struct object_list *list,
			  void (*warn)(const char *msg));

/* Run-time records: @rec is serialised; load returns a new reference. */
int store_runtime_save(const struct store *s, const struct object_kind *k,
		       const char *name, struct json_object *rec,
		       struct err **e);
int store_runtime_load(const struct store *s, const struct object_kind *k,
		       const char *name, struct json_object **rec,
		       struct err **e);
/* Removes the record and the live definition. */
void store_runtime_delete(const struct store *s, const struct object_kind *k,
			  const char *name);

/*
 * The live definition of an active object, <runtime>/KIND/NAME.xml: a
 * restarted daemon needs it for transient objects and for objects
 * redefined while they ran. Loading checks the kind's own rules only.
 */
int store_live_save(const struct store *s, const struct object_kind *k,
		    const void *def, struct err **e);
int store_live_load(const struct store *s, const struct object_kind *k,
		    const char *name, void **def, struct err **e);

/* Names that have a run-time record; a malloc'ed NULL-terminated array
 * of malloc'ed strings (free with store_names_free). */
char **store_runtime_names(const struct store *s, const struct object_kind *k);
void store_names_free(char **names);

/* Malloc'ed "<runtime>/KIND/NAME.SUFFIX". */
char *store_runtime_path(const struct store *s, const struct object_kind *k,
			 const char *name, const char *suffix);

#endif
