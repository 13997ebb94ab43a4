// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * <audio id='1' type='alsa' timerPeriod='50'>
 *   <input mixingEngine='yes' voices='1' dev='/dev/dsp0'>
 *     <settings frequency='44100' channels='2' format='s16'/>
 *   </input>
 *   <output .../>
 * </audio>
 * as libvirt reads it (domain_conf_audio.h). Each attribute is checked
 * by its kind when read and kept as written, in the table's order.
 */
#include <errno.h>
#include <string.h>

#include "daemon/domain_conf_audio.h"
#include "daemon/xml_util.h"
#include "lib/util.h"

#define T(x) (1u << (x))

const char *const domain_audio_type_names[] = {
	"none", "alsa", "jack",	 "oss",	 "pulseaudio",
	"sdl",	"file", "spice", "dbus", NULL};
const char *const domain_audio_qemu_names[] = {"none", "alsa", "jack", "oss",
					       "pa",   "sdl",  "wav",  "spice",
					       "dbus", NULL};

/* QEMU 7.2's Audiodev*Options, by libvirt's names (qapi/audio.json). */
const struct audio_key domain_audio_keys[] = {
	{AUDIO_TOP, "timerPeriod", "timer-period", AUDIO_UINT, 0},
	{AUDIO_TOP, "path", "path", AUDIO_STR, T(AUDIO_FILE)},
	{AUDIO_TOP, "serverName", "server", AUDIO_STR, T(AUDIO_PULSEAUDIO)},
	{AUDIO_TOP, "tryMMap", "try-mmap", AUDIO_BOOL, T(AUDIO_OSS)},
	{AUDIO_TOP, "exclusive", "exclusive", AUDIO_BOOL, T(AUDIO_OSS)},
	{AUDIO_TOP, "dspPolicy", "dsp-policy", AUDIO_UINT, T(AUDIO_OSS)},
	/* SDL's own driver: its environment's SDL_AUDIODRIVER, no key */
	{AUDIO_TOP, "driver", NULL, AUDIO_STR, T(AUDIO_SDL)},
	{AUDIO_DIR, "mixingEngine", "mixing-engine", AUDIO_BOOL, 0},
	{AUDIO_DIR, "fixedSettings", "fixed-settings", AUDIO_BOOL, 0},
	{AUDIO_DIR, "voices", "voices", AUDIO_UINT, 0},
	{AUDIO_DIR, "bufferLength", "buffer-length", AUDIO_UINT, 0},
	{AUDIO_DIR, "dev", "dev", AUDIO_STR, T(AUDIO_ALSA) | T(AUDIO_OSS)},
	{AUDIO_DIR, "bufferCount", "buffer-count", AUDIO_UINT,
	 T(AUDIO_OSS) | T(AUDIO_SDL)},
	{AUDIO_DIR, "tryPoll", "try-poll", AUDIO_BOOL, T(AUDIO_OSS)},
	{AUDIO_DIR, "name", "name", AUDIO_STR, T(AUDIO_PULSEAUDIO)},
	{AUDIO_DIR, "streamName", "stream-name", AUDIO_STR,
	 T(AUDIO_PULSEAUDIO)},
	{AUDIO_DIR, "latency", "latency", AUDIO_UINT, T(AUDIO_PULSEAUDIO)},
	{AUDIO_DIR, "serverName", "server-name", AUDIO_STR, T(AUDIO_JACK)},
	{AUDIO_DIR, "clientName", "client-name", AUDIO_STR, T(AUDIO_JACK)},
	{AUDIO_DIR, "connectPorts", "connect-ports", AUDIO_STR, T(AUDIO_JACK)},
	{AUDIO_DIR, "exactName", "exact-name", AUDIO_BOOL, T(AUDIO_JACK)},
	{AUDIO_SETTINGS, "frequency", "frequency", AUDIO_UINT, 0},
	{AUDIO_SETTINGS, "channels", "channels", AUDIO_UINT, 0},
	{AUDIO_SETTINGS, "format", "format", AUDIO_FORMAT, 0},
};
const size_t domain_audio_n_keys = ARRAY_SIZE(domain_audio_keys);

static const char *const yes_no[] = {"yes", "no", NULL};
static const char *const formats[] = {"u8",  "s8",  "u16", "s16",
				      "u32", "s32", "f32", NULL};
static const char *const dir_names[] = {"", "input", "output"};

static bool key_fits(const struct audio_key *k, enum audio_scope scope,
		     enum audio_type type)
{
	return k->scope == scope && (!k->types || k->types & T(type));
}

static int check_value(const xmlNode *n, const struct audio_key *k,
		       const char *v, struct err **e)
{
	uint64_t u;

	switch (k->kind) {
	case AUDIO_UINT:
		return xml_uint(n, k->xml, v, 0, UINT32_MAX, &u, e);
	case AUDIO_BOOL:
		return xml_enum(n, k->xml, v, yes_no, e) < 0 ? -EINVAL : 0;
	case AUDIO_FORMAT:
		return xml_enum(n, k->xml, v, formats, e) < 0 ? -EINVAL : 0;
	case AUDIO_STR:
		if (!*v || strlen(v) > 4096)
			return xml_err(e, n, "%s: empty or too long", k->xml);
		return 0;
	}
	return 0;
}

/* The attributes of @n in @scope into @a; warns about the others and
 * about children but @child. */
static int parse_attrs(const xmlNode *n, struct domain_audio *a,
		       enum audio_scope scope, unsigned dir,
		       const char *const *children, struct xml_warnings *w,
		       struct err **e)
{
	const char *known[ARRAY_SIZE(domain_audio_keys) + 3] = {0};
	size_t nk = 0;

	if (scope == AUDIO_TOP) {
		known[nk++] = "id";
		known[nk++] = "type";
	}
	for (size_t i = 0; i < domain_audio_n_keys; i++) {
		const struct audio_key *k = &domain_audio_keys[i];
		_cleanup_free_ char *v = NULL;

		if (!key_fits(k, scope, a->type))
			continue;
		known[nk++] = k->xml;
		if (!(v = xml_attr(n, k->xml)))
			continue;
		if (check_value(n, k, v, e) < 0)
			return -EINVAL;
		a->opts =
			xreallocarray(a->opts, a->n_opts + 1, sizeof(*a->opts));
		a->opts[a->n_opts++] = (struct audio_opt){
			.key = (unsigned)i, .dir = dir, .value = steal_ptr(v)};
	}
	xml_check_known(n, known, children, w);
	return 0;
}

static int parse_dir(const xmlNode *n, struct domain_audio *a, unsigned dir,
		     struct xml_warnings *w, struct err **e)
{
	const xmlNode *s = xml_child(n, "settings");

	if (parse_attrs(n, a, AUDIO_DIR, dir,
			(const char *const[]){"settings", NULL}, w, e) < 0)
		return -EINVAL;
	return s ? parse_attrs(s, a, AUDIO_SETTINGS, dir, NULL, w, e) : 0;
}

int domain_parse_audio(const xmlNode *c, struct domain_def *d,
		       struct xml_warnings *w, struct err **e)
{
	_cleanup_free_ char *type = xml_attr(c, "type");
	_cleanup_free_ char *id = xml_attr(c, "id");
	struct domain_hw *hw = &d->hw;
	struct domain_audio *a;
	bool seen[3] = {false};
	uint64_t v;
	int t;

	for (t = 0; domain_audio_type_names[t]; t++)
		if (type && streq(type, domain_audio_type_names[t]))
			break;
	/* libvirt's backend of macOS: no QEMU on Linux has it */
	if (type && streq(type, "coreaudio")) {
		xml_warn(w, c,
			 "<audio> type 'coreaudio' not acted on: QEMU has no "
			 "CoreAudio backend on Linux");
		return 1;
	}
	if (!domain_audio_type_names[t])
		return 0;
	if (xml_uint(c, "audio id", id, 1, 255, &v, e) < 0)
		return -EINVAL;
	for (size_t i = 0; i < hw->n_audios; i++)
		if (hw->audios[i].id == v)
			return xml_err(e, c, "a second <audio id='%s'>", id);
	/* owned by @d from here on, freed with it on error */
	hw->audios = xreallocarray(hw->audios, hw->n_audios + 1,
				   sizeof(*hw->audios));
	a = &hw->audios[hw->n_audios++];
	*a = (struct domain_audio){.id = (unsigned)v,
				   .type = (enum audio_type)t};
	if (parse_attrs(c, a, AUDIO_TOP, 0,
			(const char *const[]){"input", "output", NULL}, w,
			e) < 0)
		return -EINVAL;
	for (const xmlNode *n = c->children; n; n = n->next) {
		unsigned dir = 0;

		if (n->type != XML_ELEMENT_NODE || n->ns)
			continue;
		if (xmlStrEqual(n->name, BAD_CAST "input"))
			dir = 1;
		else if (xmlStrEqual(n->name, BAD_CAST "output"))
			dir = 2;
		if (!dir)
			continue;
		if (seen[dir])
			return xml_err(e, n, "a second <%s>", dir_names[dir]);
		seen[dir] = true;
		if (parse_dir(n, a, dir, w, e) < 0)
			return -EINVAL;
	}
	return 1;
}

/* The attributes of @a in @scope and @dir, as ' name='value''. */
static void format_attrs(FILE *f, const struct domain_audio *a,
			 enum audio_scope scope, unsigned dir)
{
	for (size_t i = 0; i < a->n_opts; i++) {
		const struct audio_opt *o = &a->opts[i];

		if (o->dir != dir || domain_audio_keys[o->key].scope != scope)
			continue;
		fprintf(f, " %s='", domain_audio_keys[o->key].xml);
		xml_escape_attr(f, o->value);
		fputc('\'', f);
	}
}

static bool has(const struct domain_audio *a, enum audio_scope scope,
		unsigned dir)
{
	for (size_t i = 0; i < a->n_opts; i++)
		if (a->opts[i].dir == dir &&
		    domain_audio_keys[a->opts[i].key].scope == scope)
			return true;
	return false;
}

void domain_format_audios(FILE *f, const struct domain_def *d)
{
	for (size_t i = 0; i < d->hw.n_audios; i++) {
		const struct domain_audio *a = &d->hw.audios[i];
		bool open = has(a, AUDIO_DIR, 1) || has(a, AUDIO_SETTINGS, 1) ||
			    has(a, AUDIO_DIR, 2) || has(a, AUDIO_SETTINGS, 2);

		fprintf(f, "    <audio id='%u' type='%s'", a->id,
			domain_audio_type_names[a->type]);
		format_attrs(f, a, AUDIO_TOP, 0);
		fputs(open ? ">\n" : "/>\n", f);
		for (unsigned dir = 1; open && dir <= 2; dir++) {
			bool s = has(a, AUDIO_SETTINGS, dir);

			if (!s && !has(a, AUDIO_DIR, dir))
				continue;
			fprintf(f, "      <%s", dir_names[dir]);
			format_attrs(f, a, AUDIO_DIR, dir);
			if (!s) {
				fputs("/>\n", f);
				continue;
			}
			fputs(">\n        <settings", f);
			format_attrs(f, a, AUDIO_SETTINGS, dir);
			fprintf(f, "/>\n      </%s>\n", dir_names[dir]);
		}
		if (open)
			fputs("    </audio>\n", f);
	}
}

void domain_audios_clear(struct domain_hw *hw)
{
	for (size_t i = 0; i < hw->n_audios; i++) {
		for (size_t j = 0; j < hw->audios[i].n_opts; j++)
			free(hw->audios[i].opts[j].value);
		free(hw->audios[i].opts);
	}
	free(hw->audios);
	hw->audios = NULL;
	hw->n_audios = 0;
}
