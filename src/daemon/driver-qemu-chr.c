// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's character devices (driver-qemu.h): serial and
 * parallel ports, virtio consoles, channels, rngs' EGD daemons: what
 * each one is connected to on the host, opened by nidod, and its
 * -chardev (and a port's -device). QEMU runs as an unprivileged identity of its
 * own and may open nothing a definition names: a file, a tty or a unix socket
 * is opened (or bound, or connected) here, as root, under the rules of
 * docs/security.md, and passed to QEMU as an fd (a file or tty in an fd
 * set, a socket as fd=N). TCP and UDP are QEMU's own sockets, with its
 * identity's rights (no port below 1024).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/driver-common.h"
#include "daemon/driver-qemu.h"
#include "lib/sock.h"

/*
 * The character devices of a definition, in the one order nidod opens
 * their fds and numbers them on QEMU's command line: the serial ports,
 * the virtio consoles, the channels (but the guest agent's, which
 * driver-qemu-agent.c gives), the rngs' EGD daemons, the redirdevs
 * (but SPICE's, driver-qemu-usb.c's).
 */
struct chr {
	const char *what; /* for errors: "serial port", ... */
	unsigned n;	  /* its index among those */
	enum chardev_type type;
	const struct chardev_source *src;
	const char *log; /* <log file=>; NULL: none */
	bool log_append;
};

/* The @k-th character device of @def into @c; false past the last. */
static bool chr_at(const struct domain_def *def, size_t k, struct chr *c)
{
	const struct domain_channel *agent = domain_agent_channel(def);

	for (size_t i = 0; i < def->n_serials; i++)
		if (!k--) {
			const struct domain_chardev *s = &def->serials[i];

			*c = (struct chr){"serial port",
					  s->port,
					  s->type,
					  &s->src,
					  s->log_file,
					  s->log_append == DOMAIN_TRISTATE_ON};
			return true;
		}
	for (size_t i = 0; i < def->n_parallels; i++)
		if (!k--) {
			const struct domain_chardev *s = &def->parallels[i];

			*c = (struct chr){"parallel port",
					  s->port,
					  s->type,
					  &s->src,
					  s->log_file,
					  s->log_append == DOMAIN_TRISTATE_ON};
			return true;
		}
	for (size_t i = 0; i < def->n_consoles; i++)
		if (def->consoles[i].target == CONSOLE_TARGET_VIRTIO && !k--) {
			const struct domain_chardev *s = &def->consoles[i];

			*c = (struct chr){"console",
					  (unsigned)i,
					  s->type,
					  &s->src,
					  s->log_file,
					  s->log_append == DOMAIN_TRISTATE_ON};
			return true;
		}
	for (size_t i = 0; i < def->n_channels; i++)
		if (&def->channels[i] != agent && !k--) {
			*c = (struct chr){"channel",
					  (unsigned)i,
					  def->channels[i].type,
					  &def->channels[i].src,
					  NULL,
					  false};
			return true;
		}
	for (size_t i = 0; i < def->n_rngs; i++)
		if (def->rngs[i].model == RNG_BACKEND_EGD && !k--) {
			*c = (struct chr){"rng",
					  (unsigned)i,
					  def->rngs[i].egd_type,
					  &def->rngs[i].egd,
					  NULL,
					  false};
			return true;
		}
	for (size_t i = 0; i < def->display.n_redirdevs; i++) {
		const struct domain_redirdev *r = &def->display.redirdevs[i];

		if (!r->spicevmc && !k--) {
			*c = (struct chr){"redirdev", (unsigned)i, r->type,
					  &r->src,    NULL,	   false};
			return true;
		}
	}
	return false;
}

/* Whether a chardev of @type is on an fd nidod opens. */
static bool source_fd(enum chardev_type type)
{
	return type == CHARDEV_FILE || type == CHARDEV_DEV ||
	       type == CHARDEV_UNIX;
}

int qemu_chr_check_spice(const struct domain_def *def, struct err **e)
{
	struct chr c;

	for (size_t k = 0; chr_at(def, k, &c); k++) {
		bool spice = c.type == CHARDEV_SPICEVMC ||
			     c.type == CHARDEV_SPICEPORT;

		if ((spice && !def->display.spice) ||
		    (c.type == CHARDEV_DBUS && !def->display.local.dbus))
			return err_set(e, ENOTSUP,
				       "%s %u: type '%s' without <graphics "
				       "type='%s'> (its channel is that "
				       "display's)",
				       c.what, c.n, chardev_type_names[c.type],
				       spice ? "spice" : "dbus");
	}
	return 0;
}

size_t qemu_chr_n_fds(const struct domain_def *def)
{
	struct chr c;
	size_t n = 0;

	for (size_t k = 0; chr_at(def, k, &c); k++)
		n += source_fd(c.type) + (c.log != NULL);
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

/* The major of the kernel's parallel port devices (/dev/parportN). */
#define PARPORT_MAJOR 99

/* A serial port's terminal: a device that is a tty (not /dev/mem or a
 * disk); a parallel port's (@parport): a /dev/parportN. */
static int open_tty(const char *path, bool parport, struct err **e)
{
	int fd = open(path,
		      O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return err_sys(e, errno, "device '%s'", path);
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
	    (parport ? major(st.st_rdev) != PARPORT_MAJOR : !isatty(fd))) {
		close(fd);
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EPERM,
				"device '%s' is not a %s (nidod passes "
				"QEMU only those)",
				path, parport ? "parallel port" : "terminal");
	}
	return fd;
}

int qemu_chr_open_unix(const char *what, const struct chardev_source *s,
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

static int open_source(const struct chr *c, struct err **e)
{
	_cleanup_free_ char *what = xasprintf("%s socket", c->what);

	switch (c->type) {
	case CHARDEV_FILE:
		return driver_open_file("file", c->src->path,
					c->src->append == DOMAIN_TRISTATE_ON,
					e);
	case CHARDEV_DEV:
		return open_tty(c->src->path, streq(c->what, "parallel port"),
				e);
	default:
		return qemu_chr_open_unix(what, c->src, e);
	}
}

int qemu_chr_open(const struct domain_def *def, int *fds, struct err **e)
{
	struct chr c;
	size_t n = 0;
	int fd;

	for (size_t k = 0; chr_at(def, k, &c); k++) {
		if (source_fd(c.type)) {
			if ((fd = open_source(&c, e)) < 0)
				goto fail;
			fds[n++] = fd;
		}
		if (c.log) {
			if ((fd = driver_open_file("log", c.log, c.log_append,
						   e)) < 0)
				goto fail;
			fds[n++] = fd;
		}
	}
	return 0;
fail:
	while (n)
		close(fds[--n]);
	return err_prefix(e, "%s %u", c.what, c.n);
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
		     const struct chardev_source *s, bool parport, int *fd,
		     int *set)
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
			       : xasprintf("%s,path=%s",
					   parport ? "parallel" : "serial", p);
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
	case CHARDEV_SPICEVMC:
		/* the agent's channel of the SPICE server (QEMU's name) */
		return xstrdup("spicevmc,name=vdagent");
	case CHARDEV_SPICEPORT:
	case CHARDEV_DBUS:
		return xasprintf("%s,name=%s", chardev_type_names[type],
				 s->path);
	case CHARDEV_QEMU_VDAGENT:
		/* QEMU's own agent: its defaults are libvirt's 'off' */
		return xasprintf("qemu-vdagent,name=vdagent,clipboard=%s,"
				 "mouse=%s",
				 s->clipboard == DOMAIN_TRISTATE_ON ? "on"
								    : "off",
				 s->mouse == DOMAIN_TRISTATE_ON ? "on" : "off");
	default:
		return xstrdup(chardev_type_names[type]);
	}
}

/* "-chardev TYPE,id=@id,..." for @c, with its log. */
static void chardev_arg(struct qemu_argv *a, const char *id,
			const struct chr *c, int *fd, int *set)
{
	_cleanup_free_ char *be = backend(
		a, c->type, c->src, streq(c->what, "parallel port"), fd, set);
	_cleanup_free_ char *type = xstrndup(be, strcspn(be, ","));
	_cleanup_free_ char *log = NULL, *ch = NULL;

	if (c->log) {
		_cleanup_free_ char *p = fd_path(a, *fd, (*set)++, c->log);

		*fd += *fd >= 0;
		log = xasprintf(",logfile=%s,logappend=on", p);
	}
	ch = xasprintf("%s,id=%s%s%s", type, id, be + strlen(type),
		       log ? log : "");
	qemu_arg(a, "-chardev");
	qemu_arg(a, ch);
}

/* Serial port @i's device on chardev charserialI. */
static void serial_device(struct qemu_argv *a, const struct domain_def *def,
			  unsigned i)
{
	const struct domain_chardev *c = &def->serials[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *ch = xasprintf("charserial%u", i);
	_cleanup_free_ char *id = xasprintf("serial%u", i);

	json_object_object_add(
		o, "driver",
		json_object_new_string(c->serial_target == SERIAL_TARGET_PCI
					       ? "pci-serial"
					       : "isa-serial"));
	json_object_object_add(o, "chardev", json_object_new_string(ch));
	json_object_object_add(o, "id", json_object_new_string(id));
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

/* Parallel port @i's isa-parallel on chardev charparallelI. */
static void parallel_device(struct qemu_argv *a, const struct domain_def *def,
			    unsigned i)
{
	const struct domain_chardev *c = &def->parallels[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *ch = xasprintf("charparallel%u", i);
	_cleanup_free_ char *id = xasprintf("parallel%u", i);

	json_object_object_add(o, "driver",
			       json_object_new_string("isa-parallel"));
	json_object_object_add(o, "chardev", json_object_new_string(ch));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "index", json_object_new_int((int)c->port));
	if (c->iobase)
		json_object_object_add(o, "iobase",
				       json_object_new_int((int)c->iobase));
	if (c->irq)
		json_object_object_add(o, "irq",
				       json_object_new_int((int)c->irq));
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_chardevs(struct qemu_argv *a, const struct domain_def *def,
			int first_fd, int first_set)
{
	int fd = first_fd, set = first_set;
	struct chr c;

	for (size_t k = 0; chr_at(def, k, &c); k++) {
		_cleanup_free_ char *id = NULL;

		if (streq(c.what, "serial port"))
			id = xasprintf("charserial%zu", k);
		else if (streq(c.what, "parallel port"))
			id = xasprintf("charparallel%zu", k - def->n_serials);
		else if (streq(c.what, "console"))
			id = xasprintf("charconsole%u", c.n);
		else if (streq(c.what, "channel"))
			id = qemu_channel_ids(def, c.n, NULL);
		else if (streq(c.what, "redirdev"))
			id = xasprintf("charredir%u", c.n);
		else
			id = xasprintf("charrng%u", c.n);
		chardev_arg(a, id, &c, &fd, &set);
		if (k < def->n_serials)
			serial_device(a, def, (unsigned)k);
		else if (streq(c.what, "parallel port"))
			parallel_device(a, def, (unsigned)(k - def->n_serials));
	}
	qemu_argv_vserial(a, def);
}
