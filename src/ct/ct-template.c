// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unpacking a container template (ct.h, ct_template_unpack): the
 * .tar.gz, .tar.xz or .tar.zst root file systems LXC's download template
 * and Proxmox's `pveam` give, through libarchive, each file's owner
 * moved into the container's id range as it is written, so that the
 * tree is what an unprivileged container's root owns.
 *
 * The archive is not trusted: an entry that would land outside the
 * directory (an absolute name, "..", or a path through a symbolic link
 * the archive made) is refused by libarchive's secure-extraction flags,
 * with the directory as the working directory while it writes; device
 * nodes are skipped (a container gets nido's /dev, and its root could not
 * make them); an owner the range does not map is an error naming the
 * entry.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/ct.h"
#include "lib/util.h"

#define EXTRACT_FLAGS                                                          \
	(ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | \
	 ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |             \
	 ARCHIVE_EXTRACT_SECURE_NODOTDOT |                                     \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK)

static void cleanup_read(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static void cleanup_write(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}

/* The entry's owner and group, moved into the range. */
static int shift_owner(struct archive_entry *en, const struct ct_ids *ids,
		       struct err **e)
{
	int64_t uid = archive_entry_uid(en), gid = archive_entry_gid(en);
	uint32_t hu =
		uid >= 0 && uid <= UINT32_MAX
			? ct_idmap_host(ids->uid, ids->n_uid, (uint32_t)uid)
			: (uint32_t)-1;
	uint32_t hg =
		gid >= 0 && gid <= UINT32_MAX
			? ct_idmap_host(ids->gid, ids->n_gid, (uint32_t)gid)
			: (uint32_t)-1;

	if (hu == (uint32_t)-1 || hg == (uint32_t)-1)
		return err_set(e, ERANGE,
			       "'%s': owner %lld:%lld is outside the "
			       "container's id range",
			       archive_entry_pathname(en), (long long)uid,
			       (long long)gid);
	archive_entry_set_uid(en, hu);
	archive_entry_set_gid(en, hg);
	/* the numbers are the owner: no name looked up on this host */
	archive_entry_set_uname(en, NULL);
	archive_entry_set_gname(en, NULL);
	return 0;
}

/* One entry: skipped (a device), or written with its owner shifted. */
static int unpack_entry(struct archive *in, struct archive *out,
			struct archive_entry *en, const struct ct_ids *ids,
			struct ct_template_stats *st, struct err **e)
{
	mode_t type = archive_entry_filetype(en);
	int r;

	if (type == AE_IFCHR || type == AE_IFBLK) {
		st->devices_skipped++;
		return 0;
	}
	if (shift_owner(en, ids, e) < 0)
		return -ERANGE;
	r = archive_write_header(out, en);
	if (r < ARCHIVE_WARN)
		return err_set(
			e, archive_errno(out) > 0 ? archive_errno(out) : EINVAL,
			"'%s': %s", archive_entry_pathname(en),
			archive_error_string(out));
	if (archive_entry_size(en) > 0) {
		const void *buf;
		size_t len;
		int64_t off;

		while ((r = archive_read_data_block(in, &buf, &len, &off)) ==
		       ARCHIVE_OK)
			if (archive_write_data_block(out, buf, len, off) <
			    ARCHIVE_WARN)
				return err_set(e, EIO, "'%s': %s",
					       archive_entry_pathname(en),
					       archive_error_string(out));
		if (r != ARCHIVE_EOF)
			return err_set(e, EIO, "'%s': %s",
				       archive_entry_pathname(en),
				       archive_error_string(in));
	}
	if (archive_write_finish_entry(out) < ARCHIVE_WARN)
		return err_set(e, EIO, "'%s': %s", archive_entry_pathname(en),
			       archive_error_string(out));
	st->entries++;
	return 0;
}

static int unpack_all(struct archive *in, struct archive *out,
		      const struct ct_ids *ids, struct ct_template_stats *st,
		      struct err **e)
{
	struct archive_entry *en;
	int r;

	while ((r = archive_read_next_header(in, &en)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN)
		if (unpack_entry(in, out, en, ids, st, e) < 0)
			return -EIO;
	if (r != ARCHIVE_EOF)
		return err_set(e, EINVAL, "reading the archive: %s",
			       archive_error_string(in));
	if (archive_write_close(out) < ARCHIVE_WARN)
		return err_set(e, EIO, "%s", archive_error_string(out));
	return 0;
}

/*
 * The directories libarchive made on its own (a parent the archive has
 * no entry for, one that replaced a symbolic link) are this process's,
 * root's: given to the container's root too. Nothing the archive named
 * is owned by host root once shifted (unless the range maps 0 to 0).
 */
static uid_t root_uid;
static gid_t root_gid;

static int give_dir(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	if (type == FTW_D && st->st_uid == 0 &&
	    lchown(path, root_uid, root_gid) < 0)
		return -1;
	return 0;
}

static int give_made_dirs(const char *dir, const struct ct_ids *ids,
			  struct err **e)
{
	root_uid = ct_idmap_host(ids->uid, ids->n_uid, 0);
	root_gid = ct_idmap_host(ids->gid, ids->n_gid, 0);
	if (nftw(dir, give_dir, 64, FTW_PHYS | FTW_MOUNT) != 0)
		return err_sys(e, errno,
			       "giving the directories made to the "
			       "container's root");
	return 0;
}

int ct_template_unpack(const char *archive, const char *dir,
		       const struct ct_ids *ids, struct ct_template_stats *st,
		       struct err **e)
{
	__attribute__((cleanup(cleanup_read))) struct archive *in = NULL;
	__attribute__((cleanup(cleanup_write))) struct archive *out = NULL;
	_cleanup_close_ int here = -1;
	int r;

	memset(st, 0, sizeof(*st));
	in = archive_read_new();
	out = archive_write_disk_new();
	if (!in || !out)
		return err_set(e, ENOMEM, "libarchive: out of memory");
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_write_disk_set_options(out, EXTRACT_FLAGS);
	if (archive_read_open_filename(in, archive, 65536) != ARCHIVE_OK)
		return err_set(
			e, archive_errno(in) > 0 ? archive_errno(in) : EINVAL,
			"'%s': %s", archive, archive_error_string(in));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return err_sys(e, errno, "creating '%s'", dir);
	/* the container's root owns its "/" (the archive's "./" may say
	 * so again) */
	if (chown(dir, ct_idmap_host(ids->uid, ids->n_uid, 0),
		  ct_idmap_host(ids->gid, ids->n_gid, 0)) < 0)
		return err_sys(e, errno, "giving '%s' to the container's root",
			       dir);
	/* libarchive writes relative to the working directory, which is
	 * how its refusal of absolute names keeps entries inside */
	here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (here < 0 || chdir(dir) < 0)
		return err_sys(e, errno, "entering '%s'", dir);
	r = unpack_all(in, out, ids, st, e);
	if (fchdir(here) < 0 && r == 0)
		r = err_sys(e, errno, "returning from '%s'", dir);
	if (r == 0)
		r = give_made_dirs(dir, ids, e);
	if (r < 0)
		return err_prefix(e, "unpacking '%s' into '%s'", archive, dir);
	return 0;
}
