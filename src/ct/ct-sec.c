// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A container's capability bound and seccomp profile (ct.h), prepared in
 * the caller: libcap names the capabilities, libseccomp compiles the
 * profile to BPF, which the child loads with one prctl().
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct/ct.h"
#include "lib/util.h"

/*
 * LXC's default drop list (its common.conf): MAC policy (mac_admin,
 * mac_override), the host's clock (sys_time), kernel modules
 * (sys_module) and raw I/O ports and memory (sys_rawio). The rest of a
 * root's capabilities stay in the bound: in a user namespace they act
 * on what the container owns, never on the host (docs/containers.md).
 */
const char *const ct_cap_drop_names[] = {
	"cap_mac_admin",  "cap_mac_override", "cap_sys_time",
	"cap_sys_module", "cap_sys_rawio",    NULL,
};

/*
 * Denied with EPERM (docs/containers.md says why each): kernel code and
 * kernels (kexec, modules), file handles that escape a mount
 * (open_by_handle_at), the kernel keyring (not namespaced), the kernel
 * log, swap, accounting, quotas, BPF and perf (kernel attack surface
 * and host-wide data), userfaultfd (a classic exploit helper), I/O
 * ports, and obsolete calls.
 */
const char *const ct_seccomp_denied[] = {
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"create_module",
	"open_by_handle_at",
	"keyctl",
	"add_key",
	"request_key",
	"syslog",
	"swapon",
	"swapoff",
	"acct",
	"quotactl",
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"iopl",
	"ioperm",
	"lookup_dcookie",
	"uselib",
	"nfsservctl",
	"get_kernel_syms",
	"query_module",
	NULL,
};

static int caps_prepare(struct ct_sec *s, struct err **e)
{
	int last = (int)cap_max_bits() - 1;

	if (last < CAP_SYS_ADMIN || last > 63)
		return err_set(e, ENOTSUP, "the kernel reports %d capabilities",
			       last + 1);
	s->keep_mask = last == 63 ? ~0ull : (1ull << (last + 1)) - 1;
	for (size_t i = 0; ct_cap_drop_names[i]; i++) {
		cap_value_t v;

		if (cap_from_name(ct_cap_drop_names[i], &v) < 0)
			return err_sys(e, errno, "capability '%s'",
				       ct_cap_drop_names[i]);
		s->drop[s->n_drop++] = v;
		s->keep_mask &= ~(1ull << v);
	}
	return 0;
}

/* The profile's rules, on x86-64 and on the 32-bit ABIs a process can
 * also enter the kernel with. */
static int seccomp_rules(scmp_filter_ctx ctx, struct err **e)
{
	int r;

	if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X86)) < 0 && r != -EEXIST)
		return err_sys(e, -r, "seccomp: adding the x86 ABI");
	if ((r = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0 && r != -EEXIST)
		return err_sys(e, -r, "seccomp: adding the x32 ABI");
	for (size_t i = 0; ct_seccomp_denied[i]; i++) {
		int nr = seccomp_syscall_resolve_name(ct_seccomp_denied[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0 && r != -EDOM) /* EDOM: no such call on an ABI */
			return err_sys(e, -r, "seccomp: denying '%s'",
				       ct_seccomp_denied[i]);
	}
	return 0;
}

/* Exports @ctx's BPF through a memfd into @s. */
static int seccomp_export(scmp_filter_ctx ctx, struct ct_sec *s, struct err **e)
{
	_cleanup_close_ int fd = memfd_create("ct-seccomp", MFD_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0)
		return err_sys(e, errno, "seccomp: memfd");
	if ((r = seccomp_export_bpf(ctx, fd)) < 0)
		return err_sys(e, -r, "seccomp: exporting the profile");
	if (fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size % sizeof(struct sock_filter))
		return err_set(e, EIO,
			       "seccomp: an exported profile of %lld "
			       "bytes",
			       (long long)st.st_size);
	s->bpf = xmalloc((size_t)st.st_size);
	if (pread(fd, s->bpf, (size_t)st.st_size, 0) != st.st_size)
		return err_sys(e, errno ? errno : EIO,
			       "seccomp: reading the profile");
	s->bpf_len = (size_t)st.st_size / sizeof(struct sock_filter);
	return 0;
}

int ct_sec_prepare(struct ct_sec *s, struct err **e)
{
	scmp_filter_ctx ctx;
	int r;

	memset(s, 0, sizeof(*s));
	if (caps_prepare(s, e) < 0)
		return -ENOTSUP;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return err_set(e, ENOMEM, "seccomp: no filter context");
	/* the child loads it with prctl() itself: no_new_privs is not
	 * set (set-user-id programs keep working inside), which needs
	 * CAP_SYS_ADMIN in the container's user namespace: it has it */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	r = seccomp_rules(ctx, e);
	if (r == 0)
		r = seccomp_export(ctx, s, e);
	seccomp_release(ctx);
	if (r < 0)
		ct_sec_clear(s);
	return r;
}

void ct_sec_clear(struct ct_sec *s)
{
	free(s->bpf);
	s->bpf = NULL;
	s->bpf_len = 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

int ct_poweroff_signal(const char *exe)
{
	const char *b = base_name(exe);

	if (streq(b, "systemd"))
		return SIGRTMIN + 4;
	if (streq(b, "busybox"))
		return SIGUSR2;
	return SIGPWR; /* sysvinit's power failure; LXC's default */
}

int ct_reboot_signal(const char *exe)
{
	return streq(base_name(exe), "busybox") ? SIGTERM : SIGINT;
}
