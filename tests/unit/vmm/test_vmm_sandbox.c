// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido-vmm's sandbox (src/vmm/sandbox.c), each in a child process: the
 * seccomp filter lets what a running VM does through and kills on the
 * rest; the full sandbox (as root) leaves no capability, no host file
 * and uid 0 nowhere. The slots of the id range are exclusive.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lib/idrange.h"
#include "tests/unit/test.h"
#include "vmm/sandbox.h"

/* Runs @fn in a child; returns its wait status. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static int filter_then_allowed(void)
{
	char buf[1];
	int p[2];

	if (pipe(p) < 0 || sandbox_seccomp(NULL) < 0)
		return 1;
	/* What a running VM does: I/O on its fds, memory, time. */
	if (write(p[1], "x", 1) != 1 || read(p[0], buf, 1) != 1)
		return 2;
	free(malloc(1 << 20));
	return 0;
}

/* The locks that keep others off its disks and identity stay put. */
static int filter_then_unlock(void)
{
	struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0 || sandbox_seccomp(NULL) < 0)
		return 1;
	if (fcntl(fd, F_OFD_SETLK, &fl) == 0 || errno != EPERM)
		return 2;
	if (fcntl(fd, F_GETFD) < 0) /* flags still work */
		return 3;
	return 0;
}

static int filter_then_dumpable(void)
{
	if (sandbox_seccomp(NULL) < 0)
		return 1;
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	return 0;
}

static int filter_then_open(void)
{
	if (sandbox_seccomp(NULL) < 0)
		return 1;
	open("/etc/hostname", O_RDONLY);
	return 0; /* not reached: killed */
}

static int filter_then_socket(void)
{
	if (sandbox_seccomp(NULL) < 0)
		return 1;
	socket(AF_INET, SOCK_STREAM, 0);
	return 0;
}

static int filter_then_fork(void)
{
	if (sandbox_seccomp(NULL) < 0)
		return 1;
	if (fork() == 0)
		_exit(0);
	return 0;
}

static void seccomp_allows_the_run_and_kills_the_rest(void)
{
	int st;

	st = in_child(filter_then_allowed);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	st = in_child(filter_then_open);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = in_child(filter_then_socket);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = in_child(filter_then_fork);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = in_child(filter_then_dumpable);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	st = in_child(filter_then_unlock);
	CHECK(WIFEXITED(st));
	CHECK_INT_EQ(WEXITSTATUS(st), 0);
}

static int enter_and_look(void)
{
	struct sandbox_opts o = {
		.enabled = true, .uid = 4000001, .gid = 4000002};
	struct stat st;
	uid_t r, e, s;

	if (sandbox_enter(&o, NULL) < 0)
		return 1;
	if (getresuid(&r, &e, &s) < 0 || r != 4000001 || e != r || s != r)
		return 2;
	if (getgid() != 4000002 || getgroups(0, NULL) != 0)
		return 3;
	if (stat("/etc", &st) == 0 || stat("/proc", &st) == 0)
		return 4; /* the host's files are out of sight */
	if (mkdir("/x", 0700) == 0 || errno != EROFS)
		return 5; /* the empty root is read-only */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 6;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		return 7;
	if (setuid(0) == 0)
		return 8;
	return 0;
}

static void sandbox_enter_as_root(void)
{
	int st;

	if (geteuid() != 0)
		SKIP("needs root (namespaces and a change of identity)");
	st = in_child(enter_and_look);
	CHECK(WIFEXITED(st));
	CHECK_INT_EQ(WEXITSTATUS(st), 0);
}

static int enter_as_root_identity(void)
{
	struct sandbox_opts o = {.enabled = true};

	return sandbox_enter(&o, NULL) == -EINVAL ? 0 : 1;
}

static void sandbox_refuses_root_identity(void)
{
	int st;

	if (geteuid() != 0)
		SKIP("needs root");
	st = in_child(enter_as_root_identity);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void idrange_slots_are_exclusive(void)
{
	char path[] = "/tmp/nido-idrange-XXXXXX";
	int dir_fd = -1, a, b;
	unsigned sa = 0, sb = 0;
	struct idrange r = {1000000, 4, 2000000, 4};
	_cleanup_free_ char *lock = NULL;
	_cleanup_err_ struct err *e = NULL;
	uid_t u;
	gid_t g;

	CHECK(mkdtemp(path) != NULL);
	lock = xasprintf("%s/ids.lock", path);
	a = idrange_claim(&r, lock, &sa, NULL);
	CHECK(a >= 0);
	/* Another open file description (another process, as far as the
	 * locks go) gets another slot. */
	b = idrange_claim(&r, lock, &sb, NULL);
	CHECK(b >= 0);
	CHECK(sa != sb && sa >= 1 && sb >= 1);
	close(a);
	a = idrange_claim(&r, lock, &sa, NULL);
	CHECK(a >= 0);
	CHECK_INT_EQ(sa, 1);
	close(b);
	b = idrange_claim(&r, lock, &sb, NULL);
	dir_fd = idrange_claim(&r, lock, &sb, NULL);
	CHECK(dir_fd >= 0);
	CHECK_INT_EQ(idrange_claim(&r, lock, &sb, &e), -EAGAIN);
	idrange_ids(&r, 3, &u, &g);
	CHECK_INT_EQ(u, 1000003);
	CHECK_INT_EQ(g, 2000003);
	close(a);
	close(b);
	close(dir_fd);
	unlink(lock);
	rmdir(path);
}

int main(void)
{
	RUN(seccomp_allows_the_run_and_kills_the_rest);
	RUN(sandbox_enter_as_root);
	RUN(sandbox_refuses_root_identity);
	RUN(idrange_slots_are_exclusive);
	return test_done();
}
