// SPDX-License-Identifier: GPL-2.0-or-later
/* Creating, running and stopping the VM. */
#include "vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "vmm/acpi.h"
#include "vmm/api-blockjob.h"
#include "vmm/api.h"
#include "vmm/boot.h"
#include "vmm/channel.h"
#include "vmm/console.h"
#include "vmm/cpuid.h"
#include "vmm/host.h"
#include "vmm/hw/devices.h"
#include "vmm/kvm.h"
#include "vmm/sandbox.h"
#include "vmm/state.h"
#include "vmm/vcpu.h"
#include "vmm/virtio/devices.h"

#define DEFAULT_CMDLINE "console=ttyS0"

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void vm_request_exit(struct vm *vm, enum vm_exit reason, const char *fmt, ...)
{
	pthread_mutex_lock(&vm->exit_lock);
	if (vm->exit_reason == VM_EXIT_NONE) {
		vm->exit_reason = reason;
		if (fmt) {
			va_list ap;

			va_start(ap, fmt);
			vm->exit_msg = xvasprintf(fmt, ap);
			va_end(ap);
		}
	}
	pthread_mutex_unlock(&vm->exit_lock);
	atomic_store(&vm->stopping, 1);
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	if (vm->loop)
		loop_stop(vm->loop);
	for (unsigned i = 0; vm->vcpus && i < vm->n_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

void vm_irq_line(struct vm *vm, unsigned irq, int level)
{
	struct kvm_irq_level l = {.irq = irq, .level = (uint32_t)level};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		log_debug("KVM_IRQ_LINE %u: %s", irq, strerror(errno));
}

void vm_pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = 1;
	pthread_mutex_unlock(&vm->pause_lock);
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->pause_lock);
	while (vm->n_parked < vm->n_vcpus && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = 0;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

int vm_alloc_mmio(struct vm *vm, uint64_t *addr, unsigned *irq, struct err **e)
{
	unsigned i = vm->next_irq;

	/* Skip the lines of the legacy devices. */
	while (i == VM_IRQ_RTC || i == VM_IRQ_AUX || i == VM_IRQ_SERIAL ||
	       i == 14 || i == 15)
		i++;
	if (i > VM_IRQ_MAX)
		return err_set(e, ENOSPC,
			       "no interrupt line left for a device");
	vm->next_irq = i + 1;
	vm->n_mmio_devs++;
	*addr = VM_MMIO_BASE + vm->n_mmio_devs * VM_MMIO_SLOT;
	*irq = i;
	return 0;
}

#define HOST_CLOCKSOURCE \
	"/sys/devices/system/clocksource/clocksource0/current_clocksource"

static int create_kvm_vm(struct vm *vm, struct err **e)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};

	vm->kvm_fd = steal_fd(vm->cfg->host.kvm_fd);
	do
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0)
		return err_sys(e, errno, "creating the VM (KVM_CREATE_VM)");
	vm->vcpu_mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu_mmap_size < (int)sizeof(struct kvm_run))
		return err_sys(e, errno, "reading KVM_GET_VCPU_MMAP_SIZE");
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_ADDR) < 0)
		return err_sys(e, errno, "setting the TSS address");
	if (kvm_check(vm->kvm_fd, KVM_CAP_SET_IDENTITY_MAP_ADDR)) {
		uint64_t a = VM_IDENT_MAP_ADDR;

		if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &a) < 0)
			return err_sys(e, errno, "setting the identity map");
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return err_sys(e, errno, "creating the in-kernel irqchip");
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return err_sys(e, errno, "creating the in-kernel PIT");
	vm->supported_cpuid = kvm_supported_cpuid(vm->kvm_fd, e);
	if (!vm->supported_cpuid)
		return -EIO;
	if (kvm_host_tsc_stable(HOST_CLOCKSOURCE)) {
		log_debug("the host's clocksource is the TSC: the guest's "
			  "TSC is invariant");
		cpuid_set_invariant_tsc(vm->supported_cpuid);
	}
	return 0;
}

static int create_memory(struct vm *vm, struct err **e)
{
	int r;

	if (vm->cfg->restore)
		return state_restore_memory(vm, e);
	r = mem_create(&vm->mem, vm->cfg->mem_size, VM_GAP_START, VM_GAP_END,
		       config_mem_flags(vm->cfg), e);

	if (r < 0)
		return r;
	return mem_register(&vm->mem, vm->vm_fd, e);
}

static void console_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct vm *vm = opaque;

	if (vm->vconsole)
		virtio_console_receive(vm->vconsole, buf, len);
	else
		serial_receive(vm->serial, buf, len);
}

static void console_quit(void *opaque)
{
	vm_request_exit(opaque, VM_EXIT_SIGNAL, NULL);
}

/*
 * The devices with an end on the host's file system: before the
 * sandbox. The control socket appears now, listening, but answers only
 * once the VM is built and its loop runs: a supervisor waits for an
 * answer (nidod's start sends "status"), not for the file.
 */
static int create_host_ends(struct vm *vm, struct err **e)
{
	vm->console = console_open(vm->loop, vm->cfg, console_input,
				   console_quit, vm, e);
	if (!vm->console)
		return -EIO;
	for (unsigned i = 0; i < vm->cfg->n_channels; i++) {
		vm->channels[i] =
			channel_open(vm->loop, &vm->cfg->channels[i], e);
		if (!vm->channels[i])
			return -EIO;
	}
	if (vm->cfg->api_path) {
		vm->api = api_open(vm, vm->cfg->api_path, e);
		if (!vm->api)
			return -EIO;
	}
	return 0;
}

static int create_devices(struct vm *vm, struct err **e)
{
	vm->serial = serial_create(vm, console_out_fd(vm->console), e);
	if (!vm->serial)
		return -EIO;
	serial_set_log(vm->serial, console_log_fd(vm->console));
	vm->i8042 = i8042_create(vm, e);
	vm->rtc = vm->i8042 ? rtc_create(vm, e) : NULL;
	vm->pm = vm->rtc ? pm_create(vm, e) : NULL;
	vm->boottimer = vm->pm ? boottimer_create(vm, VM_MMIO_BASE, e) : NULL;
	if (!vm->boottimer)
		return -EIO;
	if (vm->max_vcpus > vm->cfg->cpus) {
		vm->cpuhp = cpuhp_create(vm, e);
		if (!vm->cpuhp)
			return -EIO;
	}
	if (virtio_devices_create(vm, e) < 0)
		return -EIO;
	return 0;
}

static int load_guest(struct vm *vm, struct err **e)
{
	const char *cmdline =
		vm->cfg->cmdline ? vm->cfg->cmdline : DEFAULT_CMDLINE;
	struct boot_info bi;
	uint64_t rsdp = 0;
	int r;

	r = boot_load_fds(&vm->mem, vm->cfg->kernel, vm->cfg->host.kernel_fd,
			  vm->cfg->initrd, vm->cfg->host.initrd_fd, cmdline,
			  &bi, e);
	if (r < 0)
		return r;
	vm->entry = bi.entry;
	vm->boot_params = BOOT_ZERO_PAGE;
	r = mptable_write(&vm->mem, vm->n_vcpus, e);
	if (r < 0)
		return r;
	r = acpi_write(vm, &rsdp, e);
	if (r < 0)
		return r;
	return mem_write(&vm->mem, BOOT_ZERO_PAGE + BOOT_ZP_ACPI_RSDP, &rsdp,
			 sizeof(rsdp));
}

void vm_alloc_vcpus(struct vm *vm)
{
	vm->vcpus = xcalloc(vm->max_vcpus, sizeof(*vm->vcpus));
	for (unsigned i = 0; i < vm->max_vcpus; i++)
		vm->vcpus[i].fd = -1;
}

static int create_vcpus(struct vm *vm, struct err **e)
{
	vm_alloc_vcpus(vm);
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		int r = vcpu_create(vm, i, &vm->vcpus[i], e);

		if (r < 0)
			return r;
		r = vcpu_setup(&vm->vcpus[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The guest: a kernel loaded on fresh vCPUs, or a saved state. */
static int create_guest(struct vm *vm, struct err **e)
{
	int r;

	if (vm->cfg->restore)
		return state_restore_vm(vm, e);
	r = load_guest(vm, e);
	return r < 0 ? r : create_vcpus(vm, e);
}

static struct vm *vm_alloc(struct vm_config *cfg, uint64_t start_ns)
{
	struct vm *vm = xcalloc(1, sizeof(*vm));

	vm->kvm_fd = vm->vm_fd = vm->pagemap_fd = -1;
	vm->mem.fd = -1;
	vm->cfg = cfg;
	vm->n_vcpus = cfg->cpus;
	vm->max_vcpus = config_max_cpus(cfg);
	vm->paused = cfg->paused; /* the vCPUs park before KVM_RUN */
	vm->start_ns = start_ns;
	vm->next_irq = VM_IRQ_FIRST_DEV;
	pthread_mutex_init(&vm->exit_lock, NULL);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	return vm;
}

/* --log-level=debug: where the start-up's time goes, from main(). */
static bool phase(const struct vm *vm, const char *what)
{
	log_debug("start-up: %s done at %llu us", what,
		  (unsigned long long)(vm_now_ns() - vm->start_ns) / 1000);
	return true;
}

/* What a save reads from /proc is opened while there is one. */
static int enter_sandbox(struct vm *vm, struct err **e)
{
	vm->pagemap_fd = sandbox_open_pagemap();
	return sandbox_enter(&vm->cfg->sandbox, e);
}

struct vm *vm_create(struct vm_config *cfg, uint64_t start_ns, struct err **e)
{
	struct vm *vm;

	if (config_check(cfg, e) < 0)
		return NULL;
	vm = vm_alloc(cfg, start_ns);
	vm->loop = loop_new(e);
	/* The host first, then the sandbox, then what the guest reaches. */
	if (!vm->loop || !phase(vm, "loop") || host_open(cfg, e) < 0 ||
	    !phase(vm, "host") || create_kvm_vm(vm, e) < 0 ||
	    !phase(vm, "kvm") || create_host_ends(vm, e) < 0 ||
	    enter_sandbox(vm, e) < 0 || !phase(vm, "sandbox") ||
	    create_memory(vm, e) < 0 || !phase(vm, "memory") ||
	    create_devices(vm, e) < 0 || !phase(vm, "devices") ||
	    create_guest(vm, e) < 0 || !phase(vm, "guest")) {
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

struct vm *vm_create_bare(uint64_t mem_size, struct err **e)
{
	static struct vm_config bare_cfg = {.cpus = 1};
	struct vm *vm = vm_alloc(&bare_cfg, vm_now_ns());

	if (mem_create(&vm->mem, mem_size, VM_GAP_START, VM_GAP_END, 0, e) <
	    0) {
		vm_destroy(vm);
		return NULL;
	}
	return vm;
}

static void on_signal(struct loop *l, int signo, void *opaque)
{
	log_info("%s: stopping the VM", strsignal(signo));
	vm_request_exit(opaque, VM_EXIT_SIGNAL, NULL);
}

static int start_vcpus(struct vm *vm, struct err **e)
{
	if (!loop_signal_add(vm->loop, SIGINT, on_signal, vm, e) ||
	    !loop_signal_add(vm->loop, SIGTERM, on_signal, vm, e) ||
	    !loop_signal_add(vm->loop, SIGHUP, on_signal, vm, e))
		return -EIO;
	if (vcpu_signal_init(e) < 0)
		return -EIO;
	/* what a hot-added vCPU takes, so that its TSC is in step */
	vm->tsc_offset_ok =
		vm->cpuhp &&
		vcpu_get_tsc_offset(&vm->vcpus[0], &vm->tsc_offset) == 0;
	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		int r = vcpu_start(&vm->vcpus[i], e);

		if (r < 0)
			return r;
	}
	return 0;
}

static void note_running(struct vm *vm)
{
	uint64_t now = vm_now_ns();

	atomic_store(&vm->running_ns, now);
	if (vm->cfg->restore)
		log_info("restored from '%s' (memory %s) in %llu us",
			 vm->cfg->restore->path,
			 vm->cfg->restore->copy ? "copied" : "mapped",
			 (unsigned long long)(now - vm->start_ns) / 1000);
}

enum vm_exit vm_run(struct vm *vm, struct err **e)
{
	struct err *le = NULL;
	enum vm_exit reason;
	int r = start_vcpus(vm, &le);

	if (r == 0) {
		note_running(vm);
		r = loop_run(vm->loop, &le);
	}
	if (r < 0) {
		vm_request_exit(vm, VM_EXIT_ERROR, "%s", err_msg(le));
		err_free(le);
	}
	/* Whoever stopped the loop, every vCPU stops now. */
	vm_request_exit(vm, VM_EXIT_ERROR, "event loop stopped");
	for (unsigned i = 0; i < vm->n_vcpus; i++)
		vcpu_release(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->exit_lock);
	reason = vm->exit_reason;
	if (reason == VM_EXIT_ERROR)
		err_set(e, EIO, "%s", vm->exit_msg ? vm->exit_msg : "failed");
	pthread_mutex_unlock(&vm->exit_lock);
	return reason;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	api_blockjob_stop_all(); /* their threads use the disks */
	for (unsigned i = 0; vm->vcpus && i < vm->n_vcpus; i++)
		vcpu_release(&vm->vcpus[i]);
	free(vm->vcpus);
	api_close(vm->api);
	virtio_devices_destroy(vm);
	boottimer_destroy(vm->boottimer);
	cpuhp_destroy(vm->cpuhp);
	pm_destroy(vm->pm);
	rtc_destroy(vm->rtc);
	i8042_destroy(vm->i8042);
	serial_destroy(vm->serial);
	for (unsigned i = 0; i < CONFIG_MAX_CHANNELS; i++)
		channel_close(vm->channels[i]);
	console_close(vm->console);
	loop_free(vm->loop);
	bus_release(&vm->pio);
	bus_release(&vm->mmio);
	mem_release(&vm->mem);
	free(vm->supported_cpuid);
	free(vm->exit_msg);
	close_safe(vm->vm_fd);
	close_safe(vm->kvm_fd);
	close_safe(vm->pagemap_fd);
	pthread_cond_destroy(&vm->pause_cond);
	pthread_mutex_destroy(&vm->pause_lock);
	pthread_mutex_destroy(&vm->exit_lock);
	free(vm);
}
