// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The <features> that shape what the vCPUs show the guest
 * (struct domain_cpu_features): <hyperv> (Hyper-V enlightenments for
 * Windows guests), <kvm> (KVM's paravirtual features and its
 * signature), <pmu>, <pvspinlock>, and <ioapic> (whose IOAPIC: KVM's
 * in the kernel or QEMU's). Values are checked here; which
 * an accelerator can act on is the driver's to say (TCG has none of
 * the paravirtual ones).
 */
#include <errno.h>

#include "daemon/domain_conf_hw.h"

const char *const hyperv_names[] = {
	"relaxed",     "vapic",		  "spinlocks",
	"vpindex",     "runtime",	  "synic",
	"stimer",      "reset",		  "vendor_id",
	"frequencies", "reenlightenment", "tlbflush",
	"ipi",	       "evmcs",		  "avic",
	NULL};
const char *const kvm_feature_names[] = {"hidden",	 "hint-dedicated",
					 "poll-control", "pv-ipi",
					 "dirty-ring",	 NULL};
static const char *const on_off[] = {"on", "off", NULL};

/* <@n state='on|off'>: required when @required, else absent is on (as
 * libvirt reads <pmu/>). */
static int parse_state(const xmlNode *n, bool required,
		       enum domain_tristate *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, "state");
	int r;

	if (!v && required)
		return xml_err(e, n, "<%s> without state",
			       (const char *)n->name);
	if (!v) {
		*out = DOMAIN_TRISTATE_ON;
		return 0;
	}
	if ((r = xml_enum(n, (const char *)n->name, v, on_off, e)) < 0)
		return r;
	*out = r ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	return 0;
}

/* Hyper-V's vendor id: up to 12 characters that need no quoting in
 * QEMU's -cpu list. */
static bool vendor_ok(const char *s)
{
	size_t n = strlen(s);

	return n && n <= 12 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789 _.-") == n;
}

static int parse_hv_values(const xmlNode *x, enum hyperv_feature i,
			   struct domain_cpu_features *f,
			   struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *v = NULL;
	uint64_t u;

	if (i == HV_SPINLOCKS && f->hv[i] == DOMAIN_TRISTATE_ON) {
		xml_check_known(x, (const char *const[]){"state", "retries", 0},
				NULL, w);
		v = xml_attr(x, "retries");
		if (!v)
			return xml_err(e, x,
				       "<spinlocks state='on'> without "
				       "retries");
		if (xml_uint(x, "spinlocks retries", v, 4095, UINT32_MAX, &u,
			     e) < 0)
			return -EINVAL;
		f->hv_retries = (unsigned)u;
	} else if (i == HV_VENDOR_ID && f->hv[i] == DOMAIN_TRISTATE_ON) {
		xml_check_known(x, (const char *const[]){"state", "value", 0},
				NULL, w);
		v = xml_attr(x, "value");
		if (!v || !vendor_ok(v))
			return xml_err(e, x,
				       "invalid Hyper-V vendor_id value '%s' "
				       "(1 to 12 letters, digits, spaces, "
				       "'_', '.' or '-')",
				       v ? v : "");
		f->hv_vendor_id = steal_ptr(v);
	} else if (i == HV_STIMER) {
		const xmlNode *d = xml_child(x, "direct");

		xml_check_known(x, (const char *const[]){"state", 0},
				(const char *const[]){"direct", 0}, w);
		if (d && parse_state(d, true, &f->hv_stimer_direct, e) < 0)
			return -EINVAL;
	} else if (i != HV_SPINLOCKS && i != HV_VENDOR_ID) {
		xml_check_known(x, (const char *const[]){"state", 0}, NULL, w);
	}
	return 0;
}

static int parse_hyperv(const xmlNode *n, struct domain_cpu_features *f,
			struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *mode = xml_attr(n, "mode");
	int r;

	xml_check_known(n, (const char *const[]){"mode", NULL}, hyperv_names,
			w);
	f->hyperv = true;
	if (mode &&
	    (r = xml_enum(n, "hyperv mode", mode,
			  (const char *const[]){"custom", "passthrough", NULL},
			  e)) < 0)
		return r;
	f->hyperv_passthrough = mode && streq(mode, "passthrough");
	for (const xmlNode *x = n->children; x; x = x->next) {
		int i;

		if (x->type != XML_ELEMENT_NODE || x->ns)
			continue;
		for (i = 0; hyperv_names[i]; i++)
			if (xmlStrEqual(x->name, BAD_CAST hyperv_names[i]))
				break;
		if (!hyperv_names[i])
			continue; /* warned above */
		if (f->hv[i])
			return xml_err(e, x, "<hyperv><%s> given twice",
				       hyperv_names[i]);
		if (parse_state(x, true, &f->hv[i], e) < 0 ||
		    parse_hv_values(x, (enum hyperv_feature)i, f, w, e) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_kvm(const xmlNode *n, struct domain_cpu_features *f,
		     struct xml_warnings *w, struct err **e)
{
	xml_check_known(n, NULL, kvm_feature_names, w);
	f->kvm = true;
	for (int i = 0; i < KVMF_N; i++) {
		const xmlNode *x = xml_child(n, kvm_feature_names[i]);
		_cleanup_free_ char *size = NULL;
		uint64_t u;

		if (!x)
			continue;
		xml_check_known(x,
				(const char *const[]){
					"state",
					i == KVMF_DIRTY_RING ? "size" : NULL,
					NULL},
				NULL, w);
		if (parse_state(x, true, &f->kvm_f[i], e) < 0)
			return -EINVAL;
		if (i != KVMF_DIRTY_RING || f->kvm_f[i] != DOMAIN_TRISTATE_ON)
			continue;
		/* KVM's rule: a power of two, 1024 to 65536 entries */
		size = xml_attr(x, "size");
		if (!size)
			return xml_err(e, x,
				       "<dirty-ring state='on'> "
				       "without size");
		if (xml_uint(x, "dirty-ring size", size, 1024, 65536, &u, e) <
		    0)
			return -EINVAL;
		if (u & (u - 1))
			return xml_err(e, x,
				       "invalid dirty-ring size '%s' (a power "
				       "of two, 1024 to 65536)",
				       size);
		f->dirty_ring_size = (unsigned)u;
	}
	return 0;
}

int domain_parse_cpu_features(const xmlNode *features, struct domain_hw *hw,
			      struct xml_warnings *w, struct err **e)
{
	struct domain_cpu_features *f = &hw->cpufeat;
	const xmlNode *n;

	if ((n = xml_child(features, "hyperv")) && parse_hyperv(n, f, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(features, "kvm")) && parse_kvm(n, f, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(features, "pmu"))) {
		xml_check_known(n, (const char *const[]){"state", NULL}, NULL,
				w);
		if (parse_state(n, false, &f->pmu, e) < 0)
			return -EINVAL;
	}
	if ((n = xml_child(features, "ioapic"))) {
		_cleanup_free_ char *drv = xml_attr(n, "driver");
		int r;

		xml_check_known(n, (const char *const[]){"driver", NULL}, NULL,
				w);
		if (!drv)
			return xml_err(e, n, "<ioapic> without driver");
		if ((r = xml_enum(n, "ioapic driver", drv,
				  (const char *const[]){"kvm", "qemu", NULL},
				  e)) < 0)
			return r;
		f->ioapic = r + 1;
	}
	if ((n = xml_child(features, "pvspinlock"))) {
		xml_check_known(n, (const char *const[]){"state", NULL}, NULL,
				w);
		if (parse_state(n, false, &f->pvspinlock, e) < 0)
			return -EINVAL;
	}
	return 0;
}

static const char *state(enum domain_tristate t)
{
	return t == DOMAIN_TRISTATE_ON ? "on" : "off";
}

static void format_hyperv(FILE *o, const struct domain_cpu_features *f)
{
	fprintf(o, "    <hyperv mode='%s'",
		f->hyperv_passthrough ? "passthrough" : "custom");
	for (int i = 0; i < HV_N; i++)
		if (f->hv[i])
			goto children;
	fputs("/>\n", o);
	return;
children:
	fputs(">\n", o);
	for (int i = 0; i < HV_N; i++) {
		if (!f->hv[i])
			continue;
		fprintf(o, "      <%s state='%s'", hyperv_names[i],
			state(f->hv[i]));
		if (i == HV_SPINLOCKS && f->hv_retries)
			fprintf(o, " retries='%u'", f->hv_retries);
		if (i == HV_VENDOR_ID && f->hv_vendor_id)
			fprintf(o, " value='%s'", f->hv_vendor_id);
		if (i == HV_STIMER && f->hv_stimer_direct)
			fprintf(o,
				">\n        <direct state='%s'/>\n"
				"      </stimer>\n",
				state(f->hv_stimer_direct));
		else
			fputs("/>\n", o);
	}
	fputs("    </hyperv>\n", o);
}

void domain_format_cpu_features(FILE *o, const struct domain_hw *hw)
{
	const struct domain_cpu_features *f = &hw->cpufeat;

	if (f->hyperv)
		format_hyperv(o, f);
	if (f->kvm) {
		fputs("    <kvm>\n", o);
		for (int i = 0; i < KVMF_N; i++) {
			if (!f->kvm_f[i])
				continue;
			fprintf(o, "      <%s state='%s'", kvm_feature_names[i],
				state(f->kvm_f[i]));
			if (i == KVMF_DIRTY_RING && f->dirty_ring_size)
				fprintf(o, " size='%u'", f->dirty_ring_size);
			fputs("/>\n", o);
		}
		fputs("    </kvm>\n", o);
	}
	if (f->pvspinlock)
		fprintf(o, "    <pvspinlock state='%s'/>\n",
			state(f->pvspinlock));
	if (f->pmu)
		fprintf(o, "    <pmu state='%s'/>\n", state(f->pmu));
	if (f->ioapic)
		fprintf(o, "    <ioapic driver='%s'/>\n",
			f->ioapic == 1 ? "kvm" : "qemu");
}

void domain_cpu_features_clear(struct domain_cpu_features *f)
{
	free(f->hv_vendor_id);
	memset(f, 0, sizeof(*f));
}
