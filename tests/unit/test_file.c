// SPDX-License-Identifier: GPL-2.0-or-later
#include "lib/file.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[64];

/* Number of entries in @path other than . and .. */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void make_dir(const char *parent)
{
	snprintf(dir, sizeof(dir), "%s/nido-file-XXXXXX", parent);
	if (!mkdtemp(dir))
		abort();
}

static void remove_dir(void)
{
	char *const argv[] = {"rm", "-rf", dir, NULL};
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
}

static void file_write_then_read_back(void)
{
	_cleanup_free_ char *path = xasprintf("%s/dom.xml", dir);
	_cleanup_free_ char *data = NULL, *data2 = NULL;
	mode_t old_umask = umask(022);
	struct stat st;
	size_t len = 99;

	CHECK_INT_EQ(file_write_atomic(path, "<domain/>\n", 10, 0666, NULL), 0);
	umask(old_umask);
	CHECK(stat(path, &st) == 0);
	CHECK_INT_EQ(st.st_mode & 07777, 0666); /* exact, umask not applied */
	CHECK_INT_EQ(file_read_all(path, 1024, &data, &len, NULL), 0);
	CHECK_INT_EQ(len, 10);
	CHECK_STR_EQ(data, "<domain/>\n");

	CHECK_INT_EQ(file_write_atomic(path, "new", 3, 0600, NULL), 0);
	CHECK_INT_EQ(file_read_all(path, 1024, &data2, NULL, NULL), 0);
	CHECK_STR_EQ(data2, "new");
	CHECK(stat(path, &st) == 0);
	CHECK_INT_EQ(st.st_mode & 07777, 0600);
	CHECK_INT_EQ(count_entries(dir), 1); /* no temporary left */
	unlink(path);
}

static void file_write_in_missing_dir_names_path(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *path = xasprintf("%s/no/such/dir/x", dir);
	_cleanup_free_ char *want = xasprintf(
		"writing '%s': creating a temporary file: No such file or "
		"directory",
		path);

	CHECK_INT_EQ(file_write_atomic(path, "x", 1, 0644, &e), -ENOENT);
	CHECK_STR_EQ(err_msg(e), want);
	CHECK_INT_EQ(file_write_atomic("", "x", 1, 0644, NULL), -EISDIR);
}

/*
 * A write that fails half-way (RLIMIT_FSIZE stands in for a full disk:
 * we are root, so permissions cannot make it fail) leaves the old file as
 * it was and no temporary file.
 */
static void file_failed_write_keeps_old_file(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *path = xasprintf("%s/state.xml", dir);
	_cleanup_free_ char *data = NULL;
	char big[8192];
	struct rlimit old, lim = {.rlim_cur = 4096};
	int r;

	memset(big, 'n', sizeof(big));
	CHECK_INT_EQ(file_write_atomic(path, "old content", 11, 0644, NULL), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim.rlim_max = old.rlim_max;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	r = file_write_atomic(path, big, sizeof(big), 0644, &e);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	CHECK_INT_EQ(r, -EFBIG);
	CHECK_STR_CONTAINS(err_msg(e), path);
	CHECK_INT_EQ(file_read_all(path, 1024, &data, NULL, NULL), 0);
	CHECK_STR_EQ(data, "old content");
	CHECK_INT_EQ(count_entries(dir), 1);
	unlink(path);
}

#define CONC_ROUNDS 300

struct conc {
	const char *path;
	int done;
};

static void *conc_writer(void *opaque)
{
	struct conc *c = opaque;
	size_t len = 256 * 1024;
	char *buf = xmalloc(len);
	int i;

	for (i = 0; i < CONC_ROUNDS; i++) {
		char fill = i % 2 ? 'b' : 'a';
		size_t n = i % 2 ? len : len / 2;

		memset(buf, fill, n);
		if (file_write_atomic(c->path, buf, n, 0644, NULL) < 0)
			break;
	}
	free(buf);
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Whole content "a" * 128 KiB or "b" * 256 KiB, nothing else. */
static int content_ok(const char *data, size_t len)
{
	size_t i;

	if (!(len == 128 * 1024 && data[0] == 'a') &&
	    !(len == 256 * 1024 && data[0] == 'b'))
		return 0;
	for (i = 1; i < len; i++)
		if (data[i] != data[0])
			return 0;
	return 1;
}

/* On tmpfs, where fsync is cheap, so the race window gets many tries. */
static void file_concurrent_reader_never_sees_partial(void)
{
	_cleanup_free_ char *path = xasprintf("%s/conc", dir);
	struct conc c = {.path = path};
	int reads = 0, bad = 0;
	pthread_t t;

	CHECK_INT_EQ(file_write_atomic(path, "", 0, 0644, NULL), 0);
	CHECK(pthread_create(&t, NULL, conc_writer, &c) == 0);
	while (!__atomic_load_n(&c.done, __ATOMIC_SEQ_CST)) {
		char *data = NULL;
		size_t len;

		if (file_read_all(path, 1 << 20, &data, &len, NULL) < 0) {
			bad++;
			continue;
		}
		if (len && !content_ok(data, len))
			bad++;
		reads++;
		free(data);
	}
	pthread_join(t, NULL);
	CHECK_INT_EQ(bad, 0);
	CHECK(reads > 10);
	unlink(path);
	CHECK_INT_EQ(count_entries(dir), 0);
}

static void file_read_all_limits_and_errors(void)
{
	_cleanup_err_ struct err *e = NULL, *e2 = NULL, *e3 = NULL;
	_cleanup_free_ char *path = xasprintf("%s/ten", dir);
	_cleanup_free_ char *want =
		xasprintf("reading '%s': larger than 9 bytes", path);
	_cleanup_free_ char *ok = NULL, *proc = NULL, *empty = NULL;
	size_t len;

	CHECK_INT_EQ(file_write_atomic(path, "0123456789", 10, 0644, NULL), 0);
	CHECK_INT_EQ(file_read_all(path, 9, &ok, &len, &e), -EFBIG);
	CHECK_STR_EQ(err_msg(e), want);
	CHECK_INT_EQ(file_read_all(path, 10, &ok, &len, NULL), 0);
	CHECK_INT_EQ(len, 10);
	/* /proc files report size 0: the limit is enforced while reading. */
	CHECK_INT_EQ(
		file_read_all("/proc/self/status", 1 << 20, &proc, &len, NULL),
		0);
	CHECK(len > 100 && strlen(proc) == len);
	CHECK_INT_EQ(file_read_all("/proc/self/status", 16, &proc, &len, &e2),
		     -EFBIG);
	CHECK_INT_EQ(file_read_all("/nonexistent/f", 16, &proc, &len, &e3),
		     -ENOENT);
	CHECK_STR_EQ(err_msg(e3),
		     "opening '/nonexistent/f': No such file or directory");
	CHECK_INT_EQ(file_read_all(dir, 16, &proc, &len, NULL), -EISDIR);
	CHECK_INT_EQ(file_write_atomic(path, "", 0, 0644, NULL), 0);
	CHECK_INT_EQ(file_read_all(path, 0, &empty, &len, NULL), 0);
	CHECK_INT_EQ(len, 0);
	CHECK_STR_EQ(empty, "");
	unlink(path);
}

static void file_mkdir_p_creates_and_accepts_existing(void)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *deep = xasprintf("%s/a/b//c/", dir);
	_cleanup_free_ char *abc = xasprintf("%s/a/b/c", dir);
	_cleanup_free_ char *file = xasprintf("%s/a/f", dir);
	_cleanup_free_ char *under = xasprintf("%s/a/f/g", dir);
	_cleanup_free_ char *want =
		xasprintf("creating directory '%s': Not a directory", file);
	struct stat st;

	CHECK_INT_EQ(file_mkdir_p(deep, 0755, NULL), 0);
	CHECK(stat(abc, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_INT_EQ(file_mkdir_p(abc, 0755, NULL), 0);
	CHECK_INT_EQ(file_write_atomic(file, "x", 1, 0644, NULL), 0);
	CHECK_INT_EQ(file_mkdir_p(under, 0755, &e), -ENOTDIR);
	CHECK_STR_EQ(err_msg(e), want);
	CHECK_INT_EQ(file_mkdir_p("/", 0755, NULL), 0);
	CHECK_INT_EQ(file_fsync_dir(file, NULL), 0);
}

static void file_leaks_no_fds(void)
{
	_cleanup_free_ char *path = xasprintf("%s/leak", dir);
	_cleanup_free_ char *bad = xasprintf("%s/none/x", dir);
	int before = test_count_fds(), i;

	for (i = 0; i < 10; i++) {
		char *data = NULL;

		CHECK_INT_EQ(file_write_atomic(path, "x", 1, 0644, NULL), 0);
		CHECK(file_write_atomic(bad, "x", 1, 0644, NULL) < 0);
		CHECK_INT_EQ(file_read_all(path, 16, &data, NULL, NULL), 0);
		free(data);
		CHECK(file_read_all(path, 0, &data, NULL, NULL) < 0);
		CHECK(file_read_all(bad, 0, &data, NULL, NULL) < 0);
	}
	CHECK_INT_EQ(test_count_fds(), before);
}

int main(void)
{
	make_dir("/tmp");
	RUN(file_write_then_read_back);
	RUN(file_write_in_missing_dir_names_path);
	RUN(file_failed_write_keeps_old_file);
	RUN(file_read_all_limits_and_errors);
	RUN(file_mkdir_p_creates_and_accepts_existing);
	RUN(file_leaks_no_fds);
	remove_dir();
	make_dir(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	RUN(file_concurrent_reader_never_sees_partial);
	remove_dir();
	return test_done();
}
