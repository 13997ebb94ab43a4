// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The displays QEMU draws itself (driver-qemu.h): <graphics type='sdl'>
 * (an X display), 'egl-headless' (OpenGL on a render node, shown
 * through VNC or SPICE) and 'dbus' (a D-Bus display, on a bus or
 * peer-to-peer), as QEMU 7.2's -display; OpenGL for SPICE; the checks a
 * definition meets and the ones the host must meet at start.
 */
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/domain_conf_audio.h"
#include "daemon/domain_conf_graphics.h"
#include "daemon/driver-qemu.h"

#define QEMU_MODULE_DIR_DEFAULT "/usr/lib/x86_64-linux-gnu/qemu"

/* QEMU's -display: the one local display, else none. */
void qemu_argv_display(struct qemu_argv *a, const struct domain_def *def)
{
	const struct domain_local_display *l = &def->display.local;
	char *v = NULL;
	size_t len = 0;
	FILE *f;

	if (l->sdl && l->sdl_fullscreen == DOMAIN_TRISTATE_ON)
		qemu_arg(a, "-full-screen");
	qemu_arg(a, "-display");
	if (!l->sdl && !l->egl && !l->dbus) {
		qemu_arg(a, "none");
		return;
	}
	f = open_memstream(&v, &len);
	if (l->sdl) {
		fputs("sdl", f);
		if (l->sdl_gl)
			fprintf(f, ",gl=%s",
				l->sdl_gl == DOMAIN_TRISTATE_ON ? "on" : "off");
	} else if (l->egl) {
		fputs("egl-headless", f);
		if (l->egl_rendernode)
			fprintf(f, ",rendernode=%s", l->egl_rendernode);
	} else {
		fputs("dbus", f);
		if (l->dbus_address)
			fprintf(f, ",addr=%s", l->dbus_address);
		if (l->dbus_p2p)
			fprintf(f, ",p2p=%s",
				l->dbus_p2p == DOMAIN_TRISTATE_ON ? "on"
								  : "off");
		if (l->dbus_gl)
			fprintf(f, ",gl=%s",
				l->dbus_gl == DOMAIN_TRISTATE_ON ? "on"
								 : "off");
		if (l->dbus_rendernode)
			fprintf(f, ",rendernode=%s", l->dbus_rendernode);
		if (l->dbus_audio)
			fprintf(f, ",audiodev=audio%u", l->dbus_audio);
	}
	fclose(f);
	qemu_arg(a, v);
	free(v);
}

char *qemu_vnc_options(const struct domain_def *def)
{
	const struct domain_display *dp = &def->display;
	char *v = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&v, &len);

	if (dp->vnc_share)
		fprintf(f, ",share=%s", graphics_share_names[dp->vnc_share]);
	if (dp->vnc_power)
		fprintf(f, ",power-control=%s",
			dp->vnc_power == DOMAIN_TRISTATE_ON ? "on" : "off");
	if (dp->vnc_websocket)
		fprintf(f, ",websocket=%d", dp->vnc_websocket);
	if (dp->vnc_audio)
		fprintf(f, ",audiodev=audio%u", dp->vnc_audio);
	fclose(f);
	return v;
}

/* How many displays draw with OpenGL. */
static int gl_displays(const struct domain_def *d)
{
	const struct domain_local_display *l = &d->display.local;

	return (d->display.spice && d->display.spice->gl == 1) + l->egl +
	       (l->sdl_gl == DOMAIN_TRISTATE_ON) +
	       (l->dbus_gl == DOMAIN_TRISTATE_ON);
}

static bool has_audio(const struct domain_def *d, unsigned id)
{
	for (size_t i = 0; i < d->hw.n_audios; i++)
		if (d->hw.audios[i].id == id)
			return true;
	return false;
}

int qemu_check_local_display(const struct domain_def *d, struct err **e)
{
	const struct domain_display *dp = &d->display;
	const struct domain_local_display *l = &dp->local;

	if (l->sdl + l->egl + l->dbus > 1)
		return err_set(e, ENOTSUP,
			       "<graphics type='%s'> with <graphics "
			       "type='%s'>: QEMU draws one local display "
			       "(egl-headless only beside VNC or SPICE)",
			       l->sdl ? "sdl" : "egl-headless",
			       l->dbus ? "dbus" : "egl-headless");
	if (gl_displays(d) > 1)
		return err_set(e, ENOTSUP,
			       "more than one display with OpenGL (QEMU "
			       "renders for one)");
	if ((l->sdl || l->egl || l->dbus) && dp->video == VIDEO_NONE)
		return err_set(e, ENOTSUP,
			       "<graphics type='%s'> with <video> model "
			       "'none': nothing to show",
			       l->sdl	? "sdl"
			       : l->egl ? "egl-headless"
					: "dbus");
	for (size_t i = 0; i < d->hw.n_audios; i++) {
		enum audio_type t = d->hw.audios[i].type;

		if ((t == AUDIO_SPICE && !dp->spice) ||
		    (t == AUDIO_DBUS && !l->dbus))
			return err_set(e, ENOTSUP,
				       "<audio id='%u' type='%s'> without "
				       "<graphics type='%s'> (its clients "
				       "play it)",
				       d->hw.audios[i].id,
				       domain_audio_type_names[t],
				       domain_audio_type_names[t]);
	}
	if ((l->dbus_audio && !has_audio(d, l->dbus_audio)) ||
	    (dp->vnc_audio && !has_audio(d, dp->vnc_audio)))
		return err_set(e, EINVAL,
			       "<graphics type='%s'><audio id='%u'>: no "
			       "<audio> with that id",
			       dp->vnc_audio ? "vnc" : "dbus",
			       dp->vnc_audio ? dp->vnc_audio : l->dbus_audio);
	return 0;
}

/* A render node QEMU may use: the one given, else any the host has. */
static int check_render_node(const char *what, const char *node, struct err **e)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	bool found = false;

	if (node) {
		if (stat(node, &st) < 0)
			return err_sys(e, errno, "%s: render node '%s'", what,
				       node);
		if (!S_ISCHR(st.st_mode))
			return err_set(e, ENOTSUP,
				       "%s: '%s' is not a device (a DRM "
				       "render node)",
				       what, node);
		return 0;
	}
	if ((dir = opendir("/dev/dri"))) {
		while (!found && (de = readdir(dir)))
			found = str_has_prefix(de->d_name, "renderD");
		closedir(dir);
	}
	if (!found)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENODEV,
				"%s: this host has no DRM render node "
				"(/dev/dri/renderD*) for OpenGL",
				what);
	return 0;
}

/* QEMU's module for a display (Debian builds them as modules). */
static int check_module(const char *what, const char *mod, const char *pkg,
			struct err **e)
{
	const char *dir = getenv("QEMU_MODULE_DIR");
	_cleanup_free_ char *p = NULL;
	struct stat st;

	if (!dir)
		dir = QEMU_MODULE_DIR_DEFAULT;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* a QEMU built without modules */
	p = xasprintf("%s/%s.so", dir, mod);
	if (access(p, R_OK) < 0)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"%s: QEMU's display is not installed ('%s' "
				"missing: Debian's %s package has it)",
				what, p, pkg);
	return 0;
}

/* An X display ':N' or ':N.S' on this host: its socket is there. */
static int check_x_display(const char *display, struct err **e)
{
	_cleanup_free_ char *sock = NULL;
	unsigned n;
	struct stat st;

	if (!display)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"<graphics type='sdl'>: no X display (give "
				"display=; nidod has none of its own)");
	if (sscanf(display, ":%u", &n) != 1)
		return err_set(e, ENOTSUP,
			       "<graphics type='sdl' display='%s'>: only a "
			       "local X display (':N') is supported",
			       display);
	sock = xasprintf("/tmp/.X11-unix/X%u", n);
	if (stat(sock, &st) < 0 || !S_ISSOCK(st.st_mode))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"<graphics type='sdl' display='%s'>: no X "
				"server on this host ('%s' missing)",
				display, sock);
	return 0;
}

/* A bus at 'unix:path=P': a socket there. */
static int check_dbus_address(const char *address, struct err **e)
{
	const char *path = address + strlen("unix:path=");
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"<graphics type='dbus' address='%s'>: no "
				"D-Bus bus listens there",
				address);
	return 0;
}

/* A virgl card draws through the display that has OpenGL. */
static int check_virgl(const struct domain_def *def, struct err **e)
{
	for (size_t i = 0; i < def->display.n_videos; i++)
		if (def->display.videos[i].accel3d == DOMAIN_TRISTATE_ON &&
		    !gl_displays(def))
			return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
					"<video> %zu <acceleration "
					"accel3d='yes'>: no display with "
					"OpenGL (<graphics "
					"type='egl-headless'>, or <gl "
					"enable='yes'>)",
					i);
	return 0;
}

int qemu_graphics_check_host(const struct domain_def *def, struct err **e)
{
	const struct domain_local_display *l = &def->display.local;
	const struct domain_spice *s = def->display.spice;

	if (check_virgl(def, e) < 0)
		return -ENOTSUP;
	if (l->sdl && (check_module("<graphics type='sdl'>", "ui-sdl",
				    "qemu-system-gui", e) < 0 ||
		       check_x_display(l->sdl_display, e) < 0))
		return -ENOENT;
	if (l->egl &&
	    (check_module("<graphics type='egl-headless'>", "ui-egl-headless",
			  "qemu-system-modules-opengl", e) < 0 ||
	     check_render_node("<graphics type='egl-headless'>",
			       l->egl_rendernode, e) < 0))
		return -ENOENT;
	if (l->dbus && check_module("<graphics type='dbus'>", "ui-dbus",
				    "qemu-system-modules-opengl", e) < 0)
		return -ENOENT;
	if (l->dbus && !l->dbus_address && l->dbus_p2p != DOMAIN_TRISTATE_ON)
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOTSUP,
				"<graphics type='dbus'> on a bus: nidod "
				"starts no D-Bus daemon for a domain (give "
				"address= or p2p='yes')");
	if (l->dbus && l->dbus_address &&
	    check_dbus_address(l->dbus_address, e) < 0)
		return -ENOENT;
	if (l->dbus_gl == DOMAIN_TRISTATE_ON &&
	    check_render_node("<graphics type='dbus'><gl>", l->dbus_rendernode,
			      e) < 0)
		return -ENOENT;
	if (s && s->gl == 1 &&
	    check_render_node("<graphics type='spice'><gl>", s->rendernode, e) <
		    0)
		return -ENOENT;
	return 0;
}

/* @env (NULL: the daemon's environment, copied) with @name set to
 * @value. */
static void env_set(char ***env, const char *name, const char *value)
{
	extern char **environ;
	size_t n = 0, len = strlen(name);
	char **src = *env ? *env : environ;
	char **out;
	size_t k = 0;

	while (src[n])
		n++;
	out = xcalloc(n + 2, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		bool same = !strncmp(src[i], name, len) && src[i][len] == '=';

		if (same && *env)
			free(src[i]);
		else if (!same)
			out[k++] = *env ? src[i] : xstrdup(src[i]);
	}
	out[k] = xasprintf("%s=%s", name, value);
	free(*env);
	*env = out;
}

void qemu_graphics_env(const struct domain_def *def, char ***env)
{
	const struct domain_local_display *l = &def->display.local;

	if (l->sdl && l->sdl_display)
		env_set(env, "DISPLAY", l->sdl_display);
	if (l->sdl && l->sdl_xauth)
		env_set(env, "XAUTHORITY", l->sdl_xauth);
	for (size_t i = 0; i < def->hw.n_audios; i++) {
		const struct domain_audio *au = &def->hw.audios[i];

		for (size_t j = 0; j < au->n_opts; j++)
			if (!domain_audio_keys[au->opts[j].key].qemu)
				env_set(env, "SDL_AUDIODRIVER",
					au->opts[j].value);
	}
}
