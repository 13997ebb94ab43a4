// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The display of a qemu domain (domain_conf_display.c,
 * driver-qemu-display.c): <graphics type='spice'> and the <video> cards
 * from domain XML as a user gives it, through `nido define`'s checks,
 * to QEMU's options as libvirt's .args files have them, and back out in
 * the definition; bad values refused by name.
 */
#include <errno.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "test.h"

static char *xml(const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type></os>"
			 "<devices>%s</devices></domain>",
			 devs);
}

/* The definition of @devs, checked by the qemu driver as define
 * checks it; NULL with *@err (malloc'ed) when refused. */
static struct domain_def *define(const char *devs, char **err)
{
	_cleanup_free_ char *text = xml(devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};

	*err = NULL;
	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0 ||
	    driver_qemu_validate(d, &w, &e) < 0) {
		*err = xstrdup(err_msg(e));
		domain_def_free(d);
		xml_warnings_clear(&w);
		return NULL;
	}
	for (size_t i = 0; i < w.n; i++)
		TEST_FAIL("warning: %s", w.msgs[i]);
	xml_warnings_clear(&w);
	return d;
}

/* QEMU's arguments for @d, each followed by "\n". */
static char *argv_of(const struct domain_def *d)
{
	struct qemu_argv a = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&out, &len);

	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	for (size_t i = 0; i < a.n; i++)
		fprintf(s, "%s\n", a.v[i]);
	fclose(s);
	qemu_argv_free(&a);
	return out;
}

/* The command line and the definition formatted again, for @devs. */
static char *argv_for(const char *devs, char **def)
{
	_cleanup_free_ char *err = NULL;
	struct domain_def *d = define(devs, &err);
	char *out;

	if (!d) {
		TEST_FAIL("refused: %s", err);
		return NULL;
	}
	out = argv_of(d);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}

static char *refusal(const char *devs)
{
	char *err = NULL;
	struct domain_def *d = define(devs, &err);

	domain_def_free(d);
	return err;
}

/* libvirt's graphics-spice.xml, its -spice as graphics-spice's .args
 * (the certificates' directory nido's; no password: no ticketing). */
static void spice_as_libvirt_passes_it(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"<graphics type='spice' port='5903' tlsPort='5904' "
		"autoport='no' listen='127.0.0.1' defaultMode='secure'>"
		"<listen type='address' address='127.0.0.1'/>"
		"<channel name='main' mode='secure'/>"
		"<channel name='inputs' mode='insecure'/>"
		"<image compression='auto_glz'/><jpeg compression='auto'/>"
		"<zlib compression='auto'/><playback compression='on'/>"
		"<streaming mode='filter'/><clipboard copypaste='no'/>"
		"<filetransfer enable='no'/><mouse mode='client'/>"
		"</graphics>",
		&def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(
		s, "-spice\nport=5903,tls-port=5904,addr=127.0.0.1,"
		   "x509-dir=" QEMU_SPICE_TLS_DIR ",disable-ticketing=on,"
		   "tls-channel=default,tls-channel=main,"
		   "plaintext-channel=inputs,agent-mouse=on,"
		   "image-compression=auto_glz,jpeg-wan-compression=auto,"
		   "zlib-glz-wan-compression=auto,playback-compression=on,"
		   "streaming-video=filter,disable-copy-paste=on,"
		   "disable-agent-file-xfer=on,seamless-migration=on\n");
	/* libvirt's default card for graphics */
	CHECK_STR_CONTAINS(s, "{\"driver\":\"VGA\",\"id\":\"video0\"");
	CHECK_STR_CONTAINS(def,
			   "<graphics type='spice' port='5903' tlsPort='5904' "
			   "autoport='no' listen='127.0.0.1' "
			   "defaultMode='secure'>\n"
			   "      <listen type='address' "
			   "address='127.0.0.1'/>\n"
			   "      <channel name='main' mode='secure'/>\n"
			   "      <channel name='inputs' mode='insecure'/>\n"
			   "      <image compression='auto_glz'/>\n");
	CHECK_STR_CONTAINS(def, "<mouse mode='client'/>\n"
				"      <filetransfer enable='no'/>\n"
				"    </graphics>\n");
}

/* A password goes through QMP, never on the command line; no port:
 * SPICE listens nowhere (port=0), as libvirt has it; a socket path's
 * commas are QEMU's escaped ones. */
static void spice_listens_where_it_is_told(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a =
		argv_for("<graphics type='spice' passwd='s3cr,et'/>", &def);
	_cleanup_free_ char *b = argv_for(
		"<graphics type='spice' autoport='yes'><listen type='socket' "
		"socket='/tmp/a,b.sock'/></graphics>",
		NULL);
	_cleanup_free_ char *c = argv_for(
		"<graphics type='spice'><listen type='none'/></graphics>",
		NULL);

	if (!a || !b || !c)
		return;
	CHECK_STR_CONTAINS(a, "-spice\nport=0,seamless-migration=on\n");
	CHECK(!strstr(a, "s3cr"));
	CHECK_STR_CONTAINS(def, "<graphics type='spice' autoport='no' "
				"passwd='s3cr,et'/>");
	CHECK_STR_CONTAINS(b, "-spice\nunix=on,addr=/tmp/a,,b.sock,"
			      "disable-ticketing=on,seamless-migration=on\n");
	CHECK_STR_CONTAINS(c, "-spice\nport=0,disable-ticketing=on,");
}

/* autoport: nidod picks free ports, reserved while the domain runs: a
 * second domain gets others; a TLS one only when a channel is TLS. */
static void spice_autoport_takes_free_ports(void)
{
	_cleanup_free_ char *err = NULL;
	struct domain_def *a =
		define("<graphics type='spice' autoport='yes'/>", &err);
	struct domain_def *b =
		define("<graphics type='spice' autoport='yes'>"
		       "<channel name='main' mode='secure'/></graphics>",
		       &err);
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *args = NULL;
	_cleanup_free_ char *want = NULL;
	_cleanup_free_ char *live = NULL;

	if (!a || !b) {
		TEST_FAIL("refused: %s", err);
		goto out;
	}
	CHECK_INT_EQ(qemu_spice_ports_take(a, &e), 0);
	CHECK_INT_EQ(qemu_spice_ports_take(b, &e), 0);
	CHECK(a->display.spice->port_live >= 6000);
	CHECK_INT_EQ(a->display.spice->tls_port_live, 0);
	CHECK(b->display.spice->port_live >= 6000);
	CHECK(b->display.spice->tls_port_live >= 6000);
	CHECK(a->display.spice->port_live != b->display.spice->port_live);
	CHECK(a->display.spice->port_live != b->display.spice->tls_port_live);
	CHECK(b->display.spice->port_live != b->display.spice->tls_port_live);
	args = argv_of(a);
	want = xasprintf("-spice\nport=%d,addr=127.0.0.1,",
			 a->display.spice->port_live);
	CHECK_STR_CONTAINS(args, want);
	/* the live definition names the port, as libvirt's */
	live = domain_def_format_active(a, 1);
	free(want);
	want = xasprintf("<graphics type='spice' port='%d' autoport='yes'/>",
			 a->display.spice->port_live);
	CHECK_STR_CONTAINS(live, want);
	qemu_spice_ports_release(a);
	qemu_spice_ports_release(b);
	CHECK_INT_EQ(a->display.spice->port_live, 0);
out:
	domain_def_free(a);
	domain_def_free(b);
}

static void spice_values_are_checked(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{"<graphics type='spice'><image compression='gzip'/>"
		 "</graphics>",
		 "invalid spice <image compression> 'gzip'"},
		{"<graphics type='spice'><gl rendernode='/dev/dri/x'/>"
		 "</graphics>",
		 "<gl> without enable"},
		{"<graphics type='spice'><gl enable='no' "
		 "rendernode='/dev/dri/x'/></graphics>",
		 "<gl rendernode> with enable='no'"},
		{"<graphics type='spice'><gl enable='yes' "
		 "rendernode='dri,x'/></graphics>",
		 "<gl rendernode='dri,x'>: not an absolute path"},
		{"<graphics type='spice' port='5900' autoport='no'>"
		 "<channel name='main' mode='secure'/></graphics>",
		 "spice channel 'main' secure without a tlsPort"},
		{"<graphics type='spice'><channel name='main' mode='secure'/>"
		 "<channel name='main' mode='any'/></graphics>",
		 "spice channel 'main' given twice"},
		{"<graphics type='spice'><channel name='mouse' mode='any'/>"
		 "</graphics>",
		 "invalid spice channel 'mouse'"},
		{"<graphics type='spice'><listen type='socket'/></graphics>",
		 "<listen type='socket'> without socket="},
		{"<graphics type='spice'><listen type='socket' "
		 "socket='rel.sock'/></graphics>",
		 "not an absolute path"},
		{"<graphics type='spice' port='5900'><listen type='none'/>"
		 "</graphics>",
		 "spice <listen type='none'> with a port"},
		{"<graphics type='spice' port='70000'/>", "70000"},
		{"<graphics type='spice' listen='host.example'/>",
		 "graphics listen 'host.example'"},
		{"<graphics type='spice'/><graphics type='spice'/>",
		 "a second <graphics type='spice'>"},
		{"<graphics type='spice'/><video><model type='none'/></video>",
		 "<graphics type='spice'> with <video> model 'none'"},
		{"<graphics type='gtk'/>", "graphics type 'gtk' not supported"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs);

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

/* libvirt's video-qxl-heads.xml: the primary card (second in the file)
 * is QEMU's qxl-vga and video0, the others qxl; sizes as bytes and
 * MiB; each at its own slot; the file's order kept in the definition. */
static void qxl_cards_as_libvirt_passes_them(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s =
		argv_for("<video><model type='qxl' ram='65536' vram='32768' "
			 "vgamem='8192' heads='3'/></video>"
			 "<video><model type='qxl' ram='65536' vram='65536' "
			 "vgamem='16384' heads='1' primary='yes'/></video>"
			 "<video><model type='virtio' heads='2'/></video>"
			 "<video><model type='qxl' vram64='131072'/></video>",
			 &def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"qxl-vga\",\"id\":\"video0\","
			      "\"max_outputs\":1,\"ram_size\":67108864,"
			      "\"vram_size\":67108864,\"vgamem_mb\":16,"
			      "\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"qxl\",\"id\":\"video1\","
			      "\"max_outputs\":3,\"ram_size\":67108864,"
			      "\"vram_size\":33554432,\"vgamem_mb\":8,"
			      "\"bus\":\"pci.0\",\"addr\":\"0x3\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-gpu-pci\",\"id\":"
			      "\"video2\",\"max_outputs\":2,\"bus\":\"pci.0\","
			      "\"addr\":\"0x4\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"qxl\",\"id\":\"video3\","
			      "\"vram64_size_mb\":128,");
	CHECK_STR_CONTAINS(def, "<model type='qxl' ram='65536' vram='32768' "
				"vgamem='8192' heads='3'/>");
	CHECK(strstr(def, "heads='3'") < strstr(def, "primary='yes'"));
	CHECK(strstr(def, "primary='yes'") < strstr(def, "type='virtio'"));
}

/* libvirt's video-bochs-display-device and video-ramfb-display-device:
 * bochs's vram as bochs-display's vgamem in bytes; ramfb off PCI. */
static void bochs_and_ramfb(void)
{
	_cleanup_free_ char *a = argv_for(
		"<video><model type='bochs' vram='16384'/></video>", NULL);
	_cleanup_free_ char *b =
		argv_for("<video><model type='ramfb'/></video>", NULL);
	_cleanup_free_ char *r = refusal(
		"<video><model type='ramfb'/><address type='pci' domain='0' "
		"bus='0' slot='2' function='0'/></video>");

	if (!a || !b)
		return;
	CHECK_STR_CONTAINS(a, "{\"driver\":\"bochs-display\",\"id\":"
			      "\"video0\",\"vgamem\":16777216,\"bus\":"
			      "\"pci.0\",\"addr\":\"0x2\"}");
	CHECK_STR_CONTAINS(b, "-device\n{\"driver\":\"ramfb\",\"id\":"
			      "\"video0\"}\n");
	CHECK_STR_CONTAINS(r, "an <address> on a ramfb card");
}

/* A card at the address given; the others around it. */
static void video_addresses_are_kept(void)
{
	_cleanup_free_ char *s = argv_for(
		"<video><model type='qxl'/><address type='pci' domain='0' "
		"bus='0' slot='5' function='0'/></video>"
		"<video><model type='qxl'/></video>",
		NULL);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"qxl-vga\",\"id\":\"video0\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x5\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"qxl\",\"id\":\"video1\","
			      "\"bus\":\"pci.0\",\"addr\":\"0x2\"}");
}

static void video_values_are_checked(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{"<video><model type='qxl'/></video>"
		 "<video><model type='vga'/></video>",
		 "<video> model 'vga' as a second card"},
		{"<video><model type='qxl' primary='yes'/></video>"
		 "<video><model type='qxl' primary='yes'/></video>",
		 "more than one primary <video>"},
		{"<video><model type='none'/></video>"
		 "<video><model type='qxl'/></video>",
		 "<video> model 'none' beside another <video>"},
		{"<video><model type='qxl' ram='65535'/></video>",
		 "ram='65535' (KiB): the qemu driver's qxl takes a power of "
		 "two of MiB"},
		{"<video><model type='qxl' vram='3072'/></video>",
		 "vram='3072'"},
		{"<video><model type='qxl' heads='17'/></video>", "17"},
		{"<video><model type='qxl' primary='maybe'/></video>",
		 "invalid video primary 'maybe'"},
		{"<video><model type='cirrus2'/></video>",
		 "invalid video model 'cirrus2'"},
		{"<video><model type='bochs' vram='1000'/></video>",
		 "the qemu driver's bochs takes a power of two of MiB"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs);

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

/* libvirt's usb-hub-autoadd and usb-long-port-path: the devices with a
 * port first, hubs before what is behind them, the others after (QEMU
 * gives them free ports); virtio inputs on PCI. */
static void inputs_and_hubs_on_their_ports(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"<input type='mouse' bus='usb'/>"
		"<input type='keyboard' bus='usb'><address type='usb' bus='0' "
		"port='1.1.2'/></input>"
		"<input type='tablet' bus='virtio'/>"
		"<input type='mouse' bus='ps2'/>"
		"<hub type='usb'><address type='usb' bus='0' port='1.1'/></hub>"
		"<hub type='usb'><address type='usb' bus='0' port='1'/></hub>"
		"<hub type='usb'/>",
		&def);
	const char *want[] = {
		"{\"driver\":\"usb-hub\",\"id\":\"hub1\",\"bus\":\"usb.0\","
		"\"port\":\"1\"}",
		"{\"driver\":\"usb-hub\",\"id\":\"hub0\",\"bus\":\"usb.0\","
		"\"port\":\"1.1\"}",
		"{\"driver\":\"usb-kbd\",\"id\":\"input1\",\"bus\":\"usb.0\","
		"\"port\":\"1.1.2\"}",
		"{\"driver\":\"usb-hub\",\"id\":\"hub2\",\"bus\":\"usb.0\"}",
		"{\"driver\":\"usb-mouse\",\"id\":\"input0\",\"bus\":"
		"\"usb.0\"}",
		"{\"driver\":\"virtio-tablet-pci\",\"id\":\"input2\",\"bus\":"
		"\"pci.0\",\"addr\":\"0x",
	};
	const char *at = s;

	if (!s)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const char *p = strstr(at, want[i]);

		CHECK_STR_CONTAINS(at, want[i]);
		at = p ? p : at;
	}
	CHECK_STR_CONTAINS(def, "<input type='mouse' bus='usb'/>\n"
				"    <input type='keyboard' bus='usb'>\n"
				"      <address type='usb' bus='0' "
				"port='1.1.2'/>\n    </input>\n"
				"    <input type='tablet' bus='virtio'/>\n"
				"    <input type='mouse' bus='ps2'/>\n");
	CHECK_STR_CONTAINS(def, "<hub type='usb'>\n      <address type='usb' "
				"bus='0' port='1.1'/>\n    </hub>\n");
}

static void usb_ports_are_checked(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{"<input type='mouse' bus='usb'><address type='usb' bus='0' "
		 "port='1.2'/></input>",
		 "<input> on USB port '1.2': no <hub> on port '1'"},
		{"<hub type='usb'><address type='usb' bus='0' port='1'/></hub>"
		 "<hub type='usb'><address type='usb' bus='0' port='1'/></hub>",
		 "USB port '1' used twice"},
		{"<input type='mouse' bus='usb'><address type='usb' bus='0' "
		 "port='3'/></input>",
		 "<input> on USB port '3': the USB controller has 2 ports"},
		{"<input type='mouse' bus='usb'><address type='usb' bus='0' "
		 "port='1.1.1.1.1'/></input>",
		 "USB port '1.1.1.1.1': not a port path"},
		{"<input type='mouse' bus='usb'><address type='usb' bus='0' "
		 "port='1..2'/></input>",
		 "USB port '1..2': not a port path"},
		{"<input type='mouse' bus='usb'><address type='usb' bus='1' "
		 "port='1'/></input>",
		 "USB bus '1'"},
		{"<controller type='usb' model='none'/><hub type='usb'/>",
		 "<input>, <hub> or <sound> on USB with USB controller model "
		 "'none'"},
		{"<input type='passthrough' bus='virtio'/>",
		 "<input type='passthrough' bus='virtio'> not supported"},
		{"<input type='mouse' bus='xen'/>",
		 "<input type='mouse' bus='xen'> not supported"},
		{"<hub type='pci'/>", "<hub type='pci'> not supported"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs);

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

/* libvirt's sound-device.xml: each model as QEMU's device on its bus,
 * an HDA's codecs on it (one duplex without any), all playing to the
 * implicit "none" backend; with <audio>s, the one named or the first. */
static void sound_devices_as_libvirt_passes_them(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"<sound model='pcspk'/><sound model='es1370'/>"
		"<sound model='sb16'/><sound model='ac97'/>"
		"<sound model='ich6'/><sound model='ich9'><codec type='micro'/>"
		"<codec type='output'/></sound>"
		"<sound model='usb'><address type='usb' bus='0' port='2'/>"
		"</sound>",
		&def);
	_cleanup_free_ char *t = argv_for(
		"<audio id='3' type='none'/><audio id='4' type='none'/>"
		"<sound model='ac97'/><sound model='sb16'><audio id='4'/>"
		"</sound>",
		NULL);

	if (!s || !t)
		return;
	CHECK_STR_CONTAINS(s, "-audiodev\n{\"id\":\"audio1\",\"driver\":"
			      "\"none\"}\n");
	CHECK_STR_CONTAINS(s, "-machine\npcspk-audiodev=audio1\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"ES1370\",\"id\":\"sound1\","
			      "\"audiodev\":\"audio1\",\"bus\":\"pci.0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"sb16\",\"id\":\"sound2\","
			      "\"audiodev\":\"audio1\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"intel-hda\",\"id\":\"sound4\","
			      "\"bus\":\"pci.0\"");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"hda-duplex\",\"id\":"
			      "\"sound4-codec0\",\"bus\":\"sound4.0\","
			      "\"cad\":0,\"audiodev\":\"audio1\"}");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"hda-output\",\"id\":"
			      "\"sound5-codec1\",\"bus\":\"sound5.0\","
			      "\"cad\":1,");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"usb-audio\",\"id\":\"sound6\","
			      "\"audiodev\":\"audio1\",\"bus\":\"usb.0\","
			      "\"port\":\"2\"}");
	CHECK_STR_CONTAINS(def, "<sound model='ich9'>\n      <codec "
				"type='micro'/>\n      <codec type='output'/>\n"
				"    </sound>\n");
	CHECK(!strstr(t, "\"driver\":\"none\"}\n-machine"));
	CHECK_STR_CONTAINS(t, "{\"driver\":\"AC97\",\"id\":\"sound0\","
			      "\"audiodev\":\"audio3\"");
	CHECK_STR_CONTAINS(t, "{\"driver\":\"sb16\",\"id\":\"sound1\","
			      "\"audiodev\":\"audio4\"}");
}

static void sound_values_are_checked(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{"<sound model='gus'/>", "invalid sound model 'gus'"},
		{"<sound model='ac97'><codec type='micro'/></sound>",
		 "<codec> on sound model 'ac97'"},
		{"<sound model='ich6'><codec type='loud'/></sound>",
		 "invalid codec type 'loud'"},
		{"<sound model='ac97'><audio id='2'/></sound>",
		 "<sound model='ac97'><audio id='2'>: no <audio> with that id"},
		{"<sound model='pcspk'/><sound model='pcspk'/>",
		 "the machine has one PC speaker"},
		{"<sound model='sb16'><address type='pci' domain='0' bus='0' "
		 "slot='3' function='0'/></sound>",
		 "a PCI <address> on sound model 'sb16'"},
		{"<sound model='ac97'><address type='usb' bus='0' port='1'/>"
		 "</sound>",
		 "a USB <address> on sound model 'ac97'"},
		{"<controller type='usb' model='none'/><sound model='usb'/>",
		 "with USB controller model 'none'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs);

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

/* libvirt's graphics-vnc-socket-new-cmdline and graphics-vnc-none: VNC
 * on a socket (QEMU's "vnc=" key, a path may hold '=' or ','), or on
 * none; no port in the definition. */
static void vnc_on_a_socket_or_none(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a = argv_for(
		"<graphics type='vnc' passwd='pw'><listen type='socket' "
		"socket='/tmp/foo=b,ar.sock'/></graphics>",
		&def);
	_cleanup_free_ char *b = argv_for(
		"<graphics type='vnc'><listen type='none'/></graphics>", NULL);
	_cleanup_free_ char *r1 =
		refusal("<graphics type='vnc' port='5901' autoport='no'>"
			"<listen type='none'/></graphics>");
	_cleanup_free_ char *r2 = refusal(
		"<graphics type='vnc'><listen type='socket'/></graphics>");
	_cleanup_free_ char *r3 =
		refusal("<graphics type='vnc' listen='127.0.0.1'><listen "
			"type='socket' socket='/tmp/x'/></graphics>");

	if (!a || !b)
		return;
	CHECK_STR_CONTAINS(a, "-vnc\nvnc=unix:/tmp/foo=b,,ar.sock,"
			      "password=on\n");
	CHECK_STR_CONTAINS(def, "<graphics type='vnc' passwd='pw' "
				"socket='/tmp/foo=b,ar.sock'>\n"
				"      <listen type='socket' "
				"socket='/tmp/foo=b,ar.sock'/>\n"
				"    </graphics>\n");
	CHECK_STR_CONTAINS(b, "-vnc\nnone\n");
	CHECK_STR_CONTAINS(r1, "with a port and <listen type='none'>");
	CHECK_STR_CONTAINS(r2, "<listen type='socket'> without socket=");
	CHECK_STR_CONTAINS(r3, "listen= with <listen type='socket'>");
}

/* libvirt's smartcard-* files: a CCID reader on USB and its card,
 * emulated (the host's NSS, or three certificates of a database) or
 * passed through a socket or SPICE. */
static void smartcards_as_libvirt_passes_them(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *a =
		argv_for("<smartcard mode='host-certificates'>"
			 "<certificate>c1</certificate><certificate>c2"
			 "</certificate><certificate>c3</certificate>"
			 "<database>/tmp/db</database></smartcard>",
			 &def);
	_cleanup_free_ char *b =
		argv_for("<smartcard mode='passthrough' type='tcp'>"
			 "<source mode='bind' host='127.0.0.1' service='2001'/>"
			 "<protocol type='raw'/></smartcard>",
			 NULL);
	_cleanup_free_ char *c = argv_for(
		"<graphics type='spice'/><smartcard mode='passthrough' "
		"type='spicevmc'/>",
		NULL);
	_cleanup_free_ char *d = argv_for(
		"<smartcard mode='host'><address type='ccid' controller='0' "
		"slot='0'/></smartcard>",
		NULL);

	if (!a || !b || !c || !d)
		return;
	CHECK_STR_CONTAINS(a, "{\"driver\":\"usb-ccid\",\"id\":\"ccid0\","
			      "\"bus\":\"usb.0\"}");
	CHECK_STR_CONTAINS(a, "{\"driver\":\"ccid-card-emulated\",\"backend\""
			      ":\"certificates\",\"cert1\":\"c1\",\"cert2\":"
			      "\"c2\",\"cert3\":\"c3\",\"db\":\"/tmp/db\","
			      "\"id\":\"smartcard0\",\"bus\":\"ccid0.0\"}");
	CHECK_STR_CONTAINS(def, "<smartcard mode='host-certificates'>\n"
				"      <certificate>c1</certificate>\n");
	CHECK_STR_CONTAINS(def, "<database>/tmp/db</database>\n"
				"    </smartcard>\n");
	CHECK_STR_CONTAINS(b, "-chardev\nsocket,id=charsmartcard0,host="
			      "127.0.0.1,port=2001,server=on,wait=off\n");
	CHECK_STR_CONTAINS(b, "{\"driver\":\"ccid-card-passthru\","
			      "\"chardev\":\"charsmartcard0\"");
	CHECK_STR_CONTAINS(c, "-chardev\nspicevmc,id=charsmartcard0,"
			      "name=smartcard\n");
	CHECK_STR_CONTAINS(d, "\"backend\":\"nss-emulated\"");
}

static void smartcard_values_are_checked(void)
{
	static const struct {
		const char *devs, *words;
	} cases[] = {
		{"<smartcard mode='magic'/>", "invalid smartcard mode 'magic'"},
		{"<smartcard mode='host-certificates'><certificate>a"
		 "</certificate></smartcard>",
		 "needs 3 <certificate>s, not 1"},
		{"<smartcard mode='host-certificates'><certificate>a,b"
		 "</certificate><certificate>c</certificate><certificate>d"
		 "</certificate></smartcard>",
		 "smartcard certificate 'a,b': ','"},
		{"<smartcard mode='passthrough' type='spicevmc'/>",
		 "<smartcard type='spicevmc'> without <graphics type='spice'>"},
		{"<smartcard mode='passthrough' type='tcp'><source mode='bind' "
		 "host='h' service='http'/></smartcard>",
		 "smartcard service"},
		{"<smartcard mode='passthrough' type='unix'><source "
		 "mode='bind' path='rel'/></smartcard>",
		 "smartcard <source path>"},
		{"<smartcard mode='passthrough' type='tcp'><source mode='bind' "
		 "host='h' service='1'/><protocol type='telnet'/></smartcard>",
		 "smartcard <protocol type='telnet'> not supported"},
		{"<smartcard mode='host'/><smartcard mode='host'/>",
		 "a second <smartcard>"},
		{"<smartcard mode='host'><address type='ccid' controller='1' "
		 "slot='0'/></smartcard>",
		 "type 'ccid', controller 0, slot 0"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *r = refusal(cases[i].devs);

		CHECK_STR_CONTAINS(r, cases[i].words);
	}
}

/* nido-vmm and containers have no SPICE: refused by name. */
static void other_drivers_refuse_spice(void)
{
	static const char *const devs[] = {
		"<graphics type='spice'/>",
		"<graphics type='spice'/><video><model type='qxl'/></video>",
	};

	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		_cleanup_free_ char *text = xasprintf(
			"<domain type='kvm'><name>m</name><memory unit='MiB'>"
			"64</memory><os><type>hvm</type><kernel>/k</kernel>"
			"</os><devices><emulator>/usr/bin/nido-vmm"
			"</emulator>%s</devices></domain>",
			devs[i]);
		struct domain_def *d = NULL;
		_cleanup_err_ struct err *e = NULL;

		CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) < 0);
		CHECK_STR_CONTAINS(err_msg(e), "<graphics type='spice'>");
		CHECK_STR_CONTAINS(err_msg(e),
				   "not supported by the kvm driver");
		domain_def_free(d);
	}
}

int main(void)
{
	RUN(spice_as_libvirt_passes_it);
	RUN(spice_listens_where_it_is_told);
	RUN(spice_autoport_takes_free_ports);
	RUN(spice_values_are_checked);
	RUN(qxl_cards_as_libvirt_passes_them);
	RUN(video_addresses_are_kept);
	RUN(video_values_are_checked);
	RUN(bochs_and_ramfb);
	RUN(other_drivers_refuse_spice);
	RUN(inputs_and_hubs_on_their_ports);
	RUN(usb_ports_are_checked);
	RUN(sound_devices_as_libvirt_passes_them);
	RUN(sound_values_are_checked);
	RUN(vnc_on_a_socket_or_none);
	RUN(smartcards_as_libvirt_passes_them);
	RUN(smartcard_values_are_checked);
	return test_done();
}
