// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A command inside a running container (ct.h, ct_exec): virsh's
 * lxc-enter-namespace and `nido exec`.
 *
 * Two processes, because entering a pid namespace places only the
 * children of the caller in it: the first (the "attacher", cloned from
 * the caller) joins the container's cgroups while it is still privileged,
 * enters every namespace of the init at once with setns() on its pidfd,
 * and forks the second, which becomes the container's root, bounds its
 * capabilities, loads the seccomp profile and executes the command. The
 * attacher waits for it and ends with its status (128 + N for a signal),
 * so the caller watches one process; killing the attacher kills the
 * command (PR_SET_PDEATHSIG). As in ct-spawn.c, both run system calls
 * only: everything is prepared before the clone, and a failed step comes
 * back as (step, errno) on a pipe that the exec closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/ct-child.h"
#include "ct/ct.h"
#include "lib/util.h"

/* Where a command without a slash is looked for, as the init's PATH. */
static const char *const search_path[] = {"/usr/local/sbin", "/usr/local/bin",
					  "/usr/sbin",	     "/usr/bin",
					  "/sbin",	     "/bin"};
#define N_PATHS ARRAY_SIZE(search_path)

struct exec_plan {
	const struct ct_exec_config *c;
	struct ct_sec sec;
	char *paths[N_PATHS]; /* the candidates of argv[0], or [0] alone */
	size_t n_paths;
};

enum {
	XSTEP_CGROUP = 1,
	XSTEP_SETNS,
	XSTEP_FORK,
	XSTEP_STDIO,
	XSTEP_IDS,
	XSTEP_CWD,
	XSTEP_CAPS,
	XSTEP_SECCOMP,
	XSTEP_EXEC,
};

struct exec_report {
	int step, err;
};

NORETURN static void fail(int fd, int step)
{
	struct exec_report r = {step, errno};

	if (write(fd, &r, sizeof(r)) < 0) {
		/* the caller sees EOF and the attacher's status */
	}
	_exit(127);
}

static int stdio(const int fds[3])
{
	/* moved above 2 first, so that none is overwritten before its
	 * turn */
	int tmp[3];

	for (int i = 0; i < 3; i++) {
		tmp[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (tmp[i] < 0)
			return -1;
	}
	for (int i = 0; i < 3; i++)
		if (dup2(tmp[i], i) < 0)
			return -1;
	return 0;
}

NORETURN static void command(const struct exec_plan *p, int report)
{
	const struct ct_exec_config *c = p->c;
	struct sock_fprog prog = {(unsigned short)p->sec.bpf_len, p->sec.bpf};

	/* (getppid() is 0 here: the attacher is outside this pid
	 * namespace, so a check for a parent gone already cannot be made) */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(127);
	if (c->userns && ct_child_become_root() < 0)
		fail(report, XSTEP_IDS);
	if (chdir("/") < 0)
		fail(report, XSTEP_CWD);
	if (ct_child_drop_caps(&p->sec) < 0)
		fail(report, XSTEP_CAPS);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		fail(report, XSTEP_SECCOMP);
	errno = ENOENT;
	for (size_t i = 0; i < p->n_paths; i++) {
		execve(p->paths[i], c->argv, c->envp);
		if (errno != ENOENT && errno != ENOTDIR)
			break;
	}
	fail(report, XSTEP_EXEC);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

NORETURN static void attacher(const struct exec_plan *p, int report)
{
	const struct ct_exec_config *c = p->c;
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
		    CLONE_NEWNET | CLONE_NEWCGROUP;
	int status;
	pid_t pid;

	ct_child_reset_signals();
	/* "0": the writer itself, in v1 and v2; before the cgroup
	 * namespace, while the paths are the host's */
	for (size_t i = 0; i < c->n_cgroup_fds; i++)
		if (write(c->cgroup_fds[i], "0", 1) != 1)
			fail(report, XSTEP_CGROUP);
	if (c->userns)
		flags |= CLONE_NEWUSER;
	if (setns(c->init_pidfd, flags) < 0)
		fail(report, XSTEP_SETNS);
	/* fds 0-2 the command's, 3 the report; nothing else of the
	 * caller's stays open (its end of the command's stdin would keep
	 * the command from ever seeing its end) */
	if (stdio(c->stdio) < 0 ||
	    (report != 3 && dup3(report, 3, O_CLOEXEC) < 0))
		fail(report, XSTEP_STDIO);
	report = 3;
	syscall(SYS_close_range, 4, ~0u, 0);
	pid = fork();
	if (pid < 0)
		fail(report, XSTEP_FORK);
	if (pid == 0)
		command(p, report);
	close(report);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(127);
	_exit(exit_code(status));
}

static int report_err(const struct exec_plan *p, const struct exec_report *r,
		      struct err **e)
{
	static const char *const steps[] = {
		NULL,
		"joining the container's cgroups",
		"entering the container's namespaces",
		"forking in the container's pid namespace",
		"setting up stdin, stdout and stderr",
		"becoming root of the container's user namespace",
		"entering '/'",
		"bounding the capabilities",
		"loading the seccomp profile",
	};

	if (r->step == XSTEP_EXEC)
		return err_sys(e, r->err, "executing '%s' in the container",
			       p->c->argv[0]);
	if (r->step <= 0 || r->step >= (int)ARRAY_SIZE(steps))
		return err_set(e, EIO, "entering the container failed");
	return err_sys(e, r->err, "%s", steps[r->step]);
}

static int plan_make(struct exec_plan *p, const struct ct_exec_config *c,
		     struct err **e)
{
	const char *cmd = c->argv ? c->argv[0] : NULL;

	memset(p, 0, sizeof(*p));
	p->c = c;
	if (!cmd || !*cmd)
		return err_set(e, EINVAL, "no command to run");
	if (strchr(cmd, '/'))
		p->paths[p->n_paths++] = xstrdup(cmd);
	else
		for (size_t i = 0; i < N_PATHS; i++)
			p->paths[p->n_paths++] =
				xasprintf("%s/%s", search_path[i], cmd);
	return ct_sec_prepare(&p->sec, e);
}

static void plan_clear(struct exec_plan *p)
{
	for (size_t i = 0; i < p->n_paths; i++)
		free(p->paths[i]);
	ct_sec_clear(&p->sec);
}

static pid_t clone_attacher(int *pidfd, struct err **e)
{
	struct clone_args a = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));

	if (pid < 0)
		err_sys(e, errno, "cloning the command's process");
	return pid;
}

/* 0: the command was executed (the pipe closed without a word). */
static int wait_report(const struct exec_plan *p, int fd, struct err **e)
{
	struct exec_report r;
	ssize_t n;

	do
		n = read(fd, &r, sizeof(r));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(r))
		return err_set(e, EIO, "entering the container failed");
	return report_err(p, &r, e);
}

int ct_exec(const struct ct_exec_config *c, struct ct_proc *out, struct err **e)
{
	struct exec_plan p;
	int report[2] = {-1, -1}, pidfd = -1, r;
	pid_t pid = -1;

	r = plan_make(&p, c, e);
	if (r == 0 && pipe2(report, O_CLOEXEC) < 0)
		r = err_sys(e, errno, "pipe");
	if (r == 0 && (pid = clone_attacher(&pidfd, e)) < 0)
		r = -EIO;
	if (r == 0 && pid == 0) {
		close(report[0]);
		attacher(&p, report[1]);
	}
	close_safe(report[1]);
	if (r == 0)
		r = wait_report(&p, report[0], e);
	close_safe(report[0]);
	if (r < 0 && pid > 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, 0);
		close(pidfd);
	} else if (r == 0) {
		out->pid = pid;
		out->pidfd = pidfd;
	}
	plan_clear(&p);
	return r;
}
