// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The CMOS real-time clock (MC146818): the host's UTC time in BCD or
 * binary, 24-hour mode, no update in progress, and 128 bytes of CMOS RAM.
 * Writes to the clock registers are kept as RAM but do not move the clock.
 */
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "vmm/hw/devices.h"
#include "vmm/vm.h"

#define REG_A	    0x0a
#define REG_B	    0x0b
#define REG_C	    0x0c
#define REG_D	    0x0d
#define REG_CENTURY 0x32
#define REG_B_DM    0x04 /* binary, not BCD */
#define REG_B_24H   0x02

struct rtc {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[128];
};

static uint8_t to_bcd(const struct rtc *r, unsigned v)
{
	if (r->ram[REG_B] & REG_B_DM)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t rtc_reg(const struct rtc *r, uint8_t reg)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (reg) {
	case 0x00:
		return to_bcd(r, (unsigned)tm.tm_sec);
	case 0x02:
		return to_bcd(r, (unsigned)tm.tm_min);
	case 0x04:
		return to_bcd(r, (unsigned)tm.tm_hour);
	case 0x06:
		return to_bcd(r, (unsigned)tm.tm_wday + 1);
	case 0x07:
		return to_bcd(r, (unsigned)tm.tm_mday);
	case 0x08:
		return to_bcd(r, (unsigned)tm.tm_mon + 1);
	case 0x09:
		return to_bcd(r, (unsigned)tm.tm_year % 100);
	case REG_CENTURY:
		return to_bcd(r, (unsigned)(tm.tm_year + 1900) / 100);
	case REG_A:
		return r->ram[REG_A] & 0x7f; /* never "update in progress" */
	case REG_C:
		return 0;
	case REG_D:
		return 0x80; /* battery good */
	default:
		return r->ram[reg & 0x7f];
	}
}

static void rtc_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct rtc *r = dev;

	memset(data, 0, len);
	pthread_mutex_lock(&r->lock);
	*(uint8_t *)data = off == 0 ? r->index : rtc_reg(r, r->index);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_write(void *dev, uint64_t off, const void *data, unsigned len)
{
	struct rtc *r = dev;
	uint8_t v = *(const uint8_t *)data;

	pthread_mutex_lock(&r->lock);
	if (off == 0)
		r->index = v & 0x7f; /* bit 7 masks NMIs */
	else if (r->index == REG_B)
		r->ram[REG_B] = (uint8_t)(v | REG_B_24H);
	else if (r->index != REG_C && r->index != REG_D)
		r->ram[r->index] = v;
	pthread_mutex_unlock(&r->lock);
}

static const struct bus_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

struct rtc *rtc_create(struct vm *vm, struct err **e)
{
	struct rtc *r = xcalloc(1, sizeof(*r));

	r->vm = vm;
	r->ram[REG_A] = 0x26; /* 32.768 kHz, 1024 Hz */
	r->ram[REG_B] = REG_B_24H;
	pthread_mutex_init(&r->lock, NULL);
	if (bus_add(&vm->pio, RTC_PORT, 2, &rtc_ops, r, "rtc", e) < 0) {
		rtc_destroy(r);
		return NULL;
	}
	return r;
}

void rtc_destroy(struct rtc *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void rtc_save(struct rtc *r, struct state_wr *w)
{
	pthread_mutex_lock(&r->lock);
	state_wr_begin(w, STATE_SEC_RTC, 0, STATE_SEC_REQUIRED);
	state_put_u8(w, r->index);
	state_put_bytes(w, r->ram, sizeof(r->ram));
	state_wr_end(w);
	pthread_mutex_unlock(&r->lock);
}

int rtc_load(struct rtc *r, const struct state_sec *sec, struct err **e)
{
	struct state_rd rd;
	uint8_t index, ram[128];

	state_rd_init(&rd, sec);
	index = state_get_u8(&rd);
	state_get_bytes(&rd, ram, sizeof(ram));
	if (!state_rd_done(&rd))
		return err_set(e, EINVAL, "section '%s' is malformed",
			       sec->name);
	pthread_mutex_lock(&r->lock);
	r->index = index & 0x7f;
	memcpy(r->ram, ram, sizeof(ram));
	pthread_mutex_unlock(&r->lock);
	return 0;
}
