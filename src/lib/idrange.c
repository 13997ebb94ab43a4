// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/idrange.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/file.h"
#include "lib/util.h"

/* Reads "nido:START:COUNT" from @path; false when there is none. */
static bool subid_range(const char *path, unsigned *start, unsigned *count)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	unsigned s, c;

	if (file_read_all(path, 1 << 20, &text, NULL, NULL) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "nido:%u:%u", &s, &c) == 2 && s > 0 && c > 0 &&
		    s + (c - 1) >= s) {
			*start = s;
			*count = c;
			return true;
		}
	}
	return false;
}

void idrange_load(struct idrange *r, const char *subuid, const char *subgid)
{
	unsigned us, uc, gs, gc;

	if (subid_range(subuid ? subuid : "/etc/subuid", &us, &uc) &&
	    subid_range(subgid ? subgid : "/etc/subgid", &gs, &gc)) {
		*r = (struct idrange){us, uc, gs, gc};
		return;
	}
	*r = (struct idrange){IDRANGE_DEFAULT_BASE, IDRANGE_DEFAULT_COUNT,
			      IDRANGE_DEFAULT_BASE, IDRANGE_DEFAULT_COUNT};
}

int idrange_claim(const struct idrange *r, const char *lockfile, unsigned *slot,
		  struct err **e)
{
	const char *path = lockfile ? lockfile : IDRANGE_LOCK_FILE;
	unsigned n = MIN(r->uid_count, r->gid_count);
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int fd = -1;

	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	else
		dir[0] = '\0';
	if (*dir && file_mkdir_p(dir, 0755, e) < 0)
		return err_prefix(e, "claiming a sandbox identity");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	for (unsigned i = 1; i < n; i++) {
		struct flock fl = {
			.l_type = F_WRLCK,
			.l_whence = SEEK_SET,
			.l_start = i,
			.l_len = 1,
		};

		if (fcntl(fd, F_OFD_SETLK, &fl) == 0) {
			*slot = i;
			return steal_fd(fd);
		}
		if (errno != EAGAIN && errno != EACCES)
			return err_sys(e, errno, "locking '%s'", path);
	}
	return err_set(e, EAGAIN,
		       "every sandbox identity of the nido range (%u) is in "
		       "use",
		       n);
}

void idrange_ids(const struct idrange *r, unsigned slot, uid_t *uid, gid_t *gid)
{
	*uid = r->uid_base + slot % r->uid_count;
	*gid = r->gid_base + slot % r->gid_count;
}
