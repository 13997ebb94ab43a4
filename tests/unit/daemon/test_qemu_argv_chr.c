// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Serial ports and consoles connected to something other than a pty
 * (domain_conf_chardev.c, driver-qemu-chr.c): from domain XML, through
 * define's checks, to QEMU's -chardev and -device as libvirt gives them
 * (by fd where nidod opens the file or socket, by path natively), back
 * out in the definition; and what nidod opens for QEMU, and refuses to.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "qemu-test.h"
#include "test.h"

static char *xml(const char *type, const char *devs)
{
	return xasprintf("<domain type='%s'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type>"
			 "<kernel>/k</kernel></os><devices>%s</devices>"
			 "</domain>",
			 type, devs);
}

/* The serial ports' arguments for @devs (first fd @fd, first set 1;
 * @fd -1: by path), separated by "\n"; the definition again in @def. */
static char *chr_argv(const char *devs, int fd, char **def)
{
	_cleanup_free_ char *text = xml("qemu", devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	struct qemu_argv a = {0};
	char *out = NULL;

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	for (size_t i = 0; i < w.n; i++)
		TEST_FAIL("warning: %s", w.msgs[i]);
	xml_warnings_clear(&w);
	qemu_argv_chardevs(&a, d, fd, 1);
	out = qemu_test_args(&a);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}

/* The error define gives for @devs on @type (NULL: accepted). */
static char *refusal(const char *type, const char *devs)
{
	_cleanup_free_ char *text = xml(type, devs);

	return qemu_test_refusal(text);
}

static const char many_devs[] =
	"<serial type='file'><source path='/var/log/g.log' append='on'/>"
	"<log file='/var/log/g.serial' append='off'/><target port='0'/>"
	"</serial>"
	"<serial type='unix'><source mode='bind' path='/run/g.sock'/>"
	"<target port='1'/></serial>"
	"<serial type='tcp'><source mode='bind' host='127.0.0.1' "
	"service='9999'/><protocol type='telnet'/><target port='2'/></serial>"
	"<serial type='udp'><source mode='bind' host='127.0.0.1' "
	"service='1111'/><source mode='connect' host='10.0.0.1' "
	"service='2222'/><target port='3'/></serial>"
	"<serial type='dev'><source path='/dev/ttyS2'/>"
	"<target type='pci-serial' port='4'/><address type='pci' "
	"domain='0x0000' bus='0x00' slot='0x09' function='0x0'/></serial>"
	"<serial type='null'><target type='pci-serial' port='5'/></serial>"
	"<console type='file'><source path='/var/log/g.log'/>"
	"<target type='serial' port='0'/></console>";

static void chardevs_by_fd_and_by_path(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = chr_argv(many_devs, 20, &def);
	_cleanup_free_ char *n = chr_argv(many_devs, -1, NULL);

	if (!s || !n)
		return;
	/* files and ttys in fd sets, sockets as fds, QEMU's own inet */
	CHECK_STR_CONTAINS(s, "-add-fd\nset=1,fd=20\n-add-fd\nset=2,fd=21\n"
			      "-chardev\nfile,id=charserial0,path=/dev/fdset/"
			      "1,append=on,logfile=/dev/fdset/2,logappend=on\n"
			      "-device\n{\"driver\":\"isa-serial\",\"chardev\":"
			      "\"charserial0\",\"id\":\"serial0\",\"index\":0}"
			      "\n");
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charserial1,fd=22,server=on,"
			      "wait=off\n");
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charserial2,host=127.0.0.1,"
			      "port=9999,telnet=on,server=on,wait=off\n");
	CHECK_STR_CONTAINS(s, "-chardev\nudp,id=charserial3,host=10.0.0.1,"
			      "port=2222,localaddr=127.0.0.1,localport=1111\n");
	CHECK_STR_CONTAINS(s, "-add-fd\nset=3,fd=23\n-chardev\nserial,id="
			      "charserial4,path=/dev/fdset/3\n-device\n{"
			      "\"driver\":\"pci-serial\",\"chardev\":"
			      "\"charserial4\",\"id\":\"serial4\",\"bus\":"
			      "\"pci.0\",\"addr\":\"0x9\"}\n");
	/* the next free slot after the given 9 (2: the first free) */
	CHECK_STR_CONTAINS(s, "-chardev\nnull,id=charserial5\n-device\n{"
			      "\"driver\":\"pci-serial\",\"chardev\":"
			      "\"charserial5\",\"id\":\"serial5\",\"bus\":"
			      "\"pci.0\",\"addr\":\"0x");
	/* natively: the paths, no fds */
	CHECK(!strstr(n, "-add-fd") && !strstr(n, "fd="));
	CHECK_STR_CONTAINS(n, "file,id=charserial0,path=/var/log/g.log,"
			      "append=on,logfile=/var/log/g.serial,"
			      "logappend=on\n");
	CHECK_STR_CONTAINS(n, "socket,id=charserial1,path=/run/g.sock,"
			      "server=on,wait=off\n");
	CHECK_STR_CONTAINS(n, "serial,id=charserial4,path=/dev/ttyS2\n");
	/* and the definition says it all again */
	CHECK_STR_CONTAINS(def, "<serial type='file'>\n      <source "
				"path='/var/log/g.log' append='on'/>\n");
	CHECK_STR_CONTAINS(def, "<source mode='bind' path='/run/g.sock'/>");
	CHECK_STR_CONTAINS(def, "<source mode='bind' host='127.0.0.1' "
				"service='9999'/>\n      <protocol "
				"type='telnet'/>");
	CHECK_STR_CONTAINS(def, "<source mode='bind' host='127.0.0.1' "
				"service='1111'/>\n      <source "
				"mode='connect' host='10.0.0.1' "
				"service='2222'/>");
	CHECK_STR_CONTAINS(def, "<target type='pci-serial' port='4'/>\n"
				"      <address type='pci' domain='0x0000' "
				"bus='0x00' slot='0x09' function='0x0'/>");
	CHECK_STR_CONTAINS(def, "<console type='file'>\n      <source "
				"path='/var/log/g.log'/>");
	CHECK_STR_CONTAINS(def, "<serial type='null'>");
}

static void isa_address_and_unix_client(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s =
		chr_argv("<serial type='unix'><source mode='connect' "
			 "path='/run/c.sock'/>"
			 "<address type='isa' iobase='0x2f8' irq='3'/></serial>"
			 "<serial type='vc'/>",
			 7, &def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s,
			   "socket,id=charserial0,fd=7\n-device\n{\"driver\":"
			   "\"isa-serial\",\"chardev\":\"charserial0\","
			   "\"id\":\"serial0\",\"index\":0,\"iobase\":760,"
			   "\"irq\":3}\n");
	CHECK_STR_CONTAINS(s, "vc,id=charserial1\n");
	CHECK_STR_CONTAINS(def, "<address type='isa' iobase='0x2f8' "
				"irq='0x3'/>");
}

static void hostile_values_are_named(void)
{
	static const struct {
		const char *devs, *msg;
	} cases[] = {
		{"<serial type='file'/>", "type 'file' without <source path=>"},
		{"<serial type='file'><source path='rel/x'/></serial>",
		 "source path 'rel/x': not an absolute path"},
		{"<serial type='dev'><source path='/dev/../etc/x'/></serial>",
		 "without '..'"},
		{"<serial type='unix'><source mode='listen' path='/a'/>"
		 "</serial>",
		 "invalid source mode 'listen'"},
		{"<serial type='tcp'><source mode='connect' service='1'/>"
		 "</serial>",
		 "a tcp client's <source> without host="},
		{"<serial type='tcp'><source mode='bind' service='65536'/>"
		 "</serial>",
		 "source service 65536 out of range"},
		{"<serial type='tcp'><source mode='bind' service='1' "
		 "tls='yes'/></serial>",
		 "<source tls='yes'> not supported"},
		{"<serial type='tcp'><source mode='bind' service='1'/>"
		 "<protocol type='telnets'/></serial>",
		 "protocol type 'telnets' not supported"},
		{"<serial type='unix'><source mode='connect' path='/a'>"
		 "<reconnect enabled='yes' timeout='10'/></source></serial>",
		 "<reconnect> not supported"},
		{"<serial type='udp'><source mode='bind' "
		 "service='1'/></serial>",
		 "type 'udp' without <source mode='connect' service=>"},
		{"<serial type='stdio'/>", "type 'stdio' not supported"},
		{"<serial type='spiceport'/>",
		 "type 'spiceport' without <source channel=>"},
		{"<serial type='spiceport'><source channel='a,b'/></serial>",
		 "invalid spiceport channel 'a,b'"},
		{"<serial type='spicevmc'/>",
		 "type 'spicevmc' is a SPICE agent's: on a <channel> only"},
		{"<serial type='spiceport'><source channel='x'/></serial>",
		 "serial port 0: type 'spiceport' without <graphics "
		 "type='spice'>"},
		{"<channel type='spicevmc'><target type='virtio'/></channel>",
		 "channel 0: type 'spicevmc' without <graphics type='spice'>"},
		{"<serial type='bogus'/>", "invalid type 'bogus'"},
		{"<serial type='pty'><target type='pci-serial'><model "
		 "name='isa-serial'/></target></serial>",
		 "serial target model 'isa-serial' is not its type"},
		{"<serial type='pty'><address type='isa' iobase='0x10000'/>"
		 "</serial>",
		 "invalid address iobase '0x10000'"},
		{"<serial type='pty'><address type='isa' irq='16'/></serial>",
		 "invalid address irq '16'"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *m = refusal("qemu", cases[i].devs);

		CHECK_STR_CONTAINS(m, cases[i].msg);
	}
}

/* nido-vmm has one pty serial port: the others are refused by name. */
static void kvm_driver_refuses_them(void)
{
	_cleanup_free_ char *text = xasprintf(
		"<domain type='kvm'><name>m</name><memory unit='MiB'>64"
		"</memory><os><type>hvm</type><kernel>/k</kernel></os>"
		"<devices><emulator>/usr/bin/nido-vmm</emulator><serial "
		"type='file'><source path='/tmp/x'/></serial></devices>"
		"</domain>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "<serial> of a type other than pty");
	CHECK_STR_CONTAINS(err_msg(e), "not supported by the kvm driver");
	domain_def_free(d);
}

/* What nidod opens for QEMU: a file made 0600, a listening socket; not a
 * symbolic link, a file with two names, or a device that is no tty. */
static void what_nidod_opens(void)
{
	char dir[] = "/tmp/nido-chr-XXXXXX";
	_cleanup_free_ char *lnk = NULL, *hard = NULL, *devs2 = NULL;
	_cleanup_free_ char *f = NULL, *sock = NULL, *text = NULL;
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	int fds[4] = {-1, -1, -1, -1};
	struct stat st;

	CHECK(mkdtemp(dir));
	f = xasprintf("%s/out.log", dir);
	sock = xasprintf("%s/s.sock", dir);
	lnk = xasprintf("%s/link", dir);
	hard = xasprintf("%s/hard", dir);
	text = xml("qemu", "");
	devs2 = xasprintf("<serial type='file'><source path='%s'/></serial>"
			  "<serial type='unix'><source mode='bind' "
			  "path='%s'/></serial>",
			  f, sock);
	free(text);
	text = xml("qemu", devs2);
	CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) == 0);
	CHECK_INT_EQ((int)qemu_chr_n_fds(d), 2);
	CHECK(qemu_chr_open(d, fds, &e) == 0);
	CHECK(fstat(fds[0], &st) == 0 && S_ISREG(st.st_mode) &&
	      (st.st_mode & 0777) == 0600);
	CHECK(fstat(fds[1], &st) == 0 && S_ISSOCK(st.st_mode));
	CHECK(lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode));
	close(fds[0]);
	close(fds[1]);
	domain_def_free(d);
	d = NULL;
	/* a symbolic link, a second name, a device that is no tty */
	CHECK(symlink(f, lnk) == 0 && link(f, hard) == 0);
	{
		const char *const paths[] = {lnk, hard};

		for (size_t i = 0; i < 2; i++) {
			_cleanup_free_ char *dv = xasprintf(
				"<serial type='file'><source path='%s'/>"
				"</serial>",
				paths[i]);
			_cleanup_free_ char *t = xml("qemu", dv);
			_cleanup_err_ struct err *e2 = NULL;

			CHECK(domain_def_parse(t, strlen(t), &d, NULL, &e2) ==
			      0);
			CHECK(qemu_chr_open(d, fds, &e2) < 0);
			CHECK_STR_CONTAINS(err_msg(e2), paths[i]);
			domain_def_free(d);
			d = NULL;
		}
	}
	{
		_cleanup_free_ char *t =
			xml("qemu", "<serial type='dev'>"
				    "<source path='/dev/null'/>"
				    "</serial>");
		_cleanup_err_ struct err *e2 = NULL;

		CHECK(domain_def_parse(t, strlen(t), &d, NULL, &e2) == 0);
		CHECK(qemu_chr_open(d, fds, &e2) < 0);
		CHECK_STR_CONTAINS(
			err_msg(e2),
			"serial port 0: device '/dev/null' is not a terminal");
		domain_def_free(d);
	}
	unlink(lnk);
	unlink(hard);
	unlink(f);
	unlink(sock);
	rmdir(dir);
}

/* The whole command line for @devs (argv of qemu_argv_build() and of
 * qemu_argv_chardevs() from fd 30), separated by "\n". */
static char *full_argv(const char *devs, char **def)
{
	_cleanup_free_ char *text = xml("qemu", devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct qemu_argv a = {0};
	char *out = NULL;

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	qemu_argv_chardevs(&a, d, 30, 1);
	out = qemu_test_args(&a);
	*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}

/* Several rngs: a file, QEMU's getrandom(), EGD daemons on TCP and on a
 * unix socket nidod binds; each on its PCI slot. */
static void rng_backends(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = full_argv(
		"<rng model='virtio'><backend model='random'>/dev/random"
		"</backend><address type='pci' domain='0x0000' bus='0x00' "
		"slot='0x07' function='0x0'/></rng>"
		"<rng model='virtio'><backend model='builtin'/></rng>"
		"<rng model='virtio'><backend model='egd' type='tcp'><source "
		"mode='connect' host='1.2.3.4' service='1234'/><protocol "
		"type='raw'/></backend></rng>"
		"<rng model='virtio'><backend model='egd' type='unix'><source "
		"mode='bind' path='/run/rng.sock'/></backend></rng>",
		&def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-object\n{\"qom-type\":\"rng-random\",\"id\":"
			      "\"objrng0\",\"filename\":\"/dev/random\"}\n"
			      "-device\n{\"driver\":\"virtio-rng-pci\",\"rng\":"
			      "\"objrng0\",\"id\":\"rng0\",\"bus\":\"pci.0\","
			      "\"addr\":\"0x7\"}\n");
	CHECK_STR_CONTAINS(s, "{\"qom-type\":\"rng-builtin\",\"id\":"
			      "\"objrng1\"}\n");
	CHECK_STR_CONTAINS(s, "{\"qom-type\":\"rng-egd\",\"id\":\"objrng2\","
			      "\"chardev\":\"charrng2\"}\n");
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charrng2,host=1.2.3.4,"
			      "port=1234\n");
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charrng3,fd=30,server=on,"
			      "wait=off\n");
	CHECK_STR_CONTAINS(s, "\"id\":\"rng3\"");
	CHECK_STR_CONTAINS(def, "<backend model='egd' type='tcp'>\n        "
				"<source mode='connect' host='1.2.3.4' "
				"service='1234'/>\n        <protocol "
				"type='raw'/>\n      </backend>");
	CHECK_STR_CONTAINS(def, "<backend model='builtin'/>");
	CHECK_STR_CONTAINS(def, "<address type='pci' domain='0x0000' "
				"bus='0x00' slot='0x07' function='0x0'/>");
}

static void rng_refusals(void)
{
	_cleanup_free_ char *a = refusal(
		"qemu", "<rng model='virtio'><backend model='egd' type='udp'>"
			"<source mode='connect' service='1'/></backend></rng>");
	_cleanup_free_ char *b =
		refusal("qemu", "<rng model='virtio'><backend model='hw'/>"
				"</rng>");
	_cleanup_free_ char *c = refusal(
		"kvm", "<emulator>/usr/bin/nido-vmm</emulator><rng "
		       "model='virtio'><backend model='builtin'/></rng>");

	CHECK_STR_CONTAINS(a, "backend 'egd' of type 'udp' not supported");
	CHECK_STR_CONTAINS(b, "invalid rng backend 'hw'");
	CHECK_STR_CONTAINS(c, "rng backend 'builtin' not supported by the kvm "
			      "driver");
}

/* libvirt's channel-virtio-auto: ports and controllers as its .args
 * give them (an implied controller 2, ports 1.. on each, port 3 kept). */
static void channels_on_virtio_serial(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = full_argv(
		"<controller type='virtio-serial' index='0' ports='16' "
		"vectors='4'/><controller type='virtio-serial' index='1'>"
		"<address type='pci' domain='0x0000' bus='0x00' slot='0x0a' "
		"function='0x0'/></controller>"
		"<channel type='pty'><target type='virtio' "
		"name='org.linux-kvm.port.0'/></channel>"
		"<channel type='pty'><target type='virtio' "
		"name='org.linux-kvm.port.foo'/><address type='virtio-serial' "
		"controller='1' bus='0'/></channel>"
		"<channel type='pty'><target type='virtio' "
		"name='org.linux-kvm.port.bar'/><address type='virtio-serial' "
		"controller='1' bus='0' port='3'/></channel>"
		"<channel type='pty'><target type='virtio' "
		"name='org.linux-kvm.port.wizz'/><address type='virtio-serial' "
		"controller='0' bus='0'/></channel>"
		"<channel type='pty'><target type='virtio' "
		"name='org.linux-kvm.port.ooh'/><address type='virtio-serial' "
		"controller='1' bus='0'/></channel>"
		"<channel type='pty'><target type='virtio' "
		"name='org.linux-kvm.port.lla'/><address type='virtio-serial' "
		"controller='2' bus='0'/></channel>"
		"<channel type='tcp'><source mode='bind' host='127.0.0.1' "
		"service='4555'/><target type='virtio' name='t'/></channel>"
		"<console type='pty'><target type='virtio' "
		"port='0'/></console>",
		&def);
	static const char *const ports[][3] = {
		{"0", "1", "org.linux-kvm.port.0"},
		{"1", "1", "org.linux-kvm.port.foo"},
		{"1", "3", "org.linux-kvm.port.bar"},
		{"0", "2", "org.linux-kvm.port.wizz"},
		{"1", "2", "org.linux-kvm.port.ooh"},
		{"2", "1", "org.linux-kvm.port.lla"},
		{"0", "3", "t"},
	};

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-serial-pci\",\"id\":"
			      "\"virtio-serial0\",\"max_ports\":16,"
			      "\"vectors\":4,\"bus\":\"pci.0\",\"addr\":");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtio-serial-pci\",\"id\":"
			      "\"virtio-serial1\",\"bus\":\"pci.0\","
			      "\"addr\":\"0xa\"}");
	CHECK_STR_CONTAINS(s, "\"id\":\"virtio-serial2\"");
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		_cleanup_free_ char *want = xasprintf(
			"{\"driver\":\"virtserialport\",\"bus\":"
			"\"virtio-serial%s.0\",\"nr\":%s,\"chardev\":"
			"\"charchannel%zu\",\"id\":\"channel%zu\",\"name\":"
			"\"%s\"}",
			ports[i][0], ports[i][1], i, i, ports[i][2]);

		CHECK_STR_CONTAINS(s, want);
	}
	CHECK_STR_CONTAINS(s, "-chardev\npty,id=charchannel0\n");
	CHECK_STR_CONTAINS(s, "-chardev\nsocket,id=charchannel6,host=127.0.0.1,"
			      "port=4555,server=on,wait=off\n");
	CHECK_STR_CONTAINS(s, "-chardev\npty,id=charconsole0\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"virtconsole\",\"bus\":"
			      "\"virtio-serial0.0\",\"nr\":0,\"chardev\":"
			      "\"charconsole0\",\"id\":\"console0\"}");
	CHECK_STR_CONTAINS(def, "<controller type='virtio-serial' index='0' "
				"ports='16' vectors='4'/>");
	CHECK_STR_CONTAINS(def, "<channel type='pty'>\n      <target "
				"type='virtio' name='org.linux-kvm.port.bar'/>"
				"\n      <address type='virtio-serial' "
				"controller='1' bus='0' port='3'/>");
}

/* The guest agent's is channel0 wherever it is in the definition. */
static void agent_channel_keeps_its_ids(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = full_argv(
		"<channel type='pty'><target type='virtio' name='a'/></channel>"
		"<channel type='unix'><source mode='bind' path='/run/ga.sock'/>"
		"<target type='virtio' name='org.qemu.guest_agent.0'/>"
		"</channel>",
		&def);

	if (!s)
		return;
	/* its chardev is driver-qemu-agent.c's, not here */
	CHECK(!strstr(s, "/run/ga.sock"));
	CHECK_STR_CONTAINS(s, "-chardev\npty,id=charchannel1\n");
	CHECK_STR_CONTAINS(s, "\"nr\":1,\"chardev\":\"charchannel1\",\"id\":"
			      "\"channel1\",\"name\":\"a\"}");
	CHECK_STR_CONTAINS(s,
			   "\"nr\":2,\"chardev\":\"charchannel0\",\"id\":"
			   "\"channel0\",\"name\":\"org.qemu.guest_agent.0\"}");
}

static void channel_refusals(void)
{
	static const struct {
		const char *devs, *msg;
	} cases[] = {
		{"<channel type='pty'><target type='guestfwd'/></channel>",
		 "channel target type 'guestfwd' not supported"},
		{"<channel type='pty'><target type='virtio' name='a,b'/>"
		 "</channel>",
		 "invalid channel name 'a,b'"},
		{"<channel type='pty'><target type='virtio' "
		 "name='a'/></channel>"
		 "<channel type='pty'><target type='virtio' "
		 "name='a'/></channel>",
		 "two channels named 'a'"},
		{"<channel type='pty'><target type='virtio' name='a'/><address "
		 "type='virtio-serial' controller='0' port='2'/></channel>"
		 "<channel type='pty'><target type='virtio' name='b'/><address "
		 "type='virtio-serial' controller='0' port='2'/></channel>",
		 "two channels on virtio-serial controller 0 port 2"},
		{"<channel type='pty'><target type='virtio' name='a'/><address "
		 "type='virtio-serial' controller='0' port='0'/></channel>",
		 "port 0 of virtio-serial controller 0: 1 to 30"},
		{"<controller type='virtio-serial' index='0' ports='2'/>"
		 "<channel type='pty'><target type='virtio' name='a'/><address "
		 "type='virtio-serial' controller='0'/></channel>"
		 "<channel type='pty'><target type='virtio' name='b'/><address "
		 "type='virtio-serial' controller='0'/></channel>",
		 "channel 1: no free port on virtio-serial controller 0"},
		{"<controller type='virtio-serial' index='0' ports='32'/>",
		 "controller ports 32 out of range"},
		{"<controller type='scsi' index='0' ports='3'/>",
		 "ports= and vectors= are a virtio-serial controller's"},
		{"<channel type='unix'><source mode='bind' path='/a'/><target "
		 "type='virtio' name='org.qemu.guest_agent.0'/></channel>"
		 "<channel type='unix'><target type='virtio' name='x'/>"
		 "</channel>",
		 "type 'unix' without <source path=>"},
		{"<channel type='unix'><source mode='connect' path='/a'/>"
		 "<target type='virtio' name='org.qemu.guest_agent.0'/>"
		 "</channel>",
		 "the guest agent's channel source mode 'connect' not "
		 "supported"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		_cleanup_free_ char *m = refusal("qemu", cases[i].devs);

		CHECK_STR_CONTAINS(m, cases[i].msg);
	}
}

/* Parallel ports: isa-parallel on any serial port type; a parport
 * device nidod opens must be one (not a tty, not /dev/null). */
static void parallel_ports(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = chr_argv(
		"<serial type='pty'/>"
		"<parallel type='dev'><source path='/dev/parport0'/><target "
		"port='0'/></parallel>"
		"<parallel type='unix'><source mode='bind' path='/run/p.sock'/>"
		"<protocol type='raw'/><target port='1'/></parallel>",
		9, &def);
	_cleanup_free_ char *bad = refusal(
		"qemu", "<parallel type='pty'><target port='3'/></parallel>");
	_cleanup_free_ char *two = refusal(
		"qemu", "<parallel type='pty'/><parallel type='pty'><target "
			"port='0'/></parallel>");
	_cleanup_free_ char *kvm = refusal(
		"kvm", "<emulator>/usr/bin/nido-vmm</emulator><parallel "
		       "type='pty'/>");
	_cleanup_free_ char *text =
		xml("qemu", "<parallel type='dev'><source "
			    "path='/dev/null'/></parallel>");
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	int fds[2] = {-1, -1};

	if (!s)
		return;
	CHECK_STR_CONTAINS(s, "-add-fd\nset=1,fd=9\n-chardev\nparallel,id="
			      "charparallel0,path=/dev/fdset/1\n-device\n{"
			      "\"driver\":\"isa-parallel\",\"chardev\":"
			      "\"charparallel0\",\"id\":\"parallel0\","
			      "\"index\":0}\n");
	CHECK_STR_CONTAINS(s, "socket,id=charparallel1,fd=10,server=on,"
			      "wait=off\n");
	CHECK_STR_CONTAINS(def, "<parallel type='unix'>\n      <source "
				"mode='bind' path='/run/p.sock'/>\n      "
				"<protocol type='raw'/>\n      <target "
				"port='1'/>");
	CHECK_STR_CONTAINS(bad, "<parallel> port 3: an ISA parallel port is "
				"0 to 2");
	CHECK_STR_CONTAINS(two, "two parallels with port 0");
	CHECK_STR_CONTAINS(kvm, "<parallel> not supported by the kvm driver");
	CHECK(domain_def_parse(text, strlen(text), &d, NULL, &e) == 0);
	CHECK(qemu_chr_open(d, fds, &e) < 0);
	CHECK_STR_CONTAINS(err_msg(e), "device '/dev/null' is not a parallel "
				       "port");
	domain_def_free(d);
}

int main(void)
{
	RUN(chardevs_by_fd_and_by_path);
	RUN(isa_address_and_unix_client);
	RUN(hostile_values_are_named);
	RUN(kvm_driver_refuses_them);
	RUN(what_nidod_opens);
	RUN(rng_backends);
	RUN(rng_refusals);
	RUN(channels_on_virtio_serial);
	RUN(agent_channel_keeps_its_ids);
	RUN(channel_refusals);
	RUN(parallel_ports);
	return test_done();
}
