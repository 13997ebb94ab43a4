// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the qemu driver makes of the vCPUs' features (driver-qemu.h):
 * <cpu><cache> and <maxphysaddr>, <features><hyperv>, <kvm>, <pmu>,
 * <pvspinlock>, <apic eoi> and the kvmclock timer, as -cpu properties
 * named as libvirt names them; and the rules for them: what only KVM
 * implements is warned about with TCG, whose vCPUs have none of it
 * (QEMU filters KVM's paravirtual CPUID bits out and has no Hyper-V
 * leaves or PMU under TCG).
 */
#include <errno.h>

#include "daemon/domain_conf_hw.h"
#include "daemon/driver-qemu.h"

/* QEMU's -cpu property of each enum hyperv_feature. */
static const char *const hv_props[HV_N] = {
	"hv-relaxed",	  "hv-vapic",		"hv-spinlocks",
	"hv-vpindex",	  "hv-runtime",		"hv-synic",
	"hv-stimer",	  "hv-reset",		"hv-vendor-id",
	"hv-frequencies", "hv-reenlightenment", "hv-tlbflush",
	"hv-ipi",	  "hv-evmcs",		"hv-avic"};

static const char *on_off(enum domain_tristate t)
{
	return t == DOMAIN_TRISTATE_ON ? "on" : "off";
}

/* Hyper-V's: those on (QEMU has them off by default), or all of the
 * host's with passthrough. */
static void hyperv_props(FILE *f, const struct domain_cpu_features *x)
{
	if (x->hyperv_passthrough)
		fputs(",hv-passthrough=on", f);
	for (int i = 0; i < HV_N; i++) {
		if (x->hv[i] != DOMAIN_TRISTATE_ON)
			continue;
		if (i == HV_SPINLOCKS)
			fprintf(f, ",hv-spinlocks=%#x", x->hv_retries);
		else if (i == HV_VENDOR_ID)
			fprintf(f, ",hv-vendor-id=%s", x->hv_vendor_id);
		else
			fprintf(f, ",%s=on", hv_props[i]);
		if (i == HV_STIMER && x->hv_stimer_direct == DOMAIN_TRISTATE_ON)
			fputs(",hv-stimer-direct=on", f);
	}
}

static void kvm_props(FILE *f, const struct domain_cpu_features *x)
{
	static const char *const props[KVMF_N] = {NULL, "kvm-hint-dedicated",
						  "kvm-poll-control",
						  "kvm-pv-ipi", NULL};

	/* hidden: no KVM signature in CPUID, QEMU's kvm=off */
	if (x->kvm_f[KVMF_HIDDEN] == DOMAIN_TRISTATE_ON)
		fputs(",kvm=off", f);
	for (int i = 0; i < KVMF_N; i++)
		if (props[i] && x->kvm_f[i])
			fprintf(f, ",%s=%s", props[i], on_off(x->kvm_f[i]));
}

static void cache_props(FILE *f, const struct domain_cpu *c)
{
	/* host-cache-info is a property of QEMU's host and max CPUs */
	bool host = c->mode == CPU_MODE_HOST_PASSTHROUGH ||
		    c->mode == CPU_MODE_MAXIMUM;

	switch (c->cache_mode) {
	case 1: /* emulate: an L3 of QEMU's making */
		fputs(",l3-cache=on", f);
		if (host)
			fputs(",host-cache-info=off", f);
		break;
	case 2: /* passthrough: the host's caches as they are */
		fputs(",host-cache-info=on,l3-cache=off", f);
		break;
	case 3: /* disable */
		if (host)
			fputs(",host-cache-info=off", f);
		fputs(",l3-cache=off", f);
		break;
	}
}

char *qemu_cpu_props(const struct domain_def *def)
{
	const struct domain_hw *hw = &def->hw;
	const struct domain_cpu_features *x = &hw->cpufeat;
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	kvm_props(f, x);
	if (x->pvspinlock)
		fprintf(f, ",kvm-pv-unhalt=%s", on_off(x->pvspinlock));
	/* <apic eoi=>: KVM's paravirtual end of interrupt */
	if (hw->apic_eoi)
		fprintf(f, ",kvm-pv-eoi=%s", on_off(hw->apic_eoi));
	/* <timer name='kvmclock' present=>: the paravirtual clock */
	if (hw->timers[TIMER_KVMCLOCK].present)
		fprintf(f, ",kvmclock=%s",
			hw->timers[TIMER_KVMCLOCK].present == 1 ? "on" : "off");
	hyperv_props(f, x);
	if (x->pmu)
		fprintf(f, ",pmu=%s", on_off(x->pmu));
	cache_props(f, &hw->cpu);
	if (hw->cpu.physaddr_mode == 1)
		fprintf(f, ",phys-bits=%u", hw->cpu.physaddr_bits);
	else if (hw->cpu.physaddr_mode == 2)
		fputs(",host-phys-bits=on", f);
	fclose(f);
	return s;
}

char *qemu_accel_option(const struct domain_def *def, const char *accel)
{
	unsigned ring = def->hw.cpufeat.dirty_ring_size;

	if (!streq(accel, "kvm") ||
	    def->hw.cpufeat.kvm_f[KVMF_DIRTY_RING] != DOMAIN_TRISTATE_ON)
		return NULL;
	return xasprintf("kvm,dirty-ring-size=%u", ring);
}

/* The KVM-only ones that are on, named, for a TCG guest's warning. */
static void warn_tcg(const struct domain_def *d, struct xml_warnings *w)
{
	const struct domain_cpu_features *x = &d->hw.cpufeat;
	bool hv = x->hyperv_passthrough;

	for (int i = 0; i < HV_N; i++)
		hv = hv || x->hv[i] == DOMAIN_TRISTATE_ON;
	if (hv)
		xml_warn_def(w, "<hyperv>: not acted on with TCG (type "
				"'qemu'), the Hyper-V enlightenments are "
				"KVM's");
	for (int i = KVMF_HINT_DEDICATED; i < KVMF_N; i++)
		if (x->kvm_f[i] == DOMAIN_TRISTATE_ON)
			xml_warn_def(w,
				     "<kvm><%s state='on'>: not acted on with "
				     "TCG (type 'qemu'), it is KVM's",
				     kvm_feature_names[i]);
	if (x->pvspinlock == DOMAIN_TRISTATE_ON)
		xml_warn_def(w, "<pvspinlock state='on'>: not acted on with "
				"TCG (type 'qemu'), paravirtual spinlocks are "
				"KVM's");
	if (x->ioapic == 1)
		xml_warn_def(w, "<ioapic driver='kvm'>: not acted on with TCG "
				"(type 'qemu'), whose IOAPIC is QEMU's");
	if (x->pmu == DOMAIN_TRISTATE_ON)
		xml_warn_def(w, "<pmu state='on'>: not acted on with TCG "
				"(type 'qemu'), which has no PMU to give");
}

int qemu_check_cpu_features(const struct domain_def *d, struct xml_warnings *w,
			    struct err **e)
{
	const struct domain_cpu *c = &d->hw.cpu;
	bool host = c->mode == CPU_MODE_HOST_PASSTHROUGH ||
		    c->mode == CPU_MODE_MAXIMUM;

	if (c->cache_mode == 2 && !host)
		return err_set(e, ENOTSUP,
			       "<cache mode='passthrough'> needs <cpu "
			       "mode='host-passthrough'> or 'maximum' (QEMU "
			       "passes the host's caches only there)");
	if (c->physaddr_mode == 2 && c->mode != CPU_MODE_HOST_PASSTHROUGH)
		return err_set(e, ENOTSUP,
			       "<maxphysaddr mode='passthrough'> needs <cpu "
			       "mode='host-passthrough'>");
	if (d->virt == DOMAIN_VIRT_QEMU)
		warn_tcg(d, w);
	return 0;
}
