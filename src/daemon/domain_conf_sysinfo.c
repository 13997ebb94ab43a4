// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <sysinfo> and <os><smbios mode=> (struct domain_sysinfo): what the
 * firmware's SMBIOS tables say of the machine (BIOS, system, base
 * board, chassis, OEM strings), and named strings passed through
 * fw_cfg. libvirt's rules: each section's entry names, a BIOS date as
 * mm/dd/yy or mm/dd/yyyy, a release as major.minor, the system's uuid
 * the domain's own, fw_cfg names under "opt/".
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <uuid/uuid.h>

#include "daemon/domain_conf_hw.h"

const char *const sysinfo_smbios_modes[] = {"", "emulate", "host", "sysinfo",
					    NULL};
const char *const sysinfo_section_names[] = {
	"bios", "system", "baseBoard", "chassis", "oemStrings", "fwcfg", NULL};
/* The entries each SMBIOS section has, in QEMU's -smbios names. */
static const char *const section_keys[][8] = {
	{"vendor", "version", "date", "release", NULL},
	{"manufacturer", "product", "version", "serial", "uuid", "sku",
	 "family", NULL},
	{"manufacturer", "product", "version", "serial", "asset", "location",
	 NULL},
	{"manufacturer", "version", "serial", "asset", "sku", NULL},
};

/* Digits only, @min to @max of them, as a number. */
static bool digits(const char *s, size_t n, size_t min, size_t max,
		   unsigned *out)
{
	if (n < min || n > max || strspn(s, "0123456789") < n)
		return false;
	*out = (unsigned)strtoul(s, NULL, 10);
	return true;
}

/* mm/dd/yy or mm/dd/yyyy (a four-digit year from 1900), as SMBIOS has
 * a BIOS's release date. */
static bool date_ok(const char *s)
{
	const char *a = strchr(s, '/'), *b = a ? strchr(a + 1, '/') : NULL;
	unsigned m, d, y;

	return b && digits(s, (size_t)(a - s), 1, 2, &m) && m >= 1 && m <= 12 &&
	       digits(a + 1, (size_t)(b - a - 1), 1, 2, &d) && d >= 1 &&
	       d <= 31 &&
	       (digits(b + 1, strlen(b + 1), 2, 2, &y) ||
		(digits(b + 1, strlen(b + 1), 4, 4, &y) && y >= 1900));
}

static bool release_ok(const char *s)
{
	const char *dot = strchr(s, '.');
	unsigned v;

	return dot && digits(s, (size_t)(dot - s), 1, 3, &v) && v <= 255 &&
	       digits(dot + 1, strlen(dot + 1), 1, 3, &v) && v <= 255;
}

/* Printable text of at most 1024 bytes: it goes into a firmware
 * table and a command line. */
static bool text_ok(const char *s)
{
	size_t n = strlen(s);

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return n <= 1024;
}

static int check_value(const xmlNode *n, enum sysinfo_section sec,
		       const char *name, const char *v, struct domain_def *d,
		       struct err **e)
{
	uint8_t u[16];

	if (!text_ok(v))
		return xml_err(e, n,
			       "invalid <%s> entry '%s': control characters "
			       "or more than 1024 bytes",
			       sysinfo_section_names[sec], name ? name : "");
	if (sec == SYSINFO_BIOS && streq(name, "date") && !date_ok(v))
		return xml_err(e, n,
			       "invalid BIOS date '%s' (mm/dd/yy or "
			       "mm/dd/yyyy)",
			       v);
	if (sec == SYSINFO_BIOS && streq(name, "release") && !release_ok(v))
		return xml_err(e, n, "invalid BIOS release '%s' (major.minor)",
			       v);
	if (sec != SYSINFO_SYSTEM || !streq(name, "uuid"))
		return 0;
	if (uuid_parse(v, u) < 0)
		return xml_err(e, n, "invalid <system> uuid '%s'", v);
	/* libvirt's rule: it is the domain's; without <uuid>, it gives it */
	if (d->uuid_generated) {
		memcpy(d->uuid, u, 16);
		d->uuid_generated = false;
	} else if (memcmp(u, d->uuid, 16)) {
		return xml_err(e, n,
			       "UUID mismatch between <uuid> and <sysinfo> "
			       "('%s')",
			       v);
	}
	return 0;
}

static void add_entry(struct domain_sysinfo *s, enum sysinfo_section sec,
		      char *name, char *value)
{
	struct sysinfo_entry *x;

	s->entries = xreallocarray(s->entries, s->n_entries + 1,
				   sizeof(*s->entries));
	x = &s->entries[s->n_entries++];
	x->section = sec;
	x->name = name;
	x->value = value;
}

/* Entry @x's name: one of its section's (SMBIOS), under opt/ (fw_cfg),
 * none (OEM strings); each once. */
static int check_name(const xmlNode *x, enum sysinfo_section sec,
		      const char *name, const struct domain_def *d,
		      struct err **e)
{
	const struct domain_sysinfo *s = &d->hw.sysinfo;
	size_t k = 0;

	if (sec == SYSINFO_OEM)
		return 0;
	if (sec < SYSINFO_OEM) {
		while (name && section_keys[sec][k] &&
		       !streq(name, section_keys[sec][k]))
			k++;
		if (!name || !section_keys[sec][k])
			return xml_err(e, x, "unknown <%s> entry '%s'",
				       sysinfo_section_names[sec],
				       name ? name : "");
	} else if (!name || !str_has_prefix(name, "opt/") || !text_ok(name) ||
		   strlen(name) > 55) {
		/* QEMU's rule: at most 55 bytes, under opt/ */
		return xml_err(e, x,
			       "invalid fw_cfg entry name '%s' (opt/..., at "
			       "most 55 bytes)",
			       name ? name : "");
	}
	for (size_t i = 0; i < s->n_entries; i++)
		if (s->entries[i].section == sec &&
		    streq(s->entries[i].name, name))
			return xml_err(e, x, "<%s> entry '%s' given twice",
				       sysinfo_section_names[sec], name);
	return 0;
}

/* The <entry> elements of section @sec (element @n). */
static int parse_entries(const xmlNode *n, enum sysinfo_section sec,
			 struct domain_def *d, struct xml_warnings *w,
			 struct err **e)
{
	for (const xmlNode *x = n->children; x; x = x->next) {
		_cleanup_free_ char *name = NULL, *value = NULL, *file = NULL;

		if (x->type != XML_ELEMENT_NODE || x->ns)
			continue;
		if (!xmlStrEqual(x->name, BAD_CAST "entry")) {
			xml_warn(w, x, "<%s>: unknown element <%s> ignored",
				 sysinfo_section_names[sec],
				 (const char *)x->name);
			continue;
		}
		name = xml_attr(x, "name");
		value = xml_text(x);
		xml_check_known(x,
				(const char *const[]){
					sec == SYSINFO_OEM ? NULL : "name",
					sec == SYSINFO_FWCFG ? "file" : NULL,
					NULL},
				NULL, w);
		if (sec == SYSINFO_FWCFG && (file = xml_attr(x, "file")))
			return xml_err(e, x,
				       "<sysinfo type='fwcfg'> entry '%s' from "
				       "a file: not supported (QEMU's sandbox "
				       "reads no host file; give its text)",
				       name ? name : "");
		if (check_name(x, sec, name, d, e) < 0 ||
		    check_value(x, sec, name, value, d, e) < 0)
			return -EINVAL;
		add_entry(&d->hw.sysinfo, sec,
			  sec == SYSINFO_OEM ? NULL : steal_ptr(name),
			  steal_ptr(value));
	}
	return 0;
}

static int parse_smbios(const xmlNode *n, struct domain_def *d,
			struct xml_warnings *w, struct err **e)
{
	static const char *const kids[] = {"bios",    "system",	    "baseBoard",
					   "chassis", "oemStrings", NULL};

	xml_check_known(n, (const char *const[]){"type", NULL}, kids, w);
	if (d->hw.sysinfo.smbios)
		return xml_err(e, n, "a second <sysinfo type='smbios'>");
	d->hw.sysinfo.smbios = true;
	for (int sec = 0; kids[sec]; sec++) {
		bool seen = false;

		for (const xmlNode *x = n->children; x; x = x->next) {
			if (x->type != XML_ELEMENT_NODE || x->ns ||
			    !xmlStrEqual(x->name, BAD_CAST kids[sec]))
				continue;
			if (seen)
				return xml_err(e, x,
					       "a second <%s> (QEMU gives one)",
					       kids[sec]);
			seen = true;
			if (parse_entries(x, (enum sysinfo_section)sec, d, w,
					  e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

int domain_parse_sysinfo(const xmlNode *root, const xmlNode *os,
			 struct domain_def *d, struct xml_warnings *w,
			 struct err **e)
{
	const xmlNode *sm = os ? xml_child(os, "smbios") : NULL;
	int r;

	if (sm) {
		_cleanup_free_ char *mode = xml_attr(sm, "mode");

		xml_check_known(sm, (const char *const[]){"mode", NULL}, NULL,
				w);
		if (!mode)
			return xml_err(e, sm, "<smbios> without mode");
		if ((r = xml_enum(sm, "smbios mode", mode,
				  sysinfo_smbios_modes + 1, e)) < 0)
			return r;
		d->hw.sysinfo.smbios_mode = r + 1;
	}
	for (const xmlNode *n = root->children; n; n = n->next) {
		_cleanup_free_ char *type = NULL;

		if (n->type != XML_ELEMENT_NODE || n->ns ||
		    !xmlStrEqual(n->name, BAD_CAST "sysinfo"))
			continue;
		type = xml_attr(n, "type");
		if (type && streq(type, "smbios")) {
			r = parse_smbios(n, d, w, e);
		} else if (type && streq(type, "fwcfg")) {
			xml_check_known(n, (const char *const[]){"type", NULL},
					(const char *const[]){"entry", NULL},
					w);
			r = d->hw.sysinfo.fwcfg
				    ? xml_err(e, n,
					      "a second <sysinfo type='fwcfg'>")
				    : parse_entries(n, SYSINFO_FWCFG, d, w, e);
			d->hw.sysinfo.fwcfg = true;
		} else {
			r = xml_err(e, n,
				    "invalid sysinfo type '%s' (smbios, "
				    "fwcfg)",
				    type ? type : "");
		}
		if (r < 0)
			return r;
	}
	if (d->hw.sysinfo.smbios_mode == 3 && !d->hw.sysinfo.smbios)
		return xml_err(e, sm,
			       "<smbios mode='sysinfo'> without a "
			       "<sysinfo type='smbios'>");
	return 0;
}

void domain_format_os_smbios(FILE *f, const struct domain_def *d)
{
	if (d->hw.sysinfo.smbios_mode)
		fprintf(f, "    <smbios mode='%s'/>\n",
			sysinfo_smbios_modes[d->hw.sysinfo.smbios_mode]);
}

static void format_section(FILE *f, const struct domain_sysinfo *s,
			   enum sysinfo_section sec, int indent)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		const struct sysinfo_entry *x = &s->entries[i];

		if (x->section != sec)
			continue;
		fprintf(f, "%*s<entry", indent, "");
		if (x->name) {
			fputs(" name='", f);
			xml_escape_attr(f, x->name);
			fputc('\'', f);
		}
		fputc('>', f);
		xml_escape_text(f, x->value);
		fputs("</entry>\n", f);
	}
}

void domain_format_sysinfo(FILE *f, const struct domain_def *d)
{
	const struct domain_sysinfo *s = &d->hw.sysinfo;

	if (s->smbios) {
		fputs("  <sysinfo type='smbios'>\n", f);
		for (int sec = 0; sec <= SYSINFO_OEM; sec++) {
			bool any = false;

			for (size_t i = 0; i < s->n_entries && !any; i++)
				any = (int)s->entries[i].section == sec;
			if (!any)
				continue;
			fprintf(f, "    <%s>\n", sysinfo_section_names[sec]);
			format_section(f, s, (enum sysinfo_section)sec, 6);
			fprintf(f, "    </%s>\n", sysinfo_section_names[sec]);
		}
		fputs("  </sysinfo>\n", f);
	}
	if (s->fwcfg) {
		fputs("  <sysinfo type='fwcfg'>\n", f);
		format_section(f, s, SYSINFO_FWCFG, 4);
		fputs("  </sysinfo>\n", f);
	}
}

void domain_sysinfo_clear(struct domain_sysinfo *s)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		free(s->entries[i].name);
		free(s->entries[i].value);
	}
	free(s->entries);
	memset(s, 0, sizeof(*s));
}
