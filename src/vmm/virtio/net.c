// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-net (5.1) on an existing tap device. The tap carries the 12-byte
 * virtio_net_hdr in front of each frame (IFF_VNET_HDR), so checksum and
 * segmentation offloads pass through untouched: the guest's transmit
 * chains go to the tap with one writev(), and received frames are copied
 * into the guest's receive buffers, spread over several of them with
 * mergeable receive buffers. When the guest has no receive buffer the tap
 * is not read until it posts some; when the tap cannot take a frame, the
 * frame stays in the transmit queue until the tap is writable again.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

#include "lib/log.h"
#include "lib/loop.h"
#include "vmm/state_format.h"
#include "vmm/virtio/devices.h"
#include "vmm/state_format.h"
#include "vmm/virtio/virtio.h"
#include "vmm/vm.h"
#include "vmm/vmconfig.h"

#define NET_F_CSUM	 (1ULL << 0)
#define NET_F_GUEST_CSUM (1ULL << 1)
#define NET_F_MAC	 (1ULL << 5)
#define NET_F_GUEST_TSO4 (1ULL << 7)
#define NET_F_GUEST_TSO6 (1ULL << 8)
#define NET_F_GUEST_ECN	 (1ULL << 9)
#define NET_F_HOST_TSO4	 (1ULL << 11)
#define NET_F_HOST_TSO6	 (1ULL << 12)
#define NET_F_HOST_ECN	 (1ULL << 13)
#define NET_F_MRG_RXBUF	 (1ULL << 15)
#define NET_F_STATUS	 (1ULL << 16)

#define RX_QUEUE      0
#define TX_QUEUE      1
#define NET_HDR_LEN   12
#define NET_FRAME_MAX (65536 + NET_HDR_LEN)
#define NET_MAX_BUFS  64 /* receive buffers one frame may take */

struct net_config {
	uint8_t mac[6];
	uint16_t status;
	uint16_t max_virtqueue_pairs;
} __attribute__((packed));

struct net {
	struct virtio_dev *dev;
	char tap_name[IFNAMSIZ];
	int tap_fd;
	struct loop_source *tap_src;
	int rx_waiting; /* tap reading stopped: no receive buffers */
	int tx_blocked; /* the tap was full: transmit waits for EPOLLOUT */
	int offloads_set;
	bool link_down; /* domif-setlink: frames dropped both ways */
	struct net_config config;
	uint8_t frame[NET_FRAME_MAX]; /* a frame read but not delivered */
	size_t frame_len;
	struct vq_req bufs[NET_MAX_BUFS]; /* receive chains of one frame */
};

static int mrg(const struct virtio_dev *d)
{
	return (d->driver_features & NET_F_MRG_RXBUF) != 0;
}

/* Tells the tap which offloads the guest can take on receive. */
static void set_offloads(struct net *n)
{
	uint64_t f = n->dev->driver_features;
	unsigned off = 0;

	if (f & NET_F_GUEST_CSUM) {
		off |= TUN_F_CSUM;
		if (f & NET_F_GUEST_TSO4)
			off |= TUN_F_TSO4;
		if (f & NET_F_GUEST_TSO6)
			off |= TUN_F_TSO6;
		if (f & NET_F_GUEST_ECN)
			off |= TUN_F_TSO_ECN;
	}
	if (ioctl(n->tap_fd, TUNSETOFFLOAD, off) < 0)
		log_warn("tap '%s': setting offloads: %s", n->tap_name,
			 strerror(errno));
	n->offloads_set = 1;
}

/* What the tap is watched for: frames to read, room to write. */
static void tap_watch(struct net *n)
{
	uint32_t ev =
		(n->rx_waiting ? 0 : EPOLLIN) | (n->tx_blocked ? EPOLLOUT : 0);

	if (n->tap_src)
		loop_fd_modify(n->dev->vm->loop, n->tap_src, ev);
}

/*
 * Sends one transmit request to the tap. Returns 0 when done with it
 * (sent, or dropped as malformed or refused), -EAGAIN when the tap is
 * full and the request must be offered again.
 */
static int tx_one(struct virtio_dev *d, const struct vq_req *r)
{
	struct net *n = d->priv;
	ssize_t w;

	if (r->out_len <= NET_HDR_LEN || r->out_len > NET_FRAME_MAX) {
		atomic_fetch_add(&d->stats.errors, 1);
		return 0;
	}
	if (n->link_down)
		return 0; /* no cable: the frame is lost, as on hardware */
	do
		w = writev(n->tap_fd, r->iov, (int)r->n_out);
	while (w < 0 && errno == EINTR);
	if (w < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
		return -EAGAIN;
	if (w < 0)
		atomic_fetch_add(&d->stats.errors, 1);
	else
		atomic_fetch_add(&d->stats.bytes_read,
				 r->out_len - NET_HDR_LEN);
	return 0;
}

/*
 * Moves the guest's frames to the tap. A frame the tap cannot take now
 * goes back on the available ring (it was only looked at) and the tap is
 * watched for EPOLLOUT; on_tap() comes back here then.
 */
static void tx(struct virtio_dev *d, struct vq *q)
{
	struct net *n = d->priv;
	struct vq_req r;
	int got, any = 0;

	n->tx_blocked = 0;
	while ((got = vq_pop(q, &r)) > 0) {
		if (tx_one(d, &r) == -EAGAIN) {
			q->last_avail = (uint16_t)(q->last_avail - 1);
			n->tx_blocked = 1;
			break;
		}
		atomic_fetch_add(&d->stats.requests, 1);
		vq_push(q, r.head, 0);
		any = 1;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (got < 0)
		virtio_dev_broken(d, q);
	tap_watch(n);
}

/*
 * Delivers the pending frame. Returns 1 when delivered (or dropped as
 * undeliverable), 0 when the guest lacks receive buffers, -1 when it
 * broke the queue.
 */
static int deliver(struct virtio_dev *d, struct vq *q)
{
	struct net *n = d->priv;
	struct vq_req *r = n->bufs;
	unsigned k = 0, max = mrg(d) ? NET_MAX_BUFS : 1;
	size_t done = 0;
	int got;

	while (done < n->frame_len && k < max) {
		got = vq_pop(q, &r[k]);
		if (got <= 0) {
			q->last_avail = (uint16_t)(q->last_avail - k);
			return got < 0 ? -1 : 0;
		}
		done += MIN(r[k].in_len, (uint64_t)(n->frame_len - done));
		k++;
	}
	if (k == 0 || done < n->frame_len || r[0].in_len < NET_HDR_LEN) {
		/* Buffers too small for the frame: the frame is dropped. */
		for (unsigned i = 0; i < k; i++)
			vq_push(q, r[i].head, 0);
		atomic_fetch_add(&d->stats.errors, 1);
		return 1;
	}
	if (mrg(d)) {
		uint16_t bufs = (uint16_t)k;

		memcpy(n->frame + 10, &bufs, 2); /* num_buffers */
	}
	done = 0;
	for (unsigned i = 0; i < k; i++) {
		size_t len = vq_req_write(&r[i], 0, n->frame + done,
					  n->frame_len - done);

		done += len;
		vq_push(q, r[i].head, (uint32_t)len);
	}
	atomic_fetch_add(&d->stats.bytes_written, n->frame_len - NET_HDR_LEN);
	atomic_fetch_add(&d->stats.requests, 1);
	return 1;
}

/* Moves frames from the tap to the guest while it has buffers. */
static void rx(struct virtio_dev *d)
{
	struct net *n = d->priv;
	struct vq *q = &d->vqs[RX_QUEUE];
	int any = 0, r = 1;

	if (!virtio_dev_running(d) || !q->ready)
		return;
	for (unsigned frames = 0; frames < 256; frames++) {
		if (!n->frame_len) {
			ssize_t got =
				read(n->tap_fd, n->frame, sizeof(n->frame));

			if (got <= NET_HDR_LEN)
				break; /* EAGAIN, or nothing useful */
			if (n->link_down)
				continue; /* read and lost */
			n->frame_len = (size_t)got;
		}
		r = deliver(d, q);
		if (r <= 0)
			break;
		n->frame_len = 0;
		any = 1;
	}
	if (any)
		virtio_dev_notify_used(d, q);
	if (r < 0)
		virtio_dev_broken(d, q);
	/* No buffers: stop reading the tap until the guest posts some. */
	n->rx_waiting = r == 0;
	tap_watch(n);
}

static void on_tap(struct loop *l, int fd, uint32_t events, void *opaque)
{
	struct virtio_dev *d = opaque;
	struct net *n = d->priv;

	pthread_mutex_lock(&d->lock);
	if (!virtio_dev_running(d)) {
		loop_fd_modify(l, n->tap_src, 0);
	} else {
		if ((events & (EPOLLOUT | EPOLLERR)) && n->tx_blocked &&
		    d->vqs[TX_QUEUE].ready)
			tx(d, &d->vqs[TX_QUEUE]);
		if (events & ~EPOLLOUT)
			rx(d);
	}
	pthread_mutex_unlock(&d->lock);
}

static void net_notify(struct virtio_dev *d, unsigned q)
{
	struct net *n = d->priv;

	if (!n->offloads_set)
		set_offloads(n);
	if (q == TX_QUEUE && !n->tx_blocked)
		tx(d, &d->vqs[q]);
	else if (q == RX_QUEUE)
		rx(d);
}

static void net_reset(struct virtio_dev *d)
{
	struct net *n = d->priv;

	n->frame_len = 0;
	n->offloads_set = 0;
	n->rx_waiting = 1;
	n->tx_blocked = 0;
	tap_watch(n);
}

static void net_config_read(struct virtio_dev *d, uint64_t off, void *data,
			    unsigned len)
{
	struct net *n = d->priv;

	if (off < sizeof(n->config) && len <= sizeof(n->config) - off)
		memcpy(data, (uint8_t *)&n->config + off, len);
}

static void net_destroy(struct virtio_dev *d)
{
	struct net *n = d->priv;

	if (n->tap_src)
		loop_source_del(d->vm->loop, n->tap_src);
	close_safe(n->tap_fd);
	free(n);
}

/* The link (domif-setlink) and whether the tap's offloads are set. */
static void net_save(struct virtio_dev *d, struct state_wr *w)
{
	struct net *n = d->priv;

	state_put_u8(w, n->link_down);
}

static int net_load(struct virtio_dev *d, struct state_rd *r, struct err **e)
{
	struct net *n = d->priv;
	uint8_t down = state_get_u8(r);

	if (r->bad)
		return err_set(e, EINVAL, "no link state");
	n->link_down = down != 0;
	n->config.status = n->link_down ? 0 : 1;
	/* The tap is new: its offloads follow the negotiated features. */
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		set_offloads(n);
	return 0;
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.n_queues = 2,
	.queue_max = 256,
	.features = NET_F_CSUM | NET_F_GUEST_CSUM | NET_F_MAC |
		    NET_F_GUEST_TSO4 | NET_F_GUEST_TSO6 | NET_F_GUEST_ECN |
		    NET_F_HOST_TSO4 | NET_F_HOST_TSO6 | NET_F_HOST_ECN |
		    NET_F_MRG_RXBUF | NET_F_STATUS,
	.config_read = net_config_read,
	.queue_notify = net_notify,
	.reset = net_reset,
	.save = net_save,
	.load = net_load,
	.destroy = net_destroy,
};

static void default_mac(uint8_t mac[6], const char *tap, unsigned index)
{
	uint32_t h = 2166136261U;

	for (const char *p = tap; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619U;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)(h + index);
}

bool virtio_net_has_mac(const struct virtio_dev *d, const uint8_t mac[6])
{
	const struct net *n = d->ops == &net_ops ? d->priv : NULL;

	return n && !memcmp(n->config.mac, mac, 6);
}

/*
 * The link status bit (VIRTIO_NET_S_LINK_UP in the config's status, with
 * VIRTIO_NET_F_STATUS offered) and a configuration change interrupt, so
 * that the guest's driver reads it again (virtio 1.1, 5.1.4.2).
 */
void virtio_net_set_link(struct virtio_dev *d, bool up)
{
	struct net *n = d->priv;

	pthread_mutex_lock(&d->lock);
	if (n->link_down != !up) {
		n->link_down = !up;
		n->config.status = up ? 1 : 0;
		virtio_dev_config_changed(d);
	}
	pthread_mutex_unlock(&d->lock);
}

bool virtio_net_link_up(const struct virtio_dev *d)
{
	const struct net *n = d->priv;

	return !n->link_down;
}

struct virtio_dev *virtio_net_create_fd(struct vm *vm, int fd, const char *name,
					const uint8_t mac[6], struct err **e)
{
	struct net *n = xcalloc(1, sizeof(*n));

	n->tap_fd = fd;
	n->rx_waiting = 1;
	snprintf(n->tap_name, sizeof(n->tap_name), "%s", name);
	memcpy(n->config.mac, mac, 6);
	n->config.status = 1; /* link up */
	n->config.max_virtqueue_pairs = 1;
	n->dev = virtio_dev_create(vm, &net_ops, n, e);
	if (!n->dev)
		return NULL; /* n (and fd) freed by the device's destroy */
	if (vm->loop) {
		n->tap_src =
			loop_fd_add(vm->loop, n->tap_fd, 0, on_tap, n->dev, e);
		if (!n->tap_src) {
			virtio_dev_destroy(n->dev);
			return NULL;
		}
	}
	return n->dev;
}

struct virtio_dev *virtio_net_create(struct vm *vm,
				     const struct config_net *cfg,
				     unsigned index, struct err **e)
{
	/* Attached by host_open() before the sandbox. */
	_cleanup_close_ int fd = steal_fd(vm->cfg->host.tap_fds[index]);
	int hdr = NET_HDR_LEN;
	struct virtio_dev *dev;
	uint8_t mac[6];

	if (fd < 0) {
		err_set(e, EBADF, "net %u: tap '%s' is not open", index,
			cfg->tap);
		return NULL;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		err_sys(e, errno, "net %u: tap '%s': setting the header size",
			index, cfg->tap);
		return NULL;
	}
	if (cfg->has_mac)
		memcpy(mac, cfg->mac, 6);
	else
		default_mac(mac, cfg->tap, index);
	dev = virtio_net_create_fd(vm, steal_fd(fd), cfg->tap, mac, e);
	if (dev && cfg->link_down) {
		struct net *n = dev->priv;

		n->link_down = true;
		n->config.status = 0;
	}
	return dev;
}
