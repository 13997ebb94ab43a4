// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * USB on the qemu driver (driver-qemu.h): the USB controllers, an ICH9
 * EHCI's UHCI companions among them, and <redirdev>s (usb-redir), as
 * libvirt's command lines give them.
 *
 * Index 0's controller is "usb" (its bus usb.0), index N's "usbN". A
 * companion sits in its EHCI's PCI slot, functions 0 to 2 beside the
 * EHCI's 7, and serves the EHCI's ports from firstport= on
 * (masterbus=usb.0). The devices of a definition all sit on usb.0.
 */
#include <errno.h>

#include <json-c/json.h>

#include "daemon/domain_conf_usb.h"
#include "daemon/driver-qemu.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

void qemu_json_usb_addr(struct json_object *o, const struct usb_addr *u)
{
	_cleanup_free_ char *bus =
		u->bus ? xasprintf("usb%u.0", u->bus) : xstrdup("usb.0");

	add_str(o, "bus", bus);
	if (u->port[0])
		add_str(o, "port", u->port);
}

unsigned qemu_usb_root_ports(const struct domain_def *d, unsigned bus)
{
	const struct domain_usb_ctl *c = NULL;
	enum usb_model m = qemu_usb_model(d);
	unsigned ports = d->display.usb_ports;

	for (size_t i = 1; bus && (c = qemu_usb_master(d, i)); i++)
		if (c->index == bus)
			break;
	if (bus) {
		m = c ? c->model : USB_ABSENT;
		ports = c ? c->ports : 0;
	}
	switch (m) {
	case USB_PIIX3_UHCI:
		return 2;
	case USB_ICH9_EHCI1:
		return 6;
	case USB_QEMU_XHCI:
	case USB_NEC_XHCI:
		/* QEMU's: the USB 2 ports, then as many USB 3 ones */
		return 2 * (ports ? ports : 4);
	default:
		return 0;
	}
}

const struct domain_usb_ctl *qemu_usb_master(const struct domain_def *d,
					     size_t i)
{
	const struct domain_display *dp = &d->display;

	/* by index, as libvirt places them */
	for (unsigned idx = 1; idx <= DOMAIN_MAX_USB_INDEX; idx++)
		for (size_t j = 0; j < dp->n_usb_more; j++)
			if (dp->usb_more[j].index == idx &&
			    !usb_model_companion(dp->usb_more[j].model) &&
			    --i == 0)
				return &dp->usb_more[j];
	return NULL;
}

bool qemu_usb_has_companions(const struct domain_def *d, unsigned index)
{
	for (size_t j = 0; j < d->display.n_usb_more; j++)
		if (d->display.usb_more[j].index == index &&
		    usb_model_companion(d->display.usb_more[j].model))
			return true;
	return false;
}

/* The rank among the controllers on PCI of index @index's master (0:
 * index 0's); -1 when it has none. */
static int master_rank(const struct domain_def *d, unsigned index)
{
	const struct domain_usb_ctl *m;

	if (index == 0)
		return 0;
	for (size_t i = 1; (m = qemu_usb_master(d, i)); i++)
		if (m->index == index)
			return (int)i;
	return -1;
}

int qemu_usb_companion_pci(const struct domain_def *d, size_t j,
			   struct dev_pci_addr *out)
{
	const struct domain_usb_ctl *c = &d->display.usb_more[j];
	int rank = master_rank(d, c->index);

	if (c->pci.set) {
		*out = c->pci;
		return 0;
	}
	if (rank < 0 || qemu_pci_slot(d, QEMU_PCI_USB, (size_t)rank, out) < 0)
		return -1;
	out->function = (unsigned)(c->model - USB_ICH9_UHCI1);
	return 0;
}

static const char *const qemu_usb_devices[] = {
	[USB_PIIX3_UHCI] = "piix3-usb-uhci",
	[USB_QEMU_XHCI] = "qemu-xhci",
	[USB_NEC_XHCI] = "nec-usb-xhci",
	[USB_ICH9_EHCI1] = "ich9-usb-ehci1",
	[USB_ICH9_UHCI1] = "ich9-usb-uhci1",
	[USB_ICH9_UHCI2] = "ich9-usb-uhci2",
	[USB_ICH9_UHCI3] = "ich9-usb-uhci3",
};

/* The controller of index @index (its PCI rank @rank): model @m. */
static void controller(struct qemu_argv *a, const struct domain_def *def,
		       enum usb_model m, unsigned index, unsigned ports,
		       size_t rank)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id =
		index ? xasprintf("usb%u", index) : xstrdup("usb");

	add_str(o, "driver", qemu_usb_devices[m]);
	add_str(o, "id", id);
	qemu_json_pci(o, def, QEMU_PCI_USB, rank);
	/* <controller ports=>: libvirt's as many USB 2 as USB 3 */
	if (ports) {
		add_int(o, "p2", (int)ports);
		add_int(o, "p3", (int)ports);
	}
	qemu_arg_json(a, "-device", o);
}

/* The companions of index @index, in their order. */
static void companions(struct qemu_argv *a, const struct domain_def *def,
		       unsigned index)
{
	const struct domain_display *dp = &def->display;

	for (size_t j = 0; j < dp->n_usb_more; j++) {
		const struct domain_usb_ctl *c = &dp->usb_more[j];
		struct json_object *o;
		struct dev_pci_addr p;
		_cleanup_free_ char *master = NULL;

		if (c->index != index || !usb_model_companion(c->model) ||
		    qemu_usb_companion_pci(def, j, &p) < 0)
			continue;
		o = json_object_new_object();
		master = index ? xasprintf("usb%u.0", index) : xstrdup("usb.0");
		add_str(o, "driver", qemu_usb_devices[c->model]);
		add_str(o, "masterbus", master);
		add_int(o, "firstport", (int)c->startport);
		/* function 0 of a slot with others */
		qemu_json_pci_at(o, def, &p, p.function == 0);
		qemu_arg_json(a, "-device", o);
	}
}

void qemu_argv_usb_controllers(struct qemu_argv *a,
			       const struct domain_def *def)
{
	enum usb_model m = qemu_usb_model(def);
	const struct domain_usb_ctl *c;

	if (m != USB_NONE) {
		controller(a, def, m, 0, def->display.usb_ports, 0);
		companions(a, def, 0);
	}
	for (size_t i = 1; (c = qemu_usb_master(def, i)); i++) {
		controller(a, def, c->model, c->index, c->ports, i);
		companions(a, def, c->index);
	}
}

/* Redirdev @i's -device usb-redir (and a spicevmc one's -chardev: the
 * others' are qemu_argv_chardevs()'s). */
static void redirdev(struct qemu_argv *a, const struct domain_def *def,
		     size_t i)
{
	const struct domain_display *dp = &def->display;
	const struct domain_redirdev *r = &dp->redirdevs[i];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *chr = xasprintf("charredir%zu", i);
	_cleanup_free_ char *id = xasprintf("redir%zu", i);
	_cleanup_free_ char *filter = NULL;

	if (r->spicevmc) {
		_cleanup_free_ char *s =
			xasprintf("spicevmc,id=%s,name=usbredir", chr);

		qemu_arg(a, "-chardev");
		qemu_arg(a, s);
	}
	add_str(o, "driver", "usb-redir");
	add_str(o, "chardev", chr);
	add_str(o, "id", id);
	for (size_t k = 0; k < dp->n_redir_rules; k++) {
		char rule[REDIR_RULE_MAX];
		char *f = xasprintf(
			"%s%s%s", filter ? filter : "", filter ? "|" : "",
			domain_redir_rule_str(&dp->redir_rules[k], rule));

		free(filter);
		filter = f;
	}
	if (filter)
		add_str(o, "filter", filter);
	if (r->boot_order)
		add_int(o, "bootindex", (int)r->boot_order);
	qemu_json_usb_addr(o, &r->usb);
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_redirdevs(struct qemu_argv *a, const struct domain_def *def,
			 bool with_port)
{
	for (size_t i = 0; i < def->display.n_redirdevs; i++)
		if (!def->display.redirdevs[i].usb.port[0] != with_port)
			redirdev(a, def, i);
}

/* Companions in their EHCI's slot, on functions of their own. */
static int check_companion_slots(const struct domain_def *d, struct err **e)
{
	const struct domain_display *dp = &d->display;

	for (size_t j = 0; j < dp->n_usb_more; j++) {
		const struct domain_usb_ctl *c = &dp->usb_more[j];
		struct dev_pci_addr p, m;
		int rank = master_rank(d, c->index);

		if (!usb_model_companion(c->model))
			continue;
		if (rank < 0 ||
		    qemu_pci_slot(d, QEMU_PCI_USB, (size_t)rank, &m) < 0 ||
		    qemu_usb_companion_pci(d, j, &p) < 0)
			return err_set(e, ENOTSUP,
				       "USB controller %s of index %u: no PCI "
				       "slot",
				       usb_model_names[c->model], c->index);
		if (p.bus != m.bus || p.slot != m.slot || p.function == 7 ||
		    p.function == m.function)
			return err_set(e, ENOTSUP,
				       "USB controller %s of index %u at PCI "
				       "%02x.%x: a companion sits in its "
				       "ich9-ehci1's slot (%02x), beside its "
				       "function %x",
				       usb_model_names[c->model], c->index,
				       p.slot, p.function, m.slot, m.function);
		for (size_t k = 0; k < j; k++) {
			struct dev_pci_addr q;

			if (dp->usb_more[k].index == c->index &&
			    usb_model_companion(dp->usb_more[k].model) &&
			    qemu_usb_companion_pci(d, k, &q) == 0 &&
			    q.function == p.function)
				return err_set(e, ENOTSUP,
					       "two USB companions at PCI "
					       "%02x.%x",
					       p.slot, p.function);
		}
	}
	return 0;
}

int qemu_check_usb_disk(const struct domain_def *d,
			const struct domain_disk *dk, struct err **e)
{
	if (dk->removable && dk->bus != DISK_BUS_USB)
		return err_set(e, ENOTSUP,
			       "disk '%s': removable= on bus '%s' (usb only)",
			       dk->target, disk_bus_names[dk->bus]);
	if (dk->bus != DISK_BUS_USB)
		return 0;
	if (dk->device == DISK_DEVICE_CDROM)
		return err_set(e, ENOTSUP,
			       "disk '%s': a cdrom on bus 'usb' (usb-storage "
			       "is a disk; ide, sata or scsi)",
			       dk->target);
	if (dk->drive.set)
		return err_set(e, ENOTSUP,
			       "disk '%s': a drive <address> on bus 'usb'",
			       dk->target);
	if (qemu_usb_model(d) == USB_NONE)
		return err_set(e, ENOTSUP,
			       "disk '%s': on USB with USB controller model "
			       "'none'",
			       dk->target);
	return 0;
}

int qemu_check_usb_more(const struct domain_def *d, struct err **e)
{
	const struct domain_display *dp = &d->display;

	if (check_companion_slots(d, e) < 0)
		return -ENOTSUP;
	if (dp->n_redirdevs && qemu_usb_model(d) == USB_NONE)
		return err_set(e, ENOTSUP,
			       "<redirdev> on USB with USB controller model "
			       "'none'");
	for (size_t i = 0; i < dp->n_redirdevs; i++) {
		const struct domain_redirdev *r = &dp->redirdevs[i];

		if (r->spicevmc && !dp->spice)
			return err_set(e, EINVAL,
				       "<redirdev type='spicevmc'> without "
				       "<graphics type='spice'>");
	}
	return 0;
}
