// SPDX-License-Identifier: GPL-2.0-or-later
/* A container's uid and gid maps (ct.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

#include "ct/ct.h"
#include "lib/file.h"
#include "lib/spawn.h"
#include "lib/util.h"

/* The @nth range ("nido:START:COUNT") of user nido in @path; false when
 * there is none. */
static bool subid_nth(const char *path, unsigned nth, uint32_t *start,
		      uint32_t *count)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[256];
	unsigned seen = 0;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, c;
		char *end;

		if (!str_has_prefix(line, "nido:"))
			continue;
		errno = 0;
		s = strtoul(line + 5, &end, 10);
		if (errno || *end != ':' || s > UINT32_MAX)
			continue;
		c = strtoul(end + 1, &end, 10);
		if (errno || c == 0 || c > UINT32_MAX - s)
			continue;
		if (seen++ == nth) {
			*start = (uint32_t)s;
			*count = (uint32_t)MIN(c, CT_IDS_COUNT);
			return true;
		}
	}
	return false;
}

void ct_ids_default(struct ct_ids *ids, const char *subuid, const char *subgid)
{
	uint32_t us = CT_IDS_DEFAULT_BASE, uc = CT_IDS_COUNT;
	uint32_t gs = CT_IDS_DEFAULT_BASE, gc = CT_IDS_COUNT;

	/* the first range is the VM sandbox's (lib/idrange.h) */
	if (!subid_nth(subuid ? subuid : "/etc/subuid", 1, &us, &uc) ||
	    !subid_nth(subgid ? subgid : "/etc/subgid", 1, &gs, &gc)) {
		us = gs = CT_IDS_DEFAULT_BASE;
		uc = gc = CT_IDS_COUNT;
	}
	memset(ids, 0, sizeof(*ids));
	ids->uid[0] = (struct ct_idmap){0, us, uc};
	ids->gid[0] = (struct ct_idmap){0, gs, gc};
	ids->n_uid = ids->n_gid = 1;
}

static bool overlap(uint32_t a, uint32_t an, uint32_t b, uint32_t bn)
{
	return a < b + bn && b < a + an;
}

int ct_idmap_check(const struct ct_idmap *m, size_t n, const char *what,
		   struct err **e)
{
	if (n == 0 || n > CT_MAX_IDMAP)
		return err_set(e, EINVAL, "%s: %zu lines (1 to %d)", what, n,
			       CT_MAX_IDMAP);
	for (size_t i = 0; i < n; i++) {
		if (m[i].count == 0 || m[i].start > UINT32_MAX - m[i].count ||
		    m[i].target > UINT32_MAX - m[i].count)
			return err_set(e, EINVAL,
				       "%s: start %" PRIu32 " target %" PRIu32
				       " count %" PRIu32 ": out of range",
				       what, m[i].start, m[i].target,
				       m[i].count);
		for (size_t j = 0; j < i; j++)
			if (overlap(m[i].start, m[i].count, m[j].start,
				    m[j].count) ||
			    overlap(m[i].target, m[i].count, m[j].target,
				    m[j].count))
				return err_set(e, EINVAL,
					       "%s: lines %zu and %zu overlap",
					       what, j + 1, i + 1);
	}
	if (ct_idmap_host(m, n, 0) == (uint32_t)-1)
		return err_set(e, EINVAL, "%s: id 0 (root) is not mapped",
			       what);
	return 0;
}

uint32_t ct_idmap_host(const struct ct_idmap *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].start && id - m[i].start < m[i].count)
			return m[i].target + (id - m[i].start);
	return (uint32_t)-1;
}

static char *map_text(const struct ct_idmap *m, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort(); /* only without memory */
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].start,
			m[i].target, m[i].count);
	fclose(f);
	return out;
}

static int write_direct(pid_t pid, const char *file, const struct ct_idmap *m,
			size_t n, struct err **e)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/%s", (int)pid, file);
	_cleanup_free_ char *text = map_text(m, n);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	/* one write: the kernel takes a map whole, once */
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return err_sys(e, errno, "writing %s", path);
	return 0;
}

/* newuidmap PID START TARGET COUNT...: the set-user-id helpers check
 * the ranges against /etc/subuid for a caller that is not root. */
static int write_helper(pid_t pid, const char *prog, const struct ct_idmap *m,
			size_t n, struct err **e)
{
	char *argv[3 + 3 * CT_MAX_IDMAP] = {(char *)prog};
	char num[2 + 3 * CT_MAX_IDMAP][16];
	_cleanup_free_ char *out = NULL;
	size_t k = 1;
	int r;

	snprintf(num[k], sizeof(num[k]), "%d", (int)pid);
	argv[k] = num[k];
	k++;
	for (size_t i = 0; i < n && i < CT_MAX_IDMAP; i++) {
		uint32_t v[3] = {m[i].start, m[i].target, m[i].count};

		for (size_t j = 0; j < 3; j++, k++) {
			snprintf(num[k], sizeof(num[k]), "%" PRIu32, v[j]);
			argv[k] = num[k];
		}
	}
	r = spawn_run(argv, &out, 1, e);
	if (r < 0)
		return r;
	if (r > 0)
		return err_set(e, EPERM, "%s: %s", prog,
			       out && *out ? out : "failed");
	return 0;
}

int ct_idmap_write(pid_t pid, const struct ct_ids *ids, struct err **e)
{
	if (geteuid() == 0)
		return write_direct(pid, "uid_map", ids->uid, ids->n_uid, e) <
					       0 ||
				       write_direct(pid, "gid_map", ids->gid,
						    ids->n_gid, e) < 0
			       ? -EPERM
			       : 0;
	if (write_helper(pid, "newuidmap", ids->uid, ids->n_uid, e) < 0 ||
	    write_helper(pid, "newgidmap", ids->gid, ids->n_gid, e) < 0)
		return -EPERM;
	return 0;
}

/* The id of @name in an open passwd or group file: its third field. */
static int id_in_file(FILE *f, const char *name, uint32_t *id)
{
	char line[1024];
	size_t n = strlen(name);

	while (fgets(line, sizeof(line), f)) {
		char *p, *end;
		unsigned long v;

		if (strncmp(line, name, n) || line[n] != ':')
			continue;
		p = strchr(line + n + 1, ':'); /* past the password */
		if (!p)
			return -EINVAL;
		errno = 0;
		v = strtoul(p + 1, &end, 10);
		if (errno || end == p + 1 || *end != ':' || v > UINT32_MAX - 1)
			return -EINVAL;
		*id = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}

int ct_lookup_id(const char *root, const char *file, const char *name,
		 uint32_t *id, struct err **e)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
			       .resolve =
				       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
	_cleanup_close_ int dir = -1;
	_cleanup_fclose_ FILE *f = NULL;
	char *end;
	unsigned long v;
	int fd, r;

	errno = 0;
	v = strtoul(name, &end, 10);
	if (*name && !*end && !errno && v < UINT32_MAX) {
		*id = (uint32_t)v;
		return 0;
	}
	dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return err_sys(e, errno, "opening the root file system '%s'",
			       root);
	/* the container's file, its symbolic links resolved inside it */
	fd = (int)syscall(SYS_openat2, dir, file, &how, sizeof(how));
	if (fd < 0)
		return err_sys(e, errno, "opening '/%s' of the container",
			       file);
	f = fdopen(fd, "re");
	if (!f) {
		close(fd);
		return err_sys(e, errno, "reading '/%s'", file);
	}
	r = id_in_file(f, name, id);
	if (r == -ENOENT)
		return err_set(e, ENOENT, "'%s' is not in the container's /%s",
			       name, file);
	if (r < 0)
		return err_set(e, EINVAL,
			       "'/%s' of the container: the line "
			       "of '%s' is not valid",
			       file, name);
	return 0;
}
