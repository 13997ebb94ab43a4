// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * USB controllers beyond index 0's, <redirdev> and <redirfilter>
 * (domain_conf_usb.h), as libvirt reads and writes them. An ICH9 EHCI
 * (ich9-ehci1, USB 2, six ports) serves USB 1 devices through up to
 * three UHCI companions, each on two of its ports from <master
 * startport=>; QEMU's ich9-usb-uhciN with masterbus= and firstport=.
 */
#include <errno.h>

#include "daemon/domain_conf_chardev.h"
#include "daemon/domain_conf_display.h"
#include "daemon/domain_conf_hw.h"
#include "daemon/domain_conf_usb.h"

const char *const usb_model_names[] = {
	"",	      "piix3-uhci", "qemu-xhci",  "nec-xhci",	"none",
	"ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", NULL};

int domain_parse_usb_more(const xmlNode *n, struct domain_display *dp,
			  const struct domain_usb_ctl *c, struct err **e)
{
	const xmlNode *m = xml_child(n, "master");
	struct domain_usb_ctl *to;
	uint64_t v;

	if (dp->n_usb_more == 4 * (DOMAIN_MAX_USB_INDEX + 1))
		return xml_err(e, n, "more than %d USB controllers",
			       4 * (DOMAIN_MAX_USB_INDEX + 1));
	if (m && !usb_model_companion(c->model))
		return xml_err(e, m,
			       "<master> on USB controller model '%s' (only "
			       "an ICH9 companion, ich9-uhci1-3, has one)",
			       usb_model_names[c->model]);
	dp->usb_more = xreallocarray(dp->usb_more, dp->n_usb_more + 1,
				     sizeof(*dp->usb_more));
	to = &dp->usb_more[dp->n_usb_more++];
	*to = *c;
	if (!usb_model_companion(c->model))
		return 0;
	/* libvirt's: uhci1 on ports 0-1, uhci2 on 2-3, uhci3 on 4-5 */
	to->startport = 2 * (c->model - USB_ICH9_UHCI1);
	if (m) {
		_cleanup_free_ char *sp = xml_attr(m, "startport");

		if (xml_only_attrs(m, (const char *const[]){"startport", NULL},
				   "", e) < 0)
			return -EINVAL;
		if (!sp)
			return xml_err(e, m, "missing startport=");
		/* two ports of the EHCI's six */
		if (xml_uint(m, "startport", sp, 0, 4, &v, e) < 0)
			return -EINVAL;
		to->startport = (unsigned)v;
	}
	return 0;
}

enum usb_model domain_usb_model_of(const struct domain_display *dp,
				   unsigned index)
{
	if (index == 0 && dp->usb)
		return dp->usb;
	for (size_t i = 0; i < dp->n_usb_more; i++)
		if (dp->usb_more[i].index == index &&
		    !usb_model_companion(dp->usb_more[i].model))
			return dp->usb_more[i].model;
	return USB_ABSENT;
}

/* A companion beside its EHCI, on ports of its own. */
static int check_companion(const xmlNode *devs, const struct domain_display *dp,
			   size_t i, struct err **e)
{
	const struct domain_usb_ctl *c = &dp->usb_more[i];
	enum usb_model m = domain_usb_model_of(dp, c->index);

	if (m != USB_ICH9_EHCI1)
		return xml_err(e, devs,
			       "USB controller %s of index %u: a companion "
			       "with no ich9-ehci1 of index %u",
			       usb_model_names[c->model], c->index, c->index);
	for (size_t j = 0; j < i; j++) {
		const struct domain_usb_ctl *o = &dp->usb_more[j];

		if (o->index != c->index || !usb_model_companion(o->model))
			continue;
		if (o->model == c->model)
			return xml_err(e, devs,
				       "USB controller %s of index %u given "
				       "twice",
				       usb_model_names[c->model], c->index);
		if (o->startport / 2 == c->startport / 2 ||
		    o->startport == c->startport + 1 ||
		    c->startport == o->startport + 1)
			return xml_err(e, devs,
				       "USB controllers %s and %s of index "
				       "%u: on the same ports (startport %u "
				       "and %u)",
				       usb_model_names[o->model],
				       usb_model_names[c->model], c->index,
				       o->startport, c->startport);
	}
	return 0;
}

int domain_usb_more_check(const xmlNode *devs, const struct domain_display *dp,
			  struct err **e)
{
	for (size_t i = 0; i < dp->n_usb_more; i++) {
		const struct domain_usb_ctl *c = &dp->usb_more[i];

		if (usb_model_companion(c->model)) {
			if (check_companion(devs, dp, i, e) < 0)
				return -EINVAL;
			continue;
		}
		if (c->model == USB_NONE)
			return xml_err(e, devs,
				       "USB controller model 'none' of index "
				       "%u: 'none' is index 0's only",
				       c->index);
		for (size_t j = 0; j < i; j++)
			if (dp->usb_more[j].index == c->index &&
			    !usb_model_companion(dp->usb_more[j].model))
				return xml_err(e, devs,
					       "two USB controllers of index "
					       "%u",
					       c->index);
	}
	if (dp->n_usb_more && dp->usb == USB_NONE)
		return xml_err(e, devs,
			       "USB controller model 'none' beside other USB "
			       "controllers");
	return 0;
}

void domain_format_usb_more(FILE *f, const struct domain_display *dp)
{
	for (size_t i = 0; i < dp->n_usb_more; i++) {
		const struct domain_usb_ctl *c = &dp->usb_more[i];
		bool inner = c->pci.set || usb_model_companion(c->model);

		fprintf(f, "    <controller type='usb' index='%u' model='%s'",
			c->index, usb_model_names[c->model]);
		if (c->ports)
			fprintf(f, " ports='%u'", c->ports);
		fputs(inner ? ">\n" : "/>\n", f);
		if (!inner)
			continue;
		if (usb_model_companion(c->model))
			fprintf(f, "      <master startport='%u'/>\n",
				c->startport);
		domain_format_pci_address(f, 6, &c->pci);
		fputs("    </controller>\n", f);
	}
}

void domain_usb_more_clear(struct domain_display *dp)
{
	free(dp->usb_more);
	dp->usb_more = NULL;
	dp->n_usb_more = 0;
	for (size_t i = 0; i < dp->n_redirdevs; i++)
		domain_chardev_source_clear(&dp->redirdevs[i].src);
	free(dp->redirdevs);
	dp->redirdevs = NULL;
	dp->n_redirdevs = 0;
	free(dp->redir_rules);
	dp->redir_rules = NULL;
	dp->n_redir_rules = 0;
}

/* <boot order=> of a redirdev: 1 to 255. */
static int parse_boot(const xmlNode *n, unsigned *order, struct err **e)
{
	_cleanup_free_ char *o = NULL;
	uint64_t v;

	*order = 0;
	if (!n)
		return 0;
	if (xml_only_attrs(n, (const char *const[]){"order", NULL}, "", e) < 0)
		return -EINVAL;
	if (!(o = xml_attr(n, "order")))
		return xml_err(e, n, "missing order=");
	if (xml_uint(n, "boot order", o, 1, 255, &v, e) < 0)
		return -EINVAL;
	*order = (unsigned)v;
	return 0;
}

static int parse_redirdev(const xmlNode *n, struct domain_redirdev *r,
			  struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *bus = xml_attr(n, "bus");
	_cleanup_free_ char *type = xml_attr(n, "type");

	xml_check_known(n, (const char *const[]){"bus", "type", NULL},
			(const char *const[]){"source", "protocol", "boot",
					      "address", "alias", NULL},
			w);
	if (bus && !streq(bus, "usb"))
		return xml_err(e, n, "<redirdev bus='%s'> not supported (usb)",
			       bus);
	if (type && streq(type, "spicevmc")) {
		r->spicevmc = true;
		if (xml_child(n, "source") || xml_child(n, "protocol"))
			return xml_err(e, n,
				       "<redirdev type='spicevmc'> with a "
				       "<source> or <protocol>");
	} else {
		if (domain_chardev_parse_source(n, &r->type, &r->src, w, e) < 0)
			return -EINVAL;
		if (r->type != CHARDEV_TCP && r->type != CHARDEV_UNIX)
			return xml_err(e, n,
				       "<redirdev type='%s'> not supported "
				       "(tcp, unix, spicevmc: usbredir is a "
				       "stream)",
				       type ? type : "");
		if (r->src.telnet)
			return xml_err(e, n,
				       "<redirdev> with <protocol "
				       "type='telnet'>: usbredir speaks raw");
	}
	if (parse_boot(xml_child(n, "boot"), &r->boot_order, e) < 0)
		return -EINVAL;
	return domain_parse_usb_address(n, &r->usb, NULL, w, e);
}

/* "-1", or a number of at most @max (0x.. hex or decimal). */
static int rule_num(const xmlNode *n, const char *attr, int max, int *out,
		    struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	char *end;
	long l;

	*out = -1;
	if (!v || streq(v, "-1"))
		return 0;
	errno = 0;
	l = strtol(v, &end, 0);
	if (!*v || *end || errno || l < 0 || l > max || v[0] == '+')
		return xml_err(e, n, "invalid %s '%s' (-1 or 0 to %#x)", attr,
			       v, max);
	*out = (int)l;
	return 0;
}

/* A decimal of one or two digits into BCD; @minor: one digit is tens
 * ("1.1" is 1.10). -1 when it is not one. */
static int bcd(const char *s, size_t len, bool minor)
{
	if (len < 1 || len > 2 || s[0] < '0' || s[0] > '9' ||
	    (len == 2 && (s[1] < '0' || s[1] > '9')))
		return -1;
	if (len == 1)
		return minor ? (s[0] - '0') << 4 : s[0] - '0';
	return (s[0] - '0') << 4 | (s[1] - '0');
}

/* version='M.mm' (a USB device's bcdDevice), or -1. */
static int rule_version(const xmlNode *n, int *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, "version");
	const char *dot = v ? strchr(v, '.') : NULL;
	int major, minor;

	*out = -1;
	if (!v || streq(v, "-1"))
		return 0;
	if (!dot || (major = bcd(v, (size_t)(dot - v), false)) < 0 ||
	    (minor = bcd(dot + 1, strlen(dot + 1), true)) < 0)
		return xml_err(e, n,
			       "invalid version '%s' (-1 or M.mm, as 1.10)", v);
	*out = major << 8 | minor;
	return 0;
}

static int parse_rule(const xmlNode *n, struct domain_redir_rule *r,
		      struct err **e)
{
	_cleanup_free_ char *allow = xml_attr(n, "allow");

	if (xml_only_attrs(n,
			   (const char *const[]){"class", "vendor", "product",
						 "version", "allow", NULL},
			   "", e) < 0 ||
	    rule_num(n, "class", 0xff, &r->class, e) < 0 ||
	    rule_num(n, "vendor", 0xffff, &r->vendor, e) < 0 ||
	    rule_num(n, "product", 0xffff, &r->product, e) < 0 ||
	    rule_version(n, &r->version, e) < 0)
		return -EINVAL;
	if (!allow || (!streq(allow, "yes") && !streq(allow, "no")))
		return xml_err(e, n, "invalid allow '%s' (yes, no)",
			       allow ? allow : "");
	r->allow = streq(allow, "yes");
	return 0;
}

static int parse_redirfilter(const xmlNode *n, struct domain_display *dp,
			     struct err **e)
{
	if (dp->redirfilter)
		return xml_err(e, n, "a second <redirfilter>");
	dp->redirfilter = true;
	if (xml_only_attrs(n, (const char *const[]){NULL}, "", e) < 0)
		return -EINVAL;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrEqual(c->name, BAD_CAST "usbdev"))
			return xml_err(e, c,
				       "<redirfilter>: <%s> not supported",
				       (const char *)c->name);
		if (dp->n_redir_rules == DOMAIN_MAX_REDIR_RULES)
			return xml_err(e, c, "more than %d <usbdev> rules",
				       DOMAIN_MAX_REDIR_RULES);
		dp->redir_rules =
			xreallocarray(dp->redir_rules, dp->n_redir_rules + 1,
				      sizeof(*dp->redir_rules));
		if (parse_rule(c, &dp->redir_rules[dp->n_redir_rules++], e) < 0)
			return -EINVAL;
	}
	return 0;
}

int domain_parse_redir_device(const xmlNode *c, struct domain_display *dp,
			      struct xml_warnings *w, struct err **e)
{
	struct domain_redirdev *r;

	if (xmlStrEqual(c->name, BAD_CAST "redirfilter"))
		return parse_redirfilter(c, dp, e) < 0 ? -EINVAL : 1;
	if (!xmlStrEqual(c->name, BAD_CAST "redirdev"))
		return 0;
	if (dp->n_redirdevs == DOMAIN_MAX_REDIRDEVS)
		return xml_err(e, c, "more than %d <redirdev>s",
			       DOMAIN_MAX_REDIRDEVS);
	dp->redirdevs = xreallocarray(dp->redirdevs, dp->n_redirdevs + 1,
				      sizeof(*dp->redirdevs));
	r = &dp->redirdevs[dp->n_redirdevs++];
	*r = (struct domain_redirdev){0};
	return parse_redirdev(c, r, w, e) < 0 ? -EINVAL : 1;
}

static void format_rule(FILE *f, const struct domain_redir_rule *r)
{
	char rule[REDIR_RULE_MAX];
	char cls[12], vendor[12], product[12], version[12];

	/* the filter string's fields, but for version's M.mm */
	if (sscanf(domain_redir_rule_str(r, rule), "%11[^:]:%11[^:]:%11[^:]",
		   cls, vendor, product) != 3)
		return;
	if (r->version >= 0)
		snprintf(version, sizeof(version), "%x.%02x",
			 (unsigned)r->version >> 8,
			 (unsigned)r->version & 0xff);
	else
		strcpy(version, "-1");
	fprintf(f,
		"      <usbdev class='%s' vendor='%s' product='%s' "
		"version='%s' allow='%s'/>\n",
		cls, vendor, product, version, r->allow ? "yes" : "no");
}

void domain_format_redir(FILE *f, const struct domain_display *dp)
{
	for (size_t i = 0; i < dp->n_redirdevs; i++) {
		const struct domain_redirdev *r = &dp->redirdevs[i];

		fprintf(f, "    <redirdev bus='usb' type='%s'>\n",
			r->spicevmc ? "spicevmc" : chardev_type_names[r->type]);
		if (!r->spicevmc)
			domain_chardev_format_source(f, 6, r->type, &r->src);
		if (r->boot_order)
			fprintf(f, "      <boot order='%u'/>\n", r->boot_order);
		if (r->usb.set)
			domain_format_usb_address(f, &r->usb);
		fputs("    </redirdev>\n", f);
	}
	if (!dp->redirfilter)
		return;
	if (!dp->n_redir_rules) {
		fputs("    <redirfilter/>\n", f);
		return;
	}
	fputs("    <redirfilter>\n", f);
	for (size_t i = 0; i < dp->n_redir_rules; i++)
		format_rule(f, &dp->redir_rules[i]);
	fputs("    </redirfilter>\n", f);
}

const char *domain_redir_rule_str(const struct domain_redir_rule *r,
				  char buf[REDIR_RULE_MAX])
{
	char c[12] = "-1", v[12] = "-1", p[12] = "-1", ver[12] = "-1";

	if (r->class >= 0)
		snprintf(c, sizeof(c), "0x%02X", (unsigned)r->class);
	if (r->vendor >= 0)
		snprintf(v, sizeof(v), "0x%04X", (unsigned)r->vendor);
	if (r->product >= 0)
		snprintf(p, sizeof(p), "0x%04X", (unsigned)r->product);
	if (r->version >= 0)
		snprintf(ver, sizeof(ver), "0x%04X", (unsigned)r->version);
	snprintf(buf, REDIR_RULE_MAX, "%s:%s:%s:%s:%d", c, v, p, ver, r->allow);
	return buf;
}

/* Whether boot order @order is held by a disk, a host device or
 * another redirdev than @self. */
static bool boot_order_taken(const struct domain_def *d,
			     const struct domain_redirdev *self, unsigned order)
{
	for (size_t i = 0; i < d->n_disks; i++)
		if (d->disks[i].boot_order == order)
			return true;
	for (size_t i = 0; i < d->n_hostdevs; i++)
		if (d->hostdevs[i].boot_order == order)
			return true;
	for (size_t i = 0; i < d->display.n_redirdevs; i++)
		if (&d->display.redirdevs[i] != self &&
		    d->display.redirdevs[i].boot_order == order)
			return true;
	return false;
}

int domain_redirdevs_check(const xmlNode *devs, const struct domain_def *d,
			   struct err **e)
{
	for (size_t i = 0; i < d->display.n_redirdevs; i++) {
		const struct domain_redirdev *r = &d->display.redirdevs[i];

		if (!r->boot_order)
			continue;
		if (d->n_boot)
			return xml_err(e, devs,
				       "redirdev %zu: per-device <boot order> "
				       "cannot be used together with <os><boot "
				       "dev>",
				       i);
		if (boot_order_taken(d, r, r->boot_order))
			return xml_err(e, devs,
				       "boot order %u of redirdev %zu used "
				       "twice",
				       r->boot_order, i);
	}
	return 0;
}
