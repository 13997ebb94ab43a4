// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Displays, SPICE channels and security labels of a qemu domain
 * (domain_conf_graphics.c, domain_conf_seclabel.c,
 * driver-qemu-graphics.c, driver-qemu-seclabel.c): domain XML as a user
 * gives it, QEMU's options as libvirt 9.0's .args files have them, the
 * definition formatted again; bad values refused by name; what this
 * host lacks named at start.
 */
#include <errno.h>

#include "daemon/domain_conf.h"
#include "daemon/domain_conf_graphics.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

static char *xml(const char *devs, const char *top)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type></os>"
			 "<devices>%s</devices>%s</domain>",
			 devs, top);
}

/* @devs (and @top, after <devices>) defined: its command line, its
 * definition in *@def, its warnings joined in *@warn (each may be
 * NULL); NULL when refused (a test failure). */
static struct domain_def *define(const char *devs, const char *top, char **warn)
{
	_cleanup_free_ char *text = xml(devs, top);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	char *all = xstrdup("");

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		free(all);
		xml_warnings_clear(&w);
		return NULL;
	}
	for (size_t i = 0; i < w.n; i++) {
		char *n = xasprintf("%s%s\n", all, w.msgs[i]);

		free(all);
		all = n;
	}
	if (warn)
		*warn = all;
	else if (*all)
		TEST_FAIL("warnings: %s", all);
	if (!warn)
		free(all);
	xml_warnings_clear(&w);
	return d;
}

static char *argv_for(const char *devs, const char *top, char **def)
{
	struct domain_def *d = define(devs, top, NULL);
	struct qemu_argv a = {0};

	if (!d)
		return NULL;
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	qemu_argv_chardevs(&a, d, 30, 1);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return qemu_test_args(&a);
}

static char *refusal(const char *devs, const char *top)
{
	_cleanup_free_ char *text = xml(devs, top);

	return qemu_test_refusal(text);
}

/* libvirt's channel-spicevmc and serial-spiceport: the agent's channel
 * of the SPICE server on a virtio-serial port named com.redhat.spice.0
 * when no name is given, a SPICE port as a serial port. */
static void spice_channels(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a = argv_for(
		"<graphics type='spice' port='5903' autoport='no'/>"
		"<channel type='spicevmc'><target type='virtio'/></channel>"
		"<serial type='spiceport'><source "
		"channel='org.qemu.console.serial.0'/><target port='0'/>"
		"</serial><channel type='qemu-vdagent'><target type='virtio' "
		"name='org.qemu.vdagent.0'/><source><clipboard "
		"copypaste='yes'/><mouse mode='server'/></source></channel>",
		"", &def);

	if (!a)
		return;
	CHECK_STR_CONTAINS(a, "-chardev\nspiceport,id=charserial0,"
			      "name=org.qemu.console.serial.0\n");
	CHECK_STR_CONTAINS(a, "-chardev\nspicevmc,id=charchannel0,"
			      "name=vdagent\n");
	CHECK_STR_CONTAINS(a, "\"chardev\":\"charchannel0\"");
	CHECK_STR_CONTAINS(a, "-chardev\nqemu-vdagent,id=charchannel1,"
			      "name=vdagent,clipboard=on,mouse=off\n");
	CHECK_STR_CONTAINS(def, "<channel type='qemu-vdagent'>\n"
				"      <source>\n"
				"        <clipboard copypaste='yes'/>\n"
				"        <mouse mode='server'/>\n"
				"      </source>\n");
	CHECK_STR_CONTAINS(a, "\"name\":\"com.redhat.spice.0\"");
	CHECK_STR_CONTAINS(def, "<channel type='spicevmc'>\n"
				"      <target type='virtio' "
				"name='com.redhat.spice.0'/>");
	CHECK_STR_CONTAINS(def, "<serial type='spiceport'>\n      <source "
				"channel='org.qemu.console.serial.0'/>");
}

/* libvirt's graphics-vnc-policy, -power, -websocket, audio-many-backends:
 * share=, power-control=, websocket=, audiodev= on -vnc. */
static void vnc_options(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a = argv_for(
		"<graphics type='vnc' port='5900' autoport='no' "
		"websocket='5700' sharePolicy='allow-exclusive' "
		"powerControl='yes'><audio id='2'/></graphics>"
		"<audio id='1' type='none'/><audio id='2' type='alsa'/>",
		"", &def);
	_cleanup_free_ char *s = argv_for(
		"<graphics type='vnc' socket='/run/x/vnc.sock'/>", "", NULL);

	if (!a || !s)
		return;
	CHECK_STR_CONTAINS(a, "-vnc\n127.0.0.1:0,share=allow-exclusive,"
			      "power-control=on,websocket=5700,"
			      "audiodev=audio2\n");
	CHECK_STR_CONTAINS(def, " websocket='5700' "
				"sharePolicy='allow-exclusive' "
				"powerControl='yes'>\n      <audio id='2'/>\n");
	CHECK_STR_CONTAINS(s, "-vnc\nvnc=unix:/run/x/vnc.sock\n");
}

static void vnc_values_are_checked(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{"<graphics type='vnc' websocket='-1'/>",
		 "websocket='-1' not supported"},
		{"<graphics type='vnc' websocket='70000'/>",
		 "VNC websocket 70000 out of range"},
		{"<graphics type='vnc' sharePolicy='all'/>",
		 "invalid VNC sharePolicy 'all'"},
		{"<graphics type='vnc' powerControl='on'/>",
		 "invalid VNC powerControl 'on'"},
		{"<graphics type='vnc' connected='disconnect'/>",
		 "connected='disconnect'> not supported"},
		{"<graphics type='vnc' passwdValidTo='tomorrow'/>",
		 "invalid passwdValidTo 'tomorrow'"},
		{"<graphics type='vnc' websocket='5700'><listen type='none'/>"
		 "</graphics>",
		 "websocket= with <listen type='none'>"},
		{"<graphics type='vnc'><audio id='3'/></graphics>",
		 "<graphics type='vnc'><audio id='3'>: no <audio>"},
		{"<graphics type='vnc' socket='rel.sock'/>",
		 "<listen socket='rel.sock'>: not an absolute path"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs, "");

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

/* passwdValidTo: seconds since the epoch, UTC (QMP expire_password);
 * connected= kept for SPICE. */
static void password_expiry(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a =
		argv_for("<graphics type='spice' port='5900' autoport='no' "
			 "passwd='sercet' passwdValidTo='2011-05-31T16:11:22' "
			 "connected='disconnect'/>",
			 "", &def);

	CHECK(domain_graphics_valid_to("2011-05-31T16:11:22") == 1306858282LL);
	CHECK(domain_graphics_valid_to("2011-05-31 16:11:22") == -1LL);
	CHECK_STR_CONTAINS(def, " passwd='sercet' "
				"passwdValidTo='2011-05-31T16:11:22' "
				"connected='disconnect'");
	CHECK(a && !strstr(a, "sercet"));
}

/* libvirt's graphics-sdl-fullscreen, graphics-egl-headless-rendernode,
 * graphics-dbus-audio, graphics-spice-gl-auto-rendernode. */
static void local_displays(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *sdl = argv_for(
		"<graphics type='sdl' display=':0.1' xauth='/root/.Xauthority' "
		"fullscreen='yes'><gl enable='yes'/></graphics>",
		"", &def);
	_cleanup_free_ char *egl =
		argv_for("<graphics type='vnc'/><graphics type='egl-headless'>"
			 "<gl rendernode='/dev/dri/foo'/></graphics>",
			 "", NULL);
	_cleanup_free_ char *dbus = argv_for(
		"<graphics type='dbus' p2p='yes'><audio id='1'/></graphics>"
		"<audio id='1' type='dbus'/><serial type='dbus'><source "
		"channel='org.qemu.console.serial.0'/></serial>",
		"", NULL);
	_cleanup_free_ char *spice = argv_for(
		"<graphics type='spice' autoport='no'><gl enable='yes' "
		"rendernode='/dev/dri/foo'/></graphics>",
		"", NULL);
	_cleanup_free_ char *none = argv_for("", "", NULL);
	_cleanup_free_ char *virgl = argv_for(
		"<graphics type='vnc'/><graphics type='egl-headless'/>"
		"<video><model type='virtio' heads='1'><acceleration "
		"accel3d='yes'/></model></video><video><model type='virtio'>"
		"<acceleration accel3d='yes'/></model></video>",
		"", NULL);

	if (!sdl || !egl || !dbus || !spice || !none || !virgl)
		return;
	CHECK_STR_CONTAINS(virgl, "{\"driver\":\"virtio-vga-gl\",\"id\":"
				  "\"video0\",\"max_outputs\":1");
	CHECK_STR_CONTAINS(virgl, "{\"driver\":\"virtio-gpu-gl-pci\",\"id\":"
				  "\"video1\"");
	CHECK_STR_CONTAINS(sdl, "-full-screen\n-display\nsdl,gl=on\n");
	CHECK_STR_CONTAINS(def, "<graphics type='sdl' display=':0.1' "
				"xauth='/root/.Xauthority' "
				"fullscreen='yes'>\n      <gl "
				"enable='yes'/>\n");
	CHECK_STR_CONTAINS(egl, "-display\negl-headless,rendernode=/dev/dri/"
				"foo\n");
	CHECK_STR_CONTAINS(dbus, "-display\ndbus,p2p=on,audiodev=audio1\n");
	CHECK_STR_CONTAINS(dbus, "\"driver\":\"dbus\"");
	CHECK_STR_CONTAINS(dbus, "-chardev\ndbus,id=charserial0,"
				 "name=org.qemu.console.serial.0\n");
	CHECK_STR_CONTAINS(spice, ",gl=on,rendernode=/dev/dri/foo");
	CHECK_STR_CONTAINS(none, "-display\nnone\n");
}

static void local_display_rules(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{"<graphics type='sdl'/><graphics type='egl-headless'/>",
		 "QEMU draws one local display"},
		{"<graphics type='spice'><gl enable='yes'/></graphics>"
		 "<graphics type='egl-headless'/>",
		 "more than one display with OpenGL"},
		{"<graphics type='vnc'/><audio id='1' type='spice'/>",
		 "<audio id='1' type='spice'> without <graphics "
		 "type='spice'>"},
		{"<graphics type='dbus'><audio id='2'/></graphics>",
		 "<graphics type='dbus'><audio id='2'>: no <audio>"},
		{"<graphics type='dbus' address='tcp:host=x'/>",
		 "dbus address 'tcp:host=x' not supported"},
		{"<graphics type='dbus' address='unix:path=/x' p2p='yes'/>",
		 "dbus address= with p2p='yes'"},
		{"<graphics type='sdl' xauth='x'/>",
		 "sdl xauth 'x': not an absolute path"},
		{"<graphics type='egl-headless'><gl rendernode='a/../b'/>"
		 "</graphics>",
		 "<gl rendernode='a/../b'>: not an absolute path"},
		{"<graphics type='sdl'/><graphics type='sdl'/>",
		 "a second <graphics type='sdl'>"},
		{"<serial type='dbus'><source channel='x'/></serial>",
		 "serial port 0: type 'dbus' without <graphics type='dbus'>"},
		{"<video><model type='qxl'><acceleration accel3d='yes'/>"
		 "</model></video>",
		 "<acceleration> on video model 'qxl' (virtio only)"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs, "");

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

/* What the host lacks is named when the domain starts. */
static char *host_error(const char *devs)
{
	struct domain_def *d = define(devs, "", NULL);
	_cleanup_err_ struct err *e = NULL;
	char *m;

	if (!d)
		return NULL;
	m = qemu_graphics_check_host(d, &e) < 0 ? xstrdup(err_msg(e)) : NULL;
	domain_def_free(d);
	return m;
}

static void host_checks(void)
{
	_cleanup_free_ char *sdl = host_error("<graphics type='sdl'/>");
	_cleanup_free_ char *egl =
		host_error("<graphics type='egl-headless'><gl "
			   "rendernode='/nonexistent/renderD128'/></graphics>");
	_cleanup_free_ char *bus = host_error("<graphics type='dbus'/>");
	_cleanup_free_ char *addr = host_error(
		"<graphics type='dbus' address='unix:path=/nonexistent'/>");
	_cleanup_free_ char *gl =
		host_error("<graphics type='spice'><gl enable='yes' "
			   "rendernode='/nonexistent/r'/></graphics>");
	_cleanup_free_ char *virgl =
		host_error("<graphics type='vnc'/><video><model "
			   "type='virtio'><acceleration accel3d='yes'/>"
			   "</model></video>");

	/* no X display given: the module or the display is named */
	CHECK_STR_CONTAINS(sdl, "<graphics type='sdl'>");
	CHECK_STR_CONTAINS(egl, "<graphics type='egl-headless'>");
	CHECK_STR_CONTAINS(bus, "nidod starts no D-Bus daemon");
	CHECK_STR_CONTAINS(addr, "address='unix:path=/nonexistent'>: no "
				 "D-Bus bus");
	CHECK_STR_CONTAINS(gl, "render node '/nonexistent/r'");
	CHECK_STR_CONTAINS(virgl, "<video> 0 <acceleration accel3d='yes'>: "
				  "no display with OpenGL");
}

/* SDL's display and audio driver reach QEMU's environment. */
static void sdl_environment(void)
{
	struct domain_def *d =
		define("<graphics type='sdl' display=':0.1' "
		       "xauth='/root/.Xauthority'/>"
		       "<audio id='1' type='sdl' driver='pulseaudio'/>",
		       "", NULL);
	char **env = NULL;
	bool display = false, xauth = false, drv = false;

	if (!d)
		return;
	qemu_graphics_env(d, &env);
	for (size_t i = 0; env && env[i]; i++) {
		display = display || streq(env[i], "DISPLAY=:0.1");
		xauth = xauth || streq(env[i], "XAUTHORITY=/root/.Xauthority");
		drv = drv || streq(env[i], "SDL_AUDIODRIVER=pulseaudio");
		free(env[i]);
	}
	free(env);
	CHECK(display && xauth && drv);
	domain_def_free(d);
}

/* DAC labels: dynamic is nidod's per-VM identity, static a user and
 * group QEMU runs as; other models warned by name. */
static void seclabels(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *warn = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct domain_def *d =
		define("",
		       "<seclabel type='static' model='dac' relabel='no'>"
		       "<label>+1234:+5678</label></seclabel>",
		       NULL);
	struct domain_def *dyn =
		define("", "<seclabel type='dynamic' relabel='yes'/>", NULL);
	struct domain_def *sel =
		define("", "<seclabel type='dynamic' model='selinux'/>", &warn);
	uid_t uid = 0;
	gid_t gid = 0;

	if (!d || !dyn || !sel)
		goto out;
	def = domain_def_format(d);
	CHECK_STR_CONTAINS(def,
			   "<seclabel type='static' model='dac' "
			   "relabel='no'>\n    <label>+1234:+5678</label>");
	CHECK_INT_EQ(qemu_seclabel_ids(d, &uid, &gid, &e),
		     geteuid() ? -EPERM : 1);
	if (!geteuid())
		CHECK(uid == 1234 && gid == 5678);
	CHECK_INT_EQ(qemu_seclabel_ids(dyn, &uid, &gid, &e), 0);
	CHECK_STR_CONTAINS(warn, "this host has no SELinux");
out:
	domain_def_free(d);
	domain_def_free(dyn);
	domain_def_free(sel);
}

static void seclabel_values_are_checked(void)
{
	static const struct {
		const char *top, *words;
	} cases[] = {
		{"<seclabel type='static' model='dac'><label>root:root</label>"
		 "</seclabel>",
		 "nido runs no QEMU as root"},
		{"<seclabel type='static' model='dac'><label>+0:+0</label>"
		 "</seclabel>",
		 "nido runs no QEMU as root"},
		{"<seclabel type='static' model='dac'><label>qemu</label>"
		 "</seclabel>",
		 "invalid DAC label 'qemu'"},
		{"<seclabel type='dynamic' model='dac' relabel='no'/>",
		 "a dynamic label relabels"},
		{"<seclabel type='dynamic' model='dac'/>"
		 "<seclabel type='dynamic' model='dac'/>",
		 "a second <seclabel model='dac'>"},
		{"<seclabel type='none'/><seclabel type='dynamic' "
		 "model='dac'/>",
		 "<seclabel> without model= among several labels"},
		{"<seclabel type='odd'/>", "invalid seclabel type 'odd'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal("", cases[i].top);

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

int main(void)
{
	RUN(spice_channels);
	RUN(vnc_options);
	RUN(vnc_values_are_checked);
	RUN(password_expiry);
	RUN(local_displays);
	RUN(local_display_rules);
	RUN(host_checks);
	RUN(sdl_environment);
	RUN(seclabels);
	RUN(seclabel_values_are_checked);
	return test_done();
}
