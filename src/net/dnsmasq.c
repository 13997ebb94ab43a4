// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dnsmasq's files, with the option names of dnsmasq(8). The shape is
 * libvirt's: bind-dynamic on the bridge only, strict-order, one
 * dhcp-range per range, static hosts in a dhcp-hostsfile (which dnsmasq
 * rereads on SIGHUP, so a host can be added without a restart).
 */
#include "net/dnsmasq.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <strings.h>

#include "lib/file.h"

/* A path dnsmasq reads from one option line: absolute, no line end. */
static int path_check(const char *path, const char *what, struct err **e)
{
	if (!path || path[0] != '/' || strpbrk(path, "\n\r,") ||
	    strlen(path) > 4000)
		return err_set(e, EINVAL,
			       "dnsmasq %s '%s': must be an absolute path "
			       "without line ends or commas",
			       what, path ? path : "");
	return 0;
}

static int check_conf(const struct net_dnsmasq_conf *c, struct err **e)
{
	if (net_ifname_check(c->bridge, false, e) < 0)
		return -EINVAL;
	if (c->domain && net_hostname_check(c->domain, "domain", e) < 0)
		return -EINVAL;
	if (c->user && net_hostname_check(c->user, "dnsmasq user", e) < 0)
		return -EINVAL;
	if (path_check(c->lease_file, "lease file", e) < 0 ||
	    path_check(c->dhcp_hosts_file, "DHCP hosts file", e) < 0 ||
	    path_check(c->dns_hosts_file, "DNS hosts file", e) < 0 ||
	    (c->pid_file && path_check(c->pid_file, "pid file", e) < 0))
		return -EINVAL;
	for (size_t i = 0; i < c->n_forwarders; i++) {
		const struct net_dns_forwarder *f = &c->forwarders[i];

		if (f->domain &&
		    net_hostname_check(f->domain, "forwarder domain", e) < 0)
			return -EINVAL;
		if (!f->domain && !f->addr.family)
			return err_set(e, EINVAL,
				       "DNS forwarder %zu: no address and no "
				       "domain",
				       i);
	}
	return 0;
}

/* Number of addresses from @r's start to end, capped at 2^31. */
static uint64_t range_size(const struct net_dhcp_range *r)
{
	unsigned bytes = net_ip_bits(&r->start) / 8;
	size_t off = bytes > 8 ? bytes - 8 : 0;
	uint64_t s = 0, t = 0;

	if (off && memcmp(r->start.b, r->end.b, off))
		return (uint64_t)1 << 31;
	for (size_t i = off; i < bytes; i++) {
		s = (s << 8) | r->start.b[i];
		t = (t << 8) | r->end.b[i];
	}
	return t < s ? 0 : MIN(t - s + 1, (uint64_t)1 << 31);
}

static void put_ranges(FILE *f, const struct net_dnsmasq_ip *ip,
		       uint64_t *leases)
{
	char a[NET_IP_STRLEN], b[NET_IP_STRLEN], m[NET_IP_STRLEN];

	struct net_ip net = net_ip_network(&ip->addr, ip->prefix);

	if (!ip->n_ranges && ip->n_hosts) {
		/* Without a range dnsmasq would answer no one, hosts too. */
		fprintf(f, "dhcp-range=%s,static", net_ip_str(&net, a));
		if (ip->addr.family == AF_INET6)
			fprintf(f, ",%u", ip->prefix);
		fputc('\n', f);
	} else if (ip->addr.family == AF_INET6 && !ip->n_ranges) {
		/* Addresses by SLAAC from the router advertisements. */
		fprintf(f, "dhcp-range=%s,ra-only,%u\n", net_ip_str(&net, a),
			ip->prefix);
		return;
	}
	for (size_t i = 0; i < ip->n_ranges; i++) {
		const struct net_dhcp_range *r = &ip->ranges[i];

		net_ip_str(&r->start, a);
		net_ip_str(&r->end, b);
		if (ip->addr.family == AF_INET) {
			struct net_ip mask = net_prefix_netmask(ip->prefix);

			fprintf(f, "dhcp-range=%s,%s,%s\n", a, b,
				net_ip_str(&mask, m));
		} else {
			fprintf(f, "dhcp-range=%s,%s,%u\n", a, b, ip->prefix);
		}
		*leases += range_size(r);
	}
	*leases += ip->n_hosts;
}

static void put_dns(FILE *f, const struct net_dnsmasq_conf *c)
{
	char a[NET_IP_STRLEN];

	if (c->no_forward_plain)
		fprintf(f, "domain-needed\nlocal=//\n");
	if (c->domain) {
		fprintf(f, "domain=%s\n", c->domain);
		if (c->domain_local)
			fprintf(f, "local=/%s/\n", c->domain);
		fprintf(f, "expand-hosts\n");
	}
	for (size_t i = 0; i < c->n_forwarders; i++) {
		const struct net_dns_forwarder *fw = &c->forwarders[i];

		fprintf(f, "server=");
		if (fw->domain)
			fprintf(f, "/%s/", fw->domain);
		fprintf(f, "%s\n",
			fw->addr.family ? net_ip_str(&fw->addr, a) : "");
	}
	/* With forwarders of every name, /etc/resolv.conf is not read;
	 * an isolated network forwards to no one of the host's. */
	for (size_t i = 0; i <= c->n_forwarders; i++)
		if (i == c->n_forwarders ? c->isolated
					 : !c->forwarders[i].domain) {
			fprintf(f, "no-resolv\n");
			break;
		}
	fprintf(f, "addn-hosts=%s\n", c->dns_hosts_file);
}

char *net_dnsmasq_conf(const struct net_dnsmasq_conf *c, struct err **e)
{
	char *text = NULL;
	size_t len = 0;
	uint64_t leases = 0;
	bool v6 = false, dhcp = false;
	FILE *f;

	if (check_conf(c, e) < 0) {
		err_prefix(e, "dnsmasq configuration of '%s'", c->bridge);
		return NULL;
	}
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	fprintf(f, "# Written by nidod for bridge %s: changes are lost.\n",
		c->bridge);
	fprintf(f, "strict-order\nkeep-in-foreground\n");
	if (c->pid_file)
		fprintf(f, "pid-file=%s\n", c->pid_file);
	if (c->user)
		fprintf(f, "user=%s\n", c->user);
	fprintf(f, "except-interface=lo\nbind-dynamic\ninterface=%s\n",
		c->bridge);
	if (c->no_dns)
		fprintf(f, "port=0\n");
	else
		put_dns(f, c);
	if (c->isolated) {
		/* DHCP option 3 empty: no default route through the host;
		 * RAs saying "not a default router" (no-resolv: put_dns). */
		fprintf(f, "dhcp-option=3\nra-param=*,0,0\n");
	}
	for (size_t i = 0; i < c->n_ips; i++) {
		bool has_dhcp = c->ips[i].n_ranges || c->ips[i].n_hosts;

		put_ranges(f, &c->ips[i], &leases);
		dhcp |= has_dhcp;
		/* ra-only subnets advertise without it, as libvirt's. */
		v6 |= c->ips[i].addr.family == AF_INET6 && has_dhcp;
	}
	if (dhcp) {
		fprintf(f, "dhcp-no-override\ndhcp-authoritative\n");
		/* Ranges of 2^31 addresses each add up past any int. */
		fprintf(f, "dhcp-lease-max=%" PRIu64 "\n",
			MIN(MAX(leases, 1), (uint64_t)NET_LEASES_MAX));
		fprintf(f, "dhcp-leasefile=%s\n", c->lease_file);
		fprintf(f, "dhcp-hostsfile=%s\n", c->dhcp_hosts_file);
	}
	if (v6)
		fprintf(f, "enable-ra\n");
	fclose(f);
	return text;
}

/* ^[0-9]+[smhdw]?$: a lease time for dnsmasq. */
static bool lease_time(const char *s)
{
	size_t d = strspn(s, "0123456789");

	return d && (!s[d] || (strchr("smhdwSMHDW", s[d]) && !s[d + 1]));
}

int net_dnsmasq_host_name_check(const char *name, const char *what,
				struct err **e)
{
	const char *last = strrchr(name, '.');
	struct net_ip ip;

	if (net_hostname_check(name, what, e) < 0)
		return -EINVAL;
	last = last ? last + 1 : name;
	if (!strcasecmp(name, "ignore") || !strcasecmp(name, "infinite") ||
	    !strcasecmp(name, "deprecated") || lease_time(name) ||
	    net_ip_parse(name, 0, "", &ip, NULL) == 0 ||
	    !last[strspn(last, "0123456789")])
		return err_set(e, EINVAL,
			       "%s '%s' would be read by dnsmasq as an option "
			       "of the host (ignore, infinite, a lease time "
			       "or an address), not as its name: a name needs "
			       "a last label that is not all digits",
			       what, name);
	return 0;
}

static int host_check(const struct net_dhcp_host *h, struct err **e)
{
	if (h->name &&
	    net_dnsmasq_host_name_check(h->name, "DHCP host name", e) < 0)
		return -EINVAL;
	if (h->id) {
		for (const char *p = h->id; *p; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return err_set(e, EINVAL,
					       "DHCP host id '%s' must be hex "
					       "bytes separated by ':'",
					       h->id);
	}
	if (!h->has_mac && !h->id && !h->name)
		return err_set(e, EINVAL,
			       "a DHCP host needs a MAC, an id or a "
			       "name");
	/* dnsmasq would read a lone name as a MAC-less entry for it. */
	if (!h->has_mac && !h->id && !h->ip.family)
		return err_set(e, EINVAL,
			       "DHCP host '%s': a name alone needs an "
			       "address",
			       h->name);
	return 0;
}

/* "mac|id:ID[,ip][,name]", or "ip,name" for a host known by name. */
static void put_host(FILE *f, const struct net_dhcp_host *h)
{
	char a[NET_IP_STRLEN], m[NET_MAC_STRLEN];
	const char *sep = "";

	if (h->has_mac) {
		fputs(net_mac_str(h->mac, m), f);
		sep = ",";
	} else if (h->id) {
		fprintf(f, "id:%s", h->id);
		sep = ",";
	}
	if (h->ip.family == AF_INET6)
		fprintf(f, "%s[%s]", sep, net_ip_str(&h->ip, a));
	else if (h->ip.family)
		fprintf(f, "%s%s", sep, net_ip_str(&h->ip, a));
	if (h->ip.family)
		sep = ",";
	if (h->name)
		fprintf(f, "%s%s", sep, h->name);
	fputc('\n', f);
}

char *net_dnsmasq_dhcp_hosts(const struct net_dnsmasq_conf *c, struct err **e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	for (size_t i = 0; i < c->n_ips; i++)
		for (size_t j = 0; j < c->ips[i].n_hosts; j++) {
			if (host_check(&c->ips[i].hosts[j], e) < 0) {
				fclose(f);
				free(text);
				return NULL;
			}
			put_host(f, &c->ips[i].hosts[j]);
		}
	fclose(f);
	return text;
}

char *net_dnsmasq_dns_hosts(const struct net_dns_host *hosts, size_t n,
			    struct err **e)
{
	char *text = NULL;
	size_t len = 0;
	char a[NET_IP_STRLEN];
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < hosts[i].n_names; j++)
			if (net_hostname_check(hosts[i].names[j],
					       "DNS host name", e) < 0) {
				fclose(f);
				free(text);
				return NULL;
			}
		fputs(net_ip_str(&hosts[i].ip, a), f);
		for (size_t j = 0; j < hosts[i].n_names; j++)
			fprintf(f, " %s", hosts[i].names[j]);
		fputc('\n', f);
	}
	fclose(f);
	return text;
}

void net_leases_free(struct net_lease *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++) {
		free(l[i].hostname);
		free(l[i].client_id);
	}
	free(l);
}

/* "*" is dnsmasq's "none"; client ids are hex bytes with ':'. */
static char *opt_field(const char *s, bool hostname)
{
	if (streq(s, "*"))
		return NULL;
	if (hostname)
		return net_hostname_check(s, "", NULL) == 0 ? xstrdup(s) : NULL;
	for (const char *p = s; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':')
			return NULL;
	return xstrdup(s);
}

/* A number of at most @max; no sign, no space, no base prefix. */
static bool lease_uint(const char *s, int base, unsigned long long max,
		       unsigned long long *out)
{
	char *end;

	if (!isxdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	*out = strtoull(s, &end, base);
	return !*end && !errno && *out <= max;
}

/*
 * dnsmasq writes the client's hardware address as hex bytes with ':',
 * led by "TYPE-" (hex ARP type) unless it is Ethernet with bytes.
 */
static int lease_hwaddr(const char *s, struct net_lease *l, struct err **e)
{
	const char *dash = strchr(s, '-'), *p = s;
	unsigned long long v;
	char type[3] = "";

	l->hwtype = 1;
	if (dash) {
		if (dash - s != 2)
			return err_set(e, EINVAL, "bad hardware address");
		memcpy(type, s, 2);
		if (!lease_uint(type, 16, 0xff, &v))
			return err_set(e, EINVAL, "bad hardware type");
		l->hwtype = (unsigned)v;
		p = dash + 1;
	}
	while (*p) {
		char byte[3] = {p[0], p[0] ? p[1] : 0, 0};

		if (l->hwaddr_len == NET_HWADDR_MAX ||
		    !lease_uint(byte, 16, 0xff, &v) ||
		    !isxdigit((unsigned char)p[1]) ||
		    (p[2] && (p[2] != ':' || !p[3])))
			return err_set(e, EINVAL, "bad hardware address");
		l->hwaddr[l->hwaddr_len++] = (uint8_t)v;
		p += p[2] ? 3 : 2;
	}
	if (!dash && !l->hwaddr_len)
		return err_set(e, EINVAL, "bad hardware address");
	l->has_mac = l->hwtype == 1 && l->hwaddr_len == 6;
	if (l->has_mac)
		memcpy(l->mac, l->hwaddr, 6);
	return 0;
}

/* One lease line split into @f (5 fields); @v6 after the "duid" line. */
static int lease_line(char **f, bool v6, struct net_lease *l, struct err **e)
{
	unsigned long long exp, iaid;

	if (!lease_uint(f[0], 10, INT64_MAX, &exp) || !isdigit(f[0][0]))
		return err_set(e, EINVAL, "bad expiry time '%s'", f[0]);
	l->expiry = (time_t)exp;
	if (v6) {
		/* An IA_TA's IAID is written "T<n>". */
		l->temporary = f[1][0] == 'T';
		if (!lease_uint(f[1] + l->temporary, 10, UINT32_MAX, &iaid) ||
		    !isdigit((unsigned char)f[1][l->temporary]))
			return err_set(e, EINVAL, "bad IAID '%s'", f[1]);
		l->iaid = (uint32_t)iaid;
	} else if (lease_hwaddr(f[1], l, e) < 0) {
		return err_prefix(e, "'%s'", f[1]);
	}
	if (net_ip_parse(f[2], v6 ? AF_INET6 : AF_INET, "address", &l->ip, e) <
	    0)
		return -EINVAL;
	l->hostname = opt_field(f[3], true);
	l->client_id = opt_field(f[4], false);
	return 0;
}

/* Splits @line in place into at most 5 space-separated fields. */
static size_t split(char *line, char **f)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		if (n == 5)
			return 6;
		f[n++] = t;
	}
	return n;
}

int net_leases_parse(const char *text, size_t len, struct net_lease **out,
		     size_t *n, size_t *skipped, struct err **e)
{
	_cleanup_free_ char *copy = NULL;
	struct net_lease *l = NULL;
	size_t count = 0, bad = 0;
	bool v6 = false;
	char *save = NULL, *f[5];

	if (len > NET_LEASE_FILE_MAX || memchr(text, '\0', len))
		return err_set(e, EINVAL, "lease file: too large or binary");
	copy = xstrndup(text, len);
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t nf = split(line, f);

		if (nf == 2 && streq(f[0], "duid")) {
			v6 = true;
			continue;
		}
		if (count == NET_LEASES_MAX) {
			net_leases_free(l, count);
			return err_set(e, EFBIG,
				       "lease file: more than %d "
				       "leases",
				       NET_LEASES_MAX);
		}
		l = xreallocarray(l, count + 1, sizeof(*l));
		l[count] = (struct net_lease){0};
		/* A line a client made unreadable hides only its lease. */
		if (nf != 5 || lease_line(f, v6, &l[count], NULL) < 0) {
			bad++;
			continue;
		}
		count++;
	}
	*out = l;
	*n = count;
	if (skipped)
		*skipped = bad;
	return 0;
}

int net_leases_read(const char *path, struct net_lease **out, size_t *n,
		    size_t *skipped, struct err **e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = file_read_all(path, NET_LEASE_FILE_MAX, &text, &len, e);

	if (r == -ENOENT) {
		err_free(e ? *e : NULL);
		if (e)
			*e = NULL;
		*out = NULL;
		*n = 0;
		if (skipped)
			*skipped = 0;
		return 0;
	}
	if (r < 0)
		return r;
	r = net_leases_parse(text, len, out, n, skipped, e);
	if (r < 0)
		return err_prefix(e, "'%s'", path);
	return 0;
}
