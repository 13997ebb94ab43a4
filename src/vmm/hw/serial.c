// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A 16550A UART as Linux's 8250 driver and our guests use it: receive
 * FIFO, transmit that completes at once, interrupts for received data,
 * transmitter empty and line status, loopback for the driver's probe.
 */
#include <errno.h>
#include <pthread.h>

#include "vmm/hw/devices.h"
#include "vmm/vm.h"

#define RX_BUF 4096

#define UART_IER_RDI  0x01
#define UART_IER_THRI 0x02
#define UART_IER_RLSI 0x04
#define UART_IER_MSI  0x08

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_FIFO	0xc0

#define UART_LCR_DLAB 0x80
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR   0x01
#define UART_LSR_OE   0x02
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40
#define UART_FCR_FIFO 0x01
#define UART_FCR_CLRX 0x02

struct serial {
	struct vm *vm;
	pthread_mutex_t lock;
	int out_fd;
	int log_fd; /* a copy of what is sent, or -1 */
	uint8_t ier, lcr, mcr, lsr, msr, scr, fcr, dll, dlm;
	int thr_pending; /* "transmitter empty" interrupt owed */
	int irq_level;
	uint8_t rx[RX_BUF];
	unsigned rx_head, rx_count;
	uint64_t tx_bytes, rx_bytes, rx_dropped, tx_dropped;
};

static uint8_t serial_iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & UART_FCR_FIFO) ? UART_IIR_FIFO : 0;

	if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_OE))
		return fifo | UART_IIR_RLSI;
	if ((s->ier & UART_IER_RDI) && s->rx_count)
		return fifo | UART_IIR_RDI;
	if ((s->ier & UART_IER_THRI) && s->thr_pending)
		return fifo | UART_IIR_THRI;
	if ((s->ier & UART_IER_MSI) && (s->msr & 0x0f))
		return fifo | UART_IIR_MSI;
	return fifo | UART_IIR_NO_INT;
}

static void serial_update_irq(struct serial *s)
{
	int level = !(serial_iir(s) & UART_IIR_NO_INT);

	if (level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(s->vm, VM_IRQ_SERIAL, level);
	}
}

static void rx_push(struct serial *s, uint8_t c)
{
	if (s->rx_count == RX_BUF) {
		s->lsr |= UART_LSR_OE;
		s->rx_dropped++;
		return;
	}
	s->rx[(s->rx_head + s->rx_count) % RX_BUF] = c;
	s->rx_count++;
	s->rx_bytes++;
}

static uint8_t rx_pop(struct serial *s)
{
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % RX_BUF;
	s->rx_count--;
	return c;
}

/* Modem status: in loopback, the outputs come back as inputs. */
static uint8_t serial_msr(const struct serial *s)
{
	uint8_t m = s->mcr;

	if (!(s->mcr & UART_MCR_LOOP))
		return 0xb0; /* DCD, DSR, CTS */
	return (uint8_t)(((m & 0x01) << 5) | ((m & 0x02) << 3) |
			 ((m & 0x04) << 4) | ((m & 0x08) << 4));
}

static uint8_t serial_read_reg(struct serial *s, unsigned reg)
{
	uint8_t v, iir;

	switch (reg) {
	case 0:
		if (s->lcr & UART_LCR_DLAB)
			return s->dll;
		return rx_pop(s);
	case 1:
		return (s->lcr & UART_LCR_DLAB) ? s->dlm : s->ier;
	case 2:
		iir = serial_iir(s);
		if ((iir & 0x0f) == UART_IIR_THRI)
			s->thr_pending = 0;
		return iir;
	case 3:
		return s->lcr;
	case 4:
		return s->mcr;
	case 5:
		v = s->lsr | UART_LSR_THRE | UART_LSR_TEMT;
		if (s->rx_count)
			v |= UART_LSR_DR;
		s->lsr &= (uint8_t)~UART_LSR_OE;
		return v;
	case 6:
		v = serial_msr(s);
		s->msr &= 0xf0;
		return v;
	default:
		return s->scr;
	}
}

static void serial_transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & UART_MCR_LOOP) {
		rx_push(s, c);
	} else {
		s->tx_bytes++;
		/* A console that is gone or full loses the byte. */
		if (s->out_fd >= 0 && write_full(s->out_fd, &c, 1) < 0)
			s->tx_dropped++;
		if (s->log_fd >= 0)
			(void)write_full(s->log_fd, &c, 1);
	}
	s->thr_pending = 1; /* sent at once: the register is empty again */
}

static void serial_write_reg(struct serial *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case 0:
		if (s->lcr & UART_LCR_DLAB)
			s->dll = v;
		else
			serial_transmit(s, v);
		break;
	case 1:
		if (s->lcr & UART_LCR_DLAB) {
			s->dlm = v;
			break;
		}
		if (!(s->ier & UART_IER_THRI) && (v & UART_IER_THRI))
			s->thr_pending = 1;
		s->ier = v & 0x0f;
		break;
	case 2:
		s->fcr = v & 0xc9;
		if (v & UART_FCR_CLRX)
			s->rx_count = 0;
		break;
	case 3:
		s->lcr = v;
		break;
	case 4:
		s->mcr = v & 0x1f;
		break;
	case 7:
		s->scr = v;
		break;
	default:
		break;
	}
}

static void serial_io_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct serial *s = dev;

	memset(data, 0, len);
	pthread_mutex_lock(&s->lock);
	*(uint8_t *)data = serial_read_reg(s, (unsigned)off);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_io_write(void *dev, uint64_t off, const void *data,
			    unsigned len)
{
	struct serial *s = dev;

	pthread_mutex_lock(&s->lock);
	serial_write_reg(s, (unsigned)off, *(const uint8_t *)data);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static const struct bus_ops serial_ops = {
	.read = serial_io_read,
	.write = serial_io_write,
};

void serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < len; i++)
		rx_push(s, buf[i]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

uint64_t serial_tx_bytes(struct serial *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	n = s->tx_bytes;
	pthread_mutex_unlock(&s->lock);
	return n;
}

uint64_t serial_tx_dropped(struct serial *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	n = s->tx_dropped;
	pthread_mutex_unlock(&s->lock);
	return n;
}

uint64_t serial_rx_bytes(struct serial *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	n = s->rx_bytes;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void serial_set_log(struct serial *s, int log_fd)
{
	s->log_fd = log_fd;
}

struct serial *serial_create(struct vm *vm, int out_fd, struct err **e)
{
	struct serial *s = xcalloc(1, sizeof(*s));

	s->vm = vm;
	s->out_fd = out_fd;
	s->log_fd = -1;
	s->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	s->mcr = 0x08; /* OUT2 */
	pthread_mutex_init(&s->lock, NULL);
	if (bus_add(&vm->pio, SERIAL_COM1_BASE, 8, &serial_ops, s, "serial",
		    e) < 0) {
		serial_destroy(s);
		return NULL;
	}
	return s;
}

void serial_destroy(struct serial *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void serial_save(struct serial *s, struct state_wr *w)
{
	pthread_mutex_lock(&s->lock);
	state_wr_begin(w, STATE_SEC_SERIAL, 0, STATE_SEC_REQUIRED);
	state_put_bytes(w,
			(uint8_t[]){s->ier, s->lcr, s->mcr, s->lsr, s->msr,
				    s->scr, s->fcr, s->dll, s->dlm},
			9);
	state_put_u8(w, (uint8_t)s->thr_pending);
	state_put_u8(w, (uint8_t)s->irq_level);
	state_put_u32(w, s->rx_count);
	for (unsigned i = 0; i < s->rx_count; i++)
		state_put_u8(w, s->rx[(s->rx_head + i) % RX_BUF]);
	state_wr_end(w);
	pthread_mutex_unlock(&s->lock);
}

int serial_load(struct serial *s, const struct state_sec *sec, struct err **e)
{
	struct state_rd r;
	uint8_t regs[9];
	uint8_t thr, irq;
	uint32_t n;
	const uint8_t *rx;

	state_rd_init(&r, sec);
	state_get_bytes(&r, regs, sizeof(regs));
	thr = state_get_u8(&r);
	irq = state_get_u8(&r);
	n = state_get_u32(&r);
	rx = n <= RX_BUF ? state_get_ptr(&r, n) : NULL;
	if (!rx || !state_rd_done(&r))
		return err_set(e, EINVAL, "section '%s' is malformed",
			       sec->name);
	pthread_mutex_lock(&s->lock);
	s->ier = regs[0] & 0x0f;
	s->lcr = regs[1];
	s->mcr = regs[2] & 0x1f;
	s->lsr = regs[3];
	s->msr = regs[4];
	s->scr = regs[5];
	s->fcr = regs[6];
	s->dll = regs[7];
	s->dlm = regs[8];
	s->thr_pending = thr != 0;
	s->irq_level = irq != 0;
	s->rx_head = 0;
	s->rx_count = n;
	memcpy(s->rx, rx, n);
	pthread_mutex_unlock(&s->lock);
	return 0;
}
