// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: a network definition a client could send (net-define,
 * net-create). Nothing may crash or leak; a definition accepted must
 * format to XML that parses back and formats the same (what the store
 * will do on a restart), and must turn into a firewall script and
 * dnsmasq files that say what it says: dhcp-lease-max a positive int, one
 * hosts-file line per host with the fields dnsmasq reads as they were
 * meant (a name is not taken for a lease time, "ignore" or an address).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "daemon/network_conf.h"
#include "daemon/network_conf_net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reloads(const struct network_def *def)
{
	struct network_def *back = NULL;
	char *text = network_def_format(def);
	char *again;

	if (network_def_parse(text, strlen(text), &back, NULL, NULL) < 0)
		abort();
	again = network_def_format(back);
	if (strcmp(text, again))
		abort();
	free(again);
	free(text);
	network_def_free(back);
}

/*
 * What dnsmasq makes of a field of a dhcp-hostsfile line that is not a
 * MAC or id: 'o' an option (ignore, a lease time, an address), 'n' a
 * name. Written from dnsmasq(8), apart from src/net's own check.
 */
static char hosts_field_kind(const char *f)
{
	const char *last = strrchr(f, '.');
	size_t d = strspn(f, "0123456789");
	uint8_t b[16];

	last = last ? last + 1 : f;
	if (!strcasecmp(f, "ignore") || !strcasecmp(f, "infinite") ||
	    !strcasecmp(f, "deprecated") || f[0] == '[' ||
	    inet_pton(AF_INET, f, b) == 1 || inet_pton(AF_INET6, f, b) == 1)
		return 'o';
	if (d && (!f[d] || (strchr("smhdwSMHDW", f[d]) && !f[d + 1])))
		return 'o';
	if (!last[strspn(last, "0123456789")])
		return 'o';
	return 'n';
}

/* One line per host, each with the fields of that host, read as such. */
static void check_hosts_file(const struct net_dnsmasq_conf *c, char *text)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);

	for (size_t i = 0; i < c->n_ips; i++)
		for (size_t j = 0; j < c->ips[i].n_hosts; j++) {
			const struct net_dhcp_host *h = &c->ips[i].hosts[j];
			size_t want = (h->has_mac || h->id) + !!h->ip.family +
				      !!h->name;
			char *fsave = NULL, *f[4];
			size_t n = 0;

			if (!line || strchr(line, '\r'))
				abort();
			for (char *t = strtok_r(line, ",", &fsave); t && n < 4;
			     t = strtok_r(NULL, ",", &fsave))
				f[n++] = t;
			if (n != want ||
			    (h->name && hosts_field_kind(f[n - 1]) != 'n'))
				abort();
			line = strtok_r(NULL, "\n", &save);
		}
	if (line)
		abort();
}

static void check_dnsmasq(const struct network_def *def)
{
	struct network_dnsmasq_paths paths = {"/l", "/h", "/d", NULL, NULL};
	struct network_dnsmasq m;
	char *conf, *hosts, *dns, *max;
	long long leases;

	if (network_def_dnsmasq(def, "virbr0", &paths, &m) != 0)
		return;
	conf = net_dnsmasq_conf(&m.conf, NULL);
	hosts = net_dnsmasq_dhcp_hosts(&m.conf, NULL);
	dns = net_dnsmasq_dns_hosts(m.dns_hosts, def->n_dns_hosts, NULL);
	if (!conf || !hosts || !dns)
		abort();
	if ((max = strstr(conf, "\ndhcp-lease-max="))) {
		leases = strtoll(max + 16, NULL, 10);
		if (leases < 1 || leases > INT_MAX)
			abort();
	}
	check_hosts_file(&m.conf, hosts);
	free(conf);
	free(hosts);
	free(dns);
	network_dnsmasq_release(&m);
}

/* The firewall of an accepted definition is written without a refusal. */
static void check_fw(const struct network_def *def)
{
	struct network_fw fw;
	char *script;

	if (def->forward == NETWORK_FORWARD_BRIDGE)
		return;
	if (network_def_fw(def, "virbr0", &fw, NULL) < 0)
		abort();
	script = net_fw_script(&fw.net, NULL);
	if (!script)
		abort();
	free(script);
	network_fw_release(&fw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct network_def *def = NULL;
	struct xml_warnings w = {0};
	struct err *e = NULL;

	if (network_def_parse((const char *)data, size, &def, &w, &e) == 0) {
		check_reloads(def);
		check_fw(def);
		check_dnsmasq(def);
	} else if (!e || !err_msg(e)[0]) {
		abort(); /* a refusal always says why */
	}
	network_def_free(def);
	xml_warnings_clear(&w);
	err_free(e);
	return 0;
}
