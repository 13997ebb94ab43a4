// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A guest agent on a multiport virtio-console, set up as Linux's
 * virtio_console does (MULTIPORT; DEVICE_READY; PORT_READY for each
 * PORT_ADD; the port's NAME; PORT_OPEN), answering qemu-ga's protocol
 * on the port named org.qemu.guest_agent.0: guest-sync-delimited,
 * guest-sync, guest-ping, guest-info, guest-shutdown (powers off).
 * Before it behaves it misbehaves: queue notifications before the
 * features are negotiated, control messages too short, for ports that
 * do not exist, of unknown events, and a flood of DEVICE_READY; and
 * "nido-flood" gets 1.5 MiB without a newline back.
 */
#include "lib/virtio.h"

#define CTL_RX	 2
#define CTL_TX	 3
#define PORT_RX	 4 /* port 1's */
#define PORT_TX	 5
#define AGENT	 "org.qemu.guest_agent.0"
#define LINE_MAX 4096

struct ctl {
	uint32_t id;
	uint16_t event, value;
};

static struct gvdev d;
static uint8_t ctl_in[256], port_in[512];
static struct ctl ctl_out;
static char line[LINE_MAX], reply[1024];
static size_t n_line;
static char flood[32768];

static void send_ctl(uint32_t id, uint16_t event, uint16_t value, uint32_t len)
{
	struct gbuf b = {&ctl_out, len, 0};

	ctl_out = (struct ctl){id, event, value};
	virtio_submit(&d, CTL_TX, &b, 1);
	virtio_wait(&d, CTL_TX, NULL, 100000000UL);
}

static void post(unsigned q, void *buf, uint32_t len)
{
	struct gbuf b = {buf, len, 1};

	virtio_submit(&d, q, &b, 1);
}

static void port_write(const void *buf, uint32_t len)
{
	struct gbuf b = {(void *)buf, len, 0};

	virtio_submit(&d, PORT_TX, &b, 1);
	virtio_wait(&d, PORT_TX, NULL, ~0UL);
}

static int has(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= n_line; i++)
		if (memcmp(line + i, s, n) == 0)
			return 1;
	return 0;
}

/* The number after "id": in the line. */
static uint64_t sync_id(void)
{
	uint64_t v = 0;

	for (size_t i = 0; i + 5 <= n_line; i++) {
		if (memcmp(line + i, "\"id\":", 5) != 0)
			continue;
		for (i += 5; i < n_line && line[i] == ' '; i++)
			;
		for (; i < n_line && line[i] >= '0' && line[i] <= '9'; i++)
			v = v * 10 + (uint64_t)(line[i] - '0');
		break;
	}
	return v;
}

static void answer(const char *s)
{
	port_write(s, (uint32_t)strlen(s));
}

static void answer_id(const char *prefix, uint64_t id)
{
	char digits[24];
	size_t n = 0, k = strlen(prefix);

	do
		digits[n++] = (char)('0' + id % 10);
	while ((id /= 10));
	memcpy(reply, prefix, k);
	while (n)
		reply[k++] = digits[--n];
	memcpy(reply + k, "}\n", 3);
	answer(reply);
}

static void command(void)
{
	if (has("\"guest-sync-delimited\"")) {
		answer("\xff");
		answer_id("{\"return\": ", sync_id());
	} else if (has("\"guest-sync\"")) {
		answer_id("{\"return\": ", sync_id());
	} else if (has("\"guest-ping\"")) {
		answer("{\"return\": {}}\n");
	} else if (has("\"guest-info\"")) {
		answer("{\"return\": {\"version\": \"nido-tiny-agent\", "
		       "\"supported_commands\": [{\"name\": \"guest-ping\", "
		       "\"enabled\": true, \"success-response\": true}]}}\n");
	} else if (has("\"guest-shutdown\"")) {
		poweroff();
	} else if (has("\"nido-flood\"")) {
		memset(flood, 'x', sizeof(flood));
		for (int i = 0; i < 48; i++) /* 1.5 MiB, no newline */
			port_write(flood, sizeof(flood));
		answer("\n");
	} else {
		answer("{\"error\": {\"class\": \"CommandNotFound\", "
		       "\"desc\": \"unknown command\"}}\n");
	}
}

static void port_input(uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		char ch = (char)port_in[i];

		if ((uint8_t)ch == 0xff) { /* drop a half-read line */
			n_line = 0;
		} else if (ch == '\n') {
			command();
			n_line = 0;
		} else if (n_line < LINE_MAX) {
			line[n_line++] = ch;
		}
	}
}

/* What a hostile driver does first; the device must shrug it off. */
static void misbehave(uintptr_t base)
{
	d.base = base;
	vio_write(&d, VIO_STATUS, 0);
	vio_write(&d, VIO_STATUS, VIO_S_ACK | VIO_S_DRIVER);
	for (unsigned q = 0; q < 20; q++)
		vio_write(&d, VIO_QUEUE_NOTIFY, q);
	vio_write(&d, VIO_QUEUE_NOTIFY, 0xffffffff);
}

static void misbehave_ctl(void)
{
	send_ctl(1, 3 /* PORT_READY */, 1, 3); /* too short */
	send_ctl(1000, 3, 1, 8);
	send_ctl(0xffffffff, 6 /* PORT_OPEN */, 1, 8);
	send_ctl(7, 6, 1, 8); /* a port that is not there */
	send_ctl(1, 6, 1, 8); /* open before it was added */
	send_ctl(1, 99, 1, 8);
	for (int i = 0; i < 100; i++) /* the device's answers pile up */
		send_ctl(0, 0 /* DEVICE_READY */, 1, 8);
}

void guest_main(void)
{
	uintptr_t base = virtio_find(3, 0);
	int added = 0, named = 0;
	uint32_t len;

	if (!tap_ok(base != 0, "virtio-console device found"))
		return;
	misbehave(base);
	if (!tap_ok(virtio_init(&d, base, 1ULL << 1 /* MULTIPORT */, 6) == 0,
		    "virtio-console initialised with MULTIPORT"))
		return;
	tap_ok(vio_read(&d, VIO_CONFIG + 4) >= 2, "max_nr_ports %u",
	       vio_read(&d, VIO_CONFIG + 4));
	post(CTL_RX, ctl_in, sizeof(ctl_in));
	misbehave_ctl();
	for (;;) {
		if (virtio_wait(&d, CTL_RX, &len, 1000) == 0) {
			struct ctl m;

			memcpy(&m, ctl_in, sizeof(m));
			tap_diag("control: port %u event %u value %u (%u)\n",
				 m.id, m.event, m.value, len);
			if (len >= 8 && m.event == 1 /* PORT_ADD */ &&
			    m.id == 1 && !added) {
				added = 1;
				post(PORT_RX, port_in, sizeof(port_in));
				send_ctl(1, 3 /* PORT_READY */, 1, 8);
			} else if (len > 8 && m.event == 7 /* NAME */ &&
				   m.id == 1 && !named) {
				ctl_in[len - 1] = 0;
				named = tap_ok(memcmp(ctl_in + 8, AGENT,
						      sizeof(AGENT)) == 0,
					       "port 1 is named '%s'",
					       (char *)ctl_in + 8);
				send_ctl(1, 6 /* PORT_OPEN */, 1, 8);
				tap_done();
			}
			post(CTL_RX, ctl_in, sizeof(ctl_in));
		}
		if (virtio_wait(&d, PORT_RX, &len, 1000) == 0) {
			port_input(len);
			post(PORT_RX, port_in, sizeof(port_in));
		}
	}
}
