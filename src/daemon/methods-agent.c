// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The domain.* methods that go through the guest agent (docs/api.md):
 * agent_command (virsh qemu-agent-command), guestinfo, fsfreeze and
 * fsthaw (domfsfreeze, domfsthaw), set_user_password, and for other
 * method files domifaddr's agent source and shutdown --mode agent.
 *
 * Each answers later (RPC_DEFERRED) from the agent's callback, within
 * the command's timeout whatever the guest does; the domain's other
 * operations and other clients go on meanwhile. What the agent answers
 * is the guest's: only values of the expected types are used, strings
 * made printable and bounded.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/agent.h"
#include "daemon/daemon.h"
#include "daemon/driver-qemu.h"
#include "daemon/driver.h"
#include "daemon/qmp.h"
#include "lib/json.h"

/* Default and longest wait for a command, in seconds. */
#define AGENT_TIMEOUT_S	    5
#define AGENT_TIMEOUT_MAX_S 600
/* guest-shutdown, fsfreeze: the guest has work to do first. */
#define AGENT_SLOW_MS 60000
/* Most items of a guest's list reported (interfaces, addresses, users). */
#define AGENT_LIST_MAX 256
/* Longest string of the guest's reported. */
#define AGENT_STR_MAX 256

/* Turns a command's "return" into the method's result (a new reference;
 * NULL for JSON null), or fails with @e. */
typedef int (*agent_result_fn)(struct json_object *ret, void *arg,
			       struct json_object **result, struct err **e);

struct agent_call {
	struct rpc_call *call;
	agent_result_fn fn;
	void *arg; /* freed with the call */
};

/* The agent of running domain @dom; NULL with @e saying why. */
static struct agent *agent_of(struct daemon *dmn, struct domain *dom,
			      struct err **e)
{
	if (!domain_is_active(dom)) {
		err_setk(e, ERR_OPERATION_INVALID, EINVAL,
			 "domain '%s' is not running", dom->def->name);
		return NULL;
	}
	if (!domain_agent_channel(dom->def) || !dom->drv->agent) {
		err_setk(e, ERR_OPERATION_INVALID, ENODEV,
			 "domain '%s' has no guest agent channel (<channel "
			 "type='unix'> with <target type='virtio' "
			 "name='" DOMAIN_AGENT_CHANNEL "'/>)",
			 dom->def->name);
		return NULL;
	}
	return dom->drv->agent(dmn, dom, e);
}

struct agent *agent_for(struct daemon *dmn, struct domain *dom, struct err **e)
{
	return agent_of(dmn, dom, e);
}

static void on_reply(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct agent_call *c = opaque;
	_cleanup_err_ struct err *why = NULL;
	struct json_object *result = NULL;

	if (r == 0 && c->fn)
		r = c->fn(ret, c->arg, &result, &why);
	rpc_call_done(c->call, r, result, r < 0 && why ? why : e);
	free(c->arg);
	free(c);
}

/*
 * Sends @cmd (borrowed) to @a; the reply, through @fn (NULL: JSON
 * null), answers the method's call later. Returns RPC_DEFERRED, or
 * -errno with @e filled (@arg freed).
 */
static int send_json(struct daemon *dmn, struct agent *a,
		     struct json_object *cmd, int timeout_ms, unsigned flags,
		     agent_result_fn fn, void *arg, struct err **e)
{
	struct agent_call *c = xcalloc(1, sizeof(*c));

	c->fn = fn;
	c->arg = arg;
	if (agent_command(a, cmd, timeout_ms, flags, on_reply, c, e) < 0) {
		free(c->arg);
		free(c);
		return err_code(*e);
	}
	/* the reply comes from the loop, never before this returns */
	c->call = rpc_server_defer(dmn->rpc);
	return RPC_DEFERRED;
}

/* A command {"execute": @execute, "arguments": @args (taken over; NULL:
 * none)}, as send_json(). */
static int send_cmd(struct daemon *dmn, struct agent *a, const char *execute,
		    struct json_object *args, int timeout_ms, unsigned flags,
		    agent_result_fn fn, void *arg, struct err **e)
{
	_cleanup_json_ struct json_object *cmd = json_object_new_object();

	json_object_object_add(cmd, "execute", json_object_new_string(execute));
	if (args)
		json_object_object_add(cmd, "arguments", args);
	return send_json(dmn, a, cmd, timeout_ms, flags, fn, arg, e);
}

/* "timeout" in seconds (default AGENT_TIMEOUT_S), in milliseconds. */
static int param_timeout(struct json_object *p, int *ms, struct err **e)
{
	int64_t s = AGENT_TIMEOUT_S;

	if (json_get_int64_opt(p, "timeout", &s, e) < 0)
		return -EINVAL;
	if (s < 1 || s > AGENT_TIMEOUT_MAX_S)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"invalid timeout %" PRId64 " (1 to %d seconds)",
				s, AGENT_TIMEOUT_MAX_S);
	*ms = (int)s * 1000;
	return 0;
}

/* qemu-agent-command's result: the agent's reply, as virsh prints it. */
static int whole_reply(struct json_object *ret, void *arg,
		       struct json_object **result, struct err **e)
{
	_cleanup_json_ struct json_object *o = json_object_new_object();
	_cleanup_free_ char *text = NULL;

	json_object_object_add(o, "return", json_object_get(ret));
	text = json_encode_line(o, NULL);
	*result = json_object_new_object();
	json_object_object_add(*result, "reply", json_object_new_string(text));
	return 0;
}

/* "command": one JSON object with a string "execute", sent as given. */
static int m_agent_command(void *opaque, struct json_object *params,
			   struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	_cleanup_json_ struct json_object *cmd = NULL;
	_cleanup_err_ struct err *why = NULL;
	const char *text, *execute;
	struct agent *a;
	int ms = 0;

	if (!dom || json_get_string(params, "command", &text, e) < 0 ||
	    param_timeout(params, &ms, e) < 0)
		return err_code(*e);
	if (json_decode(text, strlen(text), &cmd, &why) < 0 || !cmd ||
	    !json_object_is_type(cmd, json_type_object) ||
	    json_get_string(cmd, "execute", &execute, NULL) < 0)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"agent command: not a JSON object with a "
				"string 'execute'%s%s",
				why ? ": " : "", why ? err_msg(why) : "");
	if (!(a = agent_of(dmn, dom, e)))
		return err_code(*e);
	return send_json(dmn, a, cmd, ms, 0, whole_reply, NULL, e);
}

/* The guest's string @field of @obj as @key in @out: printable, bounded. */
static void put_str(struct json_object *out, const char *key,
		    struct json_object *obj, const char *field)
{
	const char *v = NULL;
	_cleanup_free_ char *s = NULL;

	if (json_get_string_opt(obj, field, &v, NULL) <= 0)
		return;
	s = qmp_printable(v, AGENT_STR_MAX);
	json_object_object_add(out, key, json_object_new_string(s));
}

static void put_int(struct json_object *out, const char *key, int64_t v)
{
	json_object_object_add(out, key, json_object_new_int64(v));
}

/* The guest's list @v (an array, else nothing), at most AGENT_LIST_MAX. */
static size_t list_len(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_array))
		return 0;
	return MIN(json_object_array_length(v), (size_t)AGENT_LIST_MAX);
}

static void gi_os(struct json_object *ret, struct json_object *out,
		  const struct domain_def *def)
{
	static const char *const keys[] = {
		"id",	      "name",		"pretty-name",	  "version",
		"version-id", "kernel-release", "kernel-version", "machine",
		"variant",    "variant-id",
	};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		_cleanup_free_ char *k = xasprintf("os.%s", keys[i]);

		put_str(out, k, ret, keys[i]);
	}
}

static void gi_hostname(struct json_object *ret, struct json_object *out,
			const struct domain_def *def)
{
	put_str(out, "hostname", ret, "host-name");
}

static void gi_timezone(struct json_object *ret, struct json_object *out,
			const struct domain_def *def)
{
	int64_t off;

	put_str(out, "timezone.name", ret, "zone");
	if (json_get_int64_opt(ret, "offset", &off, NULL) > 0)
		put_int(out, "timezone.offset", off);
}

static void gi_users(struct json_object *ret, struct json_object *out,
		     const struct domain_def *def)
{
	size_t n = list_len(ret);

	put_int(out, "user.count", (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *u = json_object_array_get_idx(ret, i), *t;
		_cleanup_free_ char *kn = xasprintf("user.%zu.name", i);
		_cleanup_free_ char *kd = xasprintf("user.%zu.domain", i);
		_cleanup_free_ char *kt = xasprintf("user.%zu.login-time", i);

		put_str(out, kn, u, "user");
		put_str(out, kd, u, "domain");
		if (json_object_is_type(u, json_type_object) &&
		    json_object_object_get_ex(u, "login-time", &t) &&
		    (json_object_is_type(t, json_type_double) ||
		     json_object_is_type(t, json_type_int)))
			put_int(out, kt,
				(int64_t)(json_object_get_double(t) * 1000));
	}
}

static void gi_filesystems(struct json_object *ret, struct json_object *out,
			   const struct domain_def *def)
{
	size_t n = list_len(ret);

	put_int(out, "fs.count", (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(ret, i);
		static const char *const map[][2] = {
			{"mountpoint", "mountpoint"},
			{"name", "name"},
			{"fstype", "type"}};
		int64_t v;

		for (size_t k = 0; k < ARRAY_SIZE(map); k++) {
			_cleanup_free_ char *key =
				xasprintf("fs.%zu.%s", i, map[k][0]);

			put_str(out, key, f, map[k][1]);
		}
		if (json_get_int64_opt(f, "total-bytes", &v, NULL) > 0) {
			_cleanup_free_ char *key =
				xasprintf("fs.%zu.total-bytes", i);

			put_int(out, key, v);
		}
		if (json_get_int64_opt(f, "used-bytes", &v, NULL) > 0) {
			_cleanup_free_ char *key =
				xasprintf("fs.%zu.used-bytes", i);

			put_int(out, key, v);
		}
	}
}

/* One address of a guest-network-get-interfaces entry, as guestinfo's
 * if.N.addr.M.*; false when it is not one. */
static bool gi_addr(struct json_object *out, const char *prefix,
		    struct json_object *ad)
{
	const char *type = NULL, *ip = NULL;
	int64_t len = -1;
	_cleanup_free_ char *kt = xasprintf("%s.type", prefix);
	_cleanup_free_ char *ka = xasprintf("%s.addr", prefix);
	_cleanup_free_ char *kp = xasprintf("%s.prefix", prefix);

	if (json_get_string_opt(ad, "ip-address-type", &type, NULL) <= 0 ||
	    json_get_string_opt(ad, "ip-address", &ip, NULL) <= 0 ||
	    (!streq(type, "ipv4") && !streq(type, "ipv6")))
		return false;
	put_str(out, kt, ad, "ip-address-type");
	put_str(out, ka, ad, "ip-address");
	if (json_get_int64_opt(ad, "prefix", &len, NULL) > 0 && len >= 0 &&
	    len <= 128)
		put_int(out, kp, len);
	return true;
}

static void gi_interfaces(struct json_object *ret, struct json_object *out,
			  const struct domain_def *def)
{
	size_t n = list_len(ret);

	put_int(out, "if.count", (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *f = json_object_array_get_idx(ret, i);
		struct json_object *addrs = NULL;
		_cleanup_free_ char *kn = xasprintf("if.%zu.name", i);
		_cleanup_free_ char *kh = xasprintf("if.%zu.hwaddr", i);
		_cleanup_free_ char *kc = xasprintf("if.%zu.addr.count", i);
		size_t m = 0;

		put_str(out, kn, f, "name");
		put_str(out, kh, f, "hardware-address");
		json_get_array_opt(f, "ip-addresses", &addrs, NULL);
		for (size_t j = 0; j < list_len(addrs); j++) {
			_cleanup_free_ char *p =
				xasprintf("if.%zu.addr.%zu", i, m);

			m += gi_addr(out, p,
				     json_object_array_get_idx(addrs, j));
		}
		put_int(out, kc, (int64_t)m);
	}
}

/*
 * The domain's disk (its target) that the guest's disk address @ad
 * (guest-get-disks) is: a virtio disk by its PCI address, another by its
 * serial; NULL when none is (what the guest says is only a hint).
 */
static const char *disk_alias(const struct domain_def *def,
			      struct json_object *ad)
{
	struct json_object *pci = NULL;
	const char *bus = NULL, *serial = NULL;
	int64_t dom = -1, b = -1, slot = -1, fn = -1;
	struct dev_pci_addr at;

	json_get_string_opt(ad, "bus-type", &bus, NULL);
	json_get_string_opt(ad, "serial", &serial, NULL);
	if (json_get_object_opt(ad, "pci-controller", &pci, NULL) > 0) {
		json_get_int64_opt(pci, "domain", &dom, NULL);
		json_get_int64_opt(pci, "bus", &b, NULL);
		json_get_int64_opt(pci, "slot", &slot, NULL);
		json_get_int64_opt(pci, "function", &fn, NULL);
	}
	for (size_t i = 0; i < def->n_disks; i++) {
		const struct domain_disk *d = &def->disks[i];

		if (serial && d->serial && streq(serial, d->serial))
			return d->target;
		if (bus && streq(bus, "virtio") && d->bus == DISK_BUS_VIRTIO &&
		    qemu_pci_slot(def, QEMU_PCI_DISK, i, &at) == 0 &&
		    dom == 0 && b == at.bus && slot == at.slot &&
		    fn == at.function)
			return d->target;
	}
	return NULL;
}

/* guest-get-disks, as libvirt's disk.N.* parameters. */
static void gi_disks(struct json_object *ret, struct json_object *out,
		     const struct domain_def *def)
{
	size_t n = list_len(ret);

	put_int(out, "disk.count", (int64_t)n);
	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(ret, i);
		struct json_object *deps = NULL, *ad = NULL;
		_cleanup_free_ char *k = xasprintf("disk.%zu.name", i);
		bool part = false;
		const char *alias;

		put_str(out, k, d, "name");
		free(k);
		k = xasprintf("disk.%zu.partition", i);
		json_get_bool_opt(d, "partition", &part, NULL);
		json_object_object_add(
			out, k, json_object_new_string(part ? "yes" : "no"));
		json_get_array_opt(d, "dependencies", &deps, NULL);
		free(k);
		k = xasprintf("disk.%zu.dependency.count", i);
		put_int(out, k, (int64_t)list_len(deps));
		for (size_t j = 0; j < list_len(deps); j++) {
			struct json_object *dep =
				json_object_array_get_idx(deps, j);
			_cleanup_free_ char *kd =
				xasprintf("disk.%zu.dependency.%zu.name", i, j);
			_cleanup_free_ char *s = NULL;

			if (!json_object_is_type(dep, json_type_string))
				continue;
			s = qmp_printable(json_object_get_string(dep),
					  AGENT_STR_MAX);
			json_object_object_add(out, kd,
					       json_object_new_string(s));
		}
		free(k);
		k = xasprintf("disk.%zu.guest_alias", i);
		put_str(out, k, d, "alias");
		if (json_get_object_opt(d, "address", &ad, NULL) <= 0)
			continue;
		free(k);
		k = xasprintf("disk.%zu.serial", i);
		put_str(out, k, ad, "serial");
		free(k);
		k = xasprintf("disk.%zu.guest_bus", i);
		put_str(out, k, ad, "bus-type");
		if ((alias = disk_alias(def, ad))) {
			free(k);
			k = xasprintf("disk.%zu.alias", i);
			json_object_object_add(out, k,
					       json_object_new_string(alias));
		}
	}
}

/* guestinfo's sections, in virsh's order: its type, the agent's
 * command, what turns the answer into parameters (with the domain's
 * definition, to name its disks). */
static const struct {
	const char *type;
	const char *command;
	void (*fill)(struct json_object *ret, struct json_object *out,
		     const struct domain_def *def);
} gi_sections[] = {
	{"users", "guest-get-users", gi_users},
	{"os", "guest-get-osinfo", gi_os},
	{"timezone", "guest-get-timezone", gi_timezone},
	{"hostname", "guest-get-host-name", gi_hostname},
	{"filesystem", "guest-get-fsinfo", gi_filesystems},
	{"disk", "guest-get-disks", gi_disks},
	{"interfaces", "guest-network-get-interfaces", gi_interfaces},
};

/* A guestinfo call, one section after the other. */
struct guestinfo {
	struct rpc_call *call;
	struct agent *a;    /* valid in its callbacks that succeed */
	struct domain *dom; /* the same (its agent goes when it stops) */
	unsigned want;	    /* sections, by bit */
	bool all;	    /* none asked by name: skip what the agent lacks */
	size_t at;	    /* the section on its way */
	struct json_object *out;
};

static void gi_reply(void *opaque, int r, struct json_object *ret,
		     const struct err *e);

/* Sends the next section wanted from @gi->at; false when none is left
 * (or sending failed: then @e says why). */
static bool gi_next(struct guestinfo *gi, struct err **e)
{
	_cleanup_json_ struct json_object *cmd = NULL;

	while (gi->at < ARRAY_SIZE(gi_sections) && !(gi->want & (1u << gi->at)))
		gi->at++;
	if (gi->at == ARRAY_SIZE(gi_sections))
		return false;
	cmd = json_object_new_object();
	json_object_object_add(
		cmd, "execute",
		json_object_new_string(gi_sections[gi->at].command));
	return agent_command(gi->a, cmd, AGENT_TIMEOUT_S * 1000, 0, gi_reply,
			     gi, e) == 0;
}

static void gi_free(struct guestinfo *gi)
{
	json_object_put(gi->out);
	free(gi);
}

static void gi_reply(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct guestinfo *gi = opaque;
	_cleanup_err_ struct err *why = NULL;
	struct json_object *res;

	if (r == 0)
		gi_sections[gi->at].fill(ret, gi->out, gi->dom->def);
	if (r < 0 && !(r == -EIO && gi->all)) { /* the agent lacks it */
		rpc_call_done(gi->call, r, NULL, e);
		gi_free(gi);
		return;
	}
	gi->at++;
	if (gi_next(gi, &why))
		return;
	if (why) {
		rpc_call_done(gi->call, err_code(why), NULL, why);
	} else {
		res = json_object_new_object();
		json_object_object_add(res, "params", steal_ptr(gi->out));
		rpc_call_done(gi->call, 0, res, NULL);
	}
	gi_free(gi);
}

/* "types": the sections' names; absent or empty: all the agent has. */
static int gi_types(struct json_object *params, unsigned *want, bool *all,
		    struct err **e)
{
	struct json_object *types = NULL;
	size_t n;

	if (json_get_array_opt(params, "types", &types, e) < 0)
		return -EINVAL;
	n = types ? json_object_array_length(types) : 0;
	*all = n == 0;
	*want = *all ? (1u << ARRAY_SIZE(gi_sections)) - 1 : 0;
	for (size_t i = 0; i < n; i++) {
		const char *t = json_object_get_string(
			json_object_array_get_idx(types, i));
		size_t k = 0;

		while (k < ARRAY_SIZE(gi_sections) &&
		       !(t && streq(t, gi_sections[k].type)))
			k++;
		if (k == ARRAY_SIZE(gi_sections))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"unknown guest info type '%s' (users, "
					"os, timezone, hostname, filesystem, "
					"disk, interfaces)",
					t ? t : "");
		*want |= 1u << k;
	}
	return 0;
}

static int m_guestinfo(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	struct guestinfo *gi;
	unsigned want;
	bool all;
	struct agent *a;

	if (!dom || gi_types(params, &want, &all, e) < 0 ||
	    !(a = agent_of(dmn, dom, e)))
		return err_code(*e);
	gi = xcalloc(1, sizeof(*gi));
	gi->a = a;
	gi->dom = dom;
	gi->want = want;
	gi->all = all;
	gi->out = json_object_new_object();
	if (!gi_next(gi, e)) {
		gi_free(gi);
		return err_code(*e);
	}
	gi->call = rpc_server_defer(dmn->rpc);
	return RPC_DEFERRED;
}

/* One domifaddr row: interface @f's address @ad; NULL when @ad is not
 * a well-formed IPv4 or IPv6 address. */
static struct json_object *addr_row(struct json_object *f,
				    struct json_object *ad)
{
	const char *type = NULL, *ip = NULL;
	int64_t len = 0;
	struct json_object *row;

	if (json_get_string_opt(ad, "ip-address-type", &type, NULL) <= 0 ||
	    json_get_string_opt(ad, "ip-address", &ip, NULL) <= 0 ||
	    (!streq(type, "ipv4") && !streq(type, "ipv6")))
		return NULL;
	if (json_get_int64_opt(ad, "prefix", &len, NULL) <= 0 || len < 0 ||
	    len > 128)
		len = 0;
	row = json_object_new_object();
	put_str(row, "name", f, "name");
	put_str(row, "mac", f, "hardware-address");
	if (!json_object_object_get_ex(row, "mac", NULL))
		json_object_object_add(row, "mac", json_object_new_string("-"));
	json_object_object_add(row, "protocol", json_object_new_string(type));
	put_str(row, "address", ad, "ip-address");
	put_int(row, "prefix", len);
	return row;
}

/* domifaddr's rows from guest-network-get-interfaces; @arg: the one
 * interface wanted, or NULL. */
static int ifaddr_result(struct json_object *ret, void *arg,
			 struct json_object **result, struct err **e)
{
	const char *only = arg;
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < list_len(ret); i++) {
		struct json_object *f = json_object_array_get_idx(ret, i);
		struct json_object *addrs = NULL, *row;
		const char *name = NULL;

		if (json_get_string_opt(f, "name", &name, NULL) <= 0 ||
		    (only && !streq(only, name)))
			continue;
		json_get_array_opt(f, "ip-addresses", &addrs, NULL);
		for (size_t j = 0; j < list_len(addrs); j++)
			if ((row = addr_row(
				     f, json_object_array_get_idx(addrs, j))))
				json_object_array_add(arr, row);
	}
	if (only && !json_object_array_length(arr)) {
		json_object_put(arr);
		return err_setk(e, ERR_INVALID_ARG, ENODEV,
				"the guest agent reports no address on "
				"interface '%s'",
				only);
	}
	*result = json_object_new_object();
	json_object_object_add(*result, "addresses", arr);
	return 0;
}

int agent_domifaddr(struct daemon *dmn, struct domain *dom, const char *only,
		    struct err **e)
{
	struct agent *a = agent_of(dmn, dom, e);

	if (!a)
		return err_code(*e);
	return send_cmd(dmn, a, "guest-network-get-interfaces", NULL,
			AGENT_TIMEOUT_S * 1000, 0, ifaddr_result,
			only ? xstrdup(only) : NULL, e);
}

int agent_shutdown(struct daemon *dmn, struct domain *dom, bool reboot,
		   struct err **e)
{
	struct agent *a = agent_of(dmn, dom, e);
	struct json_object *args;

	if (!a)
		return err_code(*e);
	args = json_object_new_object();
	json_object_object_add(
		args, "mode",
		json_object_new_string(reboot ? "reboot" : "powerdown"));
	return send_cmd(dmn, a, "guest-shutdown", args, AGENT_SLOW_MS,
			AGENT_CMD_SHUTDOWN, NULL, NULL, e);
}

/* fsfreeze and fsthaw answer how many file systems they did. */
static int count_result(struct json_object *ret, void *arg,
			struct json_object **result, struct err **e)
{
	if (!json_object_is_type(ret, json_type_int) ||
	    json_object_get_int64(ret) < 0)
		return err_setk(e, ERR_OPERATION_FAILED, EPROTO,
				"the guest agent answered no count of file "
				"systems");
	*result = json_object_new_object();
	json_object_object_add(*result, "count", json_object_get(ret));
	return 0;
}

/* "mountpoints": strings; NULL in *@out when absent or empty. */
static int param_mountpoints(struct json_object *p, struct json_object **out,
			     struct err **e)
{
	struct json_object *m = NULL;

	*out = NULL;
	if (json_get_array_opt(p, "mountpoints", &m, e) < 0)
		return -EINVAL;
	for (size_t i = 0; m && i < json_object_array_length(m); i++)
		if (!json_object_is_type(json_object_array_get_idx(m, i),
					 json_type_string))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"mountpoints: not a list of paths");
	if (m && json_object_array_length(m))
		*out = json_object_get(m);
	return 0;
}

static int freeze_thaw(struct daemon *dmn, struct json_object *params,
		       bool freeze, struct err **e)
{
	struct domain *dom = param_domain(dmn, params, e);
	struct json_object *mounts = NULL, *args = NULL;
	struct agent *a;

	if (!dom || param_mountpoints(params, &mounts, e) < 0)
		return err_code(*e);
	if (mounts && !freeze) { /* the agent thaws all or nothing */
		json_object_put(mounts);
		return err_setk(e, ERR_ARGUMENT_UNSUPPORTED, EINVAL,
				"the guest agent thaws every frozen file "
				"system: no mountpoints");
	}
	if (!(a = agent_of(dmn, dom, e))) {
		json_object_put(mounts);
		return err_code(*e);
	}
	if (mounts) {
		args = json_object_new_object();
		json_object_object_add(args, "mountpoints", mounts);
	}
	return send_cmd(dmn, a,
			!freeze	 ? "guest-fsfreeze-thaw"
			: mounts ? "guest-fsfreeze-freeze-list"
				 : "guest-fsfreeze-freeze",
			args, AGENT_SLOW_MS, 0, count_result, NULL, e);
}

static int m_fsfreeze(void *opaque, struct json_object *params,
		      struct json_object **result, struct err **e)
{
	return freeze_thaw(opaque, params, true, e);
}

static int m_fsthaw(void *opaque, struct json_object *params,
		    struct json_object **result, struct err **e)
{
	return freeze_thaw(opaque, params, false, e);
}

/* RFC 4648 base64, as guest-set-user-password takes the password. */
static char *base64(const char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)s[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)s[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = i + 2 < n ? tab[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* A user name or password fit for chpasswd's "user:password" lines. */
static int check_credential(const char *what, const char *s, bool colon_ok,
			    struct err **e)
{
	size_t n = strlen(s);

	if (!n || n > 1024)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"%s: empty or longer than 1024 bytes", what);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    (!colon_ok && s[i] == ':'))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"%s: a control character%s", what,
					colon_ok ? "" : " or ':'");
	return 0;
}

static int m_set_user_password(void *opaque, struct json_object *params,
			       struct json_object **result, struct err **e)
{
	struct daemon *dmn = opaque;
	struct domain *dom = param_domain(dmn, params, e);
	const char *user, *password;
	bool crypted = false;
	_cleanup_free_ char *b64 = NULL;
	struct json_object *args;
	struct agent *a;

	if (!dom || json_get_string(params, "user", &user, e) < 0 ||
	    json_get_string(params, "password", &password, e) < 0 ||
	    json_get_bool_opt(params, "encrypted", &crypted, e) < 0 ||
	    check_credential("user name", user, false, e) < 0 ||
	    check_credential("password", password, true, e) < 0 ||
	    !(a = agent_of(dmn, dom, e)))
		return err_code(*e);
	b64 = base64(password, strlen(password));
	args = json_object_new_object();
	json_object_object_add(args, "username", json_object_new_string(user));
	json_object_object_add(args, "password", json_object_new_string(b64));
	json_object_object_add(args, "crypted",
			       json_object_new_boolean(crypted));
	return send_cmd(dmn, a, "guest-set-user-password", args, AGENT_SLOW_MS,
			0, NULL, NULL, e);
}

const struct rpc_method agent_methods[] = {
	/* the guest's answers are not the host's secrets, but a command
	 * can change the guest: read-write only */
	{"domain.agent_command", m_agent_command},
	{"domain.guestinfo", m_guestinfo, RPC_READ_ONLY},
	{"domain.fsfreeze", m_fsfreeze},
	{"domain.fsthaw", m_fsthaw},
	{"domain.set_user_password", m_set_user_password},
};
const size_t agent_n_methods = ARRAY_SIZE(agent_methods);
