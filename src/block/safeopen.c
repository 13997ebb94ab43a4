// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * block_safe_open(): a guest's image path opened by root only when
 * nobody who can change the path gains from it (safeopen.h).
 *
 * How a principal's access is checked: root opens the file (never
 * following a symlink it was not told about), then a forked child
 * takes each principal's file-system identity in turn (setgroups,
 * setfsgid, setfsuid: a root process may go back and forth, and the
 * child's credentials die with it, whatever threads the parent runs)
 * and opens the same name in the same pinned directory with the same
 * access. Each open must succeed and reach the very inode root opened:
 * then that principal could have opened it anyway, and a swap between
 * the opens is caught too. The child writes one report down a pipe.
 * Without root (a session daemon) there is nothing to check: the
 * process cannot open what its user cannot.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "block/safeopen.h"
#include "lib/util.h"

#define MAX_PRINCIPALS 32
#define MAX_GROUPS     64
#define MAX_LINKS      8
#define OVERFLOW_ID    65534 /* "nobody": a user in no other group */

struct principal {
	uid_t uid;
	gid_t gid;
	int ngroups;
	gid_t groups[MAX_GROUPS];
	char why[160]; /* "uid 1000, owner of '/srv/vm'" */
};

struct safe {
	struct principal p[MAX_PRINCIPALS];
	int n;
	bool full; /* more principals than room: refuse, do not guess */
};

static struct principal *add(struct safe *s, uid_t uid, gid_t gid)
{
	for (int i = 0; i < s->n; i++)
		if (s->p[i].uid == uid && s->p[i].gid == gid)
			return NULL;
	if (s->n == MAX_PRINCIPALS) {
		s->full = true;
		return NULL;
	}
	s->p[s->n] = (struct principal){.uid = uid, .gid = gid};
	return &s->p[s->n++];
}

/* A user, with the groups the system gives them. */
static void add_user(struct safe *s, uid_t uid, const char *what,
		     const char *where)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	gid_t gid = OVERFLOW_ID;
	struct principal *p;
	int n = MAX_GROUPS;

	if (uid == 0)
		return;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		gid = pw.pw_gid;
	p = add(s, uid, gid);
	if (!p)
		return;
	snprintf(p->why, sizeof(p->why), "uid %u, %s '%s'", (unsigned)uid, what,
		 where);
	p->groups[0] = gid;
	p->ngroups = 1;
	if (res && getgrouplist(pw.pw_name, gid, p->groups, &n) >= 0)
		p->ngroups = n;
}

/* Any member of group @gid (or anyone: @gid OVERFLOW_ID, no group). */
static void add_anyone(struct safe *s, gid_t gid, const char *where)
{
	struct principal *p = add(s, OVERFLOW_ID, gid);

	if (!p)
		return;
	if (gid != OVERFLOW_ID) {
		p->groups[0] = gid;
		p->ngroups = 1;
		snprintf(p->why, sizeof(p->why),
			 "any member of group %u, which may write '%s'",
			 (unsigned)gid, where);
	} else {
		snprintf(p->why, sizeof(p->why),
			 "any user, as anyone may write '%s'", where);
	}
}

/*
 * The principals of directory @st (at @where). With the sticky bit,
 * group and others change only their own entries: *@sticky tells the
 * caller to add the owner of the next entry instead.
 */
static void dir_principals(struct safe *s, const struct stat *st,
			   const char *where, bool *sticky)
{
	bool t = st->st_mode & S_ISVTX;

	if (st->st_mode & S_IWUSR)
		add_user(s, st->st_uid, "owner of", where);
	if ((st->st_mode & S_IWGRP) && !t)
		add_anyone(s, st->st_gid, where);
	if ((st->st_mode & S_IWOTH) && !t)
		add_anyone(s, OVERFLOW_ID, where);
	*sticky = t && (st->st_mode & (S_IWGRP | S_IWOTH));
}

/* Where a walk is: the directory's fd, its real path, the sticky rule. */
struct walk {
	int fd;	   /* O_PATH, owned */
	char *dir; /* its path, symlinks resolved; owned */
	bool sticky;
	int links;
};

static int walk_enter(struct walk *w, struct safe *s, int fd, char *dir,
		      struct err **e)
{
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0) {
		int r = errno;

		close_safe(fd);
		err_sys(e, r, "opening directory '%s'", dir);
		free(dir);
		return -r;
	}
	close_safe(w->fd);
	free(w->dir);
	w->fd = fd;
	w->dir = dir;
	if (w->sticky)
		add_user(s, st.st_uid, "owner of", dir);
	dir_principals(s, &st, dir, &w->sticky);
	return 0;
}

static char *join(const char *dir, const char *name)
{
	return streq(dir, "/") ? xasprintf("/%s", name)
			       : xasprintf("%s/%s", dir, name);
}

static char *parent(const char *dir)
{
	const char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return xstrdup("/");
	return xstrndup(dir, (size_t)(slash - dir));
}

/* One directory component @c of a walk: "..", a directory, a symlink
 * (then its target goes in front of *@rest). */
static int walk_step(struct walk *w, struct safe *s, const char *c, char **rest,
		     struct err **e)
{
	char target[4096];
	struct stat st;
	ssize_t n;
	char *next;

	if (streq(c, ".."))
		return walk_enter(w, s, openat(w->fd, "..", O_PATH | O_CLOEXEC),
				  parent(w->dir), e);
	if (fstatat(w->fd, c, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		int r = err_sys(e, errno, "'%s'", next = join(w->dir, c));

		free(next);
		return r;
	}
	if (!S_ISLNK(st.st_mode))
		return walk_enter(
			w, s,
			openat(w->fd, c,
			       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
			join(w->dir, c), e);
	if (++w->links > 40)
		return err_set(e, ELOOP, "'%s': too many symbolic links",
			       w->dir);
	n = readlinkat(w->fd, c, target, sizeof(target) - 1);
	if (n < 0)
		return err_sys(e, errno, "reading a link in '%s'", w->dir);
	target[n] = 0;
	next = xasprintf("%s/%s", target, *rest);
	free(*rest);
	*rest = next;
	if (target[0] == '/')
		return walk_enter(w, s,
				  open("/", O_PATH | O_DIRECTORY | O_CLOEXEC),
				  xstrdup("/"), e);
	return 0;
}

/*
 * Walks the directories of @path (all but its last component) one at a
 * time, without letting the kernel follow a symlink: symlinks among
 * them are read and followed here, so that the principals of every
 * directory the path goes through, the ones holding those symlinks
 * included, are collected. On success w->fd and w->dir are the last
 * directory, *@last the last component (xmalloc'd). Returns 0 or -errno.
 */
static int walk_path(const char *path, struct safe *s, struct walk *w,
		     char **last, struct err **e)
{
	_cleanup_free_ char *rest = NULL, *cwd = NULL;
	int r;

	/* a relative path goes through the directories above "." too */
	if (path[0] != '/') {
		cwd = realpath(".", NULL);
		if (!cwd)
			return err_sys(e, errno, "'%s': the current directory",
				       path);
	}
	rest = cwd ? join(cwd, path) : xstrdup(path);
	r = walk_enter(w, s, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC),
		       xstrdup("/"), e);
	while (r == 0) {
		char *p = rest, *slash;

		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		if (!slash || !slash[strspn(slash, "/")]) {
			*last = slash ? xstrndup(p, slash - p) : xstrdup(p);
			return 0;
		}
		*slash = 0;
		char *c = xstrdup(p), *tail = xstrdup(slash + 1);

		free(rest);
		rest = tail;
		if (!streq(c, "."))
			r = walk_step(w, s, c, &rest, e);
		free(c);
	}
	return r;
}

struct report {
	int index; /* the principal that failed, or -1 */
	int err;
};

/* In the child: each principal opens @base in @dfd as @st. */
static struct report try_principals(const struct safe *s, int dfd,
				    const char *base, int oflags,
				    const struct stat *st)
{
	for (int i = 0; i < s->n; i++) {
		const struct principal *p = &s->p[i];
		struct stat got;
		int fd, err = 0;

		if (syscall(SYS_setgroups, p->ngroups, p->groups) < 0)
			return (struct report){i, errno};
		syscall(SYS_setfsgid, p->gid);
		syscall(SYS_setfsuid, p->uid);
		/* both return the old id: ask again to see the change took */
		if (syscall(SYS_setfsuid, -1) != (long)p->uid ||
		    syscall(SYS_setfsgid, -1) != (long)p->gid)
			return (struct report){i, EPERM};
		fd = openat(dfd, base,
			    (oflags & O_ACCMODE) | O_NOFOLLOW | O_NONBLOCK |
				    O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			err = errno;
		else if (fstat(fd, &got) < 0 || got.st_dev != st->st_dev ||
			 got.st_ino != st->st_ino)
			err = ESTALE; /* swapped between the two opens */
		if (fd >= 0)
			close(fd);
		syscall(SYS_setfsuid, 0);
		syscall(SYS_setfsgid, 0);
		if (err)
			return (struct report){i, err};
	}
	return (struct report){-1, 0};
}

static int check_principals(const struct safe *s, int dfd, const char *base,
			    const char *path, int oflags, const struct stat *st,
			    struct err **e)
{
	struct report rep = {-1, EIO};
	int pfd[2], status;
	pid_t pid;

	if (s->full)
		return err_set(e, EPERM,
			       "'%s': too many users may change the path to "
			       "check them all; refusing it",
			       path);
	if (s->n == 0 || geteuid() != 0)
		return 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return err_sys(e, errno, "'%s': pipe", path);
	pid = fork();
	if (pid == 0) {
		rep = try_principals(s, dfd, base, oflags, st);
		_exit(write(pfd[1], &rep, sizeof(rep)) == sizeof(rep) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid > 0 && read_full(pfd[0], &rep, sizeof(rep)) != sizeof(rep))
		rep = (struct report){-1, EIO};
	close(pfd[0]);
	if (pid < 0)
		return err_sys(e, errno, "'%s': fork", path);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rep.index < 0 && rep.err)
		return err_sys(e, rep.err, "'%s': checking who may open it",
			       path);
	if (rep.index >= 0)
		return err_set(e, EACCES,
			       "'%s': refused: %s, who could not open this "
			       "file %s (%s); the path may have been changed "
			       "to point where they cannot write",
			       path, s->p[rep.index].why,
			       (oflags & O_ACCMODE) == O_RDONLY ? "for reading"
								: "for writing",
			       rep.err == ESTALE ? "it changed while checked"
						 : strerror(rep.err));
	return 0;
}

static int check_type(int fd, const char *path, unsigned sflags,
		      struct stat *st, struct err **e)
{
	if (fstat(fd, st) < 0)
		return err_sys(e, errno, "'%s'", path);
	if (S_ISREG(st->st_mode) ||
	    (S_ISBLK(st->st_mode) && !(sflags & BLOCK_SAFE_REGULAR)))
		return fcntl(fd, F_SETFL, 0) < 0
			       ? err_sys(e, errno, "'%s'", path)
			       : 0;
	return err_set(e, EINVAL, "'%s' is not a regular file%s; refusing it",
		       path,
		       sflags & BLOCK_SAFE_REGULAR ? "" : " or block device");
}

static int open_at(const char *path, int oflags, unsigned sflags,
		   struct safe *s, int links, char **real, struct err **e);

/* @base in @w is a symlink: check and open its target. */
static int follow(struct walk *w, const char *base, const char *path,
		  int oflags, unsigned sflags, struct safe *s, int links,
		  char **real, struct err **e)
{
	char target[4096];
	_cleanup_free_ char *next = NULL;
	ssize_t n;

	if (!(sflags & BLOCK_SAFE_FOLLOW_LAST))
		return err_set(e, ELOOP,
			       "'%s' is a symbolic link the definition did "
			       "not name; refusing to follow it",
			       path);
	if (links >= MAX_LINKS)
		return err_set(e, ELOOP, "'%s': too many symbolic links", path);
	n = readlinkat(w->fd, base, target, sizeof(target) - 1);
	if (n < 0)
		return err_sys(e, errno, "reading the link '%s'", path);
	target[n] = 0;
	next = target[0] == '/' ? xstrdup(target) : join(w->dir, target);
	return open_at(next, oflags, sflags, s, links + 1, real, e);
}

/* Opens the last component @base of @path in the walked directory. */
static int open_last(struct walk *w, const char *base, const char *path,
		     int oflags, unsigned sflags, struct safe *s, int links,
		     char **real, struct err **e)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (!*base || streq(base, ".") || streq(base, ".."))
		return err_set(e, EINVAL, "'%s' does not name a file", path);
	if (fstatat(w->fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_sys(e, errno, "opening '%s'", path);
	if (w->sticky)
		add_user(s, st.st_uid, "owner of the entry", path);
	if (S_ISLNK(st.st_mode))
		return follow(w, base, path, oflags, sflags, s, links, real, e);
	/* O_NONBLOCK: a FIFO swapped in opens at once, then is refused */
	fd = openat(w->fd, base,
		    oflags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	r = check_type(fd, path, sflags, &st, e);
	if (r == 0)
		r = check_principals(s, w->fd, base, path, oflags, &st, e);
	if (r < 0)
		return r;
	if (real)
		*real = join(w->dir, base);
	return steal_fd(fd);
}

static int open_at(const char *path, int oflags, unsigned sflags,
		   struct safe *s, int links, char **real, struct err **e)
{
	struct walk w = {.fd = -1};
	_cleanup_free_ char *base = NULL;
	int r = walk_path(path, s, &w, &base, e);

	if (r == 0)
		r = open_last(&w, base, path, oflags, sflags, s, links, real,
			      e);
	close_safe(w.fd);
	free(w.dir);
	return r;
}

int block_safe_open(const char *path, int oflags, unsigned sflags, char **real,
		    struct err **e)
{
	struct safe *s = xcalloc(1, sizeof(*s));
	int fd;

	if (real)
		*real = NULL;
	fd = open_at(path, oflags & (O_ACCMODE | O_CLOEXEC), sflags, s, 0, real,
		     e);
	free(s);
	return fd;
}
