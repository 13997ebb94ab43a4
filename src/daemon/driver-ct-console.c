// SPDX-License-Identifier: GPL-2.0-or-later
/* A container's console: two ptys, a relay and a keeper (driver-ct.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "daemon/driver-common.h"
#include "daemon/driver-ct.h"
#include "lib/loop.h"
#include "lib/util.h"

/* A new pty: its master (non-blocking) and slave, both close-on-exec. */
static int pty_pair(int *master, int *slave, char **path, struct err **e)
{
	char name[64];
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);

	if (m < 0)
		return err_sys(e, errno, "opening a pseudo-terminal");
	if (grantpt(m) < 0 || unlockpt(m) < 0 ||
	    ptsname_r(m, name, sizeof(name)) != 0) {
		int r = err_sys(e, errno, "setting up a pseudo-terminal");

		close(m);
		return r;
	}
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		int r = err_sys(e, errno, "opening '%s'", name);

		close(m);
		return r;
	}
	*master = m;
	if (path)
		*path = xstrdup(name);
	return 0;
}

int ct_console_open(struct ct_console *c, uid_t uid, gid_t gid, struct err **e)
{
	struct termios t;

	if (pty_pair(&c->master_ct, &c->slave_ct, NULL, e) < 0)
		return -EIO;
	/* the container's root owns its console, as a console's owner */
	if (fchown(c->slave_ct, uid, gid) < 0 || fchmod(c->slave_ct, 0620) < 0)
		return err_sys(e, errno,
			       "handing the console to the container");
	if (pty_pair(&c->master_api, &c->slave_api_hold, &c->pty, e) < 0)
		return -EIO;
	/* bytes pass through the API's pty as they are */
	if (tcgetattr(c->slave_api_hold, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(c->slave_api_hold, TCSANOW, &t);
	}
	return 0;
}

/* Moves what @from has to @to; what @to cannot take now is dropped (a
 * console nobody reads must not stop the container). False: @from's
 * other side is gone. */
static bool pass(int from, int to)
{
	char buf[4096];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	if (write(to, buf, (size_t)n) < 0) {
		/* dropped: EAGAIN when full */
	}
	return true;
}

static void on_ct(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct ct_console *c = opaque;

	if (!pass(c->master_ct, c->master_api)) {
		/* every slave is closed: stop, or its hang-up spins */
		loop_source_del(l, c->src_ct);
		c->src_ct = NULL;
	}
}

static void on_api(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct ct_console *c = opaque;

	if (!pass(c->master_api, c->master_ct)) {
		loop_source_del(l, c->src_api);
		c->src_api = NULL;
	}
}

int ct_console_relay(struct ct_console *c, struct loop *l, struct err **e)
{
	c->src_ct = loop_fd_add(l, c->master_ct, EPOLLIN, on_ct, c, e);
	if (!c->src_ct)
		return -EIO;
	c->src_api = loop_fd_add(l, c->master_api, EPOLLIN, on_api, c, e);
	return c->src_api ? 0 : -EIO;
}

/* The keeper: system calls only (the daemon may have threads). */
NORETURN static void keeper(const int fds[4])
{
	struct pollfd p = {.fd = CT_KEEPER_FD_INIT, .events = POLLIN};
	int high[4];
	sigset_t all;

	setsid();
	for (int i = 0; i < 4; i++)
		high[i] = fcntl(fds[i], F_DUPFD, 100);
	for (int i = 0; i < 4; i++)
		if (high[i] < 0 || dup2(high[i], CT_KEEPER_FD_CT + i) < 0)
			_exit(1);
	syscall(SYS_close_range, CT_KEEPER_FD_INIT + 1, ~0u, 0);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigprocmask(SIG_SETMASK, &all, NULL);
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	_exit(0);
}

int ct_console_keep(struct ct_console *c, int pidfd, struct err **e)
{
	int fds[4] = {c->master_ct, c->master_api, c->slave_api_hold, pidfd};
	struct clone_args a = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&c->keeper_pidfd,
		.exit_signal = SIGCHLD,
	};
	pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));

	if (pid < 0)
		return err_sys(e, errno, "starting the console's keeper");
	if (pid == 0)
		keeper(fds);
	c->keeper = pid;
	return 0;
}

/* fd @n of the keeper, close-on-exec here. */
static int take(int pidfd, int n)
{
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, n, 0);

	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int ct_console_take_back(struct ct_console *c, pid_t keeper, uint64_t start,
			 const char *pty, struct err **e)
{
	char name[64];

	if (keeper <= 1 || driver_proc_start_time(keeper) != start)
		return err_set(e, ESRCH, "its keeper is gone");
	c->keeper_pidfd = (int)pidfd_open(keeper, 0);
	if (c->keeper_pidfd < 0 || driver_proc_start_time(keeper) != start)
		return err_set(e, ESRCH, "its keeper is gone");
	c->keeper = keeper;
	c->master_ct = take(c->keeper_pidfd, CT_KEEPER_FD_CT);
	c->master_api = take(c->keeper_pidfd, CT_KEEPER_FD_API);
	c->slave_api_hold = take(c->keeper_pidfd, CT_KEEPER_FD_SLAVE);
	if (c->master_ct < 0 || c->master_api < 0 || c->slave_api_hold < 0)
		return err_sys(e, errno,
			       "taking the ptys back from its keeper");
	/* the keeper's fds are not trusted to be what the record says */
	if (ptsname_r(c->master_api, name, sizeof(name)) != 0 ||
	    !streq(name, pty))
		return err_set(e, EINVAL, "its keeper does not hold '%s'", pty);
	fcntl(c->master_ct, F_SETFL, O_NONBLOCK);
	fcntl(c->master_api, F_SETFL, O_NONBLOCK);
	c->pty = xstrdup(pty);
	return 0;
}

void ct_console_close(struct ct_console *c, struct loop *l, bool end_keeper)
{
	loop_source_del(l, c->src_ct);
	loop_source_del(l, c->src_api);
	c->src_ct = c->src_api = NULL;
	close_safe(c->master_ct);
	close_safe(c->slave_ct);
	close_safe(c->master_api);
	close_safe(c->slave_api_hold);
	c->master_ct = c->slave_ct = c->master_api = c->slave_api_hold = -1;
	if (c->keeper_pidfd >= 0 && end_keeper) {
		syscall(SYS_pidfd_send_signal, c->keeper_pidfd, SIGKILL, NULL,
			0);
		/* ours to reap when this daemon started it; else init's */
		waitid(P_PIDFD, (id_t)c->keeper_pidfd, NULL, WEXITED);
	}
	close_safe(c->keeper_pidfd);
	c->keeper_pidfd = -1;
	c->keeper = 0;
	free(c->pty);
	c->pty = NULL;
}
