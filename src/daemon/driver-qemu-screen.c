// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A screenshot of a QEMU guest's display (driver-qemu.h): QEMU writes
 * its screendump into a file nidod made and holds, passed with add-fd
 * (QEMU never gets a path of nidod's to open), then nidod reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "daemon/driver-qemu.h"
#include "daemon/qmp.h"
#include "lib/json.h"

#define SCREENDUMP_MS  30000
#define SCREENDUMP_MAX (64u << 20) /* 4096 x 4096 x 3 and a header */
#define SCREEN_CMD_MS  10000

struct dump {
	struct qmp *q;
	int rfd;
	int64_t fdset;
	qemu_screendump_fn done;
	void *opaque;
};

static void finish(struct dump *d, int r, const struct err *e)
{
	d->done(d->opaque, r, r == 0 ? steal_fd(d->rfd) : -1, e);
	close_safe(d->rfd);
	free(d);
}

/* What QEMU wrote must be a PPM (P6) of a sane size. */
static int check_ppm(int fd, struct err **e)
{
	struct stat st;
	char magic[2];

	if (fstat(fd, &st) < 0)
		return err_sys(e, errno, "screendump");
	if (st.st_size < 8 || st.st_size > SCREENDUMP_MAX ||
	    pread(fd, magic, 2, 0) != 2 || memcmp(magic, "P6", 2))
		return err_setk(e, ERR_OPERATION_FAILED, EPROTO,
				"QEMU's screendump is not a PPM image of at "
				"most %u bytes",
				SCREENDUMP_MAX);
	return 0;
}

static void on_dumped(void *opaque, int r, struct json_object *ret,
		      const struct err *e)
{
	struct dump *d = opaque;
	_cleanup_err_ struct err *err = NULL;
	_cleanup_json_ struct json_object *args = NULL;

	if (r == -ECANCELED) { /* the connection is gone: no more QMP */
		finish(d, r, e);
		return;
	}
	/* the fd set goes, whatever the dump did */
	args = json_object_new_object();
	json_object_object_add(args, "fdset-id",
			       json_object_new_int64(d->fdset));
	qmp_command(d->q, "remove-fd", args, SCREEN_CMD_MS, NULL, NULL, NULL);
	if (r < 0) {
		finish(d, r, e);
		return;
	}
	r = check_ppm(d->rfd, &err);
	finish(d, r, err);
}

static void on_added(void *opaque, int r, struct json_object *ret,
		     const struct err *e)
{
	struct dump *d = opaque;
	_cleanup_err_ struct err *err = NULL;
	_cleanup_json_ struct json_object *args = NULL;
	_cleanup_free_ char *path = NULL;

	if (r < 0) {
		finish(d, r, e);
		return;
	}
	if (!json_object_is_type(ret, json_type_object) ||
	    json_get_int64(ret, "fdset-id", &d->fdset, NULL) < 0 ||
	    d->fdset < 0) {
		err_set(&err, EPROTO, "QMP 'add-fd': no fdset-id");
		finish(d, -EPROTO, err);
		return;
	}
	path = xasprintf("/dev/fdset/%" PRId64, d->fdset);
	args = json_object_new_object();
	json_object_object_add(args, "filename", json_object_new_string(path));
	if (qmp_command(d->q, "screendump", args, SCREENDUMP_MS, on_dumped, d,
			&err) < 0)
		finish(d, err_code(err), err);
}

int qemu_screendump(struct qmp *q, const char *path, qemu_screendump_fn done,
		    void *opaque, struct err **e)
{
	_cleanup_close_ int wfd = -1;
	struct dump *d;

	unlink(path);
	wfd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		   0600);
	if (wfd < 0)
		return err_sys(e, errno, "'%s'", path);
	d = xcalloc(1, sizeof(*d));
	d->q = q;
	d->done = done;
	d->opaque = opaque;
	d->rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unlink(path); /* the two fds are all there is of it */
	if (d->rfd < 0) {
		free(d);
		return err_sys(e, errno, "'%s'", path);
	}
	/* QEMU matches the access mode: a write-only fd for screendump */
	if (qmp_command_fd(q, "add-fd", NULL, wfd, SCREEN_CMD_MS, on_added, d,
			   e) < 0) {
		close(d->rfd);
		free(d);
		return err_code(*e);
	}
	return 0;
}
