// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The machine's small platform features on QEMU's command line
 * (driver-qemu.h), as libvirt gives them: the vmgenid and vmcoreinfo
 * devices, -machine vmport=, the Q35 MCH's extended TSEG, the host
 * bridge's 64-bit PCI hole and -boot reboot-timeout=; and what the
 * machine must be for them.
 */
#include <errno.h>
#include <inttypes.h>
#include <uuid/uuid.h>

#include "daemon/driver-qemu.h"
#include "lib/json.h"

int qemu_check_machine_opts(const struct domain_def *d, struct err **e)
{
	const struct domain_machine_opts *m = &d->hw.mach;

	if (m->tseg && !qemu_is_q35(d))
		return err_set(e, ENOTSUP,
			       "<smm><tseg>: SMM's TSEG size is the Q35 "
			       "MCH's, machine '%s' has none",
			       d->machine ? d->machine : "pc");
	return 0;
}

static void global(struct qemu_argv *a, char *s)
{
	qemu_arg(a, "-global");
	qemu_arg(a, s);
	free(s);
}

static void devices(struct qemu_argv *a, const struct domain_machine_opts *m)
{
	struct json_object *o;
	char guid[37];

	if (m->genid) {
		o = json_object_new_object();
		uuid_unparse_lower(m->genid_uuid, guid);
		json_object_object_add(o, "driver",
				       json_object_new_string("vmgenid"));
		json_object_object_add(o, "guid", json_object_new_string(guid));
		json_object_object_add(o, "id",
				       json_object_new_string("vmgenid0"));
		qemu_arg_json(a, "-device", o);
	}
	if (m->vmcoreinfo == DOMAIN_TRISTATE_ON) {
		o = json_object_new_object();
		json_object_object_add(o, "driver",
				       json_object_new_string("vmcoreinfo"));
		qemu_arg_json(a, "-device", o);
	}
}

void qemu_argv_machine_extras(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_machine_opts *m = &def->hw.mach;

	if (m->vmport) {
		qemu_arg(a, "-machine");
		qemu_arg(a, m->vmport == DOMAIN_TRISTATE_ON ? "vmport=on"
							    : "vmport=off");
	}
	if (m->tseg)
		global(a, xasprintf("mch.extended-tseg-mbytes=%" PRIu64,
				    m->tseg_mib));
	if (m->pcihole64)
		global(a, xasprintf("%s.pci-hole64-size=%" PRIu64 "K",
				    qemu_is_q35(def) ? "q35-pcihost"
						     : "i440FX-pcihost",
				    m->pcihole64_kib));
	if (m->reboot_timeout_set) {
		_cleanup_free_ char *s =
			xasprintf("reboot-timeout=%d", m->reboot_timeout);

		qemu_arg(a, "-boot");
		qemu_arg(a, s);
	}
	devices(a, m);
}
