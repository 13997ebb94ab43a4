// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Run inside a test container (linked statically: the busybox root has
 * no libc): makes the system calls of the seccomp profile that would
 * otherwise succeed in a user namespace, and one it allows, and prints
 * how each ended: "keyctl: EPERM".
 */
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void report(const char *name, long r)
{
	if (r < 0)
		printf("%s: %s\n", name,
		       errno == EPERM ? "EPERM" : strerror(errno));
	else
		printf("%s: ok\n", name);
}

int main(void)
{
	/* the session keyring's id: allowed in any user namespace */
	report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID,
				 KEY_SPEC_SESSION_KEYRING, 1));
	report("add_key", syscall(SYS_add_key, "user", "nido", "x", 1,
				  KEY_SPEC_PROCESS_KEYRING));
	/* not in the profile: still works */
	report("getpid", syscall(SYS_getpid));
	return 0;
}
