// SPDX-License-Identifier: GPL-2.0-or-later
/* Network disks served to nido-vmm over NBD (disk-net.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "block/nbd.h"
#include "block/rbd-spec.h"
#include "daemon/disk-net.h"
#include "lib/util.h"

/* What serves an rbd disk (Debian's qemu-utils; qemu-block-extra for
 * its rbd driver). */
#define QEMU_NBD "qemu-nbd"
/* How long a server gets to close its image cleanly (an rbd client
 * killed outright keeps its watch on the image for 30 s). */
#define STOP_GRACE_MS 5000

bool disk_net_vmm_can(const struct domain_disk *d)
{
	const struct disk_net *n = d->net;

	if (n->protocol == DISK_PROTO_RBD)
		return true;
	return n->protocol == DISK_PROTO_NBD && n->n_hosts == 1 &&
	       !n->reconnect_s && d->format == DISK_FORMAT_RAW;
}

static bool writable(const struct domain_disk *d)
{
	return !d->readonly && d->device != DISK_DEVICE_CDROM;
}

static void add_socket(struct block_chain *c, int fd, const char *name,
		       bool rdwr)
{
	c->files = xcalloc(1, sizeof(*c->files));
	c->files[0] = (struct block_chain_file){
		.kind = BLOCK_REF_TOP,
		.fd = fd,
		.path = xstrdup(name),
		.name = xstrdup(name),
		.format = xstrdup("nbd"),
		.rdwr = rdwr,
	};
	c->n = 1;
}

/* @s with what an URI cannot hold as it is %-escaped. */
static char *uri_escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 3 + 1), *p = out;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || strchr("-._~", c))
			*p++ = (char)c;
		else
			p += sprintf(p, "%%%02X", c);
	}
	*p = '\0';
	return out;
}

/* The nbd name of the server @n names, for nido-vmm and people. */
static char *nbd_name(const struct disk_net *n)
{
	const struct disk_host *h = &n->hosts[0];
	_cleanup_free_ char *exp = uri_escape(n->name ? n->name : "");

	if (h->socket) {
		_cleanup_free_ char *sock = uri_escape(h->socket);

		return xasprintf("nbd+unix:///%s?socket=%s", exp, sock);
	}
	return xasprintf(strchr(h->name, ':') ? "nbd://[%s]:%u/%s"
					      : "nbd://%s:%u/%s",
			 h->name, h->port ? h->port : NBD_DEFAULT_PORT, exp);
}

static int open_nbd(const struct domain_disk *d, struct block_chain *out,
		    struct err **e)
{
	_cleanup_free_ char *name = nbd_name(d->net);
	int fd = nbd_connect_name(name, e);

	if (fd < 0)
		return fd;
	add_socket(out, fd, name, writable(d));
	return 0;
}

/* The rbd: name qemu-nbd opens for @n (rbd-spec.h's syntax, QEMU's). */
static char *rbd_name(const struct disk_net *n, struct err **e)
{
	_cleanup_free_ char *text = xasprintf("rbd:%s", n->name);
	struct rbd_spec s;
	FILE *f;
	char *hosts = NULL, *r;
	size_t len = 0;

	if (rbd_spec_parse(text, &s, e) < 0)
		return NULL;
	if (s.conf || s.id || s.mon_host || s.auth) {
		/* options come from the definition's elements, not its name */
		err_set(e, EINVAL, "rbd image name '%s' carries options",
			n->name);
		rbd_spec_clear(&s);
		return NULL;
	}
	f = open_memstream(&hosts, &len);
	for (size_t i = 0; i < n->n_hosts; i++) {
		const struct disk_host *h = &n->hosts[i];

		fprintf(f, strchr(h->name, ':') ? "%s[%s]" : "%s%s",
			i ? "," : "", h->name);
		if (h->port)
			fprintf(f, ":%u", h->port);
	}
	fclose(f);
	if (n->n_hosts)
		s.mon_host = steal_ptr(hosts);
	free(hosts);
	if (n->snapshot)
		s.snap = xstrdup(n->snapshot);
	if (n->config)
		s.conf = xstrdup(n->config);
	if (n->user)
		s.id = xstrdup(n->user);
	if (n->auth_none)
		s.auth = xstrdup("none");
	r = rbd_spec_format(&s);
	rbd_spec_clear(&s);
	return r;
}

/*
 * A listening socket and a connection to it that no other process can
 * make: it is bound in a directory of our own, mode 0700, which is gone
 * (with the socket's name) once we are connected. (An abstract name can
 * be found in /proc/net/unix and connected to by anyone in the network
 * namespace; the server takes its first client only, so a process that
 * came first would get the disk.)
 */
static int listen_and_connect(int *lfd, int *cfd, struct err **e)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char dir[] = "/tmp/nido-nbd-XXXXXX";
	int r = 0;

	*lfd = *cfd = -1;
	if (!mkdtemp(dir))
		return err_sys(e, errno,
			       "a directory for the disk's NBD server");
	snprintf(a.sun_path, sizeof(a.sun_path), "%s/s", dir);
	*lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*lfd < 0 || bind(*lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(*lfd, 1) < 0)
		r = err_sys(e, errno, "a socket for the disk's NBD server");
	if (r == 0) {
		*cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (*cfd < 0 ||
		    connect(*cfd, (struct sockaddr *)&a, sizeof(a)) < 0)
			r = err_sys(e, errno,
				    "connecting to the disk's NBD server");
	}
	unlink(a.sun_path);
	rmdir(dir);
	return r;
}

static int open_rbd(const struct domain_disk *d, bool set_ids, uid_t uid,
		    gid_t gid, int logfd, struct disk_server *srv,
		    struct block_chain *out, struct err **e)
{
	_cleanup_free_ char *image = rbd_name(d->net, e);
	char fmt[32];
	/* the default export (""), which nido-vmm asks for on a socket */
	char *argv[12] = {QEMU_NBD, fmt, "--shared=1", "--discard=unmap"};
	char *envp[] = {"LISTEN_FDS=1", "LISTEN_PID=1", "PATH=/usr/bin:/bin",
			NULL};
	_cleanup_close_ int lfd = -1, cfd = -1;
	struct spawn_fd keep = {.to = 3};
	struct spawn_opts o;
	size_t k = 4;
	int r;

	if (!image)
		return -EINVAL;
	snprintf(fmt, sizeof(fmt), "--format=%s", disk_format_name(d->format));
	if (!writable(d))
		argv[k++] = "--read-only";
	argv[k++] = "--";
	argv[k++] = image;
	if (listen_and_connect(&lfd, &cfd, e) < 0)
		return -EIO;
	keep.from = lfd;
	spawn_opts_init(&o);
	o.argv = argv;
	o.envp = envp;
	o.stdout_fd = logfd;
	o.stderr_fd = logfd;
	o.keep_fds = &keep;
	o.n_keep_fds = 1;
	o.new_session = 1;
	/* pid 1 of its own namespace: LISTEN_PID is known before it runs */
	o.namespaces = CLONE_NEWPID;
	o.set_ids = set_ids;
	o.uid = uid;
	o.gid = gid;
	r = spawn_start(&o, &srv->child, e);
	if (r < 0)
		return r;
	add_socket(out, steal_fd(cfd), image, writable(d));
	return 0;
}

int disk_net_open(const struct domain_disk *d, bool set_ids, uid_t uid,
		  gid_t gid, int logfd, struct disk_server *srv,
		  struct block_chain *out, struct err **e)
{
	int r;

	srv->child = (struct spawn_child){.pid = -1, .pidfd = -1};
	if (!disk_net_vmm_can(d))
		r = err_set(e, ENOTSUP,
			    "a %s disk (%s) is not supported by nido-vmm",
			    disk_protocol_names[d->net->protocol],
			    disk_format_name(d->format));
	else if (d->net->protocol == DISK_PROTO_NBD)
		r = open_nbd(d, out, e);
	else
		r = open_rbd(d, set_ids, uid, gid, logfd, srv, out, e);
	if (r < 0)
		return err_prefix(e, "disk '%s'", d->target);
	return 0;
}

void disk_server_stop(struct disk_server *srv)
{
	if (srv->child.pid <= 0)
		return;
	/* it ends by itself when nido-vmm's connection closes; else asked */
	spawn_kill(&srv->child, SIGTERM);
	if (spawn_wait_timeout(&srv->child, STOP_GRACE_MS, NULL) ==
	    -ETIMEDOUT) {
		spawn_kill(&srv->child, SIGKILL);
		spawn_wait(&srv->child, NULL);
	}
	srv->child = (struct spawn_child){.pid = -1, .pidfd = -1};
}
