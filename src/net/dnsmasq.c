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

	if (ip->addr.family == AF_INET6 && !ip->n_ranges) {
		/* Addresses by SLAAC from the router advertisements. */
		struct net_ip net = net_ip_network(&ip->addr, ip->prefix);

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
	/* With forwarders of every name, /etc/resolv.conf is not read. */
	for (size_t i = 0; i < c->n_forwarders; i++)
		if (!c->forwarders[i].domain) {
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
	for (size_t i = 0; i < c->n_ips; i++) {
		put_ranges(f, &c->ips[i], &leases);
		v6 |= c->ips[i].addr.family == AF_INET6;
		dhcp |= c->ips[i].n_ranges || c->ips[i].n_hosts;
	}
	if (dhcp) {
		fprintf(f, "dhcp-no-override\ndhcp-authoritative\n");
		fprintf(f, "dhcp-lease-max=%" PRIu64 "\n", MAX(leases, 1));
		fprintf(f, "dhcp-leasefile=%s\n", c->lease_file);
		fprintf(f, "dhcp-hostsfile=%s\n", c->dhcp_hosts_file);
	}
	if (v6)
		fprintf(f, "enable-ra\n");
	fclose(f);
	return text;
}

static int host_check(const struct net_dhcp_host *h, struct err **e)
{
	if (h->name && net_hostname_check(h->name, "DHCP host name", e) < 0)
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

/* One lease line split into @f (5 fields); @v6 after the "duid" line. */
static int lease_line(char **f, bool v6, struct net_lease *l, struct err **e)
{
	unsigned long long exp, iaid;
	char *end;

	errno = 0;
	exp = strtoull(f[0], &end, 10);
	if (*end || errno || f[0][0] == '-')
		return err_set(e, EINVAL, "bad expiry time '%s'", f[0]);
	l->expiry = (time_t)exp;
	if (v6) {
		iaid = strtoull(f[1], &end, 10);
		if (*end || errno || iaid > UINT32_MAX || f[1][0] == '-')
			return err_set(e, EINVAL, "bad IAID '%s'", f[1]);
		l->iaid = (uint32_t)iaid;
	} else {
		if (net_mac_parse(f[1], "MAC", l->mac, NULL) < 0 &&
		    !strchr(f[1], '-'))
			return err_set(e, EINVAL, "bad MAC '%s'", f[1]);
		l->has_mac = !strchr(f[1], '-');
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
		     size_t *n, struct err **e)
{
	_cleanup_free_ char *copy = NULL;
	struct net_lease *l = NULL;
	size_t count = 0, lineno = 0;
	bool v6 = false;
	char *save = NULL, *f[5];

	if (len > NET_LEASE_FILE_MAX || memchr(text, '\0', len))
		return err_set(e, EINVAL, "lease file: too large or binary");
	copy = xstrndup(text, len);
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t nf = split(line, f);

		lineno++;
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
		if (nf != 5 || lease_line(f, v6, &l[count], e) < 0) {
			if (nf != 5)
				err_set(e, EINVAL, "%zu fields, expected 5",
					nf);
			net_leases_free(l, count + 1);
			return err_prefix(e, "lease file line %zu", lineno);
		}
		count++;
	}
	*out = l;
	*n = count;
	return 0;
}

int net_leases_read(const char *path, struct net_lease **out, size_t *n,
		    struct err **e)
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
		return 0;
	}
	if (r < 0)
		return r;
	r = net_leases_parse(text, len, out, n, e);
	if (r < 0)
		return err_prefix(e, "'%s'", path);
	return 0;
}
