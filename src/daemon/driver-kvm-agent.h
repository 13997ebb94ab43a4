/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kvm driver's channels (driver-kvm-agent.c): each <channel
 * type='unix'> with a virtio target is a named port of nido-vmm's
 * multiport virtio-console. nidod binds (or connects) the socket and
 * passes it, since the sandboxed nido-vmm opens nothing; the guest
 * agent's channel (org.qemu.guest_agent.0) is bound at its <source
 * path> or <runtime>/domains/NAME.agent and nidod is its one client,
 * through the same agent client as under QEMU (agent.h,
 * driver-qemu-agent.h). Whether the guest has a port open comes from
 * nido-vmm: "status" lists "channels", the "vserport-change" event
 * says when it changes.
 */
#ifndef NIDO_DAEMON_DRIVER_KVM_AGENT_H
#define NIDO_DAEMON_DRIVER_KVM_AGENT_H

#include <json-c/json.h>

#include "daemon/domain.h"
#include "lib/err.h"
#include "lib/spawn.h"

struct daemon;
struct agent;
struct kvm_chans;

/* @dom's channels (NULL without any: nothing to free). */
struct kvm_chans *kvm_chans_new(struct daemon *dmn, struct domain *dom);

/* Binds or connects every channel's socket before nido-vmm starts.
 * Returns 0 or -errno with @e naming the channel. */
int kvm_chans_open(struct kvm_chans *kc, struct err **e);

/* nido-vmm's "channels" in its configuration @cfg, their sockets at
 * @first_fd on; and those fds into @v (room for DOMAIN_MAX_CHANNELS),
 * returning how many. */
void kvm_chans_json(const struct kvm_chans *kc, struct json_object *cfg,
		    int first_fd);
size_t kvm_chans_fds(const struct kvm_chans *kc, struct spawn_fd *v,
		     int first_fd);

/* nido-vmm has them: ours are closed (the agent's listening one too,
 * when nidod connects). */
void kvm_chans_spawned(struct kvm_chans *kc);

/*
 * nido-vmm answers on control socket @api (after start or re-attach):
 * nidod connects to the agent's channel and asks which ports the guest
 * has open.
 */
void kvm_chans_ready(struct kvm_chans *kc, const char *api);

/* nido-vmm's event @ev (borrowed): a port opened or closed. */
void kvm_chans_event(struct kvm_chans *kc, struct json_object *ev);

/* The guest stopped (nido-vmm exited): a guest-shutdown waiting is done. */
void kvm_chans_guest_down(struct kvm_chans *kc);

/* The run-time record's "agent" and back on re-attach. */
void kvm_chans_record(const struct kvm_chans *kc, struct json_object *rec);
void kvm_chans_reattach(struct kvm_chans *kc, struct json_object *rec);

/* The driver's ->agent: the client, or NULL with @e. */
struct agent *kvm_chans_agent(struct kvm_chans *kc, const char *domain,
			      struct err **e);

/* Frees @kc (accepts NULL); @gone: the VM ended, sockets nidod bound
 * for the agent are removed. */
void kvm_chans_free(struct kvm_chans *kc, bool gone);

#endif
