// SPDX-License-Identifier: GPL-2.0-or-later
/* Where nidod keeps its state and listens (paths.h). */
#include <errno.h>
#include <libgen.h>

#include "daemon/paths.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *session_state(struct err **e)
{
	const char *xdg = env("XDG_STATE_HOME"), *home = env("HOME");

	if (xdg)
		return xasprintf("%s/nido", xdg);
	if (home)
		return xasprintf("%s/.local/state/nido", home);
	err_set(e, ENOENT,
		"session mode: neither XDG_STATE_HOME nor HOME "
		"is set");
	return NULL;
}

int paths_resolve(bool system, const char *state, const char *runtime,
		  struct nido_paths *p, struct err **e)
{
	const char *xdg_rt = env("XDG_RUNTIME_DIR");

	memset(p, 0, sizeof(*p));
	p->system = system;
	state = state ? state : env("NIDO_STATE_DIR");
	runtime = runtime ? runtime : env("NIDO_RUNTIME_DIR");
	if (state)
		p->state_dir = xstrdup(state);
	else if (system)
		p->state_dir = xstrdup("/var/lib/nido");
	else if (!(p->state_dir = session_state(e)))
		return -ENOENT;
	if (runtime)
		p->runtime_dir = xstrdup(runtime);
	else if (state)
		p->runtime_dir = xasprintf("%s/run", state);
	else if (system)
		p->runtime_dir = xstrdup("/run/nido");
	else if (xdg_rt)
		p->runtime_dir = xasprintf("%s/nido", xdg_rt);
	else
		p->runtime_dir = xasprintf("%s/run", p->state_dir);
	p->socket = xasprintf("%s/nidod.sock", p->runtime_dir);
	p->socket_ro = xasprintf("%s/nidod-ro.sock", p->runtime_dir);
	return 0;
}

void paths_release(struct nido_paths *p)
{
	free(p->state_dir);
	free(p->socket_ro);
	free(p->runtime_dir);
	free(p->socket);
	memset(p, 0, sizeof(*p));
}

char *paths_find_program(const char *name, const char *env_var,
			 const char *build_dir, const char *installed_dir)
{
	const char *env = getenv(env_var);
	char self[4096];
	ssize_t n;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		const char *const subdirs[] = {".", build_dir, installed_dir};
		char *dir;

		self[n] = '\0';
		dir = dirname(self);
		for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
			char *cand = i ? xasprintf("%s/../%s/%s", dir,
						   subdirs[i], name)
				       : xasprintf("%s/%s", dir, name);

			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
	}
	return xstrdup(name);
}
