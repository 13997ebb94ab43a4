// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virsh domxml-to-native qemu-argv: the command line the qemu driver
 * would run for a definition, written so that a person can run it. nidod
 * hands QEMU open files (fd sets, a listening monitor socket, taps);
 * here each fd set is the file it would be, the monitor a socket path,
 * and only the taps stay fds (as libvirt prints them: the caller makes
 * them). The disks' chains are opened as a start opens them (disk-open.h:
 * the same rules on what an image may name), read for their file names
 * and formats, and closed.
 */
#include <errno.h>
#include <string.h>

#include "block/chain.h"
#include "daemon/disk-open.h"
#include "daemon/driver-qemu-agent.h"
#include "daemon/driver-qemu.h"
#include "daemon/store.h"

/* The path each fd set stands for, in the order qemu_argv_build() numbers
 * them: each disk's chain, base first, then the firmware's flash. */
struct set_paths {
	char **v;
	size_t n;
};

static void sets_add(struct set_paths *s, const char *path)
{
	s->v = xreallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = xstrdup(path);
}

static void sets_free(struct set_paths *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* "/dev/fdset/N" inside @arg (a JSON -blockdev) replaced by its path. */
static char *with_paths(const char *arg, const struct set_paths *s)
{
	const char *p = strstr(arg, "\"/dev/fdset/");
	unsigned long n;
	char *end;

	if (!p)
		return xstrdup(arg);
	n = strtoul(p + 12, &end, 10);
	if (n < 1 || n > s->n || *end != '"')
		return xstrdup(arg);
	{
		/* a path as a JSON string: quotes and backslashes escaped */
		struct json_object *j = json_object_new_string(s->v[n - 1]);
		char *out =
			xasprintf("%.*s%s%s", (int)(p - arg), arg,
				  json_object_to_json_string_ext(
					  j, JSON_C_TO_STRING_NOSLASHESCAPE),
				  end + 1);

		json_object_put(j);
		return out;
	}
}

/* @s quoted for a POSIX shell when it needs to be. */
static void put_word(FILE *f, const char *s)
{
	if (*s && !s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
			       "TUVWXYZ0123456789-_=,.:/+@%")]) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static int open_chains(const struct domain_def *def, struct block_chain *ch,
		       struct set_paths *s, struct err **e)
{
	for (size_t i = 0; i < def->n_disks; i++) {
		/* a transient disk's overlay is made at each start: the
		 * line shows the image below it */
		struct domain_disk d = def->disks[i];

		d.transient = false;
		if (disk_open(&d, NULL, &ch[i], e) < 0)
			return err_code(*e);
		for (int j = 0; j < ch[i].n; j++)
			sets_add(s, ch[i].files[j].path);
	}
	if (def->fw.type == LOADER_TYPE_PFLASH) {
		sets_add(s, def->fw.loader ? def->fw.loader : "");
		if (qemu_pflash_chips(def) == 2)
			sets_add(s, def->fw.nvram ? def->fw.nvram : "");
	}
	return 0;
}

/* The guest agent's socket as a path: its <source path>, else nidod's
 * (NAME.agent beside the monitor's NAME.monitor). */
static char *agent_socket(const struct domain_def *def, const char *monitor)
{
	const char *dot = strrchr(monitor, '.');

	if (domain_agent_channel(def)->src.path)
		return xasprintf("socket,id=charchannel0,path=%s,server=on,"
				 "wait=off",
				 domain_agent_channel(def)->src.path);
	return xasprintf("socket,id=charchannel0,path=%.*s.agent,server=on,"
			 "wait=off",
			 (int)(dot ? dot - monitor : (long)strlen(monitor)),
			 monitor);
}

int driver_qemu_native(const struct domain_def *def, const char *monitor,
		       char **out, struct err **e)
{
	_cleanup_free_ char *emulator =
		def->emulator ? xstrdup(def->emulator) : driver_qemu_emulator();
	struct block_chain *ch = xcalloc(def->n_disks + 1, sizeof(*ch));
	struct set_paths sets = {0};
	struct qemu_argv a = {0};
	size_t len = 0;
	FILE *f;
	int r, first_tap = QEMU_FIRST_DISK_FD;

	r = open_chains(def, ch, &sets, e);
	if (r == 0) {
		qemu_argv_build(&a, emulator,
				def->virt == DOMAIN_VIRT_QEMU ? "tcg" : "kvm",
				def, ch);
		qemu_argv_nets(&a, def, first_tap + (int)sets.n);
		if (domain_agent_channel(def))
			qemu_argv_agent(&a, -1);
		qemu_argv_kernel(&a, def, -1);
		qemu_argv_chardevs(&a, def, -1, -1);
		qemu_argv_hostdevs(&a, def, NULL);
		qemu_argv_tpm(&a, def, -1);
		qemu_argv_virtiofs(&a, def, -1);
		f = open_memstream(out, &len);
		/* QEMU's local time is a time zone's (qemu_clock_env()) */
		if (def->hw.clock == CLOCK_TIMEZONE) {
			_cleanup_free_ char *tz =
				xasprintf("TZ=%s", def->hw.clock_tz);

			put_word(f, tz);
			fputc(' ', f);
		}
		for (size_t i = 0; i < a.n; i++) {
			_cleanup_free_ char *w = NULL;

			if (streq(a.v[i], "-add-fd") && i + 1 < a.n) {
				i++; /* files are named by path below */
				continue;
			}
			if (str_has_prefix(a.v[i], "socket,id=monitor,fd="))
				w = xasprintf("socket,id=monitor,path=%s,"
					      "server=on,wait=off",
					      monitor);
			else if (str_has_prefix(a.v[i],
						"socket,id=charchannel0,fd="))
				w = agent_socket(def, monitor);
			else
				w = with_paths(a.v[i], &sets);
			if (i)
				fputc(' ', f);
			put_word(f, w);
		}
		fputc('\n', f);
		fclose(f);
		qemu_argv_free(&a);
	}
	for (size_t i = 0; i < def->n_disks; i++)
		block_chain_clear(&ch[i]);
	free(ch);
	sets_free(&sets);
	return r;
}
