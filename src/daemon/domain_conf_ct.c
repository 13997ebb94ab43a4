// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Containers' part of the domain XML (domain_conf.h), as libvirt's lxc
 * driver writes it: <os><type>exe</type><init>, <initarg>, <initenv>,
 * <initdir>; <filesystem> of types mount, bind, ram, file and block in
 * <devices>; <idmap>; <blkiotune> (a machine's is not parsed); and nido's
 * <pids max=> and <privileged/>. What the ct driver runs of it is
 * driver-ct-conf.c's say.
 */
#include <errno.h>
#include <inttypes.h>

#include "daemon/domain_conf.h"
#include "daemon/xml_util.h"
#include "lib/size.h"

static int add_initenv(const xmlNode *n, struct domain_ct *ct, struct err **e)
{
	_cleanup_free_ char *name = xml_attr(n, "name");
	_cleanup_free_ char *value = xml_text(n);

	if (!name || !*name || strchr(name, '=') || strlen(name) > 256)
		return xml_err(e, n, "<initenv> needs a name without '='");
	if (ct->n_initenv == DOMAIN_MAX_INITARGS)
		return xml_err(e, n, "more than %d <initenv>",
			       DOMAIN_MAX_INITARGS);
	ct->initenv = xreallocarray(ct->initenv, ct->n_initenv + 1,
				    sizeof(*ct->initenv));
	ct->initenv[ct->n_initenv++] = xasprintf("%s=%s", name, value);
	return 0;
}

static int add_initarg(const xmlNode *n, struct domain_ct *ct, struct err **e)
{
	if (ct->n_initargs == DOMAIN_MAX_INITARGS)
		return xml_err(e, n, "more than %d <initarg>",
			       DOMAIN_MAX_INITARGS);
	ct->initargs = xreallocarray(ct->initargs, ct->n_initargs + 1,
				     sizeof(*ct->initargs));
	ct->initargs[ct->n_initargs++] = xml_text(n);
	return 0;
}

/* An absolute path of at most PATH_MAX without "..": @what names it. */
static int check_path(const xmlNode *n, const char *what, const char *p,
		      struct err **e)
{
	if (!p || p[0] != '/' || strlen(p) >= 4096)
		return xml_err(e, n, "%s '%s': not an absolute path", what,
			       p ? p : "");
	if (strstr(p, "/../") ||
	    (strlen(p) >= 3 && streq(p + strlen(p) - 3, "/..")))
		return xml_err(e, n, "%s '%s': contains '..'", what, p);
	return 0;
}

/* A user or group: a number, or a name of the container's /etc/passwd
 * or /etc/group (looked up at start): letters, digits, "._-". */
static int check_id_name(const xmlNode *n, const char *what, const char *v,
			 struct err **e)
{
	size_t len = strlen(v);

	if (!len || len > 32 || v[0] == '-' ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") != len)
		return xml_err(e, n,
			       "<%s> '%s': not a user or group name or id",
			       what, v);
	return 0;
}

int domain_os_parse_ct(const xmlNode *os, struct domain_def *d,
		       struct xml_warnings *w, struct err **e)
{
	struct domain_ct *ct = &d->ct;

	for (xmlNode *n = os->children; n; n = n->next) {
		const char *name = (const char *)n->name;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (streq(name, "init")) {
			if (ct->init)
				return xml_err(e, n, "<init> given twice");
			ct->init = xml_text(n);
			if (check_path(n, "init", ct->init, e) < 0)
				return -EINVAL;
		} else if (streq(name, "initdir")) {
			if (ct->initdir)
				return xml_err(e, n, "<initdir> given twice");
			ct->initdir = xml_text(n);
			if (check_path(n, "initdir", ct->initdir, e) < 0)
				return -EINVAL;
		} else if (streq(name, "inituser") ||
			   streq(name, "initgroup")) {
			char **v = streq(name, "inituser") ? &ct->inituser
							   : &ct->initgroup;

			if (*v)
				return xml_err(e, n, "<%s> given twice", name);
			*v = xml_text(n);
			if (check_id_name(n, name, *v, e) < 0)
				return -EINVAL;
		} else if (streq(name, "initarg")) {
			if (add_initarg(n, ct, e) < 0)
				return -EINVAL;
		} else if (streq(name, "initenv")) {
			xml_check_known(n, (const char *const[]){"name", NULL},
					NULL, w);
			if (add_initenv(n, ct, e) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* <source usage='N' units='KiB'/> of a ram filesystem: its size. */
static int parse_ram(const xmlNode *src, struct domain_fs *fs,
		     struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *usage = xml_attr(src, "usage");
	_cleanup_free_ char *units = xml_attr(src, "units");
	uint64_t bytes;

	xml_check_known(src, (const char *const[]){"usage", "units", NULL},
			NULL, w);
	if (!usage)
		return xml_err(e, src, "a ram filesystem needs <source usage>");
	if (size_parse_unit(usage, units ? units : "KiB", &bytes, NULL) < 0 ||
	    bytes < 1024 || bytes > (UINT64_C(1) << 50))
		return xml_err(e, src,
			       "ram filesystem usage '%s %s': not a "
			       "size from 1 KiB to 1 PiB",
			       usage, units ? units : "KiB");
	fs->ram_kib = DIV_ROUND_UP(bytes, 1024);
	return 0;
}

/* <filesystem type='file'>'s <driver type='loop' format='raw'/>: kept
 * as written, judged by the ct driver (driver-ct-conf.c). */
static void parse_fs_driver(const xmlNode *c, struct domain_fs *fs,
			    struct xml_warnings *w)
{
	xmlNode *drv = xml_child(c, "driver");

	if (!drv)
		return;
	xml_check_known(drv, (const char *const[]){"type", "format", NULL},
			NULL, w);
	fs->driver = xml_attr(drv, "type");
	fs->format = xml_attr(drv, "format");
}

/*
 * <filesystem type='volume'><source pool='P' volume='V'/>: a volume of a
 * storage pool, looked up when the container starts, as libvirt's lxc
 * driver does.
 */
static int parse_fs_volume(const xmlNode *src, struct domain_fs *fs,
			   struct xml_warnings *w, struct err **e)
{
	xml_check_known(src, (const char *const[]){"pool", "volume", NULL},
			NULL, w);
	if (!(fs->pool = xml_attr(src, "pool")) || !*fs->pool)
		return xml_err(e, src,
			       "<filesystem type='volume'>: missing <source "
			       "pool='...'/>");
	if (!(fs->volume = xml_attr(src, "volume")) || !*fs->volume)
		return xml_err(e, src,
			       "<filesystem type='volume'>: missing <source "
			       "volume='...'/>");
	if (strchr(fs->pool, '/') || strchr(fs->volume, '/'))
		return xml_err(e, src,
			       "<source pool='%s' volume='%s'>: a name "
			       "holds no '/'",
			       fs->pool, fs->volume);
	return 0;
}

/* The <source> of each type: dir=, file=, dev=, usage= or pool= and
 * volume=. */
static int parse_fs_source(const xmlNode *c, const xmlNode *src,
			   struct domain_fs *fs, struct xml_warnings *w,
			   struct err **e)
{
	static const char *const attr[] = {
		[DOMAIN_FS_MOUNT] = "dir",
		[DOMAIN_FS_FILE] = "file",
		[DOMAIN_FS_BLOCK] = "dev",
	};

	if (fs->type == DOMAIN_FS_RAM)
		return parse_ram(src, fs, w, e);
	if (fs->type == DOMAIN_FS_FILE || fs->type == DOMAIN_FS_VOLUME)
		parse_fs_driver(c, fs, w);
	if (fs->type == DOMAIN_FS_VOLUME)
		return parse_fs_volume(src, fs, w, e);
	fs->source = xml_attr(src, attr[fs->type]);
	return check_path(src, "filesystem source", fs->source, e);
}

/* A container's <filesystem type='mount' accessmode='passthrough'>
 * <source dir=/><target dir=/><readonly/></filesystem>, or type 'ram',
 * 'file' (an image) and 'block'. */
int domain_parse_fs_device(const xmlNode *c, struct domain_def *d,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const attrs[] = {"type", "accessmode", NULL};
	static const char *const types[] = {"mount", "bind",  "ram",
					    "file",  "block", "volume"};
	static const enum domain_fs_type kinds[] = {
		DOMAIN_FS_MOUNT, DOMAIN_FS_MOUNT, DOMAIN_FS_RAM,
		DOMAIN_FS_FILE,	 DOMAIN_FS_BLOCK, DOMAIN_FS_VOLUME};
	static const char *const children[] = {"source", "target", "readonly",
					       "driver", NULL};
	_cleanup_free_ char *type = NULL;
	struct domain_fs *fs;
	xmlNode *src, *dst;
	size_t k = 0;

	/* a machine's <filesystem> (virtio-9p, virtiofs: a mount tag as
	 * target) is no container mount: the generic parser warns */
	if (!xmlStrEqual(c->name, BAD_CAST "filesystem") ||
	    d->virt != DOMAIN_VIRT_LXC)
		return 0;
	xml_check_known(c, attrs, children, w);
	type = xml_attr(c, "type");
	while (type && k < ARRAY_SIZE(types) && !streq(type, types[k]))
		k++;
	if (k == ARRAY_SIZE(types))
		return xml_err(e, c,
			       "<filesystem type='%s'>: only types 'mount' "
			       "and 'bind' (a host directory), 'ram' (a "
			       "tmpfs), 'file' (an image), 'block' (a "
			       "block device) and 'volume' (a storage "
			       "volume) are supported",
			       type);
	if (d->ct.n_fs == DOMAIN_MAX_FS)
		return xml_err(e, c, "more than %d filesystems", DOMAIN_MAX_FS);
	src = xml_child(c, "source");
	dst = xml_child(c, "target");
	if (!src || !dst)
		return xml_err(e, c,
			       "<filesystem> needs <source> and <target dir>");
	d->ct.fs = xreallocarray(d->ct.fs, d->ct.n_fs + 1, sizeof(*d->ct.fs));
	fs = &d->ct.fs[d->ct.n_fs++];
	memset(fs, 0, sizeof(*fs));
	fs->type = kinds[k];
	fs->target = xml_attr(dst, "dir");
	fs->readonly = xml_child(c, "readonly") != NULL;
	if (parse_fs_source(c, src, fs, w, e) < 0 ||
	    check_path(dst, "filesystem target", fs->target, e) < 0)
		return -EINVAL;
	if (fs->ram_kib && streq(fs->target, "/"))
		return xml_err(e, c, "a ram filesystem cannot be the root");
	for (size_t i = 0; i + 1 < d->ct.n_fs; i++)
		if (streq(d->ct.fs[i].target, fs->target))
			return xml_err(e, c, "two filesystems on '%s'",
				       fs->target);
	return 1;
}

/* <uid start='0' target='100000' count='65536'/>. */
static int parse_idmap_line(const xmlNode *n, struct domain_idmap *m,
			    size_t *count, struct err **e)
{
	static const char *const names[] = {"start", "target", "count"};
	uint64_t v[3];

	if (*count == DOMAIN_MAX_IDMAP)
		return xml_err(e, n, "more than %d <%s> lines",
			       DOMAIN_MAX_IDMAP, (const char *)n->name);
	for (size_t i = 0; i < 3; i++) {
		_cleanup_free_ char *s = xml_attr(n, names[i]);

		if (!s)
			return xml_err(e, n, "<%s> without %s",
				       (const char *)n->name, names[i]);
		if (xml_uint(n, names[i], s, i == 2 ? 1 : 0, UINT32_MAX, &v[i],
			     e) < 0)
			return -EINVAL;
	}
	if (v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
		return xml_err(e, n, "<%s> range past 2^32",
			       (const char *)n->name);
	m[*count] = (struct domain_idmap){(uint32_t)v[0], (uint32_t)v[1],
					  (uint32_t)v[2]};
	(*count)++;
	return 0;
}

/* <seclabel type='none'/>: no security label, which is what nido gives
 * a container; another (an SELinux or AppArmor label) is warned about. */
static int parse_seclabel(const xmlNode *n, struct domain_def *d,
			  struct xml_warnings *w)
{
	_cleanup_free_ char *type = xml_attr(n, "type");

	if (type && streq(type, "none") && !xml_child(n, "label") &&
	    !xml_child(n, "imagelabel")) {
		d->ct.seclabel_none = true;
		return 0;
	}
	xml_warn(w, n,
		 "<seclabel type='%s'> ignored: nido gives containers no "
		 "security label (AppArmor, SELinux)",
		 type ? type : "");
	return 0;
}

/* The values of a <blkiotune> or its <device>: <weight> and, in a
 * device, the four limits per second; @n of them. */
static const char *const blkio_names[BLKIO_N] = {
	"weight", "read_bytes_sec", "write_bytes_sec", "read_iops_sec",
	"write_iops_sec"};

static int parse_blkio_values(const xmlNode *parent, uint64_t *v, size_t n,
			      struct err **e)
{
	for (size_t i = 0; i < n; i++) {
		xmlNode *c = xml_child(parent, blkio_names[i]);
		_cleanup_free_ char *text = c ? xml_text(c) : NULL;

		/* libvirt's weights: 100 to 1000, 10 since Linux 2.6.39 */
		if (c && xml_uint(c, blkio_names[i], text, i ? 1 : 10,
				  i ? UINT64_MAX : 1000, &v[i], e) < 0)
			return -EINVAL;
	}
	return 0;
}

/* <device><path>/dev/sda</path><weight>, <read_bytes_sec>, ...</device> */
static int parse_blkio_dev(const xmlNode *n, struct domain_blkiotune *b,
			   struct xml_warnings *w, struct err **e)
{
	static const char *const known[] = {"path",
					    "weight",
					    "read_bytes_sec",
					    "write_bytes_sec",
					    "read_iops_sec",
					    "write_iops_sec",
					    NULL};
	xmlNode *path = xml_child(n, "path");
	struct domain_blkio_dev *dev;

	xml_check_known(n, NULL, known, w);
	if (b->n_devs == DOMAIN_MAX_BLKIO_DEVS)
		return xml_err(e, n, "more than %d <device>",
			       DOMAIN_MAX_BLKIO_DEVS);
	if (!path)
		return xml_err(e, n, "<device> without <path>");
	b->devs = xreallocarray(b->devs, b->n_devs + 1, sizeof(*b->devs));
	dev = &b->devs[b->n_devs++];
	*dev = (struct domain_blkio_dev){.path = xml_text(path)};
	if (parse_blkio_values(n, dev->v, BLKIO_N, e) < 0)
		return -EINVAL;
	if (check_path(path, "blkiotune device", dev->path, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i + 1 < b->n_devs; i++)
		if (streq(b->devs[i].path, dev->path))
			return xml_err(e, n, "device '%s' given twice",
				       dev->path);
	return 0;
}

static int parse_blkiotune(const xmlNode *bt, struct domain_blkiotune *b,
			   struct xml_warnings *w, struct err **e)
{
	xml_check_known(bt, NULL,
			(const char *const[]){"weight", "device", NULL}, w);
	if (parse_blkio_values(bt, &b->weight, 1, e) < 0)
		return -EINVAL;
	for (xmlNode *n = bt->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(n->name, BAD_CAST "device") &&
		    parse_blkio_dev(n, b, w, e) < 0)
			return -EINVAL;
	return 0;
}

int domain_parse_ct_top(const xmlNode *root, struct domain_def *d,
			struct xml_warnings *w, struct err **e)
{
	xmlNode *idmap = xml_child(root, "idmap");
	xmlNode *pids = xml_child(root, "pids");
	xmlNode *seclabel = xml_child(root, "seclabel");
	xmlNode *priv = xml_child(root, "privileged");
	xmlNode *blkio = xml_child(root, "blkiotune");

	/* any driver's: the VM's or the container's cgroup */
	if (blkio && parse_blkiotune(blkio, &d->ct.blkio, w, e) < 0)
		return -EINVAL;
	/* a machine's are unknown elements, warned about as such */
	if (d->virt != DOMAIN_VIRT_LXC)
		return 0;
	if (seclabel && parse_seclabel(seclabel, d, w) < 0)
		return -EINVAL;

	for (xmlNode *n = idmap ? idmap->children : NULL; n; n = n->next) {
		bool uid = xmlStrEqual(n->name, BAD_CAST "uid");

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!uid && !xmlStrEqual(n->name, BAD_CAST "gid")) {
			xml_warn(w, n, "<idmap>: unknown <%s> ignored",
				 (const char *)n->name);
			continue;
		}
		xml_check_known(
			n,
			(const char *const[]){"start", "target", "count", NULL},
			NULL, w);
		if (parse_idmap_line(n, uid ? d->ct.uid : d->ct.gid,
				     uid ? &d->ct.n_uid : &d->ct.n_gid, e) < 0)
			return -EINVAL;
	}
	if (idmap && (!d->ct.n_uid || !d->ct.n_gid))
		return xml_err(e, idmap, "<idmap> needs <uid> and <gid>");
	/* nido's: libvirt's lxc driver is privileged without <idmap>,
	 * nido only when asked (docs/containers.md, "Privileged") */
	if (priv) {
		xml_check_known(priv, (const char *const[]){NULL}, NULL, w);
		if (idmap)
			return xml_err(e, priv,
				       "<privileged/> and <idmap> exclude each "
				       "other (a privileged container has no "
				       "user namespace to map)");
		d->ct.privileged = true;
	}
	if (pids) {
		_cleanup_free_ char *max = xml_attr(pids, "max");

		xml_check_known(pids, (const char *const[]){"max", NULL}, NULL,
				w);
		if (!max)
			return xml_err(e, pids, "<pids> without max");
		if (xml_uint(pids, "pids max", max, 1, 4194304, &d->ct.pids_max,
			     e) < 0)
			return -EINVAL;
	}
	return 0;
}

void domain_os_format_ct(FILE *f, const struct domain_def *d)
{
	const struct domain_ct *ct = &d->ct;

	if (ct->init) {
		fputs("    <init>", f);
		xml_escape_text(f, ct->init);
		fputs("</init>\n", f);
	}
	for (size_t i = 0; i < ct->n_initargs; i++) {
		fputs("    <initarg>", f);
		xml_escape_text(f, ct->initargs[i]);
		fputs("</initarg>\n", f);
	}
	for (size_t i = 0; i < ct->n_initenv; i++) {
		const char *eq = strchr(ct->initenv[i], '=');
		_cleanup_free_ char *name =
			xstrndup(ct->initenv[i], (size_t)(eq - ct->initenv[i]));

		fputs("    <initenv name='", f);
		xml_escape_attr(f, name);
		fputs("'>", f);
		xml_escape_text(f, eq + 1);
		fputs("</initenv>\n", f);
	}
	if (ct->initdir) {
		fputs("    <initdir>", f);
		xml_escape_text(f, ct->initdir);
		fputs("</initdir>\n", f);
	}
	if (ct->inituser)
		fprintf(f, "    <inituser>%s</inituser>\n", ct->inituser);
	if (ct->initgroup)
		fprintf(f, "    <initgroup>%s</initgroup>\n", ct->initgroup);
}

static void format_fs_source(FILE *f, const struct domain_fs *fs)
{
	static const char *const attr[] = {
		[DOMAIN_FS_MOUNT] = "dir",
		[DOMAIN_FS_FILE] = "file",
		[DOMAIN_FS_BLOCK] = "dev",
	};

	if (fs->type == DOMAIN_FS_RAM) {
		fprintf(f, "      <source usage='%" PRIu64 "' units='KiB'/>\n",
			fs->ram_kib);
		return;
	}
	if (fs->driver || fs->format) {
		fputs("      <driver", f);
		if (fs->driver) {
			fputs(" type='", f);
			xml_escape_attr(f, fs->driver);
			fputc('\'', f);
		}
		if (fs->format) {
			fputs(" format='", f);
			xml_escape_attr(f, fs->format);
			fputc('\'', f);
		}
		fputs("/>\n", f);
	}
	if (fs->type == DOMAIN_FS_VOLUME) {
		fputs("      <source", f);
		xml_put_attr(f, "pool", fs->pool);
		xml_put_attr(f, "volume", fs->volume);
		fputs("/>\n", f);
		return;
	}
	fprintf(f, "      <source %s='", attr[fs->type]);
	xml_escape_attr(f, fs->source);
	fputs("'/>\n", f);
}

void domain_format_filesystems(FILE *f, const struct domain_def *d)
{
	static const char *const names[] = {
		[DOMAIN_FS_MOUNT] = "mount",   [DOMAIN_FS_RAM] = "ram",
		[DOMAIN_FS_FILE] = "file",     [DOMAIN_FS_BLOCK] = "block",
		[DOMAIN_FS_VOLUME] = "volume",
	};

	for (size_t i = 0; i < d->ct.n_fs; i++) {
		const struct domain_fs *fs = &d->ct.fs[i];

		fprintf(f,
			"    <filesystem type='%s' accessmode='passthrough'>\n",
			names[fs->type]);
		format_fs_source(f, fs);
		fputs("      <target dir='", f);
		xml_escape_attr(f, fs->target);
		fputs("'/>\n", f);
		if (fs->readonly)
			fputs("      <readonly/>\n", f);
		fputs("    </filesystem>\n", f);
	}
}

static void format_blkio_values(FILE *f, const uint64_t *v, size_t n,
				const char *indent)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			fprintf(f, "%s<%s>%" PRIu64 "</%s>\n", indent,
				blkio_names[i], v[i], blkio_names[i]);
}

static void format_blkiotune(FILE *f, const struct domain_blkiotune *b)
{
	if (!b->weight && !b->n_devs)
		return;
	fputs("  <blkiotune>\n", f);
	format_blkio_values(f, &b->weight, 1, "    ");
	for (size_t i = 0; i < b->n_devs; i++) {
		const struct domain_blkio_dev *dev = &b->devs[i];

		fputs("    <device>\n      <path>", f);
		xml_escape_text(f, dev->path);
		fputs("</path>\n", f);
		format_blkio_values(f, dev->v, BLKIO_N, "      ");
		fputs("    </device>\n", f);
	}
	fputs("  </blkiotune>\n", f);
}

void domain_format_ct_top(FILE *f, const struct domain_def *d)
{
	const struct domain_ct *ct = &d->ct;

	format_blkiotune(f, &ct->blkio);
	if (ct->n_uid) {
		fputs("  <idmap>\n", f);
		for (size_t i = 0; i < ct->n_uid; i++)
			fprintf(f,
				"    <uid start='%" PRIu32 "' target='%" PRIu32
				"' count='%" PRIu32 "'/>\n",
				ct->uid[i].start, ct->uid[i].target,
				ct->uid[i].count);
		for (size_t i = 0; i < ct->n_gid; i++)
			fprintf(f,
				"    <gid start='%" PRIu32 "' target='%" PRIu32
				"' count='%" PRIu32 "'/>\n",
				ct->gid[i].start, ct->gid[i].target,
				ct->gid[i].count);
		fputs("  </idmap>\n", f);
	}
	if (ct->pids_max)
		fprintf(f, "  <pids max='%" PRIu64 "'/>\n", ct->pids_max);
	if (ct->privileged)
		fputs("  <privileged/>\n", f);
	if (ct->seclabel_none)
		fputs("  <seclabel type='none'/>\n", f);
}

void domain_ct_clear(struct domain_ct *ct)
{
	free(ct->init);
	free(ct->initdir);
	free(ct->inituser);
	free(ct->initgroup);
	for (size_t i = 0; i < ct->n_initargs; i++)
		free(ct->initargs[i]);
	free(ct->initargs);
	for (size_t i = 0; i < ct->n_initenv; i++)
		free(ct->initenv[i]);
	free(ct->initenv);
	for (size_t i = 0; i < ct->n_fs; i++) {
		free(ct->fs[i].source);
		free(ct->fs[i].target);
		free(ct->fs[i].driver);
		free(ct->fs[i].format);
		free(ct->fs[i].pool);
		free(ct->fs[i].volume);
	}
	free(ct->fs);
	for (size_t i = 0; i < ct->blkio.n_devs; i++)
		free(ct->blkio.devs[i].path);
	free(ct->blkio.devs);
}
