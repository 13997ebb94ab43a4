// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nbd driver (block/nbd.c) against a fake server in a thread: an
 * honest one (a 64 KiB export in memory, reached by an nbd+unix name and
 * on a socket passed) and ones that lie (wrong cookie, bad magic, an
 * option reply of 4 GiB, silence, closing mid-read, an export that is
 * not there, a read-only export opened for writing). Each lie fails the
 * open or the request by name, in bounded time, and leaves nothing
 * open. Also nbd: names, good and bad (block/nbd-uri.c).
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "block/block.h"
#include "block/chain.h"
#include "block/nbd.h"
#include "test.h"

#define DISK_SIZE (64u << 10)

enum lie {
	HONEST,
	WRONG_COOKIE,
	BAD_MAGIC,
	HUGE_OPT_REPLY,
	SILENT,
	CLOSE_MID_READ,
	NO_EXPORT,
	READ_ONLY,
};

struct fake {
	int fd;
	enum lie lie;
	uint32_t min_block;
	uint8_t disk[DISK_SIZE];
	char export[64];
	bool saw_disc;
	int flushes, trims, zeroes;
};

static bool rd(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static void wr(int fd, const void *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) < 0)
		return;
}

static void opt_reply(int fd, uint32_t opt, uint32_t type, const void *d,
		      uint32_t len)
{
	uint64_t m = htobe64(0x0003e889045565a9ull);
	uint32_t h[3] = {htobe32(opt), htobe32(type), htobe32(len)};

	wr(fd, &m, 8);
	wr(fd, h, 12);
	wr(fd, d, len);
}

/* The options up to NBD_OPT_GO's answer; false: no transmission. */
static bool negotiate(struct fake *f)
{
	uint8_t g[18] = "NBDMAGICIHAVEOPT\0\3", h[16], name[256];
	uint32_t cflags, len, nl;
	uint8_t bs[14] = {0, 3}, ex[12] = {0, 0};
	uint64_t size = htobe64(DISK_SIZE);
	uint16_t tf = htobe16(f->lie == READ_ONLY ? 1 | 2 : 1 | 4 | 32 | 64);
	uint32_t v[3] = {htobe32(f->min_block), htobe32(4096),
			 htobe32(32u << 20)};

	wr(f->fd, g, sizeof(g));
	if (!rd(f->fd, &cflags, 4) || f->lie == SILENT)
		return false;
	if (!rd(f->fd, h, 16))
		return false;
	len = be32toh(*(uint32_t *)(h + 12));
	if (len > sizeof(name) || !rd(f->fd, name, len))
		return false;
	nl = be32toh(*(uint32_t *)name);
	if (nl < sizeof(f->export))
		memcpy(f->export, name + 4, nl);
	if (f->lie == NO_EXPORT) {
		opt_reply(f->fd, 7, (1u << 31) | 6, "not here", 8);
		return false;
	}
	if (f->lie == HUGE_OPT_REPLY) {
		uint64_t m = htobe64(0x0003e889045565a9ull);
		uint32_t hh[3] = {htobe32(7), htobe32(3), 0xffffffff};

		wr(f->fd, &m, 8);
		wr(f->fd, hh, 12);
		return false;
	}
	memcpy(bs + 2, v, 12);
	memcpy(ex + 2, &size, 8);
	memcpy(ex + 10, &tf, 2);
	opt_reply(f->fd, 7, 3, bs, 14);
	opt_reply(f->fd, 7, 3, ex, 12);
	opt_reply(f->fd, 7, 1, NULL, 0);
	return true;
}

static void reply(struct fake *f, uint64_t cookie, uint32_t err)
{
	uint32_t m = htobe32(f->lie == BAD_MAGIC ? 0x12345678 : 0x67446698);
	uint32_t e = htobe32(err);
	uint64_t c = htobe64(f->lie == WRONG_COOKIE ? cookie + 1 : cookie);

	wr(f->fd, &m, 4);
	wr(f->fd, &e, 4);
	wr(f->fd, &c, 8);
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	uint8_t req[28];

	if (!negotiate(f)) {
		uint8_t sink[256]; /* until the client hangs up */

		while (read(f->fd, sink, sizeof(sink)) > 0)
			;
		return NULL;
	}
	while (rd(f->fd, req, sizeof(req))) {
		uint16_t type = be16toh(*(uint16_t *)(req + 6));
		uint64_t cookie = be64toh(*(uint64_t *)(req + 8));
		uint64_t off = be64toh(*(uint64_t *)(req + 16));
		uint32_t len = be32toh(*(uint32_t *)(req + 24));
		bool bad = off > DISK_SIZE || len > DISK_SIZE - off;

		if (type == 2) {
			f->saw_disc = true;
			break;
		}
		if (type == 1 && (bad || !rd(f->fd, f->disk + off, len)))
			break;
		f->flushes += type == 3;
		f->trims += type == 4;
		if (type == 6 && !bad) {
			memset(f->disk + off, 0, len);
			f->zeroes++;
		}
		reply(f, cookie, bad ? 22 : 0);
		if (type == 0 && !bad && f->lie == CLOSE_MID_READ) {
			wr(f->fd, f->disk + off, len / 2);
			break;
		}
		if (type == 0 && !bad)
			wr(f->fd, f->disk + off, len);
	}
	shutdown(f->fd, SHUT_WR); /* the client sees it hang up */
	return NULL;
}

struct server {
	struct fake f;
	pthread_t t;
	int client;
};

/* A fake server on a socket pair; s->client is the driver's end. */
static void start_aligned(struct server *s, enum lie lie, uint32_t min_block)
{
	int sv[2];

	memset(&s->f, 0, sizeof(s->f));
	s->f.lie = lie;
	s->f.min_block = min_block;
	for (unsigned i = 0; i < DISK_SIZE; i++)
		s->f.disk[i] = (uint8_t)(i * 7);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	s->f.fd = sv[1];
	s->client = sv[0];
	pthread_create(&s->t, NULL, serve, &s->f);
}

static void start(struct server *s, enum lie lie)
{
	start_aligned(s, lie, 1);
}

static void stop(struct server *s)
{
	shutdown(s->client, SHUT_RDWR);
	pthread_join(s->t, NULL);
	close(s->client);
	close(s->f.fd);
}

static int open_on(struct server *s, unsigned flags, struct block **b,
		   struct err **e)
{
	struct block_open_opts o = {
		.format = "nbd", .flags = flags, .fd = s->client};

	return block_open_chain("nbd+unix:///vm1?socket=/nonexistent", &o, b,
				e);
}

static void honest_server(void)
{
	int fds = test_count_fds();
	struct server s;
	struct block *b = NULL;
	uint8_t buf[8192], pat[8192];

	start(&s, HONEST);
	CHECK(open_on(&s, BLOCK_OPEN_RDWR, &b, NULL) == 0);
	CHECK_STR_EQ(s.f.export, "vm1");
	CHECK(block_size(b) == DISK_SIZE);
	CHECK(block_pread(b, buf, 100, 3, NULL) == 0);
	CHECK(buf[0] == (uint8_t)(3 * 7) && buf[99] == (uint8_t)(102 * 7));
	memset(pat, 0x5a, sizeof(pat));
	CHECK(block_pwrite(b, pat, sizeof(pat), 4096, NULL) == 0);
	CHECK(block_pread(b, buf, sizeof(buf), 4096, NULL) == 0);
	CHECK(memcmp(buf, pat, sizeof(buf)) == 0);
	CHECK(block_write_zeroes(b, 4096, 512, 0, NULL) == 0);
	CHECK(block_discard(b, 0, 512, NULL) == 0);
	CHECK(block_flush(b, NULL) == 0);
	CHECK(block_pread(b, buf, 512, 4096, NULL) == 0);
	CHECK(buf[0] == 0 && buf[511] == 0);
	CHECK(s.f.zeroes == 1 && s.f.trims == 1 && s.f.flushes >= 1);
	CHECK(block_pread(b, buf, 10, DISK_SIZE - 5, NULL) == -EINVAL);
	block_close(b);
	stop(&s);
	CHECK(s.f.saw_disc);
	CHECK_INT_EQ(test_count_fds(), fds);
}

static void aligned_server(void)
{
	struct server s;
	struct block *b = NULL;
	struct err *e = NULL;
	uint8_t buf[1024];

	start_aligned(&s, HONEST, 512);
	CHECK(open_on(&s, 0, &b, NULL) == 0);
	CHECK(block_pread(b, buf, 1024, 512, NULL) == 0);
	CHECK(block_pread(b, buf, 100, 3, &e) == -EINVAL);
	CHECK(strstr(err_msg(e), "in blocks of 512 bytes"));
	err_free(e);
	block_close(b);
	stop(&s);
}

/* Opens on a lying server, reads; returns the message of what failed. */
static int lie_says(enum lie lie, unsigned flags, const char *says, int err)
{
	int fds = test_count_fds();
	struct server s;
	struct block *b = NULL;
	struct err *e = NULL;
	uint8_t buf[4096];
	int r;

	start(&s, lie);
	r = open_on(&s, flags, &b, &e);
	if (r == 0)
		r = block_pread(b, buf, sizeof(buf), 0, &e);
	if (r != -err || !e || !strstr(err_msg(e), says)) {
		fprintf(stderr, "# lie %d: %d (%s)\n", lie, r,
			e ? err_msg(e) : "no message");
		r = 1;
	} else {
		r = 0;
	}
	if (b && r == 0 && lie != CLOSE_MID_READ) {
		err_free(e), e = NULL;
		/* the stream is out of step: nothing more goes out */
		if (block_pread(b, buf, 512, 0, &e) != -EIO ||
		    !strstr(err_msg(e), "lost earlier"))
			r = 1;
	}
	err_free(e);
	block_close(b);
	stop(&s);
	if (test_count_fds() != fds)
		r = 1;
	return r;
}

static void lying_servers(void)
{
	CHECK(lie_says(WRONG_COOKIE, 0, "a reply to a request not made",
		       EPROTO) == 0);
	CHECK(lie_says(BAD_MAGIC, 0, "bad reply magic 0x12345678", EPROTO) ==
	      0);
	CHECK(lie_says(HUGE_OPT_REPLY, 0, "an option reply of 4294967295",
		       EPROTO) == 0);
	CHECK(lie_says(CLOSE_MID_READ, 0, "the server closed the connection",
		       EIO) == 0);
	CHECK(lie_says(NO_EXPORT, 0, "export 'vm1': no such export: not here",
		       ENOENT) == 0);
	CHECK(lie_says(READ_ONLY, BLOCK_OPEN_RDWR,
		       "export 'vm1' is read-only on the server", EROFS) == 0);
}

static void silent_server(void)
{
	struct timespec t0, t1;
	int r;

	nbd_set_timeout_ms(300);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = lie_says(SILENT, 0, "no answer in time", ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	nbd_set_timeout_ms(30000);
	CHECK(r == 0);
	CHECK(t1.tv_sec - t0.tv_sec < 5);
}

/* The same export reached by its nbd+unix name (a server process). */
static void by_name(void)
{
	char dir[] = "/tmp/test-nbd-XXXXXX", path[128], name[256];
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	static struct fake f;
	struct block *b = NULL;
	struct err *e = NULL;
	int l, status = -1;
	pid_t pid;

	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s", dir);
	strcpy(a.sun_path, path);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(bind(l, (struct sockaddr *)&a, sizeof(a)) == 0);
	CHECK(listen(l, 1) == 0);
	pid = fork();
	if (pid == 0) {
		f.min_block = 1;
		f.fd = accept(l, NULL, NULL);
		serve(&f);
		_exit(!f.saw_disc ? 1 : strcmp(f.export, "my disk") ? 2 : 0);
	}
	snprintf(name, sizeof(name), "nbd+unix:///my%%20disk?socket=%s", path);
	CHECK(block_open(name, NULL, 0, &b, &e) == 0);
	CHECK(block_size(b) == DISK_SIZE);
	CHECK_STR_EQ(block_format(b), "nbd");
	block_close(b);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(l);
	unlink(path);
	rmdir(dir);
	err_free(e);
}

static void names(void)
{
	static const struct {
		const char *name, *host, *sock, *export;
		unsigned port;
	} good[] = {
		{"nbd://h/e", "h", NULL, "e", 10809},
		{"nbd://h:10810", "h", NULL, "", 10810},
		{"nbd+tcp://[::1]:1/a/b", "::1", NULL, "a/b", 1},
		{"nbd+unix:///?socket=/run/x.sock", NULL, "/run/x.sock", "", 0},
		{"nbd+unix:///a%2Fb?socket=/s%20t", NULL, "/s t", "a/b", 0},
	};
	static const struct {
		const char *name, *says;
	} bad[] = {
		{"nbd:unix:/tmp/s", "only nbd://HOST[:PORT]/EXPORT"},
		{"nbd://", "a host of 1 to 253"},
		{"nbd://h:0/e", "bad port"},
		{"nbd://h:99999/e", "bad port"},
		{"nbd://h/e?tls-creds=x", "query options"},
		{"nbd+unix:///e", "needs ?socket=PATH"},
		{"nbd+unix://h/e?socket=/s", "has no host"},
		{"nbd+unix:///e?socket=/s&tls=1", "query option 'tls=1'"},
		{"nbd://h/a%00b", "bad %-escape"},
		{"nbd://h/a%4", "bad %-escape"},
		{"nbd://[::1/e", "no ']'"},
		{"nbd://h h/e", "bad character in the host"},
	};
	struct nbd_uri u;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		CHECK(nbd_uri_parse(good[i].name, &u, NULL) == 0);
		CHECK(!u.host == !good[i].host);
		if (good[i].host)
			CHECK_STR_EQ(u.host, good[i].host);
		if (good[i].sock)
			CHECK_STR_EQ(u.socket, good[i].sock);
		CHECK_STR_EQ(u.export, good[i].export);
		if (good[i].host)
			CHECK(u.port == good[i].port);
		nbd_uri_clear(&u);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct err *e = NULL;

		CHECK(nbd_uri_parse(bad[i].name, &u, &e) < 0);
		if (!strstr(err_msg(e), bad[i].says))
			fprintf(stderr, "# %s: %s\n", bad[i].name, err_msg(e));
		CHECK(strstr(err_msg(e), bad[i].says));
		CHECK(strstr(err_msg(e), bad[i].name));
		err_free(e);
	}
}

/* A guest's disk (strict resolver) never reaches a network name. */
static void guest_path_never_connects(void)
{
	struct block_strict strict = {0};
	struct block_open_opts o = {.format = "raw",
				    .fd = -1,
				    .resolve = block_resolve_strict,
				    .opaque = &strict};
	struct block *b = NULL;

	CHECK(block_open_chain("nbd://127.0.0.1:1/x", &o, &b, NULL) < 0);
	CHECK(!b);
}

int main(void)
{
	RUN(names);
	RUN(honest_server);
	RUN(aligned_server);
	RUN(lying_servers);
	RUN(silent_server);
	RUN(by_name);
	RUN(guest_path_never_connects);
	return test_done();
}
