// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Child processes. Everything that allocates (PATH lookup, /dev/null) is
 * done in the parent before fork(), because the parent may have threads
 * and the child may only call async-signal-safe functions until it execs.
 *
 * The child reports a failure before exec by writing a struct child_report
 * to a CLOEXEC pipe; a successful exec closes the pipe, so the parent
 * reading end-of-file means the program runs.
 */
#include "lib/spawn.h"

#include <errno.h>
#include <sched.h>
#include <grp.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

enum child_stage {
	STAGE_CGROUP,
	STAGE_FDS,
	STAGE_CWD,
	STAGE_SESSION,
	STAGE_PDEATHSIG,
	STAGE_IDS,
	STAGE_AFFINITY,
	STAGE_MEMLOCK,
	STAGE_EXEC,
};

struct child_report {
	int stage;
	int err;
};

/* What the child needs, prepared by the parent. */
struct child_plan {
	const struct spawn_opts *o;
	const char *path;  /* resolved program */
	int std_fds[3];	   /* sources for 0, 1, 2 */
	int *lifted;	   /* 3 + n_keep_fds slots for the child */
	int report_fd;	   /* write end of the report pipe */
	int hold[2];	   /* with before_exec: the child waits on [0] */
	int high;	   /* first fd above every target */
	pid_t parent;	   /* for die_with_parent */
	sigset_t old_mask; /* the parent's mask, to restore after fork */
};

void spawn_opts_init(struct spawn_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->stdin_fd = -1;
	o->stdout_fd = -1;
	o->stderr_fd = -1;
}

static int is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* Resolves @prog as execvp() would; returns a malloc'ed path or NULL. */
static char *find_program(const char *prog)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (strchr(prog, '/'))
		return xstrdup(prog);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		char *cand;

		end = strchrnul(p, ':');
		if (end == p)
			cand = xasprintf("./%s", prog);
		else
			cand = xasprintf("%.*s/%s", (int)(end - p), p, prog);
		if (is_executable(cand))
			return cand;
		free(cand);
		if (!*end)
			return NULL;
	}
}

static int check_keep_fds(const struct spawn_opts *o, int *high, struct err **e)
{
	size_t i, j;

	*high = 3;
	for (i = 0; i < o->n_keep_fds; i++) {
		const struct spawn_fd *k = &o->keep_fds[i];

		if (k->to < 3 || k->from < 0)
			return err_set(e, EINVAL,
				       "passing fd %d as %d: the target must "
				       "be 3 or more",
				       k->from, k->to);
		for (j = 0; j < i; j++)
			if (o->keep_fds[j].to == k->to)
				return err_set(e, EINVAL,
					       "fd %d is passed twice", k->to);
		*high = MAX(*high, k->to + 1);
	}
	return 0;
}

/* Child side: dies after reporting @err at @stage. */
static NORETURN void child_fail(const struct child_plan *p, int stage, int err)
{
	struct child_report r = {.stage = stage, .err = err};

	while (write(p->report_fd, &r, sizeof(r)) < 0 && errno == EINTR)
		;
	_exit(127);
}

/*
 * Child side. First every fd to pass is lifted above all targets (so that
 * no source is overwritten by an earlier dup2), then everything from 3 up
 * is marked CLOEXEC, then the copies are dup2'ed onto their targets, which
 * clears CLOEXEC on exactly those.
 */
static int child_setup_fds(struct child_plan *p)
{
	const struct spawn_opts *o = p->o;
	size_t i, n = 3 + o->n_keep_fds;
	int fd;

	fd = fcntl(p->report_fd, F_DUPFD_CLOEXEC, p->high);
	if (fd < 0)
		return -errno;
	p->report_fd = fd;
	/* the hold's read end too: a target may be its number */
	if (o->before_exec) {
		close(p->hold[1]);
		fd = fcntl(p->hold[0], F_DUPFD_CLOEXEC, p->high);
		if (fd < 0)
			return -errno;
		p->hold[0] = fd;
	}
	for (i = 0; i < n; i++) {
		int from = i < 3 ? p->std_fds[i] : o->keep_fds[i - 3].from;

		p->lifted[i] = fcntl(from, F_DUPFD_CLOEXEC, p->high);
		if (p->lifted[i] < 0)
			return -errno;
	}
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		int to = i < 3 ? (int)i : o->keep_fds[i - 3].to;

		if (dup2(p->lifted[i], to) < 0)
			return -errno;
	}
	return 0;
}

static NORETURN void child_run(struct child_plan *p)
{
	const struct spawn_opts *o = p->o;
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;
	int r, sig;

	/* Handlers and ignored signals do not belong to the new program. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* first, before the fds move: "0" is the writing process itself */
	for (size_t i = 0; i < o->n_cgroup_fds; i++)
		if (write(o->cgroup_fds[i], "0", 1) != 1)
			child_fail(p, STAGE_CGROUP, errno);
	r = child_setup_fds(p);
	if (r < 0)
		child_fail(p, STAGE_FDS, -r);
	if (o->new_session && setsid() < 0)
		child_fail(p, STAGE_SESSION, errno);
	if (o->die_with_parent) {
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
			child_fail(p, STAGE_PDEATHSIG, errno);
		/* In a new pid namespace the parent is not visible (0). */
		if (getppid() != p->parent &&
		    !(o->namespaces & CLONE_NEWPID && getppid() == 0))
			_exit(127); /* the parent is already gone */
	}
	if (o->cwd && chdir(o->cwd) < 0)
		child_fail(p, STAGE_CWD, errno);
	/* before its threads exist: they inherit it */
	if (o->affinity &&
	    sched_setaffinity(0, o->affinity_size, o->affinity) < 0)
		child_fail(p, STAGE_AFFINITY, errno);
	/* while still privileged: raising a hard limit needs it */
	if (o->memlock) {
		struct rlimit rl = {o->memlock, o->memlock};

		if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
			child_fail(p, STAGE_MEMLOCK, errno);
	}
	if (o->set_ids && (setgroups(o->n_groups, o->groups) < 0 ||
			   setresgid(o->gid, o->gid, o->gid) < 0 ||
			   setresuid(o->uid, o->uid, o->uid) < 0 ||
			   prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0))
		child_fail(p, STAGE_IDS, errno);
	if (o->before_exec) {
		char go = 0;
		ssize_t n;

		do
			n = read(p->hold[0], &go, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127); /* the parent gave up on it */
	}
	execve(p->path, o->argv, o->envp ? o->envp : environ);
	child_fail(p, STAGE_EXEC, errno);
}

/* Parent side: turns the child's report into an error. */
static int report_error(const struct spawn_opts *o, const char *path,
			const struct child_report *r, struct err **e)
{
	const char *prog = o->argv[0];

	switch (r->stage) {
	case STAGE_CGROUP:
		return err_sys(e, r->err, "starting '%s': joining its cgroup",
			       prog);
	case STAGE_FDS:
		return err_sys(e, r->err, "starting '%s': passing fds", prog);
	case STAGE_CWD:
		return err_sys(e, r->err,
			       "starting '%s': changing directory to '%s'",
			       prog, o->cwd);
	case STAGE_SESSION:
		return err_sys(e, r->err, "starting '%s': setsid", prog);
	case STAGE_PDEATHSIG:
		return err_sys(e, r->err, "starting '%s': PR_SET_PDEATHSIG",
			       prog);
	case STAGE_IDS:
		return err_sys(e, r->err,
			       "starting '%s': becoming uid %u gid %u", prog,
			       (unsigned)o->uid, (unsigned)o->gid);
	case STAGE_MEMLOCK:
		return err_sys(e, r->err,
			       "starting '%s': raising its locked memory limit",
			       prog);
	case STAGE_AFFINITY:
		return err_sys(e, r->err, "starting '%s': setting its CPUs",
			       prog);
	default:
		if (streq(prog, path))
			return err_sys(e, r->err, "starting '%s'", prog);
		return err_sys(e, r->err, "starting '%s' (%s)", prog, path);
	}
}

static int wait_pid(pid_t pid, int *status)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (status)
		*status = st;
	return 0;
}

/* Parent side after fork: waits for exec or a report. */
static int parent_finish(const struct spawn_opts *o, const char *path,
			 pid_t pid, int report_fd, struct spawn_child *c,
			 struct err **e)
{
	struct child_report rep;
	ssize_t n = read_full(report_fd, &rep, sizeof(rep));
	int pidfd;

	if (n == sizeof(rep)) {
		wait_pid(pid, NULL);
		return report_error(o, path, &rep, e);
	}
	if (n != 0) {
		/* Cannot tell whether it runs: do not leave it unsupervised. */
		kill(pid, SIGKILL);
		wait_pid(pid, NULL);
		return err_sys(e, n < 0 ? (int)-n : EIO,
			       "starting '%s': reading the child's report",
			       o->argv[0]);
	}
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0) {
		int saved = errno;

		kill(pid, SIGKILL);
		wait_pid(pid, NULL);
		return err_sys(e, saved, "starting '%s': pidfd_open",
			       o->argv[0]);
	}
	c->pid = pid;
	c->pidfd = pidfd;
	return 0;
}

/* Opens /dev/null for each std fd the caller left at -1. */
static int plan_std_fds(const struct spawn_opts *o, struct child_plan *p,
			int *devnull, struct err **e)
{
	const int given[3] = {o->stdin_fd, o->stdout_fd, o->stderr_fd};
	int i;

	for (i = 0; i < 3; i++) {
		if (given[i] >= 0) {
			p->std_fds[i] = given[i];
			continue;
		}
		if (*devnull < 0)
			*devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (*devnull < 0)
			return err_sys(e, errno, "opening /dev/null");
		p->std_fds[i] = *devnull;
	}
	return 0;
}

/*
 * fork(), or clone3() when the child needs namespaces. The child of a
 * raw clone3() has the C library's state of a fork() child but for its
 * at-fork handlers: it only makes system calls until it execs.
 */
static pid_t start_child(const struct spawn_opts *o)
{
	struct clone_args args = {
		.flags = o->namespaces,
		.exit_signal = SIGCHLD,
	};

	if (!o->namespaces)
		return fork();
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int spawn_fork(struct child_plan *p, struct spawn_child *c,
		      struct err **e)
{
	_cleanup_close_ int rd = -1;
	sigset_t all;
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_sys(e, errno, "starting '%s': pipe", p->o->argv[0]);
	if (p->o->before_exec && pipe2(p->hold, O_CLOEXEC) < 0) {
		int saved = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return err_sys(e, saved, "starting '%s': pipe", p->o->argv[0]);
	}
	rd = pipefd[0];
	p->report_fd = pipefd[1];
	p->parent = getpid();
	/* No handler of ours may run in the child before it resets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &p->old_mask);
	pid = start_child(p->o);
	if (pid == 0)
		child_run(p);
	pthread_sigmask(SIG_SETMASK, &p->old_mask, NULL);
	close(pipefd[1]);
	if (p->o->before_exec) {
		int saved = errno, r = 0;
		_cleanup_close_ int go = p->hold[1];

		close(p->hold[0]);
		errno = saved;
		if (pid > 0 &&
		    ((r = p->o->before_exec(pid, p->o->opaque, e)) < 0 ||
		     write(go, "", 1) != 1)) {
			if (r == 0)
				r = err_sys(e, errno,
					    "starting '%s': releasing it",
					    p->o->argv[0]);
			kill(pid, SIGKILL);
			wait_pid(pid, NULL);
			return r;
		}
	}
	if (pid < 0)
		return err_sys(e, errno, "starting '%s': fork", p->o->argv[0]);
	return parent_finish(p->o, p->path, pid, rd, c, e);
}

int spawn_start(const struct spawn_opts *o, struct spawn_child *c,
		struct err **e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ int *lifted = NULL;
	_cleanup_close_ int devnull = -1;
	struct child_plan p = {.o = o};
	int r;

	c->pid = -1;
	c->pidfd = -1;
	if (!o->argv || !o->argv[0])
		return err_set(e, EINVAL, "starting a process: empty argv");
	r = check_keep_fds(o, &p.high, e);
	if (r < 0)
		return err_prefix(e, "starting '%s'", o->argv[0]);
	path = find_program(o->argv[0]);
	if (!path)
		return err_set(e, ENOENT, "starting '%s': not found in PATH",
			       o->argv[0]);
	p.path = path;
	r = plan_std_fds(o, &p, &devnull, e);
	if (r < 0)
		return err_prefix(e, "starting '%s'", o->argv[0]);
	lifted = xcalloc(3 + o->n_keep_fds, sizeof(*lifted));
	p.lifted = lifted;
	return spawn_fork(&p, c, e);
}

int spawn_wait(struct spawn_child *c, int *status)
{
	int r;

	if (c->pid <= 0)
		return -ECHILD;
	r = wait_pid(c->pid, status);
	if (r < 0)
		return r;
	close_safe(c->pidfd);
	c->pidfd = -1;
	c->pid = -1;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

int spawn_wait_timeout(struct spawn_child *c, int timeout_ms, int *status)
{
	struct pollfd pfd = {.fd = c->pidfd, .events = POLLIN};
	int64_t deadline = now_ms() + timeout_ms;

	if (c->pid <= 0 || c->pidfd < 0)
		return -ECHILD;
	if (timeout_ms < 0)
		return spawn_wait(c, status);
	for (;;) {
		int64_t left = deadline - now_ms();
		int n = poll(&pfd, 1, left > 0 ? (int)left : 0);

		if (n > 0)
			return spawn_wait(c, status);
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int spawn_kill(const struct spawn_child *c, int signo)
{
	if (c->pidfd < 0)
		return -ECHILD;
	if (pidfd_send_signal(c->pidfd, signo, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* Reads @fd to end of file into a malloc'ed string. */
static int read_to_string(int fd, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = xmalloc(cap);

	for (;;) {
		ssize_t n;

		if (cap - len < 1024) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int spawn_run(char *const *argv, char **out, int merge_stderr, struct err **e)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int rd = -1, wr = -1;
	struct spawn_child c;
	struct spawn_opts o;
	int pipefd[2], status, r;

	if (!argv || !argv[0])
		return err_set(e, EINVAL, "running a process: empty argv");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return err_sys(e, errno, "running '%s': pipe", argv[0]);
	rd = pipefd[0];
	wr = pipefd[1];
	spawn_opts_init(&o);
	o.argv = argv;
	o.stdout_fd = wr;
	o.stderr_fd = merge_stderr ? wr : -1;
	r = spawn_start(&o, &c, e);
	if (r < 0)
		return r;
	close_safe(steal_fd(wr)); /* so that reading ends with the child */
	r = read_to_string(rd, &text);
	if (r < 0) {
		spawn_kill(&c, SIGKILL);
		spawn_wait(&c, NULL);
		return err_sys(e, -r, "reading the output of '%s'", argv[0]);
	}
	r = spawn_wait(&c, &status);
	if (r < 0)
		return err_sys(e, -r, "waiting for '%s'", argv[0]);
	if (out)
		*out = steal_ptr(text);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

char *spawn_status_str(int status)
{
	if (WIFEXITED(status))
		return xasprintf("exited with status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));
		const char *core = WCOREDUMP(status) ? " (core dumped)" : "";

		if (name)
			return xasprintf("killed by SIG%s%s", name, core);
		return xasprintf("killed by signal %d%s", WTERMSIG(status),
				 core);
	}
	if (WIFSTOPPED(status))
		return xasprintf("stopped by signal %d", WSTOPSIG(status));
	return xasprintf("unknown wait status 0x%x", (unsigned)status);
}
