// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's virtio-serial devices (driver-qemu.h): the
 * controllers a definition gives or implies (a channel's <address
 * controller=>, controller 0 for any other channel or virtio console),
 * and each port's number on its controller, decided from the
 * definition alone as libvirt decides them: a channel's port given is
 * kept; the other channels take the lowest free port from 1 on their
 * <address controller=>, or without one on the first controller that
 * has one (a new controller after the last when none has); the first
 * virtio console is port 0 (QEMU keeps port 0 for a console) of the
 * first controller, the other consoles its next free ports.
 * QEMU gets every number on its command line.
 */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "daemon/domain_conf_channel.h"
#include "daemon/driver-qemu.h"

/* The controller of index @index @d gives; NULL: implied. */
static const struct domain_controller *given(const struct domain_def *d,
					     unsigned index)
{
	for (size_t i = 0; i < d->hw.n_controllers; i++)
		if (d->hw.controllers[i].type == CONTROLLER_VIRTIO_SERIAL &&
		    d->hw.controllers[i].index == index)
			return &d->hw.controllers[i];
	return NULL;
}

/* The controllers given and those channels with an <address> name,
 * ascending, into @p. */
static void known_controllers(const struct domain_def *d,
			      struct qemu_vserial_plan *p)
{
	bool used[256] = {false};

	for (size_t i = 0; i < d->hw.n_controllers; i++)
		if (d->hw.controllers[i].type == CONTROLLER_VIRTIO_SERIAL)
			used[d->hw.controllers[i].index & 0xff] = true;
	for (size_t i = 0; i < d->n_channels; i++)
		if (d->channels[i].addr_set)
			used[d->channels[i].controller & 0xff] = true;
	p->n_ctl = 0;
	for (unsigned i = 0; i < 256; i++)
		if (used[i])
			p->ctl[p->n_ctl++] = i;
}

/* Ports a controller has: its ports=, else QEMU's default. */
static unsigned max_ports(const struct domain_def *d, unsigned index)
{
	const struct domain_controller *c = given(d, index);

	return c && c->ports ? c->ports : VIRTIO_SERIAL_PORTS;
}

/* The lowest free port from 1 on controller @ctl, taken; -1: none. */
static int take(const struct domain_def *d, uint32_t used[256], unsigned ctl)
{
	for (unsigned p = 1; p < max_ports(d, ctl); p++)
		if (!(used[ctl] & (1u << p))) {
			used[ctl] |= 1u << p;
			return (int)p;
		}
	return -1;
}

/* A port for a channel or console without one: the first controller
 * with a free port, or a new one after the last (libvirt's rule). */
static int take_any(const struct domain_def *d, struct qemu_vserial_plan *p,
		    uint32_t used[256], unsigned *ctl)
{
	int r;

	for (size_t k = 0; k < p->n_ctl; k++)
		if ((r = take(d, used, p->ctl[k])) >= 0) {
			*ctl = p->ctl[k];
			return r;
		}
	if (p->n_ctl && p->ctl[p->n_ctl - 1] == 255)
		return -1;
	*ctl = p->n_ctl ? p->ctl[p->n_ctl - 1] + 1 : 0;
	p->ctl[p->n_ctl++] = *ctl;
	return take(d, used, *ctl);
}

/* The channels' ports given, marked in @used. */
static int given_ports(const struct domain_def *d, struct qemu_vserial_plan *p,
		       uint32_t used[256], struct err **e)
{
	for (size_t i = 0; i < d->n_channels; i++) {
		const struct domain_channel *ch = &d->channels[i];

		p->chan_ctl[i] = ch->controller;
		if (!ch->port_set)
			continue;
		if (ch->port == 0 || ch->port >= max_ports(d, ch->controller))
			return err_set(e, ENOTSUP,
				       "channel %zu: port %u of virtio-serial "
				       "controller %u: 1 to %u (port 0 is a "
				       "virtio console's)",
				       i, ch->port, ch->controller,
				       max_ports(d, ch->controller) - 1);
		used[ch->controller] |= 1u << ch->port;
		p->chan_nr[i] = ch->port;
	}
	return 0;
}

int qemu_vserial_plan(const struct domain_def *d, struct qemu_vserial_plan *p,
		      struct err **e)
{
	uint32_t used[256] = {0};
	bool first = true;
	int r;

	known_controllers(d, p);
	if (given_ports(d, p, used, e) < 0)
		return -ENOTSUP;
	for (size_t i = 0; i < d->n_channels; i++) {
		const struct domain_channel *ch = &d->channels[i];

		if (ch->port_set)
			continue;
		r = ch->addr_set ? take(d, used, ch->controller)
				 : take_any(d, p, used, &p->chan_ctl[i]);
		if (r < 0)
			return err_set(e, ENOSPC,
				       "channel %zu: no free port on "
				       "virtio-serial controller %u",
				       i, p->chan_ctl[i]);
		p->chan_nr[i] = (unsigned)r;
	}
	for (size_t i = 0; i < d->n_consoles; i++) {
		if (d->consoles[i].target != CONSOLE_TARGET_VIRTIO)
			continue;
		if (!p->n_ctl)
			p->ctl[p->n_ctl++] = 0;
		/* QEMU's first virtconsole, on the first controller */
		p->con_ctl[i] = p->ctl[0];
		r = first ? 0 : take(d, used, p->ctl[0]);
		first = false;
		if (r < 0)
			return err_set(e, ENOSPC,
				       "console %zu: no free port on "
				       "virtio-serial controller %u",
				       i, p->ctl[0]);
		p->con_nr[i] = (unsigned)r;
	}
	return 0;
}

size_t qemu_vserial_controllers(const struct domain_def *d, unsigned idx[256])
{
	struct qemu_vserial_plan p = {0};

	qemu_vserial_plan(d, &p, NULL);
	memcpy(idx, p.ctl, p.n_ctl * sizeof(*idx));
	return p.n_ctl;
}

const struct dev_pci_addr *qemu_vserial_pci(const struct domain_def *d,
					    unsigned index)
{
	static const struct dev_pci_addr none = {0};
	const struct domain_controller *c = given(d, index);

	return c ? &c->pci : &none;
}

char *qemu_channel_ids(const struct domain_def *d, size_t i, char **port_id)
{
	const struct domain_channel *agent = domain_agent_channel(d);
	size_t a = agent ? (size_t)(agent - d->channels) : 0;
	/* the agent's are channel0 (driver-qemu-agent.c): it and the first
	 * channel swap numbers */
	size_t n = i == a ? 0 : i == 0 ? a : i;

	if (port_id)
		*port_id = xasprintf("channel%zu", n);
	return xasprintf("charchannel%zu", n);
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, unsigned v)
{
	json_object_object_add(o, k, json_object_new_int((int)v));
}

static void port_device(struct qemu_argv *a, const char *driver, unsigned ctl,
			unsigned nr, const char *chardev, const char *id,
			const char *name)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *bus = xasprintf("virtio-serial%u.0", ctl);

	add_str(o, "driver", driver);
	add_str(o, "bus", bus);
	add_int(o, "nr", nr);
	add_str(o, "chardev", chardev);
	add_str(o, "id", id);
	if (name)
		add_str(o, "name", name);
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_vserial(struct qemu_argv *a, const struct domain_def *def)
{
	struct qemu_vserial_plan p = {0};

	if (qemu_vserial_plan(def, &p, NULL) < 0)
		return; /* refused by driver_qemu_validate() */
	for (size_t i = 0; i < p.n_ctl; i++) {
		const struct domain_controller *c = given(def, p.ctl[i]);
		struct json_object *o = json_object_new_object();
		_cleanup_free_ char *id =
			xasprintf("virtio-serial%u", p.ctl[i]);

		add_str(o, "driver", "virtio-serial-pci");
		add_str(o, "id", id);
		if (c && c->ports)
			add_int(o, "max_ports", c->ports);
		if (c && c->vectors)
			add_int(o, "vectors", c->vectors);
		if (c)
			qemu_json_virtio_driver(o, &c->driver);
		/* on the slot the plan gives it (driver-qemu-pci.c) */
		qemu_json_pci(o, def, QEMU_PCI_SERIAL, i);
		qemu_arg_json(a, "-device", o);
	}
	for (size_t i = 0; i < def->n_channels; i++) {
		_cleanup_free_ char *port = NULL;
		_cleanup_free_ char *ch = qemu_channel_ids(def, i, &port);

		port_device(a, "virtserialport", p.chan_ctl[i], p.chan_nr[i],
			    ch, port, def->channels[i].name);
	}
	for (size_t i = 0; i < def->n_consoles; i++) {
		_cleanup_free_ char *ch = xasprintf("charconsole%zu", i);
		_cleanup_free_ char *id = xasprintf("console%zu", i);

		if (def->consoles[i].target == CONSOLE_TARGET_VIRTIO)
			port_device(a, "virtconsole", p.con_ctl[i], p.con_nr[i],
				    ch, id, NULL);
	}
}
