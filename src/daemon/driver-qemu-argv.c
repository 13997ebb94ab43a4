// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's command line for a domain (driver-qemu.h), as libvirt builds
 * it: devices and nodes as JSON (-device, -blockdev, -object), so that
 * no value needs QEMU's comma escaping.
 */
#include <inttypes.h>
#include <uuid/uuid.h>

#include "daemon/disk-open.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"
#include "net/addr.h"

static void arg(struct qemu_argv *a, const char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(*a->v));
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

static void arg_json(struct qemu_argv *a, const char *opt,
		     struct json_object *o)
{
	_cleanup_free_ char *s = json_encode_line(o, NULL);

	arg(a, opt);
	s[strcspn(s, "\n")] = '\0';
	arg(a, s);
	json_object_put(o);
}

void qemu_arg(struct qemu_argv *a, const char *s)
{
	arg(a, s);
}

void qemu_arg_json(struct qemu_argv *a, const char *opt, struct json_object *o)
{
	arg_json(a, opt, o);
}

void qemu_argv_free(struct qemu_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

void qemu_json_pci_at(struct json_object *o, const struct domain_def *def,
		      const struct dev_pci_addr *p, bool multifunction)
{
	_cleanup_free_ char *bus = qemu_pci_bus_id(def, p->bus);
	_cleanup_free_ char *addr =
		p->function ? xasprintf("0x%x.0x%x", p->slot, p->function)
			    : xasprintf("0x%x", p->slot);

	add_str(o, "bus", bus);
	/* given, or function 0 of a slot others share (libvirt's) */
	if (multifunction || p->multifunction || qemu_pci_multifunction(def, p))
		json_object_object_add(o, "multifunction",
				       json_object_new_boolean(
					       multifunction ||
					       qemu_pci_multifunction(def, p)));
	add_str(o, "addr", addr);
}

void qemu_json_pci(struct json_object *o, const struct domain_def *def,
		   enum qemu_pci_kind kind, size_t i)
{
	struct dev_pci_addr p;

	if (qemu_pci_slot(def, kind, i, &p) == 0)
		qemu_json_pci_at(o, def, &p, false);
}

bool qemu_is_q35(const struct domain_def *def)
{
	return def->machine && (streq(def->machine, "q35") ||
				str_has_prefix(def->machine, "pc-q35-"));
}
#define is_q35 qemu_is_q35

/*
 * VNC on its address (127.0.0.1 unless given; an IPv6 one in brackets),
 * the display libvirt's port names, or with autoport the first free of
 * 100 from 5900 (QEMU tries them: query-vnc says which); SPICE; the
 * video cards; the USB controller; the inputs and hubs on it.
 */
static void display_args(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_display *dp = &def->display;

	if (dp->vnc && (dp->vnc_socket || dp->vnc_listen_none)) {
		qemu_argv_vnc_socket(a, def);
	} else if (dp->vnc) {
		const char *l = dp->vnc_listen ? dp->vnc_listen : "127.0.0.1";
		bool v6 = strchr(l, ':') != NULL;
		_cleanup_free_ char *opts = qemu_vnc_options(def);
		_cleanup_free_ char *s = xasprintf(
			"%s%s%s:%d%s%s%s", v6 ? "[" : "", l, v6 ? "]" : "",
			dp->vnc_port < 0 ? 0 : dp->vnc_port - 5900,
			dp->vnc_port < 0 ? ",to=99" : "",
			/* the password itself comes through QMP */
			dp->vnc_passwd ? ",password=on" : "", opts);

		arg(a, "-vnc");
		arg(a, s);
	}
	qemu_argv_spice(a, def);
	qemu_argv_videos(a, def);
	qemu_argv_usb_controllers(a, def);
	qemu_argv_inputs(a, def);
}

/* Rng @i: its backend object (an egd's chardev charrngI is made by
 * qemu_argv_chardevs()) and its virtio-rng-pci. */
static void rng_args(struct qemu_argv *a, const struct domain_def *def,
		     size_t i)
{
	static const char *const types[] = {"rng-random", "rng-egd",
					    "rng-builtin"};
	const struct domain_rng *r = &def->rngs[i];
	struct json_object *o = json_object_new_object();
	struct json_object *dev = json_object_new_object();
	_cleanup_free_ char *obj = xasprintf("objrng%zu", i);
	_cleanup_free_ char *id = xasprintf("rng%zu", i);
	_cleanup_free_ char *chr = xasprintf("charrng%zu", i);

	add_str(o, "qom-type", types[r->model]);
	add_str(o, "id", obj);
	if (r->model == RNG_BACKEND_RANDOM)
		add_str(o, "filename", r->backend);
	else if (r->model == RNG_BACKEND_EGD)
		add_str(o, "chardev", chr);
	arg_json(a, "-object", o);
	add_str(dev, "driver", "virtio-rng-pci");
	add_str(dev, "rng", obj);
	add_str(dev, "id", id);
	qemu_json_pci(dev, def, QEMU_PCI_RNG, i);
	qemu_json_virtio(dev, &r->virtio);
	if (r->rate_bytes) {
		json_object_object_add(dev, "max-bytes",
				       json_object_new_uint64(r->rate_bytes));
		json_object_object_add(
			dev, "period",
			json_object_new_uint64(
				r->rate_period_ms ? r->rate_period_ms : 1000));
	}
	arg_json(a, "-device", dev);
}

/* The rngs, the display (the serial ports: qemu_argv_chardevs()). */
static void device_args(struct qemu_argv *a, const struct domain_def *def)
{
	display_args(a, def);
	for (size_t i = 0; i < def->n_rngs; i++)
		rng_args(a, def, i);
	qemu_argv_hw_devices(a, def);
	qemu_argv_devmisc(a, def);
}

/* -machine: the type, the accelerator, a UEFI guest's flash (and SMM
 * for a secure loader, whose flash only SMM code may write). */
static void machine_arg(struct qemu_argv *a, const struct domain_def *def,
			const char *accel)
{
	bool pflash = def->fw.type == LOADER_TYPE_PFLASH;
	bool smm = pflash && def->fw.secure == DOMAIN_TRISTATE_ON;
	/* an accelerator with properties needs -accel, which QEMU will
	 * not have beside -machine accel= */
	_cleanup_free_ char *acc = qemu_accel_option(def, accel);
	_cleanup_free_ char *s =
		xasprintf("%s%s%s%s%s%s", def->machine ? def->machine : "pc",
			  acc ? "" : ",accel=", acc ? "" : accel,
			  !pflash ? ""
			  : qemu_pflash_chips(def) == 1
				  ? ",pflash0=pflash0"
				  : ",pflash0=pflash0,pflash1=pflash1",
			  smm ? ",smm=on" : "",
			  /* libvirt's rule: ACPI only with <features><acpi/> */
			  def->hw.acpi ? "" : ",acpi=off");

	arg(a, "-machine");
	arg(a, s);
	if (acc) {
		arg(a, "-accel");
		arg(a, acc);
	}
	if (smm) {
		arg(a, "-global");
		arg(a, "driver=cfi.pflash01,property=secure,value=on");
	}
}

void qemu_argv_build(struct qemu_argv *a, const char *emulator,
		     const char *accel, const struct domain_def *def,
		     const struct block_chain *chains)
{
	char uuid[37];
	_cleanup_free_ char *s = NULL;

	uuid_unparse_lower(def->uuid, uuid);
	arg(a, emulator);
	s = xasprintf("guest=%s", def->name);
	arg(a, "-name");
	arg(a, s);
	free(steal_ptr(s));
	arg(a, "-uuid");
	arg(a, uuid);
	/* held before the first instruction until nidod says cont */
	arg(a, "-S");
	arg(a, "-no-user-config");
	arg(a, "-nodefaults");
	machine_arg(a, def, accel);
	s = qemu_memory_option(def);
	arg(a, "-m");
	arg(a, s);
	free(steal_ptr(s));
	qemu_argv_memory(a, def);
	qemu_argv_cpu(a, emulator, def);
	qemu_argv_platform(a, def);
	s = qemu_smp_option(def);
	arg(a, "-smp");
	arg(a, s);
	free(steal_ptr(s));
	s = xasprintf("socket,id=monitor,fd=%d,server=on,wait=off",
		      QEMU_MONITOR_FD);
	arg(a, "-chardev");
	arg(a, s);
	arg(a, "-mon");
	arg(a, "chardev=monitor,mode=control");
	if (def->on_reboot != DOMAIN_LIFECYCLE_RESTART) {
		/* the guest's reset ends QEMU, as on_reboot says */
		arg(a, "-action");
		arg(a, "reboot=shutdown");
	}
	qemu_argv_machine_options(a, def);
	qemu_argv_display(a, def);
	arg(a, "-sandbox");
	arg(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
	       "resourcecontrol=deny");
	qemu_argv_pci_controllers(a, def);
	qemu_argv_disks(a, def, chains);
	device_args(a, def);
}
