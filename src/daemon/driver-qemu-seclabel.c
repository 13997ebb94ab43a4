// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A static DAC <seclabel> (driver-qemu.h): the 'user:group' QEMU runs as
 * instead of its per-VM identity, resolved when the domain starts (the
 * host's users may change between define and start). Names are looked
 * up first; '+N' is a number. Root is never one (docs/security.md).
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "daemon/driver-qemu.h"

/* '+N' as a number, else @name looked up (@group: in the groups). */
static int resolve(const char *name, bool group, unsigned *id, struct err **e)
{
	char buf[4096];
	char *end;

	if (name[0] == '+') {
		unsigned long v;

		errno = 0;
		v = strtoul(name + 1, &end, 10);
		if (errno || end == name + 1 || *end || v >= (uid_t)-1)
			return err_set(e, EINVAL, "DAC label: invalid id '%s'",
				       name);
		*id = (unsigned)v;
		return 0;
	}
	if (group) {
		struct group gr, *g = NULL;

		getgrnam_r(name, &gr, buf, sizeof(buf), &g);
		if (!g)
			return err_set(e, ENOENT,
				       "DAC label: no group '%s' on this host",
				       name);
		*id = (unsigned)g->gr_gid;
		return 0;
	}
	{
		struct passwd pw, *p = NULL;

		getpwnam_r(name, &pw, buf, sizeof(buf), &p);
		if (!p)
			return err_set(e, ENOENT,
				       "DAC label: no user '%s' on this host",
				       name);
		*id = (unsigned)p->pw_uid;
	}
	return 0;
}

int qemu_seclabel_ids(const struct domain_def *def, uid_t *uid, gid_t *gid,
		      struct err **e)
{
	const struct domain_seclabel_dac *dac = &def->hw.dac;
	_cleanup_free_ char *user = NULL;
	const char *colon;
	unsigned u, g;

	if (dac->type != SECLABEL_DAC_STATIC || !dac->label)
		return 0;
	colon = strchr(dac->label, ':');
	user = xstrndup(dac->label, (size_t)(colon - dac->label));
	if (resolve(user, false, &u, e) < 0 ||
	    resolve(colon + 1, true, &g, e) < 0)
		return err_prefix(e, "<seclabel type='static' model='dac'>");
	if (!u || !g)
		return err_set(e, EPERM,
			       "<seclabel type='static' model='dac'> '%s': "
			       "nido runs no QEMU as root",
			       dac->label);
	if (geteuid() != 0 && (uid_t)u != geteuid())
		return err_set(e, EPERM,
			       "<seclabel type='static' model='dac'> '%s': "
			       "nidod is not root and runs QEMU as its own "
			       "user only",
			       dac->label);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 1;
}
