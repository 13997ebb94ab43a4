// SPDX-License-Identifier: GPL-2.0-or-later
/* Console back ends: stdio, pty (made here or given), unix, none. */
#include "vmm/console.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "lib/sock.h"

#define CTRL_A 0x01

struct console {
	struct loop *loop;
	struct loop_source *src;
	int in_fd, out_fd;
	int owned_fd;  /* the pty master or the unix socket's output, or -1 */
	int listen_fd; /* unix: the listening socket */
	int client_fd; /* unix: the connected client, or -1 */
	struct loop_source *listen_src;
	char *path;	/* unix: the socket's path */
	char *pty_name; /* pty: /dev/pts/N */
	int tty_fd;	/* terminal in raw mode, or -1 */
	int log_fd;	/* a copy of the output goes there, or -1 */
	struct termios saved;
	int escape; /* the last byte was Ctrl-A */
	console_input_fn input;
	console_quit_fn quit;
	void *opaque;
};

/*
 * The guest's output must never block the vCPU that writes it: a vCPU
 * stuck in write() on a console nobody reads (a pty whose buffer is
 * full, a client that stopped reading) could not be paused, so a save,
 * a snapshot or a pivot would wait on it for ever. Output to a full
 * console is lost instead, as on a real UART with nobody listening.
 */
static int no_block(int fd, const char *what, struct err **e)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return err_sys(e, errno, "making the %s non-blocking", what);
	return 0;
}

static int make_raw(struct console *c, int fd, struct err **e)
{
	struct termios t;

	if (tcgetattr(fd, &c->saved) < 0)
		return err_sys(e, errno, "reading terminal settings");
	t = c->saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR; /* keep host lines readable */
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return err_sys(e, errno, "setting the terminal to raw mode");
	c->tty_fd = fd;
	return 0;
}

/* Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A. */
static size_t filter_escape(struct console *c, uint8_t *buf, size_t n)
{
	size_t out = 0;

	if (c->tty_fd < 0)
		return n;
	for (size_t i = 0; i < n; i++) {
		if (c->escape) {
			c->escape = 0;
			if (buf[i] == 'x') {
				c->quit(c->opaque);
				continue;
			}
			if (buf[i] != CTRL_A)
				buf[out++] = CTRL_A;
		} else if (buf[i] == CTRL_A) {
			c->escape = 1;
			continue;
		}
		buf[out++] = buf[i];
	}
	return out;
}

static void on_input(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct console *c = opaque;
	uint8_t buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EIO))
		return;
	if (n <= 0) {
		/* End of input: the guest keeps running without it. */
		loop_source_del(l, c->src);
		c->src = NULL;
		return;
	}
	n = (ssize_t)filter_escape(c, buf, (size_t)n);
	if (n > 0)
		c->input(c->opaque, buf, (size_t)n);
}

/*
 * unix:PATH: one client at a time. The device writes to a fixed fd that
 * is /dev/null without a client and a duplicate of the client's socket
 * with one (dup3 swaps it atomically under the writers).
 */
static void unix_hangup(struct console *c)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null >= 0) {
		dup3(null, c->owned_fd, O_CLOEXEC);
		close(null);
	}
	if (c->src)
		loop_source_del(c->loop, c->src);
	c->src = NULL;
	close_safe(c->client_fd);
	c->client_fd = -1;
}

static void on_unix_input(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct console *c = opaque;
	uint8_t buf[256];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		unix_hangup(c);
		return;
	}
	c->input(c->opaque, buf, (size_t)n);
}

static void on_unix_accept(struct loop *l, int fd, uint32_t events,
			   void *opaque)
{
	struct console *c = opaque;
	int cfd = sock_accept_private(fd, "console socket");

	if (cfd < 0)
		return;
	if (c->client_fd >= 0) {
		close(cfd); /* one client at a time */
		return;
	}
	c->src = no_block(cfd, "console client", NULL) < 0
			 ? NULL
			 : loop_fd_add(l, cfd, EPOLLIN, on_unix_input, c, NULL);
	if (!c->src || dup3(cfd, c->owned_fd, O_CLOEXEC) < 0) {
		if (c->src)
			loop_source_del(l, c->src);
		c->src = NULL;
		close(cfd);
		return;
	}
	c->client_fd = cfd;
}

static int open_unix(struct console *c, const char *path, struct err **e)
{
	c->owned_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (c->owned_fd < 0)
		return err_sys(e, errno, "console socket '%s'", path);
	/* mode 0600 whatever the umask: the guest's console is private */
	c->listen_fd = sock_unix_listen_private(path, "console socket", e);
	if (c->listen_fd < 0)
		return c->listen_fd;
	c->path = xstrdup(path);
	c->listen_src = loop_fd_add(c->loop, c->listen_fd, EPOLLIN,
				    on_unix_accept, c, e);
	if (!c->listen_src)
		return -EIO;
	c->out_fd = c->owned_fd;
	return 0;
}

static int open_pty(struct console *c, struct err **e)
{
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return err_sys(e, errno, "opening a pseudo-terminal");
	if (grantpt(fd) < 0 || unlockpt(fd) < 0) {
		close(fd);
		return err_sys(e, errno, "setting up the pseudo-terminal");
	}
	c->owned_fd = c->in_fd = c->out_fd = fd;
	if (!ptsname(fd))
		return err_sys(e, errno, "naming the pseudo-terminal");
	c->pty_name = xstrdup(ptsname(fd));
	log_info("console on %s", c->pty_name);
	if (no_block(fd, "pseudo-terminal", e) < 0)
		return -EIO;
	return make_raw(c, fd, e);
}

/*
 * The master of a pseudo-terminal the supervisor (nidod) opened and
 * passed: it keeps the slave's name, so nobody has to believe the one
 * nido-vmm would report.
 */
static int adopt_pty(struct console *c, int fd, struct err **e)
{
	const char *name;

	if (fcntl(fd, F_GETFD) < 0)
		return err_sys(e, errno, "console descriptor %d", fd);
	name = ptsname(fd);
	if (!name)
		return err_set(e, EINVAL,
			       "console descriptor %d is not a "
			       "pseudo-terminal master",
			       fd);
	c->owned_fd = c->in_fd = c->out_fd = fd;
	c->pty_name = xstrdup(name);
	log_info("console on %s (given)", c->pty_name);
	if (no_block(fd, "pseudo-terminal", e) < 0)
		return -EIO;
	return make_raw(c, fd, e);
}

/*
 * The output's copy: a file given by the supervisor (nidod opens it as
 * the domain's <log file=> says), or one named here (made 0600, appended
 * to, never through a symbolic link), written as the console is.
 */
static int open_log(struct console *c, const struct vm_config *cfg,
		    struct err **e)
{
	struct stat st;

	if (cfg->console_log_path)
		c->log_fd = open(cfg->console_log_path,
				 O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
					 O_NOCTTY | O_CLOEXEC,
				 0600);
	else if (cfg->console_log_fd >= 0)
		c->log_fd = cfg->console_log_fd;
	else
		return 0;
	if (c->log_fd < 0)
		return err_sys(e, errno, "console log '%s'",
			       cfg->console_log_path);
	if (fstat(c->log_fd, &st) < 0 || !S_ISREG(st.st_mode))
		return err_set(e, EINVAL,
			       "console log '%s': not a regular file",
			       cfg->console_log_path ? cfg->console_log_path
						     : "(given)");
	return 0;
}

struct console *console_open(struct loop *l, const struct vm_config *cfg,
			     console_input_fn input, console_quit_fn quit,
			     void *opaque, struct err **e)
{
	struct console *c = xcalloc(1, sizeof(*c));
	int r = 0;

	*c = (struct console){.loop = l,
			      .in_fd = -1,
			      .out_fd = -1,
			      .owned_fd = -1,
			      .tty_fd = -1,
			      .log_fd = -1,
			      .listen_fd = -1,
			      .client_fd = -1,
			      .input = input,
			      .quit = quit,
			      .opaque = opaque};
	switch (cfg->console) {
	case CONSOLE_STDIO:
		c->in_fd = STDIN_FILENO;
		c->out_fd = STDOUT_FILENO;
		if (isatty(STDIN_FILENO))
			r = make_raw(c, STDIN_FILENO, e);
		break;
	case CONSOLE_PTY:
		r = open_pty(c, e);
		break;
	case CONSOLE_FD:
		r = adopt_pty(c, cfg->console_fd, e);
		break;
	case CONSOLE_NONE:
		break;
	case CONSOLE_UNIX:
		r = open_unix(c, cfg->console_path, e);
		break;
	default:
		break;
	}
	if (r == 0)
		r = open_log(c, cfg, e);
	if (r == 0 && c->in_fd >= 0) {
		struct err *le = NULL;

		/* stdin that epoll cannot watch (a file): no input. */
		c->src = loop_fd_add(l, c->in_fd, EPOLLIN, on_input, c, &le);
		if (!c->src && c->owned_fd >= 0) {
			r = err_set(e, err_code(le) ? -err_code(le) : EIO,
				    "watching the console: %s", err_msg(le));
		}
		err_free(le);
	}
	if (r < 0) {
		console_close(c);
		return NULL;
	}
	return c;
}

int console_out_fd(const struct console *c)
{
	return c ? c->out_fd : -1;
}

int console_log_fd(const struct console *c)
{
	return c ? c->log_fd : -1;
}

const char *console_name(const struct console *c)
{
	if (!c)
		return NULL;
	return c->pty_name ? c->pty_name : c->path;
}

void console_close(struct console *c)
{
	if (!c)
		return;
	if (c->src)
		loop_source_del(c->loop, c->src);
	if (c->listen_src)
		loop_source_del(c->loop, c->listen_src);
	close_safe(c->client_fd);
	close_safe(c->listen_fd);
	if (c->path)
		unlink(c->path);
	free(c->path);
	free(c->pty_name);
	if (c->tty_fd >= 0)
		tcsetattr(c->tty_fd, TCSANOW, &c->saved);
	close_safe(c->owned_fd);
	close_safe(c->log_fd);
	free(c);
}
