// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/sock.h"

#include <errno.h>
#include <sys/stat.h>

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
