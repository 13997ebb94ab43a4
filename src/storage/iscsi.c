// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The iscsi pool (libvirt's type='iscsi'): one target of an iSCSI
 * portal, logged in to with open-iscsi's initiator (iscsiadm, which
 * talks to iscsid), its LUNs the volumes. Names reach iscsiadm's argv
 * only after iscsi_name_ok()/iscsi_host_ok() passed (pool_conf.c
 * checks them), never through a shell.
 *
 * start asks the portal for its targets (a sendtargets discovery that
 * records nothing), makes the node record of the pool's and logs in
 * (unless a session to it exists already), then rescans the session;
 * stop logs out and removes the node record (and the interface of an
 * <initiator>) that start made: open-iscsi's database is left as it
 * was. The LUNs are found in sysfs, below the
 * session's SCSI host: /sys/class/iscsi_session/sessionN/device/
 * targetH:C:T/H:C:T:L/block/sdX, so that no udev is needed. A volume
 * is named as libvirt names it, "unit:C:T:L"; its path is a link of
 * the pool's target directory (/dev/disk/by-path, which udev fills)
 * that resolves to the LUN's device, else the device (/dev/sdX, which
 * may change at the next login: a guest's <disk type='volume'> is
 * looked up at each start).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "lib/spawn.h"
#include "storage/iscsi.h"
#include "storage/storage.h"

#define SESSIONS "/sys/class/iscsi_session"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))

/* iscsiadm's exit status when nothing matched (ISCSI_ERR_NO_OBJS_FOUND) */
#define ISCSI_ERR_NO_OBJS 21

/* "host:port", an IPv6 address in brackets. */
static char *portal(const char *host, unsigned port)
{
	if (!port)
		port = ISCSI_PORT_DEFAULT;
	return strchr(host, ':') ? xasprintf("[%s]:%u", host, port)
				 : xasprintf("%s:%u", host, port);
}

/* @ok_status of iscsiadm(): any exit status is returned, none an error */
#define ANY_STATUS 256

/*
 * Runs iscsiadm with @args (NULL-terminated) for @who ("pool 'x'", in
 * messages); its output (stdout and stderr) in *@out when not NULL.
 * Returns 0, the exit status when it is @ok_status, or -errno with @e
 * carrying what iscsiadm said.
 */
static int iscsiadm(const char *who, char *const *args, int ok_status,
		    char **out, struct err **e)
{
	char *argv[24] = {"iscsiadm"};
	_cleanup_free_ char *text = NULL;
	size_t n = 1;
	int r;

	for (size_t i = 0; args[i] && n + 1 < ARRAY_SIZE(argv); i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	r = spawn_run(argv, &text, 1, e);
	if (r < 0)
		return err_prefix(e,
				  "%s: running iscsiadm (is open-iscsi "
				  "installed?)",
				  who);
	if (r != 0 && (r == ok_status || ok_status == ANY_STATUS))
		return r;
	if (r != 0) {
		size_t len = text ? strlen(text) : 0;

		while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
			text[--len] = '\0';
		return err_setk(
			e, ERR_OPERATION_FAILED, EIO,
			"%s: iscsiadm -m %s exited with status %d%s%.300s", who,
			args[1], r, len ? ": " : "", len ? text : "");
	}
	if (out)
		*out = steal_ptr(text);
	return 0;
}

/* The open-iscsi interface that carries @initiator's name. */
static char *iface_name(const char *initiator)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = initiator; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return xasprintf("nido-iface-%08" PRIx32, h);
}

/*
 * The interface @name of @initiator in open-iscsi's database: made
 * (which fails when it exists: no matter), then given the name.
 */
static int iface_make(const char *who, const char *initiator, const char *name,
		      struct err **e)
{
	if (iscsiadm(who,
		     (char *[]){"-m", "iface", "-I", (char *)name, "-o", "new",
				NULL},
		     ANY_STATUS, NULL, e) < 0)
		return -EIO;
	return iscsiadm(who,
			(char *[]){"-m", "iface", "-I", (char *)name, "-o",
				   "update", "-n", "iface.initiatorname", "-v",
				   (char *)initiator, NULL},
			-1, NULL, e);
}

/*
 * The targets @host:@port offers, by a sendtargets discovery through
 * @iface (may be NULL) that records nothing in open-iscsi's database.
 */
static int discover(const char *who, const char *host, unsigned port,
		    const char *iface, struct iscsi_target **t, size_t *n,
		    struct err **e)
{
	_cleanup_free_ char *pt = portal(host, port), *out = NULL;
	char *args[12] = {"-m", "discovery", "-t", "sendtargets", "-p", pt};
	size_t i = 6;
	int r;

	if (iface) {
		args[i++] = "-I";
		args[i++] = (char *)iface;
	}
	args[i++] = "-o";
	args[i++] = "nonpersistent";
	args[i] = NULL;
	r = iscsiadm(who, args, ISCSI_ERR_NO_OBJS, &out, e);
	if (r < 0)
		return r;
	if (r == ISCSI_ERR_NO_OBJS) {
		*t = NULL;
		*n = 0;
		return 0;
	}
	if (iscsi_targets_parse(out, strlen(out), t, n, e) < 0)
		return err_prefix(e, "%s: portal '%s'", who, pt);
	return 0;
}

int iscsi_find_targets(const char *host, unsigned port, const char *initiator,
		       struct iscsi_target **out, size_t *n, struct err **e)
{
	_cleanup_free_ char *iface = NULL, *who = NULL;

	if (!iscsi_host_ok(host))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"host '%.64s' is not a host name or address",
				host);
	if (port > 65535)
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"port %u is not a port", port);
	who = xasprintf("iscsi discovery on '%s'", host);
	if (initiator) {
		if (!iscsi_name_ok(initiator))
			return err_setk(e, ERR_INVALID_ARG, EINVAL,
					"initiator '%.64s' is not an iSCSI "
					"name",
					initiator);
		iface = iface_name(initiator);
		if (iface_make(who, initiator, iface, e) < 0)
			return -EIO;
	}
	return discover(who, host, port, iface, out, n, e);
}

/*
 * The sysfs directory name ("sessionN") of a session to @iqn, or NULL.
 * Several (another portal of the target): the first.
 */
static char *session_find(const char *iqn)
{
	_cleanup_closedir_ DIR *d = opendir(SESSIONS);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL, *name = NULL;

		if (strncmp(de->d_name, "session", 7) != 0)
			continue;
		p = xasprintf(SESSIONS "/%s/targetname", de->d_name);
		if (file_read_all(p, 4096, &name, NULL, NULL) < 0)
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (streq(name, iqn))
			return xstrdup(de->d_name);
	}
	return NULL;
}

static int check_params(const struct storage_pool_params *p, struct err **e)
{
	if (!p->host || !p->iqn || !iscsi_host_ok(p->host) ||
	    !iscsi_name_ok(p->iqn) ||
	    (p->initiator && !iscsi_name_ok(p->initiator)))
		return err_setk(e, ERR_INVALID_ARG, EINVAL,
				"pool '%s': an iscsi pool needs <source><host "
				"name=...> and <device path=...> (the target)",
				p->name);
	return 0;
}

/* Writes @text to the sysfs attribute @path. 0 or -errno. */
static int sysfs_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/*
 * Rescans the session @sess ("sessionN") as iscsiadm -m session -R
 * would, but synchronously: its SCSI host's every channel, target and
 * LUN ("- - -" to its scan attribute; the kernel asks the target for
 * its LUNs and adds the new ones before the write returns).
 */
static int rescan(const struct storage_pool_params *p, const char *sess,
		  struct err **e)
{
	_cleanup_free_ char *dev = xasprintf(SESSIONS "/%s/device", sess);
	_cleanup_free_ char *real = realpath(dev, NULL), *scan = NULL;
	const char *host = real ? strstr(real, "/host") : NULL;
	unsigned h;
	int r;

	if (!host || sscanf(host, "/host%u/", &h) != 1)
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"pool '%s': no SCSI host for iSCSI %s", p->name,
				sess);
	scan = xasprintf("/sys/class/scsi_host/host%u/scan", h);
	if ((r = sysfs_write(scan, "- - -")) < 0)
		return err_sys(e, -r, "pool '%s': rescanning '%s'", p->name,
			       scan);
	return 0;
}

static int iscsi_start(const struct storage_pool_params *p, struct err **e)
{
	_cleanup_free_ char *who = xasprintf("pool '%s'", p->name);
	_cleanup_free_ char *pt = NULL, *iface = NULL, *sess = NULL;
	struct iscsi_target *t = NULL;
	size_t n = 0;
	bool offered = false;
	char *args[12] = {"-m", "node", "-T", (char *)p->iqn, "-p"};
	size_t i = 6;

	if (check_params(p, e) < 0)
		return -EINVAL;
	if ((sess = session_find(p->iqn)))
		return rescan(p, sess, e); /* logged in already */
	if (p->initiator) {
		iface = iface_name(p->initiator);
		if (iface_make(who, p->initiator, iface, e) < 0)
			return -EIO;
	}
	if (discover(who, p->host, p->port, iface, &t, &n, e) < 0)
		return -EIO;
	for (size_t j = 0; j < n; j++)
		offered |= streq(t[j].iqn, p->iqn);
	iscsi_targets_free(t, n);
	pt = portal(p->host, p->port);
	if (!offered)
		return err_setk(e, ERR_OPERATION_FAILED, ENOENT,
				"pool '%s': portal '%s' offers no target '%s' "
				"(find-storage-pool-sources-as iscsi %s lists "
				"those it offers)",
				p->name, pt, p->iqn, p->host);
	args[5] = pt;
	if (iface) {
		args[i++] = "-I";
		args[i++] = iface;
	}
	/* the node record made by hand: discovery recorded nothing */
	args[i] = "-o";
	args[i + 1] = "new";
	args[i + 2] = NULL;
	if (iscsiadm(who, args, -1, NULL, e) < 0)
		return -EIO;
	args[i] = "--login";
	args[i + 1] = NULL;
	if (iscsiadm(who, args, -1, NULL, e) < 0)
		return -EIO;
	if (!(sess = session_find(p->iqn)))
		return err_setk(e, ERR_OPERATION_FAILED, EIO,
				"pool '%s': iscsiadm logged in to '%s', but "
				"no session to it is in " SESSIONS,
				p->name, p->iqn);
	return rescan(p, sess, e);
}

static int iscsi_stop(const struct storage_pool_params *p, struct err **e)
{
	_cleanup_free_ char *who = xasprintf("pool '%s'", p->name);
	_cleanup_free_ char *pt = NULL, *iface = NULL;
	char *args[12] = {"-m", "node", "-T", (char *)p->iqn, "-p"};
	size_t i = 6, op;
	int r;

	if (check_params(p, e) < 0)
		return -EINVAL;
	pt = portal(p->host, p->port);
	args[5] = pt;
	if (p->initiator) {
		iface = iface_name(p->initiator);
		args[i++] = "-I";
		args[i++] = iface;
	}
	op = i;
	args[i++] = "--logout";
	args[i] = NULL;
	/* no session (logged out behind nido's back) is no error */
	if ((r = iscsiadm(who, args, ISCSI_ERR_NO_OBJS, NULL, e)) < 0)
		return r;
	args[op] = "-o";
	args[op + 1] = "delete";
	args[op + 2] = NULL;
	if ((r = iscsiadm(who, args, ISCSI_ERR_NO_OBJS, NULL, e)) < 0)
		return r;
	if (iface)
		r = iscsiadm(who,
			     (char *[]){"-m", "iface", "-I", iface, "-o",
					"delete", NULL},
			     ISCSI_ERR_NO_OBJS, NULL, e);
	return r < 0 ? r : 0;
}

static int iscsi_check(const struct storage_pool_params *p, struct err **e)
{
	_cleanup_free_ char *sess = NULL;

	if (check_params(p, e) < 0)
		return -EINVAL;
	if (!(sess = session_find(p->iqn)))
		return err_setk(e, ERR_OPERATION_INVALID, ENODEV,
				"pool '%s': no iSCSI session to target '%s' "
				"(logged out)",
				p->name, p->iqn);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct storage_vol *)a)->name,
		      ((const struct storage_vol *)b)->name);
}

/* A link of @dir that resolves to @dev, or NULL (libvirt's stable path). */
static char *stable_path(const char *dir, const char *dev)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char *best = NULL;

	if (streq(dir, "/dev") || !(d = opendir(dir)))
		return NULL;
	while ((de = readdir(d))) {
		_cleanup_free_ char *p = NULL, *real = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		real = realpath(p, NULL);
		if (!real || !streq(real, dev) ||
		    (best && strcmp(p, best) >= 0))
			continue;
		free(best);
		best = steal_ptr(p); /* the first by name: the same each time */
	}
	return best;
}

/* The block device ("sdX") of the LUN whose sysfs directory is @lun. */
static char *lun_block(const char *lun)
{
	_cleanup_free_ char *dir = xasprintf("%s/block", lun);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.')
			return xstrdup(de->d_name);
	return NULL;
}

/*
 * The block device of a LUN that is a disk (SCSI type 0), waiting up to
 * 5 s for it: the kernel scans synchronously but probes disks
 * asynchronously, so that block/sdX and /dev/sdX follow a login or a
 * rescan by a little. NULL for another type (a controller LUN).
 */
static char *lun_disk(const char *lun)
{
	_cleanup_free_ char *tp = xasprintf("%s/type", lun), *type = NULL;
	char *blk = NULL;

	if (file_read_all(tp, 4096, &type, NULL, NULL) < 0 ||
	    strtol(type, NULL, 10) != 0)
		return NULL;
	for (int i = 0; i < 500; i++) {
		struct stat st;
		_cleanup_free_ char *dev = NULL;

		free(blk);
		blk = lun_block(lun);
		if (blk && !strchr(blk, '/')) {
			dev = xasprintf("/dev/%s", blk);
			if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode))
				return blk;
		}
		usleep(10000);
	}
	return blk; /* listed still: its device may come */
}

/* The LUN "H:C:T:L" of @tdir (sysfs) as a volume of @p into @v. */
static bool lun_vol(const struct storage_pool_params *p, const char *tdir,
		    const char *hctl, struct storage_vol *v)
{
	_cleanup_free_ char *lun = xasprintf("%s/%s", tdir, hctl);
	_cleanup_free_ char *blk = lun_disk(lun), *size = NULL, *sp = NULL;
	_cleanup_free_ char *dev = NULL;
	unsigned h, c, t, l;
	unsigned long long sectors = 0;
	struct stat st;

	if (!blk || sscanf(hctl, "%u:%u:%u:%u", &h, &c, &t, &l) != 4 ||
	    strchr(blk, '/'))
		return false; /* not a disk (the target's controller LUN) */
	{ /* a LUN the target resized: its size read again */
		_cleanup_free_ char *rs = xasprintf("%s/rescan", lun);

		sysfs_write(rs, "1");
	}
	sp = xasprintf("/sys/class/block/%s/size", blk);
	if (file_read_all(sp, 4096, &size, NULL, NULL) == 0)
		sectors = strtoull(size, NULL, 10);
	dev = xasprintf("/dev/%s", blk);
	memset(v, 0, sizeof(*v));
	v->name = xasprintf("unit:%u:%u:%u", c, t, l);
	v->path = stable_path(p->target, dev);
	if (!v->path)
		v->path = steal_ptr(dev);
	v->format = xstrdup("raw");
	v->block = true;
	v->capacity = v->allocation = v->physical = sectors * 512;
	if (stat(v->path, &st) == 0) {
		v->mode = st.st_mode & 07777;
		v->owner = st.st_uid;
		v->group = st.st_gid;
	}
	return true;
}

/* Every LUN below the session's target directories. */
static int iscsi_scan(const struct storage_pool_params *p,
		      struct storage_vol **vols, size_t *n_out,
		      struct storage_space *s, struct err **e)
{
	_cleanup_free_ char *sess = NULL, *dir = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	struct storage_vol *v = NULL;
	struct dirent *de;
	size_t n = 0;

	if (iscsi_check(p, e) < 0)
		return -ENODEV;
	sess = session_find(p->iqn);
	if (!sess || rescan(p, sess, e) < 0)
		return -EIO;
	dir = xasprintf(SESSIONS "/%s/device", sess);
	if (!(d = opendir(dir)))
		return err_sys(e, errno, "pool '%s': reading '%s'", p->name,
			       dir);
	memset(s, 0, sizeof(*s));
	while ((de = readdir(d))) {
		_cleanup_free_ char *tdir = NULL;
		_cleanup_closedir_ DIR *td = NULL;
		struct dirent *le;

		if (strncmp(de->d_name, "target", 6) != 0)
			continue;
		tdir = xasprintf("%s/%s", dir, de->d_name);
		td = opendir(tdir);
		while (td && (le = readdir(td))) {
			if (!strchr("0123456789", le->d_name[0]))
				continue;
			v = xreallocarray(v, n + 1, sizeof(*v));
			if (!lun_vol(p, tdir, le->d_name, &v[n]))
				continue;
			s->capacity += v[n].capacity;
			n++;
		}
	}
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	s->allocation = s->capacity; /* as libvirt: no free space */
	*vols = v;
	*n_out = n;
	return 0;
}

static int iscsi_vol_create(const struct storage_pool_params *p,
			    const struct storage_vol_new *nv, struct err **e)
{
	return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"pool '%s': storage pool does not support volume "
			"creation (an iscsi pool's volumes are the target's "
			"LUNs; '%s' is not made)",
			p->name, nv->name);
}

static int iscsi_vol_delete(const struct storage_pool_params *p,
			    const char *name, struct err **e)
{
	return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"pool '%s': storage pool does not support vol "
			"deletion (LUN '%s' is the target's)",
			p->name, name);
}

static int iscsi_vol_resize(const struct storage_pool_params *p,
			    const char *name, uint64_t capacity, bool shrink,
			    struct err **e)
{
	(void)capacity;
	(void)shrink;
	return err_setk(e, ERR_OPERATION_UNSUPPORTED, ENOTSUP,
			"pool '%s': resizing LUN '%s' is not supported (the "
			"target sizes its LUNs)",
			p->name, name);
}

const struct storage_backend storage_backend_iscsi = {
	.type = "iscsi",
	.remote = true,
	.start = iscsi_start,
	.stop = iscsi_stop,
	.check = iscsi_check,
	.scan = iscsi_scan,
	.vol_create = iscsi_vol_create,
	.vol_delete = iscsi_vol_delete,
	.vol_resize = iscsi_vol_resize,
};
