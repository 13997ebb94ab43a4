// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A machine's <filesystem type='mount'> (domain_conf_devmisc.h): a host
 * directory the guest mounts by its tag, over virtio-9p (<driver
 * type='path'>, accessmode, fmode, dmode, multidevs, wrpolicy) or
 * virtiofs (<driver type='virtiofs' queue=>, a virtiofsd nidod starts
 * with its <binary> options, or one the user runs at <source socket=>),
 * with libvirt's rules: virtiofs passes through owners, is not
 * read-only, and takes no 9p options.
 */
#include <errno.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/domain_conf_hw.h"

static const char *const driver_names[] = {"path", "handle", "virtiofs", NULL};
static const char *const access_names[] = {"", "passthrough", "mapped",
					   "squash", NULL};
static const char *const multidevs_names[] = {"",	"default", "remap",
					      "forbid", "warn",	   NULL};
static const char *const on_off[] = {"", "on", "off", NULL};
static const char *const cache_names[] = {"", "none", "always", NULL};
static const char *const sandbox_names[] = {"", "namespace", "chroot", NULL};

/* fmode=, dmode=: octal permissions up to 0777; -1 when absent. */
static int parse_mode(const xmlNode *c, const char *attr, int *out,
		      struct err **e)
{
	_cleanup_free_ char *v = xml_attr(c, attr);
	char *end;
	long m;

	*out = -1;
	if (!v)
		return 0;
	m = strtol(v, &end, 8);
	if (!*v || *end || m < 0 || m > 0777 || v[0] == '-' || v[0] == '+')
		return xml_err(e, c, "invalid %s '%s' (octal, 0 to 0777)", attr,
			       v);
	*out = (int)m;
	return 0;
}

static int tristate(const xmlNode *n, const char *attr,
		    enum domain_tristate *out, struct err **e)
{
	int r = domain_attr_enum(n, attr, attr, on_off, e);

	if (r < 0)
		return r;
	*out = (enum domain_tristate)r;
	return 0;
}

/* <driver type= wrpolicy= queue= ats= iommu= packed=>. */
static int parse_driver(const xmlNode *n, struct domain_vfs *fs,
			struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(n, "type");
	_cleanup_free_ char *wr = xml_attr(n, "wrpolicy");
	_cleanup_free_ char *queue = xml_attr(n, "queue");
	uint64_t q;
	int r;

	xml_check_known(n,
			(const char *const[]){"type", "wrpolicy", "queue",
					      "ats", "iommu", "packed", NULL},
			NULL, w);
	if (type) {
		if ((r = xml_enum(n, "filesystem driver", type, driver_names,
				  e)) < 0)
			return r;
		fs->driver = (enum vfs_driver)r;
		fs->driver_given = true;
	}
	if (wr && !streq(wr, "immediate"))
		return xml_err(
			e, n, "invalid wrpolicy '%s' (expected immediate)", wr);
	fs->wrpolicy = wr != NULL;
	/* a virtqueue's size: a power of two QEMU takes (2 to 32768) */
	if (queue &&
	    (xml_uint(n, "filesystem queue", queue, 2, 32768, &q, e) < 0 ||
	     (q & (q - 1))))
		return xml_err(e, n, "queue '%s': not a power of two", queue);
	fs->queue = queue ? (unsigned)q : 0;
	if (tristate(n, "ats", &fs->ats, e) < 0 ||
	    tristate(n, "iommu", &fs->iommu, e) < 0 ||
	    tristate(n, "packed", &fs->packed, e) < 0)
		return -EINVAL;
	return 0;
}

static int parse_uint_child(const xmlNode *b, const char *tag, const char *attr,
			    unsigned max, unsigned *out, struct xml_warnings *w,
			    struct err **e)
{
	const xmlNode *n = xml_child(b, tag);
	_cleanup_free_ char *v = n ? xml_attr(n, attr) : NULL;
	uint64_t u;

	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){attr, NULL}, NULL, w);
	if (xml_uint(n, tag, v, 1, max, &u, e) < 0)
		return -EINVAL;
	*out = (unsigned)u;
	return 0;
}

static int parse_mode_child(const xmlNode *b, const char *tag,
			    const char *const *names, int *out,
			    struct xml_warnings *w, struct err **e)
{
	const xmlNode *n = xml_child(b, tag);
	int r;

	if (!n)
		return 0;
	xml_check_known(n, (const char *const[]){"mode", NULL}, NULL, w);
	_cleanup_free_ char *what = xasprintf("%s mode", tag);
	if ((r = domain_attr_enum(n, "mode", what, names, e)) < 0)
		return r;
	*out = r;
	return 0;
}

/* <binary path= xattr=><cache mode=/><sandbox mode=/><lock posix=
 * flock=/><thread_pool size=/></binary>: how virtiofsd runs. */
static int parse_binary(const xmlNode *b, struct domain_vfs *fs,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *lock = xml_child(b, "lock");

	xml_check_known(b, (const char *const[]){"path", "xattr", NULL},
			(const char *const[]){"cache", "sandbox", "lock",
					      "thread_pool", NULL},
			w);
	fs->binary = xml_attr(b, "path");
	if (fs->binary && (fs->binary[0] != '/' || strlen(fs->binary) > 4096))
		return xml_err(e, b, "<binary path='%s'>: not an absolute path",
			       fs->binary);
	if (!fs->binary)
		fs->binary = xstrdup("");
	if (tristate(b, "xattr", &fs->xattr, e) < 0 ||
	    parse_mode_child(b, "cache", cache_names, &fs->cache, w, e) < 0 ||
	    parse_mode_child(b, "sandbox", sandbox_names, &fs->sandbox, w, e) <
		    0 ||
	    parse_uint_child(b, "thread_pool", "size", 1024, &fs->thread_pool,
			     w, e) < 0)
		return -EINVAL;
	if (lock) {
		xml_check_known(lock,
				(const char *const[]){"posix", "flock", NULL},
				NULL, w);
		if (tristate(lock, "posix", &fs->posix_lock, e) < 0 ||
		    tristate(lock, "flock", &fs->flock, e) < 0)
			return -EINVAL;
	}
	return 0;
}

/* <source dir=> or, for virtiofs, <source socket=>. */
static int parse_source(const xmlNode *c, struct domain_vfs *fs,
			struct xml_warnings *w, struct err **e)
{
	const xmlNode *s = xml_child(c, "source");

	if (!s)
		return xml_err(e, c, "<filesystem> without <source>");
	xml_check_known(s, (const char *const[]){"dir", "socket", NULL}, NULL,
			w);
	fs->source = xml_attr(s, "dir");
	fs->socket = xml_attr(s, "socket");
	if (!fs->source == !fs->socket)
		return xml_err(e, s,
			       "<source>: one of dir= (a host directory) or "
			       "socket= (a virtiofsd's)");
	if (fs->socket && fs->driver != VFS_DRIVER_VIRTIOFS)
		return xml_err(e, s,
			       "<source socket=> is virtiofs' (<driver "
			       "type='virtiofs'>)");
	if ((fs->source ? fs->source : fs->socket)[0] != '/' ||
	    strlen(fs->source ? fs->source : fs->socket) > 4096)
		return xml_err(e, s,
			       "filesystem source '%s': not an absolute "
			       "path",
			       fs->source ? fs->source : fs->socket);
	return 0;
}

/* libvirt's rules for virtiofs, and what 9p does not take. */
static int check_vfs(const xmlNode *c, const struct domain_vfs *fs,
		     struct err **e)
{
	if (fs->driver != VFS_DRIVER_VIRTIOFS) {
		if (fs->binary || fs->queue)
			return xml_err(e, c,
				       "filesystem '%s': <binary> and queue= "
				       "are virtiofs' (<driver "
				       "type='virtiofs'>)",
				       fs->target);
		return 0;
	}
	if (fs->access > VFS_ACCESS_PASSTHROUGH)
		return xml_err(e, c,
			       "filesystem '%s': virtiofs has only "
			       "accessmode 'passthrough'",
			       fs->target);
	if (fs->readonly)
		return xml_err(e, c,
			       "filesystem '%s': virtiofs has no read-only "
			       "mode (<readonly/>)",
			       fs->target);
	if (fs->wrpolicy || fs->fmode >= 0 || fs->dmode >= 0 || fs->multidevs)
		return xml_err(e, c,
			       "filesystem '%s': wrpolicy, fmode, dmode and "
			       "multidevs are virtio-9p's, not virtiofs'",
			       fs->target);
	if (fs->socket && fs->binary)
		return xml_err(e, c,
			       "filesystem '%s': <binary> with <source "
			       "socket=> (a virtiofsd nidod does not start)",
			       fs->target);
	return 0;
}

static int parse_parts(const xmlNode *c, struct domain_vfs *fs,
		       struct xml_warnings *w, struct err **e)
{
	const xmlNode *n;
	int r;

	if ((r = domain_attr_enum(c, "accessmode", "accessmode", access_names,
				  e)) < 0)
		return r;
	fs->access = (enum vfs_access)r;
	if ((r = domain_attr_enum(c, "multidevs", "multidevs", multidevs_names,
				  e)) < 0)
		return r;
	fs->multidevs = (enum vfs_multidevs)r;
	if (parse_mode(c, "fmode", &fs->fmode, e) < 0 ||
	    parse_mode(c, "dmode", &fs->dmode, e) < 0)
		return -EINVAL;
	if ((n = xml_child(c, "driver")) && parse_driver(n, fs, w, e) < 0)
		return -EINVAL;
	if ((n = xml_child(c, "binary")) && parse_binary(n, fs, w, e) < 0)
		return -EINVAL;
	if (parse_source(c, fs, w, e) < 0)
		return -EINVAL;
	if (!(n = xml_child(c, "target")) ||
	    !(fs->target = xml_attr(n, "dir")) || !*fs->target)
		return xml_err(e, c,
			       "<filesystem> without <target dir=> (the "
			       "mount tag)");
	xml_check_known(n, (const char *const[]){"dir", NULL}, NULL, w);
	/* QEMU's 9p mount_tag and virtiofs tag: at most 31 and 36 bytes */
	if (strlen(fs->target) > 31)
		return xml_err(e, n,
			       "mount tag '%s': longer than 31 characters",
			       fs->target);
	fs->readonly = xml_child(c, "readonly") != NULL;
	if (domain_parse_address(c, &fs->pci, NULL, e) < 0)
		return -EINVAL;
	return check_vfs(c, fs, e);
}

int domain_parse_vfs(const xmlNode *c, struct domain_vfs *fs,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(c, "type");

	xml_check_known(c,
			(const char *const[]){"type", "accessmode", "fmode",
					      "dmode", "multidevs", NULL},
			(const char *const[]){"driver", "binary", "source",
					      "target", "readonly", "alias",
					      "address", NULL},
			w);
	if (type && !streq(type, "mount"))
		return xml_err(e, c,
			       "<filesystem type='%s'>: a machine shares a "
			       "host directory (type='mount')",
			       type);
	return parse_parts(c, fs, w, e);
}

static void format_binary(FILE *f, const struct domain_vfs *fs)
{
	fputs("      <binary", f);
	if (*fs->binary)
		xml_put_attr(f, "path", fs->binary);
	if (fs->xattr)
		fprintf(f, " xattr='%s'", on_off[fs->xattr]);
	if (!fs->cache && !fs->sandbox && !fs->posix_lock && !fs->flock &&
	    !fs->thread_pool) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (fs->cache)
		fprintf(f, "        <cache mode='%s'/>\n",
			cache_names[fs->cache]);
	if (fs->sandbox)
		fprintf(f, "        <sandbox mode='%s'/>\n",
			sandbox_names[fs->sandbox]);
	if (fs->posix_lock || fs->flock) {
		fputs("        <lock", f);
		if (fs->posix_lock)
			fprintf(f, " posix='%s'", on_off[fs->posix_lock]);
		if (fs->flock)
			fprintf(f, " flock='%s'", on_off[fs->flock]);
		fputs("/>\n", f);
	}
	if (fs->thread_pool)
		fprintf(f, "        <thread_pool size='%u'/>\n",
			fs->thread_pool);
	fputs("      </binary>\n", f);
}

static void format_driver(FILE *f, const struct domain_vfs *fs)
{
	if (!fs->driver_given && !fs->wrpolicy && !fs->queue && !fs->ats &&
	    !fs->iommu && !fs->packed)
		return;
	fputs("      <driver", f);
	if (fs->driver_given)
		fprintf(f, " type='%s'", driver_names[fs->driver]);
	if (fs->wrpolicy)
		fputs(" wrpolicy='immediate'", f);
	if (fs->queue)
		fprintf(f, " queue='%u'", fs->queue);
	if (fs->ats)
		fprintf(f, " ats='%s'", on_off[fs->ats]);
	if (fs->iommu)
		fprintf(f, " iommu='%s'", on_off[fs->iommu]);
	if (fs->packed)
		fprintf(f, " packed='%s'", on_off[fs->packed]);
	fputs("/>\n", f);
}

void domain_format_vfs(FILE *f, const struct domain_vfs *fs)
{
	fputs("    <filesystem type='mount'", f);
	if (fs->access)
		fprintf(f, " accessmode='%s'", access_names[fs->access]);
	if (fs->fmode >= 0)
		fprintf(f, " fmode='%04o'", (unsigned)fs->fmode);
	if (fs->dmode >= 0)
		fprintf(f, " dmode='%04o'", (unsigned)fs->dmode);
	if (fs->multidevs)
		fprintf(f, " multidevs='%s'", multidevs_names[fs->multidevs]);
	fputs(">\n", f);
	format_driver(f, fs);
	if (fs->binary)
		format_binary(f, fs);
	fputs("      <source", f);
	xml_put_attr(f, "dir", fs->source);
	xml_put_attr(f, "socket", fs->socket);
	fputs("/>\n      <target", f);
	xml_put_attr(f, "dir", fs->target);
	fputs("/>\n", f);
	if (fs->readonly)
		fputs("      <readonly/>\n", f);
	domain_format_pci_address(f, 6, &fs->pci);
	fputs("    </filesystem>\n", f);
}

void domain_vfs_clear(struct domain_vfs *fs)
{
	free(fs->source);
	free(fs->socket);
	free(fs->target);
	free(fs->binary);
}
