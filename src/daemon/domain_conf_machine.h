/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The machine's small platform features (struct domain_machine_opts,
 * domain_conf_machine.c), for domain_conf.c and domain_conf_hw.c:
 * <genid>, <features><vmcoreinfo/>, <vmport/> and <smm> with its
 * <tseg>, <os><bios rebootTimeout=>, and the <pcihole64> of the root
 * PCI controller. Values are checked here as libvirt checks them; the
 * qemu driver gives them to QEMU (driver-qemu-machine-opts.c).
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_MACHINE_H
#define NIDO_DAEMON_DOMAIN_CONF_MACHINE_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* <genid> under @root and <bios> under @os (may be NULL) into
 * @d->hw.mach: 0, or -EINVAL with @e naming the element and value. */
int domain_parse_machine_opts(const xmlNode *root, const xmlNode *os,
			      struct domain_def *d, struct xml_warnings *w,
			      struct err **e);
/* <vmcoreinfo>, <vmport> and <smm> (state and <tseg>) of <features>
 * @features into @hw. */
int domain_parse_machine_features(const xmlNode *features, struct domain_hw *hw,
				  struct xml_warnings *w, struct err **e);
/* <pcihole64> of root controller @c (@root: it is pci-root or
 * pcie-root) into @hw. */
int domain_parse_pcihole64(const xmlNode *c, bool root, struct domain_hw *hw,
			   struct xml_warnings *w, struct err **e);

/* <genid>, after <uuid>. */
void domain_format_genid(FILE *f, const struct domain_def *d);
/* <bios>, inside <os>. */
void domain_format_bios(FILE *f, const struct domain_def *d);
/* <smm>, <vmcoreinfo>, <vmport>, inside <features>. */
void domain_format_machine_features(FILE *f, const struct domain_hw *hw);
/* <pcihole64>, inside the root controller; whether one was written. */
bool domain_format_pcihole64(FILE *f, const struct domain_hw *hw);

/* The first of these a driver other than qemu's must refuse, or NULL. */
const char *domain_machine_opts_qemu_only(const struct domain_hw *hw);

#endif
