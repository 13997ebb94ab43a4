/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Persistent and run-time state on disk.
 *
 *   <state>/domains/NAME.xml     definitions (atomic replace)
 *   <state>/autostart/NAME       present when NAME is autostarted
 *   <runtime>/domains/NAME.json  what a restarted daemon needs to
 *                                re-attach to a running domain
 *
 * Every file is written with file_write_atomic(): after a crash a reader
 * sees the old content or the new one.
 */
#ifndef NIDO_DAEMON_STORE_H
#define NIDO_DAEMON_STORE_H

#include <json-c/json.h>
#include <stdbool.h>

#include "daemon/domain.h"
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
 * Creates the directories under @state_dir and @runtime_dir (copied).
 * Returns 0 or -errno with @e filled.
 */
int store_open(struct store *s, const char *state_dir, const char *runtime_dir,
	       struct err **e);
void store_close(struct store *s);

/*
 * Writes the definition of @def; one larger than STORE_MAX_FILE as
 * written is refused (-EFBIG). Returns 0 or -errno with @e filled.
 */
int store_domain_save(const struct store *s, const struct domain_def *def,
		      struct err **e);
/* Removes the definition and the autostart mark of @name. */
int store_domain_delete(const struct store *s, const char *name,
			struct err **e);

/* Marks or unmarks @name as autostarted. */
int store_autostart_set(const struct store *s, const char *name, bool on,
			struct err **e);

/*
 * Reads every definition into @list (persistent, inactive), in file name
 * order, after removing the temporary files of writes that a killed
 * daemon left (the caller holds the state directory's lock). A file that cannot
 * be read or parsed, whose name does not match its domain, or whose UUID an
 * earlier file has, is skipped and reported through @warn (called with a
 * message) so that one bad file never hides the others. Returns the number
 * loaded.
 */
size_t store_domains_load(const struct store *s, struct domain_list *list,
			  void (*warn)(const char *msg));

/* Run-time records: @rec is serialised; load returns a new reference. */
int store_runtime_save(const struct store *s, const char *name,
		       struct json_object *rec, struct err **e);
int store_runtime_load(const struct store *s, const char *name,
		       struct json_object **rec, struct err **e);
void store_runtime_delete(const struct store *s, const char *name);

/*
 * The live definition of an active domain, <runtime>/domains/NAME.xml:
 * a restarted daemon needs it for transient domains and for domains
 * redefined while they ran.
 */
int store_live_save(const struct store *s, const struct domain_def *def,
		    struct err **e);
int store_live_load(const struct store *s, const char *name,
		    struct domain_def **def, struct err **e);

/* Names that have a run-time record; a malloc'ed NULL-terminated array
 * of malloc'ed strings (free with store_names_free). */
char **store_runtime_names(const struct store *s);
void store_names_free(char **names);

/* Malloc'ed "<runtime>/domains/NAME.SUFFIX". */
char *store_runtime_path(const struct store *s, const char *name,
			 const char *suffix);

#endif
