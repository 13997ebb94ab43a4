// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What nido-vmm takes from the host before it enters its sandbox
 * (sandbox.h): /dev/kvm, the kernel and initrd, the disk images (opened
 * through the block layer, their format named, never probed), the taps.
 * After host_open() nothing of the VM is opened by path again.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "block/block.h"
#include "block/chain.h"
#include "block/safeopen.h"
#include "net/tap.h"
#include "vmm/host.h"
#include "vmm/kvm.h"

static int open_file(const char *what, const char *path, int *out,
		     struct err **e)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return err_sys(e, errno, "opening %s '%s'", what, path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, EINVAL, "%s '%s' is not a file", what, path);
	}
	*out = fd;
	return 0;
}

unsigned host_disk_flags(const struct config_disk *d)
{
	return (d->readonly ? 0 : BLOCK_OPEN_RDWR) |
	       (d->shared ? BLOCK_OPEN_SHARE_WRITE : 0);
}

/*
 * A disk's files: those nidod passed, or opened here by the rules for a
 * guest's disk (block_resolve_strict: no probing, backing files beside
 * the image), then kept as open files only: their content is parsed
 * again inside the sandbox. The path was given by the person who
 * started nido-vmm, so a symlink at its end is followed (and checked).
 */
static int open_disk(struct config_disk *d, unsigned index,
		     struct block_chain *out, struct err **e)
{
	static const char *const formats[] = {NULL, "raw", "qcow2"};
	struct block_strict strict = {.safe_flags = BLOCK_SAFE_FOLLOW_LAST};
	struct block_open_opts o = {
		.format = formats[d->format],
		.flags = host_disk_flags(d),
		.fd = -1,
		.resolve = block_resolve_strict,
		.opaque = &strict,
	};
	struct block *b = NULL;
	int r;

	if (d->chain.n) {
		*out = d->chain;
		d->chain = (struct block_chain){0};
		return 0;
	}
	if (d->format == DISK_FORMAT_AUTO)
		return err_set(e, EINVAL,
			       "disk %u '%s': no format given (add "
			       "format=raw or format=qcow2): nido-vmm never "
			       "guesses a guest disk's format",
			       index, d->path);
	r = block_open_chain(d->path, &o, &b, e);
	if (r == 0)
		r = block_chain_export(b, out, e);
	block_close(b);
	if (r < 0)
		return err_prefix(e, "disk %u", index);
	return 0;
}

/*
 * Attaches to the existing tap @n->tap, never creating one; or takes the
 * tap our supervisor opened (tap=fd:N), checked to be one, and names it.
 */
static int open_tap(struct config_net *n, unsigned index, int *out,
		    struct err **e)
{
	struct ifreq ifr = {0};
	int fl;

	if (n->fd < 0) {
		if (net_tap_open(n->tap, out, e) < 0)
			return err_prefix(e, "net %u", index);
		return 0;
	}
	if (ioctl(n->fd, TUNGETIFF, &ifr) < 0)
		return err_sys(e, errno, "net %u: %s is not a tap", index,
			       n->tap);
	if (!(ifr.ifr_flags & IFF_TAP) || !(ifr.ifr_flags & IFF_VNET_HDR))
		return err_set(e, EINVAL,
			       "net %u: %s is not a tap with IFF_VNET_HDR",
			       index, n->tap);
	fl = fcntl(n->fd, F_GETFL);
	if (fl < 0 || fcntl(n->fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    fcntl(n->fd, F_SETFD, FD_CLOEXEC) < 0)
		return err_sys(e, errno, "net %u: %s", index, n->tap);
	free(n->tap);
	n->tap = xstrndup(ifr.ifr_name, IFNAMSIZ);
	*out = n->fd;
	n->fd = -1;
	return 0;
}

int host_open(struct vm_config *c, struct err **e)
{
	struct vm_host *h = &c->host;
	int r;

	if (h->opened)
		return 0;
	h->opened = true;
	h->kvm_fd = kvm_open("/dev/kvm", e);
	if (h->kvm_fd < 0)
		return h->kvm_fd;
	/* A restore takes the guest from its memory file, not a kernel. */
	r = c->restore ? 0 : open_file("kernel", c->kernel, &h->kernel_fd, e);
	if (r == 0 && c->initrd && !c->restore)
		r = open_file("initrd", c->initrd, &h->initrd_fd, e);
	for (unsigned i = 0; r == 0 && i < c->n_disks; i++)
		r = open_disk(&c->disks[i], i, &h->disks[i], e);
	for (unsigned i = 0; r == 0 && i < c->n_nets; i++)
		r = open_tap(&c->nets[i], i, &h->tap_fds[i], e);
	return r;
}

void host_close(struct vm_host *h)
{
	close_safe(h->kvm_fd);
	close_safe(h->kernel_fd);
	close_safe(h->initrd_fd);
	for (unsigned i = 0; i < CONFIG_MAX_DISKS; i++)
		block_chain_clear(&h->disks[i]);
	for (unsigned i = 0; i < CONFIG_MAX_NETS; i++)
		close_safe(h->tap_fds[i]);
	*h = (struct vm_host){.kvm_fd = -1, .kernel_fd = -1, .initrd_fd = -1};
	for (unsigned i = 0; i < CONFIG_MAX_NETS; i++)
		h->tap_fds[i] = -1;
}
