// SPDX-License-Identifier: GPL-2.0-or-later
/* The kvm driver's channels and guest agent (driver-kvm-agent.h). */
#include "daemon/driver-kvm-agent.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/agent.h"
#include "daemon/daemon.h"
#include "daemon/driver-qemu-agent.h"
#include "daemon/driver-qemu.h"
#include "daemon/store.h"
#include "daemon/vmm-client.h"
#include "lib/json.h"
#include "lib/log.h"

#define STATUS_MS 10000

struct kvm_chans {
	struct daemon *dmn;
	struct domain *dom;
	struct qemu_agent *agent; /* the agent's channel, or NULL */
	/* While nido-vmm starts: each channel's socket, in the
	 * definition's order (the agent's is agent's own). */
	int fds[DOMAIN_MAX_CHANNELS];
	size_t n;
	struct vmm_req *req; /* "status" in flight */
	bool evented;	     /* an event came since it was sent */
};

/* The agent's socket for nido-vmm: a copy of the one @qa listens on
 * until nidod connects. */
static int agent_fd(struct qemu_agent *qa, struct err **e)
{
	int fd = qemu_agent_listen(qa, e);
	int copy = fd < 0 ? fd : fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (fd >= 0 && copy < 0)
		return err_sys(e, errno, "the guest agent's socket");
	return copy;
}

struct kvm_chans *kvm_chans_new(struct daemon *dmn, struct domain *dom)
{
	struct kvm_chans *kc;

	if (!dom->def->n_channels)
		return NULL;
	kc = xcalloc(1, sizeof(*kc));
	kc->dmn = dmn;
	kc->dom = dom;
	kc->n = dom->def->n_channels;
	for (size_t i = 0; i < kc->n; i++)
		kc->fds[i] = -1;
	kc->agent = qemu_agent_new(dom,
				   store_runtime_path(&dmn->store, &domain_kind,
						      dom->def->name, "agent"));
	return kc;
}

int kvm_chans_open(struct kvm_chans *kc, struct err **e)
{
	const struct domain_def *def = kc ? kc->dom->def : NULL;
	struct domain_channel *agent = def ? domain_agent_channel(def) : NULL;

	for (size_t i = 0; kc && i < kc->n; i++) {
		const struct domain_channel *ch = &def->channels[i];
		_cleanup_free_ char *what =
			xasprintf("channel '%s' socket", ch->name);
		int fd = ch == agent ? agent_fd(kc->agent, e)
				     : qemu_chr_open_unix(what, &ch->src, e);

		if (fd < 0) {
			kvm_chans_spawned(kc);
			return err_code(*e) ? err_code(*e) : -EIO;
		}
		kc->fds[i] = fd;
	}
	return 0;
}

void kvm_chans_json(const struct kvm_chans *kc, struct json_object *cfg,
		    int first_fd)
{
	struct json_object *a;

	if (!kc)
		return;
	a = json_object_new_array();
	for (size_t i = 0; i < kc->n; i++) {
		struct json_object *o = json_object_new_object();
		_cleanup_free_ char *fd = xasprintf("fd:%d", first_fd + (int)i);

		json_object_object_add(
			o, "name",
			json_object_new_string(kc->dom->def->channels[i].name));
		json_object_object_add(o, "socket", json_object_new_string(fd));
		json_object_array_add(a, o);
	}
	json_object_object_add(cfg, "channels", a);
}

size_t kvm_chans_fds(const struct kvm_chans *kc, struct spawn_fd *v,
		     int first_fd)
{
	for (size_t i = 0; kc && i < kc->n; i++)
		v[i] = (struct spawn_fd){.from = kc->fds[i],
					 .to = first_fd + (int)i};
	return kc ? kc->n : 0;
}

void kvm_chans_spawned(struct kvm_chans *kc)
{
	for (size_t i = 0; kc && i < kc->n; i++) {
		close_safe(kc->fds[i]);
		kc->fds[i] = -1;
	}
}

/* "status": which ports the guest has open now. */
static void on_status(void *opaque, int r, struct json_object *reply,
		      const struct err *e)
{
	struct kvm_chans *kc = opaque;
	struct json_object *a = NULL;

	kc->req = NULL;
	if (r < 0 || kc->evented ||
	    !json_object_object_get_ex(reply, "channels", &a) ||
	    !json_object_is_type(a, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *c = json_object_array_get_idx(a, i);
		const char *name = NULL;
		bool open = false;

		if (json_get_string_opt(c, "name", &name, NULL) > 0 &&
		    streq(name, DOMAIN_AGENT_CHANNEL) &&
		    json_get_bool_opt(c, "open", &open, NULL) > 0)
			qemu_agent_set_open(kc->agent, open);
	}
}

void kvm_chans_ready(struct kvm_chans *kc, const char *api)
{
	_cleanup_err_ struct err *e = NULL;

	if (!kc || !kc->agent)
		return;
	if (qemu_agent_connect(kc->agent, kc->dmn->loop, &e) < 0) {
		log_warn("domain '%s': %s", kc->dom->def->name, err_msg(e));
		return;
	}
	vmm_req_cancel(kc->req);
	kc->evented = false;
	kc->req = vmm_call_start(kc->dmn->loop, api, "status", STATUS_MS,
				 on_status, kc, &e);
	if (!kc->req)
		log_warn("domain '%s': guest agent: %s", kc->dom->def->name,
			 err_msg(e));
}

void kvm_chans_event(struct kvm_chans *kc, struct json_object *ev)
{
	const char *event = NULL, *name = NULL;
	bool open = false;

	if (!kc || !kc->agent ||
	    json_get_string_opt(ev, "event", &event, NULL) <= 0 ||
	    !streq(event, "vserport-change") ||
	    json_get_string_opt(ev, "name", &name, NULL) <= 0 ||
	    !streq(name, DOMAIN_AGENT_CHANNEL) ||
	    json_get_bool_opt(ev, "open", &open, NULL) <= 0)
		return;
	kc->evented = true;
	log_debug("domain '%s': the guest %s the agent's port",
		  kc->dom->def->name, open ? "opened" : "closed");
	qemu_agent_set_open(kc->agent, open);
}

void kvm_chans_guest_down(struct kvm_chans *kc)
{
	_cleanup_err_ struct err *e = NULL;

	if (kc && kc->agent)
		agent_guest_down(qemu_agent_client(kc->agent, "", &e));
}

void kvm_chans_record(const struct kvm_chans *kc, struct json_object *rec)
{
	if (kc)
		qemu_agent_record(kc->agent, rec);
}

void kvm_chans_reattach(struct kvm_chans *kc, struct json_object *rec)
{
	if (kc)
		qemu_agent_reattach(kc->agent, rec);
}

struct agent *kvm_chans_agent(struct kvm_chans *kc, const char *domain,
			      struct err **e)
{
	return qemu_agent_client(kc ? kc->agent : NULL, domain, e);
}

/* The sockets nidod bound for the other channels: gone with the VM (the
 * agent's is qemu_agent_free()'s). */
static void unlink_bound(const struct kvm_chans *kc)
{
	const struct domain_def *def = kc->dom->def;
	const struct domain_channel *agent = domain_agent_channel(def);

	for (size_t i = 0; i < kc->n && i < def->n_channels; i++) {
		const struct domain_channel *ch = &def->channels[i];

		if (ch != agent && ch->type == CHARDEV_UNIX && ch->src.listen &&
		    ch->src.path)
			unlink(ch->src.path);
	}
}

void kvm_chans_free(struct kvm_chans *kc, bool gone)
{
	if (!kc)
		return;
	vmm_req_cancel(kc->req);
	kvm_chans_spawned(kc);
	if (gone)
		unlink_bound(kc);
	qemu_agent_free(kc->agent, gone);
	free(kc);
}
