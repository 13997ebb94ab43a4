// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-net: the guest (10.0.2.15) asks the host end of its tap
 * (10.0.2.1, in the test's network namespace) for its MAC address with
 * ARP, then pings it, with mergeable receive buffers negotiated.
 */
#include "lib/virtio.h"

#define F_MAC	  (1ULL << 5)
#define F_MRG_RXB (1ULL << 15)
#define F_STATUS  (1ULL << 16)
#define HDR	  12

static const uint8_t my_ip[4] = {10, 0, 2, 15};
static const uint8_t host_ip[4] = {10, 0, 2, 1};
static uint8_t my_mac[6], host_mac[6];
static uint8_t txbuf[HDR + 1514], rxbuf[HDR + 2048];
static struct gvdev d;

static uint16_t be16(uint16_t v)
{
	return (uint16_t)(v << 8 | v >> 8);
}

static uint16_t csum(const uint8_t *p, unsigned n)
{
	uint32_t s = 0;

	for (unsigned i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int send(unsigned len)
{
	struct gbuf b = {txbuf, HDR + len, 0};

	memset(txbuf, 0, HDR); /* no offloads in this frame */
	virtio_submit(&d, 1, &b, 1);
	return virtio_wait(&d, 1, 0, 1000000000UL);
}

/* Receives one frame into rxbuf; returns its length without the header. */
static int receive(void)
{
	struct gbuf b = {rxbuf, sizeof(rxbuf), 1};
	uint32_t len = 0;

	virtio_submit(&d, 0, &b, 1);
	if (virtio_wait(&d, 0, &len, 3000000000UL) < 0 || len < HDR)
		return -1;
	return (int)(len - HDR);
}

static void eth(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, my_mac, 6);
	put16(f + 12, type);
}

static int arp(void)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t *f = txbuf + HDR, *a = f + 14;

	eth(f, bcast, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1); /* request */
	memcpy(a + 8, my_mac, 6);
	memcpy(a + 14, my_ip, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, host_ip, 4);
	if (send(60) < 0)
		return -1;
	for (int tries = 0; tries < 20; tries++) {
		int n = receive();
		uint8_t *r = rxbuf + HDR;

		if (n < 0)
			return -1;
		if (n >= 42 && r[12] == 0x08 && r[13] == 0x06 && r[21] == 2 &&
		    memcmp(r + 28, host_ip, 4) == 0) {
			memcpy(host_mac, r + 22, 6);
			return 0;
		}
	}
	return -1;
}

static int ping(void)
{
	uint8_t *f = txbuf + HDR, *ip = f + 14, *icmp = ip + 20;
	static const char payload[] = "nido-ping";
	unsigned icmp_len = 8 + sizeof(payload);

	eth(f, host_mac, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + icmp_len));
	ip[8] = 64;
	ip[9] = 1; /* ICMP */
	memcpy(ip + 12, my_ip, 4);
	memcpy(ip + 16, host_ip, 4);
	put16(ip + 10, csum(ip, 20));
	memset(icmp, 0, 8);
	icmp[0] = 8; /* echo request */
	put16(icmp + 4, 0x1234);
	put16(icmp + 6, 1);
	memcpy(icmp + 8, payload, sizeof(payload));
	put16(icmp + 2, csum(icmp, icmp_len));
	if (send(14 + 20 + icmp_len) < 0)
		return -1;
	for (int tries = 0; tries < 20; tries++) {
		int n = receive();
		uint8_t *r = rxbuf + HDR;

		if (n < 0)
			return -1;
		if (n >= 42 && r[12] == 0x08 && r[13] == 0x00 && r[23] == 1 &&
		    r[34] == 0 && memcmp(r + 42, payload, sizeof(payload)) == 0)
			return 0;
	}
	return -1;
}

void guest_main(void)
{
	uintptr_t base = virtio_find(1, 0);
	uint16_t status;
	uint32_t lo, hi;

	if (!tap_ok(base != 0, "virtio-net device found"))
		return;
	tap_ok(virtio_init(&d, base, F_MAC | F_MRG_RXB | F_STATUS, 2) == 0,
	       "virtio-net initialised with MAC, mergeable rx, status");
	lo = vio_read(&d, VIO_CONFIG);
	hi = vio_read(&d, VIO_CONFIG + 4);
	memcpy(my_mac, &lo, 4);
	memcpy(my_mac + 4, &hi, 2);
	status = (uint16_t)(hi >> 16);
	tap_ok(my_mac[0] == 0x52 && my_mac[1] == 0x54,
	       "MAC %x:%x:%x:%x:%x:%x from the config space", my_mac[0],
	       my_mac[1], my_mac[2], my_mac[3], my_mac[4], my_mac[5]);
	tap_ok(status & 1, "link is up");
	tap_ok(arp() == 0, "ARP: the host end answers with its MAC");
	tap_ok(ping() == 0, "ICMP echo: the host end answers the ping");
	(void)be16;
}
