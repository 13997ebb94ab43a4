// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest agent's channel under QEMU (driver-qemu-agent.h), as libvirt
 * gives it: -chardev socket on a listening fd nidod made, for a
 * virtserialport named org.qemu.guest_agent.0 (driver-qemu-vserial.c
 * places it with the other channels). nidod is the socket's one client; QEMU
 * relays the bytes to the guest's port while the guest has it open.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "daemon/agent.h"
#include "daemon/driver-qemu-agent.h"
#include "daemon/qmp.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/sock.h"

#define COMMAND_MS 10000

/* The chardev's and the port's ids in QEMU. */
#define CHARDEV_ID "charchannel0"
#define PORT_ID	   "channel0"

struct qemu_agent {
	struct domain *dom;
	char *path;
	int listen_fd;
	struct loop *loop;
	struct agent *client;
};

struct qemu_agent *qemu_agent_new(struct domain *dom, char *default_path)
{
	_cleanup_free_ char *dflt = default_path;
	struct qemu_agent *qa;
	const char *path;

	if (!domain_agent_channel(dom->def))
		return NULL;
	path = domain_agent_channel(dom->def)->src.path;
	qa = xcalloc(1, sizeof(*qa));
	qa->dom = dom;
	qa->path = path ? xstrdup(path) : steal_ptr(dflt);
	qa->listen_fd = -1;
	return qa;
}

/* A path of the definition's: nothing there, or a socket to replace. */
static int check_user_path(const char *path, struct err **e)
{
	struct stat st;

	if (qemu_chr_check_dirs("channel socket", path, e) < 0)
		return -EPERM;
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, EEXIST,
				"channel socket '%s' exists and is not a "
				"socket: nidod does not replace it",
				path);
	return 0;
}

int qemu_agent_listen(struct qemu_agent *qa, struct err **e)
{
	struct sockaddr_un sa;
	int fd, r;

	if (domain_agent_channel(qa->dom->def)->src.path &&
	    (r = check_user_path(qa->path, e)) < 0)
		return r;
	if ((r = sock_unix_addr(&sa, qa->path, "channel socket", e)) < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_sys(e, errno, "channel socket");
	unlink(qa->path); /* a socket (checked), or nidod's own path */
	if (sock_unix_bind_private(fd, &sa) < 0 || listen(fd, 1) < 0) {
		r = err_sys(e, errno, "channel socket '%s'", qa->path);
		close(fd);
		return r;
	}
	qa->listen_fd = fd;
	return fd;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void arg(struct qemu_argv *a, char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void qemu_argv_agent(struct qemu_argv *a, int fd)
{
	/* its port: qemu_argv_vserial(), with the other channels' */
	arg(a, xstrdup("-chardev"));
	arg(a,
	    xasprintf("socket,id=" CHARDEV_ID ",fd=%d,server=on,wait=off", fd));
}

int qemu_agent_connect(struct qemu_agent *qa, struct loop *l, struct err **e)
{
	int fd;

	close_safe(qa->listen_fd);
	qa->listen_fd = -1;
	qa->loop = l;
	fd = sock_unix_connect(qa->path, SOCK_NONBLOCK, e);
	if (fd < 0)
		return err_prefix(e, "the guest agent's channel");
	qa->client = agent_open_fd(l, fd, qa->dom->def->name, e);
	return qa->client ? 0 : -EIO;
}

void qemu_agent_set_open(struct qemu_agent *qa, bool open)
{
	struct domain_def *def = qa->dom->def;

	struct domain_channel *ch = domain_agent_channel(def);

	if (ch)
		ch->state_live =
			open ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	agent_set_guest_open(qa->client, open);
}

/* query-chardev: our chardev's frontend-open. */
static void on_chardevs(void *opaque, int r, struct json_object *ret,
			const struct err *e)
{
	struct qemu_agent *qa = opaque;

	if (r == -ECANCELED)
		return; /* QMP closed: @qa may be on its way out */
	for (size_t i = 0;
	     r == 0 && json_object_is_type(ret, json_type_array) &&
	     i < json_object_array_length(ret);
	     i++) {
		struct json_object *c = json_object_array_get_idx(ret, i);
		const char *label = NULL;
		bool open = false;

		if (json_object_is_type(c, json_type_object) &&
		    json_get_string_opt(c, "label", &label, NULL) > 0 &&
		    streq(label, CHARDEV_ID) &&
		    json_get_bool_opt(c, "frontend-open", &open, NULL) > 0)
			qemu_agent_set_open(qa, open);
	}
}

void qemu_agent_qmp_ready(struct qemu_agent *qa, struct qmp *q)
{
	_cleanup_err_ struct err *e = NULL;

	if (!qa)
		return;
	if (qmp_command(q, "query-chardev", NULL, COMMAND_MS, on_chardevs, qa,
			&e) < 0)
		log_warn("domain '%s': guest agent: %s", qa->dom->def->name,
			 err_msg(e));
}

void qemu_agent_qmp_event(struct qemu_agent *qa, const char *name,
			  struct json_object *data)
{
	const char *id = NULL;
	bool open = false;

	if (!qa)
		return;
	if (streq(name, "SHUTDOWN") || streq(name, "RESET")) {
		agent_guest_down(qa->client);
		return;
	}
	if (!streq(name, "VSERPORT_CHANGE") || !data ||
	    json_get_string_opt(data, "id", &id, NULL) <= 0 ||
	    !streq(id, PORT_ID) ||
	    json_get_bool_opt(data, "open", &open, NULL) <= 0)
		return;
	log_debug("domain '%s': the guest %s the agent's port",
		  qa->dom->def->name, open ? "opened" : "closed");
	qemu_agent_set_open(qa, open);
}

void qemu_agent_record(const struct qemu_agent *qa, struct json_object *rec)
{
	if (qa)
		add_str(rec, "agent", qa->path);
}

void qemu_agent_reattach(struct qemu_agent *qa, struct json_object *rec)
{
	const char *path = NULL;

	if (qa && json_get_string_opt(rec, "agent", &path, NULL) > 0 &&
	    path[0] == '/') {
		free(qa->path);
		qa->path = xstrdup(path);
	}
}

struct agent *qemu_agent_client(struct qemu_agent *qa, const char *domain,
				struct err **e)
{
	if (!qa)
		err_setk(e, ERR_OPERATION_INVALID, ENODEV,
			 "domain '%s' has no guest agent channel (<channel "
			 "type='unix'> with <target type='virtio' "
			 "name='" DOMAIN_AGENT_CHANNEL "'/>)",
			 domain);
	else if (!qa->client)
		err_setk(e, ERR_AGENT_UNRESPONSIVE, ENOTCONN,
			 "domain '%s': nidod is not connected to the guest "
			 "agent's channel '%s'",
			 domain, qa->path);
	return qa ? qa->client : NULL;
}

void qemu_agent_free(struct qemu_agent *qa, bool gone)
{
	struct stat st;

	if (!qa)
		return;
	agent_free(qa->client);
	close_safe(qa->listen_fd);
	if (gone && lstat(qa->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(qa->path);
	free(qa->path);
	free(qa);
}
