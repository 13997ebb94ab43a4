/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unix stream sockets: addresses and connecting, for every socket user. */
#ifndef NIDO_LIB_SOCK_H
#define NIDO_LIB_SOCK_H

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

#endif
