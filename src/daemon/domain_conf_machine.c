// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The machine's small platform features (domain_conf_machine.h): the
 * VM generation ID a guest reads to learn it was cloned or restored,
 * QEMU's vmcoreinfo device (the guest kernel's crash-dump notes), the
 * VMware I/O port, SMM's TSEG size, the BIOS's reboot timeout after a
 * failed boot and the size of the 64-bit PCI hole, read and written as
 * libvirt has them.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <uuid/uuid.h>

#include "daemon/domain_conf_machine.h"
#include "lib/size.h"

static const char *const on_off[] = {"", "on", "off", NULL};

/* <genid>UUID</genid>, or an empty <genid/>: one made now, kept from
 * then on, as libvirt makes it. */
static int parse_genid(const xmlNode *n, struct domain_machine_opts *m,
		       struct err **e)
{
	_cleanup_free_ char *text = xml_text(n);

	if (xml_only_attrs(n, (const char *const[]){NULL}, "<genid> ", e) < 0)
		return -EINVAL;
	m->genid = true;
	if (!*text) {
		uuid_generate_random(m->genid_uuid);
		return 0;
	}
	if (uuid_parse(text, m->genid_uuid) < 0)
		return xml_err(e, n, "invalid genid '%s' (expected a UUID)",
			       text);
	return 0;
}

/* <bios rebootTimeout='-1..65535'/>: milliseconds before the BIOS
 * retries a failed boot; -1: it does not. */
static int parse_bios(const xmlNode *n, struct domain_machine_opts *m,
		      struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, "rebootTimeout");
	uint64_t u;

	xml_check_known(n, (const char *const[]){"rebootTimeout", NULL}, NULL,
			w);
	if (!v)
		return 0;
	if (streq(v, "-1")) {
		m->reboot_timeout = -1;
	} else if (xml_uint(n, "rebootTimeout", v, 0, 65535, &u, NULL) == 0) {
		m->reboot_timeout = (int)u;
	} else {
		return xml_err(e, n, "invalid rebootTimeout '%s' (-1 to 65535)",
			       v);
	}
	m->reboot_timeout_set = true;
	return 0;
}

int domain_parse_machine_opts(const xmlNode *root, const xmlNode *os,
			      struct domain_def *d, struct xml_warnings *w,
			      struct err **e)
{
	const xmlNode *n;

	if ((n = xml_child(root, "genid")) &&
	    parse_genid(n, &d->hw.mach, e) < 0)
		return -EINVAL;
	if (os && (n = xml_child(os, "bios")) &&
	    parse_bios(n, &d->hw.mach, w, e) < 0)
		return -EINVAL;
	return 0;
}

/* A size @n's text in @unit= (@def_unit when absent) into *@bytes. */
static int parse_size(const xmlNode *n, const char *def_unit, uint64_t *bytes,
		      struct err **e)
{
	_cleanup_free_ char *text = xml_text(n);
	_cleanup_free_ char *unit = xml_attr(n, "unit");
	_cleanup_err_ struct err *why = NULL;

	if (xml_only_attrs(n, (const char *const[]){"unit", NULL}, "", e) < 0)
		return -EINVAL;
	if (size_parse_unit(text, unit ? unit : def_unit, bytes, &why) < 0)
		return xml_err(e, n, "%s", err_msg(why));
	return 0;
}

/* <smm state='on|off'> and its <tseg unit='MiB'>N</tseg>. */
static int parse_smm(const xmlNode *smm, struct domain_hw *hw,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *state = xml_attr(smm, "state");
	const xmlNode *tseg = xml_child(smm, "tseg");
	uint64_t bytes;
	int r;

	xml_check_known(smm, (const char *const[]){"state", NULL},
			(const char *const[]){"tseg", NULL}, w);
	if (!state)
		return xml_err(e, smm, "<smm> without state");
	if ((r = xml_enum(smm, "smm state", state, on_off + 1, e)) < 0)
		return r;
	hw->smm = (enum domain_tristate)(r + 1);
	if (!tseg)
		return 0;
	if (hw->smm != DOMAIN_TRISTATE_ON)
		return xml_err(e, tseg, "<tseg> with SMM turned off");
	if (parse_size(tseg, "MiB", &bytes, e) < 0)
		return -EINVAL;
	if (bytes % (1024 * 1024))
		return xml_err(e, tseg,
			       "SMM TSEG size %" PRIu64 " bytes: not a whole "
			       "number of MiB",
			       bytes);
	if (bytes / (1024 * 1024) > UINT16_MAX)
		return xml_err(e, tseg,
			       "SMM TSEG size %" PRIu64 " MiB: more than "
			       "QEMU's 65535",
			       bytes / (1024 * 1024));
	hw->mach.tseg = true;
	hw->mach.tseg_mib = bytes / (1024 * 1024);
	return 0;
}

/* <@tag state='on|off'/>, the state 'on' when absent. */
static int parse_state(const xmlNode *features, const char *tag,
		       enum domain_tristate *out, struct xml_warnings *w,
		       struct err **e)
{
	const xmlNode *n = xml_child(features, tag);
	_cleanup_free_ char *what = xasprintf("%s state", tag);
	int r;

	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){"state", NULL}, NULL, w);
	if (xml_enum_attr(n, "state", what, on_off, &r, e) < 0)
		return -EINVAL;
	*out = r ? (enum domain_tristate)r : DOMAIN_TRISTATE_ON;
	return 0;
}

int domain_parse_machine_features(const xmlNode *features, struct domain_hw *hw,
				  struct xml_warnings *w, struct err **e)
{
	const xmlNode *smm = xml_child(features, "smm");

	if (parse_state(features, "vmcoreinfo", &hw->mach.vmcoreinfo, w, e) <
		    0 ||
	    parse_state(features, "vmport", &hw->mach.vmport, w, e) < 0)
		return -EINVAL;
	return smm ? parse_smm(smm, hw, w, e) : 0;
}

int domain_parse_pcihole64(const xmlNode *c, bool root, struct domain_hw *hw,
			   struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(c, "pcihole64");
	uint64_t bytes;

	(void)w;
	if (!n)
		return 0;
	if (!root)
		return xml_err(e, n,
			       "<pcihole64> on a controller that is not "
			       "the root one (pci-root, pcie-root)");
	if (hw->mach.pcihole64)
		return xml_err(e, n, "a second <pcihole64>");
	if (parse_size(n, "KiB", &bytes, e) < 0)
		return -EINVAL;
	if (bytes % 1024)
		return xml_err(e, n,
			       "<pcihole64> %" PRIu64 " bytes: not a whole "
			       "number of KiB",
			       bytes);
	hw->mach.pcihole64 = true;
	hw->mach.pcihole64_kib = bytes / 1024;
	return 0;
}

void domain_format_genid(FILE *f, const struct domain_def *d)
{
	char s[37];

	if (!d->hw.mach.genid)
		return;
	uuid_unparse_lower(d->hw.mach.genid_uuid, s);
	fprintf(f, "  <genid>%s</genid>\n", s);
}

void domain_format_bios(FILE *f, const struct domain_def *d)
{
	if (d->hw.mach.reboot_timeout_set)
		fprintf(f, "    <bios rebootTimeout='%d'/>\n",
			d->hw.mach.reboot_timeout);
}

void domain_format_machine_features(FILE *f, const struct domain_hw *hw)
{
	const struct domain_machine_opts *m = &hw->mach;

	if (m->vmport)
		fprintf(f, "    <vmport state='%s'/>\n", on_off[m->vmport]);
	if (hw->smm && m->tseg)
		fprintf(f,
			"    <smm state='%s'>\n      <tseg unit='MiB'>%" PRIu64
			"</tseg>\n    </smm>\n",
			on_off[hw->smm], m->tseg_mib);
	else if (hw->smm)
		fprintf(f, "    <smm state='%s'/>\n", on_off[hw->smm]);
	if (m->vmcoreinfo)
		fprintf(f, "    <vmcoreinfo state='%s'/>\n",
			on_off[m->vmcoreinfo]);
}

bool domain_format_pcihole64(FILE *f, const struct domain_hw *hw)
{
	if (!hw->mach.pcihole64)
		return false;
	fprintf(f, "      <pcihole64 unit='KiB'>%" PRIu64 "</pcihole64>\n",
		hw->mach.pcihole64_kib);
	return true;
}

const char *domain_machine_opts_qemu_only(const struct domain_hw *hw)
{
	const struct domain_machine_opts *m = &hw->mach;

	return m->genid		       ? "<genid>"
	       : m->vmcoreinfo	       ? "<vmcoreinfo>"
	       : m->vmport	       ? "<vmport>"
	       : m->tseg	       ? "<smm><tseg>"
	       : m->reboot_timeout_set ? "<bios rebootTimeout>"
	       : m->pcihole64	       ? "<pcihole64>"
				       : NULL;
}
