// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Coexistence with the `ip filter` and `ip6 filter` tables of iptables
 * (iptables-nft, Docker, a host's own firewall). nftables runs every base
 * chain at a hook and a drop in any of them is final, so nido's accepts
 * in its own table cannot save a packet from Docker's FORWARD policy
 * drop. Where such a table exists, each network gets two rules in it, at
 * the top of Docker's DOCKER-USER chain (the place Docker leaves to
 * others and never flushes) or, without Docker, of the FORWARD chain:
 *
 *	iifname "BR" accept comment "nido:BR"
 *	oifname "BR" accept comment "nido:BR"
 *
 * They only keep the packet from being dropped there: nido's own table
 * still decides what a network lets through (a packet must pass both).
 * They are found again by their comment (after a crash too) and removed
 * by handle; nothing else of those tables is touched.
 */
#include <errno.h>
#include <json-c/json.h>

#include "net/fw.h"

#define COMMENT_PREFIX "nido:"

/* The iptables chains nido may add to, in order of preference. */
static const char *const chains[] = {"DOCKER-USER", "FORWARD"};

struct foreign_table {
	const char *family; /* "ip" or "ip6" */
	bool present;
	bool has_chain[2]; /* as chains[] */
};

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The chains[] index of @name, or -1. */
static int chain_index(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(chains); i++)
		if (streq(name, chains[i]))
			return (int)i;
	return -1;
}

/* Is @o (a "table", "chain" or "rule" object) in @t's filter table? */
static bool in_table(struct json_object *o, const struct foreign_table *t)
{
	const char *fam = jstr(o, "family"), *tab = jstr(o, "table");

	if (!tab)
		tab = jstr(o, "name");
	return fam && tab && streq(fam, t->family) && streq(tab, "filter");
}

/* Notes which of @t's chains exist. */
static void scan_chains(struct json_object *items, struct foreign_table *t)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		struct json_object *o;
		int c;

		if (json_object_object_get_ex(it, "table", &o) &&
		    streq(jstr(o, "name") ?: "", "filter") &&
		    streq(jstr(o, "family") ?: "", t->family))
			t->present = true;
		if (json_object_object_get_ex(it, "chain", &o) &&
		    in_table(o, t) && (c = chain_index(jstr(o, "name"))) >= 0)
			t->has_chain[c] = true;
	}
}

/*
 * "delete rule" for each rule of @t commented "nido:@bridge" (every
 * "nido:" rule when @bridge is NULL). Only rules in chains[] are ours.
 */
static void delete_ours(FILE *f, struct json_object *items,
			const struct foreign_table *t, const char *bridge)
{
	for (size_t i = 0; i < json_object_array_length(items); i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		struct json_object *o, *h;
		const char *comment, *chain;

		if (!json_object_object_get_ex(it, "rule", &o) ||
		    !in_table(o, t))
			continue;
		comment = jstr(o, "comment");
		chain = jstr(o, "chain");
		if (!comment || !str_has_prefix(comment, COMMENT_PREFIX) ||
		    (bridge &&
		     !streq(comment + strlen(COMMENT_PREFIX), bridge)) ||
		    chain_index(chain) < 0 ||
		    !json_object_object_get_ex(o, "handle", &h) ||
		    !json_object_is_type(h, json_type_int))
			continue;
		fprintf(f, "delete rule %s filter %s handle %lld\n", t->family,
			chain, (long long)json_object_get_int64(h));
	}
}

int net_fw_coexist_script(const char *ruleset_json, const char *bridge,
			  bool add, char **out, struct err **e)
{
	struct foreign_table tables[] = {{.family = "ip"}, {.family = "ip6"}};
	struct json_object *root, *items;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (bridge && net_ifname_check(bridge, false, e) < 0)
		return -EINVAL;
	root = json_tokener_parse(ruleset_json);
	if (!root || !json_object_object_get_ex(root, "nftables", &items) ||
	    !json_object_is_type(items, json_type_array)) {
		json_object_put(root);
		return err_set(e, EIO, "unreadable ruleset from libnftables");
	}
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		struct foreign_table *t = &tables[i];
		int c;

		scan_chains(items, t);
		delete_ours(f, items, t, bridge);
		if (!add || !t->present)
			continue;
		c = t->has_chain[0] ? 0 : t->has_chain[1] ? 1 : -1;
		if (c < 0)
			continue;
		for (int k = 0; k < 2; k++)
			fprintf(f,
				"insert rule %s filter %s %s \"%s\" counter "
				"accept comment \"" COMMENT_PREFIX "%s\"\n",
				t->family, chains[c], k ? "oifname" : "iifname",
				bridge, bridge);
	}
	fclose(f);
	json_object_put(root);
	*out = text;
	return 0;
}
