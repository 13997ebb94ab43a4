// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The PC keyboard controller, as much as Linux's i8042 and atkbd drivers
 * need: the command byte, self tests, a keyboard that answers its
 * commands, the reset line (command 0xfe, or the output port's bit 0) and
 * Ctrl-Alt-Del from the host for a clean guest shutdown. No mouse.
 */
#include <errno.h>
#include <pthread.h>

#include "vmm/hw/devices.h"
#include "vmm/vm.h"

#define QUEUE 32

#define STS_OBF	 0x01
#define STS_SYS	 0x04
#define STS_CMD	 0x08
#define STS_AUX	 0x20
#define CTR_KINT 0x01
#define CTR_AINT 0x02
#define CTR_KDIS 0x10
#define CTR_ADIS 0x20
#define CTR_XLAT 0x40

#define KBD_ACK	 0xfa
#define KBD_PASS 0xaa

struct i8042 {
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t ctr;
	uint8_t status;
	uint8_t pending_cmd; /* controller command waiting for its data */
	uint8_t kbd_cmd;     /* keyboard command waiting for its argument */
	uint8_t out[QUEUE];
	uint8_t out_aux[QUEUE];
	unsigned head, count;
	int kbd_irq, aux_irq;
};

static void queue(struct i8042 *k, uint8_t v, int aux)
{
	unsigned i;

	if (k->count == QUEUE)
		return;
	i = (k->head + k->count) % QUEUE;
	k->out[i] = v;
	k->out_aux[i] = (uint8_t)aux;
	k->count++;
}

/* Each byte in the output buffer is a new edge on IRQ 1 or 12. */
static void update_irq(struct i8042 *k, int pulse)
{
	int aux = k->count && k->out_aux[k->head];
	int kbd = k->count && !aux && (k->ctr & CTR_KINT);
	int mouse = aux && (k->ctr & CTR_AINT);

	if (k->kbd_irq && (!kbd || pulse)) {
		vm_irq_line(k->vm, VM_IRQ_KBD, 0);
		k->kbd_irq = 0;
	}
	if (k->aux_irq && (!mouse || pulse)) {
		vm_irq_line(k->vm, VM_IRQ_AUX, 0);
		k->aux_irq = 0;
	}
	if (kbd && !k->kbd_irq) {
		vm_irq_line(k->vm, VM_IRQ_KBD, 1);
		k->kbd_irq = 1;
	}
	if (mouse && !k->aux_irq) {
		vm_irq_line(k->vm, VM_IRQ_AUX, 1);
		k->aux_irq = 1;
	}
}

static void kbd_write(struct i8042 *k, uint8_t v)
{
	if (k->kbd_cmd) {
		k->kbd_cmd = 0;
		queue(k, KBD_ACK, 0);
		return;
	}
	switch (v) {
	case 0xff: /* reset */
		queue(k, KBD_ACK, 0);
		queue(k, KBD_PASS, 0);
		break;
	case 0xf2: /* identify: an MF2 keyboard */
		queue(k, KBD_ACK, 0);
		queue(k, 0xab, 0);
		queue(k, 0x83, 0);
		break;
	case 0xee: /* echo */
		queue(k, 0xee, 0);
		break;
	case 0xed: /* LEDs */
	case 0xf0: /* scancode set */
	case 0xf3: /* typematic rate */
		k->kbd_cmd = v;
		queue(k, KBD_ACK, 0);
		break;
	default:
		queue(k, KBD_ACK, 0);
		break;
	}
}

/* Data written to port 0x60: an argument or a keyboard command. */
static void data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending_cmd;

	k->pending_cmd = 0;
	switch (cmd) {
	case 0x60:
		k->ctr = v;
		break;
	case 0xd1: /* output port: bit 0 low holds the CPU in reset */
		if (!(v & 1))
			vm_request_exit(k->vm, VM_EXIT_REBOOT, NULL);
		break;
	case 0xd2:
		queue(k, v, 0);
		break;
	case 0xd3:
	case 0xd4: /* no mouse: nothing answers */
		break;
	default:
		kbd_write(k, v);
		break;
	}
}

static void cmd_write(struct i8042 *k, uint8_t v)
{
	switch (v) {
	case 0x20:
		queue(k, k->ctr, 0);
		break;
	case 0x60:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xd4:
		k->pending_cmd = v;
		break;
	case 0xa7:
		k->ctr |= CTR_ADIS;
		break;
	case 0xa8:
		k->ctr &= (uint8_t)~CTR_ADIS;
		break;
	case 0xa9: /* aux interface test: clock line stuck low, no mouse */
		queue(k, 0x01, 0);
		break;
	case 0xaa:
		queue(k, 0x55, 0);
		break;
	case 0xab:
		queue(k, 0x00, 0);
		break;
	case 0xad:
		k->ctr |= CTR_KDIS;
		break;
	case 0xae:
		k->ctr &= (uint8_t)~CTR_KDIS;
		break;
	case 0xd0:
		queue(k, 0x03, 0); /* A20 on, not in reset */
		break;
	case 0xfe: /* pulse the reset line */
		vm_request_exit(k->vm, VM_EXIT_REBOOT, NULL);
		break;
	default:
		break;
	}
}

static void port_data_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct i8042 *k = dev;
	uint8_t v = 0;

	memset(data, 0, len);
	pthread_mutex_lock(&k->lock);
	if (k->count) {
		v = k->out[k->head];
		k->head = (k->head + 1) % QUEUE;
		k->count--;
	}
	update_irq(k, 1);
	pthread_mutex_unlock(&k->lock);
	*(uint8_t *)data = v;
}

static void port_status_read(void *dev, uint64_t off, void *data, unsigned len)
{
	struct i8042 *k = dev;
	uint8_t v;

	memset(data, 0, len);
	pthread_mutex_lock(&k->lock);
	v = k->status | STS_SYS;
	if (k->count)
		v |= STS_OBF | (k->out_aux[k->head] ? STS_AUX : 0);
	pthread_mutex_unlock(&k->lock);
	*(uint8_t *)data = v;
}

static void port_data_write(void *dev, uint64_t off, const void *data,
			    unsigned len)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	k->status &= (uint8_t)~STS_CMD;
	data_write(k, *(const uint8_t *)data);
	update_irq(k, 0);
	pthread_mutex_unlock(&k->lock);
}

static void port_cmd_write(void *dev, uint64_t off, const void *data,
			   unsigned len)
{
	struct i8042 *k = dev;

	pthread_mutex_lock(&k->lock);
	k->status |= STS_CMD;
	cmd_write(k, *(const uint8_t *)data);
	update_irq(k, 0);
	pthread_mutex_unlock(&k->lock);
}

static const struct bus_ops i8042_data_ops = {
	.read = port_data_read,
	.write = port_data_write,
};

static const struct bus_ops i8042_cmd_ops = {
	.read = port_status_read,
	.write = port_cmd_write,
};

void i8042_ctrl_alt_del(struct i8042 *k)
{
	/* Set 1 when the controller translates (Linux's default), else 2. */
	static const uint8_t set1[] = {0x1d, 0x38, 0xe0, 0x53,
				       0xe0, 0xd3, 0xb8, 0x9d};
	static const uint8_t set2[] = {0x14, 0x11, 0xe0, 0x71, 0xe0, 0xf0,
				       0x71, 0xf0, 0x11, 0xf0, 0x14};
	const uint8_t *seq;
	size_t n;

	pthread_mutex_lock(&k->lock);
	seq = (k->ctr & CTR_XLAT) ? set1 : set2;
	n = (k->ctr & CTR_XLAT) ? sizeof(set1) : sizeof(set2);
	for (size_t i = 0; i < n; i++)
		queue(k, seq[i], 0);
	update_irq(k, 0);
	pthread_mutex_unlock(&k->lock);
}

struct i8042 *i8042_create(struct vm *vm, struct err **e)
{
	struct i8042 *k = xcalloc(1, sizeof(*k));

	k->vm = vm;
	k->ctr = CTR_KINT | CTR_XLAT | 0x04;
	pthread_mutex_init(&k->lock, NULL);
	if (bus_add(&vm->pio, I8042_DATA_PORT, 1, &i8042_data_ops, k,
		    "i8042 data", e) < 0 ||
	    bus_add(&vm->pio, I8042_CMD_PORT, 1, &i8042_cmd_ops, k,
		    "i8042 command", e) < 0) {
		i8042_destroy(k);
		return NULL;
	}
	return k;
}

void i8042_destroy(struct i8042 *k)
{
	if (!k)
		return;
	pthread_mutex_destroy(&k->lock);
	free(k);
}

void i8042_save(struct i8042 *k, struct state_wr *w)
{
	pthread_mutex_lock(&k->lock);
	state_wr_begin(w, STATE_SEC_I8042, 0, STATE_SEC_REQUIRED);
	state_put_bytes(w,
			(uint8_t[]){k->ctr, k->status, k->pending_cmd,
				    k->kbd_cmd, (uint8_t)k->kbd_irq,
				    (uint8_t)k->aux_irq},
			6);
	state_put_u8(w, (uint8_t)k->count);
	for (unsigned i = 0; i < k->count; i++) {
		state_put_u8(w, k->out[(k->head + i) % QUEUE]);
		state_put_u8(w, k->out_aux[(k->head + i) % QUEUE]);
	}
	state_wr_end(w);
	pthread_mutex_unlock(&k->lock);
}

int i8042_load(struct i8042 *k, const struct state_sec *sec, struct err **e)
{
	struct state_rd r;
	uint8_t regs[6];
	unsigned n;
	const uint8_t *q;

	state_rd_init(&r, sec);
	state_get_bytes(&r, regs, sizeof(regs));
	n = state_get_u8(&r);
	q = n <= QUEUE ? state_get_ptr(&r, 2 * n) : NULL;
	if (!q || !state_rd_done(&r))
		return err_set(e, EINVAL, "section '%s' is malformed",
			       sec->name);
	pthread_mutex_lock(&k->lock);
	k->ctr = regs[0];
	k->status = regs[1];
	k->pending_cmd = regs[2];
	k->kbd_cmd = regs[3];
	k->kbd_irq = regs[4] != 0;
	k->aux_irq = regs[5] != 0;
	k->head = 0;
	k->count = n;
	for (unsigned i = 0; i < n; i++) {
		k->out[i] = q[2 * i];
		k->out_aux[i] = q[2 * i + 1] != 0;
	}
	pthread_mutex_unlock(&k->lock);
	return 0;
}
