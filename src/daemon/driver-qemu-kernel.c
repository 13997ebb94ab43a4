// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Direct kernel boot on QEMU (driver-qemu.h): <os><kernel>, <initrd> and
 * <cmdline> as -kernel, -initrd and -append; a BIOS <loader> (not UEFI's
 * pflash) as -bios, the same way. QEMU reads -kernel and
 * -initrd by path, as the unprivileged identity it runs as; rather than
 * open the host's files to it (Debian's /boot/vmlinuz-* are root's,
 * 0600), nidod opens them as root, as nido-vmm opens its kernel before
 * its sandbox, copies each into a sealed memfd and passes that: QEMU
 * reads /proc/self/fd/N, its own fd, and never gets a path of the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/driver-qemu.h"

/* Larger files are refused: each is copied into memory. */
#define BOOT_FILE_MAX (1ull << 30)

/* @path (what: "kernel", "initrd") copied into a sealed memfd; the fd,
 * or -errno with @e. */
static int boot_copy(const char *what, const char *path, struct err **e)
{
	_cleanup_close_ int in = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_close_ int mem = -1;
	struct stat st;
	off_t off = 0;

	if (in < 0)
		return err_sys(e, errno, "%s '%s'", what, path);
	if (fstat(in, &st) < 0)
		return err_sys(e, errno, "%s '%s'", what, path);
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > BOOT_FILE_MAX)
		return err_set(e, EINVAL,
			       "%s '%s': not a regular file of at most "
			       "%llu MiB",
			       what, path, BOOT_FILE_MAX >> 20);
	mem = memfd_create(what, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0)
		return err_sys(e, errno, "%s '%s': memfd", what, path);
	while (off < st.st_size) {
		ssize_t n = sendfile(mem, in, &off, (size_t)(st.st_size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_sys(e, n < 0 ? errno : EIO,
				       "%s '%s': copying", what, path);
	}
	if (fcntl(mem, F_ADD_SEALS,
		  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return err_sys(e, errno, "%s '%s': sealing", what, path);
	return steal_fd(mem);
}

/* Whether @def's <loader> is a BIOS (-bios): not UEFI's pflash. */
static bool bios_loader(const struct domain_def *def)
{
	return def->fw.loader && def->fw.type != LOADER_TYPE_PFLASH &&
	       def->fw.kind != OS_FIRMWARE_EFI;
}

int driver_qemu_kernel_open(const struct domain_def *def, int fds[3],
			    struct err **e)
{
	fds[0] = fds[1] = fds[2] = -1;
	if (bios_loader(def) &&
	    (fds[2] = boot_copy("loader", def->fw.loader, e)) < 0)
		return fds[2] = -1, err_code(*e);
	if (!def->kernel)
		return 0;
	if ((fds[0] = boot_copy("kernel", def->kernel, e)) < 0 ||
	    (def->initrd &&
	     (fds[1] = boot_copy("initrd", def->initrd, e)) < 0)) {
		for (int i = 0; i < 3; i++)
			if (fds[i] >= 0)
				close(steal_fd(fds[i]));
		fds[0] = fds[1] = fds[2] = -1;
		return err_code(*e);
	}
	return 0;
}

void qemu_argv_kernel(struct qemu_argv *a, const struct domain_def *def,
		      int first_fd)
{
	_cleanup_free_ char *k = NULL, *i = NULL, *b = NULL;

	if (bios_loader(def)) {
		/* after the kernel's and the initrd's */
		b = first_fd < 0
			    ? xstrdup(def->fw.loader)
			    : xasprintf("/proc/self/fd/%d",
					first_fd + !!def->kernel +
						!!(def->kernel && def->initrd));
		qemu_arg(a, "-bios");
		qemu_arg(a, b);
	}
	if (!def->kernel)
		return;
	k = first_fd >= 0 ? xasprintf("/proc/self/fd/%d", first_fd)
			  : xstrdup(def->kernel);
	qemu_arg(a, "-kernel");
	qemu_arg(a, k);
	if (def->initrd) {
		i = first_fd >= 0 ? xasprintf("/proc/self/fd/%d", first_fd + 1)
				  : xstrdup(def->initrd);
		qemu_arg(a, "-initrd");
		qemu_arg(a, i);
	}
	if (def->cmdline) {
		qemu_arg(a, "-append");
		qemu_arg(a, def->cmdline);
	}
}
