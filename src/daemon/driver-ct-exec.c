// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * domain.exec (docs/containers.md, "Commands inside"): a command in every
 * namespace of a running container (src/ct/ct-exec.c), for virsh's
 * lxc-enter-namespace and `nido exec`.
 *
 * One request and one answer, not a stream: the command's stdin comes
 * whole with the request (at most EXEC_MAX_STDIN bytes), and its stdout,
 * stderr (each kept up to EXEC_MAX_OUTPUT bytes, the rest read and
 * dropped, "truncated" says so) and exit status come back whole. What
 * such commands are for (scripts, checks, a file's contents) fits, it
 * works on every transport like any call, and the client needs no
 * framing of three streams and a status over one byte stream; an
 * interactive shell is `nido console`'s job. The call is deferred: the
 * daemon serves everyone else while the command runs; its pipes and its
 * end are watched on the loop. A client that leaves does not end its
 * command (as with `docker exec`): a connection has one close hook,
 * which an event subscription may hold. Commands are bounded by the
 * container's pids.max and by EXEC_MAX_RUNNING in all; nidod's exit
 * kills those still running.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ct/ct.h"
#include "daemon/cgroup.h"
#include "daemon/daemon.h"
#include "daemon/driver-ct.h"
#include "daemon/driver.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"

#define EXEC_MAX_STDIN	 (512u << 10)
#define EXEC_MAX_OUTPUT	 (1u << 20)
#define EXEC_MAX_ARGS	 256
#define EXEC_MAX_RUNNING 256

struct ct_exec_session {
	struct ct_exec_session *next;
	struct daemon *dmn;
	char *name; /* the domain's, for the log */
	struct rpc_call *call;
	int pidfd; /* the attacher (ct.h) */
	pid_t pid;
	struct loop_source *src_exit, *src_in, *src_out, *src_err;
	int fd_in, fd_out, fd_err; /* our ends of its pipes */
	struct buf in, out, err;
	bool truncated;
};

static void session_close_fds(struct ct_exec_session *s)
{
	struct loop *l = s->dmn->loop;

	loop_source_del(l, s->src_in);
	loop_source_del(l, s->src_out);
	loop_source_del(l, s->src_err);
	s->src_in = s->src_out = s->src_err = NULL;
	close_safe(s->fd_in);
	close_safe(s->fd_out);
	close_safe(s->fd_err);
	s->fd_in = s->fd_out = s->fd_err = -1;
}

/* Unlinks and frees @s, answering its call with @result (taken over) or
 * @r and @e. */
static void session_end(struct ct_exec_session *s, int r,
			struct json_object *result, const struct err *e)
{
	struct ct_exec_session **pp = &s->dmn->ct_execs;

	while (*pp != s)
		pp = &(*pp)->next;
	*pp = s->next;
	session_close_fds(s);
	loop_source_del(s->dmn->loop, s->src_exit);
	close_safe(s->pidfd);
	rpc_call_done(s->call, r, result, e);
	buf_free(&s->in);
	buf_free(&s->out);
	buf_free(&s->err);
	free(s->name);
	free(s);
}

/* Reads what @fd has into @b, up to the cap; the rest is dropped.
 * Returns false at its end (EOF or an error). */
static bool drain(struct ct_exec_session *s, int fd, struct buf *b)
{
	char junk[4096];

	for (;;) {
		ssize_t n;

		if (b->len < EXEC_MAX_OUTPUT) {
			n = buf_read_fd(b, fd, EXEC_MAX_OUTPUT - b->len);
		} else {
			n = read(fd, junk, sizeof(junk));
			if (n > 0)
				s->truncated = true;
			else if (n < 0)
				n = -errno;
		}
		if (n == -EAGAIN)
			return true;
		if (n == -EINTR)
			continue;
		if (n <= 0)
			return false;
	}
}

static void on_output(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct ct_exec_session *s = opaque;
	bool err = fd == s->fd_err;

	if (drain(s, fd, err ? &s->err : &s->out))
		return;
	loop_source_del(l, err ? s->src_err : s->src_out);
	close(fd);
	if (err) {
		s->src_err = NULL;
		s->fd_err = -1;
	} else {
		s->src_out = NULL;
		s->fd_out = -1;
	}
}

/* The command's stdin, as it takes it; closed at the end (or when the
 * command closed its end: EPIPE). */
static void on_input(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct ct_exec_session *s = opaque;
	ssize_t n = s->in.len ? buf_write_fd(&s->in, fd) : 0;

	if (n == -EAGAIN || n == -EINTR || (n > 0 && s->in.len))
		return;
	loop_source_del(l, s->src_in);
	s->src_in = NULL;
	close_safe(s->fd_in);
	s->fd_in = -1;
}

static void on_exit_fd(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct ct_exec_session *s = opaque;
	struct json_object *res;
	siginfo_t si = {0};
	int status = 127;

	loop_source_del(l, s->src_exit);
	s->src_exit = NULL;
	if (waitid(P_PIDFD, (id_t)s->pidfd, &si, WEXITED) == 0)
		status = si.si_code == CLD_EXITED ? si.si_status
						  : 128 + si.si_status;
	/* what it wrote before it ended is in the pipes: taken now, not
	 * waiting for an end that a process it left behind may hold */
	if (s->fd_out >= 0)
		drain(s, s->fd_out, &s->out);
	if (s->fd_err >= 0)
		drain(s, s->fd_err, &s->err);
	log_debug("command in domain '%s' ended with status %d", s->name,
		  status);
	res = json_object_new_object();
	json_object_object_add(res, "status", json_object_new_int(status));
	json_object_object_add(
		res, "stdout",
		json_object_new_string_len(s->out.data ? s->out.data : "",
					   (int)s->out.len));
	json_object_object_add(
		res, "stderr",
		json_object_new_string_len(s->err.data ? s->err.data : "",
					   (int)s->err.len));
	json_object_object_add(res, "truncated",
			       json_object_new_boolean(s->truncated));
	session_end(s, 0, res, NULL);
}

void ct_exec_free_all(struct daemon *dmn)
{
	while (dmn->ct_execs) {
		struct ct_exec_session *s = dmn->ct_execs;

		pidfd_send_signal(s->pidfd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, (id_t)s->pidfd, NULL, WEXITED);
		session_end(s, -ECANCELED, NULL, NULL);
	}
}

/* Three pipes: the command's ends in @child (closed by the caller), ours
 * non-blocking in @s. */
static int make_pipes(struct ct_exec_session *s, int child[3], struct err **e)
{
	int p[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};

	for (int i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0) {
			for (int j = 0; j < i; j++) {
				close(p[j][0]);
				close(p[j][1]);
			}
			return err_sys(e, errno, "pipe");
		}
	child[0] = p[0][0], s->fd_in = p[0][1];
	child[1] = p[1][1], s->fd_out = p[1][0];
	child[2] = p[2][1], s->fd_err = p[2][0];
	fcntl(s->fd_in, F_SETFL, O_NONBLOCK);
	fcntl(s->fd_out, F_SETFL, O_NONBLOCK);
	fcntl(s->fd_err, F_SETFL, O_NONBLOCK);
	return 0;
}

static int watch(struct ct_exec_session *s, struct err **e)
{
	struct loop *l = s->dmn->loop;

	s->src_exit = loop_fd_add(l, s->pidfd, EPOLLIN, on_exit_fd, s, e);
	if (s->src_exit)
		s->src_out =
			loop_fd_add(l, s->fd_out, EPOLLIN, on_output, s, e);
	if (s->src_out)
		s->src_err =
			loop_fd_add(l, s->fd_err, EPOLLIN, on_output, s, e);
	if (s->src_err)
		s->src_in = loop_fd_add(l, s->fd_in, EPOLLOUT, on_input, s, e);
	return s->src_in ? 0 : -EIO;
}

static const char *const exec_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/", "container=lxc-libvirt", NULL};

/* Starts the command of @argv for @s in container @dom. */
static int start(struct ct_exec_session *s, struct domain *dom, char **argv,
		 struct err **e)
{
	struct ct_exec_config c = {.argv = argv, .envp = (char **)exec_env};
	struct ct_proc p;
	int fds[8];
	int r;

	if (driver_ct_exec_target(dom, &c.init_pidfd, &c.userns, fds,
				  ARRAY_SIZE(fds), &c.n_cgroup_fds, e) < 0)
		return -EINVAL;
	c.cgroup_fds = fds;
	r = make_pipes(s, c.stdio, e);
	if (r == 0)
		r = ct_exec(&c, &p, e);
	for (size_t i = 0; i < c.n_cgroup_fds; i++)
		close(fds[i]);
	if (r == 0 || s->fd_in >= 0)
		for (int i = 0; i < 3; i++)
			close(c.stdio[i]);
	if (r < 0)
		return r;
	s->pid = p.pid;
	s->pidfd = p.pidfd;
	return 0;
}

/* The request's argv (1 to EXEC_MAX_ARGS strings) as a NULL-ended
 * vector of borrowed strings; and its stdin into @in. */
static char **parse_params(struct json_object *params, struct buf *in,
			   struct err **e)
{
	struct json_object *a = NULL, *sin = NULL;
	char **argv;
	size_t n;

	if (json_get_array(params, "argv", &a, e) < 0)
		return NULL;
	n = json_object_array_length(a);
	if (n == 0 || n > EXEC_MAX_ARGS) {
		err_setk(e, ERR_INVALID_ARG, EINVAL,
			 "argv: 1 to %d strings (the command and its "
			 "arguments)",
			 EXEC_MAX_ARGS);
		return NULL;
	}
	if (json_object_object_get_ex(params, "stdin", &sin) &&
	    !json_object_is_type(sin, json_type_string)) {
		err_setk(e, ERR_INVALID_ARG, EINVAL, "stdin: not a string");
		return NULL;
	}
	if (sin && (size_t)json_object_get_string_len(sin) > EXEC_MAX_STDIN) {
		err_setk(e, ERR_INVALID_ARG, E2BIG,
			 "stdin: more than %u bytes (an exec's input comes "
			 "whole with the request)",
			 EXEC_MAX_STDIN);
		return NULL;
	}
	if (sin)
		buf_append(in, json_object_get_string(sin),
			   (size_t)json_object_get_string_len(sin));
	argv = xcalloc(n + 1, sizeof(*argv));
	for (size_t i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(a, i);

		if (!json_object_is_type(v, json_type_string) ||
		    memchr(json_object_get_string(v), '\0',
			   (size_t)json_object_get_string_len(v))) {
			free(argv);
			err_setk(e, ERR_INVALID_ARG, EINVAL,
				 "argv[%zu]: not a string without NUL", i);
			return NULL;
		}
		argv[i] = (char *)json_object_get_string(v);
	}
	return argv;
}

static int check_domain(const struct domain *dom, struct err **e)
{
	if (dom->def->virt != DOMAIN_VIRT_LXC)
		return err_setk(e, ERR_NO_SUPPORT, ENOTSUP,
				"domain '%s' is not a container: exec and "
				"lxc-enter-namespace run commands in "
				"containers (<domain type='lxc'>)",
				dom->def->name);
	if (!domain_is_active(dom))
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is not running", dom->def->name);
	if (dom->drv != &driver_ct)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' does not run on the ct driver",
				dom->def->name);
	if (dom->state == DOMAIN_PAUSED)
		return err_setk(e, ERR_OPERATION_INVALID, EINVAL,
				"domain '%s' is paused: its processes are "
				"frozen (resume it first)",
				dom->def->name);
	return 0;
}

static struct ct_exec_session *session_new(struct daemon *dmn,
					   const struct domain *dom)
{
	struct ct_exec_session *s = xcalloc(1, sizeof(*s));

	s->dmn = dmn;
	s->name = xstrdup(dom->def->name);
	s->pidfd = s->fd_in = s->fd_out = s->fd_err = -1;
	return s;
}

static void session_discard(struct ct_exec_session *s)
{
	session_close_fds(s);
	loop_source_del(s->dmn->loop, s->src_exit);
	if (s->pidfd >= 0) {
		pidfd_send_signal(s->pidfd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, (id_t)s->pidfd, NULL, WEXITED);
		close(s->pidfd);
	}
	buf_free(&s->in);
	free(s->name);
	free(s);
}

static size_t running(const struct daemon *dmn)
{
	size_t n = 0;

	for (const struct ct_exec_session *s = dmn->ct_execs; s; s = s->next)
		n++;
	return n;
}

static int m_exec(void *opaque, struct json_object *params,
		  struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct ct_exec_session *s;
	struct domain *dom;
	const char *key;
	char **argv;
	int r;

	if (json_get_string(params, "domain", &key, e) < 0)
		return -EINVAL;
	dom = domain_list_lookup(&dmn->domains, key, e);
	if (!dom)
		return err_code(*e);
	if (check_domain(dom, e) < 0)
		return err_code(*e);
	if (running(dmn) >= EXEC_MAX_RUNNING)
		return err_setk(e, ERR_RESOURCE_BUSY, EBUSY,
				"%d commands run in containers already",
				EXEC_MAX_RUNNING);
	s = session_new(dmn, dom);
	argv = parse_params(params, &s->in, e);
	r = argv ? start(s, dom, argv, e) : -EINVAL;
	free(argv);
	if (r == 0)
		r = watch(s, e);
	if (r < 0) {
		session_discard(s);
		return err_prefix(e, "running a command in domain '%s'",
				  dom->def->name);
	}
	log_info("command '%s' started in domain '%s'",
		 json_object_get_string(json_object_array_get_idx(
			 json_object_object_get(params, "argv"), 0)),
		 dom->def->name);
	s->call = rpc_server_defer(dmn->rpc);
	s->next = dmn->ct_execs;
	dmn->ct_execs = s;
	return RPC_DEFERRED;
}

const struct rpc_method ct_exec_methods[] = {
	{"domain.exec", m_exec},
};

const size_t ct_exec_n_methods = ARRAY_SIZE(ct_exec_methods);
