// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/sock.h"

#include <errno.h>
#include <sys/stat.h>

#include "lib/log.h"

int sock_unix_addr(struct sockaddr_un *sa, const char *path, const char *what,
		   struct err **e)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return err_set(e, ENAMETOOLONG, "%s '%s': path too long", what,
			       path);
	strcpy(sa->sun_path, path);
	return 0;
}

int sock_unix_connect(const char *path, int flags, struct err **e)
{
	struct sockaddr_un sa;
	_cleanup_close_ int fd = -1;

	if (sock_unix_addr(&sa, path, "socket", e) < 0)
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return err_sys(e, errno, "creating a socket for '%s'", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, errno, "connecting to '%s'", path);
	return steal_fd(fd);
}

int sock_unix_bind_private(int fd, const struct sockaddr_un *sa)
{
	mode_t old = umask(0177);
	int r = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int saved = errno;

	umask(old);
	errno = saved;
	return r < 0 ? -saved : 0;
}

int sock_peer_cred(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return -errno;
	return len == sizeof(*cred) ? 0 : -EPROTO;
}

bool sock_peer_is_self_or_root(int fd, struct ucred *cred)
{
	if (sock_peer_cred(fd, cred) < 0) {
		cred->uid = (uid_t)-1;
		cred->pid = 0;
		return false;
	}
	return cred->uid == 0 || cred->uid == geteuid();
}

int sock_unix_listen_private(const char *path, const char *what, struct err **e)
{
	struct sockaddr_un sa;
	int fd, r;

	if ((r = sock_unix_addr(&sa, path, what, e)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "%s '%s'", what, path);
	if (sock_unix_bind_private(fd, &sa) < 0 || listen(fd, 1) < 0) {
		r = err_sys(e, errno, "creating %s '%s'", what, path);
		close(fd);
		return r;
	}
	return fd;
}

int sock_accept_private(int listen_fd, const char *what)
{
	struct ucred cred;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (!sock_peer_is_self_or_root(fd, &cred)) {
		log_warn("%s: refused a client of uid %d (pid %d): only root "
			 "and uid %d may connect",
			 what, (int)cred.uid, (int)cred.pid, (int)geteuid());
		close(fd);
		return -EPERM;
	}
	return fd;
}
