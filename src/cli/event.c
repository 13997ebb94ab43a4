// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido event: waits for domain events (docs/api.md, "Events") and prints
 * them as virsh 9.0's `event` does:
 *
 *   event 'lifecycle' for domain 'web': Started Booted
 *   event 'reboot' for domain 'web'
 *   event 'io-error' for domain 'web': /img/web.qcow2 (vda) report
 *   event 'io-error-reason' for domain 'web': /img/web.qcow2 (vda) report due
 * to corruption
 *
 * with --timestamp prefixed by "YYYY-MM-DD HH:MM:SS.mmm+0000: " (the
 * event's time, UTC). Without --loop it ends after the first event; at
 * the end it prints "events received: N" and succeeds when N > 0.
 * Like virsh, the daemon's io-error event is two of virsh's event types:
 * io-error and io-error-reason.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "cli/client.h"
#include "cli/domain.h"
#include "cli/network.h"
#include "cli/pool.h"
#include "lib/json.h"

/* The event types nido delivers, in virsh's --list order. */
static const char *const types[] = {"lifecycle", "reboot", "io-error",
				    "io-error-reason"};
/* net-event's: virsh's lifecycle, then nido's lease and dnsmasq. */
static const char *const net_types[] = {"lifecycle", "lease", "dnsmasq"};

/* pool-event's, as virsh's. */
static const char *const pool_types[] = {"lifecycle", "refresh"};
static const struct {
	const char *type, *word;
} pool_words[] = {
	{"defined", "Defined"}, {"undefined", "Undefined"},
	{"started", "Started"}, {"stopped", "Stopped"},
	{"created", "Created"}, {"deleted", "Deleted"},
};

/* virsh's words for network lifecycle events. */
static const struct {
	const char *type, *word;
} net_words[] = {
	{"defined", "Defined"},
	{"undefined", "Undefined"},
	{"started", "Started"},
	{"stopped", "Stopped"},
};

/* The daemon's lifecycle names, and virsh's words for them. */
static const struct {
	const char *type, *detail, *word;
} words[] = {
	{"defined", NULL, "Defined"},
	{"defined", "added", "Added"},
	{"defined", "updated", "Updated"},
	{"defined", "renamed", "Renamed"},
	{"defined", "snapshot", "Snapshot"},
	{"undefined", NULL, "Undefined"},
	{"undefined", "removed", "Removed"},
	{"undefined", "renamed", "Renamed"},
	{"started", NULL, "Started"},
	{"started", "booted", "Booted"},
	{"started", "migrated", "Migrated"},
	{"started", "restored", "Restored"},
	{"started", "snapshot", "Snapshot"},
	{"started", "wakeup", "Event wakeup"},
	{"suspended", NULL, "Suspended"},
	{"suspended", "paused", "Paused"},
	{"suspended", "migrated", "Migrated"},
	{"suspended", "ioerror", "I/O Error"},
	{"suspended", "watchdog", "Watchdog"},
	{"suspended", "restored", "Restored"},
	{"suspended", "snapshot", "Snapshot"},
	{"suspended", "api-error", "API error"},
	{"resumed", NULL, "Resumed"},
	{"resumed", "unpaused", "Unpaused"},
	{"resumed", "migrated", "Migrated"},
	{"resumed", "snapshot", "Snapshot"},
	{"stopped", NULL, "Stopped"},
	{"stopped", "shutdown", "Shutdown"},
	{"stopped", "destroyed", "Destroyed"},
	{"stopped", "crashed", "Crashed"},
	{"stopped", "migrated", "Migrated"},
	{"stopped", "saved", "Saved"},
	{"stopped", "failed", "Failed"},
	{"stopped", "snapshot", "Snapshot"},
	{"shutdown", NULL, "Shutdown"},
	{"shutdown", "finished", "Finished"},
	{"crashed", NULL, "Crashed"},
	{"crashed", "panicked", "Panicked"},
	{"crashed", "crashloaded", "Crashloaded"},
};

/* virsh's word for a type (@detail NULL) or a detail; "unknown". */
static const char *word(const char *type, const char *detail)
{
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (streq(words[i].type, type) &&
		    (detail ? words[i].detail && streq(words[i].detail, detail)
			    : !words[i].detail))
			return words[i].word;
	return "unknown";
}

struct watch {
	const char *only; /* --event TYPE; NULL: --all */
	bool network;	  /* net-event */
	bool pool;	  /* pool-event */
	bool loop, timestamp;
	int count;
};

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	interrupted = 1;
}

static bool wanted(const struct watch *w, const char *type)
{
	return !w->only || streq(w->only, type);
}

/* Prints one of virsh's events (a line built from @fmt). */
static void print_event(struct watch *w, struct json_object *ev,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void print_event(struct watch *w, struct json_object *ev,
			const char *fmt, ...)
{
	va_list ap;

	if (!w->loop && w->count)
		return; /* one-shot: the first one only */
	if (w->timestamp) {
		int64_t ms = jint(ev, "timestamp");
		time_t secs = (time_t)(ms / 1000);
		struct tm tm;
		char buf[32];

		gmtime_r(&secs, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
		printf("%s.%03d+0000: ", buf, (int)(ms % 1000));
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	w->count++;
}

static void show_network(struct watch *w, struct json_object *ev)
{
	const char *kind = jstr(ev, "event"), *name = jstr(ev, "network");
	const char *type = jstr(ev, "type"), *word = "Unknown";

	if (!str_has_prefix(kind, "network-") || !wanted(w, kind + 8))
		return;
	if (streq(kind, "network-lifecycle")) {
		for (size_t i = 0; i < ARRAY_SIZE(net_words); i++)
			if (streq(net_words[i].type, type))
				word = net_words[i].word;
		print_event(w, ev, "event 'lifecycle' for network %s: %s\n",
			    name, word);
	} else if (streq(kind, "network-lease")) {
		print_event(w, ev,
			    "event 'lease' for network %s: %s %s %s %s\n", name,
			    type, jstr(ev, "ip"),
			    *jstr(ev, "mac") ? jstr(ev, "mac") : "-",
			    *jstr(ev, "hostname") ? jstr(ev, "hostname") : "-");
	} else if (streq(kind, "network-dnsmasq")) {
		print_event(w, ev, "event 'dnsmasq' for network %s: %s%s%s\n",
			    name, type, *jstr(ev, "detail") ? ": " : "",
			    jstr(ev, "detail"));
	}
}

static void show_pool(struct watch *w, struct json_object *ev)
{
	const char *kind = jstr(ev, "event"), *name = jstr(ev, "pool");
	const char *type = jstr(ev, "type"), *word = "Unknown";

	if (!str_has_prefix(kind, "pool-") || !wanted(w, kind + 5))
		return;
	if (streq(kind, "pool-refresh")) {
		print_event(w, ev, "event 'refresh' for storage pool %s\n",
			    name);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(pool_words); i++)
		if (streq(pool_words[i].type, type))
			word = pool_words[i].word;
	print_event(w, ev, "event 'lifecycle' for storage pool %s: %s\n", name,
		    word);
}

static void show(struct watch *w, struct json_object *ev)
{
	const char *kind = jstr(ev, "event"), *name = jstr(ev, "domain");
	const char *type = jstr(ev, "type"), *detail = jstr(ev, "detail");

	if (streq(kind, "lifecycle") && wanted(w, kind))
		print_event(w, ev, "event 'lifecycle' for domain '%s': %s %s\n",
			    name, word(type, NULL), word(type, detail));
	else if (streq(kind, "reboot") && wanted(w, kind))
		print_event(w, ev, "event 'reboot' for domain '%s'\n", name);
	if (!streq(kind, "io-error"))
		return;
	if (wanted(w, "io-error"))
		print_event(w, ev,
			    "event 'io-error' for domain '%s': %s (%s) %s\n",
			    name, jstr(ev, "path"), jstr(ev, "device"),
			    jstr(ev, "action"));
	if (wanted(w, "io-error-reason"))
		print_event(
			w, ev,
			"event 'io-error-reason' for domain '%s': %s (%s) %s "
			"due to %s\n",
			name, jstr(ev, "path"), jstr(ev, "device"),
			jstr(ev, "action"), jstr(ev, "reason"));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What ended the wait: 0 done, 1 timed out, 2 interrupted, -1 error. */
static int wait_events(struct nido_conn *c, struct watch *w, int timeout_ms)
{
	int64_t end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;

	while (w->loop || !w->count) {
		_cleanup_json_ struct json_object *msg = NULL;
		_cleanup_err_ struct err *e = NULL;
		struct json_object *params, *err;
		int left = end ? (int)MAX(end - now_ms(), 0) : -1;
		int r;

		if (interrupted)
			return 2;
		if (end && left == 0)
			return 1;
		r = client_read_message(c, left, &msg, &e);
		if (r < 0) {
			cli_error("%s", err_msg(e));
			return -1;
		}
		if (r == 0)
			continue;
		if (json_object_object_get_ex(msg, "error", &err)) {
			cli_error("%s", jstr(err, "message")); /* dropped */
			return -1;
		}
		if (json_object_object_get_ex(msg, "params", &params) &&
		    streq(jstr(msg, "method"), "event")) {
			if (w->pool)
				show_pool(w, params);
			else if (w->network)
				show_network(w, params);
			else
				show(w, params);
		}
	}
	return 0;
}

/* The daemon's event names for --event (io-error-reason: io-error). */
static struct json_object *subscribe_params(const struct cli_args *a,
					    const char *only)
{
	struct json_object *p = json_object_new_object();

	if (cli_str(a, "domain"))
		json_object_object_add(
			p, "domain",
			json_object_new_string(cli_str(a, "domain")));
	if (only) {
		struct json_object *arr = json_object_new_array();

		json_object_array_add(
			arr,
			json_object_new_string(str_has_prefix(only, "io-error")
						       ? "io-error"
						       : only));
		json_object_object_add(p, "events", arr);
	}
	return p;
}

/* --timeout SECONDS in ms (0: none); 0, or -1 (printed). */
static int parse_timeout(const char *t, int *timeout_ms)
{
	char *end;
	long v;

	*timeout_ms = 0;
	if (!t)
		return 0;
	errno = 0;
	v = strtol(t, &end, 10);
	if (errno || *end || end == t || v < 1 || v > INT32_MAX / 1000) {
		cli_error("invalid timeout");
		return -1;
	}
	*timeout_ms = (int)v * 1000;
	return 0;
}

/* Checks the options as virsh does; returns 0, 1 (--list done), -1. */
static int event_options(const struct cli_args *a, int *timeout_ms)
{
	const char *only = cli_str(a, "event");

	if (cli_flag(a, "all") && only) {
		cli_error("Options --all and --event are mutually exclusive");
		return -1;
	}
	if (cli_flag(a, "list") && (cli_flag(a, "all") || only)) {
		cli_error("Options --list and --%s are mutually exclusive",
			  only ? "event" : "all");
		return -1;
	}
	if (cli_flag(a, "list")) {
		for (size_t i = 0; i < ARRAY_SIZE(types); i++)
			printf("%s\n", types[i]);
		return 1;
	}
	if (!only && !cli_flag(a, "all")) {
		cli_error(
			"one of --list, --all, or --event <type> is required");
		return -1;
	}
	for (size_t i = 0; only && i < ARRAY_SIZE(types); i++)
		if (streq(types[i], only))
			only = NULL;
	if (only) {
		cli_error("unknown event type %s", only);
		return -1;
	}
	return parse_timeout(cli_str(a, "timeout"), timeout_ms);
}

/* Waits for events on @c (subscribed; closed here); the exit status. */
static int watch_run(struct nido_conn *c, struct watch *w, int timeout_ms)
{
	struct sigaction sa = {.sa_handler = on_sigint};
	int r;

	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll() returns */
	r = wait_events(c, w, timeout_ms);
	client_close(c);
	if (r == 2)
		printf("event loop interrupted\n");
	else if (r == 1)
		printf("event loop timed out\n");
	if (r >= 0)
		printf("events received: %d\n", w->count);
	return r >= 0 && w->count ? 0 : 1;
}

static int cmd_event(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct watch w = {.only = cli_str(a, "event"),
			  .loop = cli_flag(a, "loop"),
			  .timestamp = cli_flag(a, "timestamp")};
	struct nido_conn *c;
	int timeout_ms, r = event_options(a, &timeout_ms);

	if (r != 0)
		return r > 0 ? 0 : 1;
	c = client_connect(&e);
	if (!c) {
		cli_error("%s", err_msg(e));
		return 1;
	}
	if (client_call(c, "event.subscribe", subscribe_params(a, w.only), &res,
			&e) < 0) {
		client_close(c);
		if (cli_str(a, "domain"))
			return domain_fail("watch", cli_str(a, "domain"), e);
		cli_error("%s", err_msg(e));
		return 1;
	}
	return watch_run(c, &w, timeout_ms);
}

static int cmd_net_event(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct watch w = {.only = cli_str(a, "event"),
			  .network = true,
			  .loop = cli_flag(a, "loop"),
			  .timestamp = cli_flag(a, "timestamp")};
	const char *net = cli_str(a, "network");
	struct json_object *p, *arr;
	struct nido_conn *c;
	int timeout_ms;
	size_t i = 0;

	if (cli_flag(a, "list")) {
		for (i = 0; i < ARRAY_SIZE(net_types); i++)
			printf("%s\n", net_types[i]);
		return 0;
	}
	while (w.only && i < ARRAY_SIZE(net_types) &&
	       !streq(net_types[i], w.only))
		i++;
	if (w.only && i == ARRAY_SIZE(net_types)) {
		cli_error("unknown event type %s", w.only);
		return 1;
	}
	if (parse_timeout(cli_str(a, "timeout"), &timeout_ms) < 0)
		return 1;
	p = json_object_new_object();
	if (net)
		json_object_object_add(p, "network",
				       json_object_new_string(net));
	/* the daemon's names: network-TYPE */
	arr = json_object_new_array();
	for (i = 0; i < ARRAY_SIZE(net_types); i++)
		if (!w.only || streq(w.only, net_types[i])) {
			char name[32];

			snprintf(name, sizeof(name), "network-%s",
				 net_types[i]);
			json_object_array_add(arr,
					      json_object_new_string(name));
		}
	json_object_object_add(p, "events", arr);
	c = client_connect(&e);
	if (!c) {
		json_object_put(p);
		cli_error("%s", err_msg(e));
		return 1;
	}
	if (client_call(c, "event.subscribe", p, &res, &e) < 0) {
		client_close(c);
		if (net)
			return network_fail("watch", net, e);
		cli_error("%s", err_msg(e));
		return 1;
	}
	return watch_run(c, &w, timeout_ms);
}

static int cmd_pool_event(const struct cli_args *a)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_json_ struct json_object *res = NULL;
	struct watch w = {.only = cli_str(a, "event"),
			  .pool = true,
			  .loop = cli_flag(a, "loop"),
			  .timestamp = cli_flag(a, "timestamp")};
	const char *pool = cli_str(a, "pool");
	struct json_object *p, *arr;
	struct nido_conn *c;
	int timeout_ms;
	size_t i = 0;

	if (cli_flag(a, "list")) {
		for (i = 0; i < ARRAY_SIZE(pool_types); i++)
			printf("%s\n", pool_types[i]);
		return 0;
	}
	while (w.only && i < ARRAY_SIZE(pool_types) &&
	       !streq(pool_types[i], w.only))
		i++;
	if (w.only && i == ARRAY_SIZE(pool_types)) {
		cli_error("unknown event type %s", w.only);
		return 1;
	}
	if (parse_timeout(cli_str(a, "timeout"), &timeout_ms) < 0)
		return 1;
	p = json_object_new_object();
	if (pool)
		json_object_object_add(p, "pool", json_object_new_string(pool));
	arr = json_object_new_array();
	for (i = 0; i < ARRAY_SIZE(pool_types); i++)
		if (!w.only || streq(w.only, pool_types[i])) {
			char name[32];

			snprintf(name, sizeof(name), "pool-%s", pool_types[i]);
			json_object_array_add(arr,
					      json_object_new_string(name));
		}
	json_object_object_add(p, "events", arr);
	c = client_connect(&e);
	if (!c) {
		json_object_put(p);
		cli_error("%s", err_msg(e));
		return 1;
	}
	if (client_call(c, "event.subscribe", p, &res, &e) < 0) {
		client_close(c);
		if (pool)
			return pool_fail("watch", pool, e);
		cli_error("%s", err_msg(e));
		return 1;
	}
	return watch_run(c, &w, timeout_ms);
}

static const struct cli_opt opts_pool_event[] = {
	{"pool", OPT_STRING, false, "filter by storage pool name or uuid"},
	{"event", OPT_STRING, false,
	 "which event type to wait for (all when not given)"},
	{"loop", OPT_BOOL, false,
	 "loop until timeout or interrupt, rather than one-shot"},
	{"timeout", OPT_STRING, false, "timeout seconds"},
	{"list", OPT_BOOL, false, "list valid event types"},
	{"timestamp", OPT_BOOL, false, "show timestamp for each printed event"},
	{0},
};

static const struct cli_opt opts_net_event[] = {
	{"network", OPT_STRING, false, "filter by network name or uuid"},
	{"event", OPT_STRING, false,
	 "which event type to wait for (all when not given)"},
	{"loop", OPT_BOOL, false,
	 "loop until timeout or interrupt, rather than one-shot"},
	{"timeout", OPT_STRING, false, "timeout seconds"},
	{"list", OPT_BOOL, false, "list valid event types"},
	{"timestamp", OPT_BOOL, false, "show timestamp for each printed event"},
	{0},
};

static const struct cli_opt opts_event[] = {
	{"domain", OPT_DATA, false, "filter by domain name, id or uuid"},
	{"event", OPT_STRING, false, "which event type to wait for"},
	{"all", OPT_BOOL, false,
	 "wait for all events instead of just one type"},
	{"loop", OPT_BOOL, false,
	 "loop until timeout or interrupt, rather than one-shot"},
	{"timeout", OPT_STRING, false, "timeout seconds"},
	{"list", OPT_BOOL, false, "list valid event types"},
	{"timestamp", OPT_BOOL, false, "show timestamp for each printed event"},
	{0},
};

const struct cli_command event_commands[] = {
	{"event", NULL, "Domain Events", cmd_event, opts_event, "events",
	 "List event types, or wait for domain events to occur"},
	{"net-event", NULL, "Network Events", cmd_net_event, opts_net_event,
	 "network", "List event types, or wait for network events to occur"},
	{"pool-event", NULL, "Storage Pool Events", cmd_pool_event,
	 opts_pool_event, "pool",
	 "List event types, or wait for storage pool events to occur"},
	{NULL},
};
