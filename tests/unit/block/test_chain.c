// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the chain policy (block/chain.h) and block_safe_open()
 * (block/safeopen.h): what an image's metadata may make us open, for a
 * guest's disk and for nido img, a chain passed as fds, and paths swapped
 * by a user who can write one of their directories (as `nobody`).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include "block/block.h"
#include "block/chain.h"
#include "block/image.h"
#include "block/safeopen.h"
#include "test.h"

#define NOBODY 65534

static char dir[] = "/tmp/nido-chain-test-XXXXXX";

static char *path(const char *name)
{
	static char buf[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int make_dir(const char *name, uid_t uid, mode_t mode)
{
	if (mkdir(path(name), mode) < 0 && errno != EEXIST)
		return -errno;
	if (chown(path(name), uid, uid) < 0 || chmod(path(name), mode) < 0)
		return -errno;
	return 0;
}

static int write_file(const char *name, const void *data, size_t len,
		      mode_t mode)
{
	_cleanup_close_ int fd =
		open(path(name), O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		return -1;
	return fchmod(fd, mode);
}

static int raw(const char *name, uint64_t size)
{
	struct img_create_opts o = {.format = "raw", .size = size};

	return img_create(path(name), &o, NULL);
}

/* A qcow2 @name naming @backing (format @fmt, NULL: none recorded). */
static int overlay(const char *name, const char *backing, const char *fmt)
{
	struct img_create_opts o = {.format = "qcow2",
				    .size = 1 << 20,
				    .backing = backing,
				    .backing_fmt = fmt ? fmt : "raw",
				    .unsafe_backing = true};
	_cleanup_block_ struct block *b = NULL;
	int r = img_create(path(name), &o, NULL);

	if (r < 0 || fmt)
		return r;
	r = block_open(path(name), "qcow2",
		       BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING, &b, NULL);
	return r < 0 ? r : img_set_backing(b, backing, NULL, NULL);
}

static int open_strict(const char *name, const struct block_strict *s,
		       unsigned flags, struct block **b, struct err **e)
{
	struct block_open_opts o = {.format = "qcow2",
				    .flags = flags,
				    .fd = -1,
				    .resolve = block_resolve_strict,
				    .opaque = (void *)s};

	return block_open_chain(path(name), &o, b, e);
}

static void strict_refuses_etc_shadow(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct block_strict none = {0};

	CHECK(make_dir("vm", 0, 0755) == 0);
	CHECK(overlay("vm/shadow.qcow2", "/etc/shadow", "raw") == 0);
	CHECK_INT_EQ(open_strict("vm/shadow.qcow2", &none, 0, &b, &e), -EPERM);
	CHECK(b == NULL);
	CHECK_STR_CONTAINS(err_msg(e), "'/etc/shadow'");
	CHECK_STR_CONTAINS(err_msg(e), "outside the directory");
	/* qemu-img's rules (nido img) open it: the resolver is the policy */
	CHECK(block_open(path("vm/shadow.qcow2"), "qcow2", 0, &b, NULL) == 0);
	CHECK_STR_EQ(block_filename(block_backing(b)), "/etc/shadow");
}

static void backing_fifo_does_not_block(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	struct block_strict none = {0};

	CHECK(make_dir("vm", 0, 0755) == 0);
	CHECK(mkfifo(path("vm/fifo"), 0600) == 0);
	CHECK(overlay("vm/fifo.qcow2", "fifo", "raw") == 0);
	alarm(120); /* a hang would be the bug: die instead of waiting */
	CHECK_INT_EQ(open_strict("vm/fifo.qcow2", &none, 0, &b, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "not a regular file");
	CHECK_INT_EQ(block_open(path("vm/fifo.qcow2"), "qcow2", 0, &b, &e2),
		     -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e2), "is a FIFO");
	alarm(0);
}

static void outside_refused_unless_declared(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	_cleanup_free_ char *dp = xstrdup(path("other/base.raw"));
	struct block_decl d = {dp, "raw"};
	struct block_strict declared = {&d, 1}, none = {0};
	uint8_t buf[512], want[512];

	memset(want, 0x5a, sizeof(want));
	CHECK(make_dir("vm", 0, 0755) == 0 && make_dir("other", 0, 0755) == 0);
	CHECK(write_file("other/base.raw", want, sizeof(want), 0644) == 0);
	CHECK(overlay("vm/out.qcow2", "../other/base.raw", "raw") == 0);
	CHECK_INT_EQ(open_strict("vm/out.qcow2", &none, 0, &b, &e), -EPERM);
	CHECK_STR_CONTAINS(err_msg(e), "other/base.raw");
	CHECK(open_strict("vm/out.qcow2", &declared, 0, &b, NULL) == 0);
	CHECK(b && block_pread(b, buf, sizeof(buf), 0, NULL) == 0);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);
	block_close(b);
	b = NULL;
	/* a symlink in the directory does not make the file inside it */
	CHECK(symlink("../other/base.raw", path("vm/link.raw")) == 0);
	CHECK(overlay("vm/vialink.qcow2", "link.raw", "raw") == 0);
	CHECK_INT_EQ(open_strict("vm/vialink.qcow2", &none, 0, &b, &e2),
		     -EPERM);
	CHECK_STR_CONTAINS(err_msg(e2), "outside the directory");
}

static void unformatted_backing_refused(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	_cleanup_free_ char *dp = xstrdup(path("vm/plain.raw"));
	struct block_decl raw_d = {dp, "raw"}, qcow_d = {dp, "qcow2"};
	struct block_strict none = {0}, decl = {&raw_d, 1}, bad = {&qcow_d, 1};

	CHECK(make_dir("vm", 0, 0755) == 0);
	CHECK(raw("vm/plain.raw", 1 << 20) == 0);
	CHECK(overlay("vm/nofmt.qcow2", "plain.raw", NULL) == 0);
	CHECK_INT_EQ(open_strict("vm/nofmt.qcow2", &none, 0, &b, &e), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e), "plain.raw");
	CHECK_STR_CONTAINS(err_msg(e), "no recorded format");
	CHECK(open_strict("vm/nofmt.qcow2", &decl, 0, &b, NULL) == 0);
	CHECK(b && streq(block_format(block_backing(b)), "raw"));
	block_close(b);
	b = NULL;
	/* a declaration that contradicts the record is refused */
	CHECK(overlay("vm/fmt.qcow2", "plain.raw", "raw") == 0);
	CHECK_INT_EQ(open_strict("vm/fmt.qcow2", &bad, 0, &b, &e2), -EINVAL);
	CHECK_STR_CONTAINS(err_msg(e2), "declares 'qcow2'");
	/* the top's format is the caller's: nothing is probed */
	struct block_open_opts o = {
		.fd = -1, .resolve = block_resolve_strict, .opaque = &none};
	CHECK_INT_EQ(block_open_chain(path("vm/fmt.qcow2"), &o, &b, NULL),
		     -EINVAL);
}

static int vmdk(const char *name, const char *extent)
{
	char text[512];
	int n = snprintf(text, sizeof(text),
			 "# Disk DescriptorFile\nversion=1\nCID=fffffffe\n"
			 "parentCID=ffffffff\ncreateType=\"monolithicFlat\"\n"
			 "RW 8 FLAT \"%s\" 0\n",
			 extent);

	return write_file(name, text, (size_t)n, 0644);
}

static void vmdk_extent_outside_refused(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL;
	struct block_strict none = {0};
	struct block_open_opts o = {.format = "vmdk",
				    .fd = -1,
				    .resolve = block_resolve_strict,
				    .opaque = &none};
	uint8_t buf[4096], want[4096];

	memset(want, 7, sizeof(want));
	CHECK(make_dir("vm", 0, 0755) == 0);
	CHECK(vmdk("vm/shadow.vmdk", "/etc/shadow") == 0);
	CHECK_INT_EQ(block_open_chain(path("vm/shadow.vmdk"), &o, &b, &e),
		     -EPERM);
	CHECK_STR_CONTAINS(err_msg(e), "extent '/etc/shadow'");
	CHECK(write_file("vm/flat.raw", want, sizeof(want), 0644) == 0);
	CHECK(vmdk("vm/ok.vmdk", "flat.raw") == 0);
	CHECK(block_open_chain(path("vm/ok.vmdk"), &o, &b, NULL) == 0);
	CHECK(b && block_pread(b, buf, sizeof(buf), 0, NULL) == 0);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);
}

/* The daemon opens and exports; a "VMM" opens from the fds alone. */
static void chain_passed_as_fds(void)
{
	_cleanup_block_ struct block *b = NULL, *v = NULL, *other = NULL;
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	struct block_strict none = {0};
	struct block_chain c = {0};
	uint8_t buf[512], want[512];
	char *saved;

	memset(want, 0x33, sizeof(want));
	CHECK(make_dir("vm", 0, 0755) == 0);
	CHECK(raw("vm/pbase.raw", 1 << 20) == 0);
	CHECK(overlay("vm/ptop.qcow2", "pbase.raw", "raw") == 0);
	CHECK(open_strict("vm/ptop.qcow2", &none, BLOCK_OPEN_RDWR, &b, NULL) ==
	      0);
	CHECK(b && block_chain_export(b, &c, NULL) == 0);
	CHECK_INT_EQ(c.n, 2);
	CHECK(c.files[0].kind == BLOCK_REF_TOP && c.files[0].rdwr);
	CHECK_STR_EQ(c.files[1].name, "pbase.raw");
	CHECK_STR_EQ(c.files[1].format, "raw");
	block_close(b);
	b = NULL;
	/* the exported fds keep the images locked: no second writer */
	CHECK_INT_EQ(block_open(path("vm/ptop.qcow2"), "qcow2",
				BLOCK_OPEN_RDWR | BLOCK_OPEN_NO_BACKING, &other,
				NULL),
		     -EAGAIN);
	CHECK(block_open_from_chain(&c, BLOCK_OPEN_RDWR, &v, NULL) == 0);
	CHECK(v && block_pwrite(v, want, sizeof(want), 4096, NULL) == 0);
	CHECK(v && block_pread(v, buf, sizeof(buf), 4096, NULL) == 0);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);
	block_close(v);
	v = NULL;
	/* a name that differs from what the image records is refused */
	saved = c.files[1].name;
	c.files[1].name = (char *)"../../etc/shadow";
	CHECK_INT_EQ(block_open_from_chain(&c, 0, &v, &e), -EPERM);
	CHECK_STR_CONTAINS(err_msg(e), "'pbase.raw' where");
	c.files[1].name = saved;
	c.n = 1; /* the backing file not passed */
	CHECK_INT_EQ(block_open_from_chain(&c, 0, &v, &e2), -EPERM);
	c.n = 2;
	block_chain_clear(&c);
	CHECK(block_open(path("vm/ptop.qcow2"), "qcow2", BLOCK_OPEN_RDWR,
			 &other, NULL) == 0);
}

static void vmdk_extents_exported(void)
{
	_cleanup_block_ struct block *b = NULL;
	struct block_strict none = {0};
	struct block_open_opts o = {.format = "vmdk",
				    .fd = -1,
				    .resolve = block_resolve_strict,
				    .opaque = &none};
	struct block_chain c = {0};
	uint8_t zero[4096] = {0};

	CHECK(make_dir("vm", 0, 0755) == 0);
	CHECK(write_file("vm/flat2.raw", zero, sizeof(zero), 0644) == 0);
	CHECK(vmdk("vm/e.vmdk", "flat2.raw") == 0);
	CHECK(block_open_chain(path("vm/e.vmdk"), &o, &b, NULL) == 0);
	CHECK(b && block_chain_export(b, &c, NULL) == 0);
	CHECK_INT_EQ(c.n, 2);
	CHECK(c.n == 2 && c.files[1].kind == BLOCK_REF_EXTENT);
	block_close(b);
	b = NULL;
	CHECK(block_open_from_chain(&c, 0, &b, NULL) == 0);
	block_chain_clear(&c);
}

/* ---- block_safe_open(): a user's directory, as `nobody` ---- */

static void safe_open_setup(void)
{
	uint8_t secret[512] = "root only";

	/* user/: nobody's; root/: root's; secret: root's, mode 0600 */
	make_dir("user", NOBODY, 0755);
	make_dir("root", 0, 0755);
	write_file("secret", secret, sizeof(secret), 0600);
	write_file("root/img", secret, sizeof(secret), 0600);
	write_file("user/own.img", secret, sizeof(secret), 0644);
	if (chown(path("user/own.img"), NOBODY, NOBODY) < 0)
		printf("# chown: %s\n", strerror(errno));
}

static void safe_open_users_file(void)
{
	_cleanup_close_ int fd = -1, fd2 = -1;

	if (geteuid() != 0)
		SKIP("needs root");
	safe_open_setup();
	fd = block_safe_open(path("user/own.img"), O_RDWR, 0, NULL, NULL);
	CHECK(fd >= 0);
	/* a root-only file in a directory only root can change: fine */
	fd2 = block_safe_open(path("root/img"), O_RDWR, 0, NULL, NULL);
	CHECK(fd2 >= 0);
}

static void safe_open_symlink_swap(void)
{
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;

	if (geteuid() != 0)
		SKIP("needs root");
	safe_open_setup();
	/* the user replaced their image by a link to a root-only file */
	CHECK(symlink(path("secret"), path("user/swapped.img")) == 0);
	CHECK_INT_EQ(
		block_safe_open(path("user/swapped.img"), O_RDWR, 0, NULL, &e),
		-ELOOP);
	CHECK_STR_CONTAINS(err_msg(e), "symbolic link");
	/* even where the definition named a link, the target is checked */
	CHECK_INT_EQ(block_safe_open(path("user/swapped.img"), O_RDWR,
				     BLOCK_SAFE_FOLLOW_LAST, NULL, &e2),
		     -EACCES);
	CHECK_STR_CONTAINS(err_msg(e2), "uid 65534");
}

static void safe_open_directory_swap(void)
{
	_cleanup_err_ struct err *e = NULL;

	if (geteuid() != 0)
		SKIP("needs root");
	safe_open_setup();
	/* a directory of the path replaced by a link into root's tree */
	CHECK(symlink(path("root"), path("user/disks")) == 0);
	CHECK_INT_EQ(
		block_safe_open(path("user/disks/img"), O_RDWR, 0, NULL, &e),
		-EACCES);
	CHECK_STR_CONTAINS(err_msg(e), "owner of");
}

static void safe_open_hard_link(void)
{
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	_cleanup_close_ int fd = -1;

	if (geteuid() != 0)
		SKIP("needs root");
	safe_open_setup();
	/* what a user can make where fs.protected_hardlinks is 0 */
	CHECK(link(path("secret"), path("user/hard.img")) == 0);
	CHECK_INT_EQ(
		block_safe_open(path("user/hard.img"), O_RDWR, 0, NULL, &e),
		-EACCES);
	CHECK_STR_CONTAINS(err_msg(e), "could not open this file for writing");
	CHECK_INT_EQ(
		block_safe_open(path("user/hard.img"), O_RDONLY, 0, NULL, &e2),
		-EACCES);
	/* the same file through root's directory is fine */
	fd = block_safe_open(path("secret"), O_RDWR, 0, NULL, NULL);
	CHECK(fd >= 0);
	/* a relative path is checked from the root down as well */
	CHECK(chdir(path("user")) == 0);
	CHECK_INT_EQ(block_safe_open("hard.img", O_RDONLY, 0, NULL, NULL),
		     -EACCES);
	CHECK(chdir("/") == 0);
}

/* The daemon's whole open: the top image too goes through the rules. */
static void strict_top_swapped(void)
{
	_cleanup_block_ struct block *b = NULL;
	_cleanup_err_ struct err *e = NULL, *e2 = NULL;
	struct block_strict plain = {0},
			    named_link = {.safe_flags = BLOCK_SAFE_FOLLOW_LAST};

	if (geteuid() != 0)
		SKIP("needs root");
	safe_open_setup();
	CHECK(overlay("root/disk.qcow2", "img", "raw") == 0);
	CHECK(chmod(path("root/disk.qcow2"), 0600) == 0);
	CHECK(symlink(path("root/disk.qcow2"), path("user/vm.qcow2")) == 0);
	CHECK_INT_EQ(
		open_strict("user/vm.qcow2", &plain, BLOCK_OPEN_RDWR, &b, &e),
		-ELOOP);
	CHECK_INT_EQ(open_strict("user/vm.qcow2", &named_link, BLOCK_OPEN_RDWR,
				 &b, &e2),
		     -EACCES);
	CHECK_STR_CONTAINS(err_msg(e2), "uid 65534");
	/* root's own chain in root's directory opens */
	CHECK(open_strict("root/disk.qcow2", &plain, BLOCK_OPEN_RDWR, &b,
			  NULL) == 0);
}

static void safe_open_fifo(void)
{
	_cleanup_err_ struct err *e = NULL;

	CHECK(make_dir("fifos", 0, 0755) == 0);
	CHECK(mkfifo(path("fifos/f"), 0600) == 0);
	alarm(120);
	CHECK_INT_EQ(block_safe_open(path("fifos/f"), O_RDWR, 0, NULL, &e),
		     -EINVAL);
	alarm(0);
	CHECK_STR_CONTAINS(err_msg(e), "not a regular file");
}

/* block_open_over(): a new overlay over an image in use (a running disk's
 * external snapshot), refused unless it names that image. */
static void overlay_over_open_image(void)
{
	_cleanup_err_ struct err *e = NULL;
	struct block *below = NULL, *top = NULL;
	char want[512], buf[512], base_buf[512];
	_cleanup_close_ int bad_fd = -1, fd = -1, raw_fd = -1;

	memset(want, 'A', sizeof(want));
	CHECK(make_dir("ov", 0, 0755) == 0);
	CHECK(write_file("ov/base.raw", want, sizeof(want), 0644) == 0);
	CHECK(truncate(path("ov/base.raw"), 1 << 20) == 0);
	CHECK(block_open(path("ov/base.raw"), "raw", BLOCK_OPEN_RDWR, &below,
			 NULL) == 0);
	CHECK(overlay("ov/other.qcow2", "/etc/hostname", "raw") == 0);
	CHECK(overlay("ov/top.qcow2", path("ov/base.raw"), "raw") == 0);
	bad_fd = open(path("ov/other.qcow2"), O_RDWR | O_CLOEXEC);
	CHECK_INT_EQ(block_open_over(bad_fd, path("ov/other.qcow2"), below,
				     BLOCK_OPEN_RDWR, &top, &e),
		     -EINVAL);
	CHECK(top == NULL);
	CHECK_STR_CONTAINS(err_msg(e), "its backing file is '/etc/hostname'");
	/* the image below is untouched and still the caller's */
	CHECK(block_pread(below, buf, sizeof(buf), 0, NULL) == 0);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);

	fd = open(path("ov/top.qcow2"), O_RDWR | O_CLOEXEC);
	CHECK(block_open_over(fd, path("ov/top.qcow2"), below, BLOCK_OPEN_RDWR,
			      &top, NULL) == 0);
	CHECK(top && block_backing(top) == below);
	CHECK(block_pread(top, buf, sizeof(buf), 0, NULL) == 0);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);
	memset(buf, 'B', sizeof(buf));
	CHECK(block_pwrite(top, buf, sizeof(buf), 0, NULL) == 0);
	CHECK(block_flush(top, NULL) == 0);
	/* the write went to the overlay: the image below keeps its data */
	raw_fd = open(path("ov/base.raw"), O_RDONLY | O_CLOEXEC);
	CHECK(pread(raw_fd, base_buf, sizeof(base_buf), 0) ==
	      (ssize_t)sizeof(base_buf));
	CHECK(memcmp(base_buf, want, sizeof(want)) == 0);
	/* undone: the image below is the caller's again */
	CHECK(block_close_over(top) == 0);
	CHECK(block_pread(below, buf, sizeof(buf), 0, NULL) == 0);
	CHECK(memcmp(buf, want, sizeof(buf)) == 0);
	block_close(below);
}

int main(void)
{
	char cmd[300];

	if (!mkdtemp(dir) || chmod(dir, 0755) < 0)
		return 1;
	RUN(strict_refuses_etc_shadow);
	RUN(backing_fifo_does_not_block);
	RUN(outside_refused_unless_declared);
	RUN(unformatted_backing_refused);
	RUN(vmdk_extent_outside_refused);
	RUN(chain_passed_as_fds);
	RUN(vmdk_extents_exported);
	RUN(safe_open_users_file);
	RUN(safe_open_symlink_swap);
	RUN(safe_open_directory_swap);
	RUN(safe_open_hard_link);
	RUN(strict_top_swapped);
	RUN(safe_open_fifo);
	RUN(overlay_over_open_image);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return test_done();
}
