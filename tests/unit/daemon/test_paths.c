// SPDX-License-Identifier: GPL-2.0-or-later
/* Where nidod keeps its state and listens (daemon/paths.h). */
#include "daemon/paths.h"
#include "test.h"

static void clear_env(void)
{
	unsetenv("NIDO_STATE_DIR");
	unsetenv("NIDO_RUNTIME_DIR");
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_RUNTIME_DIR");
}

static void paths_system(void)
{
	struct nido_paths p;

	clear_env();
	CHECK_INT_EQ(paths_resolve(true, NULL, NULL, &p, NULL), 0);
	CHECK_STR_EQ(p.state_dir, "/var/lib/nido");
	CHECK_STR_EQ(p.runtime_dir, "/run/nido");
	CHECK_STR_EQ(p.socket, "/run/nido/nidod.sock");
	paths_release(&p);
}

static void paths_session(void)
{
	struct nido_paths p;

	clear_env();
	setenv("HOME", "/home/u", 1);
	CHECK_INT_EQ(paths_resolve(false, NULL, NULL, &p, NULL), 0);
	CHECK_STR_EQ(p.state_dir, "/home/u/.local/state/nido");
	CHECK_STR_EQ(p.runtime_dir, "/home/u/.local/state/nido/run");
	paths_release(&p);
	setenv("XDG_STATE_HOME", "/x/state", 1);
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	CHECK_INT_EQ(paths_resolve(false, NULL, NULL, &p, NULL), 0);
	CHECK_STR_EQ(p.state_dir, "/x/state/nido");
	CHECK_STR_EQ(p.socket, "/run/user/7/nido/nidod.sock");
	paths_release(&p);
}

static void paths_overrides(void)
{
	struct nido_paths p;

	clear_env();
	setenv("NIDO_STATE_DIR", "/t/s", 1);
	CHECK_INT_EQ(paths_resolve(true, NULL, NULL, &p, NULL), 0);
	CHECK_STR_EQ(p.state_dir, "/t/s");
	CHECK_STR_EQ(p.runtime_dir, "/t/s/run");
	paths_release(&p);
	setenv("NIDO_RUNTIME_DIR", "/t/r", 1);
	CHECK_INT_EQ(paths_resolve(false, NULL, NULL, &p, NULL), 0);
	CHECK_STR_EQ(p.socket, "/t/r/nidod.sock");
	paths_release(&p);
	CHECK_INT_EQ(paths_resolve(false, "/a", "/b", &p, NULL), 0);
	CHECK_STR_EQ(p.state_dir, "/a");
	CHECK_STR_EQ(p.runtime_dir, "/b");
	paths_release(&p);
}

static void paths_session_needs_a_home(void)
{
	struct nido_paths p;
	_cleanup_err_ struct err *e = NULL;

	clear_env();
	unsetenv("HOME");
	CHECK(paths_resolve(false, NULL, NULL, &p, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "HOME");
	paths_release(&p);
}

int main(void)
{
	RUN(paths_system);
	RUN(paths_session);
	RUN(paths_overrides);
	RUN(paths_session_needs_a_home);
	return test_done();
}
