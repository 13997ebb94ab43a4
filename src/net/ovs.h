/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Ports of an Open vSwitch bridge, through ovs-vsctl (run with lib/spawn,
 * never a shell), with the external-ids libvirt sets on a guest's port
 * so that OVS controllers (OVN, Neutron) find the VM behind it.
 */
#ifndef NIDO_NET_OVS_H
#define NIDO_NET_OVS_H

#include <stdint.h>

#include "lib/err.h"

struct net_ovs_port {
	const char *bridge, *tap;
	const uint8_t *mac;   /* the guest's (attached-mac) */
	const char *iface_id; /* <parameters interfaceid>: a UUID; NULL:
				 no iface-id */
	const char *vm_id;    /* the domain's UUID */
	int vlan_tag;	      /* 0..4095, or -1: none */
};

/*
 * The argv of "ovs-vsctl --timeout=5 -- --may-exist add-port BR TAP
 * [tag=N] -- set Interface TAP external-ids:attached-mac=... iface-id=...
 * vm-id=... iface-status=active": NULL-terminated, malloc'ed, freed with
 * net_ovs_argv_free().
 */
char **net_ovs_add_port_argv(const struct net_ovs_port *p);
/* "ovs-vsctl --timeout=5 -- --if-exists del-port TAP". */
char **net_ovs_del_port_argv(const char *tap);
void net_ovs_argv_free(char **argv);

/* Runs them; ovs-vsctl's own message on failure. */
int net_ovs_add_port(const struct net_ovs_port *p, struct err **e);
int net_ovs_del_port(const char *tap, struct err **e);

#endif
