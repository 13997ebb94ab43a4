// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtiofsd for a machine's <filesystem><driver type='virtiofs'> with
 * <source dir=> (driver-qemu.h): nidod starts one per share at each
 * start, as root (as libvirt does: it serves the directory with its
 * owners), with the <binary> options. Its vhost-user socket is a
 * listening socket nidod bound (0600, root's), handed to it as fd 3
 * (--fd=3); nidod connects to it at once, unlinks the path, and QEMU
 * gets the connected end as its chardev's fd: no path QEMU's identity
 * must reach, and no one else can reach it first. virtiofsd ends when
 * QEMU closes its end.
 */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/driver-qemu.h"
#include "lib/sock.h"
#include "lib/spawn.h"

/* The virtiofsd a share without <binary path> gets: Debian's own
 * package's, else QEMU's. */
static const char *default_binary(void)
{
	return access("/usr/libexec/virtiofsd", X_OK) == 0
		       ? "/usr/libexec/virtiofsd"
		       : "/usr/lib/qemu/virtiofsd";
}

bool qemu_virtiofsd_needed(const struct domain_vfs *fs)
{
	return fs->driver == VFS_DRIVER_VIRTIOFS && !fs->socket;
}

/* virtiofsd's command line for @fs into @argv (@opts the strings it
 * owns, freed by the caller). */
static void vfsd_argv(const struct domain_vfs *fs, char **argv, char **opts)
{
	static const char *const cache[] = {"", "none", "always"};
	static const char *const sandbox[] = {"", "namespace", "chroot"};
	size_t n = 0, k = 0;

	argv[n++] = (char *)(fs->binary && *fs->binary ? fs->binary
						       : default_binary());
	argv[n++] = "--fd=3";
	argv[n++] = "-o";
	argv[n++] = opts[k++] = xasprintf("source=%s", fs->source);
	if (fs->cache) {
		argv[n++] = "-o";
		argv[n++] = opts[k++] = xasprintf("cache=%s", cache[fs->cache]);
	}
	if (fs->sandbox) {
		argv[n++] = "-o";
		argv[n++] = opts[k++] =
			xasprintf("sandbox=%s", sandbox[fs->sandbox]);
	}
	if (fs->xattr) {
		argv[n++] = "-o";
		argv[n++] =
			fs->xattr == DOMAIN_TRISTATE_ON ? "xattr" : "no_xattr";
	}
	if (fs->posix_lock) {
		argv[n++] = "-o";
		argv[n++] = fs->posix_lock == DOMAIN_TRISTATE_ON
				    ? "posix_lock"
				    : "no_posix_lock";
	}
	if (fs->flock) {
		argv[n++] = "-o";
		argv[n++] =
			fs->flock == DOMAIN_TRISTATE_ON ? "flock" : "no_flock";
	}
	if (fs->thread_pool)
		argv[n++] = opts[k++] =
			xasprintf("--thread-pool-size=%u", fs->thread_pool);
	argv[n] = NULL;
}

/* A listening socket at @path (0600) and a connection to it: *@listen_fd
 * for virtiofsd, *@qemu_fd for QEMU; the path is gone after. */
static int socket_pair_at(const char *path, int *listen_fd, int *qemu_fd,
			  struct err **e)
{
	struct sockaddr_un sa;
	int l, c, r;

	if ((r = sock_unix_addr(&sa, path, "virtiofs socket", e)) < 0)
		return r;
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		return err_sys(e, errno, "virtiofs socket");
	unlink(path);
	if (sock_unix_bind_private(l, &sa) < 0 || listen(l, 1) < 0) {
		r = err_sys(e, errno, "virtiofs socket '%s'", path);
		close(l);
		return r;
	}
	c = sock_unix_connect(path, 0, e);
	unlink(path);
	if (c < 0) {
		close(l);
		return c;
	}
	*listen_fd = l;
	*qemu_fd = c;
	return 0;
}

static int start_one(const struct domain_vfs *fs, const char *path, int log_fd,
		     struct spawn_child *child, int *qemu_fd, struct err **e)
{
	char *argv[20], *opts[4] = {NULL};
	struct spawn_fd keep;
	struct spawn_opts o;
	int l = -1, r;

	if ((r = socket_pair_at(path, &l, qemu_fd, e)) < 0)
		return r;
	vfsd_argv(fs, argv, opts);
	spawn_opts_init(&o);
	keep = (struct spawn_fd){.from = l, .to = 3};
	o.argv = argv;
	o.keep_fds = &keep;
	o.n_keep_fds = 1;
	o.stdout_fd = log_fd;
	o.stderr_fd = log_fd;
	o.new_session = 1;
	r = spawn_start(&o, child, e);
	close(l);
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		free(opts[i]);
	if (r < 0) {
		close(*qemu_fd);
		*qemu_fd = -1;
		return err_prefix(e, "filesystem '%s': virtiofsd", fs->target);
	}
	return 0;
}

int qemu_virtiofsd_start(const struct domain_def *def, const char *sock_base,
			 int log_fd, struct spawn_child *children,
			 int *qemu_fds, struct err **e)
{
	const struct domain_devmisc *m = def->misc;

	for (size_t i = 0; m && i < m->n_vfs; i++) {
		_cleanup_free_ char *path = xasprintf("%s.fs%zu", sock_base, i);
		int r;

		children[i] = (struct spawn_child){.pid = -1, .pidfd = -1};
		qemu_fds[i] = -1;
		if (!qemu_virtiofsd_needed(&m->vfs[i]))
			continue;
		r = start_one(&m->vfs[i], path, log_fd, &children[i],
			      &qemu_fds[i], e);
		if (r < 0) {
			qemu_virtiofsd_stop(children, qemu_fds, i);
			return r;
		}
	}
	return 0;
}

void qemu_virtiofsd_stop(struct spawn_child *children, int *qemu_fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (qemu_fds && qemu_fds[i] >= 0) {
			close(qemu_fds[i]);
			qemu_fds[i] = -1;
		}
		qemu_helper_stop(&children[i]); /* a second, then killed */
	}
}
