// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * UEFI firmware for the qemu driver, picked as libvirt picks it: from
 * QEMU's firmware descriptors (docs/interop/firmware.json in QEMU; the
 * ovmf package installs them in /usr/share/qemu/firmware), the first by
 * file name across the directories (a name in /etc/qemu/firmware hides
 * the same name below it) that is UEFI on flash for x86_64 and the
 * domain's machine and has the features the definition asks for. The
 * choice is written into the definition when it is defined, so that
 * dumpxml shows it and a later package change does not move a guest to
 * other firmware; and the domain's own variable store (NVRAM) is made
 * from the descriptor's template on the first start (driver-qemu.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sys/stat.h>

#include "block/safeopen.h"
#include "daemon/driver-qemu.h"
#include "lib/file.h"
#include "lib/json.h"

#define DESCRIPTOR_MAX	(64u << 10)
#define DESCRIPTORS_MAX 256

static char *nvram_dir; /* where the domains' variable stores go */

void driver_qemu_set_nvram_dir(const char *dir)
{
	free(nvram_dir);
	nvram_dir = dir ? xstrdup(dir) : NULL;
}

/* The descriptor directories, in precedence order: colon-separated. */
static const char *firmware_dirs(void)
{
	const char *env = getenv("NIDO_QEMU_FIRMWARE_DIRS");

	return env ? env : QEMU_FIRMWARE_DIRS;
}

/* What a descriptor offers, borrowed from its JSON. */
struct descriptor {
	const char *code, *vars; /* executable, nvram-template */
	bool smm;		 /* requires-smm */
	bool secure_boot, enrolled_keys;
};

static bool has_string(struct json_object *arr, const char *s)
{
	for (size_t i = 0; json_object_is_type(arr, json_type_array) &&
			   i < json_object_array_length(arr);
	     i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (json_object_is_type(v, json_type_string) &&
		    streq(json_object_get_string(v), s))
			return true;
	}
	return false;
}

/* @machine as the descriptors' globs name it ("pc-q35-*"). */
static const char *machine_pattern_name(const char *machine)
{
	if (!machine || streq(machine, "pc"))
		return "pc-i440fx-latest";
	if (streq(machine, "q35"))
		return "pc-q35-latest";
	return machine;
}

static bool targets_match(struct json_object *targets, const char *machine)
{
	const char *m = machine_pattern_name(machine);

	for (size_t i = 0; json_object_is_type(targets, json_type_array) &&
			   i < json_object_array_length(targets);
	     i++) {
		struct json_object *t = json_object_array_get_idx(targets, i);
		struct json_object *ms = NULL;
		const char *arch = NULL;

		if (json_get_string_opt(t, "architecture", &arch, NULL) <= 0 ||
		    !streq(arch, "x86_64") ||
		    json_get_array_opt(t, "machines", &ms, NULL) <= 0)
			continue;
		for (size_t j = 0; j < json_object_array_length(ms); j++) {
			struct json_object *g =
				json_object_array_get_idx(ms, j);

			if (json_object_is_type(g, json_type_string) &&
			    fnmatch(json_object_get_string(g), m, 0) == 0)
				return true;
		}
	}
	return false;
}

/* A raw file of the mapping: its filename, else NULL. */
static const char *mapped_file(struct json_object *mapping, const char *key)
{
	struct json_object *o = NULL;
	const char *name = NULL, *format = "raw";

	if (json_get_object_opt(mapping, key, &o, NULL) <= 0 ||
	    json_get_string_opt(o, "filename", &name, NULL) <= 0 ||
	    json_get_string_opt(o, "format", &format, NULL) < 0 ||
	    !streq(format, "raw") || name[0] != '/')
		return NULL;
	return name;
}

/* Reads @j as a UEFI-on-flash descriptor for @machine: 0 with @d
 * filled, -1 when it is something else. */
static int descriptor_read(struct json_object *j, const char *machine,
			   struct descriptor *d)
{
	struct json_object *types = NULL, *mapping = NULL, *targets = NULL;
	struct json_object *features = NULL;
	const char *device = NULL, *mode = "split";

	if (json_get_array_opt(j, "interface-types", &types, NULL) <= 0 ||
	    !has_string(types, "uefi") ||
	    json_get_object_opt(j, "mapping", &mapping, NULL) <= 0 ||
	    json_get_string_opt(mapping, "device", &device, NULL) <= 0 ||
	    !streq(device, "flash") ||
	    json_get_string_opt(mapping, "mode", &mode, NULL) < 0 ||
	    !streq(mode, "split") ||
	    json_get_array_opt(j, "targets", &targets, NULL) <= 0 ||
	    !targets_match(targets, machine))
		return -1;
	json_get_array_opt(j, "features", &features, NULL);
	d->code = mapped_file(mapping, "executable");
	d->vars = mapped_file(mapping, "nvram-template");
	d->smm = has_string(features, "requires-smm");
	d->secure_boot = has_string(features, "secure-boot");
	d->enrolled_keys = has_string(features, "enrolled-keys");
	return d->code && d->vars ? 0 : -1;
}

/* Whether @d has what @fw asks (absent: either). */
static bool features_match(const struct descriptor *d,
			   const struct domain_firmware *fw)
{
	/* <loader secure='no'>: a firmware that needs no SMM (libvirt's
	 * choice too) */
	return (fw->secure != DOMAIN_TRISTATE_OFF || !d->smm) &&
	       (!fw->secure_boot ||
		d->secure_boot == (fw->secure_boot == DOMAIN_TRISTATE_ON)) &&
	       (!fw->enrolled_keys ||
		d->enrolled_keys == (fw->enrolled_keys == DOMAIN_TRISTATE_ON));
}

/* The descriptors' paths, sorted by file name, earlier directories
 * hiding later ones' names; *@n of them. */
static char **list_descriptors(size_t *n)
{
	_cleanup_free_ char *dirs = xstrdup(firmware_dirs());
	char **v = NULL, *save = NULL;

	*n = 0;
	for (char *dir = strtok_r(dirs, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		struct dirent **names = NULL;
		int k = scandir(dir, &names, NULL, alphasort);

		for (int i = 0; i < k; i++) {
			const char *nm = names[i]->d_name;
			bool seen = false;

			for (size_t j = 0; j < *n; j++)
				seen |= streq(strrchr(v[j], '/') + 1, nm);
			if (!seen && *n < DESCRIPTORS_MAX && strlen(nm) > 5 &&
			    streq(nm + strlen(nm) - 5, ".json")) {
				v = xreallocarray(v, *n + 1, sizeof(*v));
				v[(*n)++] = xasprintf("%s/%s", dir, nm);
			}
			free(names[i]);
		}
		free(names);
	}
	/* by file name, whichever directory holds it */
	for (size_t i = 1; i < *n; i++)
		for (size_t j = i; j > 0 && strcmp(strrchr(v[j - 1], '/'),
						   strrchr(v[j], '/')) > 0;
		     j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v;
}

/*
 * The first descriptor that fits: for an automatic choice (@want_code
 * NULL) one with @fw's features; else the one whose executable is
 * @want_code. Fills @fw's loader, template, features. 1 when found.
 */
static int pick(struct domain_firmware *fw, const char *machine,
		const char *want_code, size_t *n_read)
{
	size_t n;
	char **paths = list_descriptors(&n);
	int found = 0;

	*n_read = n;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *text = NULL;
		_cleanup_json_ struct json_object *j = NULL;
		struct descriptor d = {0};

		if (!found &&
		    file_read_all(paths[i], DESCRIPTOR_MAX, &text, NULL,
				  NULL) == 0 &&
		    json_decode(text, strlen(text), &j, NULL) == 0 &&
		    descriptor_read(j, machine, &d) == 0 &&
		    (want_code ? streq(d.code, want_code)
			       : features_match(&d, fw))) {
			found = 1;
			if (!want_code) {
				fw->loader = xstrdup(d.code);
				fw->type = LOADER_TYPE_PFLASH;
				fw->readonly = DOMAIN_TRISTATE_ON;
				if (fw->secure != DOMAIN_TRISTATE_OFF)
					fw->secure =
						d.smm ? DOMAIN_TRISTATE_ON
						      : DOMAIN_TRISTATE_ABSENT;
				fw->secure_boot = d.secure_boot
							  ? DOMAIN_TRISTATE_ON
							  : DOMAIN_TRISTATE_OFF;
				fw->enrolled_keys =
					d.enrolled_keys ? DOMAIN_TRISTATE_ON
							: DOMAIN_TRISTATE_OFF;
			}
			if (!fw->nvram_template &&
			    fw->stateless != DOMAIN_TRISTATE_ON)
				fw->nvram_template = xstrdup(d.vars);
		}
		free(paths[i]);
	}
	free(paths);
	return found;
}

/* "with secure-boot, without enrolled-keys": what was asked for. */
static char *asked(const struct domain_firmware *fw)
{
	return xasprintf(
		"%s%s%s%s",
		fw->secure_boot == DOMAIN_TRISTATE_ON ? " with secure-boot"
						      : "",
		fw->secure_boot == DOMAIN_TRISTATE_OFF ? " without secure-boot"
						       : "",
		fw->enrolled_keys == DOMAIN_TRISTATE_ON ? " with enrolled-keys"
							: "",
		fw->enrolled_keys == DOMAIN_TRISTATE_OFF
			? " without enrolled-keys"
			: "");
}

int driver_qemu_firmware_fill(struct domain_def *def, struct err **e)
{
	struct domain_firmware *fw = &def->fw;
	const char *m = def->machine ? def->machine : "pc";
	size_t n = 0;

	if (fw->kind == OS_FIRMWARE_EFI && !fw->loader &&
	    !pick(fw, def->machine, NULL, &n)) {
		_cleanup_free_ char *what = asked(fw);

		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"no UEFI firmware for x86_64 machine '%s'%s: "
				"none of the %zu descriptors in %s fits "
				"(install the ovmf package, or give <loader "
				"type='pflash'> and <nvram template>)",
				m, what, n, firmware_dirs());
	}
	if (fw->type == LOADER_TYPE_NONE && fw->loader &&
	    fw->kind == OS_FIRMWARE_EFI)
		fw->type = LOADER_TYPE_PFLASH;
	if (fw->type != LOADER_TYPE_PFLASH)
		return 0;
	if (!fw->loader && !pick(fw, def->machine, NULL, &n))
		return err_setk(
			e, ERR_CONFIG_UNSUPPORTED, ENOENT,
			"no UEFI firmware for a pflash <loader> without "
			"a path, x86_64 machine '%s': none of the %zu "
			"descriptors in %s fits",
			m, n, firmware_dirs());
	/* the features are <os firmware='efi'>'s to ask for: a loader
	 * picked for a pflash <loader> alone keeps none of them */
	if (fw->kind != OS_FIRMWARE_EFI)
		fw->secure_boot = fw->enrolled_keys = DOMAIN_TRISTATE_ABSENT;
	if (fw->stateless == DOMAIN_TRISTATE_ON)
		return 0; /* code alone: no variable store */
	if (!fw->nvram && !fw->nvram_template &&
	    !pick(fw, def->machine, fw->loader, &n))
		return err_setk(e, ERR_CONFIG_UNSUPPORTED, ENOENT,
				"no NVRAM template for loader '%s': none of "
				"the %zu descriptors in %s names it for "
				"x86_64 machine '%s' (give <nvram "
				"template='...'>)",
				fw->loader, n, firmware_dirs(), m);
	if (!fw->nvram && nvram_dir)
		fw->nvram = xasprintf("%s/%s_VARS.fd", nvram_dir, def->name);
	return 0;
}

/* Largest variable store copied (OVMF's are 128 KiB to 4 MiB). */
#define NVRAM_MAX (64u << 20)

/* Reads the template at @path, opened as safe_open allows. */
static int read_template(const char *path, char **data, size_t *len,
			 struct err **e)
{
	_cleanup_close_ int fd =
		block_safe_open(path, O_RDONLY, BLOCK_SAFE_REGULAR, NULL, e);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "'%s'", path);
	if (st.st_size <= 0 || st.st_size > NVRAM_MAX)
		return err_set(e, EFBIG,
			       "'%s': %lld bytes, not an NVRAM template", path,
			       (long long)st.st_size);
	*data = xmalloc((size_t)st.st_size);
	n = pread_full(fd, *data, (size_t)st.st_size, 0);
	if (n != st.st_size) {
		free(steal_ptr(*data));
		return err_sys(e, n < 0 ? -(int)n : EIO, "reading '%s'", path);
	}
	*len = (size_t)st.st_size;
	return 0;
}

/* The domain's variable store: made from the template on first start,
 * root's and 0600 (QEMU gets it as an fd, never by its path). */
static int nvram_create(const struct domain_firmware *fw, struct err **e)
{
	_cleanup_free_ char *data = NULL, *dir = xstrdup(fw->nvram);
	size_t len = 0;

	if (access(fw->nvram, F_OK) == 0 || errno != ENOENT)
		return 0;
	if (!fw->nvram_template)
		return err_set(e, ENOENT,
			       "NVRAM '%s' does not exist and has no template",
			       fw->nvram);
	*strrchr(dir, '/') = '\0';
	if ((*dir && file_mkdir_p(dir, 0700, e) < 0) ||
	    read_template(fw->nvram_template, &data, &len, e) < 0 ||
	    file_write_atomic(fw->nvram, data, len, 0600, e) < 0)
		return err_prefix(e, "NVRAM '%s' from template '%s'", fw->nvram,
				  fw->nvram_template);
	return 0;
}

int driver_qemu_firmware_open(const struct domain_def *def, int fds[2],
			      struct err **e)
{
	const struct domain_firmware *fw = &def->fw;

	fds[0] = fds[1] = -1;
	if (fw->type != LOADER_TYPE_PFLASH)
		return 0;
	if (fw->stateless == DOMAIN_TRISTATE_ON) {
		fds[0] = block_safe_open(fw->loader, O_RDONLY,
					 BLOCK_SAFE_REGULAR, NULL, e);
		return fds[0] < 0 ? err_prefix(e, "loader") : 0;
	}
	if (!fw->nvram)
		return err_set(e, EINVAL, "pflash loader '%s' without <nvram>",
			       fw->loader);
	fds[0] = block_safe_open(fw->loader, O_RDONLY, BLOCK_SAFE_REGULAR, NULL,
				 e);
	if (fds[0] < 0)
		return err_prefix(e, "loader");
	if (nvram_create(fw, e) < 0 ||
	    (fds[1] = block_safe_open(fw->nvram, O_RDWR, BLOCK_SAFE_REGULAR,
				      NULL, e)) < 0) {
		close(steal_fd(fds[0]));
		fds[1] = -1;
		return err_prefix(e, "nvram");
	}
	return 0;
}
