/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A domain's <seclabel>s (domain_conf_seclabel.c): type='none', and DAC's
 * dynamic and static labels (struct domain_seclabel_dac) kept; other
 * models warned by name. domain_conf_hw.c calls these.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_SECLABEL_H
#define NIDO_DAEMON_DOMAIN_CONF_SECLABEL_H

#include <stdio.h>

#include "daemon/domain_conf.h"

/* The <seclabel>s under @root into @hw (which then owns the label). 0,
 * or -EINVAL with @e filled (an invalid label, two of a model). */
int domain_parse_seclabels(const xmlNode *root, struct domain_hw *hw,
			   struct xml_warnings *w, struct err **e);
void domain_format_seclabels(FILE *f, const struct domain_hw *hw);

#endif
