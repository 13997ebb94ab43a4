/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Starting child processes: an argv (no shell), an optional environment,
 * the fds to pass, and a pidfd to watch the child with.
 *
 * The child gets fd 0, 1 and 2 from @stdin_fd/@stdout_fd/@stderr_fd (-1:
 * /dev/null), then each of @keep_fds[i].from dup'ed to @keep_fds[i].to;
 * every other fd is closed. Sources may overlap targets (3 -> 4 and
 * 4 -> 3 work). Targets must be 3 or more and distinct (else -EINVAL).
 * The child starts with default signal dispositions and an empty signal
 * mask. A failure between fork and exec (a missing program, a bad cwd) is
 * reported to the parent as an error, not as an exit status of 127.
 * Safe to call from a threaded program (fork, then only async-signal-safe
 * calls in the child).
 */
#ifndef NIDO_LIB_SPAWN_H
#define NIDO_LIB_SPAWN_H

#include <sched.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "lib/err.h"

struct spawn_fd {
	int from; /* fd in the parent */
	int to;	  /* number it gets in the child */
};

struct spawn_opts {
	char *const *argv; /* argv[0] is looked up in PATH if it has no '/' */
	char *const *envp; /* NULL: inherit */
	const char *cwd;   /* NULL: inherit */
	int stdin_fd;	   /* -1: /dev/null */
	int stdout_fd;	   /* -1: /dev/null */
	int stderr_fd;	   /* -1: /dev/null */
	const struct spawn_fd *keep_fds;
	size_t n_keep_fds;
	int new_session;     /* setsid() in the child */
	int die_with_parent; /* PR_SET_PDEATHSIG SIGKILL */
	/*
	 * Open cgroup.procs files the child moves itself into before it does
	 * anything else, so that all it uses is charged there.
	 */
	const int *cgroup_fds;
	size_t n_cgroup_fds;
	/*
	 * Called with the child's pid once it is set up and waits to exec
	 * (nothing of its program runs before this returns): to place it,
	 * as into a machine's scope. A failure (-errno, @e filled) kills
	 * the child and fails the start. NULL: none.
	 */
	int (*before_exec)(pid_t pid, void *opaque, struct err **e);
	void *opaque;
	/*
	 * Namespaces the child starts in (CLONE_NEWPID, ...: clone3's
	 * flags); 0: none. With CLONE_NEWPID the child is pid 1 of its own
	 * pid namespace, and c->pid is its pid in ours.
	 */
	unsigned long namespaces;
	/*
	 * With @set_ids, the child becomes @uid and @gid, with @groups as
	 * its supplementary groups, just before exec (from root: it keeps
	 * no capability), and sets no_new_privs: what it execs cannot
	 * gain privileges back (set-user-id files, file capabilities).
	 */
	int set_ids;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t n_groups;
	/*
	 * The CPUs the child (and every thread it makes) may run on
	 * (sched_setaffinity, @affinity_size bytes); NULL: the parent's.
	 */
	const cpu_set_t *affinity;
	size_t affinity_size;
	/* RLIMIT_MEMLOCK of the child, bytes (RLIM_INFINITY: none), set
	 * before it drops its ids; 0: the parent's. */
	rlim_t memlock;
};

struct spawn_child {
	pid_t pid;
	int pidfd; /* owned by the caller; readable when the child exits */
};

/* Initialises @o: no argv, inherit env and cwd, std fds to /dev/null. */
void spawn_opts_init(struct spawn_opts *o);

/*
 * Starts the child. Returns 0 and fills @c, or -errno with @e filled
 * (naming the program and the cause).
 */
int spawn_start(const struct spawn_opts *o, struct spawn_child *c,
		struct err **e);

/*
 * Waits for the child to exit and reaps it; closes its pidfd and sets
 * @c->pid and @c->pidfd to -1. Fills @status (may be NULL) as waitpid()
 * does. Returns 0 or -errno (-ECHILD when @c was already reaped).
 */
int spawn_wait(struct spawn_child *c, int *status);

/* Like spawn_wait() but gives up after @timeout_ms; returns -ETIMEDOUT
 * then, with the child still running. */
int spawn_wait_timeout(struct spawn_child *c, int timeout_ms, int *status);

/* Sends @signo through the pidfd. Returns 0 or -errno. */
int spawn_kill(const struct spawn_child *c, int signo);

/*
 * Runs argv to completion, capturing stdout (and stderr when
 * @merge_stderr; otherwise stderr goes to /dev/null) into a NUL-terminated
 * malloc'ed string in *@out (caller frees; @out may be NULL to discard).
 * Returns the exit status (0..255), 128+signal when killed, or -errno
 * with @e filled (the program could not be started).
 */
int spawn_run(char *const *argv, char **out, int merge_stderr, struct err **e);

/* Describes a waitpid() status: "exited with status 3", "killed by
 * SIGKILL". Returns a malloc'ed string. */
char *spawn_status_str(int status);

#endif
