// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <cpu> in libvirt's domain XML (domain_conf_hw.h): mode, model,
 * topology, features, <cache> and <maxphysaddr> (<numa> is
 * domain_conf_mem.c's); and the vCPUs' threads: <iothreads>, and
 * <cputune>'s pins and schedulers. What a driver gives the guest of it
 * is the driver's to say.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_mem.h"

const char *const cpu_mode_names[] = {"custom", "host-passthrough",
				      "host-model", "maximum", NULL};
const char *const cpu_policy_names[] = {"force",   "require", "optional",
					"disable", "forbid",  NULL};
/* index 0: no element */
const char *const cpu_cache_mode_names[] = {"", "emulate", "passthrough",
					    "disable", NULL};
const char *const cpu_physaddr_mode_names[] = {"", "emulate", "passthrough",
					       NULL};

/* A name made of [A-Za-z0-9_.-], as QEMU's CPU models and features are. */
static bool is_token(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_.-") == n;
}

/* An optional attribute out of @names, kept as written. */
static int keep_attr(const xmlNode *n, const char *attr, const char *what,
		     const char *const *names, char **out, struct err **e)
{
	char *v = xml_attr(n, attr);

	if (v && xml_enum(n, what, v, names, e) < 0) {
		free(v);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_model(const xmlNode *m, struct domain_cpu *c,
		       struct xml_warnings *w, struct err **e)
{
	char *text = xml_text(m);

	xml_check_known(m, (const char *const[]){"fallback", NULL}, NULL, w);
	if (keep_attr(m, "fallback", "cpu model fallback",
		      (const char *const[]){"allow", "forbid", NULL},
		      &c->fallback, e) < 0) {
		free(text);
		return -EINVAL;
	}
	if (!*text) {
		free(text);
		return 0;
	}
	c->model = text;
	if (!is_token(text))
		return xml_err(e, m, "invalid cpu model '%s'", text);
	return 0;
}

static int parse_topology(const xmlNode *t, struct domain_cpu *c,
			  struct xml_warnings *w, struct err **e)
{
	static const char *const names[] = {"sockets", "dies", "cores",
					    "threads", NULL};
	unsigned *dst[] = {&c->sockets, &c->dies, &c->cores, &c->threads};

	xml_check_known(t, names, NULL, w);
	for (size_t i = 0; i < 4; i++) {
		_cleanup_free_ char *v = xml_attr(t, names[i]);
		uint64_t u = 1;

		if (!v && i != 1) /* dies may be left out: 1 */
			return xml_err(e, t, "<topology> without %s", names[i]);
		if (v &&
		    xml_uint(t, names[i], v, 1, DOMAIN_MAX_VCPUS, &u, e) < 0)
			return -EINVAL;
		*dst[i] = (unsigned)u;
	}
	return 0;
}

static int parse_feature(const xmlNode *f, struct domain_cpu *c,
			 struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *policy = xml_attr(f, "policy");
	char *name = xml_attr(f, "name");
	struct cpu_feature *x;
	int r = 0;

	xml_check_known(f, (const char *const[]){"policy", "name", NULL}, NULL,
			w);
	if (!name || !is_token(name)) {
		r = xml_err(e, f, "invalid cpu feature name '%s'",
			    name ? name : "");
		free(name);
		return r;
	}
	if (c->n_features == DOMAIN_MAX_CPU_FEATURES) {
		free(name);
		return xml_err(e, f, "more than %d cpu features",
			       DOMAIN_MAX_CPU_FEATURES);
	}
	/* libvirt's default policy is require */
	if (policy && (r = xml_enum(f, "cpu feature policy", policy,
				    cpu_policy_names, e)) < 0) {
		free(name);
		return r;
	}
	for (size_t i = 0; i < c->n_features; i++)
		if (streq(c->features[i].name, name)) {
			r = xml_err(e, f, "cpu feature '%s' given twice", name);
			free(name);
			return r;
		}
	c->features = xreallocarray(c->features, c->n_features + 1,
				    sizeof(*c->features));
	x = &c->features[c->n_features++];
	x->name = name;
	x->policy = policy ? r : 1;
	return 0;
}

/*
 * <cache level= mode=>: emulate makes up an L3 cache (level 3, the one
 * QEMU can add), passthrough shows the host's caches (no level: all of
 * them), disable shows none; libvirt's rules.
 */
static int parse_cache(const xmlNode *x, struct domain_cpu *c,
		       struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(x, "mode");
	_cleanup_free_ char *level = xml_attr(x, "level");
	uint64_t u = 0;
	int r;

	xml_check_known(x, (const char *const[]){"level", "mode", NULL}, NULL,
			w);
	if (!mode)
		return xml_err(e, x, "<cache> without mode");
	if ((r = xml_enum(x, "cpu cache mode", mode, cpu_cache_mode_names + 1,
			  e)) < 0)
		return r;
	c->cache_mode = r + 1;
	if (level && xml_uint(x, "cache level", level, 1, 3, &u, e) < 0)
		return -EINVAL;
	c->cache_level = (unsigned)u;
	if (c->cache_mode == 1 && u != 3)
		return xml_err(e, x,
			       "<cache mode='emulate'> needs level='3' (the "
			       "cache QEMU can emulate)");
	if (c->cache_mode != 1 && u)
		return xml_err(e, x, "<cache mode='%s'> with a level ('%s')",
			       mode, level);
	return 0;
}

/* <maxphysaddr mode= bits=>: the guest's physical address width, the
 * host's (passthrough) or a given one (emulate). */
static int parse_physaddr(const xmlNode *x, struct domain_cpu *c,
			  struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(x, "mode");
	_cleanup_free_ char *bits = xml_attr(x, "bits");
	uint64_t u = 0;
	int r;

	xml_check_known(x, (const char *const[]){"mode", "bits", NULL}, NULL,
			w);
	if (!mode)
		return xml_err(e, x, "<maxphysaddr> without mode");
	if ((r = xml_enum(x, "maxphysaddr mode", mode,
			  cpu_physaddr_mode_names + 1, e)) < 0)
		return r;
	c->physaddr_mode = r + 1;
	if (bits && xml_uint(x, "maxphysaddr bits", bits, 32, 52, &u, e) < 0)
		return -EINVAL;
	c->physaddr_bits = (unsigned)u;
	if (c->physaddr_mode == 1 && !u)
		return xml_err(e, x,
			       "<maxphysaddr mode='emulate'> without "
			       "bits");
	if (c->physaddr_mode == 2 && u)
		return xml_err(e, x,
			       "<maxphysaddr mode='passthrough'> with bits "
			       "('%s'): the host's width is taken",
			       bits);
	return 0;
}

/* libvirt's rule: the topology holds exactly the vCPUs. */
static int check_topology(const xmlNode *n, const struct domain_def *d,
			  struct err **e)
{
	const struct domain_cpu *c = &d->hw.cpu;
	unsigned long long total;

	if (!c->sockets)
		return 0;
	total = (unsigned long long)c->sockets * c->dies * c->cores *
		c->threads;
	if (total != d->vcpus)
		return xml_err(e, n,
			       "<topology> makes %llu vCPUs (sockets x dies x "
			       "cores x threads), <vcpu> says %u",
			       total, d->vcpus);
	return 0;
}

int domain_parse_cpu(const xmlNode *root, struct domain_def *d,
		     struct xml_warnings *w, struct err **e)
{
	struct domain_cpu *c = &d->hw.cpu;
	const xmlNode *n = xml_child(root, "cpu");
	_cleanup_free_ char *mode = n ? xml_attr(n, "mode") : NULL;
	int r = 0;

	if (!n)
		return 0;
	c->given = true;
	xml_check_known(n,
			(const char *const[]){"mode", "match", "check",
					      "migratable", NULL},
			(const char *const[]){"model", "topology", "feature",
					      "numa", "cache", "maxphysaddr",
					      NULL},
			w);
	if (mode && (r = xml_enum(n, "cpu mode", mode, cpu_mode_names, e)) < 0)
		return r;
	c->mode = mode ? (enum cpu_mode)r : CPU_MODE_CUSTOM;
	if (keep_attr(n, "match", "cpu match",
		      (const char *const[]){"minimum", "exact", "strict", NULL},
		      &c->match, e) < 0 ||
	    keep_attr(n, "check", "cpu check",
		      (const char *const[]){"none", "partial", "full", NULL},
		      &c->check, e) < 0 ||
	    keep_attr(n, "migratable", "cpu migratable",
		      (const char *const[]){"on", "off", NULL}, &c->migratable,
		      e) < 0)
		return -EINVAL;
	for (const xmlNode *x = n->children; x; x = x->next) {
		if (x->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(x->name, BAD_CAST "model"))
			r = c->model || c->fallback
				    ? xml_err(e, x, "a second <model>")
				    : parse_model(x, c, w, e);
		else if (xmlStrEqual(x->name, BAD_CAST "topology"))
			r = c->sockets ? xml_err(e, x, "a second <topology>")
				       : parse_topology(x, c, w, e);
		else if (xmlStrEqual(x->name, BAD_CAST "feature"))
			r = parse_feature(x, c, w, e);
		else if (xmlStrEqual(x->name, BAD_CAST "cache"))
			r = c->cache_mode ? xml_err(e, x, "a second <cache>")
					  : parse_cache(x, c, w, e);
		else if (xmlStrEqual(x->name, BAD_CAST "maxphysaddr"))
			r = c->physaddr_mode
				    ? xml_err(e, x, "a second <maxphysaddr>")
				    : parse_physaddr(x, c, w, e);
		else if (xmlStrEqual(x->name, BAD_CAST "numa"))
			r = d->hw.mem.n_cells ? xml_err(e, x, "a second <numa>")
					      : domain_parse_numa(x, d, w, e);
		else
			r = 0;
		if (r < 0)
			return r;
	}
	return check_topology(n, d, e);
}

void domain_format_cpu(FILE *f, const struct domain_def *d)
{
	const struct domain_cpu *c = &d->hw.cpu;

	if (!c->given)
		return;
	fprintf(f, "  <cpu mode='%s'", cpu_mode_names[c->mode]);
	xml_put_attr(f, "match", c->match);
	xml_put_attr(f, "check", c->check);
	xml_put_attr(f, "migratable", c->migratable);
	if (!c->model && !c->fallback && !c->sockets && !c->n_features &&
	    !d->hw.mem.n_cells && !c->cache_mode && !c->physaddr_mode) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (c->model || c->fallback) {
		fputs("    <model", f);
		xml_put_attr(f, "fallback", c->fallback);
		if (c->model)
			fprintf(f, ">%s</model>\n", c->model);
		else
			fputs("/>\n", f);
	}
	if (c->sockets)
		fprintf(f,
			"    <topology sockets='%u' dies='%u' cores='%u' "
			"threads='%u'/>\n",
			c->sockets, c->dies, c->cores, c->threads);
	for (size_t i = 0; i < c->n_features; i++)
		fprintf(f, "    <feature policy='%s' name='%s'/>\n",
			cpu_policy_names[c->features[i].policy],
			c->features[i].name);
	if (c->cache_mode) {
		fputs("    <cache", f);
		if (c->cache_level)
			fprintf(f, " level='%u'", c->cache_level);
		fprintf(f, " mode='%s'/>\n",
			cpu_cache_mode_names[c->cache_mode]);
	}
	if (c->physaddr_mode) {
		fprintf(f, "    <maxphysaddr mode='%s'",
			cpu_physaddr_mode_names[c->physaddr_mode]);
		if (c->physaddr_bits)
			fprintf(f, " bits='%u'", c->physaddr_bits);
		fputs("/>\n", f);
	}
	domain_format_numa(f, d);
	fputs("  </cpu>\n", f);
}

void domain_cpu_clear(struct domain_cpu *c)
{
	free(c->match);
	free(c->check);
	free(c->migratable);
	free(c->model);
	free(c->fallback);
	for (size_t i = 0; i < c->n_features; i++)
		free(c->features[i].name);
	free(c->features);
	memset(c, 0, sizeof(*c));
}

/*
 * A host CPU list as libvirt writes it: "0-3,^2,8"; at least one CPU
 * left, numbers below 4096.
 */
int domain_parse_cpuset(const xmlNode *n, const char *s, struct err **e)
{
	bool any = false;
	const char *p = s;

	while (*p) {
		bool neg = *p == '^';
		char *end;
		unsigned long a, b;

		p += neg;
		if (!isdigit((unsigned char)*p))
			goto bad;
		a = b = strtoul(p, &end, 10);
		if (*end == '-' && !neg) {
			if (!isdigit((unsigned char)end[1]))
				goto bad;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= 4096 || (*end && *end != ','))
			goto bad;
		any |= !neg;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			goto bad;
	}
	if (any)
		return 0;
bad:
	return xml_err(e, n,
		       "invalid cpuset '%s' (expected a list such as "
		       "'0-3,^2,8')",
		       s);
}

/* The iothread of id @id, if the domain has it. */
static bool has_iothread(const struct domain_def *d, uint64_t id)
{
	for (size_t i = 0; i < d->hw.iothreads.n; i++)
		if (d->hw.iothreads.ids[i] == id)
			return true;
	return false;
}

/* <vcpupin vcpu= cpuset=> or <iothreadpin iothread= cpuset=> @n onto
 * @pins: the vCPU below the maximum, the iothread one the domain has,
 * each pinned once. */
static int parse_pin(const xmlNode *n, const struct domain_def *d, bool io,
		     struct vcpu_pin **pins, size_t *n_pins, struct err **e)
{
	const char *attr = io ? "iothread" : "vcpu";
	_cleanup_free_ char *id = xml_attr(n, attr);
	char *set = xml_attr(n, "cpuset");
	_cleanup_free_ char *what = xasprintf("%spin %s", attr, attr);
	uint64_t v;

	if (!set || domain_parse_cpuset(n, set, e) < 0) {
		free(set);
		return set ? -EINVAL
			   : xml_err(e, n, "<%s> without cpuset",
				     (const char *)n->name);
	}
	*pins = xreallocarray(*pins, *n_pins + 1, sizeof(**pins));
	(*pins)[(*n_pins)++] = (struct vcpu_pin){.cpuset = set};
	if (!id)
		return xml_err(e, n, "<%s> without %s", (const char *)n->name,
			       attr);
	if (xml_uint(n, what, id, io ? 1 : 0, io ? UINT32_MAX : d->vcpus - 1,
		     &v, e) < 0)
		return -EINVAL;
	if (io && !has_iothread(d, v))
		return xml_err(e, n,
			       "<iothreadpin iothread='%s'>: the domain has "
			       "no such iothread",
			       id);
	(*pins)[*n_pins - 1].vcpu = (unsigned)v;
	for (size_t i = 0; i + 1 < *n_pins; i++)
		if ((*pins)[i].vcpu == v)
			return xml_err(e, n,
				       "%s %s pinned twice (a second <%s>)",
				       io ? "iothread" : "vCPU", id,
				       (const char *)n->name);
	return 0;
}

const char *const sched_policy_names[] = {"other", "batch", "idle",
					  "fifo",  "rr",    NULL};

/* Whether thread @id (a vCPU or an iothread) is one the domain has. */
static bool thread_exists(const struct domain_def *d, bool io, unsigned long id)
{
	return io ? has_iothread(d, id) : id < d->vcpus;
}

/*
 * <vcpusched vcpus= scheduler= priority=> or <iothreadsched
 * iothreads=...> @n onto @rules: the threads the domain has, none in
 * two rules of a kind (libvirt's rule), a real-time policy with its
 * priority (1 to 99, as Linux has them).
 */
static int parse_sched(const xmlNode *n, const struct domain_def *d, bool io,
		       struct sched_rule **rules, size_t *n_rules,
		       struct err **e)
{
	const char *attr = io ? "iothreads" : "vcpus";
	_cleanup_free_ char *pol = xml_attr(n, "scheduler");
	_cleanup_free_ char *prio = xml_attr(n, "priority");
	char *ids = xml_attr(n, attr);
	struct sched_rule *r;
	uint64_t v = 0;
	int p;

	if (!ids || domain_parse_cpuset(n, ids, e) < 0) {
		free(ids);
		return ids ? -EINVAL
			   : xml_err(e, n, "<%s> without %s",
				     (const char *)n->name, attr);
	}
	*rules = xreallocarray(*rules, *n_rules + 1, sizeof(**rules));
	r = &(*rules)[(*n_rules)++];
	*r = (struct sched_rule){.ids = ids};
	if (!pol)
		return xml_err(e, n, "<%s> without scheduler",
			       (const char *)n->name);
	if ((p = xml_enum(n, "scheduler", pol, sched_policy_names, e)) < 0)
		return p;
	r->policy = p;
	if (p >= 3 && !prio)
		return xml_err(e, n, "scheduler '%s' without priority", pol);
	if (p >= 3 && xml_uint(n, "priority", prio, 1, 99, &v, e) < 0)
		return -EINVAL;
	r->priority = (unsigned)v;
	for (unsigned id = 0; id < 4096; id++) {
		if (!domain_list_has(ids, id))
			continue;
		if (!thread_exists(d, io, id))
			return xml_err(e, n,
				       "<%s %s='%s'>: the domain has no %s %u",
				       (const char *)n->name, attr, ids,
				       io ? "iothread" : "vCPU", id);
		for (size_t k = 0; k + 1 < *n_rules; k++)
			if (domain_list_has((*rules)[k].ids, id))
				return xml_err(e, n,
					       "<%s>: %s %u in two of them "
					       "(they must not overlap)",
					       (const char *)n->name,
					       io ? "iothread" : "vCPU", id);
	}
	return 0;
}

int domain_parse_cputune_pins(const xmlNode *ct, struct domain_def *d,
			      struct err **e)
{
	struct domain_tune *t = &d->tune;

	for (const xmlNode *n = ct->children; n; n = n->next) {
		char *set;

		if (n->type != XML_ELEMENT_NODE || n->ns)
			continue;
		if (xmlStrEqual(n->name, BAD_CAST "vcpupin")) {
			if (parse_pin(n, d, false, &t->vcpupins, &t->n_vcpupins,
				      e) < 0)
				return -EINVAL;
		} else if (xmlStrEqual(n->name, BAD_CAST "iothreadpin")) {
			if (parse_pin(n, d, true, &t->iothreadpins,
				      &t->n_iothreadpins, e) < 0)
				return -EINVAL;
		} else if (xmlStrEqual(n->name, BAD_CAST "vcpusched")) {
			if (parse_sched(n, d, false, &t->vcpusched,
					&t->n_vcpusched, e) < 0)
				return -EINVAL;
		} else if (xmlStrEqual(n->name, BAD_CAST "iothreadsched")) {
			if (parse_sched(n, d, true, &t->iothreadsched,
					&t->n_iothreadsched, e) < 0)
				return -EINVAL;
		} else if (xmlStrEqual(n->name, BAD_CAST "emulatorpin")) {
			if (t->emulatorpin)
				return xml_err(e, n, "a second <emulatorpin>");
			set = xml_attr(n, "cpuset");
			if (!set)
				return xml_err(e, n,
					       "<emulatorpin> without cpuset");
			t->emulatorpin = set;
			if (domain_parse_cpuset(n, set, e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

void domain_format_cputune_pins(FILE *f, const struct domain_tune *t)
{
	for (size_t i = 0; i < t->n_vcpupins; i++)
		fprintf(f, "    <vcpupin vcpu='%u' cpuset='%s'/>\n",
			t->vcpupins[i].vcpu, t->vcpupins[i].cpuset);
	if (t->emulatorpin)
		fprintf(f, "    <emulatorpin cpuset='%s'/>\n", t->emulatorpin);
	for (size_t i = 0; i < t->n_iothreadpins; i++)
		fprintf(f, "    <iothreadpin iothread='%u' cpuset='%s'/>\n",
			t->iothreadpins[i].vcpu, t->iothreadpins[i].cpuset);
	for (int io = 0; io < 2; io++) {
		const struct sched_rule *r =
			io ? t->iothreadsched : t->vcpusched;
		size_t n = io ? t->n_iothreadsched : t->n_vcpusched;

		for (size_t i = 0; i < n; i++) {
			fprintf(f, "    <%s %s='%s' scheduler='%s'",
				io ? "iothreadsched" : "vcpusched",
				io ? "iothreads" : "vcpus", r[i].ids,
				sched_policy_names[r[i].policy]);
			if (r[i].priority)
				fprintf(f, " priority='%u'", r[i].priority);
			fputs("/>\n", f);
		}
	}
}

void domain_tune_pins_clear(struct domain_tune *t)
{
	for (size_t i = 0; i < t->n_vcpupins; i++)
		free(t->vcpupins[i].cpuset);
	for (size_t i = 0; i < t->n_iothreadpins; i++)
		free(t->iothreadpins[i].cpuset);
	for (size_t i = 0; i < t->n_vcpusched; i++)
		free(t->vcpusched[i].ids);
	for (size_t i = 0; i < t->n_iothreadsched; i++)
		free(t->iothreadsched[i].ids);
	free(t->vcpusched);
	free(t->iothreadsched);
	t->vcpusched = t->iothreadsched = NULL;
	t->n_vcpusched = t->n_iothreadsched = 0;
	free(t->vcpupins);
	free(t->iothreadpins);
	free(t->emulatorpin);
	t->vcpupins = t->iothreadpins = NULL;
	t->n_vcpupins = t->n_iothreadpins = 0;
	t->emulatorpin = NULL;
}

/* <iothreadids><iothread id=/>...: each id once, from 1. */
static int parse_iothreadids(const xmlNode *ids, struct domain_iothreads *io,
			     struct xml_warnings *w, struct err **e)
{
	xml_check_known(ids, NULL, (const char *const[]){"iothread", NULL}, w);
	for (const xmlNode *n = ids->children; n; n = n->next) {
		_cleanup_free_ char *id = NULL;
		uint64_t v;

		if (n->type != XML_ELEMENT_NODE || n->ns ||
		    !xmlStrEqual(n->name, BAD_CAST "iothread"))
			continue;
		xml_check_known(n, (const char *const[]){"id", NULL}, NULL, w);
		id = xml_attr(n, "id");
		if (!id)
			return xml_err(e, n, "<iothread> without id");
		if (xml_uint(n, "iothread id", id, 1, UINT32_MAX, &v, e) < 0)
			return -EINVAL;
		for (size_t i = 0; i < io->n; i++)
			if (io->ids[i] == v)
				return xml_err(
					e, n, "iothread id %s given twice", id);
		if (io->n >= DOMAIN_MAX_IOTHREADS)
			return xml_err(e, n, "more than %d iothreads",
				       DOMAIN_MAX_IOTHREADS);
		io->ids = xreallocarray(io->ids, io->n + 1, sizeof(*io->ids));
		io->ids[io->n++] = (unsigned)v;
	}
	io->n_given = io->n;
	return 0;
}

int domain_parse_iothreads(const xmlNode *root, struct domain_def *d,
			   struct xml_warnings *w, struct err **e)
{
	struct domain_iothreads *io = &d->hw.iothreads;
	const xmlNode *n = xml_child(root, "iothreads");
	const xmlNode *ids = xml_child(root, "iothreadids");
	_cleanup_free_ char *text = n ? xml_text(n) : NULL;
	uint64_t count = 0;
	unsigned next = 1;

	if (n && xml_uint(n, "iothreads", text, 0, DOMAIN_MAX_IOTHREADS, &count,
			  e) < 0)
		return -EINVAL;
	if (ids && parse_iothreadids(ids, io, w, e) < 0)
		return -EINVAL;
	if (!n) /* libvirt's: the ids given are all there are */
		count = io->n;
	if (ids && io->n > count)
		return xml_err(e, ids,
			       "%zu <iothreadids>, more than <iothreads> "
			       "(%llu)",
			       io->n, (unsigned long long)count);
	/* the rest: the smallest ids not taken, as libvirt fills them */
	while (io->n < count) {
		while (has_iothread(d, next))
			next++;
		io->ids = xreallocarray(io->ids, io->n + 1, sizeof(*io->ids));
		io->ids[io->n++] = next++;
	}
	return 0;
}

void domain_format_iothreads(FILE *f, const struct domain_def *d)
{
	const struct domain_iothreads *io = &d->hw.iothreads;

	if (!io->n)
		return;
	fprintf(f, "  <iothreads>%zu</iothreads>\n", io->n);
	if (!io->n_given)
		return;
	fputs("  <iothreadids>\n", f);
	for (size_t i = 0; i < io->n; i++)
		fprintf(f, "    <iothread id='%u'/>\n", io->ids[i]);
	fputs("  </iothreadids>\n", f);
}
