/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which files an image may make us open: the backing chain policy.
 *
 * An image names other files: its backing file (qcow2), its extents
 * (vmdk). Whoever hands us the image chooses those names, so the caller
 * of block_open_chain() decides, through a resolver, how each one is
 * found, opened and read:
 *
 * - block_resolve_default: what qemu-img does, for `nido img` verbs. A
 *   relative name is relative to the directory of the image naming it;
 *   a backing file without a recorded format is probed; any file the
 *   name reaches is opened (but never a FIFO, socket or directory).
 * - block_resolve_strict: for guest disks (nidod, standalone nido-vmm).
 *   Nothing is probed: a backing file's format is the one its parent
 *   records, or the one the caller declares (libvirt's <backingStore>);
 *   neither is refused. Every file must be a regular file, opened as
 *   block_safe_open() opens it, lying under the top image's directory
 *   (after symlinks) unless the caller declares it.
 * - block_resolve_fds: for a sandboxed nido-vmm that cannot open
 *   anything: hands out the already open files of a struct block_chain
 *   (from block_chain_export() in nidod) in order, and checks that each
 *   is the file the image names, with the format it records.
 *
 * Ownership: opts, declarations and chains are borrowed for the call.
 * Errors name the file, the image naming it and the rule (docs/errors.md).
 */
#ifndef NIDO_BLOCK_CHAIN_H
#define NIDO_BLOCK_CHAIN_H

#include <stdbool.h>

#include "block/block.h"

/* What a file is to the chain. */
enum block_ref_kind {
	BLOCK_REF_TOP,	   /* the image opened */
	BLOCK_REF_BACKING, /* a backing file, read-only */
	BLOCK_REF_EXTENT,  /* a file holding part of a vmdk's data */
};

/* A file named by an image: what a resolver is asked to open. */
struct block_ref {
	enum block_ref_kind kind; /* BACKING or EXTENT */
	const char *top;	  /* the path the top image was opened as */
	const char *parent;	  /* the path of the image naming it */
	const char *name;	  /* the name as recorded there */
	const char *format;	  /* BACKING: the recorded format, or NULL */
	int index;		  /* files of the chain opened before it */
};

/* What a resolver hands back. */
struct block_file {
	int fd;	      /* open read-only; the block layer's on success */
	char *path;   /* xmalloc'd path, for messages and info; ditto */
	char *format; /* BACKING: xmalloc'd format, NULL: probe it */
};

/*
 * Opens the file @ref names. Returns 0 with @out filled (then the block
 * layer owns out->fd, out->path and out->format), or -errno with @e
 * naming the file; nothing is left open then. -ENOENT lets
 * BLOCK_OPEN_UNSAFE skip a missing backing file.
 */
typedef int block_resolve_fn(void *opaque, const struct block_ref *ref,
			     struct block_file *out, struct err **e);

block_resolve_fn block_resolve_default; /* @opaque: unused */
block_resolve_fn block_resolve_strict;	/* @opaque: struct block_strict */
block_resolve_fn block_resolve_fds;	/* @opaque: struct block_chain */

/* One file of a domain's <backingStore> chain: declared, so allowed. */
struct block_decl {
	const char *path;   /* as the definition names it */
	const char *format; /* its <format type=>, or NULL */
};

/* The strict resolver's state: what the caller declares. */
struct block_strict {
	const struct block_decl *decl; /* any order; matched by identity */
	int ndecl;
	/*
	 * With o->fd -1, block_open_chain() opens the top image itself with
	 * block_safe_open() and these flags (BLOCK_SAFE_FOLLOW_LAST when the
	 * definition named a symlink, or a person gave the path).
	 */
	unsigned safe_flags;
};

struct block_open_opts {
	const char *format; /* of the top image; NULL: probe (default only) */
	unsigned flags;	    /* BLOCK_OPEN_* */
	int fd;		    /* >= 0: the top image, borrowed (dup'ed); -1 */
	block_resolve_fn *resolve; /* NULL: block_resolve_default */
	void *opaque;		   /* for @resolve */
};

/*
 * Opens the image at @path (or o->fd, then @path only names it) and its
 * chain, each file an image names through o->resolve. The strict
 * resolver also opens @path itself with block_safe_open() (its
 * safe_flags) when o->fd is -1. With a resolver
 * other than the default, nothing is probed: o->format is required and
 * every backing file gets its format from the resolver (as with
 * BLOCK_OPEN_NO_PROBE). Otherwise as block_open(). On success *@out is
 * the caller's. Returns 0 or -errno with @e filled.
 */
int block_open_chain(const char *path, const struct block_open_opts *o,
		     struct block **out, struct err **e);

/* One open file of a chain, in the order block_open_chain() opens them:
 * the top image, its extents, its backing file, that one's extents... */
struct block_chain_file {
	enum block_ref_kind kind;
	int fd;	      /* owned by the chain */
	char *path;   /* owned: where it was found */
	char *name;   /* owned: as its parent records it (TOP: the path) */
	char *format; /* owned: TOP and BACKING: its format; EXTENT: NULL */
	bool rdwr;    /* the fd is open for writing (TOP only) */
};

struct block_chain {
	struct block_chain_file *files; /* owned */
	int n;
};

/*
 * Fills @c with a duplicate of the fd of every file of @b's chain, with
 * what names it. Each fd shares its open file description with @b's,
 * and so its image locks (lock.c, OFD locks): they stay held while any
 * of the two is open, in whichever process. Hand the fds to the process
 * that will use them, then close the copies you keep (block_close(),
 * block_chain_clear()), or the images stay locked until you do.
 * Returns 0 or -errno.
 */
int block_chain_export(struct block *b, struct block_chain *c, struct err **e);

/* Closes the fds and frees what @c owns; @c is left empty. */
void block_chain_clear(struct block_chain *c);

/*
 * Opens the chain @c describes from its fds alone (block_resolve_fds):
 * c->files[0] is the top image, with its format; each file an image
 * names must be the next one of @c, with the name and format the image
 * records, and every file of @c must be used. The fds of @c stay the
 * caller's (the block layer uses duplicates). @flags as block_open();
 * BLOCK_OPEN_RDWR needs files[0].rdwr. Returns 0 or -errno.
 */
int block_open_from_chain(const struct block_chain *c, unsigned flags,
			  struct block **out, struct err **e);

/*
 * The chain as JSON (chain-json.c) for a process that gets its fds:
 * @first_fd is the number files[0].fd will have there, the others
 * following. block_chain_from_json() fills @c from such an array, taking
 * the fds it names over (they must be open); -errno with @e on a bad
 * entry, @c then empty. The caller owns the JSON returned.
 */
struct json_object;
struct json_object *block_chain_to_json(const struct block_chain *c,
					int first_fd);
int block_chain_from_json(struct json_object *arr, struct block_chain *c,
			  struct err **e);

#endif
