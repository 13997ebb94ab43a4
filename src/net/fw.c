// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft scripts for a network, in the shape of libvirt's rules: traffic
 * between the network's ports is accepted; from the bridge, only the
 * network's own source addresses go out (and, for NAT, only replies come
 * back in); everything else touching the bridge is rejected.
 */
#include "net/fw.h"

#include <errno.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>
#include <unistd.h>

/* "ip" or "ip6", the nft keyword of an address's family. */
static const char *kw(const struct net_ip *ip)
{
	return ip->family == AF_INET6 ? "ip6" : "ip";
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

/* "192.168.122.0/24" into @buf. */
static const char *subnet_str(const struct net_fw_subnet *s, char *buf,
			      size_t len)
{
	char a[NET_IP_STRLEN];
	struct net_ip net = net_ip_network(&s->net, s->prefix);

	snprintf(buf, len, "%s/%u", net_ip_str(&net, a), s->prefix);
	return buf;
}

/* Is @s translated (NAT) rather than routed in network @n? */
static bool natted(const struct net_fw_network *n,
		   const struct net_fw_subnet *s)
{
	return n->mode == NET_FW_NAT &&
	       (s->net.family == AF_INET || n->nat_ipv6);
}

static void forward_chain(FILE *f, const struct net_fw_network *n)
{
	const char *br = n->bridge;
	char sn[NET_IP_STRLEN + 8], g[NET_IP_STRLEN];
	_cleanup_free_ char *out_dev =
		n->dev ? xasprintf(" oifname \"%s\"", n->dev) : xstrdup("");
	_cleanup_free_ char *in_dev =
		n->dev ? xasprintf(" iifname \"%s\"", n->dev) : xstrdup("");

	fprintf(f, "\tchain guest_forward {\n"
		   "\t\ttype filter hook forward priority filter; "
		   "policy accept;\n");
	fprintf(f, "\t\tiifname \"%s\" oifname \"%s\" accept\n", br, br);
	for (size_t i = 0; n->mode != NET_FW_ISOLATED && i < n->n_subnets;
	     i++) {
		const struct net_fw_subnet *s = &n->subnets[i];
		const char *k = kw(&s->net);

		subnet_str(s, sn, sizeof(sn));
		fprintf(f, "\t\tiifname \"%s\"%s %s saddr %s accept\n", br,
			out_dev, k, sn);
		fprintf(f, "\t\toifname \"%s\"%s %s daddr %s%s accept\n", br,
			in_dev, k, sn,
			natted(n, s) ? " ct state established,related" : "");
	}
	for (size_t i = 0; n->mode == NET_FW_NAT && i < n->n_forwards; i++) {
		const struct net_fw_forward *p = &n->forwards[i];

		fprintf(f, "\t\toifname \"%s\" %s daddr %s %s dport %u", br,
			kw(&p->guest), net_ip_str(&p->guest, g),
			proto_name(p->proto), p->to);
		if (p->end != p->start)
			fprintf(f, "-%u", p->to + (p->end - p->start));
		fprintf(f, " ct status dnat accept\n");
	}
	fprintf(f, "\t\tiifname \"%s\" reject\n", br);
	fprintf(f, "\t\toifname \"%s\" reject\n", br);
	fprintf(f, "\t}\n");
}

/* What a subnet's masquerade or SNAT rules translate to. */
static void nat_target(FILE *f, const struct net_fw_network *n,
		       const struct net_fw_subnet *s, bool ports)
{
	char a[NET_IP_STRLEN], b[NET_IP_STRLEN];
	unsigned lo = n->port_start ? n->port_start : 1024;
	unsigned hi = n->port_end ? n->port_end : 65535;

	if (n->nat_start.family == s->net.family) {
		fprintf(f, "snat %s to %s", kw(&s->net),
			net_ip_str(&n->nat_start, a));
		if (!net_ip_eq(&n->nat_start, &n->nat_end))
			fprintf(f, "-%s", net_ip_str(&n->nat_end, b));
		if (ports)
			fprintf(f, ":%u-%u", lo, hi);
	} else {
		fprintf(f, "masquerade");
		if (ports)
			fprintf(f, " to :%u-%u", lo, hi);
	}
	fputc('\n', f);
}

static void postrouting_chain(FILE *f, const struct net_fw_network *n)
{
	char sn[NET_IP_STRLEN + 8];
	_cleanup_free_ char *out_dev =
		n->dev ? xasprintf(" oifname \"%s\"", n->dev) : xstrdup("");

	fprintf(f, "\tchain guest_nat {\n"
		   "\t\ttype nat hook postrouting priority srcnat; "
		   "policy accept;\n");
	for (size_t i = 0; i < n->n_subnets; i++) {
		const struct net_fw_subnet *s = &n->subnets[i];
		const char *k = kw(&s->net);

		if (!natted(n, s))
			continue;
		subnet_str(s, sn, sizeof(sn));
		/* Multicast and broadcast leave untranslated, as libvirt's. */
		if (s->net.family == AF_INET)
			fprintf(f,
				"\t\tip saddr %s ip daddr { 224.0.0.0/24, "
				"255.255.255.255 } return\n",
				sn);
		fprintf(f,
			"\t\t%s saddr %s %s daddr != %s%s meta l4proto "
			"{ tcp, udp } ",
			k, sn, k, sn, out_dev);
		nat_target(f, n, s, true);
		fprintf(f, "\t\t%s saddr %s %s daddr != %s%s ", k, sn, k, sn,
			out_dev);
		nat_target(f, n, s, false);
	}
	fprintf(f, "\t}\n");
}

static void prerouting_chain(FILE *f, const struct net_fw_network *n)
{
	char h[NET_IP_STRLEN], g[NET_IP_STRLEN];

	fprintf(f, "\tchain guest_dnat {\n"
		   "\t\ttype nat hook prerouting priority dstnat; "
		   "policy accept;\n");
	for (size_t i = 0; i < n->n_forwards; i++) {
		const struct net_fw_forward *p = &n->forwards[i];

		fprintf(f, "\t\tiifname != \"%s\" ", n->bridge);
		if (p->host.family)
			fprintf(f, "%s daddr %s ", kw(&p->host),
				net_ip_str(&p->host, h));
		else
			fprintf(f, "meta nfproto %s ",
				p->guest.family == AF_INET6 ? "ipv6" : "ipv4");
		fprintf(f, "%s dport %u", proto_name(p->proto), p->start);
		if (p->end != p->start)
			fprintf(f, "-%u", p->end);
		/* A range keeps its port numbers (checked): no port given. */
		if (p->guest.family == AF_INET6)
			fprintf(f, " dnat ip6 to [%s]",
				net_ip_str(&p->guest, g));
		else
			fprintf(f, " dnat ip to %s", net_ip_str(&p->guest, g));
		if (p->end == p->start)
			fprintf(f, ":%u", p->to);
		fputc('\n', f);
	}
	fprintf(f, "\t}\n");
}

static int check_forward(const struct net_fw_network *n,
			 const struct net_fw_forward *p, struct err **e)
{
	char g[NET_IP_STRLEN];
	bool inside = false;

	if (n->mode != NET_FW_NAT)
		return err_set(e, EINVAL,
			       "port forwarding needs a NAT network");
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return err_set(e, EINVAL,
			       "port forward: protocol must be tcp "
			       "or udp");
	if (!p->start || p->end < p->start || !p->to)
		return err_set(e, EINVAL, "port forward %u-%u: bad port range",
			       p->start, p->end);
	if (p->end != p->start && p->to != p->start)
		return err_set(e, EINVAL,
			       "port forward %u-%u: a range keeps its port "
			       "numbers (to='%u' must be %u)",
			       p->start, p->end, p->to, p->start);
	if (p->host.family && p->host.family != p->guest.family)
		return err_set(e, EINVAL,
			       "port forward %u: host and guest "
			       "addresses of different families",
			       p->start);
	for (size_t i = 0; i < n->n_subnets; i++)
		inside |= net_ip_in(&p->guest, &n->subnets[i].net,
				    n->subnets[i].prefix);
	if (!inside)
		return err_set(e, EINVAL,
			       "port forward %u: guest address %s is not in "
			       "the network's subnets",
			       p->start, net_ip_str(&p->guest, g));
	return 0;
}

static int check_network(const struct net_fw_network *n, struct err **e)
{
	if (net_ifname_check(n->bridge, false, e) < 0 ||
	    (n->dev && net_ifname_check(n->dev, false, e) < 0))
		return -EINVAL;
	for (size_t i = 0; i < n->n_subnets; i++)
		if (!n->subnets[i].net.family ||
		    n->subnets[i].prefix > net_ip_bits(&n->subnets[i].net))
			return err_set(e, EINVAL, "subnet %zu: bad prefix", i);
	if (n->nat_start.family &&
	    (n->nat_start.family != AF_INET || n->nat_end.family != AF_INET ||
	     net_ip_cmp(&n->nat_start, &n->nat_end) > 0))
		return err_set(e, EINVAL, "NAT address range: bad range");
	if (n->port_start > n->port_end)
		return err_set(e, EINVAL, "NAT port range: bad range");
	for (size_t i = 0; i < n->n_forwards; i++)
		if (check_forward(n, &n->forwards[i], e) < 0)
			return -EINVAL;
	return 0;
}

/* "add table" first: "delete table" of a missing table fails. */
static void remove_cmds(FILE *f, const char *bridge)
{
	fprintf(f, "add table inet " NET_FW_TABLE_PREFIX "%s\n", bridge);
	fprintf(f, "delete table inet " NET_FW_TABLE_PREFIX "%s\n", bridge);
}

char *net_fw_script(const struct net_fw_network *n, struct err **e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (check_network(n, e) < 0) {
		err_prefix(e, "firewall of bridge '%s'", n->bridge);
		return NULL;
	}
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	remove_cmds(f, n->bridge);
	if (n->mode != NET_FW_OPEN) {
		fprintf(f, "table inet " NET_FW_TABLE_PREFIX "%s {\n",
			n->bridge);
		forward_chain(f, n);
		if (n->mode == NET_FW_NAT) {
			postrouting_chain(f, n);
			prerouting_chain(f, n);
		}
		fprintf(f, "}\n");
	}
	fclose(f);
	return text;
}

char *net_fw_remove_script(const char *bridge, struct err **e)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (net_ifname_check(bridge, false, e) < 0)
		return NULL;
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	remove_cmds(f, bridge);
	fclose(f);
	return text;
}

/*
 * A libnftables context with buffered output and errors, or NULL with @e.
 * libnftables (1.0) exit()s the whole process when it cannot open its
 * netlink socket (a kernel without nfnetlink): that is tried here first,
 * so that nidod reports it instead of vanishing.
 */
static struct nft_ctx *nft_open(bool json, struct err **e)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	struct nft_ctx *ctx;

	if (fd < 0) {
		err_sys(e, errno,
			"nftables: no netfilter netlink socket (is nf_tables "
			"in the kernel?)");
		return NULL;
	}
	close(fd);
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (ctx && (nft_ctx_buffer_output(ctx) || nft_ctx_buffer_error(ctx))) {
		nft_ctx_free(ctx);
		ctx = NULL;
	}
	if (!ctx) {
		err_set(e, ENOMEM, "nftables: cannot create a context");
		return NULL;
	}
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	return ctx;
}

/* Runs @cmd; on failure, @e gets nft's first error line. */
static int nft_cmd(struct nft_ctx *ctx, const char *cmd, const char *what,
		   struct err **e)
{
	const char *msg;
	int saved;

	errno = 0;
	if (nft_run_cmd_from_buffer(ctx, cmd) == 0)
		return 0;
	saved = errno ? errno : EIO;
	msg = nft_ctx_get_error_buffer(ctx);
	if (!msg || !*msg)
		msg = "failed";
	return err_set(e, saved == ENOENT ? EIO : saved, "%s: %.*s", what,
		       (int)strcspn(msg, "\n"), msg);
}

int net_fw_run(const char *script, struct err **e)
{
	struct nft_ctx *ctx = nft_open(false, e);
	int r;

	if (!ctx)
		return -EIO;
	r = nft_cmd(ctx, script, "nftables", e);
	nft_ctx_free(ctx);
	return r;
}

/*
 * Appends the items of the `@family filter` table (iptables' and
 * Docker's) to @items; nothing when the host has no such table.
 */
static int filter_table_items(const char *family, struct json_object *items,
			      struct err **e)
{
	struct nft_ctx *ctx = nft_open(true, e);
	_cleanup_free_ char *cmd = xasprintf("list table %s filter", family);
	struct json_object *root = NULL, *v;
	const char *msg;
	int r = 0;

	if (!ctx)
		return -EIO;
	if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
		/* libnftables leaves errno unset; its message has the
		 * kernel's strerror() for a table that is not there */
		msg = nft_ctx_get_error_buffer(ctx);
		if (!msg || !*msg)
			msg = "failed";
		if (!strstr(msg, strerror(ENOENT)))
			r = err_set(e, EIO, "listing table %s filter: %.*s",
				    family, (int)strcspn(msg, "\n"), msg);
	} else if (!(root = json_tokener_parse(
			     nft_ctx_get_output_buffer(ctx))) ||
		   !json_object_object_get_ex(root, "nftables", &v) ||
		   !json_object_is_type(v, json_type_array)) {
		r = err_set(e, EIO,
			    "listing table %s filter: unreadable "
			    "JSON from libnftables",
			    family);
	} else {
		for (size_t i = 0; i < json_object_array_length(v); i++)
			json_object_array_add(
				items,
				json_object_get(
					json_object_array_get_idx(v, i)));
	}
	json_object_put(root);
	nft_ctx_free(ctx);
	return r;
}

/*
 * What coexistence looks at, as libnftables' JSON malloc'ed into @out:
 * the ip and ip6 filter tables only. Not "list ruleset": libnftables
 * (1.0) fetches every table's chains, sets and rules for it, and the
 * time grew with the number of networks (0.3 s with 60 of them here).
 */
static int ruleset_json(char **out, struct err **e)
{
	struct json_object *root = json_object_new_object();
	struct json_object *items = json_object_new_array();
	int r;

	json_object_object_add(root, "nftables", items);
	r = filter_table_items("ip", items, e);
	if (r == 0)
		r = filter_table_items("ip6", items, e);
	if (r == 0)
		*out = xstrdup(json_object_to_json_string_ext(
			root, JSON_C_TO_STRING_PLAIN));
	json_object_put(root);
	return r;
}

/* Runs @own then the coexistence commands for @bridge, in one go. */
static int run_with_coexist(const char *own, const char *bridge, bool add,
			    struct err **e)
{
	_cleanup_free_ char *json = NULL, *co = NULL, *all = NULL;

	if (ruleset_json(&json, e) < 0 ||
	    net_fw_coexist_script(json, bridge, add, &co, e) < 0)
		return -EIO;
	all = xasprintf("%s%s", own, co);
	return *all ? net_fw_run(all, e) : 0;
}

int net_fw_apply(const struct net_fw_network *n, struct err **e)
{
	_cleanup_free_ char *s = net_fw_script(n, e);

	if (!s)
		return -EINVAL;
	if (run_with_coexist(s, n->bridge, n->mode != NET_FW_OPEN, e) < 0)
		return err_prefix(e, "installing the rules of bridge '%s'",
				  n->bridge);
	return 0;
}

int net_fw_remove(const char *bridge, struct err **e)
{
	_cleanup_free_ char *s = net_fw_remove_script(bridge, e);

	if (!s)
		return -EINVAL;
	if (run_with_coexist(s, bridge, false, e) < 0)
		return err_prefix(e, "removing the rules of bridge '%s'",
				  bridge);
	return 0;
}

void net_fw_list_free(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

/* Appends the bridge of each "inet nido-*" table in nft's JSON to @out. */
static void collect_tables(struct json_object *root, char ***out, size_t *n)
{
	struct json_object *items, *t, *family, *name;
	const char *s;

	if (!json_object_object_get_ex(root, "nftables", &items) ||
	    !json_object_is_type(items, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i);

		if (!json_object_object_get_ex(it, "table", &t) ||
		    !json_object_object_get_ex(t, "family", &family) ||
		    !json_object_object_get_ex(t, "name", &name))
			continue;
		s = json_object_get_string(name);
		/* Only names nido could have made: the rest are not ours,
		 * and could not be written back into a script unquoted. */
		if (!streq(json_object_get_string(family), "inet") || !s ||
		    !str_has_prefix(s, NET_FW_TABLE_PREFIX) ||
		    net_ifname_check(s + strlen(NET_FW_TABLE_PREFIX), false,
				     NULL) < 0)
			continue;
		*out = xreallocarray(*out, *n + 2, sizeof(**out));
		(*out)[(*n)++] = xstrdup(s + strlen(NET_FW_TABLE_PREFIX));
		(*out)[*n] = NULL;
	}
}

int net_fw_list(char ***out, struct err **e)
{
	struct nft_ctx *ctx = nft_open(true, e);
	struct json_object *root;
	char **list = NULL;
	size_t n = 0;
	int r;

	if (!ctx)
		return -EIO;
	list = xcalloc(1, sizeof(*list));
	r = nft_cmd(ctx, "list tables", "listing nftables tables", e);
	if (r == 0) {
		root = json_tokener_parse(nft_ctx_get_output_buffer(ctx));
		if (!root)
			r = err_set(e, EIO,
				    "listing nftables tables: "
				    "unreadable JSON from libnftables");
		collect_tables(root, &list, &n);
		json_object_put(root);
	}
	nft_ctx_free(ctx);
	if (r < 0) {
		net_fw_list_free(list);
		return r;
	}
	*out = list;
	return 0;
}

int net_fw_cleanup(struct err **e)
{
	char **list = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (net_fw_list(&list, e) < 0)
		return err_prefix(e, "removing nido's firewall tables");
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	for (size_t i = 0; list[i]; i++)
		fprintf(f, "delete table inet " NET_FW_TABLE_PREFIX "%s\n",
			list[i]);
	fclose(f);
	r = run_with_coexist(text, NULL, false, e);
	free(text);
	net_fw_list_free(list);
	if (r < 0)
		return err_prefix(e, "removing nido's firewall tables");
	return 0;
}
