// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-console (5.3). Without channels: one port, no multiport, the
 * transmit queue goes to the console's output and host input waits in
 * a buffer until the guest posts receive buffers. With channels:
 * VIRTIO_CONSOLE_F_MULTIPORT, port 0 the console (when --virtio-console
 * asks for one) and ports 1.. the named channels (channel.h), set up
 * through the control queues (5.3.6.2): the driver says DEVICE_READY,
 * the device adds each port (PORT_ADD), the driver says PORT_READY, the
 * device names it (PORT_NAME) and says whether its host end is open
 * (PORT_OPEN); the driver says PORT_OPEN when a program opens it.
 *
 * The guest drives the control queue: a message too short, for a port
 * that does not exist, or out of order is counted and ignored; what
 * the device has to say waits for the guest's buffers as a few bits
 * per port (SAY_*), so a guest that asks again and again, or never
 * takes the answers, makes nothing grow.
 */
#include <endian.h>
#include <errno.h>
#include <json-c/json.h>

#include "lib/log.h"
#include "vmm/api.h"
#include "vmm/channel.h"
#include "vmm/state_format.h"
#include "vmm/virtio/devices.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"

#define RX_QUEUE   0
#define TX_QUEUE   1
#define CTL_RX	   2 /* device to driver */
#define CTL_TX	   3 /* driver to device */
#define RX_PENDING 4096
#define MAX_PORTS  VIRTIO_CONSOLE_MAX_PORTS

#define F_MULTIPORT (1ULL << 1)

enum {
	DEVICE_READY = 0,
	PORT_ADD = 1,
	PORT_REMOVE = 2,
	PORT_READY = 3,
	CONSOLE_PORT = 4,
	RESIZE = 5,
	PORT_OPEN = 6,
	PORT_NAME = 7,
};

/* What the device has to tell the driver about a port, in this order. */
#define SAY_ADD	    1
#define SAY_CONSOLE 2
#define SAY_NAME    4
#define SAY_OPEN    8 /* the host end's state, as it is when sent */

struct ctl_msg {
	uint32_t id;
	uint16_t event, value;
};

struct vcon_port {
	struct channel *ch; /* NULL: port 0, the console */
	const char *name;   /* borrowed from the configuration */
	bool ready;	    /* the driver said PORT_READY */
	bool guest_open;    /* the driver said PORT_OPEN 1 */
	bool host_open;	    /* a client on the channel's socket */
	uint8_t say;	    /* SAY_*: control messages not sent yet */
	uint8_t pending[RX_PENDING];
	size_t n_pending;
};

struct vcon {
	int out_fd;
	int log_fd;	   /* the console port's output copied, or -1 */
	bool console_port; /* port 0 exists (multiport: is the console) */
	unsigned n_ports;  /* 1 + the channels */
	struct vcon_port ports[MAX_PORTS];
};

static bool multiport(const struct virtio_dev *d)
{
	return d->driver_features & F_MULTIPORT;
}

static unsigned rx_queue(unsigned port)
{
	return port ? 2 + 2 * port : RX_QUEUE;
}

static void ctl_flush(struct virtio_dev *d);

/* After a pass over queue @q: an interrupt when buffers were used
 * (@any), the device broken when the guest's ring was (@n < 0). */
static void end_pass(struct virtio_dev *d, struct vq *q, int any, int n)
{
	if (any)
		virtio_dev_notify_used(d, q);
	if (n < 0)
		virtio_dev_broken(d, q);
}

/* Says @what about @port once the driver gives a buffer. Whatever the
 * driver asks again and again, a port has at most four to say. */
static void ctl_send(struct virtio_dev *d, unsigned port, uint8_t what)
{
	((struct vcon *)d->priv)->ports[port].say |= what;
	ctl_flush(d);
}

/* The next message to say, taken off the ports' lists; false: none. */
static bool next_msg(struct vcon *c, struct ctl_msg *m)
{
	static const struct {
		uint8_t bit;
		uint16_t event;
	} order[] = {{SAY_ADD, PORT_ADD},
		     {SAY_CONSOLE, CONSOLE_PORT},
		     {SAY_NAME, PORT_NAME},
		     {SAY_OPEN, PORT_OPEN}};

	for (unsigned i = 0; i < c->n_ports; i++) {
		struct vcon_port *p = &c->ports[i];

		for (unsigned k = 0; p->say && k < ARRAY_SIZE(order); k++) {
			if (!(p->say & order[k].bit))
				continue;
			p->say &= (uint8_t)~order[k].bit;
			*m = (struct ctl_msg){
				i, order[k].event,
				order[k].bit == SAY_OPEN ? p->host_open : 1};
			return true;
		}
	}
	return false;
}

/* The control messages waiting, into the driver's control buffers. */
static void ctl_flush(struct virtio_dev *d)
{
	struct vcon *c = d->priv;
	struct vq *q = &d->vqs[CTL_RX];
	struct ctl_msg m;
	struct vq_req r;
	int n = 0, any = 0;

	if (!virtio_dev_running(d) || !q->ready)
		return;
	for (;;) {
		uint8_t buf[8 + CONFIG_CHANNEL_NAME_MAX + 1];
		uint32_t id;
		uint16_t ev, val;
		size_t len = 8;
		bool pending = false;

		for (unsigned i = 0; i < c->n_ports; i++)
			pending |= c->ports[i].say != 0;
		if (!pending || (n = vq_pop(q, &r)) <= 0 || !next_msg(c, &m))
			break;
		id = htole32(m.id);
		ev = htole16(m.event);
		val = htole16(m.value);
		memcpy(buf, &id, 4);
		memcpy(buf + 4, &ev, 2);
		memcpy(buf + 6, &val, 2);
		if (m.event == PORT_NAME) {
			const char *name = c->ports[m.id].name;

			/* the name, NUL-terminated as Linux reads it */
			len += strlen(name) + 1;
			memcpy(buf + 8, name, len - 8);
		}
		len = vq_req_write(&r, 0, buf, len);
		vq_push(q, r.head, (uint32_t)len);
		atomic_fetch_add(&d->stats.requests, 1);
		any = 1;
	}
	end_pass(d, q, any, n);
}

static void port_rx(struct virtio_dev *d, unsigned port)
{
	struct vcon *c = d->priv;
	struct vcon_port *p = &c->ports[port];
	struct vq *q = &d->vqs[rx_queue(port)];
	struct vq_req r;
	int n = 0, any = 0;

	if (!q->ready)
		return;
	while (p->n_pending && (n = vq_pop(q, &r)) > 0) {
		size_t len = vq_req_write(&r, 0, p->pending, p->n_pending);

		memmove(p->pending, p->pending + len, p->n_pending - len);
		p->n_pending -= len;
		vq_push(q, r.head, (uint32_t)len);
		atomic_fetch_add(&d->stats.bytes_written, len);
		atomic_fetch_add(&d->stats.requests, 1);
		any = 1;
	}
	end_pass(d, q, any, n);
	if (!p->n_pending) /* the socket is read again once all is taken */
		channel_kick(p->ch);
}

static void port_tx(struct virtio_dev *d, unsigned port, struct vq *q)
{
	struct vcon *c = d->priv;
	struct vcon_port *p = &c->ports[port];
	struct vq_req r;
	int n = 0, any = 0;

	while ((!p->ch || !channel_busy(p->ch)) && (n = vq_pop(q, &r)) > 0) {
		for (unsigned i = 0; i < r.n_out; i++) {
			const struct iovec *v = &r.iov[i];

			/* A console that is gone or full loses the data;
			 * a channel keeps up to its limit. */
			if (p->ch ? !channel_write(p->ch, v->iov_base,
						   v->iov_len)
				  : c->out_fd >= 0 &&
					    write_full(c->out_fd, v->iov_base,
						       v->iov_len) < 0)
				atomic_fetch_add(&d->stats.errors, 1);
			if (!p->ch && c->log_fd >= 0)
				(void)write_full(c->log_fd, v->iov_base,
						 v->iov_len);
		}
		atomic_fetch_add(&d->stats.bytes_read, r.out_len);
		atomic_fetch_add(&d->stats.requests, 1);
		vq_push(q, r.head, 0);
		any = 1;
	}
	end_pass(d, q, any, n);
}

static void emit_open(struct virtio_dev *d, unsigned port, bool open)
{
	struct vcon *c = d->priv;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event",
			       json_object_new_string("vserport-change"));
	json_object_object_add(o, "name",
			       json_object_new_string(c->ports[port].name));
	json_object_object_add(o, "open", json_object_new_boolean(open));
	api_emit(d->vm->api,
		 json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static void set_guest_open(struct virtio_dev *d, unsigned port, bool open)
{
	struct vcon_port *p = &((struct vcon *)d->priv)->ports[port];

	if (p->guest_open == open)
		return;
	p->guest_open = open;
	if (!open)
		p->n_pending = 0; /* what the closed port did not read */
	if (p->ch)
		emit_open(d, port, open);
	if (open)
		channel_kick(p->ch);
}

static bool port_exists(const struct vcon *c, uint32_t id)
{
	return id < c->n_ports && (id > 0 || c->console_port);
}

static void ctl_message(struct virtio_dev *d, const struct ctl_msg *m)
{
	struct vcon *c = d->priv;
	struct vcon_port *p = port_exists(c, m->id) ? &c->ports[m->id] : NULL;

	if (m->event == DEVICE_READY) {
		if (m->value != 1) {
			log_warn("virtio-console: the guest failed to set up "
				 "its ports");
			return;
		}
		for (unsigned i = 0; i < c->n_ports; i++)
			if (port_exists(c, i))
				ctl_send(d, i, SAY_ADD);
		return;
	}
	if (!p) {
		atomic_fetch_add(&d->stats.errors, 1);
		return;
	}
	if (m->event == PORT_READY && m->value == 1 && !p->ready) {
		p->ready = true;
		ctl_send(d, m->id,
			 (m->id == 0 ? SAY_CONSOLE : 0) |
				 (p->name ? SAY_NAME : 0) |
				 (p->host_open ? SAY_OPEN : 0));
	} else if (m->event == PORT_OPEN && p->ready) {
		set_guest_open(d, m->id, m->value != 0);
		port_rx(d, m->id);
	} else {
		atomic_fetch_add(&d->stats.errors, 1);
	}
}

static void ctl_tx(struct virtio_dev *d, struct vq *q)
{
	struct vq_req r;
	int n, any = 0;

	while ((n = vq_pop(q, &r)) > 0) {
		uint8_t buf[8];
		struct ctl_msg m;

		if (vq_req_read(&r, 0, buf, sizeof(buf)) == sizeof(buf)) {
			memcpy(&m.id, buf, 4);
			memcpy(&m.event, buf + 4, 2);
			memcpy(&m.value, buf + 6, 2);
			m.id = le32toh(m.id);
			m.event = le16toh(m.event);
			m.value = le16toh(m.value);
			ctl_message(d, &m);
		} else {
			atomic_fetch_add(&d->stats.errors, 1);
		}
		atomic_fetch_add(&d->stats.requests, 1);
		vq_push(q, r.head, 0);
		any = 1;
	}
	end_pass(d, q, any, n);
}

static void vcon_notify(struct virtio_dev *d, unsigned q)
{
	struct vcon *c = d->priv;
	unsigned port = q < 2 ? 0 : q / 2 - 1;

	if (q >= 2 && !multiport(d))
		return; /* queues of ports the driver does not know */
	if (q == CTL_RX)
		ctl_flush(d);
	else if (q == CTL_TX)
		ctl_tx(d, &d->vqs[q]);
	else if (port >= c->n_ports)
		return;
	else if (q % 2)
		port_tx(d, port, &d->vqs[q]);
	else
		port_rx(d, port);
}

static void vcon_reset(struct virtio_dev *d)
{
	struct vcon *c = d->priv;

	for (unsigned i = 0; i < c->n_ports; i++) {
		set_guest_open(d, i, false);
		c->ports[i].ready = false;
		c->ports[i].n_pending = 0;
		c->ports[i].say = 0;
	}
}

static void vcon_destroy(struct virtio_dev *d)
{
	free(d->priv);
}

/* cols, rows, max_nr_ports, emerg_wr */
static void vcon_config_read(struct virtio_dev *d, uint64_t off, void *data,
			     unsigned len)
{
	uint32_t cfg[3] = {0, htole32(MAX_PORTS), 0};

	if (off + len <= sizeof(cfg))
		memcpy(data, (uint8_t *)cfg + off, len);
}

static void save_pending(struct state_wr *w, const struct vcon_port *p)
{
	state_put_u32(w, (uint32_t)p->n_pending);
	state_put_bytes(w, p->pending, p->n_pending);
}

static int load_pending(struct state_rd *r, struct vcon_port *p, struct err **e)
{
	uint32_t n = state_get_u32(r);
	const uint8_t *b = n <= RX_PENDING ? state_get_ptr(r, n) : NULL;

	if (!b)
		return err_set(e, EINVAL, "bad pending input length %u", n);
	memcpy(p->pending, b, n);
	p->n_pending = n;
	return 0;
}

/* Host input the guest has not taken yet. */
static void vcon_save(struct virtio_dev *d, struct state_wr *w)
{
	save_pending(w, &((struct vcon *)d->priv)->ports[0]);
}

static int vcon_load(struct virtio_dev *d, struct state_rd *r, struct err **e)
{
	return load_pending(r, &((struct vcon *)d->priv)->ports[0], e);
}

/* Multiport (docs/state-format.md): per port its flags, the control
 * messages it has to send and the host input waiting. */
static void vcon_mp_save(struct virtio_dev *d, struct state_wr *w)
{
	struct vcon *c = d->priv;

	state_put_u32(w, c->n_ports);
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct vcon_port *p = &c->ports[i];

		state_put_u8(w, (uint8_t)(p->ready | p->guest_open << 1 |
					  p->host_open << 2));
		state_put_u8(w, p->say);
		save_pending(w, p);
	}
}

static int vcon_mp_load(struct virtio_dev *d, struct state_rd *r,
			struct err **e)
{
	struct vcon *c = d->priv;
	uint32_t n = state_get_u32(r);

	if (r->bad || n != c->n_ports)
		return err_set(e, EINVAL,
			       "holds %u ports, the configuration %u", n,
			       c->n_ports);
	for (unsigned i = 0; i < n; i++) {
		struct vcon_port *p = &c->ports[i];
		uint8_t flags = state_get_u8(r), say = state_get_u8(r);
		bool host_was = flags & 4;

		if (load_pending(r, p, e) < 0)
			return -EINVAL;
		if (flags > 7 || say > 15 ||
		    ((flags || say) && !port_exists(c, i)))
			return err_set(e, EINVAL, "port %u: bad flags", i);
		p->ready = flags & 1;
		p->guest_open = flags & 2;
		p->say = say;
		/* the host end is this run's: the guest hears of a change
		 * (sent when the queues resume) */
		if (p->ready && p->ch && host_was != p->host_open)
			p->say |= SAY_OPEN;
	}
	return 0;
}

static const struct virtio_dev_ops vcon_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.n_queues = 2,
	.queue_max = 256,
	.queue_notify = vcon_notify,
	.reset = vcon_reset,
	.save = vcon_save,
	.load = vcon_load,
	.destroy = vcon_destroy,
};

static const struct virtio_dev_ops vcon_mp_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.n_queues = 2 + 2 * MAX_PORTS,
	.queue_max = 256,
	.features = F_MULTIPORT,
	.config_read = vcon_config_read,
	.queue_notify = vcon_notify,
	.reset = vcon_reset,
	.save = vcon_mp_save,
	.load = vcon_mp_load,
	.destroy = vcon_destroy,
};

void virtio_console_set_log(struct virtio_dev *d, int log_fd)
{
	((struct vcon *)d->priv)->log_fd = log_fd;
}

struct virtio_dev *virtio_console_create(
	struct vm *vm, int out_fd, bool console,
	const struct virtio_console_chan *chans, unsigned n_chans,
	struct err **e)
{
	struct vcon *c = xcalloc(1, sizeof(*c));
	struct virtio_dev *d;

	if (n_chans >= MAX_PORTS) {
		free(c);
		err_set(e, E2BIG, "virtio-console: %u channels (at most %d)",
			n_chans, MAX_PORTS - 1);
		return NULL;
	}
	c->out_fd = out_fd;
	c->log_fd = -1;
	c->console_port = console;
	c->n_ports = 1 + n_chans;
	for (unsigned i = 0; i < n_chans; i++) {
		c->ports[1 + i].name = chans[i].name;
		c->ports[1 + i].ch = chans[i].ch;
	}
	d = virtio_dev_create(vm, n_chans ? &vcon_mp_ops : &vcon_ops, c, e);
	for (unsigned i = 0; d && i < n_chans; i++)
		if (chans[i].ch)
			channel_attach(chans[i].ch, d, 1 + i);
	return d;
}

void virtio_console_receive(struct virtio_dev *d, const uint8_t *buf,
			    size_t len)
{
	struct vcon_port *p = &((struct vcon *)d->priv)->ports[0];

	pthread_mutex_lock(&d->lock);
	len = MIN(len, RX_PENDING - p->n_pending);
	memcpy(p->pending + p->n_pending, buf, len);
	p->n_pending += len;
	if (virtio_dev_running(d))
		port_rx(d, 0);
	pthread_mutex_unlock(&d->lock);
}

size_t virtio_console_port_room(struct virtio_dev *d, unsigned port)
{
	struct vcon_port *p = &((struct vcon *)d->priv)->ports[port];
	size_t room;

	pthread_mutex_lock(&d->lock);
	room = virtio_dev_running(d) && multiport(d) && p->guest_open
		       ? RX_PENDING - p->n_pending
		       : 0;
	pthread_mutex_unlock(&d->lock);
	return room;
}

void virtio_console_port_input(struct virtio_dev *d, unsigned port,
			       const uint8_t *buf, size_t len)
{
	struct vcon_port *p = &((struct vcon *)d->priv)->ports[port];

	pthread_mutex_lock(&d->lock);
	if (virtio_dev_running(d) && p->guest_open) {
		len = MIN(len, RX_PENDING - p->n_pending);
		memcpy(p->pending + p->n_pending, buf, len);
		p->n_pending += len;
		port_rx(d, port);
	}
	pthread_mutex_unlock(&d->lock);
}

void virtio_console_port_host(struct virtio_dev *d, unsigned port, bool open)
{
	struct vcon_port *p = &((struct vcon *)d->priv)->ports[port];

	pthread_mutex_lock(&d->lock);
	if (p->host_open != open) {
		p->host_open = open;
		if (p->ready)
			ctl_send(d, port, SAY_OPEN);
	}
	pthread_mutex_unlock(&d->lock);
}

void virtio_console_port_drained(struct virtio_dev *d, unsigned port)
{
	virtio_dev_kick(d, 3 + 2 * port);
}

bool virtio_console_channel(struct virtio_dev *d, unsigned i, const char **name,
			    bool *guest_open)
{
	struct vcon *c = d->priv;
	bool ok = 1 + i < c->n_ports;

	pthread_mutex_lock(&d->lock);
	if (ok) {
		*name = c->ports[1 + i].name;
		*guest_open = c->ports[1 + i].guest_open;
	}
	pthread_mutex_unlock(&d->lock);
	return ok;
}
