// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido edit DOMAIN, net-edit NETWORK, pool-edit POOL and snapshot-edit
 * DOMAIN SNAPSHOT, as virsh's: the
 *definition the next start uses goes to a temporary file, $VISUAL or $EDITOR
 *(else vi) edits it, and the result is defined with validation (unknown
 *elements and attributes are errors) unless --skip-validate. When the define is
 * refused, or someone else changed the definition meanwhile, a terminal
 * user is asked as virsh asks:
 *
 *	Failed. Try again? [y,n,i,f,?]:
 *
 * y edits the same file again, n gives up (the edit is lost), i defines
 * it without validation (the daemon's warnings are printed instead), f
 * tries the define again as it is (after "changed by another user":
 * over the other change). Without a terminal on stdin the edit fails.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>

#include "cli/cli.h"
#include "cli/domain.h"
#include "cli/network.h"
#include "cli/pool.h"
#include "lib/file.h"
#include "lib/util.h"

#define XML_MAX (1u << 20)

/* What is edited: domains or networks. */
struct edit_kind {
	const char *label; /* "Domain" */
	char *(*get)(const char *name, struct err **e);
	int (*define)(const char *xml, bool validate, char **name,
		      struct err **e);
	int (*fail)(const char *what, const char *name, const struct err *e);
	/* an object of another's (a domain's snapshot), instead of get and
	 * define: @owner's object @name */
	char *(*get_of)(const char *owner, const char *name, struct err **e);
	int (*define_of)(const char *owner, const char *name, const char *xml,
			 char **defined, struct err **e);
};

static const struct edit_kind domains = {
	"Domain",
	domain_xml_inactive,
	domain_define_xml,
	domain_fail,
};

static const struct edit_kind networks = {
	"Network",
	network_xml_inactive,
	network_define_xml,
	network_fail,
};

static const struct edit_kind pools = {
	"Pool",
	pool_xml_inactive,
	pool_define_xml,
	pool_fail,
};

struct edit {
	const struct edit_kind *kind;
	const char *owner; /* get_of's, define_of's */
	const char *name;
	char *path;
	char *orig;    /* the definition when the edit began */
	char *defined; /* the name it was defined as */
	bool validate;
};

static const struct edit_kind snapshots = {
	.label = "Snapshot",
	.fail = domain_fail,
	.get_of = snapshot_xml_of,
	.define_of = snapshot_redefine,
};

static char *get(const struct edit *ed, struct err **e)
{
	return ed->owner ? ed->kind->get_of(ed->owner, ed->name, e)
			 : ed->kind->get(ed->name, e);
}

static int write_temp(struct edit *ed, struct err **e)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	ed->path = xasprintf("%s/nidoXXXXXX.xml", dir && *dir ? dir : "/tmp");
	fd = mkstemps(ed->path, 4);
	if (fd < 0)
		return err_sys(e, errno, "creating '%s'", ed->path);
	if (write_full(fd, ed->orig, strlen(ed->orig)) < 0) {
		int r = err_sys(e, errno, "writing '%s'", ed->path);

		close(fd);
		unlink(ed->path);
		return r;
	}
	close(fd);
	return 0;
}

/* Runs the editor on the file through sh, so that "emacs -nw" works. */
static int run_editor(const struct edit *ed, struct err **e)
{
	const char *editor = getenv("VISUAL");
	_cleanup_free_ char *script = NULL;
	int status;
	pid_t pid;

	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	script = xasprintf("%s \"$1\"", editor);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return err_sys(e, errno, "starting the editor");
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", script, "sh", ed->path,
		      (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_sys(e, errno, "waiting for the editor");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return err_set(e, EIO, "editor '%s' failed", editor);
	return 0;
}

/* One key in raw mode, as virsh reads the answer. */
static int read_key(void)
{
	struct termios saved, t;
	unsigned char c = 0;
	ssize_t n;

	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return -1;
	t = saved;
	cfmakeraw(&t);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	do
		n = read(STDIN_FILENO, &c, 1);
	while (n < 0 && errno == EINTR);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	return n == 1 ? tolower(c) : -1;
}

/* Asks what to do after @msg; returns 'y', 'n', 'i' or 'f' (or -1). */
static int ask(const char *msg, bool relax)
{
	for (;;) {
		int c;

		printf("\r%s Try again? %s: ", msg,
		       relax ? "[y,n,i,f,?]" : "[y,n,f,?]");
		fflush(stdout);
		c = read_key();
		if (c == '?') {
			/* the terminal is back in cooked mode here */
			printf("\ny - yes, start editor again\n"
			       "n - no, throw away my changes\n");
			if (relax)
				printf("i - turn off validation and try to "
				       "redefine again\n");
			printf("f - force, try to redefine again\n"
			       "? - print this help\n");
			continue;
		}
		if (c < 0 || c == 'y' || c == 'n' || c == 'f' ||
		    (relax && c == 'i')) {
			printf("\n");
			return c;
		}
	}
}

/*
 * Defines the edited file unless the definition changed meanwhile.
 * Returns 0 when defined, 1 when it must ask (*@msg says why), -1 on
 * an error that ends the edit.
 */
static int try_define(struct edit *ed, const char **msg)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *now = get(ed, &e);
	_cleanup_free_ char *xml = NULL;

	if (!now) {
		ed->kind->fail("get", ed->name, e);
		return -1;
	}
	if (!streq(now, ed->orig)) {
		free(ed->orig);
		ed->orig = steal_ptr(now); /* f then defines over it */
		*msg = "The XML configuration was changed by another user.";
		return 1;
	}
	if (file_read_all(ed->path, XML_MAX, &xml, NULL, &e) < 0 ||
	    (ed->owner ? ed->kind->define_of(ed->owner, ed->name, xml,
					     &ed->defined, &e)
		       : ed->kind->define(xml, ed->validate, &ed->defined,
					  &e)) < 0) {
		cli_error("%s", err_msg(e));
		*msg = "Failed.";
		return 1;
	}
	return 0;
}

/*
 * Runs the editor and reads the file back. Returns 0 when it changed,
 * 1 when not (said), -1 on an error (printed).
 */
static int edit_once(struct edit *ed)
{
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *xml = NULL;

	if (run_editor(ed, &e) < 0 ||
	    file_read_all(ed->path, XML_MAX, &xml, NULL, &e) < 0) {
		cli_error("%s", err_msg(e));
		return -1;
	}
	if (!streq(xml, ed->orig))
		return 0;
	cli_print_extra("%s '%s' XML configuration not changed.\n",
			ed->kind->label, ed->name);
	return 1;
}

/* Edits until defined, unchanged or given up; returns the exit status. */
static int edit_loop(struct edit *ed)
{
	bool edit = true;

	for (;;) {
		const char *msg = NULL;
		int r, c;

		if (edit && (r = edit_once(ed)) != 0)
			return r < 0;
		r = try_define(ed, &msg);
		if (r <= 0)
			return r < 0;
		if (!isatty(STDIN_FILENO)) {
			cli_error("%s", msg);
			return 1;
		}
		c = ask(msg, ed->validate);
		if (c == 'i')
			ed->validate = false;
		else if (c != 'y' && c != 'f')
			return 1;
		edit = c == 'y';
	}
}

static int edit_run(struct edit *ed)
{
	_cleanup_err_ struct err *e = NULL;
	int rc;

	ed->orig = get(ed, &e);
	if (!ed->orig)
		return ed->kind->fail("get", ed->owner ? ed->owner : ed->name,
				      e);
	if (write_temp(ed, &e) < 0) {
		cli_error("%s", err_msg(e));
		rc = 1;
		goto out_free;
	}
	rc = edit_loop(ed);
	if (ed->defined)
		cli_print_extra("%s '%s' XML configuration edited.\n",
				ed->kind->label, ed->defined);
	unlink(ed->path);
out_free:
	free(ed->path);
	free(ed->orig);
	free(ed->defined);
	return rc;
}

int cmd_edit(const struct cli_args *a)
{
	struct edit ed = {
		.kind = &domains,
		.name = cli_str(a, "domain"),
		.validate = !cli_flag(a, "skip-validate"),
	};

	return edit_run(&ed);
}

/* virsh's net-edit has no --skip-validate: unknown parts are warned. */
int cmd_net_edit(const struct cli_args *a)
{
	struct edit ed = {
		.kind = &networks,
		.name = cli_str(a, "network"),
	};

	return edit_run(&ed);
}

/* pool-edit: as net-edit (virsh's has no --skip-validate either). */
int cmd_pool_edit(const struct cli_args *a)
{
	struct edit ed = {
		.kind = &pools,
		.name = cli_str(a, "pool"),
	};

	return edit_run(&ed);
}

int edit_snapshot(const char *dom, const char *snap)
{
	struct edit ed = {
		.kind = &snapshots,
		.owner = dom,
		.name = snap,
	};

	return edit_run(&ed);
}
