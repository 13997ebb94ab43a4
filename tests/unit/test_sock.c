// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/sock.h"
#include "test.h"

#include <errno.h>
#include <sys/stat.h>

static void sock_long_path_is_named(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct sockaddr_un sa;
	char path[200];

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	CHECK_INT_EQ(sock_unix_addr(&sa, path, "control socket", &e),
		     -ENAMETOOLONG);
	CHECK_STR_CONTAINS(err_msg(e), "control socket '/aaa");
	CHECK_STR_CONTAINS(err_msg(e), "': path too long");
	CHECK_INT_EQ(sock_unix_addr(&sa, "/run/x.sock", "s", NULL), 0);
	CHECK_STR_EQ(sa.sun_path, "/run/x.sock");
	CHECK_INT_EQ(sa.sun_family, AF_UNIX);
}

static void sock_connects_or_names_the_path(void)
{
	_cleanup_err_ struct err *e = NULL;
	char dir[] = "/tmp/nido-sock-XXXXXX";
	_cleanup_free_ char *path = NULL;
	struct sockaddr_un sa;
	int before = test_count_fds(), lfd, fd;

	CHECK(mkdtemp(dir) != NULL);
	path = xasprintf("%s/s.sock", dir);
	CHECK_INT_EQ(sock_unix_connect(path, 0, &e), -ENOENT);
	CHECK_STR_CONTAINS(err_msg(e), "connecting to '");
	CHECK_STR_CONTAINS(err_msg(e), "s.sock': No such file or directory");

	CHECK_INT_EQ(sock_unix_addr(&sa, path, "test socket", NULL), 0);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	CHECK_INT_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT_EQ(listen(lfd, 1), 0);
	fd = sock_unix_connect(path, SOCK_NONBLOCK, NULL);
	CHECK(fd >= 0);
	close(fd);
	close(lfd);
	unlink(path);
	rmdir(dir);
	CHECK_INT_EQ(test_count_fds(), before);
}

/* The socket file is 0600 under umask 000; the umask is restored. */
static void sock_bind_private_is_0600(void)
{
	char dir[] = "/tmp/nido-sock-XXXXXX";
	_cleanup_free_ char *path = NULL;
	struct sockaddr_un sa;
	struct ucred cred;
	struct stat st;
	mode_t old = umask(0);
	int lfd, fd, afd;

	CHECK(mkdtemp(dir) != NULL);
	path = xasprintf("%s/s.sock", dir);
	CHECK_INT_EQ(sock_unix_addr(&sa, path, "test socket", NULL), 0);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(lfd >= 0);
	CHECK_INT_EQ(sock_unix_bind_private(lfd, &sa), 0);
	CHECK_INT_EQ(umask(old), 0);
	CHECK_INT_EQ(stat(path, &st), 0);
	CHECK_INT_EQ(st.st_mode & 07777, 0600);
	/* an error leaves the umask as it was too */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	umask(022);
	CHECK_INT_EQ(sock_unix_bind_private(fd, &sa), -EADDRINUSE);
	CHECK_INT_EQ(umask(old), 022);
	close(fd);
	CHECK_INT_EQ(listen(lfd, 1), 0);
	fd = sock_unix_connect(path, 0, NULL);
	CHECK(fd >= 0);
	afd = accept(lfd, NULL, NULL);
	CHECK(afd >= 0);
	CHECK_INT_EQ(sock_peer_cred(afd, &cred), 0);
	CHECK_INT_EQ(cred.pid, getpid());
	CHECK(sock_peer_is_self_or_root(afd, &cred));
	close(afd);
	close(fd);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(sock_long_path_is_named);
	RUN(sock_connects_or_names_the_path);
	RUN(sock_bind_private_is_0600);
	return test_done();
}
