// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * domstats of a qemu domain (driver-qemu.h), from QMP: the vCPUs
 * (query-cpus-fast), each disk (query-blockstats), the balloon
 * (query-balloon, and the guest's own memory statistics through qom-get
 * of the balloon device's guest-stats, as libvirt names them for virsh
 * domstats --balloon); and QEMU's resident memory from /proc. QEMU's
 * answers are untrusted: only non-negative numbers of the fields
 * expected are used.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "daemon/rpc.h"
#include "lib/json.h"

#define STATS_MS 10000

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* A domstats call waiting for QEMU's answers. */
struct stats_call {
	const struct domain_def *def; /* borrowed: see qemu_stats_query() */
	struct json_object *out;      /* a reference */
	int pending;
	void (*done)(void *opaque);
	void *opaque;
};

static void stats_part_done(struct stats_call *s)
{
	if (--s->pending)
		return;
	s->done(s->opaque);
	json_object_put(s->out);
	free(s);
}

/* @from's @field as @key, divided by @div; QEMU's "not known" (-1 as
 * an unsigned number) and what is not a number are left out. */
static void add_scaled(struct json_object *out, const char *key,
		       struct json_object *from, const char *field,
		       uint64_t div)
{
	uint64_t v;

	if (json_get_uint64_opt(from, field, &v, NULL) > 0 && v != UINT64_MAX)
		json_object_object_add(out, key,
				       json_object_new_uint64(v / div));
}

static void add_u64(struct json_object *out, const char *key,
		    struct json_object *from, const char *field)
{
	add_scaled(out, key, from, field, 1);
}

static void on_cpus(void *opaque, int r, struct json_object *ret,
		    const struct err *e)
{
	struct stats_call *s = opaque;
	size_t n = 0;

	if (r == 0 && json_object_is_type(ret, json_type_array)) {
		n = json_object_array_length(ret);
		json_object_object_add(s->out, "vcpu.current",
				       json_object_new_uint64(n));
		for (size_t i = 0; i < n; i++) {
			struct json_object *c =
				json_object_array_get_idx(ret, i);
			_cleanup_free_ char *k =
				xasprintf("vcpu.%zu.thread-id", i);

			if (json_object_is_type(c, json_type_object))
				add_u64(s->out, k, c, "thread-id");
		}
	}
	stats_part_done(s);
}

/* Disk I of a format node's name "dI-0" (the top of its chain) or of
 * its copy-on-read filter "dI-cor"; -1 for any other node (pflash, or
 * what QEMU made up). */
static long disk_of_node(const struct domain_def *def, const char *node)
{
	unsigned long i;
	char *end;

	if (!node || node[0] != 'd' || node[1] < '0' || node[1] > '9')
		return -1;
	i = strtoul(node + 1, &end, 10);
	return i < def->n_disks && (streq(end, "-0") || streq(end, "-cor"))
		       ? (long)i
		       : -1;
}

/* One disk's statistics from query-blockstats' entry @st. */
static void disk_stats(struct json_object *out, size_t i, const char *target,
		       struct json_object *st)
{
	static const char *const map[][2] = {
		{"rd.bytes", "rd_bytes"},	 {"wr.bytes", "wr_bytes"},
		{"rd.reqs", "rd_operations"},	 {"wr.reqs", "wr_operations"},
		{"fl.reqs", "flush_operations"},
	};
	_cleanup_free_ char *name = xasprintf("block.%zu.name", i);

	add_str(out, name, target);
	for (size_t k = 0; k < ARRAY_SIZE(map); k++) {
		_cleanup_free_ char *key =
			xasprintf("block.%zu.%s", i, map[k][0]);

		add_u64(out, key, st, map[k][1]);
	}
}

/*
 * query-blockstats: each of our disks by its top node's name, not by
 * its place in the answer (QEMU lists other backends too: a UEFI
 * guest's pflash comes first).
 */
static void on_blockstats(void *opaque, int r, struct json_object *ret,
			  const struct err *e)
{
	struct stats_call *s = opaque;
	const struct domain_def *def = s->def;
	size_t n = r == 0 && json_object_is_type(ret, json_type_array)
			   ? json_object_array_length(ret)
			   : 0;

	if (n)
		json_object_object_add(s->out, "block.count",
				       json_object_new_uint64(def->n_disks));
	for (size_t k = 0; k < n; k++) {
		struct json_object *b = json_object_array_get_idx(ret, k);
		struct json_object *st = NULL;
		const char *node = NULL;
		long i;

		if (!json_object_is_type(b, json_type_object) ||
		    json_get_string_opt(b, "node-name", &node, NULL) <= 0 ||
		    (i = disk_of_node(def, node)) < 0 ||
		    json_get_object_opt(b, "stats", &st, NULL) <= 0)
			continue;
		disk_stats(s->out, (size_t)i, def->disks[i].target, st);
	}
	stats_part_done(s);
}

/* query-balloon: the guest's memory now, in KiB (libvirt's
 * balloon.current). */
static void on_balloon(void *opaque, int r, struct json_object *ret,
		       const struct err *e)
{
	struct stats_call *s = opaque;

	if (r == 0 && json_object_is_type(ret, json_type_object))
		add_scaled(s->out, "balloon.current", ret, "actual", 1024);
	stats_part_done(s);
}

/*
 * qom-get guest-stats: what the guest's balloon driver last reported
 * (once <stats period> asked it to), in libvirt's names and units
 * (memory in KiB, events as counts); nothing before its first report.
 */
static void on_guest_stats(void *opaque, int r, struct json_object *ret,
			   const struct err *e)
{
	static const struct {
		const char *key, *field;
		uint64_t div;
	} map[] = {
		{"balloon.swap_in", "stat-swap-in", 1024},
		{"balloon.swap_out", "stat-swap-out", 1024},
		{"balloon.major_fault", "stat-major-faults", 1},
		{"balloon.minor_fault", "stat-minor-faults", 1},
		{"balloon.unused", "stat-free-memory", 1024},
		{"balloon.available", "stat-total-memory", 1024},
		{"balloon.usable", "stat-available-memory", 1024},
		{"balloon.disk_caches", "stat-disk-caches", 1024},
		{"balloon.hugetlb_pgalloc", "stat-htlb-pgalloc", 1},
		{"balloon.hugetlb_pgfail", "stat-htlb-pgfail", 1},
	};
	struct stats_call *s = opaque;
	struct json_object *st = NULL;
	uint64_t when = 0;

	if (r == 0 && json_object_is_type(ret, json_type_object) &&
	    json_get_uint64_opt(ret, "last-update", &when, NULL) > 0 && when &&
	    json_get_object_opt(ret, "stats", &st, NULL) > 0) {
		for (size_t k = 0; k < ARRAY_SIZE(map); k++)
			add_scaled(s->out, map[k].key, st, map[k].field,
				   map[k].div);
		json_object_object_add(s->out, "balloon.last-update",
				       json_object_new_uint64(when));
	}
	stats_part_done(s);
}

void qemu_stats_rss(pid_t pid, struct json_object *out)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/statm", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	unsigned long long size, resident;
	long page = sysconf(_SC_PAGESIZE);
	char buf[128];
	ssize_t n;

	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &size, &resident) == 2 && page > 0)
		json_object_object_add(
			out, "balloon.rss",
			json_object_new_uint64(resident * (uint64_t)page /
					       1024));
}

/* Sends @cmd for @s; one more answer to wait for when it went. */
static void ask(struct qmp *q, struct stats_call *s, const char *cmd,
		struct json_object *args, qmp_reply_fn fn)
{
	if (qmp_command(q, cmd, args, STATS_MS, fn, s, NULL) == 0)
		s->pending++;
}

int qemu_stats_query(struct qmp *q, const struct domain_def *def,
		     struct json_object *out, void (*done)(void *opaque),
		     void *opaque)
{
	struct stats_call *s = xcalloc(1, sizeof(*s));

	s->def = def;
	s->out = json_object_get(out);
	s->done = done;
	s->opaque = opaque;
	s->pending = 1; /* this function's */
	ask(q, s, "query-cpus-fast", NULL, on_cpus);
	ask(q, s, "query-blockstats", NULL, on_blockstats);
	if (def->hw.balloon != BALLOON_NONE) {
		_cleanup_json_ struct json_object *args =
			json_object_new_object();

		add_str(args, "path", QEMU_BALLOON_PATH);
		add_str(args, "property", "guest-stats");
		ask(q, s, "query-balloon", NULL, on_balloon);
		ask(q, s, "qom-get", args, on_guest_stats);
	}
	if (s->pending == 1) {
		json_object_put(s->out);
		free(s);
		return 0;
	}
	s->pending--;
	return RPC_DEFERRED;
}
