// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated TPM of <tpm><backend type='emulator'> (driver-qemu.h):
 * swtpm, started by nidod for each start of the domain, as QEMU's own
 * identity, on a state directory of the domain's
 * (<state>/qemu/swtpm/UUID/tpm2 or tpm1.2, as libvirt keeps
 * /var/lib/libvirt/swtpm/UUID/tpm2), first made by swtpm_setup with an
 * endorsement key and the PCR banks asked for. Its control channel is
 * one end of a socket pair whose other end QEMU gets as a chardev's fd;
 * swtpm ends when QEMU closes it (--terminate).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "daemon/domain_conf_devmisc.h"
#include "daemon/driver-qemu.h"
#include "lib/file.h"
#include "lib/log.h"
#include "lib/spawn.h"

static char *swtpm_root; /* <state>/qemu/swtpm */

void driver_qemu_set_swtpm_dir(const char *dir)
{
	free(swtpm_root);
	swtpm_root = dir ? xstrdup(dir) : NULL;
}

/* @name in PATH, malloc'ed; NULL when it is not there. */
static char *in_path(const char *name)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *copy =
		xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL;

	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", d, name);

		if (*d == '/' && access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

int qemu_swtpm_check(struct err **e)
{
	static const char *const progs[] = {"swtpm", "swtpm_setup"};

	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		_cleanup_free_ char *p = in_path(progs[i]);

		if (!p)
			return err_set(
				e, ENOENT,
				"<tpm><backend type='emulator'>: '%s' is "
				"not installed (Debian: swtpm, "
				"swtpm-tools)",
				progs[i]);
	}
	if (!swtpm_root)
		return err_set(e, ENOTSUP,
			       "<tpm><backend type='emulator'>: nidod has no "
			       "directory for TPM states");
	return 0;
}

static bool tpm2(const struct domain_tpm *t)
{
	return t->version != TPM_VERSION_1_2;
}

/* The domain's TPM state directory, malloc'ed. */
static char *state_dir(const struct domain_def *def)
{
	char uuid[37];

	uuid_unparse_lower(def->uuid, uuid);
	return xasprintf("%s/%s/%s", swtpm_root, uuid,
			 tpm2(def->misc->tpm) ? "tpm2" : "tpm1.2");
}

/* The state's files (and @dir) given to @uid:@gid, links not followed:
 * the slot QEMU runs in may differ from the last start's. */
static int give_state(const char *dir, uid_t uid, gid_t gid, struct err **e)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (fd < 0)
		return err_sys(e, errno, "TPM state '%s'", dir);
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0700) < 0) {
		close(fd);
		return err_sys(e, errno, "TPM state '%s'", dir);
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return err_sys(e, errno, "TPM state '%s'", dir);
	}
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
		    fchownat(dirfd(d), de->d_name, uid, gid,
			     AT_SYMLINK_NOFOLLOW) < 0) {
			int r = err_sys(e, errno, "TPM state '%s/%s'", dir,
					de->d_name);

			closedir(d);
			return r;
		}
	closedir(d);
	return 0;
}

/* swtpm_setup's first state in @dir: an endorsement key, the banks. */
static int setup_state(const struct domain_tpm *t, const char *dir,
		       struct err **e)
{
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char *banks = xstrdup("");
	char *argv[10];
	size_t n = 0;
	int r;

	for (size_t i = 0; tpm_pcr_bank_names[i]; i++)
		if (t->pcr_banks & (1u << i)) {
			char *b = xasprintf("%s%s%s", banks, *banks ? "," : "",
					    tpm_pcr_bank_names[i]);

			free(banks);
			banks = b;
		}
	argv[n++] = "swtpm_setup";
	if (tpm2(t))
		argv[n++] = "--tpm2";
	argv[n++] = "--tpmstate";
	argv[n++] = (char *)dir;
	argv[n++] = "--createek";
	if (*banks) {
		argv[n++] = "--pcr-banks";
		argv[n++] = banks;
	}
	argv[n++] = "--not-overwrite";
	argv[n] = NULL;
	r = spawn_run(argv, &out, 1, e);
	if (r < 0)
		return r;
	if (r != 0)
		return err_set(e, EIO, "swtpm_setup (exit %d): %s", r,
			       out ? out : "");
	return 0;
}

/* The state directory, made (with swtpm_setup) when it is new. */
static int prepare_state(const struct domain_tpm *t, const char *dir,
			 struct err **e)
{
	struct stat st;

	if (stat(dir, &st) == 0)
		return 0;
	if (file_mkdir_p(dir, 0700, e) < 0)
		return -EIO;
	if (setup_state(t, dir, e) < 0) {
		err_prefix(e, "TPM state '%s'", dir);
		return -EIO;
	}
	return 0;
}

/* swtpm's command line; its state is its working directory (entered
 * before it drops root: the directories above are nidod's, closed to
 * it). */
static void swtpm_argv(const struct domain_tpm *t, char **argv)
{
	size_t n = 0;

	argv[n++] = "swtpm";
	argv[n++] = "socket";
	argv[n++] = "--ctrl";
	argv[n++] = "type=unixio,clientfd=3";
	argv[n++] = "--tpmstate";
	argv[n++] = "dir=.,mode=0600";
	argv[n++] = "--terminate";
	if (tpm2(t))
		argv[n++] = "--tpm2";
	argv[n] = NULL;
}

int qemu_swtpm_start(const struct domain_def *def, uid_t uid, gid_t gid,
		     int log_fd, struct spawn_child *child, int *qemu_fd,
		     struct err **e)
{
	const struct domain_tpm *t = def->misc ? def->misc->tpm : NULL;
	_cleanup_free_ char *dir = NULL;
	struct spawn_fd keep;
	struct spawn_opts o;
	char *argv[10];
	int sv[2], r;

	*qemu_fd = -1;
	if (!t || t->backend != TPM_BACKEND_EMULATOR)
		return 0;
	if ((r = qemu_swtpm_check(e)) < 0)
		return r;
	dir = state_dir(def);
	if ((r = prepare_state(t, dir, e)) < 0)
		return r;
	if (uid != (uid_t)-1 && (r = give_state(dir, uid, gid, e)) < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_sys(e, errno, "swtpm's control channel");
	swtpm_argv(t, argv);
	spawn_opts_init(&o);
	keep = (struct spawn_fd){.from = sv[1], .to = 3};
	o.argv = argv;
	o.cwd = dir;
	o.keep_fds = &keep;
	o.n_keep_fds = 1;
	o.stdout_fd = log_fd;
	o.stderr_fd = log_fd;
	o.new_session = 1;
	o.set_ids = uid != (uid_t)-1;
	o.uid = uid;
	o.gid = gid;
	r = spawn_start(&o, child, e);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return err_prefix(e, "swtpm");
	}
	*qemu_fd = sv[0];
	return 0;
}

void qemu_helper_stop(struct spawn_child *child)
{
	if (child->pid <= 0)
		return;
	/* it ends with QEMU's end of the channel; else it is made to */
	if (spawn_wait_timeout(child, 1000, NULL) == -ETIMEDOUT) {
		spawn_kill(child, SIGKILL);
		spawn_wait(child, NULL);
	}
}

/* Empties @dir (flat: swtpm's files; links unlinked, not followed) and
 * removes it. */
static void remove_flat_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

void qemu_swtpm_forget(const struct domain_def *def)
{
	const struct domain_tpm *t = def->misc ? def->misc->tpm : NULL;
	_cleanup_free_ char *dir = NULL;
	char *up;

	if (!t || t->backend != TPM_BACKEND_EMULATOR ||
	    t->pstate == DOMAIN_TRISTATE_ON || !swtpm_root)
		return;
	dir = state_dir(def);
	remove_flat_dir(dir);
	up = strrchr(dir, '/');
	*up = 0;
	rmdir(dir); /* the UUID's: empty unless both versions were used */
}
