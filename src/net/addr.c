// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>

#include "lib/uuid.h"

int net_ip_parse(const char *s, int family, const char *what,
		 struct net_ip *out, struct err **e)
{
	struct net_ip ip = {0};

	if (!s)
		return err_set(e, EINVAL, "%s: address missing", what);
	if ((family == 0 || family == AF_INET) &&
	    inet_pton(AF_INET, s, ip.b) == 1)
		ip.family = AF_INET;
	else if ((family == 0 || family == AF_INET6) &&
		 inet_pton(AF_INET6, s, ip.b) == 1)
		ip.family = AF_INET6;
	else
		return err_set(e, EINVAL, "%s '%s' is not an %s address", what,
			       s,
			       family == AF_INET    ? "IPv4"
			       : family == AF_INET6 ? "IPv6"
						    : "IP");
	*out = ip;
	return 0;
}

const char *net_ip_str(const struct net_ip *ip, char buf[NET_IP_STRLEN])
{
	if (!ip->family || !inet_ntop(ip->family, ip->b, buf, NET_IP_STRLEN))
		snprintf(buf, NET_IP_STRLEN, "(none)");
	return buf;
}

unsigned net_ip_bits(const struct net_ip *ip)
{
	return ip->family == AF_INET6 ? 128 : 32;
}

bool net_ip_eq(const struct net_ip *a, const struct net_ip *b)
{
	return a->family == b->family &&
	       memcmp(a->b, b->b, net_ip_bits(a) / 8) == 0;
}

int net_ip_cmp(const struct net_ip *a, const struct net_ip *b)
{
	int c = memcmp(a->b, b->b, net_ip_bits(a) / 8);

	return c < 0 ? -1 : c > 0;
}

/* @ip with the bits after @prefix set to @ones. */
static struct net_ip host_bits(const struct net_ip *ip, unsigned prefix,
			       bool ones)
{
	struct net_ip r = *ip;
	unsigned bits = net_ip_bits(ip);

	for (unsigned i = prefix; i < bits; i++) {
		uint8_t m = 0x80 >> (i % 8);

		if (ones)
			r.b[i / 8] |= m;
		else
			r.b[i / 8] &= ~m;
	}
	return r;
}

struct net_ip net_ip_network(const struct net_ip *ip, unsigned prefix)
{
	return host_bits(ip, prefix, false);
}

struct net_ip net_ip_last(const struct net_ip *ip, unsigned prefix)
{
	return host_bits(ip, prefix, true);
}

bool net_ip_in(const struct net_ip *ip, const struct net_ip *net,
	       unsigned prefix)
{
	struct net_ip a, b;

	if (ip->family != net->family)
		return false;
	a = net_ip_network(ip, prefix);
	b = net_ip_network(net, prefix);
	return net_ip_eq(&a, &b);
}

bool net_prefix_overlap(const struct net_ip *a, unsigned pa,
			const struct net_ip *b, unsigned pb)
{
	return net_ip_in(a, b, MIN(pa, pb));
}

int net_netmask_prefix(const struct net_ip *mask, unsigned *prefix,
		       struct err **e)
{
	char buf[NET_IP_STRLEN];
	uint32_t m;
	unsigned n = 0;

	if (mask->family != AF_INET)
		return err_set(e, EINVAL, "a netmask must be an IPv4 address");
	memcpy(&m, mask->b, 4);
	m = ntohl(m);
	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	if (n < 32 && (m << n))
		return err_set(e, EINVAL,
			       "netmask '%s' has non-contiguous bits",
			       net_ip_str(mask, buf));
	*prefix = n;
	return 0;
}

struct net_ip net_prefix_netmask(unsigned prefix)
{
	struct net_ip r = {.family = AF_INET};
	uint32_t m = prefix ? htonl(0xffffffffu << (32 - prefix)) : 0;

	memcpy(r.b, &m, 4);
	return r;
}

int net_mac_parse(const char *s, const char *what, uint8_t mac[6],
		  struct err **e)
{
	unsigned v[6];
	char end;

	if (!s || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &end) != 6)
		return err_set(e, EINVAL,
			       "%s '%s' is not a MAC address "
			       "(expected six hex bytes: 52:54:00:12:34:56)",
			       what, s ? s : "");
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return err_set(e, EINVAL,
				       "%s '%s' is not a MAC address", what, s);
	if (v[0] & 1)
		return err_set(e, EINVAL,
			       "%s '%s' is a multicast address, not a MAC an "
			       "interface can have",
			       what, s);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)v[i];
	return 0;
}

const char *net_mac_str(const uint8_t mac[6], char buf[NET_MAC_STRLEN])
{
	snprintf(buf, NET_MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
		 mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int net_ifname_check(const char *name, bool template, struct err **e)
{
	size_t n = strlen(name);
	const char *pct = strchr(name, '%');

	if (n == 0 || n > NET_IFNAME_MAX)
		return err_set(e, EINVAL,
			       "interface name '%s' must be 1 to %d characters",
			       name, NET_IFNAME_MAX);
	/* "all" and "default" are the kernel's, in /proc/sys/net/.../conf. */
	if (streq(name, ".") || streq(name, "..") || streq(name, "all") ||
	    streq(name, "default"))
		return err_set(e, EINVAL, "interface name '%s' is not allowed",
			       name);
	if (pct && (!template || pct[1] != 'd' || strchr(pct + 1, '%')))
		return err_set(e, EINVAL,
			       "interface name '%s': '%%' is allowed only "
			       "once, as '%%d' in a template",
			       name);
	for (size_t i = 0; i < n; i++) {
		if (pct && (name + i == pct || name + i == pct + 1))
			continue;
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return err_set(e, EINVAL,
				       "interface name '%s' has an invalid "
				       "character (allowed: letters, digits, "
				       "'_', '.', '-')",
				       name);
	}
	if (pct && n - 2 + NET_IFNAME_NUM_MAX > NET_IFNAME_MAX)
		return err_set(e, EINVAL,
			       "interface name template '%s' is too long: "
			       "with a number of up to %d digits for '%%d' it "
			       "must stay within %d characters",
			       name, NET_IFNAME_NUM_MAX, NET_IFNAME_MAX);
	return 0;
}

/* One label of a host name: 1-63 of [A-Za-z0-9-], no '-' at the ends. */
static bool label_ok(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

int net_hostname_check(const char *name, const char *what, struct err **e)
{
	size_t n = strlen(name);
	const char *p = name;

	if (n == 0 || n > 253)
		goto bad;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (!label_ok(p, len))
			goto bad;
		if (!dot)
			return 0;
		p = dot + 1;
	}
bad:
	return err_set(e, EINVAL,
		       "%s '%s' is not a valid host name (labels of letters, "
		       "digits and '-', separated by dots)",
		       what, name);
}

bool net_link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

void net_mac_random(uint8_t mac[6])
{
	struct uuid u;

	uuid_new_random(&u);
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	memcpy(mac + 3, u.bytes, 3);
}
