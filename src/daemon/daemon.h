/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's state, handed explicitly to methods and drivers: the
 * loop, the store, the domains. Also the transitions every driver reports
 * through, so that ids, run-time records, transient domains and lifecycle
 * actions are handled in one place.
 */
#ifndef NIDO_DAEMON_DAEMON_H
#define NIDO_DAEMON_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "daemon/domain.h"
#include "daemon/network.h"
#include "daemon/pool.h"
#include "daemon/rpc.h"
#include "daemon/store.h"

struct loop;

struct daemon {
	struct loop *loop;
	struct store store;
	struct domain_list domains;
	struct network_list networks;
	struct pool_list pools;
	struct pool_jobs *pool_jobs;   /* volume jobs (pool-job.c) */
	struct clone_jobs *clone_jobs; /* clones' copies (methods-clone.c) */
	bool system;		       /* system mode (root, /var/lib/nido) */
	uid_t uid;		       /* who may connect besides root */
	int next_id;		       /* next domain id */
	char *vmm_path;		       /* nido-vmm to run */
	bool shutting_down;
	struct rpc_server *rpc;
	unsigned idle_timeout;		  /* seconds; 0: never exit when idle */
	unsigned storage_job_timeout;	  /* seconds a remote pool's job
					     holds its caller (pool-job.c) */
	unsigned idle;			  /* seconds idle so far */
	struct events *events;		  /* event subscribers (events.h) */
	struct console_session *consoles; /* open consoles (console.h) */
	struct ct_exec_session *ct_execs; /* commands in containers
					     (driver-ct-exec.c) */
	/*
	 * The one inotify instance watching every network's lease file
	 * (instances are counted per user, 128 by default, and each
	 * dnsmasq takes one of its own), and its loop source: opened by
	 * network.c at the first watch, closed by networks_release(); -1
	 * and NULL when none is open. Each network holds its watch
	 * descriptor in its dns.inotify.
	 */
	int lease_inotify;
	struct loop_source *lease_source;
	/* systemd-machined's connection (machined.h), NULL when machines
	 * are not registered */
	struct machined *machined;
	bool recovering; /* daemon_domains_recover() re-attaches */
};

/*
 * What the domain methods share (methods-domain.c): the domain
 * params.domain names (NULL with @e filled); refusing a second
 * operation while one is in progress; the domain named when it is
 * active and idle; and parking the call on @dom when a driver returned
 * RPC_DEFERRED (@result, taken over, answers it on success).
 */
struct domain *param_domain(struct daemon *dmn, struct json_object *params,
			    struct err **e);
int need_idle(const struct domain *dom, struct err **e);
struct domain *active_domain(struct daemon *dmn, struct json_object *params,
			     struct err **e);
int job_wait(struct daemon *dmn, struct domain *dom, int r,
	     struct json_object *result);
/* virsh's --live, --config, --current in @params: neither means the
 * running domain when it runs, else its configuration (--live of an
 * inactive domain is refused). */
int param_scope(const struct domain *dom, struct json_object *params,
		bool *live, bool *config, struct err **e);

/* virt-clone's job (methods-clone.c); at exit, the copies in progress
 * are waited for and what they made removed. */
extern const struct rpc_method clone_methods[];
extern const size_t clone_n_methods;
void clone_jobs_release(struct daemon *dmn);

/* The snapshot methods (methods-snapshot.c). */
extern const struct rpc_method snapshot_methods[];
extern const size_t snapshot_n_methods;
/* virsh's blockcommit, blockpull, blockjob (methods-blockjob.c). */
extern const struct rpc_method blockjob_methods[];
extern const size_t blockjob_n_methods;

/* setvcpus, vcpucount, vcpuinfo, vcpupin, emulatorpin (methods-vcpu.c). */
extern const struct rpc_method vcpu_methods[];
extern const size_t vcpu_n_methods;
int vcpu_m_vcpupin(void *opaque, struct json_object *params,
		   struct json_object **result, struct err **e);
int vcpu_m_emulatorpin(void *opaque, struct json_object *params,
		       struct json_object **result, struct err **e);

/* The save and restore methods (methods-save.c). */
extern const struct rpc_method save_methods[];
extern const size_t save_n_methods;

/* domain.exec (driver-ct-exec.c); ct_exec_free_all() ends the commands
 * still running, at the daemon's exit. */
extern const struct rpc_method ct_exec_methods[];
extern const size_t ct_exec_n_methods;
void ct_exec_free_all(struct daemon *dmn);

/* The domain kind's method table (methods-domain.c). */
extern const struct rpc_method domain_methods[];
extern const size_t domain_n_methods;
/*
 * What methods changing a persistent definition share (methods-domain.c):
 * a copy of @dom's to change (formatted and parsed again: checked as
 * define checks it), NULL with @e filled for a transient domain; and
 * saving such a copy (taken over) as its persistent definition.
 */
struct domain_def *domain_config_copy(const struct domain *dom, struct err **e);
int domain_config_save(struct daemon *dmn, struct domain_def *def,
		       struct err **e);
/*
 * Before a running @dom's live definition changes (a driver that changed
 * the guest writes it there): a persistent @dom whose next start's
 * definition is its live one gets a copy of its own, so that what
 * changes live stays live. 0 or -errno with @e.
 */
int domain_live_split(struct domain *dom, struct err **e);
/* Its guest interface methods (methods-iface.c). */
extern const struct rpc_method iface_methods[];
extern const size_t iface_n_methods;
/*
 * A running guest's interface counters from its tap @tap, from the
 * guest's side as libvirt gives them, in @v; their names in
 * domifstat's ([k][0]) and domstats' net.N. ([k][1]) words. 0 or
 * -errno with @e.
 */
#define IFACE_COUNTERS 8
struct net_nl;
extern const char *const iface_counter_names[IFACE_COUNTERS][2];
int iface_guest_counters(struct net_nl *nl, const char *tap,
			 uint64_t v[IFACE_COUNTERS], struct err **e);

/* Its guest agent methods (methods-agent.c), and what other method
 * files ask the agent: domifaddr --source agent (addresses of interface
 * @only, NULL: all) and shutdown or reboot --mode agent. Both answer the
 * call being handled later: RPC_DEFERRED, or -errno with @e. */
extern const struct rpc_method agent_methods[];
extern const size_t agent_n_methods;
int agent_domifaddr(struct daemon *dmn, struct domain *dom, const char *only,
		    struct err **e);
int agent_shutdown(struct daemon *dmn, struct domain *dom, bool reboot,
		   struct err **e);
/* @dom's guest agent for a method that chains commands itself (a
 * quiesced snapshot); NULL with @e naming why there is none. */
struct agent *agent_for(struct daemon *dmn, struct domain *dom, struct err **e);

/* The network kind's (methods-network.c). */
extern const struct rpc_method network_methods[];
extern const size_t network_n_methods;

/* The storage pool and volume kinds' (methods-pool.c). */
extern const struct rpc_method pool_methods[];
extern const size_t pool_n_methods;

/*
 * "validate": true in @params (virsh define --validate): what the XML
 * subset of @kind would ignore with a warning (@warnings, from the
 * parse) is an error instead, all of it in one message.
 */
int daemon_validate_strict(struct json_object *params,
			   struct json_object *warnings, const char *kind,
			   struct err **e);

/*
 * Marks @dom running (or paused) with @reason, assigning an id when it
 * had none, and saves its run-time record through the driver's @rec
 * (borrowed, may be NULL to keep the record as it is).
 */
void daemon_domain_set_state(struct daemon *dmn, struct domain *dom,
			     enum domain_reason reason,
			     struct json_object *rec);

/*
 * The domain's process is gone: marks it shut off with @reason and
 * @detail (may be NULL; "killed by SIGKILL"), removes its run-time
 * record, applies a definition changed while it ran, and removes it when
 * it was transient. When @restart is set (the guest rebooted and
 * on_reboot says restart) it is started again. @dom may be freed.
 */
void daemon_domain_stopped(struct daemon *dmn, struct domain *dom,
			   enum domain_reason reason, const char *detail,
			   bool restart);

/*
 * Starts @dom through its driver with @flags (DRIVER_START_*); errors are
 * prefixed by the caller. Returns 0, RPC_DEFERRED when the driver finishes
 * later (and reports it with daemon_job_done()), or -errno.
 */
int daemon_domain_start(struct daemon *dmn, struct domain *dom, unsigned flags,
			struct err **e);

/*
 * Starts @dom from the state in the save file open at @fd (taken over;
 * at its stream), whose definition @def (taken over, or @dom's own)
 * becomes the live one, as libvirt's restore does; @managed: it is @dom's
 * managed save, removed once the guest runs. As daemon_domain_start()
 * otherwise; on failure the definitions are as before.
 */
int daemon_domain_restore(struct daemon *dmn, struct domain *dom,
			  struct domain_def *def, int fd, unsigned flags,
			  bool managed, struct err **e);

/* The managed save file of domain @name (<state>/save/NAME.save),
 * malloc'ed. */
char *daemon_managed_save_path(const struct daemon *dmn, const char *name);

/*
 * A driver operation that returned RPC_DEFERRED has finished: answers
 * the API call waiting for it, if any (with @result, a reference taken
 * over, or else the result the method prepared; or with the error -@r
 * and @e). Never from inside the operation itself.
 */
void daemon_job_done(struct daemon *dmn, struct domain *dom, int r,
		     struct json_object *result, const struct err *e);

/* Re-attaches or marks shut off every domain with a run-time record, then
 * starts the autostarted ones that are not running. */
void daemon_domains_recover(struct daemon *dmn);

#endif
