// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's command line for the machine around the guest (driver-qemu.h):
 * SCSI controllers and disks, the balloon, the watchdog, the panic
 * device, the clock, the boot menu, an i686 guest's CPU. Devices as
 * JSON, at the PCI address driver-qemu-pci.c plans.
 */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "daemon/domain_conf_audio.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

static void add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *k, int v)
{
	json_object_object_add(o, k, json_object_new_int(v));
}

/* QEMU's device of each SCSI model, as libvirt names them. */
static const char *scsi_device(enum controller_model m)
{
	switch (m) {
	case CONTROLLER_MODEL_VIRTIO_SCSI:
		return "virtio-scsi-pci";
	case CONTROLLER_MODEL_VIRTIO_TRANSITIONAL:
		return "virtio-scsi-pci-transitional";
	case CONTROLLER_MODEL_VIRTIO_NON_TRANSITIONAL:
		return "virtio-scsi-pci-non-transitional";
	case CONTROLLER_MODEL_LSISAS1068:
		return "mptsas1068";
	case CONTROLLER_MODEL_LSISAS1078:
		return "megasas";
	case CONTROLLER_MODEL_VMPVSCSI:
		return "pvscsi";
	case CONTROLLER_MODEL_AM53C974:
		return "am53c974";
	case CONTROLLER_MODEL_DC390:
		return "dc390";
	default:
		return "lsi";
	}
}

static void add_switch(struct json_object *o, const char *k,
		       enum domain_tristate v)
{
	if (v)
		json_object_object_add(
			o, k, json_object_new_boolean(v == DOMAIN_TRISTATE_ON));
}

void qemu_json_virtio_driver(struct json_object *o,
			     const struct controller_driver *v)
{
	_cleanup_free_ char *t =
		v->iothread ? xasprintf("iothread%u", v->iothread) : NULL;

	if (v->queues)
		add_int(o, "num_queues", (int)v->queues);
	if (v->cmd_per_lun)
		json_object_object_add(o, "cmd_per_lun",
				       json_object_new_uint64(v->cmd_per_lun));
	if (v->max_sectors)
		json_object_object_add(o, "max_sectors",
				       json_object_new_uint64(v->max_sectors));
	add_switch(o, "ioeventfd", v->ioeventfd);
	if (t)
		add_str(o, "iothread", t);
	add_switch(o, "iommu_platform", v->iommu);
	add_switch(o, "ats", v->ats);
	add_switch(o, "packed", v->packed);
	add_switch(o, "page-per-vq", v->page_per_vq);
}

void qemu_argv_controllers(struct qemu_argv *a, const struct domain_def *def)
{
	for (size_t i = 0; i < def->hw.n_controllers; i++) {
		const struct domain_controller *c = &def->hw.controllers[i];
		struct json_object *o;
		_cleanup_free_ char *id = NULL;

		if (c->type != CONTROLLER_SCSI)
			continue;
		o = json_object_new_object();
		id = xasprintf("scsi%u", c->index);
		add_str(o, "driver", scsi_device(c->model));
		add_str(o, "id", id);
		qemu_json_virtio_driver(o, &c->driver);
		qemu_json_pci(o, def, QEMU_PCI_SCSI, i);
		qemu_arg_json(a, "-device", o);
	}
}

bool qemu_scsi_unit_only(enum controller_model m)
{
	return m == CONTROLLER_MODEL_LSILOGIC ||
	       m == CONTROLLER_MODEL_AM53C974 || m == CONTROLLER_MODEL_DC390;
}

/*
 * scsi-hd or scsi-cd on its controller's bus: most controllers address
 * a target and a LUN, the LSI and the ESPs a target alone.
 */
void qemu_json_scsi_disk(struct json_object *o, const struct domain_def *def,
			 const struct domain_disk *d)
{
	struct disk_drive_addr p;
	const struct domain_controller *c;
	_cleanup_free_ char *bus = NULL;

	qemu_scsi_place(d, &p);
	c = domain_find_controller(def, CONTROLLER_SCSI, p.controller);
	bus = xasprintf("scsi%u.0", p.controller);
	add_str(o, "driver",
		d->device == DISK_DEVICE_CDROM ? "scsi-cd" : "scsi-hd");
	add_str(o, "bus", bus);
	/* the LSI and the ESPs address a target (libvirt's unit) alone */
	if (c && !qemu_scsi_unit_only(c->model)) {
		add_int(o, "channel", 0);
		add_int(o, "scsi-id", (int)p.target);
		add_int(o, "lun", (int)p.unit);
	} else {
		add_int(o, "scsi-id", (int)p.unit);
	}
}

/* An <audio> attribute's value as QEMU's JSON wants it. */
static struct json_object *audio_value(const struct audio_opt *o)
{
	switch (domain_audio_keys[o->key].kind) {
	case AUDIO_UINT:
		return json_object_new_uint64(strtoull(o->value, NULL, 10));
	case AUDIO_BOOL:
		return json_object_new_boolean(streq(o->value, "yes"));
	default:
		return json_object_new_string(o->value);
	}
}

/*
 * -audiodev {"driver": ..., "id": "audioN", ..., "in": {...}, "out":
 * {...}} for each <audio id='N'>, as libvirt names it; the sound devices
 * that play through it name that id.
 */
static void audiodevs(struct qemu_argv *a, const struct domain_def *def)
{
	for (size_t i = 0; i < def->hw.n_audios; i++) {
		const struct domain_audio *au = &def->hw.audios[i];
		struct json_object *o = json_object_new_object();
		struct json_object *dir[3] = {o, NULL, NULL};
		_cleanup_free_ char *id = xasprintf("audio%u", au->id);

		add_str(o, "driver", domain_audio_qemu_names[au->type]);
		add_str(o, "id", id);
		for (size_t j = 0; j < au->n_opts; j++) {
			const struct audio_opt *op = &au->opts[j];

			if (!domain_audio_keys[op->key].qemu)
				continue; /* not an -audiodev key */
			if (!dir[op->dir]) {
				dir[op->dir] = json_object_new_object();
				json_object_object_add(
					o, op->dir == 1 ? "in" : "out",
					dir[op->dir]);
			}
			json_object_object_add(dir[op->dir],
					       domain_audio_keys[op->key].qemu,
					       audio_value(op));
		}
		qemu_arg_json(a, "-audiodev", o);
	}
}

void qemu_argv_hw_devices(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_hw *hw = &def->hw;
	struct json_object *o;

	audiodevs(a, def);
	/* no <memballoon>: libvirt's default, a virtio balloon */
	if (hw->balloon != BALLOON_NONE) {
		o = json_object_new_object();
		add_str(o, "driver", "virtio-balloon-pci");
		add_str(o, "id", "balloon0");
		qemu_json_pci(o, def, QEMU_PCI_BALLOON, 0);
		qemu_json_virtio(o, &hw->balloon_virtio);
		if (hw->balloon_autodeflate)
			json_object_object_add(
				o, "deflate-on-oom",
				json_object_new_boolean(
					hw->balloon_autodeflate ==
					DOMAIN_TRISTATE_ON));
		if (hw->balloon_free_page_reporting)
			json_object_object_add(
				o, "free-page-reporting",
				json_object_new_boolean(
					hw->balloon_free_page_reporting ==
					DOMAIN_TRISTATE_ON));
		qemu_arg_json(a, "-device", o);
	}
	if (hw->watchdog) {
		o = json_object_new_object();
		add_str(o, "driver",
			hw->watchdog == WATCHDOG_I6300ESB ? "i6300esb"
							  : "ib700");
		add_str(o, "id", "watchdog0");
		if (hw->watchdog == WATCHDOG_I6300ESB)
			qemu_json_pci(o, def, QEMU_PCI_WATCHDOG, 0);
		qemu_arg_json(a, "-device", o);
	}
	if (hw->panic) {
		o = json_object_new_object();
		add_str(o, "driver", "pvpanic");
		add_int(o, "ioport", 0x505);
		qemu_arg_json(a, "-device", o);
	}
}

/* -cpu MODEL,+feature,-feature for <cpu>, and the properties of the
 * <features> that shape the vCPUs; NULL: QEMU's default. */
static char *cpu_option(const char *emulator, const struct domain_def *def)
{
	const struct domain_cpu *c = &def->hw.cpu;
	const char *base = strrchr(emulator, '/');
	bool i686 = streq(def->arch, "i686");
	const char *model = c->model;
	_cleanup_free_ char *props = qemu_cpu_props(def);
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	base = base ? base + 1 : emulator;
	/* host-model: QEMU's host CPU with only what a migration keeps
	 * (migratable=on, said here: it is what host-model means) */
	if (c->mode == CPU_MODE_HOST_MODEL)
		model = "host,migratable=on";
	else if (c->mode == CPU_MODE_HOST_PASSTHROUGH)
		model = "host";
	else if (c->mode == CPU_MODE_MAXIMUM)
		model = "max";
	/* an i686 guest on the 64-bit QEMU gets a 32-bit CPU, as libvirt
	 * gives it; qemu-system-i386's default is one */
	if (!model && (c->n_features || *props ||
		       (i686 && !streq(base, "qemu-system-i386"))))
		model = i686 ? "qemu32" : "qemu64";
	if (!model)
		return NULL;
	f = open_memstream(&s, &len);
	fputs(model, f);
	/* force, require, optional: on; disable, forbid: off. QEMU turns
	 * on what the accelerator has and drops the rest (its check=on),
	 * which is what optional asks */
	for (size_t i = 0; i < c->n_features; i++)
		fprintf(f, ",%c%s", c->features[i].policy <= 2 ? '+' : '-',
			c->features[i].name);
	fputs(props, f);
	fclose(f);
	return s;
}

void qemu_argv_cpu(struct qemu_argv *a, const char *emulator,
		   const struct domain_def *def)
{
	_cleanup_free_ char *s = cpu_option(emulator, def);

	if (s) {
		qemu_arg(a, "-cpu");
		qemu_arg(a, s);
	}
}

char *qemu_smp_option(const struct domain_def *def)
{
	const struct domain_cpu *c = &def->hw.cpu;
	/* <vcpu current=>: those run from the start, the others can be
	 * added up to the maximum */
	_cleanup_free_ char *max =
		def->vcpus_current < def->vcpus
			? xasprintf(",maxcpus=%u", def->vcpus)
			: xstrdup("");

	if (!c->sockets)
		return xasprintf("%u%s", def->vcpus_current, max);
	return xasprintf("%u%s,sockets=%u,dies=%u,cores=%u,threads=%u",
			 def->vcpus_current, max, c->sockets, c->dies, c->cores,
			 c->threads);
}

/*
 * -rtc base=, clock= (<timer name='rtc' track=>: guest vm, wall host,
 * realtime rt) and driftfix=slew (tickpolicy='catchup'); the PIT's lost
 * tick policy (kvm-pit's: delay, slew for catchup, discard), the HPET
 * off, as libvirt gives them.
 */
/* -rtc base= for @hw's offset: utc, localtime (also a timezone's, QEMU
 * in TZ=), or the date of now plus an adjustment, or a fixed start. */
static char *rtc_base(const struct domain_hw *hw)
{
	long long t = hw->clock == CLOCK_ABSOLUTE ? hw->clock_start
						  : (long long)time(NULL);
	time_t tt;
	struct tm tm;

	switch (hw->clock) {
	case CLOCK_LOCALTIME:
	case CLOCK_TIMEZONE:
		return xstrdup("localtime");
	case CLOCK_VARIABLE:
	case CLOCK_ABSOLUTE:
		if (hw->clock == CLOCK_VARIABLE)
			t += hw->clock_adjustment;
		tt = (time_t)MIN(MAX(t, 0), CLOCK_MAX_SECONDS);
		if (hw->clock_basis_local && hw->clock == CLOCK_VARIABLE)
			localtime_r(&tt, &tm);
		else
			gmtime_r(&tt, &tm);
		return xasprintf("%04d-%02d-%02dT%02d:%02d:%02d",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec);
	default:
		return xstrdup("utc");
	}
}

static void rtc_args(struct qemu_argv *a, const struct domain_hw *hw)
{
	static const char *const clock[] = {"", ",clock=vm", ",clock=host",
					    ",clock=rt"};
	static const char *const lost[] = {"", "delay", "slew", "discard"};
	const struct domain_timer *rtc = &hw->timers[TIMER_RTC];
	const struct domain_timer *pit = &hw->timers[TIMER_PIT];
	_cleanup_free_ char *base = rtc_base(hw);
	_cleanup_free_ char *s =
		xasprintf("base=%s%s%s", base, clock[rtc->track],
			  rtc->tickpolicy == 2 ? ",driftfix=slew" : "");

	qemu_arg(a, "-rtc");
	qemu_arg(a, s);
	if (pit->tickpolicy) {
		free(s);
		s = xasprintf("kvm-pit.lost_tick_policy=%s",
			      lost[pit->tickpolicy]);
		qemu_arg(a, "-global");
		qemu_arg(a, s);
	}
	if (hw->timers[TIMER_HPET].present == 2) {
		qemu_arg(a, "-machine");
		qemu_arg(a, "hpet=off");
	}
}

/* <smm state=>; <pm>: the ACPI S3 and S4 the firmware offers, on the
 * machine's power management device (PIIX4's on pc, ICH9's on q35). */
static void pm_args(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_hw *hw = &def->hw;
	const char *dev = qemu_is_q35(def) ? "ICH9-LPC" : "PIIX4_PM";
	enum domain_tristate s[2] = {hw->s3, hw->s4};

	if (hw->smm) {
		qemu_arg(a, "-machine");
		qemu_arg(a,
			 hw->smm == DOMAIN_TRISTATE_ON ? "smm=on" : "smm=off");
	}
	for (int i = 0; i < 2; i++) {
		_cleanup_free_ char *o = NULL;

		if (!s[i])
			continue;
		o = xasprintf("%s.disable_s%d=%d", dev, i + 3,
			      s[i] == DOMAIN_TRISTATE_OFF);
		qemu_arg(a, "-global");
		qemu_arg(a, o);
	}
}

void qemu_argv_machine_options(struct qemu_argv *a,
			       const struct domain_def *def)
{
	const struct domain_hw *hw = &def->hw;
	_cleanup_free_ char *s = NULL;

	rtc_args(a, hw);
	pm_args(a, def);
	qemu_argv_machine_extras(a, def);
	if (hw->bootmenu) {
		s = hw->bootmenu == DOMAIN_TRISTATE_ON &&
				    hw->bootmenu_timeout_ms
			    ? xasprintf("menu=on,splash-time=%u",
					hw->bootmenu_timeout_ms)
			    : xasprintf("menu=%s",
					hw->bootmenu == DOMAIN_TRISTATE_ON
						? "on"
						: "off");
		qemu_arg(a, "-boot");
		qemu_arg(a, s);
		free(steal_ptr(s));
	}
	if (hw->watchdog) {
		s = xasprintf("watchdog=%s",
			      watchdog_action_names[hw->watchdog_action]);
		qemu_arg(a, "-action");
		qemu_arg(a, s);
	}
	/* <on_crash>preserve: a panicked guest stays, paused, as libvirt
	 * keeps it (QEMU's default shuts it down) */
	if (def->on_crash == DOMAIN_LIFECYCLE_PRESERVE) {
		qemu_arg(a, "-action");
		qemu_arg(a, "panic=pause");
	}
}

int qemu_net_boot_index(const struct domain_def *def)
{
	if (qemu_boot_per_device(def))
		return 0; /* per device, then */
	for (size_t k = 0; k < def->n_boot; k++)
		if (def->boot[k] == BOOT_DEV_NETWORK)
			return (int)k + 1;
	return 0;
}

int qemu_clock_env(const struct domain_def *def, char ***envp, struct err **e)
{
	extern char **environ;
	const char *tz = def->hw.clock_tz;
	_cleanup_free_ char *zone = NULL;
	size_t n = 0, k = 0;

	*envp = NULL;
	if (def->hw.clock != CLOCK_TIMEZONE)
		return 0;
	zone = xasprintf("/usr/share/zoneinfo/%s", tz);
	if (access(zone, R_OK) < 0)
		return err_sys(e, errno, "<clock timezone='%s'>: '%s'", tz,
			       zone);
	while (environ[n])
		n++;
	*envp = xcalloc(n + 2, sizeof(**envp));
	for (size_t i = 0; i < n; i++)
		if (!str_has_prefix(environ[i], "TZ="))
			(*envp)[k++] = xstrdup(environ[i]);
	(*envp)[k] = xasprintf("TZ=%s", tz);
	return 0;
}
