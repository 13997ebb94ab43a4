// SPDX-License-Identifier: GPL-2.0-or-later
/* Open vSwitch ports through ovs-vsctl (net/ovs.h). */
#include "net/ovs.h"

#include <errno.h>

#include "lib/spawn.h"
#include "net/addr.h"

/* ovs-vsctl's bound on waiting for ovsdb-server, in seconds. */
#define OVS_TIMEOUT "--timeout=5"

void net_ovs_argv_free(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

char **net_ovs_add_port_argv(const struct net_ovs_port *p)
{
	char **v = xcalloc(17, sizeof(*v)); /* 16 at most, and NULL */
	char mac[NET_MAC_STRLEN];
	size_t n = 0;

	v[n++] = xstrdup("ovs-vsctl");
	v[n++] = xstrdup(OVS_TIMEOUT);
	v[n++] = xstrdup("--");
	v[n++] = xstrdup("--may-exist");
	v[n++] = xstrdup("add-port");
	v[n++] = xstrdup(p->bridge);
	v[n++] = xstrdup(p->tap);
	if (p->vlan_tag >= 0)
		v[n++] = xasprintf("tag=%d", p->vlan_tag);
	v[n++] = xstrdup("--");
	v[n++] = xstrdup("set");
	v[n++] = xstrdup("Interface");
	v[n++] = xstrdup(p->tap);
	/* Quoted as ovsdb strings, as libvirt writes them. */
	v[n++] = xasprintf("external-ids:attached-mac=\"%s\"",
			   net_mac_str(p->mac, mac));
	if (p->iface_id) /* never "(null)" */
		v[n++] = xasprintf("external-ids:iface-id=\"%s\"", p->iface_id);
	v[n++] = xasprintf("external-ids:vm-id=\"%s\"", p->vm_id);
	v[n++] = xstrdup("external-ids:iface-status=active");
	return v;
}

char **net_ovs_del_port_argv(const char *tap)
{
	char **v = xcalloc(7, sizeof(*v));

	v[0] = xstrdup("ovs-vsctl");
	v[1] = xstrdup(OVS_TIMEOUT);
	v[2] = xstrdup("--");
	v[3] = xstrdup("--if-exists");
	v[4] = xstrdup("del-port");
	v[5] = xstrdup(tap);
	return v;
}

static int run(char **argv, const char *what, const char *tap, struct err **e)
{
	_cleanup_free_ char *out = NULL;
	int r = spawn_run(argv, &out, 1, e);

	net_ovs_argv_free(argv);
	if (r < 0)
		return err_prefix(e, "Open vSwitch: %s '%s'", what, tap);
	if (r == 0)
		return 0;
	if (out)
		out[strcspn(out, "\n")] = 0; /* its first line says why */
	return err_set(e, EIO,
		       "Open vSwitch: %s '%s': ovs-vsctl exited with status "
		       "%d%s%s",
		       what, tap, r, out && *out ? ": " : "", out ? out : "");
}

int net_ovs_add_port(const struct net_ovs_port *p, struct err **e)
{
	return run(net_ovs_add_port_argv(p), "adding port", p->tap, e);
}

int net_ovs_del_port(const char *tap, struct err **e)
{
	return run(net_ovs_del_port_argv(tap), "removing port", tap, e);
}
