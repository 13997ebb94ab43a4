// SPDX-License-Identifier: GPL-2.0-or-later
/* Host checks for nido-vmm. */
#include "vmm/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "lib/file.h"
#include "lib/util.h"
#include "vmm/kvm.h"

static void add(struct probe_report *r, const char *name, enum probe_status st,
		const char *fmt, ...) PRINTF(4, 5);

static void add(struct probe_report *r, const char *name, enum probe_status st,
		const char *fmt, ...)
{
	va_list ap;

	r->items = xreallocarray(r->items, r->n + 1, sizeof(*r->items));
	va_start(ap, fmt);
	r->items[r->n].value = xvasprintf(fmt, ap);
	va_end(ap);
	r->items[r->n].name = xstrdup(name);
	r->items[r->n].status = st;
	r->n++;
}

const char *probe_status_name(enum probe_status s)
{
	static const char *const names[] = {"ok", "info", "warning", "FAIL"};

	return names[s];
}

/* First line of a small sysfs/procfs file, trimmed; NULL if unreadable. */
static char *read_line(const char *path)
{
	char *text = NULL;
	size_t len = 0;

	if (file_read_all(path, 65536, &text, &len, NULL) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Whether /proc/cpuinfo's first "flags" line has @flag. */
static int cpu_flag(const char *flag)
{
	_cleanup_free_ char *text = NULL;
	char *line, *p;
	size_t n = strlen(flag);

	if (file_read_all("/proc/cpuinfo", 1 << 22, &text, NULL, NULL) < 0)
		return 0;
	line = strstr(text, "\nflags");
	if (!line)
		return 0;
	line[strcspn(line + 1, "\n") + 1] = '\0';
	for (p = strstr(line, flag); p; p = strstr(p + 1, flag)) {
		if (p[-1] == ' ' && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

static void probe_caps(struct probe_report *r, int fd)
{
	unsigned n;
	const struct kvm_cap_info *caps = kvm_caps(&n);

	for (unsigned i = 0; i < n; i++) {
		int v = kvm_check(fd, caps[i].cap);
		enum probe_status st = PROBE_OK;

		if (!v)
			st = caps[i].required ? PROBE_FAIL : PROBE_WARN;
		if (!v && caps[i].required)
			r->kvm_usable = 0;
		add(r, caps[i].name, st, "%s (%s)", v ? "yes" : "no",
		    caps[i].use);
	}
}

static void probe_kvm(const char *path, struct probe_report *r)
{
	_cleanup_close_ int fd = -1;
	int version, vm;

	if (!exists(path)) {
		add(r, "kvm device", PROBE_FAIL,
		    "%s does not exist (no kvm module loaded)", path);
		return;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		add(r, "kvm device", PROBE_FAIL, "cannot open %s: %s", path,
		    strerror(errno));
		return;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	add(r, "kvm device", PROBE_OK, "%s, API version %d", path, version);
	r->kvm_usable = version == KVM_API_VERSION;
	probe_caps(r, fd);
	add(r, "vcpu limit", PROBE_INFO, "%d recommended, %d maximum",
	    kvm_check(fd, KVM_CAP_NR_VCPUS), kvm_check(fd, KVM_CAP_MAX_VCPUS));
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		r->kvm_usable = 0;
		add(r, "vm creation", PROBE_FAIL, "KVM_CREATE_VM: %s",
		    strerror(errno));
		return;
	}
	close(vm);
	add(r, "vm creation", PROBE_OK, "works");
}

static void probe_nested(struct probe_report *r)
{
	static const char *const files[] = {
		"/sys/module/kvm_intel/parameters/nested",
		"/sys/module/kvm_amd/parameters/nested",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *v = read_line(files[i]);

		if (v) {
			int on = streq(v, "Y") || streq(v, "1");

			add(r, "nested", PROBE_INFO, "%s (%s)",
			    on ? "enabled" : "disabled", files[i]);
			return;
		}
	}
	add(r, "nested", PROBE_INFO, "not available (no kvm_intel/kvm_amd)");
}

static void probe_memory(struct probe_report *r)
{
	_cleanup_free_ char *info = NULL;
	_cleanup_free_ char *thp =
		read_line("/sys/kernel/mm/transparent_hugepage/enabled");
	_cleanup_free_ char *ksm = read_line("/sys/kernel/mm/ksm/run");
	unsigned long total = 0, free_pages = 0, size_kb = 0;
	char *p;

	if (file_read_all("/proc/meminfo", 1 << 20, &info, NULL, NULL) == 0) {
		if ((p = strstr(info, "HugePages_Total:")))
			total = strtoul(p + 16, NULL, 10);
		if ((p = strstr(info, "HugePages_Free:")))
			free_pages = strtoul(p + 15, NULL, 10);
		if ((p = strstr(info, "Hugepagesize:")))
			size_kb = strtoul(p + 13, NULL, 10);
	}
	add(r, "hugepages", total ? PROBE_OK : PROBE_INFO,
	    "%lu reserved, %lu free, %lu KiB each%s", total, free_pages,
	    size_kb, total ? "" : " (--hugepages needs reserved pages)");
	add(r, "transparent hugepages", PROBE_INFO, "%s",
	    thp ? thp : "not available");
	add(r, "ksm", PROBE_INFO, "%s",
	    !ksm	      ? "not available"
	    : streq(ksm, "1") ? "running"
			      : "available, not running");
}

/*
 * Whether KVM runs guest kernel code natively. PVM-based KVM (kvm_pvm)
 * emulates it instruction by instruction and cannot boot a stock kernel;
 * plain KVM needs VT-x or AMD-V.
 */
static void probe_native(struct probe_report *r)
{
	int vmx = cpu_flag("vmx"), svm = cpu_flag("svm");
	int pvm = exists("/sys/module/kvm_pvm");
	int hw = exists("/sys/module/kvm_intel") ||
		 exists("/sys/module/kvm_amd");

	add(r, "cpu virtualization", vmx || svm ? PROBE_OK : PROBE_WARN, "%s",
	    vmx	  ? "vmx (Intel VT-x)"
	    : svm ? "svm (AMD-V)"
		  : "no vmx or svm flag");
	add(r, "running in a VM", PROBE_INFO, "%s",
	    cpu_flag("hypervisor") ? "yes (hypervisor flag)" : "no");
	add(r, "kvm flavour", PROBE_INFO, "%s",
	    pvm	 ? "kvm_pvm (PVM: paravirtualized, page-table based)"
	    : hw ? (exists("/sys/module/kvm_intel") ? "kvm_intel" : "kvm_amd")
		 : "unknown");
	r->runs_stock_kernels = r->kvm_usable && !pvm && hw && (vmx || svm);
	if (r->runs_stock_kernels)
		add(r, "unmodified guest kernels", PROBE_OK,
		    "yes: hardware virtualization");
	else if (pvm)
		add(r, "unmodified guest kernels", PROBE_WARN,
		    "no: this KVM is PVM-based; guest kernel code is "
		    "emulated and a stock Linux kernel stops early with an "
		    "emulation failure. nido's own guests (guests/) run; "
		    "full guests need the qemu driver (TCG) or a host with "
		    "VT-x/AMD-V");
	else
		add(r, "unmodified guest kernels", PROBE_WARN, "no: %s",
		    r->kvm_usable ? "no VT-x/AMD-V visible"
				  : "KVM is not usable");
}

void probe_run(const char *kvm_path, struct probe_report *r)
{
	*r = (struct probe_report){0};
	probe_kvm(kvm_path, r);
	probe_native(r);
	probe_nested(r);
	probe_memory(r);
}

void probe_report_release(struct probe_report *r)
{
	for (unsigned i = 0; i < r->n; i++) {
		free(r->items[i].name);
		free(r->items[i].value);
	}
	free(r->items);
	*r = (struct probe_report){0};
}
