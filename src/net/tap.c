// SPDX-License-Identifier: GPL-2.0-or-later
#include "net/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

#include "net/link.h"

#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)

/*
 * Opens /dev/net/tun bound to tap @name with @flags added to TAP_FLAGS;
 * the kernel's name for it goes to @ifr.
 */
static int tun_bind(const char *name, short flags, struct ifreq *ifr,
		    struct err **e)
{
	_cleanup_close_ int fd = -1;

	*ifr = (struct ifreq){.ifr_flags = TAP_FLAGS | flags};
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, errno, "opening /dev/net/tun for tap '%s'",
			       name);
	if (ioctl(fd, TUNSETIFF, ifr) < 0)
		return err_sys(e, errno, "attaching to tap '%s'", name);
	return steal_fd(fd);
}

int net_tap_create(const char *name, uid_t uid, char out[NET_IFNAME_MAX + 1],
		   struct err **e)
{
	return net_tap_create_mq(name, uid, false, out, e);
}

int net_tap_create_mq(const char *name, uid_t uid, bool multi_queue,
		      char out[NET_IFNAME_MAX + 1], struct err **e)
{
	struct ifreq ifr;
	_cleanup_close_ int fd = -1;

	if (net_ifname_check(name, true, e) < 0)
		return -EINVAL;
	/* TUNSETIFF would attach to an existing tap of that name. */
	if (!strchr(name, '%') && net_link_exists(name))
		return err_set(e, EEXIST, "creating tap '%s': it exists", name);
	fd = tun_bind(name, multi_queue ? IFF_MULTI_QUEUE : 0, &ifr, e);
	if (fd < 0)
		return err_prefix(e, "creating tap");
	/*
	 * A persistent tap of that name made between the check and
	 * TUNSETIFF was attached to, not created: someone else's. Closing
	 * the fd leaves it as it was.
	 */
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return err_sys(e, errno, "creating tap '%s': reading its flags",
			       name);
	if (ifr.ifr_flags & IFF_PERSIST)
		return err_set(e, EEXIST,
			       "creating tap '%s': it exists (a persistent "
			       "tap made meanwhile)",
			       ifr.ifr_name);
	if (uid != (uid_t)-1 && ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0)
		return err_sys(e, errno, "tap '%s': setting owner %u",
			       ifr.ifr_name, (unsigned)uid);
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		return err_sys(e, errno, "tap '%s': making it persistent",
			       ifr.ifr_name);
	snprintf(out, NET_IFNAME_MAX + 1, "%s", ifr.ifr_name);
	return 0;
}

int net_tap_open(const char *name, int *fd, struct err **e)
{
	return net_tap_open_mq(name, false, fd, e);
}

int net_tap_open_mq(const char *name, bool multi_queue, int *fd, struct err **e)
{
	struct ifreq ifr;
	int r;

	if (net_ifname_check(name, false, e) < 0)
		return -EINVAL;
	if (!net_link_exists(name))
		return err_set(e, ENODEV, "tap '%s' does not exist", name);
	r = tun_bind(name, multi_queue ? IFF_MULTI_QUEUE : 0, &ifr, e);
	if (r < 0)
		return r;
	*fd = r;
	return 0;
}

int net_tap_delete(const char *name, struct err **e)
{
	struct net_nl *nl = NULL;
	struct net_link_info info;
	int r;

	if (net_ifname_check(name, false, e) < 0)
		return -EINVAL;
	if (net_nl_open(&nl, e) < 0)
		return err_prefix(e, "deleting tap '%s'", name);
	r = net_link_query(nl, name, &info, e);
	if (r == 0 && !streq(info.kind, "tun"))
		r = err_set(e, EINVAL, "'%s' is a %s link, not a tap", name,
			    info.kind[0] ? info.kind : "non-tap");
	/* RTM_DELLINK: TUNSETIFF would fail while a VMM holds the tap. */
	if (r == 0)
		r = net_link_delete(nl, name, e);
	net_nl_close(nl);
	if (r < 0)
		return err_prefix(e, "deleting tap");
	return 0;
}
