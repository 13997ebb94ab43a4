// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backing chain policy (chain.h): the three resolvers, and a chain
 * exported as open fds and opened again from them.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>

#include "block/chain.h"
#include "block/driver.h"
#include "block/safeopen.h"

int block_file_check(int fd, const char *path, struct err **e)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "'%s'", path);
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISDIR(st.st_mode))
		return err_set(e, EINVAL,
			       "'%s' is a %s, not an image file; refusing it",
			       path,
			       S_ISFIFO(st.st_mode)   ? "FIFO"
			       : S_ISSOCK(st.st_mode) ? "socket"
						      : "directory");
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return err_sys(e, errno, "'%s'", path);
	return 0;
}

static const char *kind_name(enum block_ref_kind k)
{
	return k == BLOCK_REF_EXTENT ? "extent" : "backing file";
}

/* @ref's name as a path: relative to the directory of its parent. */
static char *ref_path(const struct block_ref *ref)
{
	const char *slash = strrchr(ref->parent, '/');

	if (ref->name[0] == '/' || !slash)
		return xstrdup(ref->name);
	return xasprintf("%.*s/%s", (int)(slash - ref->parent), ref->parent,
			 ref->name);
}

/* ---- default: qemu-img's rules ---- */

int block_resolve_default(void *opaque, const struct block_ref *ref,
			  struct block_file *out, struct err **e)
{
	_cleanup_free_ char *path = ref_path(ref);
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_sys(e, errno, "opening '%s'", path);
	r = block_file_check(fd, path, e);
	if (r < 0)
		return r;
	out->fd = steal_fd(fd);
	out->path = steal_ptr(path);
	out->format = ref->format ? xstrdup(ref->format) : NULL;
	return 0;
}

/* ---- strict: guest disks ---- */

/* The declaration of the file @st is, or NULL. */
static const struct block_decl *find_decl(const struct block_strict *s,
					  const struct stat *st)
{
	struct stat d;

	for (int i = 0; s && i < s->ndecl; i++)
		if (s->decl[i].path && stat(s->decl[i].path, &d) == 0 &&
		    d.st_dev == st->st_dev && d.st_ino == st->st_ino)
			return &s->decl[i];
	return NULL;
}

/* Whether @real (symlinks resolved) lies under the top image's directory. */
static bool under_top_dir(const char *top, const char *real)
{
	_cleanup_free_ char *copy = xstrdup(top), *dir = NULL;
	size_t n;

	dir = realpath(dirname(copy), NULL);
	if (!dir)
		return false;
	n = strlen(dir);
	if (streq(dir, "/"))
		return true;
	return !strncmp(real, dir, n) && real[n] == '/';
}

/* The format a backing file is read as: recorded, or declared. */
static int strict_format(const struct block_ref *ref, const char *path,
			 const struct block_decl *d, char **fmt, struct err **e)
{
	const char *dec = d ? d->format : NULL;

	*fmt = NULL;
	if (ref->kind != BLOCK_REF_BACKING)
		return 0;
	if (ref->format && dec && !streq(ref->format, dec))
		return err_set(e, EINVAL,
			       "backing file '%s' of '%s': the image records "
			       "format '%s', the definition declares '%s'",
			       path, ref->parent, ref->format, dec);
	if (!ref->format && !dec)
		return err_set(e, EINVAL,
			       "backing file '%s' of '%s' has no recorded "
			       "format and none is declared (<backingStore>); "
			       "refusing to guess it",
			       path, ref->parent);
	*fmt = xstrdup(ref->format ? ref->format : dec);
	return 0;
}

int block_resolve_strict(void *opaque, const struct block_ref *ref,
			 struct block_file *out, struct err **e)
{
	const struct block_strict *s = opaque;
	_cleanup_free_ char *path = ref_path(ref), *real = NULL;
	_cleanup_close_ int fd = -1;
	const struct block_decl *d;
	struct stat st;
	int r;

	fd = block_safe_open(path, O_RDONLY,
			     BLOCK_SAFE_FOLLOW_LAST | BLOCK_SAFE_REGULAR, &real,
			     e);
	if (fd < 0)
		return err_prefix(e, "%s '%s' of '%s'", kind_name(ref->kind),
				  ref->name, ref->parent);
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "'%s'", path);
	d = find_decl(s, &st);
	if (!d && !under_top_dir(ref->top, real))
		return err_set(e, EPERM,
			       "%s '%s' of '%s' is '%s', outside the "
			       "directory of '%s', and the definition does "
			       "not declare it (<backingStore>); refusing it",
			       kind_name(ref->kind), ref->name, ref->parent,
			       real, ref->top);
	r = strict_format(ref, path, d, &out->format, e);
	if (r < 0)
		return r;
	out->fd = steal_fd(fd);
	out->path = steal_ptr(path);
	return 0;
}

/* ---- fds: a chain opened elsewhere ---- */

int block_resolve_fds(void *opaque, const struct block_ref *ref,
		      struct block_file *out, struct err **e)
{
	const struct block_chain *c = opaque;
	const struct block_chain_file *f;

	if (ref->index >= c->n)
		return err_set(e, EPERM,
			       "'%s' names %s '%s', which was not passed",
			       ref->parent, kind_name(ref->kind), ref->name);
	f = &c->files[ref->index];
	if (f->kind != ref->kind || !f->name || !streq(f->name, ref->name))
		return err_set(e, EPERM,
			       "'%s' names %s '%s' where %s '%s' was passed",
			       ref->parent, kind_name(ref->kind), ref->name,
			       kind_name(f->kind), f->name ? f->name : "");
	if (ref->kind == BLOCK_REF_BACKING &&
	    (!f->format || (ref->format && !streq(ref->format, f->format))))
		return err_set(e, EPERM,
			       "'%s' records format '%s' for '%s', passed as "
			       "'%s'",
			       ref->parent, ref->format ? ref->format : "none",
			       ref->name, f->format ? f->format : "none");
	out->fd = fcntl(f->fd, F_DUPFD_CLOEXEC, 0);
	if (out->fd < 0)
		return err_sys(e, errno, "'%s': fd %d", f->path, f->fd);
	out->path = xstrdup(f->path);
	out->format = f->format ? xstrdup(f->format) : NULL;
	return 0;
}

/* ---- export and open from fds ---- */

static void add_file(struct block_chain *c, enum block_ref_kind kind, int fd,
		     const char *path, const char *name, const char *format,
		     bool rdwr)
{
	struct block_chain_file *f;

	c->files = xrealloc(c->files, (size_t)(c->n + 1) * sizeof(*c->files));
	f = &c->files[c->n++];
	*f = (struct block_chain_file){
		.kind = kind,
		.fd = fd,
		.path = xstrdup(path),
		.name = xstrdup(name),
		.format = format ? xstrdup(format) : NULL,
		.rdwr = rdwr,
	};
}

static int dup_fd(int fd, const char *path, struct err **e)
{
	int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	return r < 0 ? err_sys(e, errno, "'%s': duplicating its fd", path) : r;
}

int block_chain_export(struct block *b, struct block_chain *c, struct err **e)
{
	*c = (struct block_chain){0};
	for (struct block *cur = b; cur; cur = cur->backing) {
		int fd = dup_fd(cur->fd, cur->filename, e);

		if (fd < 0)
			goto fail;
		add_file(c, cur == b ? BLOCK_REF_TOP : BLOCK_REF_BACKING, fd,
			 cur->filename, cur->name, cur->drv->name,
			 !cur->read_only);
		for (int i = 0; i < cur->nrefs; i++) {
			fd = dup_fd(cur->refs[i].fd, cur->refs[i].path, e);
			if (fd < 0)
				goto fail;
			add_file(c, BLOCK_REF_EXTENT, fd, cur->refs[i].path,
				 cur->refs[i].name, NULL, false);
		}
	}
	return 0;
fail:
	block_chain_clear(c);
	return -EMFILE;
}

void block_chain_clear(struct block_chain *c)
{
	for (int i = 0; i < c->n; i++) {
		close_safe(c->files[i].fd);
		free(c->files[i].path);
		free(c->files[i].name);
		free(c->files[i].format);
	}
	free(c->files);
	*c = (struct block_chain){0};
}

static int files_used(struct block *b)
{
	int n = 0;

	for (; b; b = b->backing)
		n += 1 + b->nrefs;
	return n;
}

int block_open_from_chain(const struct block_chain *c, unsigned flags,
			  struct block **out, struct err **e)
{
	const struct block_chain_file *top = c->n ? &c->files[0] : NULL;
	struct block_open_opts o = {.flags = flags,
				    .resolve = block_resolve_fds,
				    .opaque = (void *)c};
	_cleanup_block_ struct block *b = NULL;
	int r;

	*out = NULL;
	if (!top || top->kind != BLOCK_REF_TOP || !top->format || !top->path)
		return err_set(e, EINVAL,
			       "the chain passed has no top image with a "
			       "format");
	if ((flags & BLOCK_OPEN_RDWR) && !top->rdwr)
		return err_set(e, EBADF,
			       "'%s': passed read-only, asked to write it",
			       top->path);
	o.format = top->format;
	o.fd = top->fd;
	r = block_open_chain(top->path, &o, &b, e);
	if (r < 0)
		return r;
	if (files_used(b) != c->n)
		return err_set(e, EINVAL,
			       "'%s': %d files were passed for its chain, "
			       "which has %d",
			       top->path, c->n, files_used(b));
	*out = steal_ptr(b);
	return 0;
}
