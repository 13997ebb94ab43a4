// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * systemd-machined registration (machined.h) over sd-bus, driven by the
 * daemon's loop: the bus's fd is a loop source whose events follow
 * sd_bus_get_events(), its next timeout a loop timer; after every call
 * and every round of sd_bus_process() both are brought up to date.
 *
 * machined_create() is the one synchronous call: a guest waits, not
 * yet running, until its scope exists.
 *
 * Each domain registered or being registered has a struct machine, keyed
 * by its UUID. Its pending call's slot is the machine's: freeing the
 * machine cancels the reply callback. An unregistration outlives the
 * machine (a floating slot owning the name for its log line).
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/domain_conf.h"
#include "daemon/machined.h"
#include "daemon/qmp.h"
#include "lib/file.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"

#define MD_DEST	   "org.freedesktop.machine1"
#define MD_PATH	   "/org/freedesktop/machine1"
#define MD_IFACE   "org.freedesktop.machine1.Manager"
#define MD_NO_SUCH "org.freedesktop.machine1.NoSuchMachine"
#define MD_EXISTS  "org.freedesktop.machine1.MachineExists"
/* systemd's, passed on: the old machine's scope is still stopping */
#define MD_UNIT_EXISTS	  "org.freedesktop.systemd1.UnitExists"
#define MD_EXISTS_WAIT_MS 3000
#define MD_TIMEOUT_US	  (5ull * 1000 * 1000) /* per call */
#define MD_NAME_MAX	  64		       /* machined's (a host name's) */
#define MD_MAX_NETIF	  64
#define MD_WORDS_MAX	  512 /* of an error machined sends, kept */

enum machine_state {
	MACHINE_CHECKING,    /* re-attached: GetMachine in flight */
	MACHINE_REGISTERING, /* RegisterMachineWithNetwork in flight */
	MACHINE_REGISTERED,
	MACHINE_FAILED, /* ->error says why */
};

struct machine {
	struct machine *next;
	struct machined *md;
	uint8_t uuid[16];
	char name[MD_NAME_MAX + 1];
	enum machine_state state;
	sd_bus_slot *slot; /* the call in flight, or NULL */
	/* a registration was sent: machined may have made it even when
	 * its answer said otherwise (timed out), so it is undone at stop */
	bool sent;
	/* made by CreateMachineWithNetwork (machined_create): a scope of
	 * its own, ended by TerminateMachine */
	bool created;
	char *error; /* MACHINE_FAILED: machined's or the bus's word */
	/* what RegisterMachineWithNetwork sends (kept for a re-attached
	 * domain machined no longer knows) */
	const char *class;
	uint32_t leader;
	char *root;
	int netif[MD_MAX_NETIF];
	size_t n_netif;
};

struct machined {
	struct daemon *dmn;
	sd_bus *bus;
	struct loop_source *io, *timer;
	uint32_t io_events;
	bool broken; /* the connection failed: logged once */
	/* systemd is PID 1 and this is its system bus: guests are placed
	 * in scopes of their own (machined_create) */
	bool scoped;
	struct machine *machines;
};

static void md_update(struct machined *md);

static void machine_free(struct machine *m)
{
	if (!m)
		return;
	sd_bus_slot_unref(m->slot);
	free(m->error);
	free(m->root);
	free(m);
}

static void machine_unlink(struct machined *md, struct machine *m)
{
	for (struct machine **p = &md->machines; *p; p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			return;
		}
}

static struct machine *machine_find(struct machined *md, const uint8_t *uuid)
{
	for (struct machine *m = md->machines; m; m = m->next)
		if (!memcmp(m->uuid, uuid, 16))
			return m;
	return NULL;
}

static void machine_fail(struct machine *m, const char *what, const char *why)
{
	/* machined's words: bounded, without control characters */
	_cleanup_free_ char *p = qmp_printable(why, MD_WORDS_MAX);

	free(m->error);
	m->error = xasprintf("%s: %s", what, p);
	m->state = MACHINE_FAILED;
	log_warn("systemd-machined: machine '%s' is not registered: %s",
		 m->name, m->error);
}

/* The error of a failed call @reply, or NULL when it succeeded. */
static const char *reply_error(sd_bus_message *reply)
{
	const sd_bus_error *be = sd_bus_message_get_error(reply);

	if (!be)
		return NULL;
	return be->message ? be->message : be->name ? be->name : "failed";
}

static const char *register_method(const struct machine *m)
{
	return m->created ? "CreateMachineWithNetwork"
			  : "RegisterMachineWithNetwork";
}

/* The reply to RegisterMachineWithNetwork or CreateMachineWithNetwork:
 * an object path. */
static int on_registered(sd_bus_message *reply, void *opaque,
			 sd_bus_error *unused)
{
	struct machine *m = opaque;
	const char *why = reply_error(reply);
	const char *path = NULL;

	m->slot = sd_bus_slot_unref(m->slot);
	if (!why && sd_bus_message_read(reply, "o", &path) < 0)
		why = "machined's answer is not an object path";
	if (why) {
		machine_fail(m, register_method(m), why);
		return 0;
	}
	m->state = MACHINE_REGISTERED;
	log_info("systemd-machined: registered machine '%s' (leader %u, %s)",
		 m->name, m->leader, path);
	return 0;
}

/* RegisterMachineWithNetwork's or CreateMachineWithNetwork's call for
 * @m (*@msg, the caller's). */
static int register_msg(struct machine *m, sd_bus_message **msg)
{
	int r = sd_bus_message_new_method_call(m->md->bus, msg, MD_DEST,
					       MD_PATH, MD_IFACE,
					       register_method(m));

	if (r >= 0)
		r = sd_bus_message_append(*msg, "s", m->name);
	if (r >= 0)
		r = sd_bus_message_append_array(*msg, 'y', m->uuid, 16);
	if (r >= 0)
		r = sd_bus_message_append(*msg, "ssus", "nido", m->class,
					  m->leader, m->root ? m->root : "");
	if (r >= 0)
		r = sd_bus_message_append_array(*msg, 'i', m->netif,
						m->n_netif * sizeof(int));
	/* the scope's properties: machined's own (Delegate=yes, under
	 * machine.slice) are what nido needs */
	if (r >= 0 && m->created)
		r = sd_bus_message_append(*msg, "a(sv)", 0);
	return r;
}

static int call_register(struct machine *m)
{
	sd_bus_message *msg = NULL;
	int r;

	r = register_msg(m, &msg);
	if (r >= 0)
		r = sd_bus_call_async(m->md->bus, &m->slot, msg, on_registered,
				      m, MD_TIMEOUT_US);
	sd_bus_message_unref(msg);
	m->sent = r >= 0;
	if (r < 0) {
		machine_fail(m, register_method(m), strerror(-r));
		return r;
	}
	m->state = MACHINE_REGISTERING;
	return 0;
}

/* The reply to GetMachine of a re-attached domain. */
static int on_checked(sd_bus_message *reply, void *opaque, sd_bus_error *unused)
{
	struct machine *m = opaque;
	const char *path = NULL;

	m->slot = sd_bus_slot_unref(m->slot);
	if (sd_bus_message_is_method_error(reply, MD_NO_SUCH)) {
		log_info("systemd-machined: machine '%s' is no longer "
			 "registered: registering it again",
			 m->name);
		call_register(m);
		return 0;
	}
	if (reply_error(reply)) {
		machine_fail(m, "GetMachine", reply_error(reply));
		return 0;
	}
	if (sd_bus_message_read(reply, "o", &path) < 0) {
		machine_fail(m, "GetMachine",
			     "machined's answer is not an object path");
		return 0;
	}
	m->state = MACHINE_REGISTERED;
	log_info("systemd-machined: machine '%s' is still registered (%s)",
		 m->name, path);
	return 0;
}

static int call_check(struct machine *m)
{
	int r = sd_bus_call_method_async(m->md->bus, &m->slot, MD_DEST, MD_PATH,
					 MD_IFACE, "GetMachine", on_checked, m,
					 "s", m->name);

	if (r < 0) {
		machine_fail(m, "GetMachine", strerror(-r));
		return r;
	}
	m->state = MACHINE_CHECKING;
	return 0;
}

/* The reply to UnregisterMachine or TerminateMachine; @opaque is the
 * name (the slot's). */
static int on_unregistered(sd_bus_message *reply, void *opaque,
			   sd_bus_error *unused)
{
	const char *name = opaque;

	if (sd_bus_message_is_method_error(reply, MD_NO_SUCH))
		return 0; /* gone already (or never made it) */
	if (reply_error(reply)) {
		_cleanup_free_ char *p =
			qmp_printable(reply_error(reply), MD_WORDS_MAX);

		log_warn("systemd-machined: unregistering machine '%s': %s",
			 name, p);
	} else
		log_info("systemd-machined: unregistered machine '%s'", name);
	return 0;
}

static void call_unregister(struct machined *md, const char *name,
			    bool terminate)
{
	const char *method =
		terminate ? "TerminateMachine" : "UnregisterMachine";
	sd_bus_slot *slot = NULL;
	char *copy = xstrdup(name);
	int r;

	r = sd_bus_call_method_async(md->bus, &slot, MD_DEST, MD_PATH, MD_IFACE,
				     method, on_unregistered, copy, "s", name);
	if (r < 0) {
		log_warn("systemd-machined: unregistering machine '%s': %s",
			 name, strerror(-r));
		free(copy);
		return;
	}
	/* the bus owns the call (and the copy) from here */
	sd_bus_slot_set_destroy_callback(slot, free);
	sd_bus_slot_set_floating(slot, 1);
	sd_bus_slot_unref(slot);
}

void machined_name(const char *prefix, int id, const char *name, char *out,
		   size_t size)
{
	size_t n, limit = size - 1 < MD_NAME_MAX ? size - 1 : MD_NAME_MAX;
	bool skip = true; /* a '-' or '.' here would lead or repeat */
	int w = snprintf(out, size, "%s-%d-", prefix, id);

	n = w < 0 ? 0 : (size_t)w < limit ? (size_t)w : limit;
	for (const char *p = name; *p && n < limit; p++) {
		bool sep = *p == '-' || *p == '.';
		bool alnum = (*p >= 'a' && *p <= 'z') ||
			     (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9');

		/* what is dropped does not count: "_-x" is "x" */
		if ((sep && !skip) || alnum) {
			out[n++] = *p;
			skip = sep;
		}
	}
	while (n > 0 && (out[n - 1] == '-' || out[n - 1] == '.'))
		n--;
	out[n] = '\0';
}

/* A container's root directory on the host: its <filesystem
 * type='mount'> at '/', or NULL (an image, or a VM). */
static const char *root_dir(const struct domain_def *def)
{
	for (size_t i = 0; i < def->ct.n_fs; i++) {
		const struct domain_fs *f = &def->ct.fs[i];

		if (f->type == DOMAIN_FS_MOUNT && f->target &&
		    streq(f->target, "/"))
			return f->source;
	}
	return NULL;
}

/* The host ends of the domain's interfaces (the record's "taps"). */
static void netifs(struct machine *m, struct json_object *rec)
{
	struct json_object *taps = NULL;

	if (!json_object_object_get_ex(rec, "taps", &taps) ||
	    !json_object_is_type(taps, json_type_array))
		return;
	for (size_t i = 0;
	     i < json_object_array_length(taps) && m->n_netif < MD_MAX_NETIF;
	     i++) {
		struct json_object *t = json_object_array_get_idx(taps, i);
		const char *name = NULL;
		unsigned idx;

		if (json_get_string_opt(t, "tap", &name, NULL) <= 0)
			continue;
		idx = if_nametoindex(name);
		if (idx > 0 && idx <= INT32_MAX)
			m->netif[m->n_netif++] = (int)idx;
	}
}

static struct machine *machine_new(struct machined *md, struct domain *dom,
				   int id, int64_t pid, struct json_object *rec)
{
	struct machine *m = xcalloc(1, sizeof(*m));
	bool ct = dom->def->virt == DOMAIN_VIRT_LXC;
	const char *root = ct ? root_dir(dom->def) : NULL;

	m->md = md;
	memcpy(m->uuid, dom->def->uuid, 16);
	machined_name(ct ? "lxc" : "qemu", id, dom->def->name, m->name,
		      sizeof(m->name));
	m->class = ct ? "container" : "vm";
	m->leader = (uint32_t)pid;
	m->root = root ? xstrdup(root) : NULL;
	netifs(m, rec);
	return m;
}

void machined_domain_started(struct daemon *dmn, struct domain *dom)
{
	struct machined *md = dmn->machined;
	struct machine *m;
	int64_t pid = 0;

	if (!md)
		return;
	json_get_int64_opt(dom->rec, "pid", &pid, NULL);
	m = machine_find(md, dom->def->uuid);
	if (m && m->created && m->leader == pid)
		return; /* this start's: machined_create() made it */
	/* a machine of an earlier run of this domain whose stop was not
	 * seen (cannot happen on the loop, but a stale entry must go) */
	if (m) {
		machine_unlink(md, m);
		machine_free(m);
	}
	m = machine_new(md, dom, dom->id, pid, dom->rec);
	m->next = md->machines;
	md->machines = m;
	if (pid <= 0 || pid > INT32_MAX)
		machine_fail(m, "the domain's process", "not known");
	else if (md->broken)
		machine_fail(m, "the bus", "the connection was lost");
	else if (dmn->recovering)
		call_check(m);
	else {
		/* a guest nido did not place (the qemu driver's): in a
		 * scope of its own, where systemd makes them */
		m->created = md->scoped;
		call_register(m);
	}
	md_update(md);
}

bool machined_scoped(const struct daemon *dmn)
{
	return dmn->machined && dmn->machined->scoped && !dmn->machined->broken;
}

/* @pid's cgroup in the v2 hierarchy ("0::PATH" of /proc/PID/cgroup),
 * malloc'ed, or NULL. */
static char *unified_cgroup(pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/cgroup", (int)pid);
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (file_read_all(path, 65536, &text, &len, NULL) < 0)
		return NULL;
	for (char *line = text; line && *line;) {
		char *end = strchr(line, '\n');

		if (end)
			*end = '\0';
		if (!strncmp(line, "0::/", 4))
			return xstrdup(line + 3);
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/*
 * Sends CreateMachineWithNetwork @msg. A machine of that name that is
 * still there may be this domain's, terminated an instant ago (a
 * reboot): machined drops it, and systemd its scope, once the scope has
 * stopped, so a refusal for either is retried, for MD_EXISTS_WAIT_MS at
 * most.
 */
static int create_call(struct machined *md, sd_bus_message *msg,
		       sd_bus_error *be, sd_bus_message **reply)
{
	for (unsigned waited = 0;; waited += 50) {
		int r = sd_bus_call(md->bus, msg, MD_TIMEOUT_US, be, reply);

		if (r >= 0 || waited >= MD_EXISTS_WAIT_MS ||
		    !sd_bus_error_has_names(be, MD_EXISTS, MD_UNIT_EXISTS))
			return r;
		sd_bus_error_free(be);
		usleep(50 * 1000);
	}
}

int machined_create(struct daemon *dmn, struct domain *dom, pid_t pid,
		    struct json_object *taps, char **cgroup, struct err **e)
{
	struct machined *md = dmn->machined;
	sd_bus_error be = SD_BUS_ERROR_NULL;
	sd_bus_message *msg = NULL, *reply = NULL;
	struct json_object *rec = json_object_new_object();
	const char *path = NULL;
	struct machine *m;
	int r;

	*cgroup = NULL;
	if (!machined_scoped(dmn)) {
		json_object_put(rec);
		return 0;
	}
	if ((m = machine_find(md, dom->def->uuid))) {
		machine_unlink(md, m);
		machine_free(m);
	}
	if (taps)
		json_object_object_add(rec, "taps", json_object_get(taps));
	/* the id the domain is about to get (lifecycle.c) */
	m = machine_new(md, dom, dom->id >= 0 ? dom->id : dmn->next_id, pid,
			rec);
	json_object_put(rec);
	m->created = true;
	r = register_msg(m, &msg);
	if (r >= 0)
		r = create_call(md, msg, &be, &reply);
	if (r >= 0 && sd_bus_message_read(reply, "o", &path) < 0)
		r = -EBADMSG;
	if (r >= 0 && !(*cgroup = unified_cgroup(pid)))
		r = -ENOENT;
	if (r < 0) {
		_cleanup_free_ char *why = qmp_printable(
			be.message	? be.message
			: r == -EBADMSG ? "its answer is not an "
					  "object path"
			: r == -ENOENT	? "the leader has no cgroup "
					  "v2 path"
					: strerror(-r),
			MD_WORDS_MAX);

		/* made all the same (its answer was late or not usable):
		 * ended; refused (a name in use): not ours to end */
		if (r == -ETIMEDOUT || r == -EBADMSG || r == -ENOENT)
			call_unregister(md, m->name, true);
		err_set(e, r == -ENOENT ? ENOENT : EIO,
			"systemd-machined: CreateMachineWithNetwork of machine "
			"'%s': %s",
			m->name, why);
		machine_free(m);
	} else {
		m->sent = true;
		m->state = MACHINE_REGISTERED;
		m->next = md->machines;
		md->machines = m;
		log_info("systemd-machined: created machine '%s' (leader %d, "
			 "%s, cgroup %s)",
			 m->name, (int)pid, path, *cgroup);
	}
	sd_bus_error_free(&be);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(msg);
	md_update(md);
	return r < 0 ? r : 1;
}

void machined_domain_stopped(struct daemon *dmn, struct domain *dom)
{
	struct machined *md = dmn->machined;
	struct machine *m;

	if (!md)
		return;
	m = machine_find(md, dom->def->uuid);
	if (!m && dmn->recovering && dom->id > 0 && !md->broken) {
		/* it ended while no daemon ran: an earlier daemon may have
		 * registered it */
		char name[MD_NAME_MAX + 1];

		machined_name(dom->def->virt == DOMAIN_VIRT_LXC ? "lxc"
								: "qemu",
			      dom->id, dom->def->name, name, sizeof(name));
		call_unregister(md, name, false);
		md_update(md);
	}
	if (!m)
		return;
	machine_unlink(md, m);
	/* an unregistration sent after a call in flight is handled after
	 * it: machined reads one connection's calls in order; after a
	 * refusal it finds nothing, which is ignored */
	if ((m->state != MACHINE_FAILED || m->sent) && !md->broken)
		call_unregister(md, m->name, m->created);
	machine_free(m);
	md_update(md);
}

void machined_info(struct daemon *dmn, const struct domain *dom,
		   struct json_object *o)
{
	struct machine *m;

	if (!dmn->machined ||
	    !(m = machine_find(dmn->machined, dom->def->uuid)))
		return;
	if (m->state == MACHINE_FAILED)
		json_object_object_add(o, "machine_error",
				       json_object_new_string(m->error));
	else
		json_object_object_add(o, "machine",
				       json_object_new_string(m->name));
}

/* The loop's side of the connection. */

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The connection failed: every machine waiting fails, the sources go. */
static void md_broken(struct machined *md, int r)
{
	if (!md->broken)
		log_warn("systemd-machined: the bus connection failed (%s): "
			 "machines are no longer registered",
			 strerror(-r));
	md->broken = true;
	loop_source_del(md->dmn->loop, md->io);
	loop_source_del(md->dmn->loop, md->timer);
	md->io = md->timer = NULL;
	for (struct machine *m = md->machines; m; m = m->next)
		if (m->state == MACHINE_CHECKING ||
		    m->state == MACHINE_REGISTERING) {
			m->slot = sd_bus_slot_unref(m->slot);
			machine_fail(m, "the bus", "the connection was lost");
		}
}

static void md_update(struct machined *md)
{
	uint64_t until = UINT64_MAX, now;
	uint32_t want = 0;
	int ev;

	if (md->broken)
		return;
	ev = sd_bus_get_events(md->bus);
	if (ev < 0) {
		md_broken(md, ev);
		return;
	}
	want |= (ev & POLLIN) ? EPOLLIN : 0;
	want |= (ev & POLLOUT) ? EPOLLOUT : 0;
	if (want != md->io_events &&
	    loop_fd_modify(md->dmn->loop, md->io, want) == 0)
		md->io_events = want;
	if (sd_bus_get_timeout(md->bus, &until) < 0 || until == UINT64_MAX) {
		loop_timer_disarm(md->dmn->loop, md->timer);
		return;
	}
	now = now_us();
	/* 0 is "next round" for the loop: a timeout already due */
	loop_timer_set(md->dmn->loop, md->timer,
		       until > now ? (until - now) * 1000u : 0, 0);
}

static void md_process(struct machined *md)
{
	int r;

	while ((r = sd_bus_process(md->bus, NULL)) > 0)
		;
	if (r < 0) {
		md_broken(md, r);
		return;
	}
	md_update(md);
}

static void on_bus_fd(struct loop *l, int fd, uint32_t events, void *opaque)
{
	md_process(opaque);
}

static void on_bus_timer(struct loop *l, void *opaque)
{
	md_process(opaque);
}

/* Where to connect: a test's bus, the system bus, or nowhere (NULL,
 * with the reason logged). */
static int md_connect(struct daemon *dmn, sd_bus **bus)
{
	const char *test = getenv(MACHINED_TEST_BUS_ENV);
	int r;

	if (test && *test) {
		log_info("systemd-machined: using the test bus '%s' (%s)", test,
			 MACHINED_TEST_BUS_ENV);
		r = sd_bus_new(bus);
		if (r >= 0)
			r = sd_bus_set_address(*bus, test);
		if (r >= 0)
			r = sd_bus_set_bus_client(*bus, 1);
		if (r >= 0)
			r = sd_bus_start(*bus);
		return r;
	}
	if (sd_booted() <= 0) {
		log_info("systemd-machined: not running (systemd is not PID "
			 "1); machines are not registered");
		return 0;
	}
	if (geteuid() != 0) {
		log_info("systemd-machined: only a daemon running as root "
			 "registers machines; machines are not registered");
		return 0;
	}
	return sd_bus_open_system(bus);
}

/* Whether machined answers on the system bus (started by the bus when
 * it is not running yet); says why not. */
static int md_ping(sd_bus *bus)
{
	sd_bus_error be = SD_BUS_ERROR_NULL;
	int r = sd_bus_call_method(bus, MD_DEST, MD_PATH,
				   "org.freedesktop.DBus.Peer", "Ping", &be,
				   NULL, "");

	if (r < 0)
		log_warn("systemd-machined: not available on the system bus "
			 "(%s; is systemd-container installed?): guests stay "
			 "in nido's own cgroups and are not registered",
			 be.message ? be.message : strerror(-r));
	else
		log_info("systemd-machined: guests are placed in scopes of "
			 "their own under machine.slice");
	sd_bus_error_free(&be);
	return r;
}

void machined_open(struct daemon *dmn, bool enabled)
{
	_cleanup_err_ struct err *e = NULL;
	struct machined *md;
	sd_bus *bus = NULL;
	bool scoped;
	int r;

	if (!enabled) {
		log_info("systemd-machined: register_machines = 0 "
			 "(nidod.conf); machines are not registered");
		return;
	}
	r = md_connect(dmn, &bus);
	if (r < 0) {
		log_warn("systemd-machined: connecting to the bus: %s; "
			 "machines are not registered",
			 strerror(-r));
		sd_bus_unref(bus);
		return;
	}
	if (!bus)
		return;
	/* every call's, GetMachine's and UnregisterMachine's too */
	sd_bus_set_method_call_timeout(bus, MD_TIMEOUT_US);
	scoped = !getenv(MACHINED_TEST_BUS_ENV) ||
		 !*getenv(MACHINED_TEST_BUS_ENV);
	if (scoped && (r = md_ping(bus)) < 0) {
		sd_bus_flush_close_unref(bus);
		return;
	}
	md = xcalloc(1, sizeof(*md));
	md->dmn = dmn;
	md->bus = bus;
	md->scoped = scoped;
	md->io = loop_fd_add(dmn->loop, sd_bus_get_fd(bus), 0, on_bus_fd, md,
			     &e);
	if (md->io)
		md->timer =
			loop_timer_add(dmn->loop, 0, 0, on_bus_timer, md, &e);
	if (!md->timer) {
		log_warn("systemd-machined: %s; machines are not registered",
			 err_msg(e));
		loop_source_del(dmn->loop, md->io);
		sd_bus_unref(bus);
		free(md);
		return;
	}
	dmn->machined = md;
	md_update(md);
}

/* Unregistrations still queued are sent (for half a second at most:
 * the daemon is exiting and must not hang on the bus). */
static void md_drain(struct machined *md)
{
	uint64_t deadline = now_us() + 500000u;
	int ev;

	while ((ev = sd_bus_get_events(md->bus)) > 0 && (ev & POLLOUT)) {
		uint64_t now = now_us();

		if (now >= deadline || sd_bus_process(md->bus, NULL) < 0 ||
		    sd_bus_wait(md->bus, deadline - now) < 0)
			return;
	}
}

void machined_close(struct daemon *dmn)
{
	struct machined *md = dmn->machined;

	if (!md)
		return;
	dmn->machined = NULL;
	while (md->machines) {
		struct machine *m = md->machines;

		md->machines = m->next;
		machine_free(m);
	}
	loop_source_del(dmn->loop, md->io);
	loop_source_del(dmn->loop, md->timer);
	if (!md->broken)
		md_drain(md);
	sd_bus_close_unref(md->bus);
	free(md);
}
