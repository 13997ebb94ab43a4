// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nido install: virt-install's job for nido. Writes the domain XML from
 * a few options, creates the disks that are given a size and do not
 * exist yet (through src/block, as `nido img create` does), defines the
 * domain and starts it.
 */
#include <errno.h>
#include <getopt.h>

#include "block/image.h"
#include "cli/client.h"
#include "cli/domain.h"
#include "lib/json.h"
#include "lib/size.h"

#define MAX_DISKS 16

struct install_disk {
	char *path;
	uint64_t size; /* 0: use the file as it is */
	const char *format;
};

/* Most devices in --boot: hd, cdrom, network, each once. */
#define MAX_BOOT 3

struct install {
	const char *name, *kernel, *initrd, *cmdline;
	char *cdrom;		    /* --cdrom: an installer's ISO (absolute) */
	const char *virt_type;	    /* --virt-type: kvm (default) or qemu */
	const char *boot[MAX_BOOT]; /* --boot: hd, cdrom, network */
	size_t n_boot;
	unsigned long memory_mib, vcpus;
	struct install_disk disks[MAX_DISKS];
	size_t n_disks;
	bool print_xml, no_start;
};

static void usage(FILE *f)
{
	fputs("usage: nido install --name NAME (--kernel PATH | --cdrom ISO)\n"
	      "         [--initrd PATH] [--cmdline ARGS] [--memory MiB] "
	      "[--vcpus N]\n"
	      "         [--disk PATH[,size=GiB][,format=raw|qcow2]]...\n"
	      "         [--boot hd,cdrom,network] [--virt-type kvm|qemu]\n"
	      "         [--print-xml] [--no-start]\n"
	      "Writes the domain XML, creates disks given a size that do not "
	      "exist,\ndefines the domain and starts it. With --cdrom the "
	      "firmware boots the\ndisks, then the ISO (a new disk is blank "
	      "until the installer writes it).\n",
	      f);
}

/* Sizes as virt-install takes them: a number of GiB, or with a unit. */
static int parse_disk_size(const char *s, uint64_t *out, struct err **e)
{
	char *end;
	double g;

	errno = 0;
	g = strtod(s, &end);
	if (!errno && end != s && !*end && g > 0 && g < 1e9) {
		*out = (uint64_t)(g * 1024 * 1024 * 1024);
		*out = ALIGN_UP(*out, 512);
		return 0;
	}
	return size_parse(s, out, e);
}

static int parse_disk(const char *spec, struct install_disk *d, struct err **e)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *save = NULL, *tok;
	bool first = true;

	d->format = "qcow2";
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save), first = false) {
		if (str_has_prefix(tok, "path="))
			d->path = xstrdup(tok + 5);
		else if (str_has_prefix(tok, "size=")) {
			if (parse_disk_size(tok + 5, &d->size, e) < 0)
				return err_prefix(e, "--disk '%s'", spec);
		} else if (streq(tok, "format=raw"))
			d->format = "raw";
		else if (streq(tok, "format=qcow2"))
			d->format = "qcow2";
		else if (first && !strchr(tok, '='))
			d->path = xstrdup(tok);
		else
			return err_set(e, EINVAL,
				       "--disk '%s': unknown "
				       "option '%s'",
				       spec, tok);
	}
	if (!d->path)
		return err_set(e, EINVAL, "--disk '%s': no path", spec);
	return 0;
}

static int parse_ulong(const char *opt, const char *s, unsigned long max,
		       unsigned long *out, struct err **e)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || end == s || *end || *out == 0 || *out > max)
		return err_set(e, EINVAL, "%s '%s': expected 1 to %lu", opt, s,
			       max);
	return 0;
}

/* --boot hd,cdrom,network: virt-install's boot order. */
static int parse_boot(const char *list, struct install *in, struct err **e)
{
	static const char *const devs[] = {"hd", "cdrom", "network"};
	_cleanup_free_ char *copy = xstrdup(list);
	char *save = NULL;

	in->n_boot = 0;
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		const char *dev = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(devs); i++)
			if (streq(t, devs[i]))
				dev = devs[i];
		for (size_t i = 0; dev && i < in->n_boot; i++)
			if (in->boot[i] == dev)
				dev = NULL;
		if (!dev)
			return err_set(e, EINVAL,
				       "--boot '%s': '%s' is not hd, cdrom or "
				       "network, or is given twice",
				       list, t);
		in->boot[in->n_boot++] = dev;
	}
	if (!in->n_boot)
		return err_set(e, EINVAL, "--boot '%s': no device", list);
	return 0;
}

/* Applies option @c with @arg; @opt is how the user spelled it. */
static int take_opt(int c, const char *arg, const char *opt, struct install *in,
		    struct err **e)
{
	switch (c) {
	case 'n':
		in->name = arg;
		return 0;
	case 'k':
		in->kernel = arg;
		return 0;
	case 'i':
		in->initrd = arg;
		return 0;
	case 'a':
		in->cmdline = arg;
		return 0;
	case 'C':
		/* the daemon resolves no path against our directory */
		free(in->cdrom);
		in->cdrom = realpath(arg, NULL);
		if (!in->cdrom)
			return err_sys(e, errno, "--cdrom '%s'", arg);
		return 0;
	case 'b':
		return parse_boot(arg, in, e);
	case 'v':
		if (!streq(arg, "kvm") && !streq(arg, "qemu"))
			return err_set(e, EINVAL,
				       "--virt-type '%s': expected kvm or qemu",
				       arg);
		in->virt_type = arg;
		return 0;
	case 'p':
		in->print_xml = true;
		return 0;
	case 's':
		in->no_start = true;
		return 0;
	case 'm':
		return parse_ulong("--memory", arg, 1ul << 22, &in->memory_mib,
				   e);
	case 'c':
		return parse_ulong("--vcpus", arg, 255, &in->vcpus, e);
	case 'd':
		if (in->n_disks == MAX_DISKS)
			return err_set(e, E2BIG, "at most %d disks", MAX_DISKS);
		return parse_disk(arg, &in->disks[in->n_disks++], e);
	case 'h':
		usage(stdout);
		exit(0);
	default:
		return err_set(e, EINVAL,
			       "unknown option '%s' (see nido install --help)",
			       opt);
	}
}

static int parse_args(int argc, char **argv, struct install *in, struct err **e)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"memory", required_argument, NULL, 'm'},
		{"vcpus", required_argument, NULL, 'c'},
		{"kernel", required_argument, NULL, 'k'},
		{"initrd", required_argument, NULL, 'i'},
		{"cmdline", required_argument, NULL, 'a'},
		{"extra-args", required_argument, NULL, 'a'},
		{"disk", required_argument, NULL, 'd'},
		{"cdrom", required_argument, NULL, 'C'},
		{"boot", required_argument, NULL, 'b'},
		{"virt-type", required_argument, NULL, 'v'},
		{"print-xml", no_argument, NULL, 'p'},
		{"no-start", no_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (take_opt(c, optarg, argv[optind - 1], in, e) < 0)
			return -EINVAL;
	if (optind < argc)
		return err_set(e, EINVAL, "unexpected argument '%s'",
			       argv[optind]);
	if (!in->name || (!in->kernel && !in->cdrom))
		return err_set(e, EINVAL,
			       "--name and --kernel or --cdrom are required");
	if (in->kernel && in->cdrom)
		return err_set(e, EINVAL,
			       "--kernel and --cdrom: give one (a kernel "
			       "boots directly, an ISO through the firmware)");
	return 0;
}

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void put_elem(FILE *f, const char *indent, const char *tag,
		     const char *value)
{
	fprintf(f, "%s<%s>", indent, tag);
	put_escaped(f, value);
	fprintf(f, "</%s>\n", tag);
}

/*
 * <os>: a kernel booted directly, or the firmware's boot order. With an
 * ISO and no --boot, the disks come first: a new disk is blank, so the
 * firmware goes on to the ISO, and once the installer has written a
 * boot loader the installed system boots with no change to the
 * definition (virt-install gets there with a second definition after
 * the installer's reboot).
 */
static void put_os(FILE *f, const struct install *in)
{
	fputs("  <os>\n    <type arch='x86_64'>hvm</type>\n", f);
	if (in->kernel)
		put_elem(f, "    ", "kernel", in->kernel);
	if (in->initrd)
		put_elem(f, "    ", "initrd", in->initrd);
	if (in->cmdline)
		put_elem(f, "    ", "cmdline", in->cmdline);
	for (size_t i = 0; i < in->n_boot; i++)
		fprintf(f, "    <boot dev='%s'/>\n", in->boot[i]);
	if (!in->n_boot && in->cdrom)
		fputs("    <boot dev='hd'/>\n    <boot dev='cdrom'/>\n", f);
	fputs("  </os>\n", f);
}

static char *make_xml(const struct install *in)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fprintf(f, "<domain type='%s'>\n",
		in->virt_type ? in->virt_type : "kvm");
	put_elem(f, "  ", "name", in->name);
	fprintf(f, "  <memory unit='MiB'>%lu</memory>\n", in->memory_mib);
	fprintf(f, "  <vcpu>%lu</vcpu>\n", in->vcpus);
	put_os(f, in);
	/* as virt-install writes it: without <acpi/> a full machine has no
	 * ACPI (libvirt's rule), and no shutdown through the power button */
	fputs("  <features>\n    <acpi/>\n    <apic/>\n  </features>\n", f);
	fputs("  <devices>\n", f);
	for (size_t i = 0; i < in->n_disks; i++) {
		fprintf(f,
			"    <disk type='file' device='disk'>\n"
			"      <driver name='qemu' type='%s'/>\n"
			"      <source file='",
			in->disks[i].format);
		put_escaped(f, in->disks[i].path);
		fprintf(f,
			"'/>\n      <target dev='vd%c' bus='virtio'/>\n"
			"    </disk>\n",
			(char)('a' + i));
	}
	if (in->cdrom) {
		fputs("    <disk type='file' device='cdrom'>\n"
		      "      <driver name='qemu' type='raw'/>\n"
		      "      <source file='",
		      f);
		put_escaped(f, in->cdrom);
		fputs("'/>\n      <target dev='hdc' bus='ide'/>\n"
		      "      <readonly/>\n    </disk>\n",
		      f);
	}
	fputs("    <serial type='pty'/>\n    <console type='pty'/>\n"
	      "  </devices>\n</domain>\n",
	      f);
	fclose(f);
	return out;
}

static int create_disks(const struct install *in, struct err **e)
{
	for (size_t i = 0; i < in->n_disks; i++) {
		const struct install_disk *d = &in->disks[i];
		struct img_create_opts o = {.format = d->format,
					    .size = d->size};
		char human[SIZE_HUMAN_LEN];

		if (!d->size)
			continue;
		if (access(d->path, F_OK) == 0) {
			printf("Using existing disk '%s'\n", d->path);
			continue;
		}
		if (img_create(d->path, &o, e) < 0)
			return err_prefix(e, "creating disk '%s'", d->path);
		printf("Created disk '%s' (%s, %s)\n", d->path, d->format,
		       size_format_human(d->size, human));
	}
	return 0;
}

/* virt-install refuses a name in use rather than redefining it. */
static int check_free(struct nido_conn *c, const char *name, struct err **e)
{
	_cleanup_err_ struct err *e1 = NULL;

	if (client_call(c, "domain.info", client_domain_params(name), NULL,
			&e1) == 0)
		return err_set(e, EEXIST, "domain '%s' already exists", name);
	if (err_code(e1) != -ENOENT) {
		*e = steal_ptr(e1);
		return err_code(*e);
	}
	return 0;
}

static int define_and_start(const struct install *in, const char *xml,
			    struct err **e)
{
	struct nido_conn *c = client_connect(e);
	_cleanup_json_ struct json_object *res = NULL;
	struct json_object *p;
	int r;

	if (!c)
		return err_code(*e);
	if (check_free(c, in->name, e) < 0 || create_disks(in, e) < 0) {
		client_close(c);
		return err_code(*e);
	}
	p = json_object_new_object();
	json_object_object_add(p, "xml", json_object_new_string(xml));
	r = client_call(c, "domain.define", p, &res, e);
	if (r == 0) {
		printf("Domain '%s' defined\n", in->name);
		if (!in->no_start)
			r = client_call(c, "domain.start",
					client_domain_params(in->name), NULL,
					e);
		if (r == 0 && !in->no_start)
			printf("Domain '%s' started\n", in->name);
	}
	client_close(c);
	return r;
}

int cmd_install(int argc, char **argv)
{
	struct install in = {.memory_mib = 256, .vcpus = 1};
	_cleanup_err_ struct err *e = NULL;
	_cleanup_free_ char *xml = NULL;
	int rc = 1;

	if (parse_args(argc, argv, &in, &e) < 0) {
		cli_error("install: %s", err_msg(e));
		goto out;
	}
	xml = make_xml(&in);
	if (in.print_xml) {
		fputs(xml, stdout);
		rc = 0;
		goto out;
	}
	if (define_and_start(&in, xml, &e) < 0) {
		cli_error("failed to install domain '%s': %s", in.name,
			  err_msg(e));
		goto out;
	}
	putchar('\n');
	rc = 0;
out:
	for (size_t i = 0; i < in.n_disks; i++)
		free(in.disks[i].path);
	free(in.cdrom);
	return rc;
}
