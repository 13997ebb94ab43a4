// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The parts of an <interface> in domain_conf_net.h: parsed after its
 * type and MAC (domain_conf_iface.c), kept as written, formatted back.
 * Values are checked here (a queue count, a power-of-two ring, an
 * absolute path, an address QEMU can take); whether a driver runs them
 * is the driver's to say.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "daemon/domain_conf.h"

const struct net_opt_name net_opt_names[NET_OPT_N] = {
	[NET_OPT_IOEVENTFD] = {"driver", "ioeventfd", "ioeventfd"},
	[NET_OPT_EVENT_IDX] = {"driver", "event_idx", "event_idx"},
	[NET_OPT_RSS] = {"driver", "rss", "rss"},
	[NET_OPT_RSS_HASH_REPORT] = {"driver", "rss_hash_report", "hash"},
	[NET_OPT_IOMMU] = {"driver", "iommu", "iommu_platform"},
	[NET_OPT_ATS] = {"driver", "ats", "ats"},
	[NET_OPT_PACKED] = {"driver", "packed", "packed"},
	[NET_OPT_HOST_CSUM] = {"host", "csum", "csum"},
	[NET_OPT_HOST_GSO] = {"host", "gso", "gso"},
	[NET_OPT_HOST_TSO4] = {"host", "tso4", "host_tso4"},
	[NET_OPT_HOST_TSO6] = {"host", "tso6", "host_tso6"},
	[NET_OPT_HOST_ECN] = {"host", "ecn", "host_ecn"},
	[NET_OPT_HOST_UFO] = {"host", "ufo", "host_ufo"},
	[NET_OPT_HOST_MRG_RXBUF] = {"host", "mrg_rxbuf", "mrg_rxbuf"},
	[NET_OPT_GUEST_CSUM] = {"guest", "csum", "guest_csum"},
	[NET_OPT_GUEST_TSO4] = {"guest", "tso4", "guest_tso4"},
	[NET_OPT_GUEST_TSO6] = {"guest", "tso6", "guest_tso6"},
	[NET_OPT_GUEST_ECN] = {"guest", "ecn", "guest_ecn"},
	[NET_OPT_GUEST_UFO] = {"guest", "ufo", "guest_ufo"},
};

static const char *const on_off[] = {"", "on", "off", NULL};
static const char *const yes_no[] = {"", "yes", "no", NULL};
static const char *const driver_names[] = {"", "qemu", "vhost", NULL};
static const char *const txmode_names[] = {"", "iothread", "timer", NULL};

bool domain_net_is_tap(const struct domain_net *n)
{
	return n->type == NET_TYPE_ETHERNET || n->type == NET_TYPE_BRIDGE ||
	       n->type == NET_TYPE_NETWORK;
}

const char *domain_net_qemu_only(const struct domain_net *n)
{
	static const struct net_driver none;

	if (memcmp(&n->driver, &none, sizeof(none)))
		return "<driver>";
	if (n->rom.bar || n->rom.enabled || n->rom.file)
		return "<rom>";
	if (n->acpi_index)
		return "<acpi index>";
	if (n->user_ip.ipv4 || n->user_ip.ipv6)
		return "<ip>";
	if (n->script || n->downscript)
		return "<script>";
	if (n->teaming)
		return "<teaming>";
	return NULL;
}

unsigned domain_net_queues(const struct domain_net *n)
{
	return n->driver.queues ? n->driver.queues : 1;
}

/* An optional number in [min, max]; 0 when absent. */
static int uint_attr(const xmlNode *n, const char *attr, unsigned min,
		     unsigned max, unsigned *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	uint64_t u;

	*out = 0;
	if (!v)
		return 0;
	if (xml_uint(n, attr, v, min, max, &u, e) < 0)
		return -EINVAL;
	*out = (unsigned)u;
	return 0;
}

/* The switches of one of <driver>, <host>, <guest>. */
static int parse_opts(const xmlNode *n, const char *elem, struct net_driver *d,
		      struct err **e)
{
	for (int i = 0; i < NET_OPT_N; i++) {
		int r;

		if (!streq(net_opt_names[i].elem, elem))
			continue;
		r = xml_enum_attr(n, net_opt_names[i].attr,
				  net_opt_names[i].attr, on_off, e);
		if (r < 0)
			return r;
		d->opt[i] = r;
	}
	return 0;
}

/* A virtio ring's size: a power of two in [256, 1024], as QEMU takes. */
static int ring_attr(const xmlNode *n, const char *attr, unsigned *out,
		     struct err **e)
{
	if (uint_attr(n, attr, 1, 1024, out, e) < 0)
		return -EINVAL;
	if (*out && (*out < 256 || (*out & (*out - 1))))
		return xml_err(e, n,
			       "%s '%u': not a power of two from 256 to 1024",
			       attr, *out);
	return 0;
}

static int parse_driver(const xmlNode *n, struct net_driver *d,
			struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"name",
					    "queues",
					    "rx_queue_size",
					    "tx_queue_size",
					    "txmode",
					    "ioeventfd",
					    "event_idx",
					    "rss",
					    "rss_hash_report",
					    "iommu",
					    "ats",
					    "packed",
					    NULL};
	static const char *const host[] = {"csum", "gso", "tso4",      "tso6",
					   "ecn",  "ufo", "mrg_rxbuf", NULL};
	static const char *const guest[] = {"csum", "tso4", "tso6",
					    "ecn",  "ufo",  NULL};
	xmlNode *c;
	int r;

	xml_check_known(n, attrs, (const char *const[]){"host", "guest", NULL},
			w);
	if ((r = xml_enum_attr(n, "name", "driver name", driver_names, e)) < 0)
		return r;
	d->name = (enum net_driver_name)r;
	if ((r = xml_enum_attr(n, "txmode", "txmode", txmode_names, e)) < 0)
		return r;
	d->txmode = (enum net_txmode)r;
	if (uint_attr(n, "queues", 1, NET_MAX_QUEUES, &d->queues, e) < 0 ||
	    ring_attr(n, "rx_queue_size", &d->rx_queue_size, e) < 0 ||
	    ring_attr(n, "tx_queue_size", &d->tx_queue_size, e) < 0 ||
	    parse_opts(n, "driver", d, e) < 0)
		return -EINVAL;
	if ((c = xml_child(n, "host"))) {
		xml_check_known(c, host, NULL, w);
		if (parse_opts(c, "host", d, e) < 0)
			return -EINVAL;
	}
	if ((c = xml_child(n, "guest"))) {
		xml_check_known(c, guest, NULL, w);
		if (parse_opts(c, "guest", d, e) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_rom(const xmlNode *n, struct net_rom *rom,
		     struct xml_warnings *w, struct err **e)
{
	int r;

	xml_check_known(n,
			(const char *const[]){"bar", "file", "enabled", NULL},
			NULL, w);
	if ((r = xml_enum_attr(n, "bar", "rom bar", on_off, e)) < 0)
		return r;
	rom->bar = r;
	if ((r = xml_enum_attr(n, "enabled", "rom enabled", yes_no, e)) < 0)
		return r;
	rom->enabled = r;
	rom->file = xml_attr(n, "file");
	/* file='': no ROM (libvirt's older way of enabled='no') */
	if (rom->file && rom->file[0] && rom->file[0] != '/')
		return xml_err(e, n, "rom file '%s': not an absolute path",
			       rom->file);
	if (rom->enabled == DOMAIN_TRISTATE_OFF && (rom->bar || rom->file))
		return xml_err(e, n, "<rom enabled='no'> with bar= or file=");
	return 0;
}

/*
 * A host QEMU resolves: an IP address, or a DNS name (letters, digits,
 * '-', '.'), so that nothing else reaches its option parser.
 */
static int host_check(const xmlNode *n, const char *what, const char *s,
		      struct err **e)
{
	unsigned char buf[16];
	size_t len = strlen(s);

	if (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1)
		return 0;
	if (len == 0 || len > 253 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-.") != len)
		return xml_err(e, n, "%s '%s': not an IP address or host name",
			       what, s);
	return 0;
}

static int parse_socket(const xmlNode *iface, const xmlNode *src,
			struct domain_net *net, struct xml_warnings *w,
			struct err **e)
{
	const char *type = domain_net_type_names[net->type];
	struct net_socket *s = &net->sock;
	xmlNode *local;
	unsigned char grp[4];

	if (!src)
		return xml_err(e, iface,
			       "interface type '%s' needs <source port=>",
			       type);
	xml_check_known(src, (const char *const[]){"address", "port", NULL},
			net->type == NET_TYPE_UDP
				? (const char *const[]){"local", NULL}
				: NULL,
			w);
	s->address = xml_attr(src, "address");
	if (uint_attr(src, "port", 1, 65535, &s->port, e) < 0)
		return -EINVAL;
	if (!s->port)
		return xml_err(e, src, "interface type '%s' needs port=", type);
	if (!s->address && net->type != NET_TYPE_SERVER)
		return xml_err(e, src,
			       "interface type '%s' needs address=", type);
	if (s->address && host_check(src, "source address", s->address, e) < 0)
		return -EINVAL;
	/* QEMU joins IPv4 groups only */
	if (net->type == NET_TYPE_MCAST &&
	    (inet_pton(AF_INET, s->address, grp) != 1 ||
	     (grp[0] & 0xf0) != 0xe0))
		return xml_err(e, src,
			       "mcast address '%s': not an IPv4 multicast "
			       "group (224.0.0.0/4)",
			       s->address);
	if (net->type != NET_TYPE_UDP)
		return 0;
	local = xml_child(src, "local");
	if (!local)
		return xml_err(e, src, "interface type 'udp' needs <local>");
	xml_check_known(local, (const char *const[]){"address", "port", NULL},
			NULL, w);
	s->local_address = xml_attr(local, "address");
	if (uint_attr(local, "port", 1, 65535, &s->local_port, e) < 0)
		return -EINVAL;
	if (!s->local_address || !s->local_port)
		return xml_err(e, local, "<local> needs address= and port=");
	return host_check(local, "local address", s->local_address, e);
}

static int parse_vhostuser(const xmlNode *iface, const xmlNode *src,
			   struct domain_net *net, struct xml_warnings *w,
			   struct err **e)
{
	static const char *const modes[] = {"server", "client", NULL};
	struct net_vhostuser *v = &net->vhost;
	_cleanup_free_ char *type = NULL, *mode = NULL;
	xmlNode *rc;
	int r;

	if (!src)
		return xml_err(e, iface,
			       "interface type 'vhostuser' needs <source "
			       "type='unix' path= mode=>");
	xml_check_known(src,
			(const char *const[]){"type", "path", "mode", NULL},
			(const char *const[]){"reconnect", NULL}, w);
	type = xml_attr(src, "type");
	if (!type || !streq(type, "unix"))
		return xml_err(e, src,
			       "vhostuser source type '%s': only 'unix'",
			       type ? type : "");
	v->path = xml_attr(src, "path");
	if (!v->path || v->path[0] != '/' || strlen(v->path) > 107)
		return xml_err(e, src,
			       "vhostuser path '%s': not an absolute socket "
			       "path (at most 107 bytes)",
			       v->path ? v->path : "");
	mode = xml_attr(src, "mode");
	if (!mode)
		return xml_err(e, src, "vhostuser source needs mode=");
	if ((r = xml_enum(src, "vhostuser mode", mode, modes, e)) < 0)
		return r;
	v->server = r == 0;
	if (!(rc = xml_child(src, "reconnect")))
		return 0;
	xml_check_known(rc, (const char *const[]){"enabled", "timeout", NULL},
			NULL, w);
	if (v->server)
		return xml_err(e, rc, "<reconnect> is for mode='client'");
	if ((r = xml_enum_attr(rc, "enabled", "reconnect enabled", yes_no, e)) <
	    0)
		return r;
	v->reconnect = r;
	if (uint_attr(rc, "timeout", 1, 3600, &v->reconnect_secs, e) < 0)
		return -EINVAL;
	if (v->reconnect == DOMAIN_TRISTATE_ON && !v->reconnect_secs)
		return xml_err(e, rc,
			       "<reconnect enabled='yes'> needs timeout=");
	if (v->reconnect != DOMAIN_TRISTATE_ON && v->reconnect_secs)
		return xml_err(e, rc, "timeout= needs enabled='yes'");
	return 0;
}

/* A PCI address number (strtoul base 0, as libvirt reads them). */
static int pci_num(const xmlNode *n, const char *attr, unsigned max,
		   unsigned *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	char *end;
	unsigned long u;

	if (!v)
		return xml_err(e, n, "missing attribute '%s'", attr);
	errno = 0;
	u = strtoul(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-' || u > max)
		return xml_err(e, n, "invalid address %s '%s' (0 to 0x%x)",
			       attr, v, max);
	*out = (unsigned)u;
	return 0;
}

static int parse_hostdev(const xmlNode *iface, const xmlNode *src,
			 struct domain_net *net, struct xml_warnings *w,
			 struct err **e)
{
	struct net_hostdev *h = &net->hostdev;
	_cleanup_free_ char *managed = xml_attr(iface, "managed");
	_cleanup_free_ char *type = NULL;
	const xmlNode *a = src ? xml_child(src, "address") : NULL;
	int r;

	if (managed) {
		r = xml_enum(iface, "managed", managed,
			     (const char *const[]){"yes", "no", NULL}, e);
		if (r < 0)
			return r;
		h->managed = r == 0 ? DOMAIN_TRISTATE_ON : DOMAIN_TRISTATE_OFF;
	}
	if (src)
		xml_check_known(src, NULL,
				(const char *const[]){"address", NULL}, w);
	type = a ? xml_attr(a, "type") : NULL;
	if (!type || !streq(type, "pci"))
		return xml_err(
			e, a ? a : iface,
			"interface type 'hostdev' needs <source><address "
			"type='pci' domain= bus= slot= function=/>");
	xml_check_known(a,
			(const char *const[]){"type", "domain", "bus", "slot",
					      "function", NULL},
			NULL, w);
	if (pci_num(a, "domain", 0xffff, &h->domain, e) < 0 ||
	    pci_num(a, "bus", 0xff, &h->bus, e) < 0 ||
	    pci_num(a, "slot", 0x1f, &h->slot, e) < 0 ||
	    pci_num(a, "function", 7, &h->function, e) < 0)
		return -EINVAL;
	return 0;
}

/* An address attribute @attr of @n, of @family (0: either). */
static int ip_attr(const xmlNode *n, const char *attr, int family,
		   struct net_ip *out, struct err **e)
{
	_cleanup_free_ char *v = xml_attr(n, attr);
	_cleanup_err_ struct err *why = NULL;

	if (!v)
		return xml_err(e, n, "missing attribute '%s'", attr);
	if (net_ip_parse(v, family, attr, out, &why) < 0)
		return xml_err(e, n, "%s", err_msg(why));
	return 0;
}

/* <ip address= family= prefix= peer=> or <route address= prefix=
 * gateway=>: one of the host side's. */
static int parse_host_one(const xmlNode *c, struct net_host *h,
			  struct xml_warnings *w, struct err **e)
{
	bool route = streq((const char *)c->name, "route");
	struct net_ip *ip =
		route ? &h->routes[h->n_routes].dst : &h->ips[h->n_ips].ip;
	unsigned *prefix = route ? &h->routes[h->n_routes].prefix
				 : &h->ips[h->n_ips].prefix;
	const char *other = route ? "gateway" : "peer";
	uint64_t u = 0;
	_cleanup_free_ char *p = xml_attr(c, "prefix");

	xml_check_known(c,
			(const char *const[]){"address", "family", "prefix",
					      other, NULL},
			NULL, w);
	if ((route ? h->n_routes : h->n_ips) == NET_MAX_HOST_IPS)
		return xml_err(e, c, "more than %d", NET_MAX_HOST_IPS);
	if (ip_attr(c, "address", 0, ip, e) < 0)
		return -EINVAL;
	if (p && xml_uint(c, "prefix", p, 0, net_ip_bits(ip), &u, e) < 0)
		return -EINVAL;
	*prefix = p ? (unsigned)u : net_ip_bits(ip);
	if (xmlHasProp(c, BAD_CAST other) &&
	    ip_attr(c, other, ip->family,
		    route ? &h->routes[h->n_routes].gw : &h->ips[h->n_ips].peer,
		    e) < 0)
		return -EINVAL;
	if (route)
		h->n_routes++;
	else
		h->n_ips++;
	return 0;
}

int domain_net_parse_host(const xmlNode *src, struct domain_net *net,
			  struct xml_warnings *w, struct err **e)
{
	xml_check_known(src, NULL, (const char *const[]){"ip", "route", NULL},
			w);
	for (const xmlNode *c = src->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (streq((const char *)c->name, "ip") ||
		     streq((const char *)c->name, "route")) &&
		    parse_host_one(c, &net->host, w, e) < 0)
			return -EINVAL;
	return 0;
}

static void format_host(FILE *f, const struct net_host *h)
{
	char a[NET_IP_STRLEN], b[NET_IP_STRLEN];

	if (!h->n_ips && !h->n_routes)
		return;
	fputs("      <source>\n", f);
	for (size_t i = 0; i < h->n_ips; i++) {
		const struct net_host_ip *ip = &h->ips[i];

		fprintf(f, "        <ip address='%s' family='%s' prefix='%u'",
			net_ip_str(&ip->ip, a),
			ip->ip.family == AF_INET ? "ipv4" : "ipv6", ip->prefix);
		if (ip->peer.family)
			fprintf(f, " peer='%s'", net_ip_str(&ip->peer, b));
		fputs("/>\n", f);
	}
	for (size_t i = 0; i < h->n_routes; i++) {
		const struct net_host_route *r = &h->routes[i];

		fprintf(f,
			"        <route family='%s' address='%s' prefix='%u'",
			r->dst.family == AF_INET ? "ipv4" : "ipv6",
			net_ip_str(&r->dst, a), r->prefix);
		if (r->gw.family)
			fprintf(f, " gateway='%s'", net_ip_str(&r->gw, b));
		fputs("/>\n", f);
	}
	fputs("      </source>\n", f);
}

int domain_net_parse_source_more(const xmlNode *iface, struct domain_net *net,
				 struct xml_warnings *w, struct err **e)
{
	const xmlNode *src = xml_child(iface, "source");

	switch (net->type) {
	case NET_TYPE_SERVER:
	case NET_TYPE_CLIENT:
	case NET_TYPE_MCAST:
	case NET_TYPE_UDP:
		return parse_socket(iface, src, net, w, e);
	case NET_TYPE_VHOSTUSER:
		return parse_vhostuser(iface, src, net, w, e);
	case NET_TYPE_HOSTDEV:
		return parse_hostdev(iface, src, net, w, e);
	case NET_TYPE_VDPA:
		if (src)
			xml_check_known(src, (const char *const[]){"dev", NULL},
					NULL, w);
		net->source = src ? xml_attr(src, "dev") : NULL;
		if (!net->source || net->source[0] != '/')
			return xml_err(e, iface,
				       "interface type 'vdpa' needs <source "
				       "dev='/dev/vhost-vdpa-N'/>");
		return 0;
	default:
		return 0;
	}
}

/* One <ip> of a user-mode network. */
static int parse_user_ip(const xmlNode *n, struct net_user_ip *ip,
			 struct err **e)
{
	_cleanup_free_ char *addr = xml_attr(n, "address");
	_cleanup_free_ char *family = xml_attr(n, "family");
	unsigned char buf[16];
	bool v6;
	unsigned prefix;

	if (!addr)
		return xml_err(e, n, "<ip> needs address=");
	v6 = inet_pton(AF_INET6, addr, buf) == 1;
	if (!v6 && inet_pton(AF_INET, addr, buf) != 1)
		return xml_err(e, n, "ip address '%s': not an IP address",
			       addr);
	if (family && !streq(family, v6 ? "ipv6" : "ipv4"))
		return xml_err(e, n, "ip address '%s' is not of family '%s'",
			       addr, family);
	if (uint_attr(n, "prefix", 1, v6 ? 128 : 32, &prefix, e) < 0)
		return -EINVAL;
	if (v6 ? ip->ipv6 != NULL : ip->ipv4 != NULL)
		return xml_err(e, n, "a second %s <ip>", v6 ? "IPv6" : "IPv4");
	if (v6) {
		ip->ipv6 = steal_ptr(addr);
		ip->prefix6 = prefix;
	} else {
		ip->ipv4 = steal_ptr(addr);
		ip->prefix4 = prefix;
	}
	return 0;
}

/* <script path=> or <downscript path=>: a program of the host's, for a
 * tap of type ethernet. */
static int parse_script(const xmlNode *iface, const char *elem, char **out,
			const struct domain_net *net, struct xml_warnings *w,
			struct err **e)
{
	xmlNode *n = xml_child(iface, elem);

	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){"path", NULL}, NULL, w);
	if (net->type != NET_TYPE_ETHERNET) {
		xml_err(e, n,
			"not supported on an interface of type '%s' (nidod "
			"runs a script for a tap of type 'ethernet')",
			domain_net_type_names[net->type]);
		return err_mark(e, ERR_CONFIG_UNSUPPORTED);
	}
	*out = xml_attr(n, "path");
	if (!*out || (*out)[0] != '/')
		return xml_err(e, n, "%s path '%s': not an absolute path", elem,
			       *out ? *out : "");
	return 0;
}

/* <boot order=>: the guest firmware's order of devices to boot from. */
static int parse_boot(const xmlNode *iface, struct domain_net *net,
		      struct xml_warnings *w, struct err **e)
{
	xmlNode *n = xml_child(iface, "boot");
	_cleanup_free_ char *v = n ? xml_attr(n, "order") : NULL;
	uint64_t u;

	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){"order", NULL}, NULL, w);
	if (!v)
		return xml_err(e, n, "<boot> without order");
	if (xml_uint(n, "boot order", v, 1, 9999, &u, e) < 0)
		return -EINVAL;
	net->boot_order = (unsigned)u;
	return 0;
}

/* A user alias: "ua-" and letters, digits, '_', '-' (libvirt's rule). */
static bool user_alias(const char *s)
{
	size_t n = strlen(s);

	return n > 3 && n <= 64 && str_has_prefix(s, "ua-") &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_-") == n;
}

/* <alias name=> and <teaming type= persistent=> (a failover pair: a
 * virtio card and a VF the guest bonds, the VF unplugged to migrate). */
static int parse_teaming(const xmlNode *iface, struct domain_net *net,
			 struct xml_warnings *w, struct err **e)
{
	static const char *const types[] = {"persistent", "transient", NULL};
	xmlNode *n = xml_child(iface, "alias");
	_cleanup_free_ char *name = n ? xml_attr(n, "name") : NULL;
	_cleanup_free_ char *type = NULL;
	int r;

	if (name && user_alias(name))
		net->alias = steal_ptr(name);
	if (!(n = xml_child(iface, "teaming")))
		return 0;
	xml_check_known(n, (const char *const[]){"type", "persistent", NULL},
			NULL, w);
	type = xml_attr(n, "type");
	if (!type)
		return xml_err(e, n, "<teaming> without type");
	if ((r = xml_enum(n, "teaming type", type, types, e)) < 0)
		return r;
	net->teaming = r + 1;
	net->teaming_persistent = xml_attr(n, "persistent");
	if (net->teaming == 2 &&
	    (!net->teaming_persistent || !user_alias(net->teaming_persistent)))
		return xml_err(e, n,
			       "<teaming type='transient'> needs persistent= "
			       "naming the other's alias (ua-...)");
	if (net->teaming == 1 && net->teaming_persistent)
		return xml_err(e, n,
			       "persistent= is for <teaming type='transient'>");
	return 0;
}

/* A VF's <driver name='vfio'>: nothing of virtio-net's
 * (it is the host's device, not QEMU's). */
static int parse_hostdev_more(const xmlNode *iface, struct domain_net *net,
			      struct xml_warnings *w, struct err **e)
{
	static const char *const not_here[] = {"rom", "acpi", "ip", "port",
					       NULL};
	xmlNode *n;

	if ((n = xml_child(iface, "driver"))) {
		_cleanup_free_ char *name = xml_attr(n, "name");

		xml_check_known(n, (const char *const[]){"name", NULL}, NULL,
				w);
		if (!name || !streq(name, "vfio"))
			return xml_err(e, n,
				       "<driver name='%s'> on an interface of "
				       "type 'hostdev' (vfio)",
				       name ? name : "");
		net->hostdev.vfio = true;
	}
	if ((n = xml_child(iface, "model")))
		xml_warn(w, n,
			 "<model>: not acted on, the guest sees the virtual "
			 "function itself");
	for (size_t i = 0; not_here[i]; i++)
		if ((n = xml_child(iface, not_here[i])))
			return xml_err(e, n,
				       "<%s> on an interface of type 'hostdev' "
				       "(a host's device, not QEMU's card)",
				       not_here[i]);
	return 0;
}

int domain_net_parse_more(const xmlNode *iface, struct domain_net *net,
			  struct xml_warnings *w, struct err **e)
{
	xmlNode *n;
	int r = 0;

	if ((n = xml_child(iface, "backend"))) {
		_cleanup_free_ char *type = xml_attr(n, "type");

		if (type && streq(type, "passt")) {
			xml_err(e, n,
				"<backend type='passt'> is not supported (a "
				"user-mode network is QEMU's own, slirp)");
			return err_mark(e, ERR_CONFIG_UNSUPPORTED);
		}
	}
	if (parse_script(iface, "script", &net->script, net, w, e) < 0 ||
	    parse_script(iface, "downscript", &net->downscript, net, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(iface, "port"))) {
		xml_check_known(n, (const char *const[]){"isolated", NULL},
				NULL, w);
		if (net->type != NET_TYPE_BRIDGE &&
		    net->type != NET_TYPE_NETWORK)
			return xml_err(e, n,
				       "<port isolated=> is for a bridge's "
				       "port (type bridge or network), not "
				       "type '%s'",
				       domain_net_type_names[net->type]);
		r = xml_enum_attr(n, "isolated", "port isolated", yes_no, e);
		if (r < 0)
			return r;
		net->port_isolated = r;
		r = 0;
	}
	if (parse_boot(iface, net, w, e) < 0 ||
	    parse_teaming(iface, net, w, e) < 0)
		return -EINVAL;
	if (net->type == NET_TYPE_HOSTDEV)
		return parse_hostdev_more(iface, net, w, e);
	if (xmlHasProp(iface, BAD_CAST "managed"))
		xml_warn(w, iface, "unknown attribute 'managed' ignored");
	if ((n = xml_child(iface, "driver")))
		r = parse_driver(n, &net->driver, w, e);
	if (r == 0 && (n = xml_child(iface, "rom")))
		r = parse_rom(n, &net->rom, w, e);
	if (r == 0 && (n = xml_child(iface, "acpi"))) {
		xml_check_known(n, (const char *const[]){"index", NULL}, NULL,
				w);
		r = uint_attr(n, "index", 1, 16383, &net->acpi_index, e);
	}
	for (n = iface->children; r == 0 && n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    !streq((const char *)n->name, "ip"))
			continue;
		if (net->type != NET_TYPE_USER) {
			/* libvirt's lxc driver sets it in the container,
			 * its qemu driver refuses it: nido does neither yet */
			xml_warn(w, n,
				 "<ip> on an interface of type '%s' not "
				 "acted on: nido sets a guest's addresses on "
				 "a user-mode network only",
				 domain_net_type_names[net->type]);
			continue;
		}
		xml_check_known(n,
				(const char *const[]){"address", "family",
						      "prefix", NULL},
				NULL, w);
		r = parse_user_ip(n, &net->user_ip, e);
	}
	return r;
}

void domain_net_format_source_more(FILE *f, const struct domain_net *n)
{
	const struct net_socket *s = &n->sock;
	const struct net_vhostuser *v = &n->vhost;

	switch (n->type) {
	case NET_TYPE_ETHERNET:
		format_host(f, &n->host);
		return;
	case NET_TYPE_SERVER:
	case NET_TYPE_CLIENT:
	case NET_TYPE_MCAST:
	case NET_TYPE_UDP:
		fputs("      <source", f);
		xml_put_attr(f, "address", s->address);
		fprintf(f, " port='%u'", s->port);
		if (!s->local_address) {
			fputs("/>\n", f);
			return;
		}
		fputs(">\n        <local", f);
		xml_put_attr(f, "address", s->local_address);
		fprintf(f, " port='%u'/>\n      </source>\n", s->local_port);
		return;
	case NET_TYPE_VHOSTUSER:
		fputs("      <source type='unix'", f);
		xml_put_attr(f, "path", v->path);
		fprintf(f, " mode='%s'", v->server ? "server" : "client");
		if (!v->reconnect) {
			fputs("/>\n", f);
			return;
		}
		fprintf(f, ">\n        <reconnect enabled='%s'",
			yes_no[v->reconnect]);
		if (v->reconnect_secs)
			fprintf(f, " timeout='%u'", v->reconnect_secs);
		fputs("/>\n      </source>\n", f);
		return;
	case NET_TYPE_VDPA:
		fputs("      <source", f);
		xml_put_attr(f, "dev", n->source);
		fputs("/>\n", f);
		return;
	case NET_TYPE_HOSTDEV:
		fprintf(f,
			"      <source>\n        <address type='pci' "
			"domain='0x%04x' bus='0x%02x' slot='0x%02x' "
			"function='0x%x'/>\n      </source>\n",
			n->hostdev.domain, n->hostdev.bus, n->hostdev.slot,
			n->hostdev.function);
		return;
	default:
		return;
	}
}

/* The switches of @elem set in @d, as attributes. */
static bool format_opts(FILE *f, const struct net_driver *d, const char *elem)
{
	bool any = false;

	for (int i = 0; i < NET_OPT_N; i++)
		if (d->opt[i] && streq(net_opt_names[i].elem, elem)) {
			fprintf(f, " %s='%s'", net_opt_names[i].attr,
				on_off[d->opt[i]]);
			any = true;
		}
	return any;
}

static bool opts_set(const struct net_driver *d, const char *elem)
{
	for (int i = 0; i < NET_OPT_N; i++)
		if (d->opt[i] && streq(net_opt_names[i].elem, elem))
			return true;
	return false;
}

static void format_driver(FILE *f, const struct net_driver *d)
{
	bool host = opts_set(d, "host"), guest = opts_set(d, "guest");

	if (!d->name && !d->queues && !d->rx_queue_size && !d->tx_queue_size &&
	    !d->txmode && !opts_set(d, "driver") && !host && !guest)
		return;
	fputs("      <driver", f);
	if (d->name)
		fprintf(f, " name='%s'", driver_names[d->name]);
	if (d->txmode)
		fprintf(f, " txmode='%s'", txmode_names[d->txmode]);
	if (d->queues)
		fprintf(f, " queues='%u'", d->queues);
	if (d->rx_queue_size)
		fprintf(f, " rx_queue_size='%u'", d->rx_queue_size);
	if (d->tx_queue_size)
		fprintf(f, " tx_queue_size='%u'", d->tx_queue_size);
	format_opts(f, d, "driver");
	if (!host && !guest) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (host) {
		fputs("        <host", f);
		format_opts(f, d, "host");
		fputs("/>\n", f);
	}
	if (guest) {
		fputs("        <guest", f);
		format_opts(f, d, "guest");
		fputs("/>\n", f);
	}
	fputs("      </driver>\n", f);
}

static void format_ip(FILE *f, const char *addr, const char *family,
		      unsigned prefix)
{
	if (!addr)
		return;
	fputs("      <ip", f);
	xml_put_attr(f, "address", addr);
	fprintf(f, " family='%s'", family);
	if (prefix)
		fprintf(f, " prefix='%u'", prefix);
	fputs("/>\n", f);
}

void domain_net_format_more(FILE *f, const struct domain_net *n)
{
	const struct net_rom *rom = &n->rom;

	if (n->script) {
		fputs("      <script", f);
		xml_put_attr(f, "path", n->script);
		fputs("/>\n", f);
	}
	if (n->downscript) {
		fputs("      <downscript", f);
		xml_put_attr(f, "path", n->downscript);
		fputs("/>\n", f);
	}
	format_ip(f, n->user_ip.ipv4, "ipv4", n->user_ip.prefix4);
	format_ip(f, n->user_ip.ipv6, "ipv6", n->user_ip.prefix6);
	format_driver(f, &n->driver);
	if (n->hostdev.vfio)
		fputs("      <driver name='vfio'/>\n", f);
	if (n->boot_order)
		fprintf(f, "      <boot order='%u'/>\n", n->boot_order);
	if (n->teaming) {
		fprintf(f, "      <teaming type='%s'",
			n->teaming == 1 ? "persistent" : "transient");
		xml_put_attr(f, "persistent", n->teaming_persistent);
		fputs("/>\n", f);
	}
	if (n->alias) {
		fputs("      <alias", f);
		xml_put_attr(f, "name", n->alias);
		fputs("/>\n", f);
	}
	if (rom->bar || rom->enabled || rom->file) {
		fputs("      <rom", f);
		if (rom->enabled)
			fprintf(f, " enabled='%s'", yes_no[rom->enabled]);
		if (rom->bar)
			fprintf(f, " bar='%s'", on_off[rom->bar]);
		xml_put_attr(f, "file", rom->file);
		fputs("/>\n", f);
	}
	if (n->acpi_index)
		fprintf(f, "      <acpi index='%u'/>\n", n->acpi_index);
	if (n->port_isolated)
		fprintf(f, "      <port isolated='%s'/>\n",
			yes_no[n->port_isolated]);
}

void domain_net_more_clear(struct domain_net *n)
{
	free(n->rom.file);
	free(n->sock.address);
	free(n->sock.local_address);
	free(n->vhost.path);
	free(n->user_ip.ipv4);
	free(n->user_ip.ipv6);
	free(n->script);
	free(n->downscript);
	free(n->alias);
	free(n->teaming_persistent);
}

int domain_net_add_hostdev(const xmlNode *c, struct domain_def *d, size_t i,
			   struct err **e)
{
	const struct domain_net *n = &d->nets[i];
	struct domain_hostdev *h;

	if (d->n_hostdevs == DOMAIN_MAX_HOSTDEVS)
		return xml_err(e, c, "more than %d host devices",
			       DOMAIN_MAX_HOSTDEVS);
	d->hostdevs = xreallocarray(d->hostdevs, d->n_hostdevs + 1,
				    sizeof(*d->hostdevs));
	h = &d->hostdevs[d->n_hostdevs++];
	*h = (struct domain_hostdev){
		.type = HOSTDEV_PCI,
		.managed = (enum domain_tristate)n->hostdev.managed,
		.driver_vfio = n->hostdev.vfio,
		.domain = n->hostdev.domain,
		.bus = n->hostdev.bus,
		.slot = n->hostdev.slot,
		.function = n->hostdev.function,
		.boot_order = n->boot_order,
		.pci = n->pci,
		.net = (unsigned)i + 1,
	};
	return 0;
}
