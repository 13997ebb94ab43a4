/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain objects, the "domain" kind of object.h: a definition
 * (domain_conf.h) plus what the daemon knows about it at run time: its
 * state and the reason for it (named as libvirt names them), its id
 * while active, and the driver that runs it. Definition life cycle,
 * persistence and autostart are object.h's.
 *
 * The list owns its domains; a domain owns its definitions. Driver data
 * (@priv) is owned by the driver and released through its ops.
 */
#ifndef NIDO_DAEMON_DOMAIN_H
#define NIDO_DAEMON_DOMAIN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "daemon/domain_conf.h"
#include "daemon/object.h"

enum domain_state {
	DOMAIN_SHUTOFF,
	DOMAIN_RUNNING,
	DOMAIN_PAUSED,
};

/* Reasons, per state (libvirt's names). */
enum domain_reason {
	/* shut off */
	REASON_SHUTOFF_UNKNOWN,
	REASON_SHUTOFF_SHUTDOWN,
	REASON_SHUTOFF_DESTROYED,
	REASON_SHUTOFF_CRASHED,
	REASON_SHUTOFF_FAILED,
	REASON_SHUTOFF_SAVED,	      /* its state went to a file (save) */
	REASON_SHUTOFF_FROM_SNAPSHOT, /* stopped to revert to a snapshot */
	/* running */
	REASON_RUNNING_BOOTED,
	REASON_RUNNING_UNPAUSED,
	REASON_RUNNING_REBOOTED,
	REASON_RUNNING_UNKNOWN,
	REASON_RUNNING_RESTORED, /* from a state file (restore) */
	/* paused */
	REASON_PAUSED_USER,
	REASON_PAUSED_UNKNOWN,
	REASON_PAUSED_CRASHED, /* the guest panicked, <on_crash>preserve */
};

struct daemon;
struct domain;
struct driver_ops;
struct err;
struct rpc_call;

/* What goes on once a domain's stop has ended (struct domain's
 * after_stop): @r 0, or < 0 with @e when the stop failed. */
typedef void (*domain_after_stop_fn)(struct daemon *dmn, struct domain *dom,
				     void *opaque, int r, const struct err *e);
struct snapshot_set;

/* The "domain" kind (domain.c). */
extern const struct object_kind domain_kind;

struct domain {
	/*
	 * The generic part (object.h), first so that a struct object of
	 * the domain kind is a struct domain (domain_of); the anonymous
	 * struct names the same members with the domain's types.
	 */
	union {
		struct object obj;
		struct {
			const struct object_kind *kind_;
			struct domain_def *def;	   /* live or inactive */
			struct domain_def *newdef; /* defined while active */
			bool persistent; /* has a definition on disk */
			bool autostart;
		};
	};
	int id; /* > 0 while active, -1 otherwise */
	enum domain_state state;
	enum domain_reason reason;
	char *detail;	/* why it stopped ("killed by SIGKILL") */
	time_t started; /* wall clock of the last start */
	/* the start in progress restores the managed save, which goes
	 * once it has succeeded (lifecycle.c) */
	bool restoring_managed;
	/* clones of it being made (methods-clone.c): it may not start nor
	 * be undefined meanwhile */
	unsigned cloning;
	/* its snapshots, read when first asked for (snapshot.h; owned) */
	struct snapshot_set *snaps;
	/* domjobinfo --completed: the last job's statistics (owned; NULL) */
	struct json_object *job_stats;
	const struct driver_ops *drv;
	void *priv;		 /* the driver's run-time data */
	struct json_object *rec; /* run-time record while active (owned) */
	/* The API call waiting for an operation in progress (owned), and
	 * its result on success (owned, may be NULL: JSON null). */
	struct rpc_call *job;
	struct json_object *job_result;
	/* The stop @job waits for goes on (lifecycle.c): once the domain
	 * is shut off, @after_stop(@r 0) is called instead of answering
	 * @job (which it answers in the end); a stop that failed calls it
	 * with @r < 0 and @e. */
	domain_after_stop_fn after_stop;
	void *after_stop_opaque;
};

_Static_assert(offsetof(struct domain, def) ==
			       offsetof(struct domain, obj.def) &&
		       offsetof(struct domain, newdef) ==
			       offsetof(struct domain, obj.newdef) &&
		       offsetof(struct domain, persistent) ==
			       offsetof(struct domain, obj.persistent) &&
		       offsetof(struct domain, autostart) ==
			       offsetof(struct domain, obj.autostart),
	       "struct domain's typed view matches struct object");

/* The domain @o is (NULL for NULL); @o must be of domain_kind. */
static inline struct domain *domain_of(struct object *o)
{
	return (struct domain *)o;
}

/* Domains are kept in an object list of domain_kind. */
struct domain_list {
	struct object_list l;
};
#define DOMAIN_LIST_INIT                     \
	{                                    \
		.l = {.kind = &domain_kind } \
	}

/* The @i-th domain of @l. */
static inline struct domain *domain_at(const struct domain_list *l, size_t i)
{
	return domain_of(l->l.v[i]);
}

/* "running", "paused", "shut off". */
const char *domain_state_name(enum domain_state s);
/* "booted", "user", "crashed", ... */
const char *domain_reason_name(enum domain_reason r);
/* Parses what the two functions above print; -1 when unknown. */
int domain_state_parse(const char *s);
int domain_reason_parse(const char *s);

/* The state a reason belongs to. */
enum domain_state domain_reason_state(enum domain_reason r);

static inline bool domain_is_active(const struct domain *d)
{
	return d->state != DOMAIN_SHUTOFF;
}

/* A new inactive domain owning @def. */
struct domain *domain_new(struct domain_def *def);
void domain_free(struct domain *d);

/* Lookups; NULL when absent. Borrowed from the list. */
struct domain *domain_list_find_name(const struct domain_list *l,
				     const char *name);
struct domain *domain_list_find_uuid(const struct domain_list *l,
				     const uint8_t uuid[16]);
struct domain *domain_list_find_id(const struct domain_list *l, int id);

/*
 * Finds a domain by name, id or UUID as virsh does. Returns it, or NULL
 * with @e filled ("domain 'x' not found").
 */
struct domain *domain_list_lookup(const struct domain_list *l, const char *key,
				  struct err **e);

/* Appends @d; the list owns it. */
void domain_list_add(struct domain_list *l, struct domain *d);
/* Removes @d from the list (does not free it). */
void domain_list_remove(struct domain_list *l, struct domain *d);
/* Frees every domain and the array. */
void domain_list_clear(struct domain_list *l);

#endif
