// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a start needs of this host beyond the files the definition names
 * (driver-qemu.h): checked before QEMU runs, so that a definition this
 * host cannot run fails its start with the thing named, not with QEMU's
 * last line. Defining it stays possible: another host may have it.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/domain_conf_audio.h"
#include "daemon/driver-qemu.h"

/* Where Debian's QEMU loads its modules from (QEMU_MODULE_DIR first,
 * as QEMU itself looks). */
#define DEBIAN_MODULE_DIR "/usr/lib/x86_64-linux-gnu/qemu"

/*
 * Debian builds QEMU's audio backends as modules (audio-alsa.so, ...),
 * pa, jack and sdl in another package than QEMU's (qemu-system-gui): a backend
 * whose module is missing makes QEMU end at once. A QEMU without a
 * module directory has its backends built in: nothing to check.
 */
static int check_audio(const struct domain_def *def, struct err **e)
{
	const char *dir = getenv("QEMU_MODULE_DIR");
	struct stat st;

	if (!dir)
		dir = DEBIAN_MODULE_DIR;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	for (size_t i = 0; i < def->hw.n_audios; i++) {
		const struct domain_audio *a = &def->hw.audios[i];
		const char *q = domain_audio_qemu_names[a->type];
		_cleanup_free_ char *p = NULL;

		if (a->type == AUDIO_NONE || a->type == AUDIO_FILE)
			continue; /* built into QEMU */
		p = xasprintf("%s/audio-%s.so", dir, q);
		if (access(p, R_OK) < 0)
			return err_setk(
				e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"<audio id='%u' type='%s'>: QEMU's '%s' audio "
				"backend is not installed ('%s' missing: "
				"Debian's qemu-system-%s package has it)",
				a->id, domain_audio_type_names[a->type], q, p,
				a->type == AUDIO_ALSA || a->type == AUDIO_OSS
					? "common"
					: "gui");
	}
	return 0;
}

int qemu_check_host(const struct domain_def *def, struct err **e)
{
	return check_audio(def, e);
}
