/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nido-vmm's core: one virtual machine (KVM VM fd, guest memory, vCPUs,
 * I/O buses, devices) in one process.
 *
 * Threads: the main thread runs the event loop (console input, virtio
 * queue kicks, the control socket); each vCPU has its own thread that
 * runs KVM_RUN and calls the device models on port and MMIO exits. The
 * buses are filled before the vCPUs start and never change afterwards;
 * each device locks its own state.
 */
#ifndef NIDO_VMM_VM_H
#define NIDO_VMM_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "lib/err.h"
#include "vmm/bus.h"
#include "vmm/vmconfig.h"
#include "vmm/memory.h"

struct loop;
struct kvm_cpuid2;
struct vcpu;
struct virtio_dev;
struct console;
struct channel;
struct api;

/* Why the VM stopped; also decides the process's exit status. */
enum vm_exit {
	VM_EXIT_NONE = 0,
	VM_EXIT_POWEROFF, /* guest powered off, or power-off request */
	VM_EXIT_REBOOT,	  /* guest asked for a reset */
	VM_EXIT_ERROR,	  /* the VMM failed (message in vm->exit_msg) */
	VM_EXIT_SIGNAL,	  /* SIGINT/SIGTERM on the host */
};

/* Exit statuses of the nido-vmm program (docs/vmm.md). */
#define VMM_STATUS_POWEROFF 0
#define VMM_STATUS_ERROR    1
#define VMM_STATUS_USAGE    2
#define VMM_STATUS_REBOOT   3
#define VMM_STATUS_SIGNAL   4

/* Guest physical layout (docs/vmm.md). */
#define VM_GAP_START	  0xc0000000ULL	 /* 32-bit hole: MMIO, APICs */
#define VM_GAP_END	  0x100000000ULL /* RAM goes on above 4 GiB */
#define VM_MMIO_BASE	  0xd0000000ULL	 /* first device window */
#define VM_MMIO_SLOT	  0x1000ULL	 /* one device window */
#define VM_IOAPIC_ADDR	  0xfec00000ULL
#define VM_LAPIC_ADDR	  0xfee00000ULL
#define VM_TSS_ADDR	  0xfffbd000ULL
#define VM_IDENT_MAP_ADDR 0xfffbc000ULL
#define VM_MAX_CPUS	  64
#define VM_MAX_VIRTIO	  16

/* ISA interrupt lines of the legacy devices. */
#define VM_IRQ_KBD	 1
#define VM_IRQ_SERIAL	 4
#define VM_IRQ_RTC	 8
#define VM_IRQ_AUX	 12
#define VM_IRQ_FIRST_DEV 5  /* virtio devices: 5, 6, 7, 9, 10, 11, ... */
#define VM_IRQ_MAX	 23 /* IOAPIC pins 0..23 */

struct vm_stats {
	_Atomic uint64_t unhandled_pio;
	_Atomic uint64_t unhandled_mmio;
};

struct vm {
	int kvm_fd;
	int vm_fd;
	int pagemap_fd; /* /proc/self/pagemap, or -1: state_save() */
	int vcpu_mmap_size;
	struct vm_config *cfg; /* borrowed from the caller */
	struct guest_mem mem;
	struct bus pio;
	struct bus mmio;
	struct loop *loop;

	/* vCPUs 0 to n_vcpus - 1 exist; vcpus[] has max_vcpus slots, and
	 * cpuhp_set_vcpus() raises n_vcpus (under pause_lock) once a new
	 * one is set up. */
	unsigned n_vcpus;
	unsigned max_vcpus;
	struct vcpu *vcpus;
	struct kvm_cpuid2 *supported_cpuid;

	/* Boot state, filled by boot_load(). */
	uint64_t entry;
	uint64_t boot_params;

	/* Devices. */
	struct console *console;
	struct api *api;
	struct serial *serial;
	struct i8042 *i8042;
	struct rtc *rtc;
	struct boottimer *boottimer;
	struct pm *pm;
	struct cpuhp *cpuhp; /* vCPU hot add, or NULL (max_vcpus == cpus) */
	unsigned n_mmio_devs;
	unsigned next_irq;
	struct virtio_dev *virtio[VM_MAX_VIRTIO];
	struct virtio_dev *vconsole; /* takes console input when present */
	struct virtio_dev *vports;   /* the console with channels, or NULL */
	struct channel *channels[CONFIG_MAX_CHANNELS]; /* their host ends */
	struct virtio_dev *balloon; /* the virtio-balloon, or NULL */
	unsigned n_virtio;

	/* Stopping: the first request wins. */
	pthread_mutex_t exit_lock;
	enum vm_exit exit_reason;
	char *exit_msg;
	atomic_int stopping;

	/* Pause: vCPUs park on @pause_cond while @paused. */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	int paused;
	unsigned n_parked;

	uint64_t start_ns; /* CLOCK_MONOTONIC when the process started */
	/* When every vCPU thread was started (0: not yet): a boot's or a
	 * restore's time to a running guest, for "status". */
	_Atomic uint64_t running_ns;
	struct vm_stats stats;
};

/*
 * Creates the VM from @cfg (borrowed; must outlive the VM): opens KVM,
 * checks capabilities, creates memory, irqchip, PIT, vCPUs, devices and
 * loads the kernel. Returns the VM, or NULL with @e filled.
 */
struct vm *vm_create(struct vm_config *cfg, uint64_t start_ns, struct err **e);

/*
 * A VM without KVM, vCPUs or devices: guest memory of @mem_size bytes and
 * empty buses, for unit tests and fuzzers of the device models. Free with
 * vm_destroy(). Returns NULL with @e filled.
 */
struct vm *vm_create_bare(uint64_t mem_size, struct err **e);

/*
 * Starts the vCPU threads and runs the event loop until the VM stops.
 * Returns the reason it stopped; for VM_EXIT_ERROR, @e has the message.
 */
enum vm_exit vm_run(struct vm *vm, struct err **e);

/* Frees everything; accepts NULL. */
void vm_destroy(struct vm *vm);

/*
 * Asks the VM to stop for @reason (from any thread). The first request
 * wins; @fmt, when not NULL, describes an error.
 */
void vm_request_exit(struct vm *vm, enum vm_exit reason, const char *fmt, ...)
	PRINTF(3, 4);

/* Sets ISA/IOAPIC interrupt line @irq to @level (any thread). */
void vm_irq_line(struct vm *vm, unsigned irq, int level);

/* Pauses all vCPUs (returns when they are parked) and resumes them. */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);

/* vcpus[]: max_vcpus slots, none created yet. */
void vm_alloc_vcpus(struct vm *vm);

/* Next free device window and interrupt line for an MMIO device. */
int vm_alloc_mmio(struct vm *vm, uint64_t *addr, unsigned *irq, struct err **e);

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t vm_now_ns(void);

#endif
