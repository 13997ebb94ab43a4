// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A domain's <seclabel>s (domain_conf_seclabel.h). nido confines QEMU
 * with its own sandbox (docs/security.md, "QEMU"): a per-VM identity,
 * -sandbox, files opened by nidod and passed. Of libvirt's security
 * models, this host has DAC only (no SELinux, no AppArmor), and DAC is
 * what the per-VM identity is:
 *   type='none' (no model, or model='none'): no label, as nido is;
 *   type='dynamic' (model='dac', or none: DAC is the only model):
 *     nidod picks QEMU's identity, its per-VM uid and gid;
 *   type='static' model='dac' <label>user:group</label>: QEMU runs as
 *     that user and group instead (never root).
 * nido never changes a file's owner: relabel= is kept as given and
 * QEMU reaches its files through the fds nidod passes, whichever it
 * says. Other models, and DAC's none, are warned by name.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "daemon/domain_conf_seclabel.h"

static const char *const types[] = {"none", "dynamic", "static", NULL};

/* @n has no attribute in a namespace, none but @known, no element but
 * @child. */
static bool only(const xmlNode *n, const char *const *known, const char *child)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		bool ok = false;

		for (size_t i = 0; known[i] && !ok; i++)
			ok = !a->ns && xmlStrEqual(a->name, BAD_CAST known[i]);
		if (!ok)
			return false;
	}
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (!child || c->ns || !xmlStrEqual(c->name, BAD_CAST child)))
			return false;
	return true;
}

/* 'user:group': names, or numbers after '+'; neither root. */
static int check_label(const xmlNode *n, const char *label, struct err **e)
{
	const char *colon = label ? strchr(label, ':') : NULL;
	size_t ulen = colon ? (size_t)(colon - label) : 0;

	if (!colon || !ulen || !colon[1] || strchr(colon + 1, ':') ||
	    strlen(label) > 256)
		return xml_err(e, n,
			       "invalid DAC label '%s' (user:group, as "
			       "'qemu:kvm' or '+107:+107')",
			       label ? label : "");
	for (const char *p = label; *p; p++)
		if (!isgraph((unsigned char)*p))
			return xml_err(e, n, "invalid DAC label '%s'", label);
	if ((ulen == 4 && !strncmp(label, "root", 4)) ||
	    !strncmp(label, "+0:", 3) || streq(colon + 1, "root") ||
	    streq(colon + 1, "+0"))
		return xml_err(e, n,
			       "DAC label '%s': nido runs no QEMU as root "
			       "(docs/security.md)",
			       label);
	return 0;
}

/* A DAC label, dynamic or static; 0, or -EINVAL with @e. */
static int parse_dac(const xmlNode *n, int type, struct domain_hw *hw,
		     bool model_given, struct err **e)
{
	struct domain_seclabel_dac *dac = &hw->dac;
	_cleanup_free_ char *relabel = xml_attr(n, "relabel");
	int r;

	if (dac->type)
		return xml_err(e, n, "a second DAC <seclabel>");
	if (relabel) {
		if ((r = xml_enum(n, "seclabel relabel", relabel,
				  (const char *const[]){"yes", "no", NULL},
				  e)) < 0)
			return r;
		dac->relabel = r ? DOMAIN_TRISTATE_OFF : DOMAIN_TRISTATE_ON;
	}
	dac->model_given = model_given;
	if (type == 1) {
		if (dac->relabel == DOMAIN_TRISTATE_OFF)
			return xml_err(e, n,
				       "<seclabel type='dynamic' "
				       "relabel='no'>: a dynamic label "
				       "relabels (libvirt's rule)");
		dac->type = SECLABEL_DAC_DYNAMIC;
		return 0;
	}
	dac->type = SECLABEL_DAC_STATIC;
	{
		const xmlNode *l = xml_child(n, "label");

		dac->label = l ? xml_text(l) : NULL;
		return check_label(l ? l : n, dac->label, e);
	}
}

/* One <seclabel>: kept (1), warned (0) or refused (-EINVAL). */
static int parse_one(const xmlNode *n, struct domain_hw *hw,
		     struct xml_warnings *w, struct err **e)
{
	static const char *const dac_attrs[] = {"type", "model", "relabel",
						NULL};
	_cleanup_free_ char *type = xml_attr(n, "type");
	_cleanup_free_ char *model = xml_attr(n, "model");
	int t = 1; /* libvirt's default: dynamic */

	if (type && (t = xml_enum(n, "seclabel type", type, types, e)) < 0)
		return t;
	if (t == 0 && (!model || streq(model, "none")) && !hw->seclabel_none &&
	    only(n, (const char *const[]){"type", "model", NULL}, NULL)) {
		hw->seclabel_none = model ? 2 : 1;
		return 1;
	}
	if ((!model && t == 1) || (model && streq(model, "dac") && t > 0)) {
		if (!only(n, dac_attrs, t == 2 ? "label" : NULL))
			goto warn;
		return parse_dac(n, t, hw, model != NULL, e) < 0 ? -EINVAL : 1;
	}
	if (model && (streq(model, "selinux") || streq(model, "apparmor"))) {
		xml_warn(w, n,
			 "<seclabel>: type '%s' model '%s' not acted on: "
			 "this host has no %s (nido confines QEMU with its "
			 "own sandbox)",
			 types[t], model,
			 streq(model, "selinux") ? "SELinux" : "AppArmor");
		return 0;
	}
warn:
	xml_warn(w, n,
		 "<seclabel>: type '%s'%s%s%s not acted on, nido "
		 "confines QEMU with its own sandbox, not with security "
		 "labels",
		 types[t], model ? " model '" : "", model ? model : "",
		 model ? "'" : "");
	return 0;
}

/* libvirt's rules across labels: one per model; with more than one,
 * each names its model. */
static int check_models(const xmlNode *root, struct err **e)
{
	size_t n = 0;

	for (const xmlNode *a = root->children; a; a = a->next) {
		_cleanup_free_ char *ma = NULL;

		if (a->type != XML_ELEMENT_NODE || a->ns ||
		    !xmlStrEqual(a->name, BAD_CAST "seclabel"))
			continue;
		n++;
		ma = xml_attr(a, "model");
		for (const xmlNode *b = a->next; ma && b; b = b->next) {
			_cleanup_free_ char *mb = NULL;

			if (b->type != XML_ELEMENT_NODE || b->ns ||
			    !xmlStrEqual(b->name, BAD_CAST "seclabel"))
				continue;
			mb = xml_attr(b, "model");
			if (mb && streq(ma, mb))
				return xml_err(e, b,
					       "a second <seclabel "
					       "model='%s'>",
					       mb);
		}
	}
	for (const xmlNode *a = root->children; n > 1 && a; a = a->next) {
		if (a->type == XML_ELEMENT_NODE && !a->ns &&
		    xmlStrEqual(a->name, BAD_CAST "seclabel") &&
		    !xmlHasProp(a, BAD_CAST "model"))
			return xml_err(e, a,
				       "<seclabel> without model= among "
				       "several labels");
	}
	return 0;
}

int domain_parse_seclabels(const xmlNode *root, struct domain_hw *hw,
			   struct xml_warnings *w, struct err **e)
{
	if (check_models(root, e) < 0)
		return -EINVAL;
	for (const xmlNode *n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE || n->ns ||
		    !xmlStrEqual(n->name, BAD_CAST "seclabel"))
			continue;
		if (parse_one(n, hw, w, e) < 0)
			return -EINVAL;
	}
	return 0;
}

void domain_format_seclabels(FILE *f, const struct domain_hw *hw)
{
	const struct domain_seclabel_dac *dac = &hw->dac;

	if (hw->seclabel_none)
		fprintf(f, "  <seclabel type='none'%s/>\n",
			hw->seclabel_none == 2 ? " model='none'" : "");
	if (!dac->type)
		return;
	fprintf(f, "  <seclabel type='%s'",
		dac->type == SECLABEL_DAC_STATIC ? "static" : "dynamic");
	if (dac->model_given)
		fputs(" model='dac'", f);
	if (dac->relabel)
		fprintf(f, " relabel='%s'",
			dac->relabel == DOMAIN_TRISTATE_ON ? "yes" : "no");
	if (!dac->label) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	xml_put_text(f, 4, "label", dac->label);
	fputs("  </seclabel>\n", f);
}
