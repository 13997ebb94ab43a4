/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * <audio> in libvirt's domain XML (domain_conf_audio.c): the host side of
 * a guest's sound, one QEMU -audiodev each. The attributes of <audio>,
 * <input>, <output> and their <settings> are a table (domain_audio_keys)
 * that says, for each, QEMU's name of it, its kind and the backends that
 * have it; the parser, the formatter and the qemu driver's command line
 * all read it, so what one keeps the others write.
 */
#ifndef NIDO_DAEMON_DOMAIN_CONF_AUDIO_H
#define NIDO_DAEMON_DOMAIN_CONF_AUDIO_H

#include <stdio.h>

#include "daemon/domain_conf.h"

enum audio_scope { AUDIO_TOP, AUDIO_DIR, AUDIO_SETTINGS };
enum audio_kind { AUDIO_UINT, AUDIO_BOOL, AUDIO_STR, AUDIO_FORMAT };

struct audio_key {
	enum audio_scope scope;
	const char *xml;  /* libvirt's attribute */
	const char *qemu; /* QEMU's -audiodev key (in. / out. for a dir);
			   * NULL: none (SDL's driver, in the environment) */
	enum audio_kind kind;
	unsigned types; /* 1 << enum audio_type; 0: every backend */
};

extern const struct audio_key domain_audio_keys[];
extern const size_t domain_audio_n_keys;
/* libvirt's and QEMU's names of enum audio_type. */
extern const char *const domain_audio_type_names[];
extern const char *const domain_audio_qemu_names[];

/*
 * <audio>: 1 when read into @d->hw.audios, or when its type is one QEMU
 * has not on Linux (coreaudio: warned about by name); 0 when its type is
 * unknown (the caller warns); -errno with @e filled when it is invalid.
 */
int domain_parse_audio(const xmlNode *c, struct domain_def *d,
		       struct xml_warnings *w, struct err **e);
void domain_format_audios(FILE *f, const struct domain_def *d);
void domain_audios_clear(struct domain_hw *hw);

#endif
