// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QEMU's command line for the elements libvirt's own test files brought
 * in (driver-qemu-argv-hw.c, domain_conf_audio.c): from domain XML as a
 * user gives it, through `nido define`'s checks, to QEMU's options, and
 * back out in the definition: <audio> backends with their <input>,
 * <output> and <settings>; <seclabel type='none'>.
 */
#include <errno.h>

#include "block/chain.h"
#include "daemon/domain_conf.h"
#include "daemon/driver-qemu.h"
#include "test.h"

static char *xml(const char *top, const char *devs)
{
	return xasprintf("<domain type='qemu'><name>m</name>"
			 "<memory unit='MiB'>64</memory><os><type "
			 "arch='x86_64' machine='pc'>hvm</type></os>%s"
			 "<devices>%s</devices></domain>",
			 top, devs);
}

/* The command line for @top and @devs, arguments separated by "\n";
 * with @def, the definition formatted again. NULL when refused. */
static char *argv_for(const char *top, const char *devs, char **def)
{
	_cleanup_free_ char *text = xml(top, devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	struct qemu_argv a = {0};
	char *out = NULL;
	size_t len = 0;
	FILE *s;

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return NULL;
	}
	for (size_t i = 0; i < w.n; i++)
		TEST_FAIL("warning: %s", w.msgs[i]);
	xml_warnings_clear(&w);
	qemu_argv_build(&a, "/usr/bin/qemu-system-x86_64", "tcg", d, NULL);
	s = open_memstream(&out, &len);
	for (size_t i = 0; i < a.n; i++)
		fprintf(s, "%s\n", a.v[i]);
	fclose(s);
	qemu_argv_free(&a);
	if (def)
		*def = domain_def_format(d);
	domain_def_free(d);
	return out;
}

/* The error define gives for @devs (NULL: accepted). */
static char *refusal(const char *top, const char *devs)
{
	_cleanup_free_ char *text = xml(top, devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;

	if (domain_def_parse(text, strlen(text), &d, NULL, &e) == 0) {
		domain_def_free(d);
		return NULL;
	}
	return xstrdup(err_msg(e));
}

static void audio_backends_with_their_options(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s = argv_for(
		"",
		"<audio id='1' type='oss' timerPeriod='50' tryMMap='yes'>"
		"<input mixingEngine='yes' voices='1' dev='/dev/dsp0'>"
		"<settings frequency='44100' channels='2' format='s16'/>"
		"</input><output bufferCount='30' tryPoll='no'/></audio>"
		"<audio id='2' type='file' path='/tmp/a.wav'/>"
		"<audio id='3' type='pulseaudio' serverName='acme'>"
		"<output streamName='food' latency='200'/></audio>",
		&def);

	if (!s)
		return;
	CHECK_STR_CONTAINS(
		s, "-audiodev\n{\"driver\":\"oss\",\"id\":\"audio1\","
		   "\"timer-period\":50,\"try-mmap\":true,\"in\":{"
		   "\"mixing-engine\":true,\"voices\":1,\"dev\":\"/dev/dsp0\","
		   "\"frequency\":44100,\"channels\":2,\"format\":\"s16\"},"
		   "\"out\":{\"buffer-count\":30,\"try-poll\":false}}\n");
	CHECK_STR_CONTAINS(s, "-audiodev\n{\"driver\":\"wav\",\"id\":"
			      "\"audio2\",\"path\":\"/tmp/a.wav\"}\n");
	CHECK_STR_CONTAINS(s, "{\"driver\":\"pa\",\"id\":\"audio3\",\"server\":"
			      "\"acme\",\"out\":{\"stream-name\":\"food\","
			      "\"latency\":200}}");
	CHECK_STR_CONTAINS(def,
			   "<audio id='1' type='oss' timerPeriod='50' "
			   "tryMMap='yes'>\n      <input mixingEngine='yes' "
			   "voices='1' dev='/dev/dsp0'>\n        <settings "
			   "frequency='44100' channels='2' format='s16'/>\n"
			   "      </input>\n      <output bufferCount='30' "
			   "tryPoll='no'/>\n    </audio>\n");
	CHECK_STR_CONTAINS(def,
			   "<audio id='2' type='file' path='/tmp/a.wav'/>");
}

static void audio_values_are_checked(void)
{
	_cleanup_free_ char *a =
		refusal("", "<audio id='1' type='alsa'><input voices='x'/>"
			    "</audio>");
	_cleanup_free_ char *b =
		refusal("", "<audio id='1' type='none'><output><settings "
			    "format='s17'/></output></audio>");
	_cleanup_free_ char *c = refusal(
		"", "<audio id='1' type='none'/><audio id='1' type='alsa'/>");

	CHECK_STR_CONTAINS(a, "voices");
	CHECK_STR_CONTAINS(b, "invalid format 's17'");
	CHECK_STR_CONTAINS(c, "a second <audio id='1'>");
}

/* The warnings define gives for @top (joined by "|"). */
static char *warnings(const char *top, const char *devs)
{
	_cleanup_free_ char *text = xml(top, devs);
	struct domain_def *d = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct xml_warnings w = {0};
	char *out = xstrdup("");

	if (domain_def_parse(text, strlen(text), &d, &w, &e) < 0) {
		TEST_FAIL("refused: %s", err_msg(e));
		return out;
	}
	for (size_t i = 0; i < w.n; i++) {
		char *n = xasprintf("%s%s|", out, w.msgs[i]);

		free(out);
		out = n;
	}
	xml_warnings_clear(&w);
	domain_def_free(d);
	return out;
}

static void seclabel_none_kept_others_warned(void)
{
	_cleanup_free_ char *def = NULL;
	_cleanup_free_ char *s =
		argv_for("<seclabel type='none' model='none'/>", "", &def);
	_cleanup_free_ char *w = warnings(
		"<seclabel type='dynamic' model='selinux' relabel='yes'/>", "");
	_cleanup_free_ char *dac =
		warnings("<seclabel type='none' model='dac'/>", "");

	CHECK_STR_CONTAINS(def, "<seclabel type='none' model='none'/>");
	CHECK_STR_CONTAINS(w, "<seclabel>: type 'dynamic' model 'selinux' not "
			      "acted on");
	CHECK_STR_CONTAINS(dac, "<seclabel>: type 'none' model 'dac' not");
}

int main(void)
{
	RUN(audio_backends_with_their_options);
	RUN(audio_values_are_checked);
	RUN(seclabel_none_kept_others_warned);
	return test_done();
}
