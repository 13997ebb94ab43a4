// SPDX-License-Identifier: GPL-2.0-or-later
/* vCPU creation, register setup and the KVM_RUN loop of each thread. */
#include "vmm/vcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "lib/thread.h"
#include "vmm/boot.h"
#include "vmm/cpuid.h"
#include "vmm/kvm.h"
#include "vmm/vm.h"

#define VCPU_KICK_SIGNAL SIGUSR1

#define X86_CR0_PE   (1ULL << 0)
#define X86_CR0_MP   (1ULL << 1)
#define X86_CR0_ET   (1ULL << 4)
#define X86_CR0_NE   (1ULL << 5)
#define X86_CR0_PG   (1ULL << 31)
#define X86_CR4_PAE  (1ULL << 5)
#define X86_EFER_LME (1ULL << 8)
#define X86_EFER_LMA (1ULL << 10)

#define APIC_LVT0	     0x350
#define APIC_LVT1	     0x360
#define APIC_MODE_NMI	     0x4
#define APIC_MODE_EXTINT     0x7
#define MSR_MTRR_DEF_TYPE    0x2ff
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_K7_HWCR	     0xc0010015

int vcpu_create(struct vm *vm, unsigned id, struct vcpu *v, struct err **e)
{
	void *run;

	*v = (struct vcpu){.vm = vm, .id = id, .fd = -1};
	v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
	if (v->fd < 0)
		return err_sys(e, errno, "creating vCPU %u", id);
	run = mmap(NULL, (size_t)vm->vcpu_mmap_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED)
		return err_sys(e, errno, "mapping the run area of vCPU %u", id);
	v->run = run;
	return 0;
}

/*
 * XCR0 starts with every state component the CPUID offers, which is what
 * Linux enables. KVM recomputes CPUID 0xd's EBX (the XSAVE area for the
 * current XCR0) when XCR0 changes, so the size the guest reads then
 * matches the area it uses, even where the guest's XSETBV does not reach
 * KVM (QEMU's TCG does not intercept it for a nested guest).
 */
static void setup_xcr0(struct vcpu *v, struct kvm_cpuid2 *c)
{
	struct kvm_xcrs xcrs = {.nr_xcrs = 1};
	uint64_t xcr0 = cpuid_xcr0(c);

	if (!xcr0 || !kvm_check(v->vm->kvm_fd, KVM_CAP_XCRS))
		return;
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = xcr0;
	if (ioctl(v->fd, KVM_SET_XCRS, &xcrs) < 0)
		log_debug("vCPU %u: KVM refuses XCR0 0x%llx: %s", v->id,
			  (unsigned long long)xcr0, strerror(errno));
}

static int setup_cpuid(struct vcpu *v, struct err **e)
{
	_cleanup_free_ struct kvm_cpuid2 *c = NULL;

	c = cpuid_for_vcpu(v->vm->supported_cpuid, v->id, v->vm->max_vcpus);
	if (kvm_check(v->vm->kvm_fd, KVM_CAP_TSC_DEADLINE_TIMER))
		cpuid_set_tsc_deadline(c);
	if (ioctl(v->fd, KVM_SET_CPUID2, c) < 0)
		return err_sys(e, errno, "setting the CPUID of vCPU %u", v->id);
	setup_xcr0(v, c);
	return 0;
}

/* MSRs that must start at a known value; KVM may not know them all. */
static void setup_msrs(struct vcpu *v)
{
	static const struct {
		uint32_t index;
		uint64_t value;
	} msrs[] = {
		{0x174, 0},			    /* SYSENTER_CS */
		{0x175, 0},			    /* SYSENTER_ESP */
		{0x176, 0},			    /* SYSENTER_EIP */
		{0xc0000081, 0},		    /* STAR */
		{0xc0000082, 0},		    /* LSTAR */
		{0xc0000083, 0},		    /* CSTAR */
		{0xc0000084, 0},		    /* SYSCALL_MASK */
		{0xc0000102, 0},		    /* KERNEL_GS_BASE */
		{MSR_IA32_MISC_ENABLE, 1},	    /* fast strings */
		{MSR_MTRR_DEF_TYPE, (1 << 11) | 6}, /* MTRRs on, WB */
		{MSR_K7_HWCR, 1ULL << 24}, /* AMD: TSC at P0 frequency */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		union {
			struct kvm_msrs hdr;
			uint8_t bytes[sizeof(struct kvm_msrs) +
				      sizeof(struct kvm_msr_entry)];
		} m = {.hdr.nmsrs = 1};

		m.hdr.entries[0].index = msrs[i].index;
		m.hdr.entries[0].data = msrs[i].value;
		if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
			log_debug("vCPU %u: KVM does not take MSR 0x%x", v->id,
				  msrs[i].index);
	}
}

static int setup_fpu_lapic(struct vcpu *v, struct err **e)
{
	struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
	struct kvm_lapic_state lapic;
	uint32_t *lvt0 = (uint32_t *)(void *)&lapic.regs[APIC_LVT0];
	uint32_t *lvt1 = (uint32_t *)(void *)&lapic.regs[APIC_LVT1];

	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return err_sys(e, errno, "setting the FPU of vCPU %u", v->id);
	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) < 0)
		return err_sys(e, errno, "reading the APIC of vCPU %u", v->id);
	/* LINT0 takes the 8259's interrupts, LINT1 is NMI (as on a PC). */
	*lvt0 = (*lvt0 & ~0x700U) | APIC_MODE_EXTINT << 8;
	*lvt1 = (*lvt1 & ~0x700U) | APIC_MODE_NMI << 8;
	if (ioctl(v->fd, KVM_SET_LAPIC, &lapic) < 0)
		return err_sys(e, errno, "setting the APIC of vCPU %u", v->id);
	return 0;
}

static void seg_from_gdt(struct kvm_segment *s, uint16_t sel)
{
	uint64_t d = boot_gdt[sel >> 3];

	*s = (struct kvm_segment){
		.base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000),
		.limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000)),
		.selector = sel,
		.type = (d >> 40) & 0xf,
		.s = (d >> 44) & 1,
		.dpl = (d >> 45) & 3,
		.present = (d >> 47) & 1,
		.avl = (d >> 52) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};
	if (s->g)
		s->limit = (s->limit << 12) | 0xfff;
}

/* Long mode, paging on the identity map, flat segments (boot.rst). */
static int setup_boot_regs(struct vcpu *v, struct err **e)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = v->vm->entry,
		.rsi = v->vm->boot_params,
		.rsp = BOOT_STACK_TOP,
		.rbp = BOOT_STACK_TOP,
		.rflags = 0x2,
	};

	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0)
		return err_sys(e, errno, "reading vCPU %u registers", v->id);
	seg_from_gdt(&sregs.cs, BOOT_SEL_CODE);
	seg_from_gdt(&sregs.ds, BOOT_SEL_DATA);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	seg_from_gdt(&sregs.tr, BOOT_SEL_TSS);
	sregs.gdt.base = BOOT_GDT_ADDR;
	sregs.gdt.limit = sizeof(boot_gdt) - 1;
	sregs.idt.base = BOOT_IDT_ADDR;
	sregs.idt.limit = 0;
	sregs.cr3 = BOOT_PML4_ADDR;
	sregs.cr4 = X86_CR4_PAE;
	sregs.cr0 =
		X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_PG;
	sregs.efer = X86_EFER_LME | X86_EFER_LMA;
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs) < 0)
		return err_sys(e, errno, "setting vCPU %u system registers",
			       v->id);
	if (ioctl(v->fd, KVM_SET_REGS, &regs) < 0)
		return err_sys(e, errno, "setting vCPU %u registers", v->id);
	return 0;
}

int vcpu_setup(struct vcpu *v, struct err **e)
{
	int r = setup_cpuid(v, e);

	if (r < 0)
		return r;
	setup_msrs(v);
	r = setup_fpu_lapic(v, e);
	if (r < 0)
		return r;
	return v->id == 0 ? setup_boot_regs(v, e) : 0;
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	struct vm *vm = v->vm;

	for (uint32_t i = 0; i < run->io.count; i++) {
		int r;

		if (run->io.direction == KVM_EXIT_IO_OUT)
			r = bus_write(&vm->pio, run->io.port, data,
				      run->io.size);
		else
			r = bus_read(&vm->pio, run->io.port, data,
				     run->io.size);
		if (r < 0) {
			atomic_fetch_add(&vm->stats.unhandled_pio, 1);
			log_debug("vCPU %u: unhandled port %s 0x%x", v->id,
				  run->io.direction ? "write" : "read",
				  run->io.port);
		}
		data += run->io.size;
	}
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct vm *vm = v->vm;
	unsigned len = MIN(run->mmio.len, 8U);
	int r;

	if (run->mmio.is_write)
		r = bus_write(&vm->mmio, run->mmio.phys_addr, run->mmio.data,
			      len);
	else
		r = bus_read(&vm->mmio, run->mmio.phys_addr, run->mmio.data,
			     len);
	if (r < 0) {
		atomic_fetch_add(&vm->stats.unhandled_mmio, 1);
		log_debug("vCPU %u: unhandled MMIO %s 0x%llx", v->id,
			  run->mmio.is_write ? "write" : "read",
			  (unsigned long long)run->mmio.phys_addr);
	}
}

static void handle_system_event(struct vcpu *v)
{
	switch (v->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_exit(v->vm, VM_EXIT_POWEROFF, NULL);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_exit(v->vm, VM_EXIT_REBOOT, NULL);
		break;
	default:
		vm_request_exit(v->vm, VM_EXIT_ERROR,
				"vCPU %u: guest crashed (system event %u)",
				v->id, v->run->system_event.type);
		break;
	}
}

static void report_failure(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	struct kvm_regs regs = {0};

	ioctl(v->fd, KVM_GET_REGS, &regs);
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR &&
	    run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
		vm_request_exit(
			v->vm, VM_EXIT_ERROR,
			"vCPU %u: KVM could not emulate the instruction "
			"at RIP 0x%llx (emulation failure)",
			v->id, (unsigned long long)regs.rip);
	else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
		vm_request_exit(v->vm, VM_EXIT_ERROR,
				"vCPU %u: KVM internal error %u at RIP 0x%llx",
				v->id, run->internal.suberror,
				(unsigned long long)regs.rip);
	else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
		vm_request_exit(
			v->vm, VM_EXIT_ERROR,
			"vCPU %u: KVM could not enter the guest (hardware "
			"reason 0x%llx)",
			v->id,
			(unsigned long long)
				run->fail_entry.hardware_entry_failure_reason);
	else
		vm_request_exit(v->vm, VM_EXIT_ERROR,
				"vCPU %u: unexpected KVM exit %u at RIP 0x%llx",
				v->id, run->exit_reason,
				(unsigned long long)regs.rip);
}

/* Returns 0 to go on running, 1 to stop. */
static int handle_exit(struct vcpu *v)
{
	struct vcpu_stats *s = &v->stats;

	switch (v->run->exit_reason) {
	case KVM_EXIT_IO:
		atomic_fetch_add(&s->io, 1);
		handle_io(v);
		return 0;
	case KVM_EXIT_MMIO:
		atomic_fetch_add(&s->mmio, 1);
		handle_mmio(v);
		return 0;
	case KVM_EXIT_HLT:
		atomic_fetch_add(&s->hlt, 1);
		return 0;
	case KVM_EXIT_INTR:
		atomic_fetch_add(&s->intr, 1);
		return 0;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault resets a PC. */
		log_info("vCPU %u: triple fault, the guest resets", v->id);
		vm_request_exit(v->vm, VM_EXIT_REBOOT, NULL);
		return 1;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(v);
		return 1;
	default:
		atomic_fetch_add(&s->other, 1);
		report_failure(v);
		return 1;
	}
}

/* Parks the vCPU while the VM is paused. */
static void park(struct vcpu *v)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&vm->pause_lock);
	vm->n_parked++;
	pthread_cond_broadcast(&vm->pause_cond);
	while (vm->paused && !atomic_load(&vm->stopping) &&
	       !atomic_load(&v->retire))
		pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	vm->n_parked--;
	v->run->immediate_exit = 0;
	pthread_mutex_unlock(&vm->pause_lock);
}

static int paused(struct vm *vm)
{
	int p;

	pthread_mutex_lock(&vm->pause_lock);
	p = vm->paused;
	pthread_mutex_unlock(&vm->pause_lock);
	return p;
}

static void *vcpu_thread(void *opaque)
{
	struct vcpu *v = opaque;
	struct vm *vm = v->vm;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!atomic_load(&vm->stopping) && !atomic_load(&v->retire)) {
		if (paused(vm)) {
			park(v);
			continue;
		}
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				atomic_fetch_add(&v->stats.intr, 1);
				if (!paused(vm))
					v->run->immediate_exit = 0;
				continue;
			}
			vm_request_exit(vm, VM_EXIT_ERROR,
					"vCPU %u: KVM_RUN failed: %s", v->id,
					strerror(errno));
			break;
		}
		atomic_fetch_add(&v->stats.exits, 1);
		if (handle_exit(v))
			break;
	}
	return NULL;
}

static int tsc_offset_attr(struct vcpu *v, unsigned long req, uint64_t *offset)
{
	struct kvm_device_attr a = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uint64_t)(uintptr_t)offset,
	};

	return ioctl(v->fd, req, &a) < 0 ? -errno : 0;
}

int vcpu_get_tsc_offset(struct vcpu *v, uint64_t *offset)
{
	return tsc_offset_attr(v, KVM_GET_DEVICE_ATTR, offset);
}

int vcpu_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	return tsc_offset_attr(v, KVM_SET_DEVICE_ATTR, &offset);
}

int vcpu_start(struct vcpu *v, struct err **e)
{
	char name[16];
	int r;

	snprintf(name, sizeof(name), "vcpu%u", v->id);
	r = thread_start(&v->thread, name, vcpu_thread, v);
	if (r < 0)
		return err_sys(e, -r, "starting the thread of vCPU %u", v->id);
	v->started = 1;
	return 0;
}

void vcpu_kick(struct vcpu *v)
{
	if (!v->run)
		return;
	v->run->immediate_exit = 1;
	if (v->started)
		pthread_kill(v->thread, VCPU_KICK_SIGNAL);
}

void vcpu_retire(struct vcpu *v)
{
	struct vm *vm = v->vm;

	atomic_store(&v->retire, 1);
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond); /* out of park() */
	pthread_mutex_unlock(&vm->pause_lock);
	vcpu_kick(v);
	if (v->started)
		pthread_join(v->thread, NULL);
	v->started = 0;
}

int vcpu_revive(struct vcpu *v, struct err **e)
{
	struct kvm_mp_state mp = {.mp_state = KVM_MP_STATE_UNINITIALIZED};

	/* its last state was the guest's offline loop: wait for INIT */
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return err_sys(e, errno, "resetting vCPU %u for INIT/SIPI",
			       v->id);
	v->run->immediate_exit = 0;
	atomic_store(&v->retire, 0);
	return 0;
}

void vcpu_release(struct vcpu *v)
{
	if (v->started)
		pthread_join(v->thread, NULL);
	v->started = 0;
	if (v->run)
		munmap(v->run, (size_t)v->vm->vcpu_mmap_size);
	v->run = NULL;
	close_safe(v->fd);
	v->fd = -1;
}

static void kick_handler(int signo)
{
	(void)signo;
}

int vcpu_signal_init(struct err **e)
{
	struct sigaction sa = {.sa_handler = kick_handler};

	sigemptyset(&sa.sa_mask);
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0)
		return err_sys(e, errno, "installing the vCPU kick handler");
	return 0;
}
