// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The platform's devices beside the guest's own (domain_conf_hw.h):
 * <iommu model='intel'> with its <driver> switches, QEMU's emulated
 * VT-d. Values are checked here; what a machine and an accelerator
 * allow of it is the driver's to say.
 */
#include <errno.h>

#include "daemon/domain_conf_hw.h"

static const char *const on_off[] = {"on", "off", NULL};

/* <driver @attr='on|off'> into @out. */
static int switch_attr(const xmlNode *drv, const char *attr,
		       enum domain_tristate *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(drv, attr);
	_cleanup_free_ char *what = xasprintf("iommu driver %s", attr);
	int r;

	if (!v)
		return 0;
	if ((r = xml_enum(drv, what, v, on_off, e)) < 0)
		return r;
	*out = r ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	return 0;
}

static int parse_iommu_driver(const xmlNode *drv, struct domain_iommu *m,
			      struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *aw = xml_attr(drv, "aw_bits");
	uint64_t u;

	xml_check_known(drv,
			(const char *const[]){"intremap", "caching_mode", "eim",
					      "iotlb", "aw_bits", NULL},
			NULL, w);
	if (switch_attr(drv, "intremap", &m->intremap, e) < 0 ||
	    switch_attr(drv, "caching_mode", &m->caching_mode, e) < 0 ||
	    switch_attr(drv, "eim", &m->eim, e) < 0 ||
	    switch_attr(drv, "iotlb", &m->iotlb, e) < 0)
		return -EINVAL;
	if (!aw)
		return 0;
	/* VT-d's address widths: 3-level (39) or 4-level (48) tables */
	if (xml_uint(drv, "iommu driver aw_bits", aw, 39, 48, &u, e) < 0)
		return -EINVAL;
	if (u != 39 && u != 48)
		return xml_err(e, drv,
			       "invalid iommu driver aw_bits '%s' (39 or 48)",
			       aw);
	m->aw_bits = (unsigned)u;
	return 0;
}

int domain_parse_iommu(const xmlNode *n, struct domain_def *d,
		       struct xml_warnings *w, struct err **e)
{
	struct domain_iommu *m = &d->hw.iommu;
	_cleanup_free_ char *model = xml_attr(n, "model");
	const xmlNode *drv = xml_child(n, "driver");

	if (m->present)
		return xml_err(e, n, "a second <iommu>: one IOMMU");
	if (!model)
		return xml_err(e, n, "<iommu> without model");
	if (!streq(model, "intel"))
		return xml_err(e, n,
			       "<iommu model='%s'> not supported (intel: "
			       "QEMU's VT-d)",
			       model);
	xml_check_known(n, (const char *const[]){"model", NULL},
			(const char *const[]){"driver", NULL}, w);
	m->present = true;
	return drv ? parse_iommu_driver(drv, m, w, e) : 0;
}

static void put_switch(FILE *f, const char *attr, enum domain_tristate t)
{
	if (t)
		fprintf(f, " %s='%s'", attr,
			t == DOMAIN_TRISTATE_ON ? "on" : "off");
}

void domain_format_iommu(FILE *f, const struct domain_def *d)
{
	const struct domain_iommu *m = &d->hw.iommu;

	if (!m->present)
		return;
	if (!m->intremap && !m->caching_mode && !m->eim && !m->iotlb &&
	    !m->aw_bits) {
		fputs("    <iommu model='intel'/>\n", f);
		return;
	}
	fputs("    <iommu model='intel'>\n      <driver", f);
	put_switch(f, "intremap", m->intremap);
	put_switch(f, "caching_mode", m->caching_mode);
	put_switch(f, "eim", m->eim);
	put_switch(f, "iotlb", m->iotlb);
	if (m->aw_bits)
		fprintf(f, " aw_bits='%u'", m->aw_bits);
	fputs("/>\n    </iommu>\n", f);
}
