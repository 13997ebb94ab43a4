/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Where nidod keeps its state and listens, shared by nidod and nido.
 *
 *   system mode (root):  /var/lib/nido, /run/nido
 *   session mode:        $XDG_STATE_HOME/nido (~/.local/state/nido),
 *                        $XDG_RUNTIME_DIR/nido (else <state>/run)
 *
 * NIDO_STATE_DIR and NIDO_RUNTIME_DIR override both (tests use them);
 * explicit arguments override those; an overridden state directory
 * without a runtime one gets <state>/run. The sockets are
 * <runtime>/nidod.sock and, read-only, <runtime>/nidod-ro.sock.
 */
#ifndef NIDO_DAEMON_PATHS_H
#define NIDO_DAEMON_PATHS_H

#include <stdbool.h>

#include "lib/err.h"

struct nido_paths {
	bool system;
	char *state_dir;
	char *runtime_dir;
	char *socket;
	char *socket_ro;
};

/*
 * Fills @p for @system mode; @state and @runtime (may be NULL) override.
 * Returns 0 or -errno with @e filled (no home directory in session mode).
 */
int paths_resolve(bool system, const char *state, const char *runtime,
		  struct nido_paths *p, struct err **e);
void paths_release(struct nido_paths *p);

/*
 * Finds the nido program @name for the program running now: $@env_var
 * when set, else next to this executable, in the build tree
 * (../@build_dir/@name), or installed (../@installed_dir/@name); else
 * @name alone, for a PATH lookup. Returns a malloc'ed path.
 */
char *paths_find_program(const char *name, const char *env_var,
			 const char *build_dir, const char *installed_dir);

#endif
