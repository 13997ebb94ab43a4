// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qemu driver's display (driver-qemu.h): what it accepts of the
 * video cards and SPICE, their command line as libvirt's, and the SPICE
 * ports nidod hands out (QEMU's SPICE has no automatic port, unlike its
 * VNC: nidod finds a free one, as libvirt's port allocator does).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/domain_conf_display.h"
#include "daemon/driver-qemu-priv.h"
#include "daemon/domain_conf_graphics.h"
#include "daemon/driver-qemu.h"
#include "lib/json.h"

static void add_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

/* Above the window of VNC's automatic ports (5900 to 5999, which QEMU
 * searches itself when it starts): a port found free here could be
 * taken by a VNC server starting at the same time. */
#define SPICE_PORT_MIN 6000
#define SPICE_PORT_MAX 65535

/* Ports handed to running domains' SPICE servers: a port QEMU has not
 * bound yet is free to bind(), so a second start must not take it. */
static uint8_t ports_taken[(SPICE_PORT_MAX + 1) / 8];

static bool port_taken(int p)
{
	return ports_taken[p / 8] & (1u << (p % 8));
}

static void port_mark(int p, bool on)
{
	if (p <= 0 || p > SPICE_PORT_MAX)
		return;
	if (on)
		ports_taken[p / 8] |= (uint8_t)(1u << (p % 8));
	else
		ports_taken[p / 8] &= (uint8_t) ~(1u << (p % 8));
}

/* Whether TCP port @p can be bound on @addr now. */
static bool port_free(const char *addr, int p)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, one = 1;
	bool ok;

	if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		len = sizeof(*v6);
	} else {
		if (inet_pton(AF_INET, addr, &v4->sin_addr) != 1)
			return false;
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		len = sizeof(*v4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	/* as QEMU binds it: a port in TIME_WAIT is free */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ok;
}

static int pick_port(const char *addr, int not, struct err **e)
{
	for (int p = SPICE_PORT_MIN; p <= SPICE_PORT_MAX; p++)
		if (p != not &&!port_taken(p) && port_free(addr, p))
			return p;
	return err_set(e, EADDRINUSE, "no free TCP port for SPICE on %s", addr);
}

/* Which kinds of channel @s has: TLS ones, plain ones. */
static void spice_needs(const struct domain_spice *s, bool *tls, bool *plain)
{
	*tls = s->default_mode == SPICE_MODE_SECURE;
	*plain = s->default_mode != SPICE_MODE_SECURE;
	for (int c = 0; c < SPICE_CHANNELS; c++) {
		*tls |= s->channel[c] == SPICE_MODE_SECURE;
		*plain |= s->channel[c] == SPICE_MODE_INSECURE;
	}
}

static const char *spice_addr(const struct domain_spice *s)
{
	return s->listen ? s->listen : "127.0.0.1";
}

/* The ports of an autoport SPICE server, as libvirt picks them: a
 * plain one unless every channel is TLS, a TLS one when a channel is. */
static int spice_pick(const struct domain_spice *s, int *port, int *tls,
		      struct err **e)
{
	bool need_tls, need_plain;

	*port = s->port > 0 ? s->port : 0;
	*tls = s->tls_port > 0 ? s->tls_port : 0;
	/* a socket, or no listener: no port to pick */
	if (!s->autoport || s->socket || s->listen_none)
		return 0;
	spice_needs(s, &need_tls, &need_plain);
	if (need_plain && (*port = pick_port(spice_addr(s), 0, e)) < 0)
		return *port;
	if (need_tls && (*tls = pick_port(spice_addr(s), *port, e)) < 0)
		return *tls;
	return 0;
}

int qemu_spice_ports_take(struct domain_def *def, struct err **e)
{
	struct domain_spice *s = def->display.spice;
	int port, tls, r;

	if (!s)
		return 0;
	if ((r = spice_pick(s, &port, &tls, e)) < 0)
		return r;
	s->port_live = port;
	s->tls_port_live = tls;
	if (s->autoport) {
		port_mark(port, true);
		port_mark(tls, true);
	}
	return 0;
}

void qemu_spice_ports_keep(struct domain_def *def, int port, int tls)
{
	struct domain_spice *s = def->display.spice;

	if (!s)
		return;
	s->port_live = port > 0 && port <= SPICE_PORT_MAX ? port : 0;
	s->tls_port_live = tls > 0 && tls <= SPICE_PORT_MAX ? tls : 0;
	if (s->autoport) {
		port_mark(s->port_live, true);
		port_mark(s->tls_port_live, true);
	}
}

void qemu_spice_ports_release(struct domain_def *def)
{
	struct domain_spice *s = def->display.spice;

	if (!s)
		return;
	if (s->autoport) {
		port_mark(s->port_live, false);
		port_mark(s->tls_port_live, false);
	}
	s->port_live = s->tls_port_live = 0;
}

/* An emulated smartcard's NSS database: QEMU fails on the first card
 * without it ("failed to initialize vcard"); said plainly here. */
static int check_nss_database(const struct domain_def *def, struct err **e)
{
	const struct domain_smartcard *sc = def->display.smartcard;
	const char *db;

	if (!sc || sc->mode == SMARTCARD_PASSTHROUGH)
		return 0;
	db = sc->database ? sc->database : "/etc/pki/nssdb";
	if (access(db, R_OK) < 0)
		return err_sys(e, errno,
			       "<smartcard mode='%s'>: the host's NSS "
			       "database '%s'",
			       sc->mode == SMARTCARD_HOST ? "host"
							  : "host-certificates",
			       db);
	return 0;
}

/* The files QEMU's SPICE TLS reads from its x509-dir; a smartcard's NSS
 * database. */
int qemu_display_check_host(const struct domain_def *def, struct err **e)
{
	static const char *const files[] = {"ca-cert.pem", "server-cert.pem",
					    "server-key.pem"};
	const struct domain_spice *s = def->display.spice;
	bool tls, plain;

	if (check_nss_database(def, e) < 0 ||
	    qemu_graphics_check_host(def, e) < 0)
		return -EINVAL;
	if (!s)
		return 0;
	spice_needs(s, &tls, &plain);
	if (s->tls_port == 0 || s->socket || s->listen_none ||
	    (s->autoport && !tls))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *p =
			xasprintf("%s/%s", QEMU_SPICE_TLS_DIR, files[i]);

		if (access(p, R_OK) < 0)
			return err_sys(e, errno,
				       "<graphics type='spice' tlsPort>: "
				       "the SPICE TLS certificate '%s'",
				       p);
	}
	return 0;
}

/* A path in QEMU's option syntax: commas doubled. */
static void put_opt_path(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			fputc(',', f);
		fputc(*s, f);
	}
}

/* tls-channel=, plaintext-channel=: the default, then each channel. */
static void spice_channels(FILE *f, const struct domain_spice *s)
{
	static const char *const opt[] = {NULL, "tls-channel",
					  "plaintext-channel"};

	if (s->default_mode)
		fprintf(f, ",%s=default", opt[s->default_mode]);
	for (int c = 0; c < SPICE_CHANNELS; c++)
		if (s->channel[c])
			fprintf(f, ",%s=%s", opt[s->channel[c]],
				spice_channel_names[c]);
}

static void spice_options(FILE *f, const struct domain_spice *s)
{
	if (s->mouse)
		fprintf(f, ",agent-mouse=%s", s->mouse == 1 ? "off" : "on");
	if (s->image)
		fprintf(f, ",image-compression=%s",
			spice_image_names[s->image]);
	if (s->jpeg)
		fprintf(f, ",jpeg-wan-compression=%s",
			spice_wan_names[s->jpeg]);
	if (s->zlib)
		fprintf(f, ",zlib-glz-wan-compression=%s",
			spice_wan_names[s->zlib]);
	if (s->playback)
		fprintf(f, ",playback-compression=%s",
			spice_on_off[s->playback]);
	if (s->streaming)
		fprintf(f, ",streaming-video=%s",
			spice_streaming_names[s->streaming]);
	if (s->copypaste == 2)
		fputs(",disable-copy-paste=on", f);
	if (s->filetransfer == 2)
		fputs(",disable-agent-file-xfer=on", f);
	if (s->gl)
		fprintf(f, ",gl=%s", s->gl == 1 ? "on" : "off");
	if (s->rendernode)
		fprintf(f, ",rendernode=%s", s->rendernode);
}

/* -spice's value (malloc'ed), with ports @port, @tls (0: none). */
static char *spice_arg(const struct domain_spice *s, int port, int tls)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (s->socket) {
		fputs("unix=on,addr=", f);
		put_opt_path(f, s->socket);
	} else {
		fprintf(f, "port=%d", port);
		if (tls)
			fprintf(f, ",tls-port=%d", tls);
		if (port || tls)
			fprintf(f, ",addr=%s", spice_addr(s));
	}
	if (tls)
		fprintf(f, ",x509-dir=%s", QEMU_SPICE_TLS_DIR);
	/* a password comes through QMP (set_password), never here */
	if (!s->passwd)
		fputs(",disable-ticketing=on", f);
	spice_channels(f, s);
	spice_options(f, s);
	fputs(",seamless-migration=on", f);
	fclose(f);
	return out;
}

void qemu_argv_vnc_socket(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_display *dp = &def->display;
	char *v = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&v, &len);

	if (dp->vnc_listen_none) {
		fputs("none", f);
	} else {
		/* "vnc=": a path may hold "=" */
		fputs("vnc=unix:", f);
		put_opt_path(f, dp->vnc_socket);
	}
	/* the password itself comes through QMP */
	if (dp->vnc_passwd)
		fputs(",password=on", f);
	fclose(f);
	{
		_cleanup_free_ char *opts = qemu_vnc_options(def);
		char *full = xasprintf("%s%s", v, opts);

		free(v);
		v = full;
	}
	qemu_arg(a, "-vnc");
	qemu_arg(a, v);
	free(v);
}

void qemu_argv_spice(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_spice *s = def->display.spice;
	_cleanup_free_ char *v = NULL;
	int port = 0, tls = 0;

	if (!s)
		return;
	if (s->port_live || s->tls_port_live) {
		port = s->port_live;
		tls = s->tls_port_live;
	} else if (spice_pick(s, &port, &tls, NULL) < 0) {
		/* a command line to show (domxml-to-native): no port free
		 * now; a start says so */
		port = tls = 0;
	}
	v = spice_arg(s, port, tls);
	qemu_arg(a, "-spice");
	qemu_arg(a, v);
}

size_t qemu_video_at(const struct domain_def *def, size_t i)
{
	size_t p = domain_video_primary(&def->display);

	if (i == 0)
		return p;
	return i <= p ? i - 1 : i;
}

static void add_int(struct json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

/* QEMU's device for card @i (in command-line order: the primary
 * first), with libvirt's properties. */
static void video_device(struct qemu_argv *a, const struct domain_def *def,
			 size_t i)
{
	const struct domain_video *v =
		&def->display.videos[qemu_video_at(def, i)];
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("video%zu", i);
	const char *drv = NULL;

	switch (v->model) {
	case VIDEO_VGA:
		drv = "VGA";
		break;
	case VIDEO_CIRRUS:
		drv = "cirrus-vga";
		break;
	case VIDEO_VIRTIO:
		/* QEMU 7.2's virgl cards are devices of their own */
		if (v->accel3d == DOMAIN_TRISTATE_ON)
			drv = i == 0 ? "virtio-vga-gl" : "virtio-gpu-gl-pci";
		else
			drv = i == 0 ? "virtio-vga" : "virtio-gpu-pci";
		break;
	case VIDEO_QXL:
		drv = i == 0 ? "qxl-vga" : "qxl";
		break;
	case VIDEO_BOCHS:
		drv = "bochs-display";
		break;
	case VIDEO_RAMFB:
		drv = "ramfb";
		break;
	default:
		json_object_put(o);
		return;
	}
	json_object_object_add(o, "driver", json_object_new_string(drv));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (v->heads && (v->model == VIDEO_QXL || v->model == VIDEO_VIRTIO))
		add_int(o, "max_outputs", v->heads);
	qemu_json_virtio(o, &v->virtio);
	if (v->model == VIDEO_QXL) {
		if (v->ram)
			add_int(o, "ram_size", (uint64_t)v->ram * 1024);
		if (v->vram)
			add_int(o, "vram_size", (uint64_t)v->vram * 1024);
		if (v->vram64)
			add_int(o, "vram64_size_mb", v->vram64 / 1024);
	}
	if (v->vgamem && (v->model == VIDEO_QXL || v->model == VIDEO_VGA))
		add_int(o, "vgamem_mb", v->vgamem / 1024);
	/* bochs-display's framebuffer is libvirt's vram, in bytes */
	if (v->vram && v->model == VIDEO_BOCHS)
		add_int(o, "vgamem", (uint64_t)v->vram * 1024);
	if (v->model != VIDEO_RAMFB)
		qemu_json_pci(o, def, QEMU_PCI_VIDEO, i);
	qemu_arg_json(a, "-device", o);
}

void qemu_argv_videos(struct qemu_argv *a, const struct domain_def *def)
{
	for (size_t i = 0; i < def->display.n_videos; i++)
		video_device(a, def, i);
}

/* A size QEMU takes in MiB, or as a power of two of bytes. */
static int check_video_sizes(const struct domain_video *v, size_t i,
			     struct err **e)
{
	const unsigned *f[] = {&v->ram, &v->vram, &v->vram64, &v->vgamem};
	static const char *const names[] = {"ram", "vram", "vram64", "vgamem"};

	for (size_t j = 0; j < ARRAY_SIZE(f); j++) {
		if (!*f[j] || v->model != VIDEO_QXL)
			continue;
		if (*f[j] % 1024 || (*f[j] & (*f[j] - 1)))
			return err_set(e, EINVAL,
				       "<video> %zu: %s='%u' (KiB): the qemu "
				       "driver's qxl takes a power of two of "
				       "MiB",
				       i, names[j], *f[j]);
	}
	return 0;
}

/* What the cards' attributes become: acted on, refused, or (for the
 * sizes QEMU's VGA and cirrus do not take) warned about. */
int qemu_check_videos(const struct domain_def *d, struct xml_warnings *w,
		      struct err **e)
{
	const struct domain_display *dp = &d->display;

	for (size_t i = 0; i < dp->n_videos; i++) {
		const struct domain_video *v = &dp->videos[i];
		bool qxl = v->model == VIDEO_QXL;

		if (v->model == VIDEO_NONE && dp->n_videos > 1)
			return err_set(e, EINVAL,
				       "<video> model 'none' beside another "
				       "<video>");
		if (check_video_sizes(v, i, e) < 0)
			return -EINVAL;
		if (v->vgamem && v->model == VIDEO_QXL && v->vgamem < 1024)
			return err_set(e, EINVAL,
				       "<video> %zu: vgamem below "
				       "1 MiB",
				       i);
		/* QEMU's VGA has libvirt's default 16 MiB; its cirrus has a
		 * fixed size libvirt does not set either */
		if (v->model == VIDEO_VGA && v->vram && v->vram != 16384)
			xml_warn_def(w,
				     "<video><model vram='%u'>: not acted on, "
				     "the qemu driver's VGA has 16384 KiB",
				     v->vram);
		if (v->vram &&
		    (v->model == VIDEO_VIRTIO || v->model == VIDEO_RAMFB))
			xml_warn_def(w,
				     "<video><model vram='%u'>: not acted on "
				     "by the qemu driver's %s",
				     v->vram, video_model_names[v->model]);
		if (v->model == VIDEO_BOCHS && v->vram &&
		    (v->vram % 1024 || (v->vram & (v->vram - 1))))
			return err_set(e, EINVAL,
				       "<video> %zu: vram='%u' (KiB): the qemu "
				       "driver's bochs takes a power of two of "
				       "MiB",
				       i, v->vram);
		if ((v->ram || v->vram64) && !qxl)
			xml_warn_def(w,
				     "<video><model ram/vram64>: not acted on "
				     "by the qemu driver's %s",
				     video_model_names[v->model]);
		if (v->vgamem && !qxl && v->model != VIDEO_VGA)
			xml_warn_def(w,
				     "<video><model vgamem='%u'>: not acted "
				     "on by the qemu driver's %s",
				     v->vgamem, video_model_names[v->model]);
		if (v->heads > 1 && !qxl && v->model != VIDEO_VIRTIO)
			xml_warn_def(w,
				     "<video><model heads='%u'>: not acted on, "
				     "the qemu driver's video has one head",
				     v->heads);
	}
	return 0;
}

/* libvirt's rules for a SPICE server's channels and ports. */
int qemu_check_spice(const struct domain_def *d, struct err **e)
{
	const struct domain_spice *s = d->display.spice;
	bool tls, plain;

	if (!s)
		return 0;
	if (d->display.video == VIDEO_NONE)
		return err_set(e, ENOTSUP,
			       "<graphics type='spice'> with <video> model "
			       "'none': nothing to show");
	if (s->autoport || s->socket || s->listen_none)
		return 0;
	spice_needs(s, &tls, &plain);
	if (tls && s->default_mode == SPICE_MODE_SECURE && !s->tls_port)
		return err_set(e, EINVAL,
			       "<graphics type='spice' defaultMode='secure'> "
			       "without a tlsPort");
	for (int c = 0; c < SPICE_CHANNELS; c++)
		if (s->channel[c] == SPICE_MODE_SECURE && !s->tls_port)
			return err_set(e, EINVAL,
				       "spice channel '%s' secure without a "
				       "tlsPort",
				       spice_channel_names[c]);
	return 0;
}

static void on_password(void *opaque, int r, struct json_object *ret,
			const struct err *e)
{
	struct qemu_vm *vm = opaque;
	_cleanup_free_ char *why = NULL;

	(void)ret;
	if (r < 0) {
		why = xasprintf("set_password: %s", err_msg(e));
		qemu_vm_start_failed(vm, why);
		return;
	}
	qemu_vm_start_running(vm);
}

/* passwdValidTo=: QEMU's expire_password, for the VNC server (@i 0) or
 * SPICE's (1); 0 when there is nothing to send. */
static int set_expiry(struct qemu_vm *vm, int i, struct err **e)
{
	const struct domain_display *dp = &vm->dom->def->display;
	const struct graphics_passwd *pw =
		i ? (dp->spice ? &dp->spice->pw : NULL) : &dp->vnc_pw;
	struct json_object *args;
	_cleanup_free_ char *t = NULL;

	if (!pw || !pw->valid_to || vm->expiry_set[i])
		return 0;
	vm->expiry_set[i] = true;
	t = xasprintf("%lld", domain_graphics_valid_to(pw->valid_to));
	args = json_object_new_object();
	add_s(args, "protocol", i ? "spice" : "vnc");
	add_s(args, "time", t);
	if (qmp_command(vm->qmp, "expire_password", args, COMMAND_MS,
			on_password, vm, e) < 0) {
		json_object_put(args);
		return -EIO;
	}
	json_object_put(args);
	return 1;
}

/* The VNC and SPICE passwords, through QMP: never on QEMU's command
 * line, where any user of the host could read it. VNC's first, then
 * each one's expiry (passwdValidTo); 0 when none is left to set. */
int qemu_display_set_password(struct qemu_vm *vm, struct err **e)
{
	const struct domain_display *dp = &vm->dom->def->display;
	_cleanup_json_ struct json_object *args = json_object_new_object();
	bool vnc = dp->vnc_passwd && !vm->password_set;
	int r;

	if (!vnc &&
	    (!dp->spice || !dp->spice->passwd || vm->spice_password_set)) {
		if ((r = set_expiry(vm, 0, e)) != 0)
			return r;
		return set_expiry(vm, 1, e);
	}
	/* set before the answer: a failure ends the start */
	if (vnc)
		vm->password_set = true;
	else
		vm->spice_password_set = true;
	add_s(args, "protocol", vnc ? "vnc" : "spice");
	add_s(args, "password", vnc ? dp->vnc_passwd : dp->spice->passwd);
	if (!vnc && dp->spice->pw.connected)
		add_s(args, "connected",
		      graphics_connected_names[dp->spice->pw.connected]);
	if (qmp_command(vm->qmp, "set_password", args, COMMAND_MS, on_password,
			vm, e) < 0)
		return -EIO;
	return 1;
}

/* QEMU's answer to query-spice: its server on, on the ports given. */
static void on_spice(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct qemu_vm *vm = opaque;
	const struct domain_spice *s = vm->dom->def->display.spice;
	int64_t port = 0, tls = 0;
	bool on = false;
	_cleanup_free_ char *why = NULL;

	if (r < 0)
		why = xasprintf("query-spice: %s", err_msg(e));
	else if (!json_object_is_type(ret, json_type_object) ||
		 json_get_bool_opt(ret, "enabled", &on, NULL) < 0 || !on)
		why = xstrdup("query-spice: QEMU's SPICE server is off");
	else if (json_get_int64_opt(ret, "port", &port, NULL) < 0 ||
		 json_get_int64_opt(ret, "tls-port", &tls, NULL) < 0 ||
		 port != s->port_live || tls != s->tls_port_live)
		why = xasprintf("query-spice: QEMU's SPICE server is on ports "
				"%" PRId64 "/%" PRId64 ", not %d/%d",
				port, tls, s->port_live, s->tls_port_live);
	if (why) {
		qemu_vm_start_failed(vm, why);
		return;
	}
	qemu_vm_start_running(vm);
}

int qemu_spice_query(struct qemu_vm *vm, struct err **e)
{
	vm->spice_checked = true;
	return qmp_command(vm->qmp, "query-spice", NULL, COMMAND_MS, on_spice,
			   vm, e);
}

/* QEMU's device for <input> @in, as "inputN" on USB or PCI. */
static void input_device(struct qemu_argv *a, const struct domain_def *def,
			 const struct domain_input *in, size_t i, size_t *pci)
{
	static const char *const usb[] = {"usb-mouse", "usb-kbd", "usb-tablet"};
	static const char *const virtio[] = {
		"virtio-mouse-pci", "virtio-keyboard-pci", "virtio-tablet-pci"};
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("input%zu", i);

	json_object_object_add(
		o, "driver",
		json_object_new_string(in->bus == INPUT_BUS_USB
					       ? usb[in->type]
					       : virtio[in->type]));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (in->bus == INPUT_BUS_VIRTIO) {
		qemu_json_pci(o, def, QEMU_PCI_INPUT, (*pci)++);
		qemu_json_virtio(o, &in->virtio);
	} else {
		json_object_object_add(o, "bus",
				       json_object_new_string("usb.0"));
		if (in->usb.port[0])
			json_object_object_add(
				o, "port",
				json_object_new_string(in->usb.port));
	}
	qemu_arg_json(a, "-device", o);
}

static void hub_device(struct qemu_argv *a, const char *port, size_t i)
{
	struct json_object *o = json_object_new_object();
	_cleanup_free_ char *id = xasprintf("hub%zu", i);

	json_object_object_add(o, "driver", json_object_new_string("usb-hub"));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "bus", json_object_new_string("usb.0"));
	if (port[0])
		json_object_object_add(o, "port", json_object_new_string(port));
	qemu_arg_json(a, "-device", o);
}

/* The <audio> sound @snd plays to: its own, the first one, or (none
 * given) the "none" backend qemu_argv_sounds() adds, as libvirt's. */
static unsigned sound_audio(const struct domain_def *def,
			    const struct domain_sound *snd)
{
	if (snd->audio_id)
		return snd->audio_id;
	return def->hw.n_audios ? def->hw.audios[0].id : 1;
}

static void add_audiodev(struct json_object *o, unsigned id)
{
	_cleanup_free_ char *s = xasprintf("audio%u", id);

	json_object_object_add(o, "audiodev", json_object_new_string(s));
}

/* An HDA controller's codecs: libvirt's one duplex when none given. */
static void hda_codecs(struct qemu_argv *a, const struct domain_sound *snd,
		       size_t i, unsigned audio)
{
	for (size_t k = 0; k == 0 || (k < SOUND_CODECS && snd->codecs[k]);
	     k++) {
		struct json_object *o = json_object_new_object();
		unsigned c = snd->codecs[k] ? snd->codecs[k] - 1u : 0;
		_cleanup_free_ char *drv =
			xasprintf("hda-%s", sound_codec_names[c]);
		_cleanup_free_ char *id = xasprintf("sound%zu-codec%zu", i, k);
		_cleanup_free_ char *bus = xasprintf("sound%zu.0", i);

		json_object_object_add(o, "driver",
				       json_object_new_string(drv));
		json_object_object_add(o, "id", json_object_new_string(id));
		json_object_object_add(o, "bus", json_object_new_string(bus));
		add_int(o, "cad", k);
		add_audiodev(o, audio);
		qemu_arg_json(a, "-device", o);
	}
}

static void sound_device(struct qemu_argv *a, const struct domain_def *def,
			 size_t i, size_t *pci)
{
	static const char *const drv[] = {
		NULL,	     "ES1370",	       "sb16",	   "AC97",
		"intel-hda", "ich9-intel-hda", "usb-audio"};
	const struct domain_sound *snd = &def->display.sounds[i];
	unsigned audio = sound_audio(def, snd);
	struct json_object *o;
	_cleanup_free_ char *id = xasprintf("sound%zu", i);
	bool hda = snd->model == SOUND_ICH6 || snd->model == SOUND_ICH9;

	if (snd->model == SOUND_PCSPK) {
		/* the machine's own speaker (QEMU merges -machine) */
		_cleanup_free_ char *m =
			xasprintf("pcspk-audiodev=audio%u", audio);

		qemu_arg(a, "-machine");
		qemu_arg(a, m);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "driver",
			       json_object_new_string(drv[snd->model]));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (!hda)
		add_audiodev(o, audio);
	if (snd->model == SOUND_USB) {
		json_object_object_add(o, "bus",
				       json_object_new_string("usb.0"));
		if (snd->usb.port[0])
			json_object_object_add(
				o, "port",
				json_object_new_string(snd->usb.port));
	} else if (snd->model != SOUND_SB16) {
		qemu_json_pci(o, def, QEMU_PCI_SOUND, (*pci)++);
	}
	qemu_arg_json(a, "-device", o);
	if (hda)
		hda_codecs(a, snd, i, audio);
}

/* The <sound> devices; without an <audio>, libvirt's implicit one of
 * type 'none' (id 1) for them to play to. */
static void qemu_argv_sounds(struct qemu_argv *a, const struct domain_def *def)
{
	size_t pci = 0;

	if (def->display.n_sounds && !def->hw.n_audios) {
		qemu_arg(a, "-audiodev");
		qemu_arg(a, "{\"id\":\"audio1\",\"driver\":\"none\"}");
	}
	for (size_t i = 0; i < def->display.n_sounds; i++)
		sound_device(a, def, i, &pci);
}

/* The smartcard's character device (passthrough), as libvirt's. */
static void smartcard_chardev(struct qemu_argv *a,
			      const struct domain_smartcard *sc)
{
	_cleanup_free_ char *v = NULL;
	const char *server = sc->bind ? ",server=on,wait=off" : "";

	if (sc->type == SMARTCARD_SPICEVMC)
		v = xstrdup("spicevmc,id=charsmartcard0,name=smartcard");
	else if (sc->type == SMARTCARD_UNIX)
		v = xasprintf("socket,id=charsmartcard0,path=%s%s", sc->path,
			      server);
	else
		v = xasprintf("socket,id=charsmartcard0,host=%s,port=%s%s",
			      sc->host, sc->service, server);
	qemu_arg(a, "-chardev");
	qemu_arg(a, v);
}

/* A CCID reader on USB, and its card: emulated from the host's NSS or
 * certificates, or passed through a character device. */
static void qemu_argv_smartcard(struct qemu_argv *a,
				const struct domain_def *def)
{
	const struct domain_smartcard *sc = def->display.smartcard;
	struct json_object *o;

	if (!sc)
		return;
	o = json_object_new_object();
	add_s(o, "driver", "usb-ccid");
	add_s(o, "id", "ccid0");
	add_s(o, "bus", "usb.0");
	qemu_arg_json(a, "-device", o);
	if (sc->mode == SMARTCARD_PASSTHROUGH)
		smartcard_chardev(a, sc);
	o = json_object_new_object();
	if (sc->mode == SMARTCARD_PASSTHROUGH) {
		add_s(o, "driver", "ccid-card-passthru");
		add_s(o, "chardev", "charsmartcard0");
	} else {
		add_s(o, "driver", "ccid-card-emulated");
		add_s(o, "backend",
		      sc->mode == SMARTCARD_HOST ? "nss-emulated"
						 : "certificates");
	}
	if (sc->mode == SMARTCARD_CERTIFICATES) {
		add_s(o, "cert1", sc->certs[0]);
		add_s(o, "cert2", sc->certs[1]);
		add_s(o, "cert3", sc->certs[2]);
		add_s(o, "db", sc->database ? sc->database : "/etc/pki/nssdb");
	}
	add_s(o, "id", "smartcard0");
	add_s(o, "bus", "ccid0.0");
	qemu_arg_json(a, "-device", o);
}

static size_t depth(const char *port)
{
	size_t n = 0;

	for (; *port; port++)
		n += *port == '.';
	return n;
}

/*
 * The devices with a USB port first, hubs before what is behind them;
 * the sound devices (a USB one's port, when given, is free: no device
 * without one is there yet), the smartcard reader; then the others, which QEMU
 * puts on its first free ports (adding hubs of its own when they run out): so
 * none takes a port given to another.
 */
void qemu_argv_inputs(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_display *dp = &def->display;
	size_t pci = 0;

	for (size_t level = 0; level < 4; level++)
		for (size_t i = 0; i < dp->n_hubs; i++)
			if (dp->hubs[i].port[0] &&
			    depth(dp->hubs[i].port) == level)
				hub_device(a, dp->hubs[i].port, i);
	for (size_t i = 0; i < dp->n_inputs; i++)
		if (dp->inputs[i].usb.port[0])
			input_device(a, def, &dp->inputs[i], i, &pci);
	qemu_argv_sounds(a, def);
	qemu_argv_smartcard(a, def);
	for (size_t i = 0; i < dp->n_hubs; i++)
		if (!dp->hubs[i].port[0])
			hub_device(a, "", i);
	for (size_t i = 0; i < dp->n_inputs; i++)
		if (!dp->inputs[i].usb.port[0])
			input_device(a, def, &dp->inputs[i], i, &pci);
}

/* The ports of @d's USB controller (QEMU's: an xHCI's USB 2 ports, then
 * as many USB 3 ones). */
static unsigned usb_root_ports(const struct domain_def *d)
{
	switch (qemu_usb_model(d)) {
	case USB_PIIX3_UHCI:
		return 2;
	case USB_QEMU_XHCI:
	case USB_NEC_XHCI:
		return 2 * (d->display.usb_ports ? d->display.usb_ports : 4);
	default:
		return 0;
	}
}

static int check_root_port(const struct domain_def *d, const char *what,
			   const char *port, struct err **e)
{
	unsigned long n = strtoul(port, NULL, 10);

	if (!port[0] || n <= usb_root_ports(d))
		return 0;
	return err_set(e, EINVAL,
		       "%s on USB port '%s': the USB controller has %u ports",
		       what, port, usb_root_ports(d));
}

/* USB devices need a controller; their ports, one of its own. */
int qemu_check_usb_devices(const struct domain_def *d, struct err **e)
{
	const struct domain_display *dp = &d->display;

	if (domain_has_usb_devices(dp) && qemu_usb_model(d) == USB_NONE)
		return err_set(
			e, ENOTSUP,
			"<input>, <hub> or <sound> on USB with USB controller "
			"model 'none'");
	for (size_t i = 0; i < dp->n_inputs; i++)
		if (check_root_port(d, "<input>", dp->inputs[i].usb.port, e) <
		    0)
			return -EINVAL;
	for (size_t i = 0; i < dp->n_hubs; i++)
		if (check_root_port(d, "<hub>", dp->hubs[i].port, e) < 0)
			return -EINVAL;
	for (size_t i = 0; i < dp->n_sounds; i++)
		if (check_root_port(d, "<sound>", dp->sounds[i].usb.port, e) <
		    0)
			return -EINVAL;
	return 0;
}

/* Each <sound>'s <audio id> names an <audio>; one PC speaker; a
 * spicevmc smartcard needs SPICE. */
int qemu_check_sounds(const struct domain_def *d, struct err **e)
{
	size_t speakers = 0;

	if (d->display.smartcard &&
	    d->display.smartcard->mode == SMARTCARD_PASSTHROUGH &&
	    d->display.smartcard->type == SMARTCARD_SPICEVMC &&
	    !d->display.spice)
		return err_set(e, EINVAL,
			       "<smartcard type='spicevmc'> without <graphics "
			       "type='spice'>");

	for (size_t i = 0; i < d->display.n_sounds; i++) {
		const struct domain_sound *snd = &d->display.sounds[i];
		bool found = !snd->audio_id;

		for (size_t j = 0; j < d->hw.n_audios && !found; j++)
			found = d->hw.audios[j].id == snd->audio_id;
		if (!found)
			return err_set(e, EINVAL,
				       "<sound model='%s'><audio id='%u'>: no "
				       "<audio> with that id",
				       sound_model_names[snd->model],
				       snd->audio_id);
		speakers += snd->model == SOUND_PCSPK;
	}
	if (speakers > 1)
		return err_set(e, EINVAL,
			       "%zu <sound model='pcspk'>: the machine has one "
			       "PC speaker",
			       speakers);
	return 0;
}
