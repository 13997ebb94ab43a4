/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unix stream sockets: addresses and connecting, for every socket user. */
#ifndef NIDO_LIB_SOCK_H
#define NIDO_LIB_SOCK_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/err.h"

/*
 * Fills @sa with @path. Returns 0, or -ENAMETOOLONG with @e naming
 * @what and the path ("control socket '/x...': path too long").
 */
int sock_unix_addr(struct sockaddr_un *sa, const char *path, const char *what,
		   struct err **e);

/*
 * Connects a new stream socket (CLOEXEC, plus @flags such as
 * SOCK_NONBLOCK) to @path. Returns the fd, owned by the caller, or
 * -errno with @e filled ("connecting to '/x': ...").
 */
int sock_unix_connect(const char *path, int flags, struct err **e);

/*
 * Binds @fd to @sa with a socket file of mode 0600 from the moment it
 * exists: bind(2) creates the file with the process's umask applied and
 * a socket file cannot be chmod'ed before it exists, so the umask is
 * tightened (0177) around bind(2). umask is per process: callers bind
 * while no other thread of theirs creates files (at start-up). Returns
 * 0 or -errno (errno as bind(2) left it); no message, the caller names
 * the socket.
 */
int sock_unix_bind_private(int fd, const struct sockaddr_un *sa);

/*
 * The credentials of the peer of a connected unix socket (SO_PEERCRED:
 * as they were at connect(2)). Returns 0 or -errno.
 */
int sock_peer_cred(int fd, struct ucred *cred);

/*
 * true when the peer of @fd runs as root or as this process's effective
 * uid: the clients a private control socket serves. A peer whose
 * credentials cannot be read is refused.
 */
bool sock_peer_is_self_or_root(int fd, struct ucred *cred);

/*
 * A new stream socket (CLOEXEC) bound at @path with
 * sock_unix_bind_private() and listening for one client. Returns the
 * fd, or -errno with @e naming @what and the path.
 */
int sock_unix_listen_private(const char *path, const char *what,
			     struct err **e);

/*
 * Accepts a client on @listen_fd (CLOEXEC, non-blocking) when it runs
 * as root or as us (sock_peer_is_self_or_root()); another is closed and
 * logged, naming @what. Returns the fd or -errno (-EPERM: refused).
 */
int sock_accept_private(int listen_fd, const char *what);

#endif
