// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A container's file system from an image file on a loop device, or from
 * a block device (ct.h: ct_image_mount). The file system is mounted
 * detached (fsopen, fsmount): it is in no mount namespace until the
 * container's init moves it into its own, so the host never sees it and
 * nothing is left mounted when the container ends. The loop device is
 * attached with autoclear: the kernel detaches it when its last user
 * goes, the mount (with the container's mount namespace) or, after a
 * failure, our own fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/ct.h"
#include "lib/file.h"
#include "lib/util.h"

/* What the first 68 KiB of a device say it holds (btrfs' super block is
 * at 64 KiB): a file system type mount knows, or NULL with *@what the
 * name of a format that is no file system. */
static const char *probe_fs(int fd, const char **what)
{
	enum { LEN = 0x10048 };
	_cleanup_free_ unsigned char *b = xmalloc(LEN);
	ssize_t n = pread(fd, b, LEN, 0);

	*what = NULL;
	if (n >= 4 && !memcmp(b, "QFI\xfb", 4))
		*what = "a qcow2 image";
	else if (n >= 4 && !memcmp(b, "XFSB", 4))
		return "xfs";
	else if (n >= 0x43a && b[0x438] == 0x53 && b[0x439] == 0xef)
		return "ext4"; /* ext2, ext3 and ext4 alike */
	else if (n >= LEN && !memcmp(b + 0x10040, "_BHRfS_M", 8))
		return "btrfs";
	return NULL;
}

/* Attaches @fd (the image) to a free loop device, autoclear; returns the
 * loop device's fd and its name in @dev. */
static int loop_attach(int fd, bool readonly, char *dev, size_t len,
		       struct err **e)
{
	_cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	struct loop_config cfg = {.fd = (uint32_t)fd};

	if (ctl < 0)
		return err_sys(e, errno, "opening '/dev/loop-control'");
	cfg.info.lo_flags =
		LO_FLAGS_AUTOCLEAR | (readonly ? LO_FLAGS_READ_ONLY : 0);
	/* another process may take the free device between the two calls */
	for (int tries = 0; tries < 16; tries++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), lfd;

		if (n < 0)
			return err_sys(e, errno, "finding a free loop device");
		snprintf(dev, len, "/dev/loop%d", n);
		lfd = open(dev, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (lfd < 0)
			return err_sys(e, errno, "opening '%s'", dev);
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
			return lfd;
		close(lfd);
		if (errno != EBUSY)
			return err_sys(e, errno, "attaching '%s'", dev);
	}
	return err_set(e, EBUSY, "no free loop device");
}

/* The kernel's own words on a failed mount, from the fs context. */
static int fs_err(int fsfd, const char *dev, const char *type, int code,
		  struct err **e)
{
	char msg[256];
	ssize_t n = read(fsfd, msg, sizeof(msg) - 1);

	if (n > 2) {
		msg[n] = '\0';
		msg[strcspn(msg, "\n")] = '\0';
		return err_set(e, code, "mounting %s '%s': %s: %s", type, dev,
			       msg + 2, strerror(code));
	}
	return err_sys(e, code, "mounting %s '%s'", type, dev);
}

/* The detached mount of @type on @dev: nodev (a device node in an image
 * would reach the host's devices), read-only when asked. */
static int mount_detached(const char *dev, const char *type, bool readonly,
			  struct err **e)
{
	_cleanup_close_ int fsfd = fsopen(type, FSOPEN_CLOEXEC);
	int mfd;

	if (fsfd < 0)
		return err_sys(e, errno, "opening a %s file system", type);
	if (fsconfig(fsfd, FSCONFIG_SET_STRING, "source", dev, 0) < 0 ||
	    (readonly &&
	     fsconfig(fsfd, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0) ||
	    fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fs_err(fsfd, dev, type, errno, e);
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NODEV | (readonly ? MOUNT_ATTR_RDONLY : 0));
	if (mfd < 0)
		return fs_err(fsfd, dev, type, errno, e);
	return mfd;
}

int ct_image_mount(const char *path, bool loop, bool readonly, struct err **e)
{
	_cleanup_close_ int fd = -1, lfd = -1;
	const char *type, *what;
	char dev[32];
	struct stat st;

	fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return err_sys(e, errno, "opening '%s'", path);
	if (loop ? !S_ISREG(st.st_mode) : !S_ISBLK(st.st_mode))
		return err_set(e, EINVAL, "'%s' is not %s", path,
			       loop ? "a regular file" : "a block device");
	type = probe_fs(fd, &what);
	if (!type)
		return err_set(e, EINVAL,
			       "'%s' is %s, not an ext2/3/4, xfs or btrfs "
			       "file system",
			       path, what ? what : "unknown");
	if (!loop)
		return mount_detached(path, type, readonly, e);
	lfd = loop_attach(fd, readonly, dev, sizeof(dev), e);
	if (lfd < 0)
		return lfd;
	/* on failure closing lfd detaches the device (autoclear) */
	return mount_detached(dev, type, readonly, e);
}
