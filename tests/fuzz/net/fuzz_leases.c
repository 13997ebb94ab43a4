// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: dnsmasq's lease file as a guest can shape it (its
 * hardware address, client id, host name and DUID end up in it). Nothing
 * may crash, leak or take long; every line is either a lease or counted
 * as skipped; a lease holds only what the parser promises (a valid host
 * name or none, a client id of hex bytes, an Ethernet MAC only when it is
 * one, an IPv4 address before the "duid" line and IPv6 after); and the
 * leases written back in dnsmasq's format parse to the same leases.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/dnsmasq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The lines the parser must account for: not empty, not "duid X". */
static size_t lease_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		size_t end = i;
		char f[2][8] = {"", ""};
		int nf = 0;

		while (end < len && text[end] != '\n')
			end++;
		/* Fields of up to 7 bytes are enough to tell "duid". */
		for (size_t j = i; j < end && nf <= 2;) {
			size_t k = j;

			while (k < end && (text[k] == ' ' || text[k] == '\t'))
				k++;
			if (k == end)
				break;
			j = k;
			while (j < end && text[j] != ' ' && text[j] != '\t')
				j++;
			if (nf < 2)
				snprintf(f[nf], sizeof(f[nf]), "%.*s",
					 (int)(j - k), text + k);
			nf++;
		}
		if (end > i && !(nf == 2 && !strcmp(f[0], "duid")))
			n++;
		i = end + 1;
	}
	return n;
}

static void check_lease(const struct net_lease *l, bool v6)
{
	if (l->hwaddr_len > NET_HWADDR_MAX ||
	    l->ip.family != (v6 ? AF_INET6 : AF_INET))
		abort();
	if (l->has_mac != (!v6 && l->hwtype == 1 && l->hwaddr_len == 6) ||
	    (l->has_mac && memcmp(l->mac, l->hwaddr, 6)))
		abort();
	if (l->hostname && net_hostname_check(l->hostname, "", NULL) < 0)
		abort();
	for (const char *p = l->client_id; p && *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != ':')
			abort();
	if (v6 && (l->hwaddr_len || l->has_mac))
		abort();
	if (!v6 && (l->iaid || l->temporary))
		abort();
}

/* @l written as dnsmasq writes a lease line. */
static void put_lease(FILE *f, const struct net_lease *l, bool v6)
{
	char a[NET_IP_STRLEN];

	fprintf(f, "%" PRIu64 " ", (uint64_t)l->expiry);
	if (v6) {
		fprintf(f, "%s%" PRIu32, l->temporary ? "T" : "", l->iaid);
	} else {
		fprintf(f, "%02x-", l->hwtype);
		for (size_t i = 0; i < l->hwaddr_len; i++)
			fprintf(f, "%s%02x", i ? ":" : "", l->hwaddr[i]);
	}
	fprintf(f, " %s %s %s\n", net_ip_str(&l->ip, a),
		l->hostname ? l->hostname : "*",
		l->client_id ? l->client_id : "*");
}

static bool same(const struct net_lease *a, const struct net_lease *b)
{
	return a->expiry == b->expiry && a->hwtype == b->hwtype &&
	       a->hwaddr_len == b->hwaddr_len &&
	       !memcmp(a->hwaddr, b->hwaddr, a->hwaddr_len) &&
	       a->has_mac == b->has_mac && a->iaid == b->iaid &&
	       a->temporary == b->temporary && net_ip_eq(&a->ip, &b->ip) &&
	       !a->hostname == !b->hostname &&
	       (!a->hostname || !strcmp(a->hostname, b->hostname)) &&
	       !a->client_id == !b->client_id &&
	       (!a->client_id || !strcmp(a->client_id, b->client_id));
}

static void check_rewrite(const struct net_lease *l, size_t n)
{
	struct net_lease *back = NULL;
	size_t m = 0, skipped = 1;
	char *text = NULL;
	size_t len = 0, i = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	for (; i < n && l[i].ip.family == AF_INET; i++)
		put_lease(f, &l[i], false);
	fprintf(f, "duid 00:01:00:01:2c:4f:1a:2b:52:54:00:0a:cd:21\n");
	for (; i < n; i++)
		put_lease(f, &l[i], true);
	fclose(f);
	if (net_leases_parse(text, len, &back, &m, &skipped, NULL) < 0 ||
	    m != n || skipped)
		abort();
	for (i = 0; i < n; i++)
		if (!same(&l[i], &back[i]))
			abort();
	net_leases_free(back, m);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct net_lease *l = NULL;
	size_t n = 0, skipped = 0;
	struct err *e = NULL;
	bool v6 = false;

	if (net_leases_parse(text, size, &l, &n, &skipped, &e) < 0) {
		/* A file too large, binary or with too many leases: said. */
		if (!e || !err_msg(e)[0])
			abort();
		err_free(e);
		return 0;
	}
	if (n + skipped != lease_lines(text, size))
		abort();
	for (size_t i = 0; i < n; i++) {
		/* IPv4 leases come first, then (after "duid") IPv6 ones. */
		if (l[i].ip.family == AF_INET6)
			v6 = true;
		check_lease(&l[i], v6);
	}
	check_rewrite(l, n);
	net_leases_free(l, n);
	return 0;
}
