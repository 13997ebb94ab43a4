// SPDX-License-Identifier: GPL-2.0-or-later
/* /dev/kvm: open, API version, capabilities. */
#include "vmm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#define CAP(c, use, req)        \
	{                       \
		c, #c, use, req \
	}

static const struct kvm_cap_info caps[] = {
	CAP(KVM_CAP_USER_MEMORY, "guest memory slots", 1),
	CAP(KVM_CAP_IRQCHIP, "in-kernel PIC, IOAPIC and local APICs", 1),
	CAP(KVM_CAP_PIT2, "in-kernel PIT timer", 1),
	CAP(KVM_CAP_SET_TSS_ADDR, "the TSS region of the VM", 1),
	CAP(KVM_CAP_EXT_CPUID, "CPUID setup", 1),
	CAP(KVM_CAP_MP_STATE, "starting secondary vCPUs", 1),
	CAP(KVM_CAP_IOEVENTFD, "virtio queue notifications", 1),
	CAP(KVM_CAP_IRQFD, "virtio interrupts", 1),
	CAP(KVM_CAP_IMMEDIATE_EXIT, "stopping and pausing vCPUs", 1),
	CAP(KVM_CAP_NR_VCPUS, "the recommended vCPU limit", 0),
	CAP(KVM_CAP_MAX_VCPUS, "the vCPU limit", 0),
	CAP(KVM_CAP_SET_IDENTITY_MAP_ADDR, "the EPT identity map", 0),
	CAP(KVM_CAP_ADJUST_CLOCK, "kvmclock", 0),
	CAP(KVM_CAP_KVMCLOCK_CTRL, "kvmclock after pauses", 0),
	CAP(KVM_CAP_XSAVE, "extended FPU state", 0),
	CAP(KVM_CAP_TSC_DEADLINE_TIMER, "the TSC-deadline APIC timer", 0),
	CAP(KVM_CAP_GET_MSR_FEATURES, "MSR feature discovery", 0),
	CAP(KVM_CAP_NESTED_STATE, "nested virtualization state", 0),
};

const struct kvm_cap_info *kvm_caps(unsigned *n)
{
	*n = ARRAY_SIZE(caps);
	return caps;
}

int kvm_check(int fd, int cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

int kvm_open(const char *path, struct err **e)
{
	_cleanup_close_ int fd = -1;
	int version;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(e, ENOENT,
				       "'%s' does not exist: KVM is not "
				       "available on this host (no kvm module, "
				       "or no hardware virtualization)",
				       path);
		return err_sys(e, errno, "opening '%s'", path);
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return err_set(e, ENOTSUP,
			       "'%s' has KVM API version %d, nido-vmm needs %d",
			       path, version, KVM_API_VERSION);
	for (unsigned i = 0; i < ARRAY_SIZE(caps); i++) {
		if (caps[i].required && !kvm_check(fd, caps[i].cap))
			return err_set(e, ENOTSUP,
				       "'%s' lacks %s (needed for %s)", path,
				       caps[i].name, caps[i].use);
	}
	return steal_fd(fd);
}

struct kvm_cpuid2 *kvm_supported_cpuid(int kvm_fd, struct err **e)
{
	for (unsigned n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = xcalloc(
			1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));

		c->nent = n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG) {
			err_sys(e, errno, "reading KVM_GET_SUPPORTED_CPUID");
			return NULL;
		}
	}
	err_set(e, E2BIG, "KVM_GET_SUPPORTED_CPUID returned too many entries");
	return NULL;
}

int kvm_msr_list(int kvm_fd, uint32_t **out, struct err **e)
{
	struct kvm_msr_list probe = {.nmsrs = 0};
	_cleanup_free_ struct kvm_msr_list *l = NULL;
	uint32_t n;

	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) == 0 ||
	    errno != E2BIG) {
		*out = NULL;
		return 0;
	}
	n = probe.nmsrs;
	l = xcalloc(1, sizeof(*l) + n * sizeof(uint32_t));
	l->nmsrs = n;
	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, l) < 0)
		return err_sys(e, errno, "reading KVM_GET_MSR_INDEX_LIST");
	*out = xmalloc(l->nmsrs * sizeof(uint32_t));
	memcpy(*out, l->indices, l->nmsrs * sizeof(uint32_t));
	return (int)l->nmsrs;
}

int kvm_host_tsc_stable(const char *clocksource_path)
{
	char name[32] = "";
	ssize_t n;
	int fd = open(clocksource_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	do
		n = read(fd, name, sizeof(name) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	return n >= 3 && strncmp(name, "tsc", 3) == 0 &&
	       (n == 3 || name[3] == '\n');
}
