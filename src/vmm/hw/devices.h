/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The legacy PC devices of a nido VM. Each *_create() registers the
 * device on the VM's buses and returns it (or NULL with @e filled);
 * *_destroy() accepts NULL. The device callbacks run in vCPU threads;
 * each device has its own lock.
 *
 *   serial     8250/16550A UART, COM1 (0x3f8-0x3ff, IRQ 4)
 *   i8042      keyboard controller (0x60, 0x64, IRQ 1): reset, Ctrl-Alt-Del
 *   rtc        CMOS clock and RAM (0x70-0x71)
 *   pm         ACPI PM1a event block (0x600) and control (0x604, S5 =
 *              power off), reset control (0xcf9)
 *   cpuhp      vCPU hot add: GPE0 block (0x620) and one register per
 *              possible vCPU (0x640), only with --max-cpus above --cpus
 *   boottimer  the guest's "init has started" signal: 123 written to
 *              port 0x3f0 or to the MMIO byte at 0xd0000000 (as
 *              Firecracker)
 */
#ifndef NIDO_VMM_HW_DEVICES_H
#define NIDO_VMM_HW_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "vmm/state_format.h"

struct vm;
struct serial;
struct i8042;
struct rtc;
struct pm;
struct boottimer;
struct cpuhp;

#define SERIAL_COM1_BASE 0x3f8
#define I8042_DATA_PORT	 0x60
#define I8042_CMD_PORT	 0x64
#define RTC_PORT	 0x70
#define PM1A_EVT_PORT	 0x600
#define ACPI_SCI_IRQ	 9 /* level, active high (the MADT's override) */
#define PM1A_CNT_PORT	 0x604
#define RESET_PORT	 0xcf9
#define BOOTTIMER_PORT	 0x3f0
#define BOOTTIMER_MAGIC	 123
#define CPUHP_GPE0_PORT	 0x620
#define CPUHP_GPE0_LEN	 2 /* status byte, enable byte: GPEs 0-7 */
#define CPUHP_GPE	 2 /* the GPE of "a vCPU was added" */
#define CPUHP_PORT	 0x640

/* The serial port writes what the guest sends to @out_fd (not owned). */
struct serial *serial_create(struct vm *vm, int out_fd, struct err **e);
/* What the port sends is also written to @log_fd (not owned; -1: no). */
void serial_set_log(struct serial *s, int log_fd);
void serial_destroy(struct serial *s);
/* Queues bytes from the host for the guest (any thread). */
void serial_receive(struct serial *s, const uint8_t *buf, size_t len);
uint64_t serial_tx_bytes(struct serial *s);
/* Bytes of output the console could not take (full, or gone). */
uint64_t serial_tx_dropped(struct serial *s);
uint64_t serial_rx_bytes(struct serial *s);

struct i8042 *i8042_create(struct vm *vm, struct err **e);
void i8042_destroy(struct i8042 *k);
/* Presses and releases Ctrl-Alt-Del (any thread). */
void i8042_ctrl_alt_del(struct i8042 *k);

struct rtc *rtc_create(struct vm *vm, struct err **e);
void rtc_destroy(struct rtc *r);

struct pm *pm_create(struct vm *vm, struct err **e);
void pm_destroy(struct pm *p);
/* Presses the ACPI power button (the guest sees it if it enabled it). */
void pm_power_button(struct pm *p);
/* The general-purpose events' share of the SCI (cpuhp's GPE block). */
void pm_set_gpe_level(struct pm *p, bool level);

struct cpuhp *cpuhp_create(struct vm *vm, struct err **e);
void cpuhp_destroy(struct cpuhp *h);
/*
 * Brings @vm to @count vCPUs (the loop's thread): adds the missing ones
 * and tells the guest; asks the guest to eject those above @count (they
 * go when it does). More than its maximum is refused. Returns 0 or
 * -errno with @e.
 */
int cpuhp_set_vcpus(struct vm *vm, unsigned count, struct err **e);
/* The vCPUs the guest sees (an ejected one no more). */
unsigned cpuhp_present(struct vm *vm);
/* The same, with *@gen the count of changes so far: of two answers, the
 * one with the higher count is the newer (replies and events travel
 * apart). */
unsigned cpuhp_present_gen(struct vm *vm, uint64_t *gen);

struct boottimer *boottimer_create(struct vm *vm, uint64_t mmio_addr,
				   struct err **e);
void boottimer_destroy(struct boottimer *b);
/* Microseconds from process start to the guest's signal, 0: not yet. */
uint64_t boottimer_us(struct boottimer *b);

/*
 * State (docs/state-format.md): each device appends its section to a
 * state file being written, or loads its section (untrusted: a
 * malformed one is refused by name, the device left as it was).
 */
void serial_save(struct serial *s, struct state_wr *w);
int serial_load(struct serial *s, const struct state_sec *sec, struct err **e);
void i8042_save(struct i8042 *k, struct state_wr *w);
int i8042_load(struct i8042 *k, const struct state_sec *sec, struct err **e);
void rtc_save(struct rtc *r, struct state_wr *w);
int rtc_load(struct rtc *r, const struct state_sec *sec, struct err **e);
void pm_save(struct pm *p, struct state_wr *w);
int pm_load(struct pm *p, const struct state_sec *sec, struct err **e);
void cpuhp_save(struct cpuhp *h, struct state_wr *w);
/* A 'cpuhp' section's fields; cpuhp_read() is false when malformed. */
struct cpuhp_saved {
	uint32_t present; /* vCPUs */
	uint64_t added;	  /* bit N: added, not yet acknowledged */
	uint8_t gpe_sts, gpe_en;
	uint64_t ejected;  /* ejected, the thread not yet ended */
	uint64_t unplug;   /* removal asked for, not yet ejected */
	uint64_t removing; /* removal asked for, not yet acknowledged */
};
bool cpuhp_read(const struct state_sec *sec, struct cpuhp_saved *out);
/* Also sets how many vCPUs the VM has: before they are restored. */
int cpuhp_load(struct cpuhp *h, const struct state_sec *sec, struct err **e);
void boottimer_save(struct boottimer *b, struct state_wr *w);
int boottimer_load(struct boottimer *b, const struct state_sec *sec,
		   struct err **e);

#endif
