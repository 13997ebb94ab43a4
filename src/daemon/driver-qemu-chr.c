// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's serial ports (driver-qemu.h): what each one is
 * connected to on the host, opened by nidod, and its -chardev and
 * -device. QEMU runs as an unprivileged identity of its own and may open
 * nothing a definition names: a file, a tty or a unix socket is opened
 * (or bound, or connected) here, as root, under the rules of
 * docs/security.md, and passed to QEMU as an fd (a file or tty in an fd
 * set, a socket as fd=N). TCP and UDP are QEMU's own sockets, with its
 * identity's rights (no port below 1024).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/driver-qemu.h"
#include "lib/sock.h"

/* Whether serial @c's source is an fd nidod opens. */
static bool source_fd(const struct domain_chardev *c)
{
	return c->type == CHARDEV_FILE || c->type == CHARDEV_DEV ||
	       c->type == CHARDEV_UNIX;
}

/* Whether rng @r's EGD daemon is on a unix socket nidod opens. */
static bool rng_fd(const struct domain_rng *r)
{
	return r->model == RNG_BACKEND_EGD && r->egd_type == CHARDEV_UNIX;
}

size_t qemu_chr_n_fds(const struct domain_def *def)
{
	size_t n = 0;

	for (size_t i = 0; i < def->n_serials; i++)
		n += source_fd(&def->serials[i]) + !!def->serials[i].log_file;
	for (size_t i = 0; i < def->n_rngs; i++)
		n += rng_fd(&def->rngs[i]);
	return n;
}

int qemu_chr_check_egd(enum chardev_type type, struct err **e)
{
	if (type != CHARDEV_TCP && type != CHARDEV_UNIX)
		return err_set(e, ENOTSUP,
			       "<rng> backend 'egd' of type '%s' not "
			       "supported by the qemu driver (tcp, unix: "
			       "the EGD protocol is a stream)",
			       chardev_type_names[type]);
	return 0;
}

int qemu_chr_check_dirs(const char *what, const char *path, struct err **e)
{
	_cleanup_free_ char *dir = xstrdup(path);
	char *slash = dir;
	struct stat st;

	while ((slash = strchr(slash + 1, '/'))) {
		*slash = '\0';
		if (lstat(dir[0] ? dir : "/", &st) < 0)
			return err_sys(e, errno, "%s '%s': '%s'", what, path,
				       dir);
		if (!S_ISDIR(st.st_mode) ||
		    (st.st_uid != 0 && st.st_uid != geteuid()) ||
		    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
			return err_setk(e, ERR_CONFIG_UNSUPPORTED, EPERM,
					"%s '%s': '%s' is not a directory "
					"that only root or nidod's user can "
					"change (nidod binds sockets only "
					"there)",
					what, path, dir);
		*slash = '/';
	}
	return 0;
}

/* A file to write: made (0600) or an existing regular file with one
 * name, never through a symbolic link. */
static int open_file(const char *what, const char *path, bool append,
		     struct err **e)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC |
			      O_NONBLOCK | (append ? O_APPEND : O_TRUNC),
		      0600);
	struct stat st;

	if (fd < 0)
		return err_sys(e, errno, "%s '%s'", what, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EPERM,
				"%s '%s': not a regular file with one name "
				"(nidod writes only those)",
				what, path);
	}
	return fd;
}

/* A terminal: a device that is a tty (not /dev/mem or a disk). */
static int open_tty(const char *path, struct err **e)
{
	int fd = open(path,
		      O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return err_sys(e, errno, "serial device '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || !isatty(fd)) {
		close(fd);
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EPERM,
				"serial device '%s' is not a terminal "
				"(nidod passes QEMU only ttys)",
				path);
	}
	return fd;
}

/* A unix socket: bound and listened on in a directory only root
 * changes, or connected to. */
static int open_unix(const char *what, const struct chardev_source *s,
		     struct err **e)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r;

	if (!s->listen) {
		fd = sock_unix_connect(s->path, 0, e);
		return fd < 0 ? err_prefix(e, "%s", what) : fd;
	}
	if ((r = qemu_chr_check_dirs(what, s->path, e)) < 0)
		return r;
	if (lstat(s->path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EEXIST,
				"%s '%s' exists and is not a socket: nidod "
				"does not replace it",
				what, s->path);
	if ((r = sock_unix_addr(&sa, s->path, what, e)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "%s", what);
	unlink(s->path);
	if (sock_unix_bind_private(fd, &sa) < 0 || listen(fd, 1) < 0) {
		r = err_sys(e, errno, "%s '%s'", what, s->path);
		close(fd);
		return r;
	}
	return fd;
}

static int open_source(const struct domain_chardev *c, struct err **e)
{
	switch (c->type) {
	case CHARDEV_FILE:
		return open_file("serial file", c->src.path,
				 c->src.append == DOMAIN_TRISTATE_ON, e);
	case CHARDEV_DEV:
		return open_tty(c->src.path, e);
	default:
		return open_unix("serial socket", &c->src, e);
	}
}

int qemu_chr_open(const struct domain_def *def, int *fds, struct err **e)
{
	size_t k = 0;
	int fd;

	for (size_t i = 0; i < def->n_serials; i++) {
		const struct domain_chardev *c = &def->serials[i];

		if (source_fd(c)) {
			if ((fd = open_source(c, e)) < 0) {
				err_prefix(e, "serial port %u", c->port);
				goto fail;
			}
			fds[k++] = fd;
		}
		if (c->log_file) {
			fd = open_file("serial log", c->log_file,
				       c->log_append == DOMAIN_TRISTATE_ON, e);
			if (fd < 0)
				goto fail;
			fds[k++] = fd;
		}
	}
	for (size_t i = 0; i < def->n_rngs; i++) {
		if (!rng_fd(&def->rngs[i]))
			continue;
		if ((fd = open_unix("rng socket", &def->rngs[i].egd, e)) < 0)
			goto fail;
		fds[k++] = fd;
	}
	return 0;
fail:
	while (k)
		close(fds[--k]);
	return -EIO;
}

/*
 * A file or tty: "-add-fd" of fd @fd into set @set and its path
 * /dev/fdset/@set; natively (@fd < 0) @path itself.
 */
static char *fd_path(struct qemu_argv *a, int fd, int set, const char *path)
{
	if (fd < 0)
		return xstrdup(path);
	qemu_arg(a, "-add-fd");
	{
		_cleanup_free_ char *s = xasprintf("set=%d,fd=%d", set, fd);

		qemu_arg(a, s);
	}
	return xasprintf("/dev/fdset/%d", set);
}

/* The -chardev backend of a @type on @s, without its id: "pty",
 * "file,path=...". */
static char *backend(struct qemu_argv *a, enum chardev_type type,
		     const struct chardev_source *s, int *fd, int *set)
{
	_cleanup_free_ char *p = NULL;

	switch (type) {
	case CHARDEV_FILE:
	case CHARDEV_DEV:
		p = fd_path(a, *fd, (*set)++, s->path);
		*fd += *fd >= 0;
		/* nidod opened it, truncated or not: QEMU appends */
		return type == CHARDEV_FILE
			       ? xasprintf("file,path=%s,append=on", p)
			       : xasprintf("serial,path=%s", p);
	case CHARDEV_UNIX:
		if (*fd < 0)
			return xasprintf("socket,path=%s%s", s->path,
					 s->listen ? ",server=on,wait=off"
						   : "");
		return xasprintf("socket,fd=%d%s", (*fd)++,
				 s->listen ? ",server=on,wait=off" : "");
	case CHARDEV_TCP:
		return xasprintf("socket,host=%s,port=%s%s%s",
				 s->host ? s->host : "", s->service,
				 s->telnet ? ",telnet=on" : "",
				 s->listen ? ",server=on,wait=off" : "");
	case CHARDEV_UDP:
		return xasprintf("udp,host=%s,port=%s,localaddr=%s,"
				 "localport=%s",
				 s->host ? s->host : "", s->service,
				 s->bind_host ? s->bind_host : "",
				 s->bind_service ? s->bind_service : "0");
	default:
		return xstrdup(chardev_type_names[type]);
	}
}

/* "-chardev TYPE,id=charserialI,..." with its log, then its device. */
static void serial_args(struct qemu_argv *a, const struct domain_def *def,
			size_t i, int *fd, int *set)
{
	const struct domain_chardev *c = &def->serials[i];
	_cleanup_free_ char *be = backend(a, c->type, &c->src, fd, set);
	_cleanup_free_ char *type = xstrndup(be, strcspn(be, ","));
	_cleanup_free_ char *log = NULL, *ch = NULL;
	struct json_object *o = json_object_new_object();

	if (c->log_file) {
		_cleanup_free_ char *p = fd_path(a, *fd, (*set)++, c->log_file);

		*fd += *fd >= 0;
		log = xasprintf(",logfile=%s,logappend=on", p);
	}
	ch = xasprintf("%s,id=charserial%zu%s%s", type, i, be + strlen(type),
		       log ? log : "");
	qemu_arg(a, "-chardev");
	qemu_arg(a, ch);
	free(ch);
	ch = xasprintf("charserial%zu", i);
	json_object_object_add(
		o, "driver",
		json_object_new_string(c->serial_target == SERIAL_TARGET_PCI
					       ? "pci-serial"
					       : "isa-serial"));
	json_object_object_add(o, "chardev", json_object_new_string(ch));
	free(ch);
	ch = xasprintf("serial%zu", i);
	json_object_object_add(o, "id", json_object_new_string(ch));
	if (c->serial_target == SERIAL_TARGET_PCI) {
		qemu_json_pci(o, def, QEMU_PCI_CHR_SERIAL, i);
	} else {
		json_object_object_add(o, "index",
				       json_object_new_int((int)c->port));
		if (c->iobase)
			json_object_object_add(
				o, "iobase",
				json_object_new_int((int)c->iobase));
		if (c->irq)
			json_object_object_add(
				o, "irq", json_object_new_int((int)c->irq));
	}
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_chardevs(struct qemu_argv *a, const struct domain_def *def,
			int first_fd, int first_set)
{
	int fd = first_fd, set = first_set;

	for (size_t i = 0; i < def->n_serials; i++)
		serial_args(a, def, i, &fd, &set);
	for (size_t i = 0; i < def->n_rngs; i++) {
		const struct domain_rng *r = &def->rngs[i];
		_cleanup_free_ char *be = NULL, *type = NULL, *ch = NULL;

		if (r->model != RNG_BACKEND_EGD)
			continue;
		be = backend(a, r->egd_type, &r->egd, &fd, &set);
		type = xstrndup(be, strcspn(be, ","));
		ch = xasprintf("%s,id=charrng%zu%s", type, i,
			       be + strlen(type));
		qemu_arg(a, "-chardev");
		qemu_arg(a, ch);
	}
}
