// SPDX-License-Identifier: GPL-2.0-or-later
/* The host ends of the virtio-console's named ports (channel.h). */
#include "vmm/channel.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"
#include "vmm/virtio/devices.h"
#include "vmm/vmconfig.h"

#define READ_CHUNK 4096

struct channel {
	struct loop *loop;
	char *name;
	char *path;    /* a socket file we bound, or NULL */
	int listen_fd; /* -1: the fd given was a connected socket */
	int client_fd; /* -1: no client */
	struct loop_source *listen_src, *client_src;
	uint32_t watching; /* the client's events watched */
	struct virtio_dev *dev;
	unsigned port;
	uint8_t *out; /* the guest's bytes the client did not take yet */
	size_t n_out;
};

static void watch_client(struct channel *c, uint32_t events)
{
	if (c->client_src && events != c->watching &&
	    loop_fd_modify(c->loop, c->client_src, events) == 0)
		c->watching = events;
}

static void hang_up(struct channel *c)
{
	loop_source_del(c->loop, c->client_src);
	c->client_src = NULL;
	close_safe(c->client_fd);
	c->client_fd = -1;
	free(c->out);
	c->out = NULL;
	c->n_out = 0;
	if (c->dev)
		virtio_console_port_host(c->dev, c->port, false);
	if (c->listen_fd < 0)
		log_info("channel '%s': the client closed it", c->name);
}

/* Reads as much as the port has room for. */
static void pull(struct channel *c)
{
	uint8_t buf[READ_CHUNK];
	size_t room = c->dev ? virtio_console_port_room(c->dev, c->port) : 0;
	ssize_t n;

	if (room == 0) {
		watch_client(c, c->watching & ~(uint32_t)EPOLLIN);
		return;
	}
	n = read(c->client_fd, buf, MIN(room, sizeof(buf)));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		hang_up(c);
		return;
	}
	virtio_console_port_input(c->dev, c->port, buf, (size_t)n);
}

static void push(struct channel *c)
{
	ssize_t n;

	while (c->n_out) {
		n = send(c->client_fd, c->out, c->n_out, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			hang_up(c);
			return;
		}
		memmove(c->out, c->out + n, c->n_out - (size_t)n);
		c->n_out -= (size_t)n;
	}
	if (c->n_out)
		return;
	watch_client(c, c->watching & ~(uint32_t)EPOLLOUT);
	free(c->out);
	c->out = NULL;
	if (c->dev)
		virtio_console_port_drained(c->dev, c->port);
}

static void on_client(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct channel *c = opaque;

	if (events & EPOLLOUT)
		push(c);
	if (c->client_fd < 0)
		return;
	/* a client gone with the port full: what it sent is lost */
	if ((events & (EPOLLHUP | EPOLLERR)) &&
	    (!c->dev || !virtio_console_port_room(c->dev, c->port)))
		hang_up(c);
	else if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		pull(c);
}

static int add_client(struct channel *c, int fd, struct err **e)
{
	c->client_src = loop_fd_add(c->loop, fd, EPOLLIN, on_client, c, e);
	if (!c->client_src)
		return -EIO;
	c->client_fd = fd;
	c->watching = EPOLLIN;
	if (c->dev)
		virtio_console_port_host(c->dev, c->port, true);
	return 0;
}

static void on_accept(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct channel *c = opaque;
	_cleanup_free_ char *what = xasprintf("channel '%s'", c->name);
	int cfd = sock_accept_private(fd, what);

	if (cfd >= 0 && (c->client_fd >= 0 || add_client(c, cfd, NULL) < 0))
		close(cfd); /* one client at a time */
}

/* unix:PATH: a socket file of mode 0600 (a stale one replaced). */
static int bind_path(struct channel *c, const char *path, struct err **e)
{
	unlink(path);
	c->listen_fd = sock_unix_listen_private(path, "channel socket", e);
	if (c->listen_fd < 0)
		return c->listen_fd;
	c->path = xstrdup(path);
	return 0;
}

/* fd:N: a stream socket, listening or connected. */
static int adopt(struct channel *c, int fd, struct err **e)
{
	int type = 0, acc = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM) {
		close(fd);
		return err_set(e, EINVAL,
			       "channel '%s': descriptor %d is not a stream "
			       "socket",
			       c->name, fd);
	}
	len = sizeof(acc);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0) {
		close(fd);
		return err_sys(e, errno, "channel '%s': descriptor %d", c->name,
			       fd);
	}
	if (acc) {
		c->listen_fd = fd;
		return 0;
	}
	if (add_client(c, fd, e) < 0) {
		close(fd);
		return -EIO;
	}
	return 0;
}

struct channel *channel_open(struct loop *l, struct config_channel *cfg,
			     struct err **e)
{
	struct channel *c = xcalloc(1, sizeof(*c));
	int r = 0;

	c->loop = l;
	c->name = xstrdup(cfg->name);
	c->listen_fd = c->client_fd = -1;
	if (cfg->fd >= 0)
		r = adopt(c, steal_fd(cfg->fd), e);
	else if (cfg->path)
		r = bind_path(c, cfg->path, e);
	if (r == 0 && c->listen_fd >= 0) {
		c->listen_src =
			loop_fd_add(l, c->listen_fd, EPOLLIN, on_accept, c, e);
		if (!c->listen_src)
			r = -EIO;
	}
	if (r < 0) {
		channel_close(c);
		return NULL;
	}
	return c;
}

void channel_attach(struct channel *c, struct virtio_dev *d, unsigned port)
{
	c->dev = d;
	c->port = port;
	if (c->client_fd >= 0)
		virtio_console_port_host(d, port, true);
}

bool channel_connected(const struct channel *c)
{
	return c && c->client_fd >= 0;
}

bool channel_busy(const struct channel *c)
{
	return c->n_out > CHANNEL_OUT_MAX;
}

bool channel_write(struct channel *c, const void *buf, size_t len)
{
	size_t room;
	ssize_t n = 0;

	if (c->client_fd < 0 || len == 0)
		return true;
	if (!c->n_out) {
		do
			n = send(c->client_fd, buf, len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN) {
			/* hung up: the loop sees it (the device's lock is
			 * held here, hang_up() takes it) */
			watch_client(c, c->watching | EPOLLOUT);
			return true;
		}
		n = MAX(n, 0);
		if ((size_t)n == len)
			return true;
	}
	room = 2 * CHANNEL_OUT_MAX - c->n_out;
	len -= (size_t)n;
	if (!c->out)
		c->out = xmalloc(2 * CHANNEL_OUT_MAX);
	memcpy(c->out + c->n_out, (const uint8_t *)buf + n, MIN(len, room));
	c->n_out += MIN(len, room);
	watch_client(c, c->watching | EPOLLOUT);
	return len <= room;
}

void channel_kick(struct channel *c)
{
	if (c && c->client_fd >= 0)
		watch_client(c, c->watching | EPOLLIN);
}

void channel_close(struct channel *c)
{
	if (!c)
		return;
	/* a socket file we bound goes (the sandbox's relay removes it
	 * when this process cannot) */
	if (c->path)
		unlink(c->path);
	loop_source_del(c->loop, c->client_src);
	loop_source_del(c->loop, c->listen_src);
	close_safe(c->client_fd);
	close_safe(c->listen_fd);
	free(c->path);
	free(c->name);
	free(c->out);
	free(c);
}
